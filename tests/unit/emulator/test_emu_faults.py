"""Fault injection, latency and statistics."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from emulator import Emulator, Fleet
from emulator_testkit import AP, ECS_CN_ORDER, Api, request_id_headers


def test_status_fault_with_count_then_recovery(emu: Emulator, api: Api) -> None:
    emu.add_fault(route="ecs.list", kind="status", status=429, retry_after="1", count=2)
    for attempt in range(2):
        response = api.ecs_list()
        assert response.status_code == 429 and response.headers["Retry-After"] == "1"
        body = response.json()
        assert body["error_code"] == "APIGW.0308" and body["request_id"] == response.headers["X-Request-Id"]
        assert request_id_headers(response) == ["X-Request-Id"]
    assert api.ecs_list().status_code == 200
    assert emu.faults() == []


def test_fault_applies_only_to_its_route(emu: Emulator, api: Api) -> None:
    emu.add_fault(route="modelarts.list", status=503)
    assert api.ecs_list().status_code == 200
    response = api.modelarts("GET")
    assert response.status_code == 503
    assert response.json() == {"error_code": "ModelArts.0000", "error_msg": "Service Unavailable (injected fault)"}
    assert request_id_headers(response) == ["X-request-id"]


def test_service_shaped_status_faults(emu: Emulator, api: Api) -> None:
    emu.add_fault(route="ecs.update", status=500, count=1)
    emu.add_fault(route="ecs.accept", status=409, code="Ecs.0999", message="busy", count=1)
    emu.add_fault(route="iam.projects", status=500, count=1)
    assert api.ecs("PUT", "/x", body={}).json() == {
        "error": {"code": "Ecs.0000", "message": "Internal Server Error (injected fault)"}}
    assert api.ecs("POST", "/x/actions/accept").json() == {"error": {"code": "Ecs.0999", "message": "busy"}}
    assert api.call("GET", "/v3/projects").json()["error"]["code"] == 500


def test_faults_come_before_authentication(emu: Emulator, api: Api) -> None:
    emu.add_fault(route="ecs.list", status=502, count=1)
    response = api.session.get(f"{emu.url}/v3/{emu.project_id('cn-north-4')}/instance-scheduled-events")
    assert response.status_code == 502 and response.json()["error_code"] == "APIGW.0201"


def test_forever_until_cleared(emu: Emulator, api: Api) -> None:
    emu.add_fault(route="ecs.list", status=500)
    assert [api.ecs_list().status_code for attempt in range(3)] == [500, 500, 500]
    emu.clear_faults()
    assert api.ecs_list().status_code == 200


def test_region_filter(emu: Emulator, api: Api) -> None:
    emu.add_fault(route="ecs.list", status=500, region=AP)
    assert api.ecs_list().status_code == 200
    assert api.ecs_list(region=AP).status_code == 500


def test_any_route_when_route_is_omitted(emu: Emulator, api: Api) -> None:
    fault_id = emu.add_fault(status=500)
    assert api.ecs_list().status_code == 500 and api.modelarts("GET").status_code == 500
    emu.remove_fault(fault_id)
    assert api.ecs_list().status_code == 200


def test_drop_closes_without_a_response(emu: Emulator, api: Api) -> None:
    emu.add_fault(route="ecs.list", kind="drop", count=1)
    with pytest.raises(requests.ConnectionError):
        api.ecs_list()
    assert api.ecs_list().status_code == 200
    assert emu.stats()["by_status"]["drop"] == 1


def test_truncate_cuts_the_body(emu: Emulator, api: Api) -> None:
    emu.add_fault(route="ecs.list", kind="truncate", count=1)
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        api.ecs_list()
    assert api.ecs_list().status_code == 200


def test_non_json(emu: Emulator, api: Api) -> None:
    emu.add_fault(route="modelarts.list", kind="non_json", count=1)
    response = api.modelarts("GET")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/html"
    with pytest.raises(ValueError):
        response.json()
    assert request_id_headers(response) == ["X-request-id"]


def test_delay_then_normal_answer(emu: Emulator, api: Api) -> None:
    emu.add_fault(route="ecs.list", kind="delay", seconds=0.2, count=1)
    started = time.monotonic()
    assert api.ecs_list().status_code == 200
    assert time.monotonic() - started >= 0.2


def test_delay_combines_with_a_status_fault(emu: Emulator, api: Api) -> None:
    emu.add_fault(route="ecs.list", kind="delay", seconds=0.1, count=1)
    emu.add_fault(route="ecs.list", status=503, count=1)
    started = time.monotonic()
    assert api.ecs_list().status_code == 503
    assert time.monotonic() - started >= 0.1


def test_marker_loop(emu: Emulator, api: Api) -> None:
    emu.add_fault(kind="marker_loop")
    first = api.ecs_list({"limit": 2}).json()
    assert first["page_info"]["next_marker"] == ECS_CN_ORDER[1]
    second = api.ecs_list({"limit": 2, "marker": ECS_CN_ORDER[1]}).json()
    assert second["page_info"]["next_marker"] == ECS_CN_ORDER[1]
    assert api.modelarts("GET").status_code == 200


@pytest.mark.parametrize("spec", [
    {"kind": "explode"}, {"route": "ecs.delete"}, {"kind": "marker_loop", "route": "modelarts.list"},
    {"status": 99}, {"count": 0}, {"kind": "delay", "seconds": -1}, {"region": "xx-nowhere-1"},
])
def test_invalid_faults(emu: Emulator, spec: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        emu.add_fault(**spec)  # type: ignore[arg-type]


def test_latency_overlaps_across_concurrent_requests() -> None:
    with Emulator(fleet=Fleet.demo(), latency=0.3) as emu:
        api = Api(emu)
        sessions = [Api(emu) for index in range(16)]
        started = time.monotonic()
        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(lambda a: a.ecs_list().status_code, sessions))
        elapsed = time.monotonic() - started
        assert statuses == [200] * 16
        assert 0.3 <= elapsed < 1.5, elapsed
        stats = emu.stats()
        assert stats["max_concurrency"] >= 8 and stats["in_flight"] == 0
        emu.latency = 0
        started = time.monotonic()
        api.ecs_list()
        assert time.monotonic() - started < 0.25


def test_stats_count_routes_and_statuses(emu: Emulator, api: Api) -> None:
    api.ecs_list()
    api.ecs_list({"limit": 0})
    api.modelarts("GET")
    api.session.get(emu.url + "/nowhere")
    api.control("GET", "stats")
    stats = emu.stats()
    assert stats["requests_total"] == 4
    assert stats["by_route"] == {"ecs.list": 2, "modelarts.list": 1, "unknown": 1}
    assert stats["by_status"] == {"200": 2, "400": 1, "404": 1}
    assert stats["by_status"][200] == 2 and 400 in stats["by_status"]
    assert stats["by_route_status"]["ecs.list"] == {"200": 1, "400": 1}
    emu.reset_stats()
    assert emu.stats()["requests_total"] == 0 and emu.stats()["by_route"] == {}
