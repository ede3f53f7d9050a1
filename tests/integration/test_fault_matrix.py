# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault-injection matrix: every fault of the emulator against every front door, with the real binaries.

Faults (``CASES``): 429 three times then OK, 429 forever, 500, 503, a dropped connection, a truncated JSON body, an
HTML body, a repeated ECS ``next_marker``, a response slower than the timeout, an ``X-Sdk-Date`` outside the
allowed skew and a wrong secret key. Front doors, one test each, parametrized by fault:

* the info module (``ansible-playbook``): the right events after retries, or a failure whose ``msg`` names the
  HTTP status (or "no response"), the error code when the API gives one, and the request id;
* the inventory plugin (``ansible-inventory``, tag_existing mode after a static inventory): ``strict: true``
  fails the source; ``strict: false`` puts every host the failed target covers in ``scheduled_events_unknown``;
* the gate role (``ansible-playbook``, ``gate_action: skip_hosts``): no host is ever deployed;
* the EDA source (its ``run`` loop, with an injected sleep that records the delays): backs off, emits ``error``,
  and emits the events and ``recovered`` once the fault is cleared; never ``cleared`` because of a fault.

Every run reads one region (``cn-north-4`` of the demo fleet, both services) with its project id given, so the
fault hits every request of the run. Then the retry bounds: attempts and the overall deadline, and Retry-After.
"""

from __future__ import annotations

import asyncio
import json
import re
import runpy
import time
from dataclasses import dataclass, field
from typing import Optional

import pytest

from emulator import Fleet
from emulator import credentials as emu_creds
from harness import REPO_ROOT, Steps, emulator_endpoints, members, plain, run_inventory_raw, run_playbook

from ansible_collections.hwcloud.maintenance.plugins.plugin_utils import eda

REGION = "cn-north-4"
WRONG_SK = "wrong-secret-key-0000000000000000000000000007"
SECRETS = (emu_creds.SK, emu_creds.TEMP_SK, emu_creds.SECURITY_TOKEN, emu_creds.IAM_TOKEN, WRONG_SK)
SOURCE = REPO_ROOT / "extensions" / "eda" / "plugins" / "event_source" / "scheduled_events.py"
DEMO_INVENTORY = REPO_ROOT / "tests" / "emulator" / "fleets" / "demo-inventory.yml"
PENDING = ("inquiring", "scheduled", "executing")
REQUEST_ID = re.compile(r"request id ([0-9a-f]{32})\b")

# Hosts of the demo fleet for the inventory plugin in tag_existing mode.
STATIC_HOSTS = {"all": {"hosts": {
    "web01": {"instance_id": "c51b9e4f-0469-4c6f-ad03-22b23247b7a8", "region": REGION},  # scheduled redeploy
    "web04": {"instance_id": "5b0e2d71-8c4f-4a39-b6e2-91f0c3d7a458", "region": REGION},  # no event
}}}
# What the gate does with the demo inventory when it can read the events (see test_playbooks.py).
GATE_CLEARED = ["db01", "db03", "db04", "web01", "web03", "web04"]


@dataclass(frozen=True)
class Case:
    """One fault and what every front door must report for it.

    ``faults``: ``add_fault`` keywords. ``skew``: the emulator accepts no ``X-Sdk-Date`` at all. ``wrong_sk``:
    the run signs with a secret key the emulator does not know. ``recovers``: the run must succeed after retries.
    ``status``: the HTTP status the error names (None: "no response"); ``code``: a regular expression of the error
    code (None: no code); ``request_id``: whether a request id is named; ``words``: a fragment of the message.
    ``attempts``: requests per target the client makes before giving up (None: not checked).
    """

    id: str
    faults: tuple = ()
    skew: bool = False
    wrong_sk: bool = False
    recovers: bool = False
    status: Optional[int] = None
    code: Optional[str] = None
    request_id: bool = True
    words: str = ""
    attempts: Optional[int] = None
    retries: int = 1
    timeout: float = 15.0
    page_size: int = 100
    options: dict = field(default_factory=dict)

    def arm(self, emu):
        """Inject this fault into ``emu``."""
        for fault in self.faults:
            emu.add_fault(**fault)
        if self.skew:
            emu.max_skew = -1.0  # every X-Sdk-Date is too far from the server's clock

    def clear(self, emu):
        """Remove the fault: what an operator (or the cloud) does to end it."""
        emu.clear_faults()
        emu.max_skew = 900.0
        if self.wrong_sk:
            # The key the client signs with becomes the valid one (as after a key rotation on the cloud side).
            emu.app.auth.access_keys = dict(emu.app.auth.access_keys,
                                            **{emu_creds.AK: emu_creds.AccessKey(emu_creds.AK, WRONG_SK)})

    def api_options(self, emu):
        """The shared options of every front door for this case (without credentials)."""
        return {"regions": [REGION], "project_ids": {REGION: emu.project_id(REGION)},
                "endpoints": emulator_endpoints(emu.url), "retries": self.retries, "timeout": self.timeout,
                "retry_deadline": 60.0, "page_size": self.page_size}


CASES = [
    Case("429x3-then-ok", faults=({"kind": "status", "status": 429, "count": 3},), recovers=True, retries=3),
    Case("429-forever", faults=({"kind": "status", "status": 429},), status=429, code=r"APIGW\.0308",
         words="throttling", attempts=2),
    Case("500", faults=({"kind": "status", "status": 500},), status=500, code=r"(Ecs|ModelArts)\.0000",
         attempts=2),
    Case("503", faults=({"kind": "status", "status": 503},), status=503, code=r"(Ecs|ModelArts)\.0000",
         attempts=2),
    Case("dropped-connection", faults=({"kind": "drop"},), request_id=False, words="connection failed",
         attempts=2),
    Case("truncated-json", faults=({"kind": "truncate"},), status=200,
         words="connection failed while reading the response body", attempts=2),
    Case("non-json-body", faults=({"kind": "non_json"},), status=200, words="malformed response", attempts=1),
    # A repeated next_marker only shows on a second page: one event per page.
    Case("repeated-next-marker", faults=({"kind": "marker_loop", "route": "ecs.list"},), status=200,
         words="paging loop", page_size=1),
    Case("slower-than-timeout", faults=({"kind": "delay", "seconds": 8.0},), request_id=False,
         words="ReadTimeout", timeout=1.0),
    Case("expired-x-sdk-date", skew=True, status=401, code=r"APIGW\.0301", words="X-Sdk-Date", attempts=1),
    Case("wrong-secret-key", wrong_sk=True, status=401, code=r"APIGW\.0301", words="verify aksk signature fail",
         attempts=1),
]
CASE_IDS = [case.id for case in CASES]


# ----------------------------------------------------------------------------------------------- helpers

def assert_names_the_error(case, msg, error=None):
    """``msg`` (and the structured ``error``, when given) name the status, code and request id of ``case``."""
    text = " ".join(msg.split())  # warnings and errors may be wrapped
    assert case.words in text, text
    if case.status is None:
        assert "no response" in text, text
    else:
        assert "HTTP %d" % case.status in text, text
    if case.code:
        assert re.search(r"error code %s\b" % case.code, text), text
    else:
        assert "error code" not in text, text
    found = REQUEST_ID.findall(text)
    if case.request_id:
        assert found, "no request id in %r" % text
    else:
        assert "request id none" in text, text
    if error is not None:
        assert error["status"] == case.status
        assert (error["code"] is None) if not case.code else re.fullmatch(case.code, error["code"])
        assert (error["request_id"] in found) if case.request_id else error["request_id"] is None


def assert_clean(*texts):
    for text in texts:
        assert "Traceback" not in text
        for secret in SECRETS:
            assert secret not in text


def pending_ids(emu):
    return sorted(e["id"] for e in emu.events(region=REGION) if e["state"] in PENDING
                  and (e["service"] == "ecs" or e.get("workspaceId") == "0"))


def check_attempts(case, emu):
    """Each target (ECS, ModelArts) was tried exactly ``case.attempts`` times: retries are bounded."""
    if case.attempts is None:
        return
    by_route = emu.stats()["by_route"]
    assert by_route.get("ecs.list") == case.attempts and by_route.get("modelarts.list") == case.attempts, by_route


def armed(emulator_factory, case):
    emu = emulator_factory(Fleet.demo())
    case.arm(emu)
    return emu


# ----------------------------------------------------------------------------------------------- info module

INFO_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: List events
      hwcloud.maintenance.scheduled_event_info: "{{ options }}"
      register: listing
      ignore_errors: true
"""


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_info_module(case, emulator_factory, ansible_env_factory):
    emu = armed(emulator_factory, case)
    options = case.api_options(emu)
    if case.wrong_sk:
        options["secret_key"] = WRONG_SK  # options come before the environment's AK/SK
    result = run_playbook(INFO_PLAYBOOK, ansible_env_factory(emu), extra_vars={"options": options})
    result.assert_ok()
    assert_clean(result.stdout, result.stderr, json.dumps([t.result for t in result.tasks]))
    task = result.task("List events")
    if case.recovers:
        assert task.status == "ok", task.result
        assert task["complete"] is True
        assert sorted(e["id"] for e in task["events"]) == sorted(e["id"] for e in emu.events(region=REGION)
                                                                 if e["service"] == "ecs"
                                                                 or e.get("workspaceId") == "0")
        assert emu.stats()["by_status"]["429"] == 3
        return
    assert task.status == "failed" and task.ignored, task.result
    assert "events" not in task.result
    assert_names_the_error(case, task["msg"], task["error"])
    assert "could not read" in task["msg"]
    check_attempts(case, emu)


