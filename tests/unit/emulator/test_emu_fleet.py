"""Fleets: file format, relative times, the demo fleet and the generator."""
from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from emulator import Fleet
from emulator.credentials import project_id_for
from emulator.fleet import DEMO_PATH
from emulator.timeutil import parse_strict, resolve

NOW = datetime(2030, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
PENDING = {"inquiring", "scheduled"}


@pytest.mark.parametrize("value,expected", [
    ("+48h", "2030-06-03T12:00:00Z"), ("-2d", "2030-05-30T12:00:00Z"), ("+30m", "2030-06-01T12:30:00Z"),
    ("+1d2h3m4s", "2030-06-02T14:03:04Z"), ("now", "2030-06-01T12:00:00Z"),
    ("2025-03-21T09:22:41Z", "2025-03-21T09:22:41Z"), (None, None), ("+x", "+x"),
    (datetime(2025, 3, 21, 9, 22, 41), "2025-03-21T09:22:41Z"),
])
def test_relative_times(value: object, expected: object) -> None:
    assert resolve(value, NOW) == expected


FLEET_YAML = """
regions:
  cn-north-4: {project_id: 0123456789abcdef0123456789abcdef}
  cn-east-3:
ecs_events:
  - region: cn-north-4
    type: instance-reboot
    state: scheduled
    instance_id: i-1
    publish_time: -1d
    not_before: +48h
    not_before_deadline: 2031-01-01T00:00:00Z
    description: {en-us: reboot, zh-cn: 重启}
  - {region: cn-south-1, type: instance-stop}
modelarts_events:
  - {region: cn-east-3, workspace_id: ws-1, type: node_reboot, notBefore: +30m, nodeName: n1}
"""


def test_load_yaml(tmp_path: Path) -> None:
    path = tmp_path / "fleet.yml"
    path.write_text(FLEET_YAML, encoding="utf-8")
    fleet = Fleet.load(path, now=NOW)
    assert fleet.regions == {"cn-north-4": "0123456789abcdef0123456789abcdef",
                             "cn-east-3": project_id_for("cn-east-3"),
                             "cn-south-1": project_id_for("cn-south-1")}
    first = fleet.ecs_events[0].event
    assert first["publish_time"] == "2030-05-31T12:00:00Z" and first["not_before"] == "2030-06-03T12:00:00Z"
    assert first["not_before_deadline"] == "2031-01-01T00:00:00Z"       # YAML timestamp -> wire string
    assert json.loads(first["description"]) == {"en-us": "reboot", "zh-cn": "重启"}
    assert first["start_time"] is None and first["id"] == Fleet.load(path, now=NOW).ecs_events[0].event["id"]
    second = fleet.ecs_events[1].event
    assert json.loads(second["description"])["en-us"] and second["state"] == "inquiring"
    [ma] = fleet.modelarts_events
    assert ma.workspace_id == "ws-1" and ma.event["notBefore"] == "2030-06-01T12:30:00Z"
    assert ma.event["publishTime"] == "2030-06-01T12:00:00Z"


def test_load_json_and_round_trip(tmp_path: Path) -> None:
    fleet = Fleet.generate(ecs_events=5, instances=3, modelarts_events=2, seed=2, now=NOW)
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps(fleet.to_dict()), encoding="utf-8")
    assert Fleet.load(path, now=NOW).to_dict() == fleet.to_dict()


@pytest.mark.parametrize("text", ["- a list", "ecs_events: [{type: x}]", "ecs_events: [3]"])
def test_bad_files(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError):
        Fleet.load(path)


def test_project_ids_are_deterministic_32_hex() -> None:
    pid = project_id_for("cn-north-4")
    assert pid == project_id_for("cn-north-4") != project_id_for("cn-east-3")
    assert len(pid) == 32 and int(pid, 16) >= 0


# ---------------------------------------------------------------------- demo
def test_demo_contains_the_document_example_shifted_to_the_future() -> None:
    fleet = Fleet.demo(now=NOW)
    assert list(fleet.regions) == ["cn-north-4", "ap-southeast-1"]
    example = next(e for e in fleet.ecs_events if e.event["id"] == "0ead944a-72e8-494f-89ba-5846fb7ac5c0")
    event = example.event
    assert example.region == "cn-north-4"
    assert {k: event[k] for k in ("type", "state", "start_time", "finish_time", "description", "instance_id")} == {
        "type": "instance-redeploy", "state": "scheduled", "start_time": None, "finish_time": None,
        "description": "{\"en-us\":\"As being affected by underlying hardware or system OM, "
                       "ECSs will be redeployed on new hosts\"}",
        "instance_id": "c51b9e4f-0469-4c6f-ad03-22b23247b7a8"}
    times = {k: parse_strict(event[k]) for k in ("publish_time", "not_before", "not_after", "not_before_deadline")}
    document = {k: parse_strict(v) for k, v in {
        "publish_time": "2025-03-13T12:55:36Z", "not_before": "2025-03-21T09:22:41Z",
        "not_after": "2025-03-21T11:22:41Z", "not_before_deadline": "2025-03-21T09:22:41Z"}.items()}
    shift = times["publish_time"] - document["publish_time"]
    assert all(times[k] - document[k] == shift for k in times)
    assert times["publish_time"] <= NOW < times["not_before"]


