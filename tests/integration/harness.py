# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the real ``ansible-playbook`` and ``ansible-inventory`` from integration tests.

The fixtures in ``conftest.py`` (``emulator``, ``emulator_factory``, ``ansible_env``,
``ansible_env_factory``) build on these helpers; test modules import the functions directly::

    from harness import emulator_endpoints, run_inventory, run_playbook

    def test_lists_pending_events(emulator, ansible_env):
        result = run_playbook('''
            - hosts: localhost
              gather_facts: false
              tasks:
                - name: List events
                  hwcloud.maintenance.scheduled_event_info:
                    regions: [cn-north-4]
                    endpoints: "{{ endpoints }}"
        ''', ansible_env, extra_vars={"endpoints": emulator_endpoints(emulator.url)})
        result.assert_ok()
        assert result.task("List events")["count"] > 0

Every run is a subprocess with an environment built here: the collection comes from
``build/collections`` (a symlink to the checkout), nothing leaks in from the outer environment's
``ANSIBLE_*``, ``HUAWEICLOUD_*`` or ``HW_*`` variables, and each run's files stay in the test's
``tmp_path``. Per-task results come from the test-only callback ``plugins/callback/harness_results.py``,
which writes one JSON line per task result; the stdout callback is untouched, so ``stdout`` is what a
user would see.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS_PATH = REPO_ROOT / "build" / "collections"
COLLECTION_LINK = COLLECTIONS_PATH / "ansible_collections" / "hwcloud" / "maintenance"
# The venv whose ansible-* commands and Python the runs use: the repo's .venv, or the one named by
# HWCLOUD_TEST_VENV (scripts/compat.sh runs the tests on older ansible-core releases that way).
VENV_BIN = Path(os.environ.get("HWCLOUD_TEST_VENV") or REPO_ROOT / ".venv") / "bin"
CALLBACK_DIR = Path(__file__).resolve().parent / "plugins" / "callback"
CALLBACK_NAME = "harness_results"

# Environment variables the harness owns.
RESULTS_FILE_VAR = "HWCLOUD_TEST_RESULTS_FILE"  # read by the harness_results callback
WORKDIR_VAR = "HWCLOUD_TEST_WORKDIR"  # where run_playbook/run_inventory write their input files
EMULATOR_URL_VAR = "HWCLOUD_EMULATOR_URL"

# Variables never inherited from the outer environment.
_DROPPED_PREFIXES = ("ANSIBLE_", "HUAWEICLOUD_", "HW_", "HWCLOUD_")
_DROPPED_NAMES = ("PYTHONPATH",)

DEFAULT_TIMEOUT = 600  # seconds for one ansible-playbook / ansible-inventory run

# The inventory used when a test gives none: localhost, local connection.
DEFAULT_INVENTORY = {"all": {"hosts": {"localhost": {"ansible_connection": "local"}}}}

PlaybookSource = Union[str, os.PathLike]
InventorySource = Union[str, os.PathLike, Mapping[str, Any]]


class HarnessError(AssertionError):
    """A run did not do what the test needed; the message carries the command and its output."""


# --------------------------------------------------------------------------------------- setup

def ensure_collection_link() -> Path:
    """Create ``build/collections/ansible_collections/hwcloud/maintenance -> <repo>`` if missing.

    ``make collection`` does the same; this lets ``pytest tests/integration`` work on its own too.
    Safe to call from several processes at once (pytest-xdist workers).
    """
    COLLECTION_LINK.parent.mkdir(parents=True, exist_ok=True)
    if not COLLECTION_LINK.exists():
        try:
            COLLECTION_LINK.symlink_to(os.path.relpath(REPO_ROOT, COLLECTION_LINK.parent))
        except FileExistsError:
            pass
    return COLLECTION_LINK


def venv_python() -> str:
    """The Python that runs Ansible and its modules: the repo's venv if present, else this one."""
    candidate = VENV_BIN / "python"
    return str(candidate) if candidate.exists() else sys.executable


def emulator_endpoints(url: str) -> dict[str, str]:
    """The ``endpoints`` option value that sends every service (ecs, modelarts, iam) to the emulator."""
    return {"ecs": url, "modelarts": url, "iam": url}