# ----------------------------------------------------------------------------------------------- inventory

@pytest.mark.parametrize("strict", [True, False], ids=["strict", "not-strict"])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_inventory_plugin(case, strict, emulator_factory, ansible_env_factory):
    emu = armed(emulator_factory, case)
    config = dict(case.api_options(emu), plugin="hwcloud.maintenance.scheduled_events", mode="tag_existing",
                  match_keys=["instance_id"], match_region="region", strict=strict)
    if case.wrong_sk:
        config.update(access_key=emu_creds.AK, secret_key=WRONG_SK)  # the plugin takes both or neither
    result = run_inventory_raw(config, ansible_env_factory(emu), ["--list", "--export"],
                               filename="faults.hwcloud_events.yml", sources_before=[STATIC_HOSTS])
    assert_clean(result.stdout, result.stderr)
    if case.recovers:
        assert result.ok, result.describe()
        data = plain(result.data)
        assert members(data, "scheduled_events_unknown") == []
        assert members(data, "scheduled_events_pending") == ["web01"]
        statuses = dict((h, v["scheduled_event_status"]) for h, v in data["_meta"]["hostvars"].items())
        assert statuses == {"web01": "pending", "web04": "clear"}
        return
    if strict:
        assert not result.ok, result.describe()
        assert result.said("(strict is true)"), result.describe()
        assert_names_the_error(case, result.stderr)
        return
    assert result.ok, result.describe()
    data = plain(result.data)
    # No host is dropped or cleared: both are unknown, whatever events the fleet has for them.
    assert members(data, "scheduled_events_unknown") == ["web01", "web04"]
    hostvars = data["_meta"]["hostvars"]
    assert sorted(hostvars) == ["web01", "web04"]
    assert all(v["scheduled_event_status"] == "unknown" for v in hostvars.values())
    failed = data["scheduled_events_unknown"]["vars"]["scheduled_events_failed_targets"]
    assert failed and all(t["region"] == REGION for t in failed)
    assert_names_the_error(case, failed[0]["error"]["msg"], failed[0]["error"])
    assert "could not read" in result.stderr
    assert_names_the_error(case, result.stderr)


