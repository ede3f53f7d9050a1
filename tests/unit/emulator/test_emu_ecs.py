"""ECS list / update / accept over real HTTP."""
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from emulator import Emulator, Fleet
from emulator.timeutil import format_time, parse_strict, utcnow
from emulator_testkit import (AP, ECS_AP_INQUIRING, ECS_CANCELED, ECS_CN_ORDER, ECS_COMPLETED,
                              ECS_EXAMPLE, ECS_EXECUTING, ECS_INQUIRING, ECS_REBOOT,
                              EXAMPLE_INSTANCE, REBOOT_INSTANCE, Api, ids, request_id_headers)

PENDING = [ECS_EXAMPLE, ECS_REBOOT, ECS_INQUIRING]


def in_(delta: timedelta) -> str:
    return format_time(utcnow() + delta)


# ---------------------------------------------------------------------- list
def test_list_everything_in_stable_order(api: Api) -> None:
    response = api.ecs_list()
    assert ids(response) == ECS_CN_ORDER
    assert response.json()["page_info"] == {}
    assert request_id_headers(response) == ["X-Request-Id"]


def test_list_event_fields_match_the_document(api: Api) -> None:
    event = api.ecs_list({"id": ECS_EXAMPLE}).json()["events"][0]
    assert list(event)[:11] == ["id", "type", "state", "publish_time", "start_time", "finish_time",
                                "not_before", "not_after", "not_before_deadline", "description",
                                "instance_id"]
    assert json.loads(event["description"]) == {
        "en-us": "As being affected by underlying hardware or system OM, ECSs will be redeployed on new hosts"}
    assert event["instance_id"] == EXAMPLE_INSTANCE and event["state"] == "scheduled"


def test_list_is_per_region(api: Api) -> None:
    assert ids(api.ecs_list(region=AP)) == [ECS_AP_INQUIRING]


@pytest.mark.parametrize("query", [
    [("state", "inquiring"), ("state", "scheduled")],            # repeated keys (the SDK)
    [("state", "inquiring,scheduled")],                           # comma-joined (the document)
    [("state", "inquiring,scheduled"), ("state", "inquiring")],   # a mix
])
def test_list_filters_accept_both_list_encodings(api: Api, query: list[tuple[str, str]]) -> None:
    assert ids(api.ecs_list(query)) == PENDING


def test_list_accepts_a_raw_unencoded_comma(api: Api) -> None:
    response = api.ecs_list({"state": "executing,canceled"}, edit_url=lambda u: u.replace("%2C", ","))
    assert "state=executing,canceled" in response.url
    assert ids(response) == [ECS_CANCELED, ECS_EXECUTING]


def test_list_filters(api: Api) -> None:
    assert ids(api.ecs_list({"id": ECS_REBOOT})) == [ECS_REBOOT]
    assert ids(api.ecs_list({"instance_id": [EXAMPLE_INSTANCE, REBOOT_INSTANCE]})) == [ECS_EXAMPLE, ECS_REBOOT]
    assert ids(api.ecs_list({"type": "instance-reboot,instance-migrate"})) == [ECS_COMPLETED, ECS_REBOOT]
    assert ids(api.ecs_list({"type": "no-such-type"})) == []
    assert ids(api.ecs_list({"state": "completed", "type": "instance-reboot"})) == []


def test_list_publish_window(api: Api) -> None:
    assert ids(api.ecs_list({"publish_since": in_(-timedelta(hours=36))})) == [ECS_EXAMPLE, ECS_REBOOT, ECS_INQUIRING]
    older = [ECS_COMPLETED, ECS_CANCELED, ECS_EXECUTING]
    assert ids(api.ecs_list({"publish_until": in_(-timedelta(hours=36))})) == older
    window = {"publish_since": in_(-timedelta(hours=80)), "publish_until": in_(-timedelta(hours=30))}
    assert ids(api.ecs_list(window)) == [ECS_CANCELED, ECS_EXECUTING]


@pytest.mark.parametrize("name,value", [
    ("limit", "0"), ("limit", "101"), ("limit", "ten"), ("limit", ""),
    ("publish_since", "2025-01-01"), ("publish_until", "2025-01-01T00:00:00+08:00"),
    ("publish_since", "2025-01-01 00:00:00Z"),
])
def test_list_rejects_bad_query_values(api: Api, name: str, value: str) -> None:
    response = api.ecs_list({name: value})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "Ecs.0006"
    assert name in response.json()["error"]["message"]
    assert request_id_headers(response) == ["X-Request-Id"]


def test_list_rejects_an_unknown_marker(api: Api) -> None:
    response = api.ecs_list({"marker": "11111111-2222-3333-4444-555555555555"})
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "Ecs.0007", "message":
                                         "invalid marker '11111111-2222-3333-4444-555555555555': "
                                         "no such scheduled event"}}


def test_limit_boundaries(api: Api) -> None:
    assert len(ids(api.ecs_list({"limit": 1}))) == 1
    assert len(ids(api.ecs_list({"limit": 100}))) == 6


