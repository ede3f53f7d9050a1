"""ModelArts list / accept and IAM projects over real HTTP."""
from __future__ import annotations

from datetime import timedelta

import pytest

from emulator import Emulator, credentials
from emulator.timeutil import format_time, parse_strict, utcnow
from emulator_testkit import (AP, CN, MA_CN_ORDER, MA_COMPLETED, MA_INQUIRING, MA_SCHEDULED, Api, ids,
                              request_id_headers)


def in_(delta: timedelta) -> str:
    return format_time(utcnow() + delta)


def test_list_defaults_to_workspace_0_and_returns_everything(api: Api) -> None:
    response = api.modelarts("GET")
    body = response.json()
    assert [e["id"] for e in body["events"]] == MA_CN_ORDER and body["count"] == 3
    assert request_id_headers(response) == ["X-request-id"]


def test_event_fields_are_camel_case(api: Api) -> None:
    event = api.modelarts("GET", query={"id": MA_INQUIRING}).json()["events"][0]
    assert {"id", "catalog", "type", "description", "state", "instanceType", "instanceId", "nodeName",
            "poolName", "poolDisplayName", "publishTime", "startTime", "finishTime", "notBefore",
            "probeMsg", "redeployType"} <= set(event)
    assert event["redeployType"] == ["HARD", "SOFT"] and event["instanceType"] == "devserver"


def test_workspaces_are_separate(emu: Emulator, api: Api) -> None:
    other = emu.add_event("modelarts", CN, {"nodeName": "devserver-zz"}, workspace_id="ws-1")
    assert ids(api.modelarts("GET", query={"workspaceId": "ws-1"})) == [other]
    assert other not in ids(api.modelarts("GET"))
    assert ids(api.modelarts("GET", query={"workspaceId": "0"})) == MA_CN_ORDER


@pytest.mark.parametrize("query,expected", [
    ([("state", "inquiring"), ("state", "scheduled")], [MA_SCHEDULED, MA_INQUIRING]),
    ([("state", "inquiring,scheduled")], [MA_SCHEDULED, MA_INQUIRING]),
    ([("type", "node_reboot,node_redeploy"), ("type", "operation-request")], [MA_COMPLETED, MA_INQUIRING]),
    ([("id", MA_SCHEDULED)], [MA_SCHEDULED]),
    ([("nodeName", "devserver-a1b2c3")], [MA_INQUIRING]),
    ([("poolName", "pool-9c41d2e7")], [MA_COMPLETED, MA_SCHEDULED]),
    ([("poolName", "pool-9c41d2e7"), ("state", "completed")], [MA_COMPLETED]),
])
def test_list_filters(api: Api, query: list[tuple[str, str]], expected: list[str]) -> None:
    body = api.modelarts("GET", query=query).json()
    assert [e["id"] for e in body["events"]] == expected and body["count"] == len(expected)


def test_list_publish_window(api: Api) -> None:
    recent = {"publishStartTime": in_(-timedelta(hours=30))}
    assert ids(api.modelarts("GET", query=recent)) == [MA_SCHEDULED, MA_INQUIRING]
    assert ids(api.modelarts("GET", query={"publishEndTime": in_(-timedelta(days=2))})) == [MA_COMPLETED]


def test_offset_limit_paging_reports_the_total(api: Api) -> None:
    pages = [api.modelarts("GET", query={"offset": offset, "limit": 2}).json() for offset in (0, 2, 4)]
    assert [[e["id"] for e in p["events"]] for p in pages] == [MA_CN_ORDER[:2], MA_CN_ORDER[2:], []]
    assert {p["count"] for p in pages} == {3}
    assert api.modelarts("GET", query={"offset": 1}).json()["count"] == 3
    assert ids(api.modelarts("GET", query={"offset": 1})) == MA_CN_ORDER[1:]


