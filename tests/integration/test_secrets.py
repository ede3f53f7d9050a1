# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secret hygiene through every front door, at -vvvv: no secret key, security token or IAM token anywhere.

Every front door runs with the emulator's known credentials (as module options, role variables, environment
variables and, for the inventory, in its configuration file) and once more with a wrong secret key, so that the
error paths run too. Then all stdout, stderr, task results, the Ansible log file, the inventory cache files, every
other file written under the work directories, and the EDA source's events, log records and state file are
searched for the secrets: zero occurrences. The access key is an identifier, not a secret (``no_log=False``, as
amazon.aws treats access keys), but it never appears in an error message or a URL either.

Static checks: every secret option of every module, role, inventory and EDA source is ``no_log`` (or masked),
``validate_certs`` defaults to true and ``ca_path`` is an option everywhere.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
from pathlib import Path

import pytest
import yaml

from emulator import Emulator, Fleet
from emulator import credentials as emu_creds
from harness import ansible_environment, emulator_endpoints, run_inventory_raw, run_playbook

from ansible_collections.hwcloud.maintenance.plugins.module_utils import query
from ansible_collections.hwcloud.maintenance.plugins.plugin_utils import eda

ROOT = Path(__file__).resolve().parents[2]
NORTH, SOUTH = "cn-north-4", "ap-southeast-1"
WRONG_SK = "wrong-secret-key-for-the-secret-scan-00001"
SECRETS = {"secret key": emu_creds.SK, "temporary secret key": emu_creds.TEMP_SK,
           "security token": emu_creds.SECURITY_TOKEN, "IAM token": emu_creds.IAM_TOKEN, "wrong secret key": WRONG_SK}
ACCESS_KEYS = (emu_creds.AK, emu_creds.TEMP_AK)
# The demo fleet (tests/emulator/fleets/demo.yml): an inquiring and an executing ECS event, an inquiring ModelArts one.
INQUIRING_EVENT, INQUIRING_INSTANCE = "3f6c2b8e-91d4-4e7a-b0c5-7a2e4d19f6b3", "8a4f1c3e-2b7d-4e96-a5f0-3c9d1e7b2a64"
EXECUTING_EVENT = "5c2e8a17-d93b-4f60-a1e4-7b9d3c5f8e21"
MODELARTS_EVENT = "8f3a6c2d-1e7b-4d95-a0c4-6b2e9f5d3a17"
SECRET_OPTIONS = ("secret_key", "security_token", "auth_token")

# Secrets reach playbooks only through these environment variables (lookups), so that no file the test writes
# holds one: every file under a work directory is the product's.
SECRET_ENV = {"T_AK": emu_creds.AK, "T_SK": emu_creds.SK, "T_IAM": emu_creds.IAM_TOKEN, "T_WRONG_SK": WRONG_SK}


def env_lookup(name):
    return "{{ lookup('ansible.builtin.env', '%s') }}" % name


class Scan(object):
    """Collects every text the product produced, then looks for the secrets in it."""

    def __init__(self):
        self.texts = []  # (where, text)
        self.work_dirs = []
        self.runs = 0

    def add(self, where, text):
        self.texts.append((where, text if isinstance(text, str) else json.dumps(text, default=str)))

    def add_playbook(self, name, result):
        self.runs += 1
        self.add(name + " stdout", result.stdout)
        self.add(name + " stderr", result.stderr)
        self.add(name + " results", [task.result for task in result.tasks])

    def add_inventory(self, name, result):
        self.runs += 1
        self.add(name + " stdout", result.stdout)
        self.add(name + " stderr", result.stderr)

    def files(self):
        found = []
        for directory in self.work_dirs:
            found.extend(path for path in sorted(Path(directory).rglob("*")) if path.is_file())
        return found

    def assert_clean(self):
        """Zero occurrences of any secret; returns the files scanned."""
        leaks = []
        files = self.files()
        texts = list(self.texts) + [(str(path), path.read_bytes().decode("utf-8", "replace")) for path in files]
        for where, text in texts:
            for what, secret in SECRETS.items():
                if secret in text:
                    at = text.index(secret)
                    leaks.append("%s in %s: ...%s..." % (what, where, text[max(0, at - 200):at + 60]))
        assert not leaks, "\n".join(leaks)
        print("secret scan: %d runs, %d outputs and results, %d files: clean" % (self.runs, len(self.texts), len(files)))
        return files


