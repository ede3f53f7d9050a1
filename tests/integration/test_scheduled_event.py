# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hwcloud.maintenance.scheduled_event through the real ansible-playbook, against the emulator."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

from harness import emulator_endpoints, run_playbook

ECS_INQUIRING = "3f6c2b8e-91d4-4e7a-b0c5-7a2e4d19f6b3"  # not_before +12h, deadline +3d
ECS_SCHEDULED = "a71d5e92-4c08-4b3f-9e6a-2d8c1f7b5e40"  # not_before +5d, deadline +7d
ECS_EXECUTING = "5c2e8a17-d93b-4f60-a1e4-7b9d3c5f8e21"
ECS_OTHER_REGION = "2b9d4e7a-6f1c-4a38-95e2-d0c7b3f8a164"  # inquiring, ap-southeast-1
MA_INQUIRING = "8f3a6c2d-1e7b-4d95-a0c4-6b2e9f5d3a17"  # cn-north-4, workspace 0
MA_SCHEDULED = "4a7e2c9f-3b6d-4f18-8e51-c9d0a2b7f364"
REQUEST_ID = re.compile(r"request id [0-9a-f]{32}")


def iso(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def utcnow():
    return datetime.now(timezone.utc)


def play(tasks, region="cn-north-4"):
    """A playbook whose tasks get region and endpoints from the group's module_defaults."""
    return """
- name: Scheduled events
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/hwcloud.maintenance.hwcloud:
      region: %s
      endpoints: "{{ endpoints }}"
  tasks:
%s""" % (region, "\n".join("    " + line for line in tasks.strip("\n").splitlines()))


def run(emulator, env, tasks, **kwargs):
    extra_vars = dict(kwargs.pop("extra_vars", {}), endpoints=emulator_endpoints(emulator.url))
    return run_playbook(play(tasks, kwargs.pop("region", "cn-north-4")), env, extra_vars=extra_vars, **kwargs)


def stored(emulator, event_id):
    return next(event for event in emulator.events() if event["id"] == event_id)


def writes(emulator):
    by_route = emulator.stats()["by_route"]
    return {route: by_route.get(route, 0) for route in ("ecs.accept", "ecs.update", "modelarts.accept")}


def test_accept_ecs_then_unchanged(emulator, ansible_env):
    start = iso((utcnow() + timedelta(days=1)).replace(hour=2, minute=0, second=0))
    result = run(emulator, ansible_env, """
- name: Accept
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %s
    state: accepted
    not_before: "%s"
- name: Accept again
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %s
    not_before: "%s"
""" % (ECS_INQUIRING, start, ECS_INQUIRING, start))
    result.assert_ok()
    first, second = result.task("Accept"), result.task("Accept again")
    assert first.status == "changed" and first["action"] == "accept" and first["not_before"] == start
    assert first["event"]["state"] == "scheduled" and first["event"]["not_before"] == start
    assert first["event"]["instance_id"] == "8a4f1c3e-2b7d-4e96-a5f0-3c9d1e7b2a64"
    assert REQUEST_ID.match("request id " + first["request_id"])
    assert first["request_id"] in first["request_ids"] and len(first["request_ids"]) == 3  # list, accept, list
    assert second.status == "ok" and second["action"] == "none" and second["request_id"] is None
    assert second["event"] == first["event"]
    assert stored(emulator, ECS_INQUIRING)["state"] == "scheduled"
    assert writes(emulator)["ecs.accept"] == 1


def test_accept_ecs_as_soon_as_possible(emulator, ansible_env):
    before = utcnow().replace(microsecond=0)
    result = run(emulator, ansible_env, """
- name: Accept now
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %s
""" % ECS_INQUIRING)
    result.assert_ok()
    task = result.task("Accept now")
    assert task.status == "changed" and task["not_before"] is None
    assert before <= datetime.strptime(task["event"]["not_before"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=timezone.utc) <= utcnow()


def test_accept_modelarts_then_unchanged(emulator, ansible_env):
    result = run(emulator, ansible_env, """
- name: Accept
  hwcloud.maintenance.scheduled_event:
    service: modelarts
    event_id: %s
    workspace_id: "0"
    not_before: +6h
    redeploy_config:
      type: SOFT
      auto_flow: true
- name: Accept again
  hwcloud.maintenance.scheduled_event:
    service: modelarts
    event_id: %s
- name: Accept a scheduled one
  hwcloud.maintenance.scheduled_event:
    service: modelarts
    event_id: %s
""" % (MA_INQUIRING, MA_INQUIRING, MA_SCHEDULED))
    result.assert_ok()
    first = result.task("Accept")
    assert first.status == "changed" and first["event"]["state"] == "scheduled"
    assert first["event"]["service"] == "modelarts" and first["event"]["node_name"] == "devserver-a1b2c3"
    assert first["event"]["not_before"] == first["not_before"]
    assert result.task("Accept again").status == "ok"
    assert result.task("Accept a scheduled one").status == "ok"
    assert stored(emulator, MA_INQUIRING)["_emulator"]["redeployConfig"] == {"type": "SOFT", "autoFlow": "true"}
    assert writes(emulator)["modelarts.accept"] == 1


def test_reschedule_ecs_then_unchanged(emulator, ansible_env):
    start = iso((utcnow() + timedelta(days=3)).replace(hour=3, minute=30, second=0))
    old = stored(emulator, ECS_SCHEDULED)
    result = run(emulator, ansible_env, """
- name: Reschedule
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %s
    state: rescheduled
    not_before: "%s"
- name: Reschedule again
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %s
    state: rescheduled
    not_before: "%s"
""" % (ECS_SCHEDULED, start, ECS_SCHEDULED, start))
    result.assert_ok()
    first = result.task("Reschedule")
    assert first.status == "changed" and first["action"] == "reschedule"
    assert first["event"]["not_before"] == start and first["event"]["state"] == "scheduled"
    assert first["event"]["not_before_deadline"] == old["not_before_deadline"]
    assert result.task("Reschedule again").status == "ok"
    assert stored(emulator, ECS_SCHEDULED)["not_before"] == start
    assert writes(emulator)["ecs.update"] == 1


def test_reschedule_into_next_window(emulator, ansible_env):
    """not_before=next_window picks the next window opening; the second run finds the start inside it."""
    now = utcnow()
    tomorrow_noon = (now + timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
    event_id = emulator.add_event("ecs", "cn-north-4", {
        "type": "instance-reboot", "state": "scheduled", "instance_id": "1e9b7d42-6f3a-4c81-b2d5-8a0e4c6f3b97",
        "not_before": iso(tomorrow_noon), "not_after": iso(tomorrow_noon + timedelta(hours=1)),
        "not_before_deadline": iso(now + timedelta(days=4))})
    tasks = """
- name: Into the window
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %s
    state: rescheduled
    not_before: next_window
    maintenance_window: daily 02:00-04:00 UTC
""" % event_id
    result = run(emulator, ansible_env, tasks)
    result.assert_ok()
    task = result.task("Into the window")
    start = datetime.strptime(task["event"]["not_before"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert task.status == "changed" and (start.hour, start.minute, start.second) == (2, 0, 0)
    assert now < start <= now + timedelta(days=1, minutes=2)
    assert task["window"] == {"opening": iso(start), "closing": iso(start + timedelta(hours=2))}
    assert stored(emulator, event_id)["not_after"] == iso(start + timedelta(hours=1))  # the window keeps its length

    again = run(emulator, ansible_env, tasks)
    again.assert_ok()
    assert again.task("Into the window").status == "ok"
    assert again.task("Into the window")["window"] == task["window"]
    assert writes(emulator)["ecs.update"] == 1


def test_check_mode_makes_no_write(emulator, ansible_env):
    result = run(emulator, ansible_env, """
- name: Accept ECS
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %s
    not_before: +1h
- name: Reschedule ECS
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %s
    state: rescheduled
    not_before: +2d
- name: Accept ModelArts
  hwcloud.maintenance.scheduled_event:
    service: modelarts
    event_id: %s
- name: Already accepted
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %s
""" % (ECS_INQUIRING, ECS_SCHEDULED, MA_INQUIRING, ECS_SCHEDULED), check=True)
    result.assert_ok()
    for name in ("Accept ECS", "Reschedule ECS", "Accept ModelArts"):
        task = result.task(name)
        assert task.status == "changed" and task["request_id"] is None, name
    assert result.task("Accept ECS")["event"]["state"] == "inquiring"  # the event as read: nothing changed
    assert result.task("Already accepted").status == "ok"
    assert writes(emulator) == {"ecs.accept": 0, "ecs.update": 0, "modelarts.accept": 0}
    assert emulator.stats()["by_route"]["ecs.list"] == 3
    assert stored(emulator, ECS_INQUIRING)["state"] == "inquiring"
    assert stored(emulator, MA_INQUIRING)["state"] == "inquiring"


def test_diff(emulator, ansible_env):
    start = iso((utcnow() + timedelta(days=2)).replace(hour=1, minute=0, second=0))
    old = stored(emulator, ECS_SCHEDULED)["not_before"]
    tasks = """
- name: Reschedule
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %s
    state: rescheduled
    not_before: "%s"
- name: Accept
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %s
""" % (ECS_SCHEDULED, start, ECS_INQUIRING)
    checked = run(emulator, ansible_env, tasks, check=True, diff=True)
    checked.assert_ok()
    assert checked.task("Reschedule")["diff"] == {
        "before": {"state": "scheduled", "not_before": old}, "after": {"state": "scheduled", "not_before": start},
        "before_header": "scheduled event " + ECS_SCHEDULED, "after_header": "scheduled event " + ECS_SCHEDULED}
    assert checked.task("Accept")["diff"]["after"] == {"state": "scheduled", "not_before": "(as soon as possible)"}
    assert '-    "not_before": "%s",' % old in checked.stdout and '+    "not_before": "%s",' % start in checked.stdout

    result = run(emulator, ansible_env, tasks, diff=True)
    result.assert_ok()
    assert result.task("Reschedule")["diff"]["after"] == {"state": "scheduled", "not_before": start}
    accept = result.task("Accept")
    assert accept["diff"]["before"]["state"] == "inquiring"
    assert accept["diff"]["after"] == {"state": "scheduled", "not_before": accept["event"]["not_before"]}
    assert '-    "state": "inquiring"' in result.stdout and '+    "state": "scheduled"' in result.stdout

    plain = run(emulator, ansible_env, tasks)
    plain.assert_ok()
    assert "diff" not in plain.task("Reschedule").result


def test_refusals(emulator, ansible_env):
    deadline = stored(emulator, ECS_SCHEDULED)["not_before_deadline"]
    result = run(emulator, ansible_env, """
- name: Wrong state for accept
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %(executing)s
  ignore_errors: true
- name: Wrong state for reschedule
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %(inquiring)s
    state: rescheduled
    not_before: +1d
  ignore_errors: true
- name: After the deadline
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %(scheduled)s
    state: rescheduled
    not_before: "%(deadline)s"
  ignore_errors: true
- name: In the past
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %(scheduled)s
    state: rescheduled
    not_before: -1h
  ignore_errors: true
- name: Unknown event
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: 00000000-0000-4000-8000-000000000000
  ignore_errors: true
- name: No window before the deadline
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %(inquiring)s
    not_before: next_window
    maintenance_window: "%(no_window)s"
  ignore_errors: true
- name: Event of another region
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %(other_region)s
  ignore_errors: true
- name: Reschedule ModelArts
  hwcloud.maintenance.scheduled_event:
    service: modelarts
    event_id: %(modelarts)s
    state: rescheduled
    not_before: +1d
  ignore_errors: true
- name: Bad window
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %(inquiring)s
    not_before: next_window
    maintenance_window: Sat 02:00-06:00 CET
  ignore_errors: true
- name: Two regions
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %(inquiring)s
    region: [cn-north-4, ap-southeast-1]
  ignore_errors: true
- name: Missing not_before
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %(scheduled)s
    state: rescheduled
  ignore_errors: true
""" % dict(executing=ECS_EXECUTING, inquiring=ECS_INQUIRING, scheduled=ECS_SCHEDULED, deadline=deadline,
           modelarts=MA_INQUIRING, other_region=ECS_OTHER_REGION,
           # a window that opens only in 4 days: after the +3d deadline of the inquiring event
           no_window="%s 00:00-01:00 UTC" % (utcnow() + timedelta(days=4)).strftime("%a")))
    result.assert_ok()
    for task in result.tasks:
        assert task.status == "failed" and task.ignored, task.task
        assert task.result.get("changed", False) is False, task.task

    def failure(name, reason):
        task = result.task(name)
        assert task.get("reason") == reason, (name, task.result)
        return task["msg"]

    msg = failure("Wrong state for accept", "wrong_state")
    assert "cannot accept ECS scheduled event %s: it is in state 'executing'" % ECS_EXECUTING in msg
    assert result.task("Wrong state for accept")["event"]["state"] == "executing"
    msg = failure("Wrong state for reschedule", "wrong_state")
    assert "only a 'scheduled' event can be rescheduled; accept it first" in msg
    msg = failure("After the deadline", "after_deadline")
    assert "its not_before_deadline is %s and a new start must be at least 30 minutes earlier" % deadline in msg
    msg = failure("In the past", "in_the_past")
    assert "is not in the future" in msg
    msg = failure("Unknown event", "not_found")
    assert "scheduled event 00000000-0000-4000-8000-000000000000 not found in ECS region cn-north-4" in msg
    assert REQUEST_ID.search(msg)
    msg = failure("No window before the deadline", "no_window")
    assert "no maintenance window" in msg and "not_before_deadline %s" % stored(
        emulator, ECS_INQUIRING)["not_before_deadline"] in msg
    assert failure("Event of another region", "not_found")
    msg = result.task("Reschedule ModelArts")["msg"]
    assert "Invalid value 'rescheduled' for option 'state'" in msg and "no API to reschedule" in msg
    msg = result.task("Bad window")["msg"]
    assert "option 'maintenance_window'" in msg and "unknown time zone 'CET'" in msg
    assert "exactly one region" in result.task("Two regions")["msg"]
    assert "not_before" in result.task("Missing not_before")["msg"]
    assert writes(emulator) == {"ecs.accept": 0, "ecs.update": 0, "modelarts.accept": 0}


def test_api_errors_carry_the_request_id(emulator, ansible_env):
    emulator.add_fault(route="ecs.accept", kind="status", status=500, count=1)
    emulator.add_fault(route="modelarts.accept", kind="status", status=400, code="ModelArts.0103",
                       message="the event cannot be accepted", count=1)
    emulator.add_fault(route="ecs.list", kind="status", status=403, region="ap-southeast-1")
    result = run(emulator, ansible_env, """
- name: Server error on accept
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %s
  ignore_errors: true
- name: Service error on accept
  hwcloud.maintenance.scheduled_event:
    service: modelarts
    event_id: %s
  ignore_errors: true
- name: Read denied
  hwcloud.maintenance.scheduled_event:
    service: ecs
    event_id: %s
    region: ap-southeast-1
  ignore_errors: true
""" % (ECS_INQUIRING, MA_INQUIRING, ECS_OTHER_REGION))
    result.assert_ok()
    server = result.task("Server error on accept")
    assert server.status == "failed" and server["error"]["status"] == 500
    assert REQUEST_ID.search(server["msg"]) and server["error"]["request_id"] in server["msg"]
    assert "POST " in server["msg"] and "/actions/accept" in server["msg"]
    assert emulator.stats()["by_route"]["ecs.accept"] == 1  # a POST is not retried after a 500
    service = result.task("Service error on accept")
    assert service["error"]["code"] == "ModelArts.0103" and "the event cannot be accepted" in service["msg"]
    assert REQUEST_ID.search(service["msg"])
    denied = result.task("Read denied")
    assert denied["error"]["status"] == 403 and REQUEST_ID.search(denied["msg"])
    assert "reason" not in denied.result  # an API failure is not a refusal, and never "not found"


def test_credentials_from_options_and_no_secret_in_output(emulator, ansible_env_factory):
    from emulator import credentials  # pylint: disable=import-outside-toplevel  # tests/ is on sys.path

    env = ansible_env_factory(emulator, credentials=None)
    result = run_playbook("""
- name: Explicit credentials
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Accept
      hwcloud.maintenance.scheduled_event:
        access_key: "{{ ak }}"
        secret_key: "{{ sk }}"
        region: cn-north-4
        project_id: "{{ project_id }}"
        endpoints: "{{ endpoints }}"
        service: ecs
        event_id: %s
        not_before: +3h
""" % ECS_INQUIRING, env, diff=True, verbosity=3, extra_vars={
        "ak": credentials.AK, "sk": credentials.SK, "project_id": emulator.project_id("cn-north-4"),
        "endpoints": emulator_endpoints(emulator.url)})
    result.assert_ok()
    task = result.task("Accept")
    assert task.status == "changed" and len(task["request_ids"]) == 3
    assert credentials.SK not in result.stdout + result.stderr + json.dumps(task.result)
