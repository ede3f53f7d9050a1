"""Raw API shapes and the normalised ScheduledEvent."""
from __future__ import annotations

import copy
import json

import pytest

from ansible_collections.hwcloud.maintenance.plugins.module_utils.models import (
    EcsEventList, ModelArtsEventList, ScheduledEvent, ValidationError, decode_description, normalise_ecs,
    normalise_modelarts, sort_key, validation_summary,
)

# The example response event of the ECS API document (ListScheduledEvents), verbatim.
ECS_DOC_EVENT = json.loads(r"""
{
    "id": "0ead944a-72e8-494f-89ba-5846fb7ac5c0",
    "type": "instance-redeploy",
    "state": "scheduled",
    "publish_time": "2025-03-13T12:55:36Z",
    "start_time": null,
    "finish_time": null,
    "not_before": "2025-03-21T09:22:41Z",
    "not_after": "2025-03-21T11:22:41Z",
    "not_before_deadline": "2025-03-21T09:22:41Z",
    "description": "{\"en-us\":\"As being affected by underlying hardware or system OM, ECSs will be redeployed on new hosts\"}",
    "instance_id": "c51b9e4f-0469-4c6f-ad03-22b23247b7a8"
}
""")
ECS_DOC_TEXT = "As being affected by underlying hardware or system OM, ECSs will be redeployed on new hosts"
PROJECT = "0123456789abcdef0123456789abcdef"

# A ModelArts event with every field of the document and of the SDK model (camelCase on the wire).
MA_EVENT = {
    "id": "8f3a6c2d-1e7b-4d95-a0c4-6b2e9f5d3a17",
    "catalog": "hardware",
    "type": "node_redeploy",
    "description": "The super node will be redeployed because of a hardware fault",
    "state": "inquiring",
    "instanceType": "devserver",
    "instanceId": "b4e1d8a2-7c3f-4a69-9d05-3e8f2c6b1a74",
    "nodeName": "devserver-a1b2c3",
    "poolName": "pool-9c41d2e7",
    "poolDisplayName": "lite-train-pool",
    "publishTime": "2025-09-15T07:02:30Z",
    "startTime": "2025-09-16T07:02:30Z",
    "finishTime": None,
    "notBefore": "2025-09-16T07:02:30Z",
    "probeMsg": "npu-ecc-error",
    "redeployType": ["HARD", "SOFT"],
    "jobProgress": "10%",
    "underLyingInstanceId": "2a0c9f31-5d7e-4b68-8e14-c3f6a9b2d057",
}


def test_ecs_document_example_normalised_field_by_field():
    raw = copy.deepcopy(ECS_DOC_EVENT)
    event = normalise_ecs(raw, "cn-north-4", PROJECT).to_dict()
    assert event == {
        "service": "ecs",
        "id": "0ead944a-72e8-494f-89ba-5846fb7ac5c0",
        "type": "instance-redeploy",
        "state": "scheduled",
        "pending": True,
        "instance_id": "c51b9e4f-0469-4c6f-ad03-22b23247b7a8",
        "node_name": None,
        "pool_name": None,
        "instance_type": None,
        "description": ECS_DOC_TEXT,
        "description_raw": ECS_DOC_EVENT["description"],
        "publish_time": "2025-03-13T12:55:36Z",
        "not_before": "2025-03-21T09:22:41Z",
        "not_after": "2025-03-21T11:22:41Z",
        "not_before_deadline": "2025-03-21T09:22:41Z",
        "start_time": None,
        "finish_time": None,
        "region": "cn-north-4",
        "project_id": PROJECT,
        "workspace_id": None,
        "raw": ECS_DOC_EVENT,
    }
    assert raw == ECS_DOC_EVENT          # the input is not modified


def test_ecs_document_example_page_parses():
    page = EcsEventList.model_validate({"events": [ECS_DOC_EVENT],
                                        "page_info": {"next_marker": ECS_DOC_EVENT["id"]}})
    assert page.page_info.next_marker == ECS_DOC_EVENT["id"] and page.events == [ECS_DOC_EVENT]


def test_modelarts_camel_case_mapping():
    event = normalise_modelarts(copy.deepcopy(MA_EVENT), "cn-north-4", PROJECT, "0").to_dict()
    assert event == {
        "service": "modelarts",
        "id": MA_EVENT["id"],
        "type": "node_redeploy",
        "state": "inquiring",
        "pending": True,
        "instance_id": MA_EVENT["instanceId"],
        "node_name": "devserver-a1b2c3",
        "pool_name": "pool-9c41d2e7",
        "instance_type": "devserver",
        "description": MA_EVENT["description"],
        "description_raw": MA_EVENT["description"],
        "publish_time": "2025-09-15T07:02:30Z",
        "not_before": "2025-09-16T07:02:30Z",
        "not_after": None,
        "not_before_deadline": None,
        "start_time": "2025-09-16T07:02:30Z",
        "finish_time": None,
        "region": "cn-north-4",
        "project_id": PROJECT,
        "workspace_id": "0",
        "raw": MA_EVENT,
    }


def test_modelarts_page_with_and_without_count():
    assert ModelArtsEventList.model_validate({"events": [MA_EVENT], "count": 1}).count == 1
    assert ModelArtsEventList.model_validate({"events": []}).count is None


@pytest.mark.parametrize("state, pending", [("inquiring", True), ("scheduled", True), ("executing", True),
                                            ("completed", False), ("failed", False), ("canceled", False),
                                            ("paused", False), (None, False)])
def test_pending_follows_the_state(state, pending):
    raw = dict(ECS_DOC_EVENT, state=state)
    assert normalise_ecs(raw, "r", "p").pending is pending
    assert normalise_modelarts(dict(MA_EVENT, state=state), "r", "p", "0").pending is pending


