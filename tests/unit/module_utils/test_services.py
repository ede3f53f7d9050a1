"""ECS and ModelArts services (paging, parsing, accept/reschedule) and IAM project lookup, against the emulator.

A tiny stub client stands in for the API only where the emulator cannot answer that way (short listings,
servers that ignore ``limit``, unusable bodies).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from emulator import Fleet

from ansible_collections.hwcloud.maintenance.plugins.module_utils.client import Response
from ansible_collections.hwcloud.maintenance.plugins.module_utils.errors import ApiError
from ansible_collections.hwcloud.maintenance.plugins.module_utils.fleet import fetch_events, split_params
from ansible_collections.hwcloud.maintenance.plugins.module_utils.query import EventQuery, Settings
from ansible_collections.hwcloud.maintenance.plugins.module_utils.services import (
    SERVICE_IMPLS, EcsService, ModelArtsService, resolve_project_id,
)

REGION = "cn-north-4"
ECS = SERVICE_IMPLS["ecs"]
MA = SERVICE_IMPLS["modelarts"]


def generated(ecs=0, modelarts=0, regions=(REGION,), seed=7):
    return Fleet.generate(ecs_events=ecs, instances=max(1, ecs // 3), regions=list(regions),
                          modelarts_events=modelarts, seed=seed)


def ids_in(emu, service, region=REGION):
    return sorted(e["id"] for e in emu.events(service=service, region=region))


def list_ecs(client, emu, page_size, params=None, region=REGION):
    return ECS.list_events(client, emu.url, region, emu.project_id(region), params or {}, page_size=page_size)


def list_ma(client, emu, page_size, params=None, region=REGION):
    return MA.list_events(client, emu.url, region, emu.project_id(region), dict({"workspaceId": "0"}, **(params or {})),
                          page_size=page_size)


# --------------------------------------------------------------------------- ECS marker paging
@pytest.mark.parametrize("last_page", ["absent", "empty", "repeat"])
@pytest.mark.parametrize("total, page_size", [(47, 10), (40, 10), (25, 1), (9, 100), (100, 100), (101, 100)])
def test_ecs_marker_paging_loses_and_repeats_nothing(emulator_with, client_factory, last_page, total, page_size):
    emu = emulator_with(generated(ecs=total), ecs_last_page=last_page)
    chain = list_ecs(client_factory(), emu, page_size)
    got = [e.id for e in chain.events]
    assert len(got) == len(set(got)) == total
    assert sorted(got) == ids_in(emu, "ecs")
    # In "repeat" mode the last page still carries a marker, so one more (empty) page is read.
    assert chain.pages == -(-total // page_size) + (1 if last_page == "repeat" else 0)
    assert emu.stats()["by_route"]["ecs.list"] == chain.pages
    assert len(chain.request_ids) == chain.pages and len(set(chain.request_ids)) == chain.pages
    assert all(e.service == "ecs" and e.region == REGION and e.project_id == emu.project_id(REGION)
               for e in chain.events)


def test_ecs_at_least_three_pages_with_server_side_filters(emulator_with, client_factory):
    emu = emulator_with(generated(ecs=120))
    wanted = [e for e in emu.events(service="ecs") if e["state"] in ("inquiring", "scheduled")]
    query = EventQuery.from_options({"states": ["inquiring", "scheduled"], "services": ["ecs"]})
    chain = list_ecs(client_factory(), emu, 7, EcsService.list_params(query))
    assert chain.pages >= 3
    assert sorted(e.id for e in chain.events) == sorted(e["id"] for e in wanted)


def test_ecs_empty_project_is_one_empty_page(emulator_with, client_factory):
    emu = emulator_with(Fleet.empty(["cn-north-4"]))
    chain = list_ecs(client_factory(), emu, 10)
    assert chain.events == [] and chain.pages == 1


def test_ecs_repeated_marker_is_an_error_not_a_loop(emulator_with, client_factory):
    emu = emulator_with(generated(ecs=30))
    emu.add_fault(route="ecs.list", kind="marker_loop")
    with pytest.raises(ApiError) as info:
        list_ecs(client_factory(), emu, 10)
    err = info.value
    assert "paging loop" in str(err) and "incomplete" in str(err)
    assert err.status == 200 and err.request_id and err.service == "ecs"
    assert emu.stats()["by_route"]["ecs.list"] <= 3


def test_ecs_marker_seen_before_is_an_error(client_factory):
    pages = [{"events": [{"id": "a"}], "page_info": {"next_marker": "m1"}},
             {"events": [{"id": "b"}], "page_info": {"next_marker": "m2"}},
             {"events": [{"id": "c"}], "page_info": {"next_marker": "m1"}}]
    with pytest.raises(ApiError) as info:
        ECS.list_events(StubClient(pages), "https://ecs.example", REGION, "p", {}, page_size=1)
    assert "paging loop" in str(info.value) and info.value.request_id == "rid-3"


def test_ecs_empty_page_ends_the_listing_even_with_a_marker():
    pages = [{"events": [{"id": "a"}], "page_info": {"next_marker": "a"}},
             {"events": [], "page_info": {"next_marker": "z"}}]
    chain = ECS.list_events(StubClient(pages), "https://ecs.example", REGION, "p", {}, page_size=1)
    assert [e.id for e in chain.events] == ["a"] and chain.pages == 2


@pytest.mark.parametrize("body, fragment", [
    ({"events": "nope"}, "malformed ECS event list"),
    ({"events": [{"type": "x"}]}, "malformed event (no id)"),
    ({"events": [{"id": "e1", "not_before": "whenever"}]}, "malformed event e1"),
    ({"events": [], "page_info": "x"}, "malformed ECS event list"),
])
def test_ecs_unusable_bodies_are_api_errors(body, fragment):
    with pytest.raises(ApiError) as info:
        ECS.list_events(StubClient([body]), "https://ecs.example", REGION, "p", {}, page_size=10)
    assert fragment in str(info.value)
    assert info.value.status == 200 and info.value.request_id == "rid-1"


def test_ecs_body_without_events_is_an_empty_listing():
    chain = ECS.list_events(StubClient([None]), "https://ecs.example", REGION, "p", {}, page_size=10)
    assert chain.events == [] and chain.pages == 1


# --------------------------------------------------------------------------- ModelArts offset paging
@pytest.mark.parametrize("total, page_size", [(23, 5), (15, 5), (4, 100), (0, 10), (100, 100), (31, 1)])
def test_modelarts_offset_paging_loses_and_repeats_nothing(emulator_with, client_factory, total, page_size):
    emu = emulator_with(generated(modelarts=total))
    chain = list_ma(client_factory(), emu, page_size)
    got = [e.id for e in chain.events]
    assert len(got) == len(set(got)) == total
    assert sorted(got) == ids_in(emu, "modelarts")
    assert chain.pages == max(1, -(-total // page_size))
    assert all(e.service == "modelarts" and e.workspace_id == "0" for e in chain.events)


def test_modelarts_other_workspace(emulator_with, client_factory):
    emu = emulator_with(Fleet.demo())
    emu.add_event("modelarts", REGION, {"id": "ws-7-event", "state": "inquiring"}, workspace_id="7")
    chain = list_ma(client_factory(), emu, 10, {"workspaceId": "7"})
    assert [e.id for e in chain.events] == ["ws-7-event"] and chain.events[0].workspace_id == "7"


def test_modelarts_short_listing_is_an_error():
    pages = [{"events": [{"id": "a"}, {"id": "b"}], "count": 5}, {"events": [{"id": "c"}], "count": 5}]
    with pytest.raises(ApiError) as info:
        MA.list_events(StubClient(pages), "https://ma.example", REGION, "p", {}, page_size=2)
    assert "reported 5 events but returned 3" in str(info.value) and info.value.request_id == "rid-2"


def test_modelarts_server_that_ignores_limit():
    events = [{"id": "e%d" % i} for i in range(7)]
    stub = StubClient([{"events": events, "count": 7}])
    chain = MA.list_events(stub, "https://ma.example", REGION, "p", {}, page_size=3)
    assert len(chain.events) == 7 and chain.pages == 1


def test_modelarts_without_count_stops_on_a_short_or_empty_page():
    stub = StubClient([{"events": [{"id": "a"}, {"id": "b"}]}, {"events": []}])
    chain = MA.list_events(stub, "https://ma.example", REGION, "p", {}, page_size=2)
    assert [e.id for e in chain.events] == ["a", "b"] and chain.pages == 2
    assert [c["params"]["offset"] for c in stub.calls] == [0, 2]


# --------------------------------------------------------------------------- server-side parameters
def test_list_params_of_both_services():
    query = EventQuery.from_options({
        "states": ["inquiring", "scheduled"], "types": ["instance-redeploy"], "event_ids": ["e1"],
        "instance_ids": ["i1", "i2"], "node_names": ["n1"], "pool_names": ["p1"], "workspace_id": "3",
        "published_after": "2025-01-01T00:00:00Z", "published_before": "2025-01-02T00:00:00+08:00"})
    assert EcsService.list_params(query) == {
        "state": ["inquiring", "scheduled"], "type": ["instance-redeploy"], "instance_id": ["i1", "i2"],
        "id": "e1", "publish_since": "2025-01-01T00:00:00Z", "publish_until": "2025-01-01T16:00:00Z"}
    assert ModelArtsService.list_params(query) == {
        "workspaceId": "3", "state": ["inquiring", "scheduled"], "type": ["instance-redeploy"], "id": "e1",
        "nodeName": "n1", "poolName": "p1", "publishStartTime": "2025-01-01T00:00:00Z",
        "publishEndTime": "2025-01-01T16:00:00Z"}
    several = EventQuery.from_options({"event_ids": ["a", "b"], "node_names": ["x", "y"]})
    assert "id" not in EcsService.list_params(several) and "nodeName" not in ModelArtsService.list_params(several)
    assert split_params({"state": ["a", "b"], "x": 1}) == [{"state": ["a"], "x": 1}, {"state": ["b"], "x": 1}]
    assert split_params({"state": ["a"]}) == [{"state": ["a"]}]


# --------------------------------------------------------------------------- IAM, accept, reschedule
def test_project_id_from_iam(emu, client_factory):
    assert resolve_project_id(client_factory(), emu.url, REGION) == emu.project_id(REGION)
    assert resolve_project_id(client_factory(), emu.url, "ap-southeast-1") == emu.project_id("ap-southeast-1")


def test_unknown_region_has_no_project(emu, client_factory):
    with pytest.raises(ApiError) as info:
        resolve_project_id(client_factory(), emu.url, "xx-nowhere-9")
    err = info.value
    assert "IAM returned 0 projects named 'xx-nowhere-9'" in str(err) and "project_ids" in str(err)
    assert err.status == 200 and err.request_id and err.service == "iam"


def test_ecs_accept_and_reschedule(emu, client_factory):
    client, pid = client_factory(), emu.project_id(REGION)
    start = (datetime.now(timezone.utc) + timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ECS.accept(client, emu.url, pid, "3f6c2b8e-91d4-4e7a-b0c5-7a2e4d19f6b3", not_before=start).status == 204
    later = (datetime.now(timezone.utc) + timedelta(days=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ECS.reschedule(client, emu.url, pid, "a71d5e92-4c08-4b3f-9e6a-2d8c1f7b5e40", later).status == 204
    events = dict((e["id"], e) for e in emu.events(service="ecs"))
    assert events["3f6c2b8e-91d4-4e7a-b0c5-7a2e4d19f6b3"]["state"] == "scheduled"
    assert events["3f6c2b8e-91d4-4e7a-b0c5-7a2e4d19f6b3"]["not_before"] == start
    assert events["a71d5e92-4c08-4b3f-9e6a-2d8c1f7b5e40"]["not_before"] == later
    with pytest.raises(ApiError) as info:
        ECS.accept(client, emu.url, pid, "3f6c2b8e-91d4-4e7a-b0c5-7a2e4d19f6b3")
    assert info.value.status == 400 and info.value.code == "Ecs.0802"


def test_modelarts_accept(emu, client_factory):
    client, pid = client_factory(), emu.project_id(REGION)
    response = MA.accept(client, emu.url, pid, "8f3a6c2d-1e7b-4d95-a0c4-6b2e9f5d3a17",
                         redeploy_config={"type": "SOFT"})
    assert response.status == 200 and response.data["state"] == "scheduled"
    with pytest.raises(ApiError) as info:
        MA.accept(client, emu.url, pid, "no-such-event")
    assert info.value.status == 404 and info.value.code == "ModelArts.0104"


# --------------------------------------------------------------------------- fan-out
def test_fetch_events_two_regions_both_services(emulator_with, client_factory):
    emu = emulator_with(generated(ecs=60, modelarts=20, regions=("cn-north-4", "ap-southeast-1")))
    settings = Settings.from_options({"regions": ["cn-north-4", "ap-southeast-1"],
                                      "endpoints": {"ecs": emu.url, "modelarts": emu.url, "iam": emu.url}})
    query = EventQuery.from_options({"states": ["inquiring", "scheduled", "executing"], "page_size": 4})
    result = fetch_events(client_factory(), settings, query, environ={})
    assert result.complete and len(result.targets) == 4
    expected = sorted(e["id"] for e in emu.events() if e["state"] in ("inquiring", "scheduled", "executing"))
    got = [e.id for e in result.events]
    assert sorted(got) == expected and len(got) == len(set(got))
    starts = [e.not_before for e in result.events]
    known = [s for s in starts if s is not None]
    assert known == sorted(known) and starts[:len(known)] == known


def test_fetch_events_reports_a_failing_target(emulator_with, client_factory):
    emu = emulator_with(Fleet.demo())
    emu.add_fault(route="modelarts.list", status=500, region="ap-southeast-1")
    settings = Settings.from_options({"regions": ["cn-north-4", "ap-southeast-1", "xx-nowhere-9"], "retries": 1,
                                      "endpoints": {"ecs": emu.url, "modelarts": emu.url, "iam": emu.url}})
    result = fetch_events(client_factory(retries=1), settings, EventQuery.from_options({}), environ={})
    assert not result.complete
    failed = sorted((t.target.region, t.target.service) for t in result.failed)
    assert failed == [("ap-southeast-1", "modelarts"), ("xx-nowhere-9", "ecs"), ("xx-nowhere-9", "modelarts")]
    broken = [t for t in result.failed if t.target.region == "ap-southeast-1"][0].to_dict()
    assert broken["error"]["status"] == 500 and broken["error"]["request_id"] and broken["ok"] is False
    assert len([e for e in result.events if e.region == "cn-north-4"]) == 9      # 6 ECS + 3 ModelArts events


class StubClient(object):
    """Answers ``request`` with the given bodies in order (status 200, request ids rid-1, rid-2, ...)."""

    def __init__(self, bodies):
        self.bodies = list(bodies)
        self.calls = []

    def request(self, method, endpoint, url_path, params=None, **kwargs):
        self.calls.append({"method": method, "path": url_path, "params": dict(params or {})})
        return Response(200, {}, self.bodies.pop(0), "rid-%d" % len(self.calls))