# ----------------------------------------------------------------------------------------------- gate

GATE_PLAYBOOK = """
- name: Gate
  hosts: all
  gather_facts: false
  module_defaults:
    group/hwcloud.maintenance.hwcloud:
      retry_deadline: "{{ options.retry_deadline }}"
      page_size: "{{ options.page_size }}"
  roles:
    - role: hwcloud.maintenance.gate
      vars:
        gate_action: skip_hosts
- name: Deploy
  hosts: all:!gate_blocked
  gather_facts: false
  tasks:
    - name: Deploy
      ansible.builtin.debug:
        msg: deployed
"""


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_gate_role(case, emulator_factory, ansible_env_factory):
    emu = armed(emulator_factory, case)
    options = case.api_options(emu)
    variables = {"options": options, "hwcloud_regions": options["regions"],
                 "hwcloud_project_ids": options["project_ids"], "hwcloud_endpoints": options["endpoints"],
                 "hwcloud_retries": options["retries"], "hwcloud_timeout": options["timeout"]}
    if case.wrong_sk:
        variables["hwcloud_secret_key"] = WRONG_SK
    result = run_playbook(GATE_PLAYBOOK, ansible_env_factory(emu), extra_vars=variables, inventory=DEMO_INVENTORY)
    assert_clean(result.stdout, result.stderr, json.dumps([t.result for t in result.tasks]))
    deployed = sorted(item.host for item in result.results(task="Deploy"))
    if case.recovers:
        result.assert_ok()
        assert deployed == GATE_CLEARED
        return
    result.assert_failed()
    assert deployed == [], "the gate let hosts through although the events could not be read"
    failed = [t for t in result.tasks if t.task.endswith("Fail closed when the scheduled events could not be read")]
    assert failed and failed[0].status == "failed", result.describe()
    assert "so no host can be cleared" in failed[0]["msg"]
    assert_names_the_error(case, failed[0]["msg"])