def walk(api: Api, query: dict[str, Any]) -> list[dict[str, Any]]:
    """Every response body of a marker walk (stops on no/empty marker or empty page)."""
    bodies, marker = [], None
    for attempt in range(20):
        page_query = dict(query, **({"marker": marker} if marker else {}))
        body = api.ecs_list(page_query).json()
        bodies.append(body)
        marker = body["page_info"].get("next_marker")
        if not marker or not body["events"]:
            return bodies
    raise AssertionError("paging did not stop")


def test_paging_absent_mode(api: Api) -> None:
    bodies = walk(api, {"limit": 4})
    assert [len(b["events"]) for b in bodies] == [4, 2]
    assert bodies[0]["page_info"] == {"next_marker": ECS_CN_ORDER[3]}
    assert bodies[1]["page_info"] == {}
    assert [e["id"] for b in bodies for e in b["events"]] == ECS_CN_ORDER


def test_paging_exact_multiple_has_no_extra_page(api: Api) -> None:
    bodies = walk(api, {"limit": 3})
    assert [len(b["events"]) for b in bodies] == [3, 3]
    assert bodies[-1]["page_info"] == {}


def test_paging_empty_mode(emu: Emulator, api: Api) -> None:
    emu.ecs_last_page = "empty"
    bodies = walk(api, {"limit": 4})
    assert [b["page_info"] for b in bodies] == [{"next_marker": ECS_CN_ORDER[3]}, {"next_marker": ""}]


def test_paging_repeat_mode_like_the_document(emu: Emulator, api: Api) -> None:
    emu.ecs_last_page = "repeat"
    bodies = walk(api, {"limit": 4})
    assert [len(b["events"]) for b in bodies] == [4, 2, 0]
    assert bodies[1]["page_info"] == {"next_marker": ECS_CN_ORDER[-1]}
    assert bodies[2] == {"events": [], "page_info": {}}
    one = api.ecs_list({"state": "inquiring,scheduled,executing", "limit": 1}).json()
    assert one["page_info"]["next_marker"] == one["events"][0]["id"] == ECS_EXECUTING


def test_paging_with_filters_and_repeated_keys(api: Api) -> None:
    bodies = walk(api, {"limit": 1, "state": ["scheduled", "inquiring"]})
    assert [e["id"] for b in bodies for e in b["events"]] == PENDING


def test_marker_survives_a_state_change_between_pages(emu: Emulator, api: Api) -> None:
    first = api.ecs_list({"state": "scheduled", "limit": 1}).json()
    assert ids_of(first) == [ECS_EXAMPLE]
    emu.update_event(ECS_EXAMPLE, state="executing")
    second = api.ecs_list({"state": "scheduled", "limit": 1, "marker": ECS_EXAMPLE}).json()
    assert ids_of(second) == [ECS_REBOOT]


def ids_of(body: dict[str, Any]) -> list[str]:
    return [e["id"] for e in body["events"]]


def test_default_page_size_is_100() -> None:
    fleet = Fleet.generate(ecs_events=150, instances=20, seed=3)
    with Emulator(fleet=fleet) as emu:
        api = Api(emu)
        first = api.ecs_list().json()
        assert len(first["events"]) == 100 and first["page_info"]["next_marker"]
        second = api.ecs_list({"marker": first["page_info"]["next_marker"]}).json()
        assert len(second["events"]) == 50 and second["page_info"] == {}
        assert len({e["id"] for e in first["events"] + second["events"]}) == 150


# ---------------------------------------------------------------------- update
def test_update_reschedules_a_scheduled_event(emu: Emulator, api: Api) -> None:
    new_start = in_(timedelta(days=2))
    response = api.ecs("PUT", f"/{ECS_REBOOT}", body={"not_before": new_start})
    assert response.status_code == 204 and response.content == b""
    assert request_id_headers(response) == ["X-Request-Id"]
    event = api.ecs_list({"id": ECS_REBOOT}).json()["events"][0]
    assert event["not_before"] == new_start
    assert parse_strict(event["not_after"]) - parse_strict(new_start) == timedelta(hours=1)


