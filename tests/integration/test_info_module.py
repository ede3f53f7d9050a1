# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hwcloud.maintenance.scheduled_event_info through the real ansible-playbook, against the emulator.

Each test is one playbook run with many tasks (see files/info/); the emulator's own event list is the oracle.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from emulator import Fleet
from emulator import credentials as emu_creds
from harness import emulator_endpoints, run_playbook

FILES = Path(__file__).resolve().parent / "files" / "info"
REGIONS = ["cn-north-4", "ap-southeast-1"]
PENDING = ("inquiring", "scheduled", "executing")
SECRETS = (emu_creds.SK, emu_creds.TEMP_SK, emu_creds.SECURITY_TOKEN, emu_creds.IAM_TOKEN)
WRONG_SK = "wrong-secret-key-0000000000000000000000000001"
DOC_EVENT_ID = "0ead944a-72e8-494f-89ba-5846fb7ac5c0"
MA_FIELDS = {"instance_id": "instanceId", "node_name": "nodeName", "pool_name": "poolName",
             "publish_time": "publishTime", "not_before": "notBefore"}


def field(event, name):
    """A field of an emulator event view under its normalised name."""
    if event["service"] == "modelarts":
        return event.get(MA_FIELDS.get(name, name))
    return event.get(name)


def parse(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc) if text else None


def ids(events, keep=lambda e: True):
    return sorted(e["id"] for e in events if keep(e))


def assert_no_secret(result, secrets=SECRETS):
    everything = result.stdout + result.stderr + json.dumps([t.result for t in result.tasks])
    for secret in secrets:
        assert secret not in everything
    assert "Traceback" not in everything


def check_listing(task, expected_ids, targets=4):
    """A successful listing: exactly the expected events, once each, sorted by start, every target read."""
    assert task.status == "ok", task.result
    got = [e["id"] for e in task["events"]]
    assert len(got) == len(set(got)), "an event was repeated"
    assert sorted(got) == sorted(expected_ids)
    assert task["count"] == len(got) and task["summary"]["total"] == len(got)
    assert task["complete"] is True and task["changed"] is False
    assert len(task["targets"]) == targets and all(t["ok"] and t["error"] is None for t in task["targets"])
    starts = [e["not_before"] for e in task["events"]]
    known = [s for s in starts if s is not None]
    assert known == sorted(known) and starts[:len(known)] == known, "not sorted by not_before, nulls last"


def generated_fleet():
    return Fleet.generate(ecs_events=60, instances=24, regions=REGIONS, modelarts_events=40, seed=11)