# ----------------------------------------------------------------------------------------------- EDA source

def eda_args(case, emu, **extra):
    args = dict(case.api_options(emu), access_key=emu_creds.AK, secret_key=WRONG_SK if case.wrong_sk else emu_creds.SK,
                interval="1m", backoff_max="5m", error_threshold=2)
    args.update(extra)
    return args


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_eda_source(case, emulator_factory):
    emu = armed(emulator_factory, case)
    expected = pending_ids(emu)
    # Poll 1 and 2 fail (an error event at the second, error_threshold=2), then the fault is cleared: poll 3.
    steps = Steps(lambda: None, lambda: case.clear(emu))
    queue = asyncio.Queue()
    asyncio.run(eda.run(queue, eda_args(case, emu), sleep=steps.sleep, max_polls=3))
    out = []
    while not queue.empty():
        out.append(queue.get_nowait())
    assert_clean(json.dumps(out))
    transitions = [e["transition"] for e in out]
    new = sorted(e["id"] for e in out if e["transition"] == eda.NEW)
    assert new == expected, "every pending event once, nothing lost"
    assert eda.CLEARED not in transitions and eda.CHANGED not in transitions
    if case.recovers:
        assert transitions == [eda.NEW] * len(expected)
        assert steps.delays == [60.0, 60.0]
        return
    errors = [e for e in out if e["transition"] == eda.ERROR]
    assert len(errors) == 1 and errors[0]["failures"] == 2 and transitions[-1] == eda.RECOVERED
    assert transitions.index(eda.ERROR) < transitions.index(eda.RECOVERED)
    error = errors[0]["errors"][0]["error"]
    assert errors[0]["errors"][0]["target"]["region"] == REGION
    assert_names_the_error(case, error["msg"], error)
    assert_names_the_error(case, errors[0]["message"])
    # Backs off: the first retry after min(interval, 10 s), then doubled.
    assert steps.delays == [10.0, 20.0]
    # The events of a failed target are emitted only once it is read again, after the error event.
    ecs_events = [i for i, e in enumerate(out) if e["transition"] == eda.NEW and e["service"] == "ecs"]
    assert min(ecs_events) > transitions.index(eda.ERROR)