@pytest.mark.parametrize("event_id,body,status,code", [
    (ECS_INQUIRING, {"not_before": "+1d"}, 400, "Ecs.0005"),               # not a time
    (ECS_INQUIRING, None, 400, "Ecs.0005"),                                 # body required
    (ECS_REBOOT, {}, 400, "Ecs.0005"),
    (ECS_REBOOT, b"not json", 400, "Ecs.0005"),
    (ECS_REBOOT, {"not_before": "2025-01-01T00:00:00"}, 400, "Ecs.0005"),
    (ECS_INQUIRING, {"not_before": "FUTURE_1D"}, 400, "Ecs.0802"),          # inquiring: accept first
    (ECS_EXECUTING, {"not_before": "FUTURE_1D"}, 400, "Ecs.0802"),
    (ECS_REBOOT, {"not_before": "PAST"}, 400, "Ecs.0803"),
    (ECS_REBOOT, {"not_before": "DEADLINE_MINUS_20M"}, 400, "Ecs.0803"),   # deadline is +7d
    ("no-such-event", {"not_before": "FUTURE_1D"}, 404, "Ecs.0801"),
])
def test_update_errors(api: Api, event_id: str, body: object, status: int, code: str) -> None:
    times = {"FUTURE_1D": in_(timedelta(days=1)), "PAST": in_(-timedelta(minutes=1)),
             "DEADLINE_MINUS_20M": in_(timedelta(days=7, minutes=-20))}
    if isinstance(body, dict) and body.get("not_before") in times:
        body = {"not_before": times[body["not_before"]]}
    response = api.ecs("PUT", f"/{event_id}", body=body)  # type: ignore[arg-type]
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert request_id_headers(response) == ["X-Request-Id"]


def test_update_up_to_30_minutes_before_the_deadline(api: Api) -> None:
    ok = api.ecs("PUT", f"/{ECS_REBOOT}", body={"not_before": in_(timedelta(days=7, minutes=-31))})
    assert ok.status_code == 204


def test_update_of_the_document_example_is_bounded_by_its_deadline(api: Api) -> None:
    """Its not_before_deadline equals its not_before: it can only move earlier."""
    response = api.ecs("PUT", f"/{ECS_EXAMPLE}", body={"not_before": in_(timedelta(days=1))})
    assert response.status_code == 204
    response = api.ecs("PUT", f"/{ECS_EXAMPLE}", body={"not_before": in_(timedelta(days=9))})
    assert response.json()["error"]["code"] == "Ecs.0803"


def test_update_in_another_project_is_not_found(api: Api) -> None:
    response = api.ecs("PUT", f"/{ECS_REBOOT}", region=AP, body={"not_before": in_(timedelta(days=1))})
    assert response.status_code == 404


# ---------------------------------------------------------------------- accept
@pytest.mark.parametrize("body", [None, {}, b"  "])
def test_accept_without_a_time_starts_now(emu: Emulator, api: Api, body: object) -> None:
    before = utcnow()
    response = api.ecs("POST", f"/{ECS_INQUIRING}/actions/accept", body=body)  # type: ignore[arg-type]
    assert response.status_code == 204 and response.content == b""
    event = api.ecs_list({"id": ECS_INQUIRING}).json()["events"][0]
    assert event["state"] == "scheduled"
    assert before <= parse_strict(event["not_before"]) <= utcnow()
    assert parse_strict(event["not_after"]) - parse_strict(event["not_before"]) == timedelta(hours=4)


def test_accept_at_a_chosen_time_then_reschedule(api: Api) -> None:
    chosen = in_(timedelta(days=1))
    assert api.ecs("POST", f"/{ECS_INQUIRING}/actions/accept", body={"not_before": chosen}).status_code == 204
    assert api.ecs_list({"id": ECS_INQUIRING}).json()["events"][0]["not_before"] == chosen
    again = api.ecs("POST", f"/{ECS_INQUIRING}/actions/accept", body={})
    assert again.status_code == 400 and again.json()["error"]["code"] == "Ecs.0802"
    later = in_(timedelta(days=2))
    assert api.ecs("PUT", f"/{ECS_INQUIRING}", body={"not_before": later}).status_code == 204


@pytest.mark.parametrize("event_id,body,status,code", [
    (ECS_REBOOT, {}, 400, "Ecs.0802"),
    (ECS_COMPLETED, {}, 400, "Ecs.0802"),
    (ECS_INQUIRING, {"not_before": "tomorrow"}, 400, "Ecs.0005"),
    (ECS_INQUIRING, [1, 2], 400, "Ecs.0005"),
    (ECS_INQUIRING, {"not_before": "PAST"}, 400, "Ecs.0803"),
    (ECS_INQUIRING, {"not_before": "AFTER_DEADLINE"}, 400, "Ecs.0803"),    # deadline is +3d
    ("unknown", {}, 404, "Ecs.0801"),
])
def test_accept_errors(api: Api, event_id: str, body: object, status: int, code: str) -> None:
    times = {"PAST": in_(-timedelta(hours=1)), "AFTER_DEADLINE": in_(timedelta(days=4))}
    if isinstance(body, dict) and body.get("not_before") in times:
        body = {"not_before": times[body["not_before"]]}
    payload = json.dumps(body).encode() if isinstance(body, list) else body
    response = api.ecs("POST", f"/{event_id}/actions/accept", body=payload)  # type: ignore[arg-type]
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_unknown_types_and_states_are_listed(emu: Emulator, api: Api) -> None:
    event_id = emu.add_event("ecs", "cn-north-4", {"type": "instance-hibernate", "state": "pondering"})
    assert ids(api.ecs_list({"type": "instance-hibernate"})) == [event_id]
    assert ids(api.ecs_list({"state": "pondering"})) == [event_id]
