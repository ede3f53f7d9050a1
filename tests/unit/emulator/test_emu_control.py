"""The HTTP control API under /_emulator/ and the matching Python API."""
from __future__ import annotations

import pytest

from emulator import Emulator
from emulator_testkit import CN, ECS_INQUIRING, Api, ids, request_id_headers


def test_stats_and_reset(api: Api) -> None:
    api.ecs_list()
    response = api.control("GET", "stats")
    assert response.status_code == 200 and request_id_headers(response) == ["X-Request-Id"]
    stats = response.json()
    assert stats["requests_total"] == 1 and stats["by_route"] == {"ecs.list": 1}
    assert set(stats) >= {"requests_total", "by_route", "by_status", "max_concurrency"}
    assert api.control("POST", "stats/reset").status_code == 204
    assert api.control("GET", "stats").json()["requests_total"] == 0


def test_faults_over_http(emu: Emulator, api: Api) -> None:
    created = api.control("POST", "faults", {"route": "ecs.list", "kind": "status", "status": 429,
                                             "retry_after": "2", "count": 1})
    assert created.status_code == 201
    [fault] = api.control("GET", "faults").json()
    assert fault["id"] == created.json()["id"] and fault["count"] == 1
    assert api.ecs_list().status_code == 429
    assert api.ecs_list().status_code == 200
    api.control("POST", "faults", {"route": "ecs.list", "status": 500})
    assert api.control("DELETE", "faults").status_code == 204
    assert api.ecs_list().status_code == 200
    fault_id = api.control("POST", "faults", {"kind": "drop"}).json()["id"]
    assert api.control("DELETE", f"faults/{fault_id}").status_code == 204
    assert api.control("DELETE", f"faults/{fault_id}").status_code == 404


@pytest.mark.parametrize("body", [{"kind": "nope"}, {"route": "x"}, {"bogus": 1}, ["status"]])
def test_bad_fault_requests(api: Api, body: object) -> None:
    response = api.control("POST", "faults", body)
    assert response.status_code == 400 and response.json()["error"]


def test_events_over_http(emu: Emulator, api: Api) -> None:
    listed = api.control("GET", "events").json()
    assert len(listed) == 11 and {e["service"] for e in listed} == {"ecs", "modelarts"}
    assert len(api.control("GET", "events?service=ecs&region=ap-southeast-1").json()) == 1

    created = api.control("POST", "events", {"service": "ecs", "region": CN, "event": {
        "type": "instance-stop", "state": "inquiring", "instance_id": "i-1", "not_before": "+2d",
        "description": {"en-us": "stop"}}})
    assert created.status_code == 201
    event_id = created.json()["id"]
    assert ids(api.ecs_list({"instance_id": "i-1"})) == [event_id]
    event = api.ecs_list({"id": event_id}).json()["events"][0]
    assert event["description"] == '{"en-us":"stop"}' and event["not_before"].endswith("Z")

    patched = api.control("PATCH", f"events/{event_id}", {"state": "completed", "finish_time": "now"})
    assert patched.status_code == 200 and patched.json()["state"] == "completed"
    assert ids(api.ecs_list({"state": "completed", "instance_id": "i-1"})) == [event_id]

    assert api.control("DELETE", f"events/{event_id}").status_code == 204
    assert ids(api.ecs_list({"instance_id": "i-1"})) == []
    assert api.control("DELETE", f"events/{event_id}").status_code == 404
    assert api.control("PATCH", f"events/{event_id}", {"state": "x"}).status_code == 404


def test_modelarts_event_in_a_new_region(emu: Emulator, api: Api) -> None:
    created = api.control("POST", "events", {"service": "modelarts", "region": "cn-east-3",
                                             "workspace_id": "ws-9", "event": {"nodeName": "n1"}})
    assert created.status_code == 201
    assert "cn-east-3" in api.control("GET", "regions").json()
    listed = api.modelarts("GET", region="cn-east-3", query={"workspaceId": "ws-9"}).json()
    assert listed["count"] == 1 and listed["events"][0]["nodeName"] == "n1"


@pytest.mark.parametrize("body", [{"service": "ecs"}, {"service": "rds", "region": CN, "event": {"a": 1}}])
def test_bad_event_requests(api: Api, body: dict[str, object]) -> None:
    assert api.control("POST", "events", body).status_code == 400


def test_duplicate_event_id(emu: Emulator) -> None:
    with pytest.raises(ValueError):
        emu.add_event("ecs", CN, {"id": ECS_INQUIRING})


def test_config(emu: Emulator, api: Api) -> None:
    assert api.control("GET", "config").json()["ecs_last_page"] == "absent"
    changed = api.control("POST", "config", {"ecs_last_page": "empty", "latency": 0.01, "max_skew": 300})
    assert changed.json() == {**changed.json(), "ecs_last_page": "empty", "latency": 0.01, "max_skew": 300}
    assert emu.ecs_last_page == "empty" and emu.latency == 0.01 and emu.max_skew == 300
    assert api.control("POST", "config", {"ecs_last_page": "sometimes"}).status_code == 400
    assert api.control("POST", "config", {"colour": "red"}).status_code == 400


def test_unknown_control_endpoint_and_health(api: Api) -> None:
    assert api.control("GET", "nothing").status_code == 404
    assert api.control("PUT", "stats").status_code == 404
    assert api.control("GET", "health").json() == {"status": "ok"}


def test_python_api(emu: Emulator) -> None:
    assert emu.project_id(CN) == emu.regions()[CN] and len(emu.project_id(CN)) == 32
    with pytest.raises(KeyError):
        emu.project_id("xx-nowhere-1")
    event_id = emu.add_event("ecs", CN, {"state": "scheduled"})
    view = emu.update_event(event_id, state="executing")
    assert view["state"] == "executing" and view["region"] == CN and view["project_id"] == emu.project_id(CN)
    assert [e["id"] for e in emu.events(service="ecs", region=CN)].count(event_id) == 1
    emu.remove_event(event_id)
    with pytest.raises(KeyError):
        emu.update_event(event_id, state="x")
    with pytest.raises(ValueError):
        emu.add_event("rds", CN, {})
