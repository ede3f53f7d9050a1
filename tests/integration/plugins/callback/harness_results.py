# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: one JSON line per task result, for tests/integration/harness.py."""

from __future__ import annotations

DOCUMENTATION = r"""
name: harness_results
type: aggregate
short_description: Write every task result as a JSON line to a file (integration tests)
description:
  - Appends one JSON object per task result (and one for the final play recap) to the file named by
    O(results_file). The stdout callback is unchanged.
  - Used by the integration test harness (C(tests/integration/harness.py)); not part of the collection.
requirements:
  - enable it with C(ANSIBLE_CALLBACK_PLUGINS) and C(ANSIBLE_CALLBACKS_ENABLED=harness_results)
options:
  results_file:
    description: File the JSON lines are appended to. Nothing is written when unset.
    type: path
    env:
      - name: HWCLOUD_TEST_RESULTS_FILE
"""

import json

from ansible.playbook.handler import Handler
from ansible.plugins.callback import CallbackBase
from ansible.vars.clean import module_response_deepcopy, strip_internal_keys

try:  # ansible-core 2.19+: resolve lazy template containers into plain data, as the stdout callback does
    from ansible._internal._templating._engine import TemplateEngine
except ImportError:  # pragma: no cover - older ansible-core
    TemplateEngine = None


class CallbackModule(CallbackBase):
    """Record task results as JSON lines: type, play, task, action, host, status, ignored, result."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "harness_results"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._play_name = None

    def _write(self, record):
        path = self.get_option("results_file")
        if not path:
            return
        line = json.dumps(record, default=str, sort_keys=True)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    @staticmethod
    def _plain(result):
        data = strip_internal_keys(module_response_deepcopy(result))
        if TemplateEngine is not None:
            data = TemplateEngine().transform(data)
        return data

    def _record(self, result, status, ignored=False):
        # ansible-core 2.19 has result.task / result.host; 2.17 and 2.18 only _task / _host.
        task = getattr(result, "task", None) or result._task  # pylint: disable=protected-access
        host = getattr(result, "host", None) or result._host  # pylint: disable=protected-access
        raw = result._result  # pylint: disable=protected-access  # the documented way to reach the result
        self._write({
            "type": "task",
            "play": self._play_name,
            "task": task.get_name(),
            "action": task.action,
            "handler": isinstance(task, Handler),
            "host": host.get_name(),
            "status": status,
            "ignored": ignored,
            # 2.17 and 2.18 do not always keep _ansible_no_log in the result (a debug task); the task says it too.
            "no_log": bool(raw.get("_ansible_no_log") or task.no_log),
            "result": self._plain(raw),
        })

    def v2_playbook_on_play_start(self, play):
        self._play_name = play.get_name()

    def v2_runner_on_ok(self, result):
        self._record(result, "changed" if result._result.get("changed") else "ok")  # pylint: disable=protected-access

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed", ignored=ignore_errors)

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        hosts = sorted(stats.processed.keys())
        self._write({"type": "stats", "hosts": {host: stats.summarize(host) for host in hosts}})