def test_eda_main_backs_off_and_recovers(emulator_factory):
    """The plugin's ``main()`` as ansible-rulebook calls it, with real sleeps: 503 until the fault is cleared."""
    case = CASES[CASE_IDS.index("503")]
    emu = armed(emulator_factory, case)
    expected = pending_ids(emu)
    main = runpy.run_path(str(SOURCE))["main"]
    args = eda_args(case, emu, interval=0.2, backoff_max="1s", error_threshold=2, retries=0,
                    eda_feedback_queue=None)

    async def scenario():
        queue = asyncio.Queue()
        task = asyncio.create_task(main(queue, args))
        received = []
        try:
            deadline = time.monotonic() + 60
            while not received or received[-1]["transition"] != eda.ERROR:
                received.append(await asyncio.wait_for(queue.get(), deadline - time.monotonic()))
            failed_polls = emu.stats()["by_route"]["ecs.list"]
            case.clear(emu)
            while received[-1]["transition"] != eda.RECOVERED:
                received.append(await asyncio.wait_for(queue.get(), deadline - time.monotonic()))
            assert not task.done()
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        return received, failed_polls

    out, failed_polls = asyncio.run(scenario())
    assert [e["transition"] for e in out] == [eda.ERROR] + [eda.NEW] * len(expected) + [eda.RECOVERED]
    assert sorted(e["id"] for e in out if e["transition"] == eda.NEW) == expected
    assert_names_the_error(case, out[0]["message"])
    assert failed_polls >= 2
    assert_clean(json.dumps(out))


# ----------------------------------------------------------------------------------------------- retry bounds

TIMED_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Start
      ansible.builtin.set_fact:
        started: "{{ now().timestamp() }}"
    - name: List events
      hwcloud.maintenance.scheduled_event_info: "{{ options }}"
      register: listing
      ignore_errors: true
    - name: End
      ansible.builtin.set_fact:
        elapsed: "{{ now().timestamp() - started | float }}"
"""


def timed_listing(emu, env, **options):
    """Run the info module once on ECS of REGION; its result and how long it took (seconds, module start to end)."""
    base = {"regions": [REGION], "project_ids": {REGION: emu.project_id(REGION)}, "services": ["ecs"],
            "endpoints": emulator_endpoints(emu.url), "timeout": 15.0}
    result = run_playbook(TIMED_PLAYBOOK, env, extra_vars={"options": dict(base, **options)})
    result.assert_ok()
    assert_clean(result.stdout, result.stderr)
    return result.task("List events"), float(result.task("End")["ansible_facts"]["elapsed"])


@pytest.mark.parametrize("retries,deadline", [(2, 60.0), (20, 3.0)], ids=["attempts-bind", "deadline-binds"])
def test_retry_bound(retries, deadline, emulator, ansible_env):
    """503 forever: at most retries + 1 requests, and the module ends within the deadline plus a margin.

    Retry-After: 1 makes each wait at least one second, so without the deadline 20 retries would take 20 s.
    """
    emulator.add_fault(route="ecs.list", kind="status", status=503, retry_after="1")
    task, elapsed = timed_listing(emulator, ansible_env, retries=retries, retry_deadline=deadline)
    requests_made = emulator.stats()["by_route"]["ecs.list"]
    assert task.status == "failed" and "HTTP 503" in task["msg"] and REQUEST_ID.search(task["msg"])
    assert requests_made <= retries + 1
    assert elapsed < deadline + 10.0, "the run took %.1fs, the deadline is %gs" % (elapsed, deadline)
    if deadline < retries:
        assert "retry deadline would pass" in task["msg"]
        assert requests_made <= deadline + 1  # each wait is at least Retry-After: 1 second
    else:
        assert requests_made == retries + 1 and elapsed >= retries  # every wait honoured Retry-After


def test_retry_after_is_honoured(emulator, ansible_env):
    emulator.add_fault(route="ecs.list", kind="status", status=429, retry_after="2", count=1)
    task, elapsed = timed_listing(emulator, ansible_env, retries=1)
    assert task.status == "ok" and task["complete"] is True, task.result
    assert emulator.stats()["by_route"]["ecs.list"] == 2
    assert elapsed >= 2.0