@pytest.fixture(name="emu")
def fixture_emu():
    with Emulator(fleet=Fleet.demo()) as emu:
        yield emu


def work_env(scan, tmp_path, name, emu, credentials=None, **extra):
    """An Ansible environment whose files (and log file) live in ``tmp_path/name``, scanned afterwards."""
    workdir = tmp_path / name
    scan.work_dirs.append(workdir)
    env = ansible_environment(workdir, emu.url, credentials=credentials,
                              extra=dict(SECRET_ENV, ANSIBLE_LOG_PATH=str(workdir / "ansible.log"), **extra))
    return env, workdir


def failure_messages(result):
    return [json.dumps({k: task.result.get(k) for k in ("msg", "error", "exception")}, default=str)
            for task in result.tasks if task.status == "failed"]


# ----------------------------------------------------------------------------------------------- playbooks

def module_tasks(auth, inquiring=INQUIRING_EVENT, service="ecs", check_only=False):
    """The module tasks of a run: list, accept in check mode, accept, a refused accept (executing event)."""
    tasks = [
        {"name": "List events", "hwcloud.maintenance.scheduled_event_info": dict(auth, pending_only=True),
         "register": "listed", "ignore_errors": True},
        {"name": "Accept in check mode", "hwcloud.maintenance.scheduled_event": dict(
            auth, service=service, event_id=inquiring, not_before="+2h"), "check_mode": True, "ignore_errors": True},
    ]
    if not check_only:
        tasks += [
            {"name": "Accept", "hwcloud.maintenance.scheduled_event": dict(auth, service="ecs", event_id=inquiring),
             "ignore_errors": True},
            {"name": "Accept an executing event (refused)", "hwcloud.maintenance.scheduled_event": dict(
                auth, service="ecs", event_id=EXECUTING_EVENT), "ignore_errors": True},
        ]
    return tasks


def role_block(role, role_vars):
    return {"name": "Role " + role, "block": [
        {"name": "Run " + role, "ansible.builtin.include_role": {"name": "hwcloud.maintenance." + role},
         "vars": role_vars}], "rescue": [{"name": "Rescued " + role, "ansible.builtin.debug": {
             "msg": "{{ ansible_failed_result.msg | default('') }}"}}]}


def playbook(*plays):
    return yaml.safe_dump(list(plays), sort_keys=False)


def play(name, tasks, **play_vars):
    return {"name": name, "hosts": "all", "gather_facts": False, "vars": play_vars, "tasks": tasks}


def drain_playbook(**play_vars):
    return {"name": "The drain playbook", "ansible.builtin.import_playbook": "hwcloud.maintenance.drain",
            "vars": play_vars}