def test_unknown_fields_types_and_states_are_kept():
    raw = dict(ECS_DOC_EVENT, type="instance-hibernate", state="postponed", brand_new={"nested": [1, 2]},
               execute_options={"device": "/dev/sdb", "future_option": True},
               source={"type": "user", "host_scheduled_event_id": "h1"})
    event = normalise_ecs(raw, "cn-north-4", PROJECT)
    assert (event.type, event.state, event.pending) == ("instance-hibernate", "postponed", False)
    assert event.raw["brand_new"] == {"nested": [1, 2]} and event.raw["execute_options"]["future_option"] is True
    ma = normalise_modelarts(dict(MA_EVENT, type="node_teleport", state="thinking", catalog="quantum",
                                  instanceType="exotic", newField=7), "r", "p", "0")
    assert (ma.type, ma.state, ma.instance_type) == ("node_teleport", "thinking", "exotic")
    assert ma.raw["newField"] == 7 and ma.raw["catalog"] == "quantum"


def test_minimal_events_have_nulls():
    event = normalise_ecs({"id": "e1"}, "r", "p")
    assert event.type is None and event.state is None and event.not_before is None and event.raw == {"id": "e1"}
    ma = normalise_modelarts({"id": "m1"}, "r", "p", "0")
    assert ma.node_name is None and ma.publish_time is None


@pytest.mark.parametrize("value, expected", [
    ("2025-03-13T12:55:36Z", "2025-03-13T12:55:36Z"),
    ("2025-03-13T12:55:36.789Z", "2025-03-13T12:55:36Z"),
    ("2025-03-13T20:55:36+08:00", "2025-03-13T12:55:36Z"),
    ("2025-03-13 12:55:36", "2025-03-13T12:55:36Z"),
    ("", None),
    (None, None),
])
def test_times_are_normalised_to_utc(value, expected):
    assert normalise_ecs(dict(ECS_DOC_EVENT, publish_time=value), "r", "p").publish_time == expected
    assert normalise_modelarts(dict(MA_EVENT, notBefore=value), "r", "p", "0").not_before == expected


@pytest.mark.parametrize("value", [1741870536000, 1741870536])
def test_modelarts_epoch_times(value):
    assert normalise_modelarts(dict(MA_EVENT, publishTime=value), "r", "p", "0").publish_time == "2025-03-13T12:55:36Z"


@pytest.mark.parametrize("raw", [
    {},                                          # no id
    {"id": ""},                                  # empty id
    {"id": "   "},
    {"id": "e1", "not_before": "next tuesday"},  # a time that is not a time
    {"id": "e1", "execute_options": "not a dict"},
])
def test_unusable_ecs_events_are_validation_errors(raw):
    with pytest.raises((ValidationError, ValueError)):
        normalise_ecs(raw, "r", "p")


def test_unusable_modelarts_events_are_validation_errors():
    for raw in ({"type": "x"}, {"id": "m", "redeployType": "HARD"}, {"id": "m", "publishTime": "soon"}):
        with pytest.raises((ValidationError, ValueError)):
            normalise_modelarts(raw, "r", "p", "0")


@pytest.mark.parametrize("text, expected", [
    ('{"en-us":"English text"}', "English text"),
    ('{"zh-cn":"\u4e2d\u6587","en-us":"English"}', "English"),
    ('{"en_us":"underscore"}', "underscore"),
    ('{"en":"short"}', "short"),
    ('{"zh-cn":"\u4ec5\u4e2d\u6587\u63cf\u8ff0"}', "\u4ec5\u4e2d\u6587\u63cf\u8ff0"),      # non-English only
    ('{"de-de":"Wartung","fr-fr":"Maintenance"}', "Wartung"),
    ('{"en-us": 5}', '{"en-us": 5}'),                # no usable text: the raw string
    ("{}", "{}"),
    ("[1, 2]", "[1, 2]"),
    ('"a quoted string"', "a quoted string"),
    ("{not json", "{not json"),                      # malformed JSON: kept as is
    ('{"en-us":"cut', '{"en-us":"cut'),
    ("Plain text description", "Plain text description"),
    ("", ""),
    (None, None),
])
def test_description_decoding(text, expected):
    assert decode_description(text) == expected
    event = normalise_ecs(dict(ECS_DOC_EVENT, description=text), "r", "p")
    assert event.description == expected and event.description_raw == text


def test_modelarts_description_is_plain_text():
    event = normalise_modelarts(dict(MA_EVENT, description='{"en-us":"json-looking"}'), "r", "p", "0")
    assert event.description == '{"en-us":"json-looking"}'


def test_scheduled_event_rejects_unknown_fields():
    with pytest.raises(ValidationError):
        ScheduledEvent(service="ecs", id="x", surprise=1)


def test_sort_key_puts_null_starts_last():
    events = [normalise_ecs({"id": i, "not_before": nb}, "r", "p")
              for i, nb in (("c", None), ("b", "2025-01-02T00:00:00Z"), ("a", "2025-01-01T00:00:00Z"), ("d", None))]
    assert [e.id for e in sorted(events, key=sort_key)] == ["a", "b", "c", "d"]


def test_validation_summary_never_shows_values():
    secret = "value-that-must-not-appear-0001"
    with pytest.raises(ValidationError) as info:
        normalise_ecs({"id": "e", "not_before": secret, "execute_options": secret}, "r", "p")
    summary = validation_summary(info.value)
    assert secret not in summary and ("not_before" in summary or "execute_options" in summary)
    many = ValidationError.from_exception_data("x", [
        {"type": "missing", "loc": ("f%d" % i,), "input": secret} for i in range(8)])
    summary = validation_summary(many)
    assert "(and 3 more)" in summary and secret not in summary
    assert validation_summary(TypeError("x")) == "invalid data"