def emulator_credentials(kind: Optional[str] = "permanent") -> dict[str, str]:
    """Environment variables with credentials the emulator accepts.

    ``kind``: ``"permanent"`` (AK/SK), ``"temporary"`` (AK/SK + security token), ``"token"`` (IAM
    token in ``HW_AUTH_TOKEN``) or ``None`` (no credentials at all).
    """
    if kind is None:
        return {}
    from emulator import credentials  # pylint: disable=import-outside-toplevel  # tests/ is on sys.path

    if kind == "permanent":
        return {"HUAWEICLOUD_SDK_AK": credentials.AK, "HUAWEICLOUD_SDK_SK": credentials.SK}
    if kind == "temporary":
        return {"HUAWEICLOUD_SDK_AK": credentials.TEMP_AK, "HUAWEICLOUD_SDK_SK": credentials.TEMP_SK,
                "HUAWEICLOUD_SDK_SECURITY_TOKEN": credentials.SECURITY_TOKEN}
    if kind == "token":
        return {"HW_AUTH_TOKEN": credentials.IAM_TOKEN}
    raise ValueError(f"unknown credentials kind {kind!r}; use 'permanent', 'temporary', 'token' or None")


def ansible_environment(workdir: Union[str, os.PathLike], emulator_url: Optional[str] = None,
                        credentials: Optional[str] = "permanent",
                        extra: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    """Environment for running Ansible in a test, with all its files under ``workdir``.

    Starts from ``os.environ`` without ``ANSIBLE_*``, ``HUAWEICLOUD_*``, ``HW_*``, ``HWCLOUD_*`` and
    ``PYTHONPATH``, then sets: the collections path, an empty ``ansible.cfg``, no host key checking, no
    colour, no retry files, inventory sources that fail to parse are fatal
    (``ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED``; a test of the default may override it), temp
    directories and ``ANSIBLE_HOME`` inside ``workdir``, the venv first on ``PATH``, a UTF-8 locale,
    the results callback, ``HWCLOUD_EMULATOR_URL`` (when ``emulator_url`` is given) and the
    emulator's credentials of the given kind (see :func:`emulator_credentials`).
    ``extra`` is applied last and may override anything.
    """
    ensure_collection_link()
    workdir = Path(workdir)
    for name in ("ansible-home", "ansible-local-tmp", "ansible-remote-tmp"):
        (workdir / name).mkdir(parents=True, exist_ok=True)
    config = workdir / "ansible.cfg"
    if not config.exists():
        config.write_text("# empty: the integration test harness configures Ansible via the environment\n")

    env = {name: value for name, value in os.environ.items()
           if not name.startswith(_DROPPED_PREFIXES) and name not in _DROPPED_NAMES}
    env.update({
        "PATH": os.pathsep.join([str(VENV_BIN), env.get("PATH", os.defpath)]),
        "LC_ALL": "C.UTF-8",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "ANSIBLE_CONFIG": str(config),
        "ANSIBLE_HOME": str(workdir / "ansible-home"),
        "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS_PATH),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "False",
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCAL_TEMP": str(workdir / "ansible-local-tmp"),
        "ANSIBLE_REMOTE_TEMP": str(workdir / "ansible-remote-tmp"),
        "ANSIBLE_PYTHON_INTERPRETER": venv_python(),
        # An inventory source that fails to parse is an error, not a warning: tests see plugin failures.
        "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "True",
        "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACK_DIR),
        "ANSIBLE_CALLBACKS_ENABLED": CALLBACK_NAME,
        WORKDIR_VAR: str(workdir),
    })
    if emulator_url:
        env[EMULATOR_URL_VAR] = emulator_url
    env.update(emulator_credentials(credentials))
    if extra:
        env.update(extra)
    return env


# --------------------------------------------------------------------------------------- results

@dataclass
class TaskResult:
    """One task result on one host, as the ``harness_results`` callback recorded it.

    ``status`` is ``ok``, ``changed``, ``failed``, ``skipped`` or ``unreachable``; ``ignored`` is true for
    a failure under ``ignore_errors``. ``result`` is the task's result dict (``_ansible_*`` keys
    removed; censored as users see it when the task is ``no_log``). Indexing reads ``result``.
    """

    play: Optional[str]
    task: str
    action: str
    host: str
    status: str
    result: dict[str, Any]
    ignored: bool = False
    no_log: bool = False
    handler: bool = False

    def __getitem__(self, key: str) -> Any:
        return self.result[key]

    def get(self, key: str, default: Any = None) -> Any:
        """``result.get(key, default)``."""
        return self.result.get(key, default)


@dataclass
class PlaybookResult:
    """What one ``ansible-playbook`` run did: exit status, output and every task result."""

    rc: int
    stdout: str
    stderr: str
    command: list[str]
    tasks: list[TaskResult] = field(default_factory=list)
    stats: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """The playbook exited 0."""
        return self.rc == 0

    @property
    def changed(self) -> bool:
        """Some task reported a change."""
        return any(task.status == "changed" for task in self.tasks)

    def results(self, task: Optional[str] = None, host: Optional[str] = None,
                status: Optional[str] = None, action: Optional[str] = None) -> list[TaskResult]:
        """Task results, in order, filtered by task name, host, status and/or action (FQCN as written)."""
        return [item for item in self.tasks
                if (task is None or item.task == task) and (host is None or item.host == host)
                and (status is None or item.status == status) and (action is None or item.action == action)]

    def task(self, name: str, host: Optional[str] = None) -> TaskResult:
        """The last result of the task called ``name`` (on ``host``); HarnessError if there is none."""
        found = self.results(task=name, host=host)
        if not found:
            names = sorted({f"{item.task} @ {item.host}" for item in self.tasks})
            raise HarnessError(f"no result for task {name!r}" + (f" on host {host!r}" if host else "")
                               + f"; recorded: {names}\n{self.describe()}")
        return found[-1]

    def assert_ok(self) -> "PlaybookResult":
        """Raise HarnessError (with the output) unless the playbook exited 0; returns self."""
        if not self.ok:
            raise HarnessError(f"ansible-playbook failed with exit status {self.rc}\n{self.describe()}")
        return self

    def assert_failed(self) -> "PlaybookResult":
        """Raise HarnessError (with the output) if the playbook exited 0; returns self."""
        if self.ok:
            raise HarnessError(f"ansible-playbook succeeded but a failure was expected\n{self.describe()}")
        return self

    def describe(self, limit: int = 20000) -> str:
        """Command, exit status, stdout and stderr (each cut to its last ``limit`` characters)."""
        return _describe(self.command, self.rc, self.stdout, self.stderr, limit)


@dataclass
class InventoryResult:
    """What one ``ansible-inventory`` run did; ``data`` is the parsed JSON output (None if not JSON)."""

    rc: int
    stdout: str
    stderr: str
    command: list[str]
    data: Any = None

    @property
    def ok(self) -> bool:
        """ansible-inventory exited 0."""
        return self.rc == 0

    def said(self, text: str) -> bool:
        """``text`` is in stdout or stderr, ignoring whitespace: ansible-core before 2.19 wraps warnings
        and errors at 80 columns, anywhere in a message."""
        return squeeze(text) in squeeze(self.stdout + self.stderr)

    def describe(self, limit: int = 20000) -> str:
        """Command, exit status, stdout and stderr (each cut to its last ``limit`` characters)."""
        return _describe(self.command, self.rc, self.stdout, self.stderr, limit)


def squeeze(text: str) -> str:
    """``text`` without any whitespace (see :meth:`InventoryResult.said`)."""
    return "".join(text.split())


def _describe(command: Sequence[str], rc: int, stdout: str, stderr: str, limit: int) -> str:
    def tail(text: str) -> str:
        return text if len(text) <= limit else "[...]" + text[-limit:]

    return (f"command: {shlex.join(command)}\nexit status: {rc}\n"
            f"--- stdout ---\n{tail(stdout)}\n--- stderr ---\n{tail(stderr)}")


# --------------------------------------------------------------------------------------- runners

def run_playbook(playbook: PlaybookSource, env: Mapping[str, str],
                 extra_vars: Optional[Mapping[str, Any]] = None,
                 inventory: Union[InventorySource, Sequence[InventorySource], None] = None,
                 check: bool = False, diff: bool = False, verbosity: int = 0, *,
                 limit: Optional[str] = None, tags: Optional[Iterable[str]] = None,
                 skip_tags: Optional[Iterable[str]] = None, extra_args: Sequence[str] = (),
                 cwd: Union[str, os.PathLike, None] = None,
                 timeout: float = DEFAULT_TIMEOUT) -> PlaybookResult:
    """Run the real ``ansible-playbook`` and return its exit status, output and per-task results.

    ``playbook``: a path (``pathlib.Path``, or a string naming an existing file) or the YAML text of a
    playbook (dedented and written to the work directory). ``env``: from the ``ansible_env`` fixture
    or :func:`ansible_environment`. ``extra_vars``: passed as a JSON file (``-e @file``), so any JSON
    value works. ``inventory``: ``None`` (localhost with the local connection), a path, the text of a
    YAML/INI inventory, a dict (dumped as YAML), or a list of these (given in order). ``check``,
    ``diff``, ``verbosity`` (0-6), ``limit``, ``tags``, ``skip_tags`` map to the usual flags and
    ``extra_args`` is appended as is. Never raises on a failed playbook: check ``rc`` or call
    ``assert_ok()``.
    """
    workdir = _workdir(env)
    playbook_path = _as_file(playbook, workdir, "playbook", ".yml")
    command = ["ansible-playbook", str(playbook_path)]
    for source in _inventory_sources(inventory):
        command += ["-i", str(_inventory_file(source, workdir))]
    if extra_vars:
        command += ["-e", "@" + str(_write(workdir, "extra-vars", ".json", json.dumps(dict(extra_vars))))]
    if check:
        command.append("--check")
    if diff:
        command.append("--diff")
    if verbosity:
        command.append("-" + "v" * verbosity)
    if limit:
        command += ["--limit", limit]
    if tags:
        command += ["--tags", ",".join(tags)]
    if skip_tags:
        command += ["--skip-tags", ",".join(skip_tags)]
    command += list(extra_args)

    results_file = _write(workdir, "results", ".jsonl", "")
    run_env = dict(env)
    run_env[RESULTS_FILE_VAR] = str(results_file)
    completed = _run(command, run_env, cwd or workdir, timeout)

    tasks: list[TaskResult] = []
    stats: dict[str, dict[str, int]] = {}
    for line in results_file.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.pop("type") == "stats":
            stats = record["hosts"]
        else:
            tasks.append(TaskResult(**record))
    return PlaybookResult(completed.returncode, completed.stdout, completed.stderr, command, tasks, stats)


def run_inventory_raw(config: InventorySource, env: Mapping[str, str], args: Sequence[str] = ("--list",),
                      *, filename: str = "hwcloud.scheduled_events.yml",
                      sources_before: Sequence[InventorySource] = (),
                      cwd: Union[str, os.PathLike, None] = None,
                      timeout: float = DEFAULT_TIMEOUT) -> InventoryResult:
    """Run the real ``ansible-inventory -i <config> ARGS``; never raises on failure.

    ``config``: the text of an inventory source (typically a plugin configuration with
    ``plugin: hwcloud.maintenance.scheduled_events``), a dict (dumped as YAML) or a path. Text and
    dicts are written to ``filename`` in a fresh directory (inventory plugins check the file name).
    ``sources_before``: inventory sources given with ``-i`` before ``config`` (same forms as
    ``run_playbook``'s ``inventory``), e.g. the static hosts a tagging configuration adds groups to.
    ``data`` is the parsed JSON output when there is some (``--list``, ``--host``).
    """
    workdir = _workdir(env)
    command = ["ansible-inventory"]
    for source in sources_before:
        command += ["-i", str(_inventory_file(source, workdir))]
    if isinstance(config, (str, Mapping)) and not _is_existing_path(config):
        directory = Path(tempfile.mkdtemp(prefix="inventory-", dir=workdir))
        config_path = directory / filename
        config_path.write_text(_inventory_text(config), encoding="utf-8")
    else:
        config_path = Path(config)  # type: ignore[arg-type]
    command += ["-i", str(config_path), *args]
    completed = _run(command, dict(env), cwd or workdir, timeout)
    try:
        data = json.loads(completed.stdout)
    except ValueError:
        data = None
    return InventoryResult(completed.returncode, completed.stdout, completed.stderr, command, data)


def run_inventory(config: InventorySource, env: Mapping[str, str], args: Sequence[str] = ("--list",),
                  **kwargs: Any) -> Any:
    """Like :func:`run_inventory_raw`, but return the parsed JSON output.

    Raises HarnessError (with the command and its output) when ``ansible-inventory`` fails or does not
    print JSON. Use ``run_inventory_raw`` to test failures.
    """
    result = run_inventory_raw(config, env, args, **kwargs)
    if not result.ok:
        raise HarnessError(f"ansible-inventory failed with exit status {result.rc}\n{result.describe()}")
    if result.data is None:
        raise HarnessError(f"ansible-inventory did not print JSON\n{result.describe()}")
    return result.data


# --------------------------------------------------------------------------------------- output helpers

def plain(value: Any) -> Any:
    """``ansible-inventory --list`` (2.19+) marks data that is not trusted as ``{"__ansible_unsafe": ...}``:
    the same data without those markers."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def members(data: Mapping[str, Any], group: str) -> list[str]:
    """Hosts of a group in ``--list`` output (direct members only); [] for an empty or missing group."""
    return sorted((data.get(group) or {}).get("hosts", []))


class Steps(object):
    """An injected ``sleep`` for the EDA source's ``run``: records each delay, then makes the next change (for
    example to the emulator's fleet or faults), one per gap between polls."""

    def __init__(self, *changes: Any) -> None:
        self.changes = list(changes)
        self.delays: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)
        if self.changes:
            self.changes.pop(0)()