def test_playbooks_modules_and_roles(emu, tmp_path):
    scan = Scan()
    endpoints = emulator_endpoints(emu.url)
    inventory = {"all": {"hosts": {"localhost": {"ansible_connection": "local", "instance_id": INQUIRING_INSTANCE}}}}
    common = {"regions": [NORTH], "endpoints": endpoints, "retries": 0}

    # 1. Module options and role variables, permanent AK/SK.
    env, work = work_env(scan, tmp_path, "options", emu)
    auth = dict(common, access_key=env_lookup("T_AK"), secret_key=env_lookup("T_SK"))
    result = run_playbook(playbook(play("Options", module_tasks(auth) + [
        role_block("gate", {"gate_regions": [NORTH], "gate_endpoints": endpoints, "gate_retries": 0,
                            "gate_access_key": env_lookup("T_AK"), "gate_secret_key": env_lookup("T_SK")}),
        role_block("drain", {"drain_regions": [NORTH], "drain_endpoints": endpoints, "drain_retries": 0,
                             "drain_access_key": env_lookup("T_AK"), "drain_secret_key": env_lookup("T_SK"),
                             "drain_accept": True, "drain_state_file": str(work / "drain.json")}),
    ])), env, inventory=inventory, verbosity=4)
    result.assert_ok()
    scan.add_playbook("options", result)
    assert result.task("List events")["count"] > 0
    assert result.task("Accept in check mode")["changed"] is True
    assert result.task("Accept")["changed"] is True
    assert result.task("Accept an executing event (refused)")["reason"] == "wrong_state"
    assert "blocked" in result.task("Rescued gate")["msg"]
    assert (work / "drain.json").exists()

    # 2. Temporary AK/SK and security token from the environment; the gate role and the drain playbook.
    env, work = work_env(scan, tmp_path, "environment", emu, credentials="temporary")
    result = run_playbook(playbook(
        play("Environment", module_tasks(common, inquiring=MODELARTS_EVENT, service="modelarts", check_only=True) + [
            role_block("gate", {"gate_regions": [NORTH], "gate_endpoints": endpoints, "gate_retries": 0})]),
        drain_playbook(hwcloud_regions=[NORTH], hwcloud_endpoints=endpoints, hwcloud_retries=0,
                       drain_state_file=str(work / "drain.json"))), env, inventory=inventory, verbosity=4)
    result.assert_ok()
    scan.add_playbook("environment", result)
    assert result.task("List events")["count"] > 0
    assert result.task("Accept in check mode")["changed"] is True
    assert "blocked" in result.task("Rescued gate")["msg"]

    # 3. IAM token as a module option and as the shared variable hwcloud_auth_token.
    env, work = work_env(scan, tmp_path, "token", emu)
    token = dict(common, auth_token=env_lookup("T_IAM"))
    shared = dict(hwcloud_regions=[NORTH], hwcloud_endpoints=endpoints, hwcloud_retries=0,
                  hwcloud_auth_token=env_lookup("T_IAM"))
    result = run_playbook(playbook(
        play("Token", module_tasks(token, check_only=True) + [role_block("gate", {})], **shared),
        drain_playbook(drain_state_file=str(work / "drain.json"), **shared)), env, inventory=inventory, verbosity=4)
    result.assert_ok()
    scan.add_playbook("token", result)
    assert result.task("List events")["count"] > 0

    # 4. A wrong secret key: every front door fails (closed), naming the status, never the key.
    env, work = work_env(scan, tmp_path, "wrong", emu)
    wrong = dict(common, access_key=env_lookup("T_AK"), secret_key=env_lookup("T_WRONG_SK"),
                 project_id=emu.project_id(NORTH))
    shared = dict(hwcloud_regions=[NORTH], hwcloud_endpoints=endpoints, hwcloud_retries=0,
                  hwcloud_project_id=emu.project_id(NORTH), hwcloud_access_key=env_lookup("T_AK"),
                  hwcloud_secret_key=env_lookup("T_WRONG_SK"))
    result = run_playbook(playbook(
        play("Wrong key", module_tasks(wrong) + [role_block("gate", {}), role_block("drain", {
            "drain_state_file": str(work / "drain.json")})], **shared)), env, inventory=inventory, verbosity=4)
    result.assert_ok()
    scan.add_playbook("wrong", result)
    for name in ("List events", "Accept in check mode", "Accept"):
        assert result.task(name).status == "failed" and "HTTP 401" in result.task(name)["msg"], name
    assert "fails closed" in result.task("Rescued gate")["msg"] and "HTTP 401" in result.task("Rescued gate")["msg"]
    assert "could not be read" in result.task("Rescued drain")["msg"]
    for message in failure_messages(result):
        assert not any(key in message for key in ACCESS_KEYS), message  # not in errors, exceptions or URLs

    files = scan.assert_clean()
    assert scan.runs == 4 and len([path for path in files if path.name == "ansible.log"]) == 4
    assert len([path for path in files if path.name.startswith("results-")]) == 4


# ----------------------------------------------------------------------------------------------- inventory