@pytest.mark.parametrize("name,value", [
    ("limit", "0"), ("limit", "101"), ("limit", "x"), ("offset", "-1"), ("offset", "1.5"),
    ("publishStartTime", "yesterday"), ("publishEndTime", "2025-01-01T00:00:00.000Z"),
])
def test_list_validation(api: Api, name: str, value: str) -> None:
    response = api.modelarts("GET", query={name: value})
    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == "ModelArts.0101" and name in body["error_msg"]
    assert request_id_headers(response) == ["X-request-id"]


def test_accept_returns_the_updated_event(emu: Emulator, api: Api) -> None:
    chosen = in_(timedelta(days=1))
    body = {"notBefore": chosen, "redeployConfig": {"type": "SOFT", "autoFlow": "true"}}
    response = api.modelarts("POST", f"/{MA_INQUIRING}/accept", query={"workspaceId": "0"}, body=body)
    assert response.status_code == 200, response.text
    event = response.json()
    assert event["id"] == MA_INQUIRING and event["state"] == "scheduled" and event["notBefore"] == chosen
    assert event["nodeName"] == "devserver-a1b2c3" and "redeployConfig" not in event
    assert request_id_headers(response) == ["X-request-id"]
    stored = next(e for e in emu.events("modelarts") if e["id"] == MA_INQUIRING)
    assert stored["_emulator"]["redeployConfig"] == {"type": "SOFT", "autoFlow": "true"}


@pytest.mark.parametrize("body", [None, {}, {"notBefore": ""}])
def test_accept_without_a_time_starts_now(api: Api, body: object) -> None:
    response = api.modelarts("POST", f"/{MA_INQUIRING}/accept", body=body)  # type: ignore[arg-type]
    assert response.status_code == 200
    assert abs(parse_strict(response.json()["notBefore"]) - utcnow()) < timedelta(seconds=5)


@pytest.mark.parametrize("event_id,query,body,status,code", [
    (MA_SCHEDULED, {}, {}, 400, "ModelArts.0103"),
    (MA_INQUIRING, {"workspaceId": "other"}, {}, 404, "ModelArts.0104"),
    ("missing", {}, {}, 404, "ModelArts.0104"),
    (MA_INQUIRING, {}, {"notBefore": "2020-01-01T00:00:00Z"}, 400, "ModelArts.0102"),
    (MA_INQUIRING, {}, {"notBefore": "soon"}, 400, "ModelArts.0102"),
    (MA_INQUIRING, {}, {"redeployConfig": {"type": "MEDIUM"}}, 400, "ModelArts.0102"),
    (MA_INQUIRING, {}, {"redeployConfig": "SOFT"}, 400, "ModelArts.0102"),
    (MA_INQUIRING, {}, b"{", 400, "ModelArts.0102"),
])
def test_accept_errors(api: Api, event_id: str, query: dict[str, str], body: object,
                       status: int, code: str) -> None:
    response = api.modelarts("POST", f"/{event_id}/accept", query=query, body=body)  # type: ignore[arg-type]
    assert response.status_code == status, response.text
    assert response.json()["error_code"] == code and response.json()["error_msg"]
    assert request_id_headers(response) == ["X-request-id"]


def test_other_region(api: Api) -> None:
    assert api.modelarts("GET", region=AP).json()["count"] == 1


# ---------------------------------------------------------------------- IAM
def test_iam_projects_by_region_name(emu: Emulator, api: Api) -> None:
    response = api.call("GET", "/v3/projects", query={"name": CN})
    assert response.status_code == 200
    [project] = response.json()["projects"]
    assert project == {**project, "id": emu.project_id(CN), "name": CN,
                       "domain_id": credentials.DOMAIN_ID, "enabled": True}
    assert request_id_headers(response) == ["X-Request-Id"]


def test_iam_projects_unknown_region_and_all(api: Api) -> None:
    assert api.call("GET", "/v3/projects", query={"name": "xx-nowhere-1"}).json()["projects"] == []
    names = [p["name"] for p in api.call("GET", "/v3/projects").json()["projects"]]
    assert names == sorted([CN, AP])