# --------------------------------------------------------------------------------------- internals

def _run(command: list[str], env: Mapping[str, str], cwd: Union[str, os.PathLike],
         timeout: float) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(command, env=dict(env), cwd=str(cwd), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        def text(value: Union[str, bytes, None]) -> str:
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else (value or "")
        raise HarnessError(f"timed out after {timeout}s\n"
                           + _describe(command, -1, text(exc.stdout), text(exc.stderr), 20000)) from None


def _workdir(env: Mapping[str, str]) -> Path:
    if WORKDIR_VAR in env:
        path = Path(env[WORKDIR_VAR])
        path.mkdir(parents=True, exist_ok=True)
        return path
    return Path(tempfile.mkdtemp(prefix="hwcloud-harness-"))


def _write(workdir: Path, prefix: str, suffix: str, text: str) -> Path:
    handle, name = tempfile.mkstemp(prefix=prefix + "-", suffix=suffix, dir=workdir)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    return Path(name)


def _is_existing_path(value: Any) -> bool:
    if isinstance(value, os.PathLike):
        return True
    return isinstance(value, str) and "\n" not in value and len(value) < 4096 and os.path.exists(value)


def _as_file(source: PlaybookSource, workdir: Path, prefix: str, suffix: str) -> Path:
    if _is_existing_path(source):
        return Path(source)
    if isinstance(source, os.PathLike) or (
            "\n" not in str(source) and str(source).endswith((".yml", ".yaml"))):
        raise HarnessError(f"no such file: {source}")
    return _write(workdir, prefix, suffix, textwrap.dedent(str(source)).lstrip("\n"))


def _inventory_sources(inventory: Any) -> list[InventorySource]:
    if inventory is None:
        return [DEFAULT_INVENTORY]
    if isinstance(inventory, (str, os.PathLike, Mapping)):
        return [inventory]
    return list(inventory)


def _inventory_text(source: Union[str, Mapping[str, Any]]) -> str:
    if isinstance(source, Mapping):
        return yaml.safe_dump(dict(source), sort_keys=False)
    return textwrap.dedent(source).lstrip("\n")


def _inventory_file(source: InventorySource, workdir: Path) -> Path:
    if _is_existing_path(source):
        return Path(source)  # type: ignore[arg-type]
    if isinstance(source, os.PathLike):
        raise HarnessError(f"no such inventory: {source}")
    text = _inventory_text(source)  # type: ignore[arg-type]
    try:
        is_yaml = isinstance(yaml.safe_load(text), dict)
    except yaml.YAMLError:
        is_yaml = False
    return _write(workdir, "inventory", ".yml" if is_yaml else ".ini", text)
