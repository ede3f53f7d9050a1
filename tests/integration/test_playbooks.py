# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's playbooks (playbooks/*.yml), run with the real ansible-playbook against the emulator.

The roles themselves are tested in depth by their molecule scenarios (roles/*/molecule/default); here the
playbooks are run the way users run them: by FQCN (hwcloud.maintenance.<name>), on the demo inventory, with
serial and max_fail_percentage, in check mode, and the whole demo as `make demo` runs it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from harness import REPO_ROOT, emulator_endpoints, run_playbook

DEMO_INVENTORY = REPO_ROOT / "tests" / "emulator" / "fleets" / "demo-inventory.yml"
PLAYBOOKS = REPO_ROOT / "playbooks"

# The demo fleet (tests/emulator/fleets/demo.yml) as the demo inventory sees it.
PENDING_HOSTS = ["db01", "db02", "web01", "web02"]
WEB01_EVENT = "0ead944a-72e8-494f-89ba-5846fb7ac5c0"
WEB02_EVENT = "3f6c2b8e-91d4-4e7a-b0c5-7a2e4d19f6b3"


def connection(emulator):
    """The shared connection variables of the roles and playbooks, pointing at the emulator."""
    return {"hwcloud_regions": ["cn-north-4", "ap-southeast-1"], "hwcloud_endpoints": emulator_endpoints(emulator.url),
            "hwcloud_retries": 0}


def role_task(result, role, name, host=None):
    """Results of the task ``name`` of ``role`` (task names of roles carry the role's name)."""
    return [item for item in result.tasks
            if item.task in (name, "%s : %s" % (role, name)) and (host is None or item.host == host)]


def by_fqcn(name, **play_vars):
    """A playbook that imports one of the collection's playbooks by its FQCN, as users do."""
    text = "- name: Import hwcloud.maintenance.%s\n  ansible.builtin.import_playbook: hwcloud.maintenance.%s\n" % (
        name, name)
    if play_vars:
        text += "  vars:\n" + "".join("    %s: %s\n" % (k, json.dumps(v)) for k, v in play_vars.items())
    return text


# ----------------------------------------------------------------------------------------------- report

def test_report_table_and_files(emulator, ansible_env, tmp_path):
    report_dir = tmp_path / "report"
    result = run_playbook(by_fqcn("report"), ansible_env, inventory=DEMO_INVENTORY,
                          extra_vars=dict(connection(emulator), report_dir=str(report_dir)))
    result.assert_ok()

    table = result.task("Show the scheduled events per host and service")["msg"]
    assert table[0].startswith("Scheduled events (pending only) at ")
    assert "4 on 4 of 8 host(s), 4 matching no host." in table[0]
    assert table[1].split() == ["HOST", "SERVICE", "REGION", "INSTANCE", "/", "NODE", "EVENT", "ID", "TYPE", "STATE",
                                "START", "(UTC)"]
    assert [line.split()[0] for line in table[2:6]] == PENDING_HOSTS

    with open(report_dir / "scheduled-events.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["host"] for row in rows[:4]] == PENDING_HOSTS
    assert {row["host"] for row in rows[4:]} == {"(no host)"}
    web01 = rows[2]
    assert (web01["service"], web01["region"], web01["event_id"], web01["type"], web01["state"]) == \
        ("ecs", "cn-north-4", WEB01_EVENT, "instance-redeploy", "scheduled")
    assert {row["service"] for row in rows} == {"ecs", "modelarts"}

    markdown = (report_dir / "scheduled-events.md").read_text(encoding="utf-8")
    assert "| Host | Service | Region | Instance / node | Event ID | Type | State | Start (UTC) |" in markdown
    assert "| web01 | ecs | cn-north-4 | c51b9e4f-0469-4c6f-ad03-22b23247b7a8 | %s | instance-redeploy |" % WEB01_EVENT \
        in markdown


def test_report_fails_when_events_cannot_be_read(emulator, ansible_env, tmp_path):
    emulator.add_fault(route="ecs.list", kind="status", status=500, count=None)
    result = run_playbook(by_fqcn("report"), ansible_env, inventory=DEMO_INVENTORY,
                          extra_vars=dict(connection(emulator), report_dir=str(tmp_path / "report")))
    result.assert_failed()
    assert "HTTP 500" in result.task("Read the scheduled events once for the hosts of the play")["msg"]
    assert not (tmp_path / "report").exists()


# ----------------------------------------------------------------------------------------------- gate

DEPLOY_AFTER_GATE = """
- name: Gate
  ansible.builtin.import_playbook: hwcloud.maintenance.gate_deploy
  vars:
    gate_action: {action}
- name: Deploy
  hosts: all:!gate_blocked
  gather_facts: false
  tasks:
    - name: Deploy
      ansible.builtin.debug:
        msg: deployed
"""


def deployed_hosts(result):
    return sorted(item.host for item in result.results(task="Deploy"))


def test_gate_deploy_skip_hosts(emulator, ansible_env):
    result = run_playbook(DEPLOY_AFTER_GATE.format(action="skip_hosts"), ansible_env, inventory=DEMO_INVENTORY,
                          extra_vars=connection(emulator))
    result.assert_ok()
    # web02: system maintenance in 12 hours (lead time 24h); db02: a local disk recovery executing now.
    assert deployed_hosts(result) == ["db01", "db03", "db04", "web01", "web03", "web04"]
    removed = role_task(result, "hwcloud.maintenance.gate", "Show the hosts removed from the play")[0]["msg"]
    assert removed[0] == "hwcloud.maintenance.gate removes 2 of 8 host(s) from the play (group gate_blocked):"
    assert removed[1].startswith("web02: event %s (ecs, system-maintenance) state inquiring, start " % WEB02_EVENT)
    assert "within the 24h lead time of system-maintenance" in removed[1]
    assert removed[2].startswith("db02: event 5c2e8a17-d93b-4f60-a1e4-7b9d3c5f8e21 (ecs, localdisk-recovery) state "
                                 "executing")


def test_gate_deploy_fails_the_run(emulator, ansible_env):
    result = run_playbook(DEPLOY_AFTER_GATE.format(action="fail"), ansible_env, inventory=DEMO_INVENTORY,
                          extra_vars=connection(emulator))
    result.assert_failed()
    assert deployed_hosts(result) == []
    assert "hwcloud.maintenance.gate blocked 2 of 8 host(s) because of scheduled events" in result.stdout
    assert "web02: event %s" % WEB02_EVENT in result.stdout


def test_gate_deploy_fails_closed(emulator, ansible_env):
    emulator.add_fault(route="modelarts.list", kind="status", status=503, count=None)
    result = run_playbook(DEPLOY_AFTER_GATE.format(action="skip_hosts"), ansible_env, inventory=DEMO_INVENTORY,
                          extra_vars=connection(emulator))
    result.assert_failed()
    assert deployed_hosts(result) == []
    assert "the scheduled events could not be read, so no host can be cleared" in result.stdout
    assert "HTTP 503" in result.stdout


def test_gate_deploy_with_the_inventory_plugin_unknown_group(emulator, ansible_env, tmp_path):
    """Tag mode of the inventory plugin puts hosts it could not check in scheduled_events_unknown: the gate stops."""
    emulator.add_fault(route="ecs.list", kind="status", status=500, count=None)
    config = tmp_path / "inventory" / "tags.hwcloud_events.yml"
    config.parent.mkdir()
    config.write_text(json.dumps({"plugin": "hwcloud.maintenance.scheduled_events", "mode": "tag_existing",
                                  "regions": ["cn-north-4"], "endpoints": emulator_endpoints(emulator.url),
                                  "retries": 0, "match_keys": ["instance_id"]}), encoding="utf-8")
    emulator_ok = dict(connection(emulator), gate_services=["modelarts"])  # the gate's own read succeeds
    result = run_playbook(DEPLOY_AFTER_GATE.format(action="skip_hosts"), ansible_env,
                          inventory=[DEMO_INVENTORY, config], extra_vars=emulator_ok)
    result.assert_failed()
    assert deployed_hosts(result) == []
    assert "could not be read by the inventory (group scheduled_events_unknown)" in result.stdout


# ----------------------------------------------------------------------------------------------- drain

def drain_vars(emulator, tmp_path, **extra):
    hooks = tmp_path / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "drain.yml").write_text(
        "- name: Drain hook\n"
        "  ansible.builtin.fail:\n"
        "    msg: the load balancer refused\n"
        "  when: inventory_hostname in (fail_hosts | default([]))\n"
        "- name: Drain hook log\n"
        "  ansible.builtin.debug:\n"
        "    msg: \"drained {{ inventory_hostname }}\"\n", encoding="utf-8")
    (hooks / "undrain.yml").write_text(
        "- name: Undrain hook log\n"
        "  ansible.builtin.debug:\n"
        "    msg: \"back {{ inventory_hostname }}\"\n", encoding="utf-8")
    values = dict(connection(emulator), drain_tasks_file=str(hooks / "drain.yml"),
                  undrain_tasks_file=str(hooks / "undrain.yml"),
                  drain_state_file=str(tmp_path / "records") + "/{{ inventory_hostname }}.json")
    values.update(extra)
    return values


def records(tmp_path):
    return sorted(path.stem for path in (tmp_path / "records").glob("*.json"))


def hook_hosts(result, name):
    return sorted(item.host for item in role_task(result, "hwcloud.maintenance.drain", name))


def test_drain_then_undrain(emulator, ansible_env, tmp_path):
    variables = drain_vars(emulator, tmp_path, drain_accept=True)
    first = run_playbook(by_fqcn("drain"), ansible_env, inventory=DEMO_INVENTORY, extra_vars=variables)
    first.assert_ok()
    assert hook_hosts(first, "Drain hook log") == PENDING_HOSTS
    assert records(tmp_path) == PENDING_HOSTS
    assert emulator.stats()["by_route"].get("ecs.accept") == 1  # web02's inquiring event
    record = json.loads((tmp_path / "records" / "web01.json").read_text(encoding="utf-8"))
    assert [e["id"] for e in record["events"]] == [WEB01_EVENT] and record["host"] == "web01"

    second = run_playbook(by_fqcn("drain"), ansible_env, inventory=DEMO_INVENTORY, extra_vars=variables)
    second.assert_ok()
    assert not second.changed
    assert hook_hosts(second, "Drain hook log") == []

    emulator.update_event(WEB01_EVENT, state="completed")
    third = run_playbook(by_fqcn("drain"), ansible_env, inventory=DEMO_INVENTORY, extra_vars=variables)
    third.assert_ok()
    assert hook_hosts(third, "Undrain hook log") == ["web01"]
    assert records(tmp_path) == ["db01", "db02", "web02"]
    summary = role_task(third, "hwcloud.maintenance.drain", "Sum up this batch of hosts")[0]["msg"]
    assert summary == ["drained: -", "brought back: web01", "still drained: web02, db01, db02",
                       "nothing to do: web03, web04, db03, db04"]
    assert emulator.stats()["by_route"].get("ecs.accept") == 1


def test_drain_check_mode_changes_nothing(emulator, ansible_env, tmp_path):
    result = run_playbook(by_fqcn("drain"), ansible_env, inventory=DEMO_INVENTORY, check=True,
                          extra_vars=drain_vars(emulator, tmp_path, drain_accept=True))
    result.assert_ok()
    plans = {item.host: item["msg"] for item in role_task(result, "hwcloud.maintenance.drain", "Show the plan")}
    assert plans["web01"].startswith("web01: would drain (pending: %s (instance-redeploy, scheduled" % WEB01_EVENT)
    assert plans["web03"] == "web03: nothing to do (no pending event)"
    assert records(tmp_path) == []
    assert "ecs.accept" not in emulator.stats()["by_route"]
    accepted = role_task(result, "hwcloud.maintenance.drain", "Show when the accepted events start", host="web02")
    assert accepted[0]["results"][0]["msg"].startswith("web02: would accept %s (system-maintenance)" % WEB02_EVENT)


def test_drain_serial_and_max_fail_percentage(emulator, ansible_env, tmp_path):
    """Batches of 4 hosts (web01-04, then db01-04); a drain hook fails on web02. With no tolerance the run stops
    at once (the play is aborted, so no record is written and the second batch is never reached: the next run
    drains again, which is why drain tasks must be idempotent); with 50 % it goes on without web02."""
    variables = drain_vars(emulator, tmp_path, drain_serial=4, drain_max_fail_percentage=0, fail_hosts=["web02"])
    result = run_playbook(by_fqcn("drain"), ansible_env, inventory=DEMO_INVENTORY, extra_vars=variables)
    result.assert_failed()
    assert records(tmp_path) == []
    assert {item.host for item in result.tasks} <= {"web01", "web02", "web03", "web04"}
    assert result.stats["web02"]["failures"] == 1
    # One read of the events for the batch, not one per host.
    assert len(role_task(result, "hwcloud.maintenance.drain", "Read the scheduled events once for this batch of hosts")) \
        == 1

    # With a tolerance of 50 %, the failure of web02 does not stop the run: web01, db01 and db02 are drained.
    variables.update(drain_max_fail_percentage=50)
    result = run_playbook(by_fqcn("drain"), ansible_env, inventory=DEMO_INVENTORY, extra_vars=variables)
    result.assert_failed()  # web02 still failed
    assert records(tmp_path) == ["db01", "db02", "web01"]
    assert len(role_task(result, "hwcloud.maintenance.drain",
                         "Read the scheduled events once for this batch of hosts")) == 2


# ----------------------------------------------------------------------------------------------- demo

@pytest.mark.parametrize("url_from", ["extra_vars", "environment"])
def test_demo(emulator, ansible_env, url_from):
    """What `make demo` runs: the demo playbook on the demo inventory against the demo fleet."""
    extra = {"hwcloud_emulator_url": emulator.url} if url_from == "extra_vars" else None
    env = dict(ansible_env)
    if url_from == "environment":
        assert env["HWCLOUD_EMULATOR_URL"] == emulator.url
    result = run_playbook(PLAYBOOKS / "demo.yml", env, inventory=DEMO_INVENTORY, extra_vars=extra)
    result.assert_ok()
    out = result.stdout
    # 1. inventory graphs
    assert '"  |--@scheduled_events_pending:",' in out and '"  |  |--devserver-a1b2c3",' in out
    assert '"The demo inventory, tagged with the events of its hosts (tags.hwcloud_events.yml)",' in out
    # 2. report
    assert "4 on 4 of 8 host(s), 4 matching no host." in out
    # 3. gate
    assert "hwcloud.maintenance.gate removes 2 of 8 host(s) from the play (group gate_blocked):" in out
    assert '"deployed to: web01, web03, web04, db01, db03, db04",' in out
    # 4. drain, with web02's event accepted at the next window
    assert '"drained: web01, web02, db01, db02",' in out
    assert "web02: accepted %s (system-maintenance), starting " % WEB02_EVENT in out
    # 5. web01 back
    assert '"brought back: web01",' in out
    files = result.task("Show what the demo wrote")["msg"]
    demo_dir = Path(files[0].split("Files under ")[1].rstrip(":"))
    assert "  report/scheduled-events.md" in files and "  records/web02.json" in files
    assert not (demo_dir / "records" / "web01.json").exists()