def test_inventory_with_cache(emu, tmp_path):
    scan = Scan()
    inputs = tmp_path / "inputs"  # configuration files hold secrets by design: written outside the scanned dirs
    inputs.mkdir()
    env, work = work_env(scan, tmp_path, "inventory", emu)
    cache = work / "cache"

    def source(name, **options):
        data = {"plugin": "hwcloud.maintenance.scheduled_events", "regions": [NORTH, SOUTH],
                "endpoints": emulator_endpoints(emu.url), "retries": 0, "cache": True,
                "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(cache), "cache_timeout": 600}
        data.update(options)
        path = inputs / (name + ".hwcloud_events.yml")
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        return path

    temporary = source("temporary", access_key=emu_creds.TEMP_AK, secret_key=emu_creds.TEMP_SK,
                       security_token=emu_creds.SECURITY_TOKEN)
    first = run_inventory_raw(temporary, env, ["--list", "-vvvv"])
    assert first.ok, first.describe()
    scan.add_inventory("temporary --list", first)
    emu.reset_stats()
    hosts = sorted(json.loads(first.stdout[first.stdout.index("\n{") + 1:])["_meta"]["hostvars"])
    host = run_inventory_raw(temporary, env, ["--host", hosts[0], "-vvvv"])  # from the cache
    assert host.ok and "scheduled_events" in host.stdout, host.describe()
    assert emu.stats()["requests_total"] == 0
    scan.add_inventory("temporary --host", host)

    token = source("token", auth_token=emu_creds.IAM_TOKEN)
    result = run_inventory_raw(token, env, ["--graph", "-vvvv"])
    assert result.ok, result.describe()
    scan.add_inventory("token --graph", result)

    permanent_env, dummy = work_env(scan, tmp_path, "inventory-env", emu, credentials="permanent")
    result = run_inventory_raw(source("environment"), permanent_env, ["--list", "-vvvv"])
    assert result.ok, result.describe()
    scan.add_inventory("environment --list", result)

    for strict in (False, True):
        wrong = source("wrong-%s" % strict, strict=strict, access_key=emu_creds.AK, secret_key=WRONG_SK,
                       project_ids={NORTH: emu.project_id(NORTH), SOUTH: emu.project_id(SOUTH)})
        result = run_inventory_raw(wrong, env, ["--list", "-vvvv"])
        assert result.ok is (not strict) and "HTTP 401" in result.stderr, result.describe()
        scan.add_inventory("wrong secret key strict=%s" % strict, result)
        assert not any(key in result.stderr for key in ACCESS_KEYS)

    cache_files = [path for path in cache.rglob("*") if path.is_file()]
    assert len(cache_files) >= 3  # temporary, token, environment (a failed listing is never cached)
    files = scan.assert_clean()
    assert scan.runs == 6 and set(cache_files) <= set(files)


# ----------------------------------------------------------------------------------------------- EDA source

def run_source(args, polls, changes=()):
    queue = asyncio.Queue()
    steps = list(changes)

    async def sleep(dummy):
        if steps:
            steps.pop(0)()

    asyncio.run(eda.run(queue, args, sleep=sleep, max_polls=polls))
    events = []
    while not queue.empty():
        events.append(queue.get_nowait())
    return events


@pytest.mark.parametrize("credentials", [
    {"access_key": emu_creds.AK, "secret_key": emu_creds.SK},
    {"access_key": emu_creds.TEMP_AK, "secret_key": emu_creds.TEMP_SK, "security_token": emu_creds.SECURITY_TOKEN},
    {"auth_token": emu_creds.IAM_TOKEN},
    {"access_key": emu_creds.AK, "secret_key": WRONG_SK},
], ids=["permanent", "temporary", "token", "wrong-secret-key"])
def test_eda_source(emu, tmp_path, caplog, credentials):
    scan = Scan()
    scan.work_dirs.append(tmp_path)
    args = dict(credentials, regions=[NORTH, SOUTH], endpoints=emulator_endpoints(emu.url), retries=0,
                interval="1m", error_threshold=1, state_file=str(tmp_path / "state.json"))
    wrong = credentials.get("secret_key") == WRONG_SK
    with caplog.at_level(logging.DEBUG):
        events = run_source(args, 3, [
            lambda: emu.add_fault(route="ecs.list", kind="status", status=401, region=NORTH, count=1),
            lambda: emu.update_event(INQUIRING_EVENT, state="scheduled")])
    transitions = [event["transition"] for event in events]
    if wrong:
        assert set(transitions) == {"error"} and events[0]["errors"][0]["error"]["status"] == 401
        for error in events[0]["errors"]:
            assert not any(key in json.dumps(error) for key in ACCESS_KEYS), error
    else:
        assert "new" in transitions and "error" in transitions and "recovered" in transitions, transitions
        assert (tmp_path / "state.json").exists()
    scan.add("events", events)
    scan.add("log", "\n".join(record.getMessage() for record in caplog.records))
    scan.add("log exceptions", "\n".join(str(record.exc_info) for record in caplog.records if record.exc_info))
    scan.assert_clean()


# ----------------------------------------------------------------------------------------------- static checks

def module_argument_spec(name):
    """The argument spec a module builds in main(), captured by a stand-in for AnsibleModule."""
    module = importlib.import_module("ansible_collections.hwcloud.maintenance.plugins.modules." + name)
    captured = {}

    class Captured(Exception):
        pass

    def fake(argument_spec, **kwargs):
        captured.update(argument_spec)
        raise Captured()

    original = module.AnsibleModule
    module.AnsibleModule = fake
    try:
        with pytest.raises(Captured):
            module.main()
    finally:
        module.AnsibleModule = original
    return captured


@pytest.mark.parametrize("name", ["scheduled_event_info", "scheduled_event"])
def test_module_secret_options_are_no_log(name):
    spec = module_argument_spec(name)
    for option in SECRET_OPTIONS:
        assert spec[option].get("no_log") is True, option
    secretish = [opt for opt, value in spec.items()
                 if any(word in opt for word in ("secret", "token", "password")) or "sk" in value.get("aliases", [])]
    assert sorted(secretish) == sorted(SECRET_OPTIONS)
    assert spec["access_key"].get("no_log") is False  # an identifier, as amazon.aws treats access keys
    assert spec["validate_certs"] == {"type": "bool", "default": True}
    assert spec["ca_path"]["type"] == "path"


def test_shared_specs_and_other_front_doors():
    assert query.AUTH_ARGSPEC["validate_certs"]["default"] is True
    assert query.Settings.from_options({"regions": [NORTH]}, environ={}).validate_certs is True
    fragment = importlib.import_module("ansible_collections.hwcloud.maintenance.plugins.doc_fragments.auth")
    options = yaml.safe_load(fragment.ModuleDocFragment.DOCUMENTATION)["options"]
    assert options["validate_certs"]["default"] is True and options["ca_path"]["type"] == "path"
    for option in SECRET_OPTIONS:
        assert "no_log" not in options[option]  # documentation carries no no_log; the argument spec above does
    inventory = importlib.import_module("ansible_collections.hwcloud.maintenance.plugins.inventory.scheduled_events")
    assert sorted(inventory.SECRET_OPTIONS) == sorted(SECRET_OPTIONS)
    assert "ca_path" in inventory.API_OPTIONS and "validate_certs" in inventory.API_OPTIONS
    assert sorted(eda.SECRET_ARGS) == sorted(SECRET_OPTIONS)
    assert "ca_path" in eda.ARGUMENTS and "validate_certs" in eda.ARGUMENTS


@pytest.mark.parametrize("role", ["gate", "drain"])
def test_role_secret_options_are_no_log(role):
    spec = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())
    options = spec["argument_specs"]["main"]["options"]
    for option in SECRET_OPTIONS:
        assert options["%s_%s" % (role, option)].get("no_log") is True, option
    secretish = [name for name in options if any(word in name for word in ("secret", "token", "password"))]
    assert sorted(secretish) == sorted("%s_%s" % (role, option) for option in SECRET_OPTIONS)
    assert options["%s_ca_path" % role]["type"] == "path"
    assert options["%s_validate_certs" % role]["type"] == "bool"
    assert "default" not in options["%s_validate_certs" % role]  # unset: the module's default, true
