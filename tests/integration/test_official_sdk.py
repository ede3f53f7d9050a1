"""The unmodified official Huawei Cloud SDK clients against the emulator.

Proves that the emulator speaks the real wire format: the SDK builds, signs and sends the
requests and parses the responses exactly as it would with the real services.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Iterator

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkecs.v2 import (AcceptScheduledEventRequest, EcsClient, ListScheduledEventsRequest,
                                  ScheduledEventAcceptBody, ScheduledEventUpdateBody,
                                  UpdateScheduledEventRequest)
from huaweicloudsdkecs.v2.region.ecs_region import EcsRegion
from huaweicloudsdkmodelarts.v1 import (AcceptScheduledEventRequest as MaAcceptRequest, EventUpdate,
                                        ListScheduledEventsRequest as MaListRequest, ModelArtsClient,
                                        RedeployConfig)

from emulator import Emulator, Fleet, credentials
from emulator.timeutil import format_time, parse_strict, utcnow

REGION = "cn-north-4"
EXAMPLE = "0ead944a-72e8-494f-89ba-5846fb7ac5c0"
INQUIRING = "3f6c2b8e-91d4-4e7a-b0c5-7a2e4d19f6b3"
REBOOT = "a71d5e92-4c08-4b3f-9e6a-2d8c1f7b5e40"
MA_INQUIRING = "8f3a6c2d-1e7b-4d95-a0c4-6b2e9f5d3a17"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(fleet=Fleet.demo()) as running:
        yield running


def basic(emu: Emulator, temporary: bool = False) -> BasicCredentials:
    if temporary:
        return BasicCredentials(credentials.TEMP_AK, credentials.TEMP_SK,
                                emu.project_id(REGION)).with_security_token(credentials.SECURITY_TOKEN)
    return BasicCredentials(credentials.AK, credentials.SK, emu.project_id(REGION))


def ecs_client(emu: Emulator, temporary: bool = False) -> EcsClient:
    return EcsClient.new_builder().with_credentials(basic(emu, temporary)).with_endpoints([emu.url]).build()


def modelarts_client(emu: Emulator, temporary: bool = False) -> ModelArtsClient:
    return (ModelArtsClient.new_builder().with_credentials(basic(emu, temporary))
            .with_endpoints([emu.url]).build())


def in_(delta: timedelta) -> str:
    return format_time(utcnow() + delta)


def test_ecs_list_with_filters(emu: Emulator) -> None:
    response = ecs_client(emu).list_scheduled_events(ListScheduledEventsRequest(
        state=["inquiring", "scheduled"], type=["instance-redeploy", "system-maintenance"]))
    assert [e.id for e in response.events] == [EXAMPLE, INQUIRING]
    example = response.events[0]
    assert example.instance_id == "c51b9e4f-0469-4c6f-ad03-22b23247b7a8" and example.start_time is None
    assert '"en-us"' in example.description
    executing = ecs_client(emu).list_scheduled_events(ListScheduledEventsRequest(state=["executing"])).events[0]
    assert executing.execute_options.device == "/dev/sdb"


def test_ecs_list_pages_with_limit_and_marker(emu: Emulator) -> None:
    client, seen, marker = ecs_client(emu), [], None
    for attempt in range(10):
        page = client.list_scheduled_events(ListScheduledEventsRequest(limit=2, marker=marker))
        seen += [e.id for e in page.events]
        marker = page.page_info.next_marker if page.page_info else None
        if not marker:
            break
    assert len(seen) == 6 and len(set(seen)) == 6 and EXAMPLE in seen
    assert emu.stats()["by_route"]["ecs.list"] == 3


def test_ecs_accept_and_update(emu: Emulator) -> None:
    client = ecs_client(emu)
    chosen, later = in_(timedelta(hours=20)), in_(timedelta(days=1))
    accepted = client.accept_scheduled_event(AcceptScheduledEventRequest(
        id=INQUIRING, body=ScheduledEventAcceptBody(not_before=chosen)))
    assert accepted.status_code == 204 and len(accepted.x_request_id) == 32
    client.update_scheduled_event(UpdateScheduledEventRequest(
        id=INQUIRING, body=ScheduledEventUpdateBody(not_before=later)))
    [event] = client.list_scheduled_events(ListScheduledEventsRequest(id=INQUIRING)).events
    assert event.state == "scheduled" and event.not_before == later


def test_ecs_accept_without_body(emu: Emulator) -> None:
    ecs_client(emu).accept_scheduled_event(AcceptScheduledEventRequest(id=INQUIRING))
    assert next(e for e in emu.events("ecs") if e["id"] == INQUIRING)["state"] == "scheduled"


def test_ecs_errors_reach_the_sdk(emu: Emulator) -> None:
    with pytest.raises(ClientRequestException) as raised:
        ecs_client(emu).update_scheduled_event(UpdateScheduledEventRequest(
            id=INQUIRING, body=ScheduledEventUpdateBody(not_before=in_(timedelta(days=1)))))
    assert raised.value.status_code == 400 and raised.value.error_code == "Ecs.0802"
    assert len(raised.value.request_id) == 32


def test_temporary_credentials(emu: Emulator) -> None:
    response = ecs_client(emu, temporary=True).list_scheduled_events(ListScheduledEventsRequest(limit=1))
    assert len(response.events) == 1
    assert modelarts_client(emu, temporary=True).list_scheduled_events(MaListRequest()).count == 3


def test_wrong_secret_is_a_gateway_401(emu: Emulator) -> None:
    bad = BasicCredentials(credentials.AK, "wrong-secret", emu.project_id(REGION))
    client = EcsClient.new_builder().with_credentials(bad).with_endpoints([emu.url]).build()
    with pytest.raises(ClientRequestException) as raised:
        client.list_scheduled_events(ListScheduledEventsRequest())
    assert raised.value.status_code == 401 and raised.value.error_code == "APIGW.0301"


def test_modelarts_list_and_accept(emu: Emulator) -> None:
    client = modelarts_client(emu)
    listed = client.list_scheduled_events(MaListRequest(workspace_id="0", state=["inquiring", "scheduled"],
                                                        type=["node_redeploy", "system-maintenance"],
                                                        offset=0, limit=100))
    assert listed.count == 2 and {e.id for e in listed.events} >= {MA_INQUIRING}
    assert len(listed.x_request_id) == 32
    page = client.list_scheduled_events(MaListRequest(offset=1, limit=1))
    assert page.count == 3 and len(page.events) == 1
    by_node = client.list_scheduled_events(MaListRequest(node_name="devserver-a1b2c3")).events
    assert [e.id for e in by_node] == [MA_INQUIRING] and by_node[0].redeploy_type == ["HARD", "SOFT"]

    chosen = in_(timedelta(days=1))
    accepted = client.accept_scheduled_event(MaAcceptRequest(
        event_id=MA_INQUIRING, workspace_id="0",
        body=EventUpdate(not_before=chosen, redeploy_config=RedeployConfig(type="SOFT", auto_flow="true"))))
    assert accepted.id == MA_INQUIRING and accepted.state == "scheduled" and accepted.not_before == chosen
    assert accepted.node_name == "devserver-a1b2c3" and len(accepted.x_request_id) == 32
    with pytest.raises(ClientRequestException) as raised:
        client.accept_scheduled_event(MaAcceptRequest(event_id=MA_INQUIRING, workspace_id="0"))
    assert raised.value.error_code == "ModelArts.0103" and len(raised.value.request_id) == 32


def test_project_id_from_iam_and_region_endpoint_override(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """No project id given: the SDK asks IAM (GET /v3/projects?name=region) for it."""
    monkeypatch.setenv("HUAWEICLOUD_SDK_IAM_ENDPOINT", emu.url)
    monkeypatch.setenv("HUAWEICLOUD_SDK_REGION_ECS_AP_SOUTHEAST_1", emu.url)
    client = (EcsClient.new_builder()
              .with_credentials(BasicCredentials(credentials.AK, credentials.SK))
              .with_region(EcsRegion.value_of("ap-southeast-1")).build())
    [event] = client.list_scheduled_events(ListScheduledEventsRequest()).events
    assert event.id == "2b9d4e7a-6f1c-4a38-95e2-d0c7b3f8a164"
    assert emu.stats()["by_route"].get("iam.projects", 0) <= 1     # the SDK caches project ids
    assert parse_strict(event.not_before) > utcnow()