def test_paging_and_every_filter(emulator_factory, ansible_env_factory):
    emu = emulator_factory(generated_fleet())
    emu.add_event("modelarts", "ap-southeast-1", {"id": "workspace-5-event", "state": "scheduled",
                                                  "nodeName": "ws5-node", "notBefore": "+3d"}, workspace_id="5")
    everything = emu.events()
    default_ws = [e for e in everything if e["service"] == "ecs" or e.get("workspaceId") == "0"]
    ecs = [e for e in everything if e["service"] == "ecs"]
    ma = [e for e in default_ws if e["service"] == "modelarts"]
    pools = sorted({e["poolName"] for e in ma if e.get("poolName")})
    publish = sorted({parse(field(e, "publish_time")) for e in default_ws})
    after, before = publish[len(publish) // 4] + timedelta(seconds=1), publish[3 * len(publish) // 4] + timedelta(seconds=1)
    assert after not in publish and before not in publish
    pick = {
        "event_ids": [ecs[5]["id"], ma[3]["id"]],
        "instance_ids": [ecs[0]["instance_id"], ecs[7]["instance_id"], ma[2]["instanceId"]],
        "node_names": [ma[0]["nodeName"], ma[4]["nodeName"]],
        "pool_names": pools[:1],
        "workspace_id": "5",
        "published_after": after.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "published_before": before.isoformat(),
    }
    project_ids = dict((r, emu.project_id(r)) for r in REGIONS)

    started = datetime.now(timezone.utc).replace(microsecond=0)
    result = run_playbook(FILES / "filters.yml", ansible_env_factory(emu), extra_vars={
        "endpoints": emulator_endpoints(emu.url), "regions": REGIONS, "page_size": 3, "project_ids": project_ids,
        "pick": pick})
    ended = datetime.now(timezone.utc) + timedelta(seconds=1)
    result.assert_ok()
    assert_no_secret(result)

    # Every page of every target read, nothing lost or repeated; project ids resolved from IAM.
    task = result.task("All events, both services, project ids from IAM")
    check_listing(task, ids(default_ws))
    for target in task["targets"]:
        mine = [e for e in default_ws if e["service"] == target["service"] and e["region"] == target["region"]]
        assert target["project_id"] == emu.project_id(target["region"]) and target["count"] == len(mine)
        assert target["pages"] >= 3 and len(target["request_ids"]) == target["pages"]
        assert target["endpoint"] == emu.url
    by_id = dict((e["id"], e) for e in everything)
    for event in task["events"]:
        raw = by_id[event["id"]]
        assert (event["service"], event["region"], event["project_id"]) == \
            (raw["service"], raw["region"], raw["project_id"])
        assert event["pending"] is (event["state"] in PENDING)
        assert event["raw"]["id"] == event["id"] and "service" not in event["raw"]
    assert task["summary"]["by_service"] == {"ecs": len(ecs), "modelarts": len(ma)}

    check_listing(result.task("All events, project ids given"), ids(default_ws))
    check_listing(result.task("All events in check mode"), ids(default_ws))
    check_listing(result.task("ECS only"), ids(ecs), targets=2)
    check_listing(result.task("ModelArts only"), ids(ma), targets=2)
    check_listing(result.task("States"), ids(default_ws, lambda e: e["state"] in ("inquiring", "completed")))
    check_listing(result.task("Types"), ids(default_ws, lambda e: e["type"] in ("instance-redeploy", "node_reboot")))
    check_listing(result.task("Event ids"), sorted(pick["event_ids"]))
    check_listing(result.task("Instance ids"), ids(default_ws, lambda e: field(e, "instance_id") in pick["instance_ids"]))
    check_listing(result.task("Node names"), ids(ma, lambda e: e["nodeName"] in pick["node_names"]))
    check_listing(result.task("Pool names"), ids(ma, lambda e: e.get("poolName") in pick["pool_names"]))
    workspace = result.task("Workspace")
    check_listing(workspace, ["workspace-5-event"], targets=2)
    assert workspace["events"][0]["workspace_id"] == "5" and workspace["query"]["workspace_id"] == "5"
    window = result.task("Published window")
    check_listing(window, ids(default_ws, lambda e: after <= parse(field(e, "publish_time")) <= before))
    assert window["query"]["published_after"] == pick["published_after"]
    assert window["query"]["published_before"] == before.strftime("%Y-%m-%dT%H:%M:%SZ")

    # Relative times depend on when the module ran: the result lies between the sets for the run's start and end.
    relative = result.task("Published relative")
    got = set(e["id"] for e in relative["events"])
    assert set(ids(default_ws, lambda e: parse(field(e, "publish_time")) >= ended - timedelta(days=1))) <= got
    assert got <= set(ids(default_ws, lambda e: parse(field(e, "publish_time")) >= started - timedelta(days=1)))
    soon = result.task("Starts within")
    got = set(e["id"] for e in soon["events"])

    def starts_by(limit):
        return lambda e: e["state"] == "executing" or field(e, "not_before") is None or \
            parse(field(e, "not_before")) <= limit
    assert set(ids(default_ws, starts_by(started + timedelta(hours=48)))) <= got
    assert got <= set(ids(default_ws, starts_by(ended + timedelta(hours=48))))
    assert len(got) < len(default_ws)

    pending = result.task("Pending only")
    check_listing(pending, ids(default_ws, lambda e: e["state"] in PENDING))
    assert pending["query"]["states"] == list(PENDING) and pending["summary"]["pending"] == pending["count"]
    check_listing(result.task("Pending only in one region, combined with states"),
                  ids(default_ws, lambda e: e["region"] == "ap-southeast-1" and e["state"] == "scheduled"), targets=2)

    # Each filtered task really filtered something (the fleet is rich enough for the checks to mean something).
    for name in ("States", "Types", "Event ids", "Instance ids", "Node names", "Pool names", "Published window",
                 "Pending only"):
        assert 0 < result.task(name)["count"] < len(default_ws), name
    # Project ids from IAM: one lookup per region for each task that gave none (15 tasks read two regions
    # that way, one task reads one region, one task gave project_ids).
    assert emu.stats()["by_route"]["iam.projects"] == 2 * 15 + 1


def test_credentials_example_event_and_partial_results(emulator_factory, ansible_env_factory):
    emu = emulator_factory(Fleet.demo())
    emu.add_fault(route="modelarts.list", status=500, region="ap-southeast-1")
    emu.add_fault(route="iam.projects", status=500, region="ap-southeast-1")
    north = emu.events(region="cn-north-4")
    project_ids = dict((r, emu.project_id(r)) for r in REGIONS)
    creds = {"ak": emu_creds.AK, "sk": emu_creds.SK, "temp_ak": emu_creds.TEMP_AK, "temp_sk": emu_creds.TEMP_SK,
             "security_token": emu_creds.SECURITY_TOKEN, "iam_token": emu_creds.IAM_TOKEN, "wrong_sk": WRONG_SK}
    result = run_playbook(FILES / "credentials.yml", ansible_env_factory(emu, credentials=None), extra_vars={
        "endpoints": emulator_endpoints(emu.url), "creds": creds, "project_ids": project_ids})
    result.assert_ok()
    assert_no_secret(result, SECRETS + (WRONG_SK,))

    # The example event of the ECS API document (demo fleet: same fields, times moved to the future).
    example = result.task("ECS document example event")
    check_listing(example, [DOC_EVENT_ID], targets=1)
    event = example["events"][0]
    raw = [e for e in north if e["id"] == DOC_EVENT_ID][0]
    published = parse(raw["publish_time"])
    assert event == {
        "service": "ecs",
        "id": DOC_EVENT_ID,
        "type": "instance-redeploy",
        "state": "scheduled",
        "pending": True,
        "instance_id": "c51b9e4f-0469-4c6f-ad03-22b23247b7a8",
        "node_name": None,
        "pool_name": None,
        "instance_type": None,
        "description": "As being affected by underlying hardware or system OM, ECSs will be redeployed on new hosts",
        "description_raw": "{\"en-us\":\"As being affected by underlying hardware or system OM, "
                           "ECSs will be redeployed on new hosts\"}",
        "publish_time": raw["publish_time"],
        "not_before": raw["not_before"],
        "not_after": raw["not_after"],
        "not_before_deadline": raw["not_before_deadline"],
        "start_time": None,
        "finish_time": None,
        "region": "cn-north-4",
        "project_id": emu.project_id("cn-north-4"),
        "workspace_id": None,
        "raw": dict((k, v) for k, v in raw.items() if k not in ("service", "region", "project_id")),
    }
    # The document's spacing: publish -> not_before 7d20h27m5s; not_after two hours later; deadline = not_before.
    assert parse(event["not_before"]) - published == timedelta(days=7, hours=20, minutes=27, seconds=5)
    assert parse(event["not_after"]) - parse(event["not_before"]) == timedelta(hours=2)
    assert event["not_before_deadline"] == event["not_before"]

    for name in ("IAM token from the option", "Temporary credentials from options",
                 "Temporary credentials from the SDK environment variables",
                 "Permanent credentials from the Terraform environment variables", "IAM token from the environment"):
        check_listing(result.task(name), ids(north), targets=2)

    wrong = result.task("List with a wrong secret key")
    assert wrong.status == "failed"
    assert "HTTP 401" in wrong["msg"] and "APIGW.0301" in wrong["msg"]
    assert wrong["error"]["status"] == 401 and wrong["error"]["code"] == "APIGW.0301"
    assert wrong["error"]["request_id"] and wrong["error"]["request_id"] in wrong["msg"]

    partial = result.task("Partial results when one target fails")
    assert partial.status == "ok" and partial["complete"] is False
    failed = [t for t in partial["targets"] if not t["ok"]]
    assert [(t["region"], t["service"]) for t in failed] == [("ap-southeast-1", "modelarts")]
    assert failed[0]["error"]["status"] == 500 and failed[0]["error"]["code"] == "ModelArts.0000"
    assert failed[0]["error"]["request_id"] and failed[0]["count"] == 0
    assert sorted(e["id"] for e in partial["events"]) == \
        ids(emu.events(), lambda e: not (e["region"] == "ap-southeast-1" and e["service"] == "modelarts"))

    no_partial = result.task("List while one target fails")
    assert no_partial.status == "failed" and "events" not in no_partial.result
    assert "could not read 1 of 4 targets" in no_partial["msg"] and "HTTP 500" in no_partial["msg"]
    assert no_partial["error"]["request_id"] and len(no_partial["targets"]) == 4

    lookup = result.task("Project lookup fails for one region")
    assert lookup["complete"] is False
    unresolved = [t for t in lookup["targets"] if not t["ok"]]
    assert sorted(t["service"] for t in unresolved) == ["ecs", "modelarts"]
    assert all(t["region"] == "ap-southeast-1" and t["project_id"] is None and t["error"]["status"] == 500
               and t["error"]["service"] == "iam" for t in unresolved)
    assert sorted(e["id"] for e in lookup["events"]) == ids(north)