def test_demo_mix() -> None:
    fleet = Fleet.demo(now=NOW)
    ecs = [e.event for e in fleet.ecs_events]
    assert 6 <= len({e["instance_id"] for e in ecs}) <= 10
    assert {e["state"] for e in ecs} >= {"inquiring", "scheduled", "executing", "completed", "canceled"}
    assert {e.region for e in fleet.ecs_events} == {"cn-north-4", "ap-southeast-1"}
    for event in ecs:
        if event["state"] in PENDING:
            assert parse_strict(event["not_before"]) > NOW
    maintenance = next(e for e in ecs if e["type"] == "system-maintenance")
    assert maintenance["state"] == "inquiring" and parse_strict(maintenance["not_before"]) == NOW + timedelta(hours=12)
    reboot = next(e for e in ecs if e["type"] == "instance-reboot")
    assert reboot["state"] == "scheduled" and parse_strict(reboot["not_before"]) == NOW + timedelta(days=5)
    ma = [e.event for e in fleet.modelarts_events]
    assert 3 <= len(ma) <= 4 and {e["instanceType"] for e in ma} >= {"devserver", "lite-cluster"}
    assert any(e["type"] == "node_redeploy" and e["state"] == "inquiring" for e in ma)
    assert any(e["type"] == "system-maintenance" and e["state"] == "scheduled" for e in ma)


def test_demo_inventory_covers_hosts_with_and_without_events() -> None:
    inventory = yaml.safe_load((DEMO_PATH.parent / "demo-inventory.yml").read_text(encoding="utf-8"))
    assert inventory["all"]["vars"]["ansible_connection"] == "local"
    hosts = {name: spec for group in inventory["all"]["children"].values() for name, spec in group["hosts"].items()}
    assert len(hosts) == 8 and {h[:2] for h in hosts} == {"we", "db"}
    fleet = Fleet.demo(now=NOW)
    known = set(fleet.instance_ids("cn-north-4"))
    pending = {e.event["instance_id"] for e in fleet.ecs_events if e.event["state"] in PENDING | {"executing"}}
    with_events = {e.event["instance_id"] for e in fleet.ecs_events}
    instance_ids = [spec["instance_id"] for spec in hosts.values()]
    assert set(instance_ids) <= known and len(set(instance_ids)) == 8
    assert len(pending & set(instance_ids)) >= 3
    assert len(set(instance_ids) - with_events) >= 2


# ---------------------------------------------------------------------- generator
def test_generator_is_deterministic() -> None:
    args = dict(ecs_events=200, instances=80, regions=["cn-north-4", "cn-east-3"], modelarts_events=30)
    one = Fleet.generate(**args, seed=1, now=NOW).to_dict()  # type: ignore[arg-type]
    assert one == Fleet.generate(**args, seed=1, now=NOW).to_dict()  # type: ignore[arg-type]
    assert one != Fleet.generate(**args, seed=2, now=NOW).to_dict()  # type: ignore[arg-type]


def test_generator_produces_a_realistic_mix() -> None:
    fleet = Fleet.generate(ecs_events=1000, instances=400, regions=["cn-north-4", "cn-east-3"],
                           modelarts_events=60, seed=1, now=NOW)
    ecs = [e.event for e in fleet.ecs_events]
    assert len(ecs) == 1000 and len(fleet.modelarts_events) == 60
    assert len({e["id"] for e in ecs}) == 1000
    states = Counter(e["state"] for e in ecs)
    assert states["inquiring"] + states["scheduled"] > 500 and len(states) == 6
    assert len(Counter(e["type"] for e in ecs)) == 6
    assert {e.region for e in fleet.ecs_events} == {"cn-north-4", "cn-east-3"}
    assert len(fleet.instance_ids()) == 400
    for event in ecs:
        uuid.UUID(event["instance_id"])
        json.loads(event["description"])
        if event["state"] in PENDING:
            assert parse_strict(event["not_before"]) > NOW
            assert parse_strict(event["not_before_deadline"]) > parse_strict(event["not_before"])
        assert parse_strict(event["publish_time"]) <= NOW
    for item in fleet.modelarts_events:
        event = item.event
        assert event["nodeName"] and event["instanceType"] in {"devserver", "lite-cluster", "standard"}
        assert (event["poolName"] is None) == (event["instanceType"] == "devserver")
        assert item.workspace_id == "0"
