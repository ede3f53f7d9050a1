# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input through every front door: a clear message naming the option and what is allowed, never a traceback.

Complements test_info_bad_input.py (the info module's filters and connection options). Each front door runs its
cases in one batch, to keep the runtime low:

* the modules ``scheduled_event_info`` and ``scheduled_event``: one ``ansible-playbook -vvv`` run, one task per case
  with ``ignore_errors``;
* the inventory plugin: one ``ansible-inventory -vvv`` run with one source per case (unparsed sources are warnings
  for this run, so every source is tried and reported);
* the roles ``gate`` and ``drain``: one ``ansible-playbook -vvv`` run, one block per case whose rescue shows the
  failure message;
* the EDA source: its ``main()`` in-process, as ansible-rulebook calls it, once per case.

A case passes when its message holds every expected fragment (the option's name, the value and what is allowed).
"""

from __future__ import annotations

import asyncio
import json
import re
import runpy
from pathlib import Path

import pytest
import yaml

from emulator import Emulator, Fleet
from emulator import credentials as emu_creds
from harness import ansible_environment, emulator_endpoints, run_inventory_raw, run_playbook, squeeze

from ansible_collections.hwcloud.maintenance.plugins.module_utils.errors import OptionError

ROOT = Path(__file__).resolve().parents[2]
EDA_SOURCE = ROOT / "extensions" / "eda" / "plugins" / "event_source" / "scheduled_events.py"
OMIT = "__omit__"
NORTH = "cn-north-4"
# The demo fleet's inquiring system-maintenance event in cn-north-4 is on this instance (tests/emulator/fleets/demo.yml).
INQUIRING_INSTANCE = "8a4f1c3e-2b7d-4e96-a5f0-3c9d1e7b2a64"
ECS_EVENT = "3f6c2b8e-91d4-4e7a-b0c5-7a2e4d19f6b3"
WINDOW_HELP = "expected '<days> <HH:MM>-<HH:MM> <timezone>'"
TIME_HELP = "ISO 8601 time such as 2026-01-31T22:00:00Z, or a relative time such as +2h"
DURATION_HELP = "such as 30m, 24h, 7d"
NO_TRACEBACK = ("Traceback", "The full traceback is")

# ----------------------------------------------------------------------------------------------- cases

# name -> (module, options over working defaults, fragments of the message). OMIT removes a default option.
MODULE_CASES = {
    # scheduled_event_info: types and ranges not covered by test_info_bad_input.py
    "info: types is a dict": ("scheduled_event_info", {"types": {"a": 1}}, ["'types'", "list"]),
    "info: page_size is a word": ("scheduled_event_info", {"page_size": "ten"}, ["'page_size'", "int"]),
    "info: max_workers 0": ("scheduled_event_info", {"max_workers": 0},
                            ["'max_workers'", "integer from 1 to 64"]),
    "info: retry_deadline 0": ("scheduled_event_info", {"retry_deadline": 0},
                               ["'retry_deadline'", "from 0.1 to 3600"]),
    "info: timeout is a word": ("scheduled_event_info", {"timeout": "fast"}, ["'timeout'", "float"]),
    "info: retries is a boolean": ("scheduled_event_info", {"retries": True},
                                   ["'retries'", "integer from 0 to 20"]),
    "info: published_after unknown unit": ("scheduled_event_info", {"published_after": "+5x"},
                                           ["'published_after'", "'+5x'", TIME_HELP]),
    "info: published_before 30 February": ("scheduled_event_info", {"published_before": "2025-02-30T00:00:00Z"},
                                           ["'published_before'", "'2025-02-30T00:00:00Z'", TIME_HELP]),
    "info: starts_within negative": ("scheduled_event_info", {"starts_within": "-1h"},
                                     ["'starts_within'", "'-1h'", DURATION_HELP]),
    "info: project_id with spaces": ("scheduled_event_info", {"project_id": "has spaces"},
                                     ["'project_id'", "not a valid project id"]),
    "info: project_ids is a string": ("scheduled_event_info", {"project_ids": "cn-north-4"},
                                      ["'project_ids'", "dict"]),
    "info: endpoint with a query": ("scheduled_event_info", {"endpoints": {"ecs": "https://ecs.example.com/x?y=1"}},
                                    ["'endpoints'", "endpoints.ecs must be an http(s) URL", "{region}"]),
    "info: endpoint is a number": ("scheduled_event_info", {"endpoints": {"iam": 42}},
                                   ["'endpoints'", "endpoints.iam must be an http(s) URL"]),
    "info: region with a space": ("scheduled_event_info", {"regions": [NORTH, "eu west"]},
                                  ["'regions'", "'eu west'", "region name such as cn-north-4"]),
    "info: pending_only maybe": ("scheduled_event_info", {"pending_only": "maybe"},
                                 ["'pending_only'", "bool", "'maybe'"]),
    "info: services as a string": ("scheduled_event_info", {"services": "ecs,rds"},
                                   ["services", "ecs, modelarts", "rds"]),
    "info: ca_path missing": ("scheduled_event_info", {"ca_path": "/nonexistent/ca.pem"},
                              ["'ca_path'", "'/nonexistent/ca.pem'", "no such file or directory", "CA bundle"]),
    "info: event id too long": ("scheduled_event_info", {"event_ids": ["e" * 129]},
                                ["'event_ids'", "not a valid event id"]),
    # scheduled_event
    "event: service rds": ("scheduled_event", {"service": "rds"}, ["service", "ecs, modelarts", "rds"]),
    "event: state cancelled": ("scheduled_event", {"state": "cancelled"},
                               ["state", "accepted, rescheduled", "cancelled"]),
    "event: event_id missing": ("scheduled_event", {"event_id": OMIT}, ["missing required", "event_id"]),
    "event: event_id with spaces": ("scheduled_event", {"event_id": "bad id!"},
                                    ["'event_id'", "'bad id!'", "not a valid event id"]),
    "event: not_before is a word": ("scheduled_event", {"not_before": "tomorrow"},
                                    ["'not_before'", "'tomorrow'", TIME_HELP, "next_window"]),
    "event: not_before out of range": ("scheduled_event", {"not_before": "+99999999d"},
                                       ["'not_before'", "out of range"]),
    "event: next_window without a window": ("scheduled_event", {"not_before": "next_window"},
                                            ["'maintenance_window'", "is required with not_before=next_window",
                                             "Sat 02:00-06:00 UTC"]),
    "event: window unknown day": ("scheduled_event", {"not_before": "next_window",
                                                      "maintenance_window": "Funday 02:00-06:00 UTC"},
                                  ["'maintenance_window'", "unknown day 'funday'", "Mon, Tue", WINDOW_HELP]),
    "event: window hour 25": ("scheduled_event", {"maintenance_window": "Sat 25:00-26:00 UTC"},
                              ["'maintenance_window'", "'25:00' is not a time of day", WINDOW_HELP]),
    "event: window without a time zone": ("scheduled_event", {"maintenance_window": "Sat 02:00-06:00"},
                                          ["'maintenance_window'", "time zone is missing", "+08:00"]),
    "event: window named time zone": ("scheduled_event", {"maintenance_window": "Sat 02:00-06:00 Europe/Paris"},
                                      ["'maintenance_window'", "unknown time zone 'Europe/Paris'", "+08:00"]),
    "event: window offset +15:00": ("scheduled_event", {"maintenance_window": "Sat 02:00-06:00 +15:00"},
                                    ["'maintenance_window'", "out of range (-14:00 to +14:00)"]),
    "event: window of no length": ("scheduled_event", {"maintenance_window": "Sat 02:00-02:00 UTC"},
                                   ["'maintenance_window'", "opens and closes at the same time", "00:00-24:00"]),
    "event: window only separators": ("scheduled_event", {"maintenance_window": ";;"},
                                      ["'maintenance_window'", "it is empty", WINDOW_HELP]),
    "event: rescheduled without not_before": ("scheduled_event", {"state": "rescheduled"},
                                              ["rescheduled", "not_before"]),
    "event: ModelArts reschedule": ("scheduled_event", {"service": "modelarts", "state": "rescheduled",
                                                        "not_before": "+2h"},
                                    ["'state'", "ModelArts has no API to reschedule", "allowed values: accepted"]),
    "event: workspace_id for ECS": ("scheduled_event", {"workspace_id": "ws1"},
                                    ["'workspace_id'", "applies only to service=modelarts"]),
    "event: redeploy type MEDIUM": ("scheduled_event", {"service": "modelarts", "redeploy_config": {"type": "MEDIUM"}},
                                    ["type", "HARD, SOFT", "MEDIUM", "redeploy_config"]),
    "event: redeploy_config for ECS": ("scheduled_event", {"redeploy_config": {"type": "SOFT"}},
                                       ["'redeploy_config'", "applies only to service=modelarts with state=accepted"]),
    "event: auto_flow maybe": ("scheduled_event", {"service": "modelarts",
                                                   "redeploy_config": {"type": "SOFT", "auto_flow": "maybe"}},
                               ["auto_flow", "redeploy_config", "bool"]),
    "event: two regions": ("scheduled_event", {"regions": [NORTH, "ap-southeast-1"]},
                           ["'regions'", "exactly one region"]),
}

# name -> (options over a working configuration, fragments of the message)
INVENTORY_CASES = {
    "page_size 500": ({"page_size": 500}, ["'page_size'", "500", "integer from 1 to 100"]),
    "unknown type": ({"types": ["bogus-type"]}, ["'types'", "'bogus-type'", "allowed values: instance-migrate"]),
    "published_after is words": ({"published_after": "last tuesday"},
                                 ["'published_after'", "'last tuesday'", TIME_HELP]),
    "starts_within too long": ({"starts_within": "400d"}, ["'starts_within'", "at most 366d"]),
    "endpoint not a URL": ({"endpoints": {"ecs": "not a url"}},
                           ["'endpoints'", "'not a url'", "endpoints.ecs must be an http(s) URL"]),
    "project_id with two regions": ({"regions": [NORTH, "ap-southeast-1"], "project_id": "abc"},
                                    ["'project_id'", "exactly one region", "project_ids"]),
    "no region": ({"regions": []}, ["'regions'", "at least one region", "HW_REGION_NAME"]),
    "max_workers 0": ({"max_workers": 0}, ["'max_workers'", "integer from 1 to 64"]),
    "retries 99": ({"retries": 99}, ["'retries'", "integer from 0 to 20"]),
    "timeout is a word": ({"timeout": "slow"}, ["timeout", "float", "'slow'"]),
    "unknown service": ({"services": ["rds"]}, ["services", "rds", "ecs, modelarts"]),
    "unknown mode": ({"mode": "merge"}, ["mode", "merge", "own_hosts", "tag_existing"]),
    "vars_prefix not a name": ({"vars_prefix": "bad prefix!"},
                               ["'vars_prefix'", "'bad prefix!'", "letters, digits and _"]),
    "hostnames not a list": ({"hostnames": 42}, ["hostnames", "list", "42"]),
    "ca_path missing": ({"ca_path": "/nonexistent/ca.pem"}, ["'ca_path'", "no such file or directory"]),
    "bad workspace id": ({"workspace_id": "a b"}, ["'workspace_id'", "not a valid workspace id"]),
}

# name -> (role, role variables, fragments of the message)
ROLE_CASES = {
    "gate: unknown action": ("gate", {"gate_action": "explode"}, ["gate_action", "fail, skip_hosts", "explode"]),
    "gate: lead time is a word": ("gate", {"gate_lead_time": "soon"},
                                  ["'gate_lead_time'", "'soon'", DURATION_HELP]),
    "gate: lead time of a type": ("gate", {"gate_lead_times": {"instance-redeploy": "forever"}},
                                  ["'gate_lead_times.instance-redeploy'", "'forever'", DURATION_HELP]),
    "gate: lead_times not a dict": ("gate", {"gate_lead_times": "72h"}, ["gate_lead_times", "dict"]),
    "gate: unknown service": ("gate", {"gate_services": ["rds"]}, ["gate_services", "ecs, modelarts", "rds"]),
    "gate: now is a word": ("gate", {"gate_now": "yesterday-ish"}, ["'gate_now'", "'yesterday-ish'", TIME_HELP]),
    "gate: block_inquiring maybe": ("gate", {"gate_block_inquiring": "maybe"}, ["gate_block_inquiring", "bool"]),
    "gate: bad region": ("gate", {"gate_regions": ["CN NORTH"]},
                         ["'regions'", "'CN NORTH'", "region name such as cn-north-4", "fails closed"]),
    "drain: lead time is a word": ("drain", {"drain_lead_time": "soon"},
                                   ["'drain_lead_time'", "'soon'", DURATION_HELP]),
    "drain: unknown undrain state": ("drain", {"drain_undrain_states": ["bogus"]},
                                     ["'drain_undrain_states'", "'bogus'", "allowed values: inquiring"]),
    "drain: now is a word": ("drain", {"drain_now": "when"}, ["'drain_now'", "'when'", TIME_HELP]),
    "drain: retries is a word": ("drain", {"drain_retries": "many"}, ["drain_retries", "int"]),
    "drain: accept in an unknown window": ("drain", {"drain_accept": True, "drain_accept_not_before": "next_window",
                                                     "drain_accept_maintenance_window": "Funday 02:00-06:00 UTC"},
                                           ["'maintenance_window'", "unknown day 'funday'", WINDOW_HELP]),
}

# name -> (arguments over working ones, the option named, fragments of the message). None removes an argument.
EDA_CASES = {
    "interval 0s": ({"interval": "0s"}, "interval", ["'0s'", "from 0.1s to 86400s"]),
    "interval nan": ({"interval": "nan"}, "interval", ["'nan'", "from 0.1s to 86400s"]),
    "interval two days": ({"interval": "2d"}, "interval", ["'2d'", "from 0.1s to 86400s"]),
    "interval a list": ({"interval": [1]}, "interval", ["not a duration"]),
    "backoff_max forever": ({"backoff_max": "forever"}, "backoff_max", ["'forever'", DURATION_HELP]),
    "emit_existing sometimes": ({"emit_existing": "sometimes"}, "emit_existing", ["allowed values: True, False"]),
    "error_threshold 0": ({"error_threshold": 0}, "error_threshold", ["integer from 1 to 1000"]),
    "error_threshold a word": ({"error_threshold": "three"}, "error_threshold", ["'three'", "integer from 1"]),
    "error_threshold a float": ({"error_threshold": 2.5}, "error_threshold", ["integer from 1 to 1000"]),
    "state_file in a missing directory": ({"state_file": "/nonexistent-dir/state.json"}, "state_file",
                                          ["its directory does not exist"]),
    "state_file a number": ({"state_file": 5}, "state_file", ["expected a file path"]),
    "unknown argument": ({"region_name": NORTH}, "region_name", ["unknown argument", "allowed values: access_key"]),
    "secret_key a number": ({"secret_key": 12345}, "secret_key", ["must be a string"]),
    "regions given twice": ({"region": NORTH}, "regions", ["given twice (as regions and as region)"]),
    "unknown type": ({"types": ["bogus"]}, "types", ["'bogus'", "allowed values: instance-migrate"]),
    "starts_within 0": ({"starts_within": "0"}, "starts_within", ["more than 0 and at most 366d"]),
    "endpoint ftp": ({"endpoints": {"ecs": "ftp://x"}}, "endpoints", ["endpoints.ecs must be an http(s) URL"]),
    "page_size a word": ({"page_size": "abc"}, "page_size", ["'abc'", "integer from 1 to 100"]),
    "timeout a word": ({"timeout": "fast"}, "timeout", ["'fast'", "number of seconds from 0.1 to 600"]),
    "validate_certs perhaps": ({"validate_certs": "perhaps"}, "validate_certs", ["allowed values: True, False"]),
    "pending_only kinda": ({"pending_only": "kinda"}, "pending_only", ["allowed values: True, False"]),
    "project_ids a string": ({"project_ids": "cn-north-4=abc"}, "project_ids", ["dictionary of region -> project id"]),
    "max_workers 1000": ({"max_workers": 1000}, "max_workers", ["integer from 1 to 64"]),
    "regions a dict": ({"regions": {"a": 1}}, "regions", ["expected a list"]),
    "ca_path missing": ({"ca_path": "/nonexistent/ca.pem"}, "ca_path", ["no such file or directory"]),
    "published_after a dict": ({"published_after": {"x": 1}}, "published_after", [TIME_HELP]),
    "bad event id": ({"event_ids": "a b"}, "event_ids", ["'a b'", "not a valid event id"]),
    "no credentials": ({"access_key": None, "secret_key": None}, "access_key",
                       ["no credentials", "HUAWEICLOUD_SDK_AK", "auth_token"]),
}


def test_at_least_thirty_cases():
    assert len(MODULE_CASES) + len(INVENTORY_CASES) + len(ROLE_CASES) + len(EDA_CASES) >= 30


# ----------------------------------------------------------------------------------------------- helpers

@pytest.fixture(name="emu")
def fixture_emu():
    with Emulator(fleet=Fleet.demo()) as emu:
        yield emu


def check_cases(cases, messages):
    """Every case's message holds its fragments and no traceback; one failure lists every bad case."""
    problems = []
    for name, fragments in cases.items():
        message = messages.get(name)
        if message is None:
            problems.append("%s: no failure recorded" % name)
            continue
        # Whitespace ignored: ansible-core before 2.19 wraps warnings and errors at 80 columns.
        missing = [fragment for fragment in fragments if squeeze(fragment) not in squeeze(message)]
        if missing or any(marker in message for marker in NO_TRACEBACK):
            problems.append("%s: missing %r in: %s" % (name, missing, message))
    assert not problems, "\n".join(problems)


def assert_no_traceback(*texts):
    for text in texts:
        for marker in NO_TRACEBACK:
            assert marker not in text, text[max(0, text.find(marker) - 2000):text.find(marker) + 2000]


def no_api_calls(emu):
    """Nothing reached the services: bad input is rejected before any request (an IAM lookup aside)."""
    assert set(emu.stats()["by_route"]) <= {"iam.projects"}, emu.stats()


# ----------------------------------------------------------------------------------------------- modules

def test_modules(emu, tmp_path):
    base = {"access_key": emu_creds.AK, "secret_key": emu_creds.SK, "regions": [NORTH],
            "endpoints": emulator_endpoints(emu.url), "retries": 0}
    tasks = []
    for name, (module, options, dummy) in MODULE_CASES.items():
        args = dict(base, service="ecs", event_id=ECS_EVENT) if module == "scheduled_event" else dict(base)
        args.update(options)
        tasks.append({"name": name, "hwcloud.maintenance." + module: {k: v for k, v in args.items() if v != OMIT},
                      "ignore_errors": True})
    playbook = yaml.safe_dump([{"name": "Bad input", "hosts": "localhost", "gather_facts": False, "tasks": tasks}],
                              sort_keys=False)
    result = run_playbook(playbook, ansible_environment(tmp_path, emu.url, credentials=None), verbosity=3)
    result.assert_ok()
    assert_no_traceback(result.stdout, result.stderr)
    messages = {}
    for name in MODULE_CASES:
        task = result.task(name)
        assert task.status == "failed" and task.ignored, (name, task.result)
        messages[name] = task["msg"] + " " + json.dumps(task.result)
    check_cases(dict((name, case[2]) for name, case in MODULE_CASES.items()), messages)
    no_api_calls(emu)


# ----------------------------------------------------------------------------------------------- inventory

def test_inventory(emu, tmp_path):
    """One ansible-inventory run with one source per case; each failed source is reported with its message."""
    env = ansible_environment(tmp_path, emu.url, extra={"ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "False"})
    sources = {}
    for index, (name, (options, dummy)) in enumerate(INVENTORY_CASES.items()):
        config = {"plugin": "hwcloud.maintenance.scheduled_events", "regions": [NORTH],
                  "endpoints": emulator_endpoints(emu.url), "retries": 0}
        config.update(options)
        path = tmp_path / ("case%02d.hwcloud_events.yml" % index)
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        sources[name] = path
    paths = list(sources.values())
    completed = run_inventory_raw(paths[-1], env, ["--list", "-vvv"], sources_before=paths[:-1])
    assert completed.ok, completed.describe()
    assert_no_traceback(completed.stdout, completed.stderr)
    # Every warning names its source (ansible-core 2.19: "Origin: ... source '<path>'"; 2.17: "Failed to parse
    # <path> with auto plugin"): the warnings of a case are those that name its file.
    chunks = re.split(r"\[WARNING\]", completed.stderr)
    messages = {}
    for name, path in sources.items():
        mine = [chunk for chunk in chunks if path.name in chunk and "auto" in chunk]
        if mine:
            messages[name] = "\n".join(mine)
    check_cases(dict((name, case[1]) for name, case in INVENTORY_CASES.items()), messages)
    assert json.loads(completed.stdout[completed.stdout.index("\n{") + 1:])["_meta"]["hostvars"] == {}
    no_api_calls(emu)


# ----------------------------------------------------------------------------------------------- roles

def test_roles(emu, tmp_path):
    tasks = []
    for index, (name, (role, role_vars, dummy)) in enumerate(ROLE_CASES.items()):
        if role == "drain":
            role_vars = dict({"drain_state_file": str(tmp_path / ("drain-%d.json" % index))}, **role_vars)
        tasks.append({
            "name": name,
            "block": [{"name": "Run " + name, "ansible.builtin.include_role": {"name": "hwcloud.maintenance." + role},
                       "vars": role_vars}],
            "rescue": [{"name": "Message of " + name, "ansible.builtin.debug": {
                "msg": "{{ ansible_failed_result.msg | default('') }} {{ ansible_failed_result.results | default([])"
                       " | map(attribute='msg', default='') | join(' ') }}"}}],
        })
    play = {"name": "Bad role input", "hosts": "all", "gather_facts": False, "tasks": tasks,
            "vars": {"hwcloud_regions": [NORTH], "hwcloud_endpoints": emulator_endpoints(emu.url), "hwcloud_retries": 0}}
    inventory = {"all": {"hosts": {"localhost": {"ansible_connection": "local", "instance_id": INQUIRING_INSTANCE}}}}
    result = run_playbook(yaml.safe_dump([play], sort_keys=False), ansible_environment(tmp_path, emu.url),
                          inventory=inventory, verbosity=3)
    result.assert_ok()
    assert_no_traceback(result.stdout, result.stderr)
    messages = {}
    for name in ROLE_CASES:
        rescued = result.results(task="Message of " + name)
        if rescued:
            messages[name] = rescued[0]["msg"]
    check_cases(dict((name, case[2]) for name, case in ROLE_CASES.items()), messages)
    assert not emu.stats()["by_route"].get("ecs.accept")  # nothing was accepted with a bad start or window


# ----------------------------------------------------------------------------------------------- EDA source

@pytest.mark.parametrize("name", sorted(EDA_CASES))
def test_eda_source(name, monkeypatch):
    """The source's main() as ansible-rulebook calls it: an ``error`` event naming the argument, then OptionError."""
    for variable in ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HW_ACCESS_KEY", "HW_SECRET_KEY", "HW_AUTH_TOKEN",
                     "HUAWEICLOUD_SDK_SECURITY_TOKEN", "HW_SECURITY_TOKEN", "HW_REGION_NAME"):
        monkeypatch.delenv(variable, raising=False)
    extra, option, fragments = EDA_CASES[name]
    args = {"regions": [NORTH], "endpoints": emulator_endpoints("http://127.0.0.1:9"), "access_key": emu_creds.AK,
            "secret_key": emu_creds.SK, "retries": 0, "interval": "1m"}
    args.update(extra)
    args = dict((key, value) for key, value in args.items() if value is not None)
    main = runpy.run_path(str(EDA_SOURCE))["main"]
    queue = asyncio.Queue()
    with pytest.raises(OptionError) as raised:
        asyncio.run(main(queue, args))
    message = str(raised.value)
    assert raised.value.option == option and "'%s'" % option in message, message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    events = []
    while not queue.empty():
        events.append(queue.get_nowait())
    assert len(events) == 1 and events[0]["reason"] == "invalid_arguments", events
    assert events[0]["errors"][0]["error"]["option"] == option
    assert emu_creds.SK not in json.dumps(events) + message
