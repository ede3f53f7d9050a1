"""Property tests (hypothesis): parsing never fails with an unexpected exception.

* Response parsing (models.py, and the services' page handling around it): arbitrary extra fields, nulls, values
  of the wrong type, unknown types and states, unicode descriptions and malformed ``description`` JSON, for the ECS
  and the ModelArts raw shapes. An event is normalised, or rejected with pydantic's ValidationError / ValueError,
  which the services turn into an ApiError whose message never quotes a value.
* Durations and times (timeutil.py) and the options built on them (query.py: published_after, published_before,
  starts_within; actions.py: not_before and maintenance windows): a value, or ValueError / OptionError.
"""
from __future__ import annotations

import json
import math
import string
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.hwcloud.maintenance.plugins.module_utils import services
from ansible_collections.hwcloud.maintenance.plugins.module_utils.actions import (
    NEXT_WINDOW, ActionRequest, MaintenanceSchedule,
)
from ansible_collections.hwcloud.maintenance.plugins.module_utils.errors import ApiError, OptionError
from ansible_collections.hwcloud.maintenance.plugins.module_utils.models import (
    KNOWN_STATES, KNOWN_TYPES, PENDING_STATES, EcsEventList, ModelArtsEventList, ScheduledEvent, ValidationError,
    decode_description, normalise_ecs, normalise_modelarts, validation_summary,
)
from ansible_collections.hwcloud.maintenance.plugins.module_utils.query import EventQuery
from ansible_collections.hwcloud.maintenance.plugins.module_utils.timeutil import (
    API_TIME_FORMAT, iso, parse_duration, parse_time,
)

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
PROJECT = "0123456789abcdef0123456789abcdef"
# A value no generated input holds; planted in bad values, it must never reach an error message.
MARKER = "SeCrEtMaRkEr"
FUZZ = settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
FUZZ_SMALL = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])

# ----------------------------------------------------------------------------------------------- strategies

scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2 ** 70, max_value=2 ** 70),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30))
json_values = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)), max_leaves=8)

iso_times = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                         timezones=st.one_of(st.none(), st.just(timezone.utc),
                                             st.integers(-14 * 60, 14 * 60).map(
                                                 lambda m: timezone(timedelta(minutes=m))))).map(
    lambda dt: dt.isoformat())
time_texts = st.one_of(
    iso_times,
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1)).map(
        lambda dt: dt.strftime(API_TIME_FORMAT)),
    st.builds(lambda sign, n, unit: "%s%d%s" % (sign, n, unit), st.sampled_from("+-"),
              st.integers(0, 10 ** 12), st.sampled_from("smhdw")),
    st.sampled_from(["now", "NOW", "", " ", "Z", "2025-13-45T00:00:00Z", "2025-02-30T00:00:00Z", "yesterday",
                     "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "+1d2h", "-", "+"]),
    st.text(max_size=25),
)
any_times = st.one_of(time_texts, st.integers(-10 ** 20, 10 ** 20), st.floats(allow_nan=True, allow_infinity=True),
                      st.none(), st.booleans(), st.lists(st.integers(), max_size=2))

descriptions = st.one_of(
    st.none(), st.text(max_size=40),
    st.dictionaries(st.sampled_from(["en-us", "zh-cn", "en", "fr-fr", ""]), st.one_of(st.text(max_size=40),
                                                                                      json_values),
                    max_size=3).map(json.dumps),
    st.dictionaries(st.text(max_size=5), st.text(max_size=20), max_size=3).map(lambda d: json.dumps(d)[:-1]),
    json_values.map(json.dumps),
    st.sampled_from(['{"en-us":', "{}", "[]", "null", '"only a string"', "{\"en-us\": 5}", "\ud7ff\u2028\x00",
                     "{\"zh-cn\": \"\u5b9e\u4f8b\u91cd\u90e8\u7f72\"}"]),
    json_values,
)
states = st.one_of(st.sampled_from(KNOWN_STATES), st.text(max_size=12), st.none(), json_values)
types = st.one_of(st.sampled_from(KNOWN_TYPES), st.text(max_size=20), st.none(), json_values)
ids = st.one_of(st.uuids().map(str), st.text(max_size=20), st.none(), st.integers(), st.just(""), st.just("  "))


def maybe(values):
    """A field that is there with a value from ``values``, null, a value of any JSON type, or absent."""
    return st.one_of(values, st.none(), json_values)


def raw_event(fields, extra=True):
    """A raw event: the given fields (each maybe absent), plus arbitrary unknown fields."""
    required = {"id": ids}
    optional = dict((name, maybe(strategy)) for name, strategy in fields.items())
    base = st.fixed_dictionaries(required, optional=optional)
    if not extra:
        return base
    return st.tuples(base, st.dictionaries(st.text(max_size=10), json_values, max_size=3)).map(
        lambda pair: dict(pair[1], **pair[0]))


ECS_FIELDS = {
    "type": types, "state": states, "instance_id": st.uuids().map(str), "description": descriptions,
    "publish_time": any_times, "start_time": any_times, "finish_time": any_times, "not_before": any_times,
    "not_after": any_times, "not_before_deadline": any_times,
    "execute_options": st.dictionaries(st.text(max_size=5), json_values, max_size=2),
    "source": st.dictionaries(st.text(max_size=5), json_values, max_size=2),
}
MODELARTS_FIELDS = {
    "type": types, "state": states, "catalog": st.text(max_size=10), "description": descriptions,
    "instanceType": st.sampled_from(["devserver", "pool"]), "instanceId": st.uuids().map(str),
    "nodeName": st.text(max_size=20), "poolName": st.text(max_size=20), "poolDisplayName": st.text(max_size=20),
    "publishTime": any_times, "startTime": any_times, "finishTime": any_times, "notBefore": any_times,
    "probeMsg": st.text(max_size=20), "redeployType": st.lists(st.sampled_from(["HARD", "SOFT", "MEDIUM"])),
    "jobProgress": json_values, "underLyingInstanceId": st.uuids().map(str),
}
ecs_events = raw_event(ECS_FIELDS)
modelarts_events = raw_event(MODELARTS_FIELDS)

# ----------------------------------------------------------------------------------------------- models


def check_normalised(event, raw, service):
    assert isinstance(event, ScheduledEvent) and event.service == service
    assert event.id == raw["id"] and str(event.id).strip()
    assert event.pending is (event.state in PENDING_STATES)
    assert event.raw == raw
    for name in ("publish_time", "not_before", "start_time", "finish_time"):
        value = getattr(event, name)
        assert value is None or datetime.strptime(value, API_TIME_FORMAT)
    assert event.description is None or isinstance(event.description, str)
    json.dumps(event.to_dict(), default=str)


@FUZZ
@given(raw=ecs_events)
def test_ecs_event_is_normalised_or_rejected(raw):
    try:
        event = normalise_ecs(raw, "cn-north-4", PROJECT)
    except (ValidationError, ValueError) as exc:
        assert isinstance(validation_summary(exc), str)
        return
    check_normalised(event, raw, "ecs")
    assert event.not_after is None or datetime.strptime(event.not_after, API_TIME_FORMAT)


@FUZZ
@given(raw=modelarts_events)
def test_modelarts_event_is_normalised_or_rejected(raw):
    try:
        event = normalise_modelarts(raw, "cn-north-4", PROJECT, "0")
    except (ValidationError, ValueError) as exc:
        assert isinstance(validation_summary(exc), str)
        return
    check_normalised(event, raw, "modelarts")
    assert event.description == raw.get("description")


@FUZZ_SMALL
@given(state=st.text(min_size=1, max_size=20).filter(lambda s: s not in KNOWN_STATES),
       kind=st.text(min_size=1, max_size=20), description=st.text(max_size=60))
def test_unknown_states_types_and_unicode_pass_through(state, kind, description):
    ecs = normalise_ecs({"id": "e-1", "state": state, "type": kind,
                         "description": json.dumps({"en-us": description})}, "cn-north-4", PROJECT)
    assert (ecs.state, ecs.type, ecs.pending, ecs.description) == (state, kind, False, description)
    assert json.loads(ecs.description_raw)["en-us"] == description
    modelarts = normalise_modelarts({"id": "m-1", "state": state, "type": kind, "description": description},
                                    "cn-north-4", PROJECT, None)
    assert (modelarts.state, modelarts.type, modelarts.description) == (state, kind, description)


@FUZZ
@given(text=st.one_of(descriptions, json_values.map(json.dumps)).filter(lambda t: t is None or isinstance(t, str)))
def test_decode_description_never_raises(text):
    """It sees what the model let through: a string or None."""
    decoded = decode_description(text)
    if isinstance(text, str) and text:
        assert isinstance(decoded, str)


class _FakeResponse(object):
    def __init__(self, data):
        self.status = 200
        self.headers = {}
        self.data = data
        self.request_id = "req-0001"


def _plant(value):
    """``value`` with MARKER in every string, so that a message quoting any value would show it."""
    if isinstance(value, str):
        return value + MARKER
    if isinstance(value, list):
        return [_plant(item) for item in value]
    if isinstance(value, dict):
        return dict((key, _plant(item)) for key, item in value.items())
    return value


@FUZZ
@given(body=st.one_of(
    st.fixed_dictionaries({"events": st.lists(st.one_of(ecs_events, json_values), max_size=3)},
                          optional={"page_info": st.one_of(st.fixed_dictionaries(
                              {}, optional={"next_marker": st.one_of(st.text(max_size=10), json_values)}),
                              json_values)}),
    st.dictionaries(st.text(max_size=8), json_values, max_size=3)))
def test_ecs_page_parses_or_is_an_api_error(body):
    response = _FakeResponse(body)
    try:
        page = services._parse(EcsEventList, response, "ECS event list", "GET", "https://ecs", "ecs")  # pylint: disable=protected-access
        services._normalise_all(normalise_ecs, page.events, response, "GET", "https://ecs", "ecs",  # pylint: disable=protected-access
                                "cn-north-4", PROJECT)
    except ApiError as exc:
        assert exc.request_id == "req-0001" and exc.status == 200 and "malformed" in str(exc)


@FUZZ
@given(body=st.one_of(
    st.fixed_dictionaries({"events": st.lists(st.one_of(modelarts_events, json_values), max_size=3)},
                          optional={"count": json_values}),
    st.dictionaries(st.text(max_size=8), json_values, max_size=3)))
def test_modelarts_page_parses_or_is_an_api_error(body):
    response = _FakeResponse(body)
    try:
        page = services._parse(ModelArtsEventList, response, "ModelArts event list", "GET", "https://ma",  # pylint: disable=protected-access
                               "modelarts")
        services._normalise_all(normalise_modelarts, page.events, response, "GET", "https://ma",  # pylint: disable=protected-access
                                "modelarts", "cn-north-4", PROJECT, "0")
    except ApiError as exc:
        assert exc.request_id == "req-0001" and "malformed" in str(exc)


@FUZZ_SMALL
@given(raw=st.one_of(ecs_events, modelarts_events))
def test_rejections_never_quote_a_value(raw):
    """A bad event's message is built from field names and reasons only (values may hold anything)."""
    planted = _plant(dict((key, value) for key, value in raw.items() if key != "id"))
    planted["id"] = "event-id"
    response = _FakeResponse({"events": [planted]})
    for normalise, args in ((normalise_ecs, ("cn-north-4", PROJECT)), (normalise_modelarts, ("cn-north-4", PROJECT,
                                                                                             "0"))):
        try:
            services._normalise_all(normalise, [planted], response, "GET", "https://x", "ecs", *args)  # pylint: disable=protected-access
        except ApiError as exc:
            assert MARKER not in str(exc)


# ----------------------------------------------------------------------------------------------- durations, times

@FUZZ
@given(value=st.one_of(
    st.text(max_size=20),
    st.text(alphabet=string.digits + "smhdwSMHDW ", max_size=30),
    st.integers(-10 ** 30, 10 ** 400), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
    st.lists(st.integers(), max_size=2), st.sampled_from(["\u00b2", "\u0661\u0662", "9" * 400, "1e5", "-5", "5 m"])))
def test_parse_duration_gives_seconds_or_value_error(value):
    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        assert str(exc).startswith(("not a duration", "the duration is too large", "a duration cannot be negative"))
        return
    assert isinstance(seconds, float) and math.isfinite(seconds) and seconds >= 0


@FUZZ
@given(parts=st.lists(st.tuples(st.integers(0, 10 ** 6), st.sampled_from("smhdw")), min_size=1, max_size=4))
def test_parse_duration_adds_its_parts(parts):
    text = "".join("%d%s" % part for part in parts)
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    assert parse_duration(text) == float(sum(n * units[u] for n, u in parts))


@FUZZ
@given(value=any_times)
def test_parse_time_gives_an_aware_time_or_value_error(value):
    try:
        moment = parse_time(value, now=NOW, field="published_after")
    except ValueError as exc:
        assert str(exc).startswith(("not an ISO 8601 time", "published_after is", "not a time")), str(exc)
        return
    assert moment.tzinfo is not None
    text = iso(moment)  # every accepted time can be sent to the APIs
    assert datetime.strptime(text, API_TIME_FORMAT)


@FUZZ_SMALL
@given(dt=st.datetimes(min_value=datetime(1974, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(timezone.utc)))
def test_parse_time_round_trips_api_times(dt):
    """Epoch numbers above 1e11 are milliseconds (ModelArts): times after March 1973 round-trip as both."""
    dt = dt.replace(microsecond=0)
    assert parse_time(iso(dt)) == dt
    assert parse_time(int(dt.timestamp() * 1000)) == dt  # ModelArts sends epoch milliseconds


@FUZZ
@given(options=st.fixed_dictionaries({}, optional={
    "published_after": any_times, "published_before": any_times,
    "starts_within": st.one_of(time_texts, st.integers(-10, 10 ** 9), st.floats(), st.none()),
    "states": st.one_of(st.lists(states, max_size=3), states), "types": st.one_of(st.lists(types, max_size=2), types),
    "pending_only": st.one_of(st.booleans(), st.none(), st.text(max_size=5)),
    "page_size": st.one_of(st.integers(-5, 200), st.text(max_size=4), st.floats(), st.none()),
    "event_ids": st.one_of(st.lists(ids, max_size=2), ids), "workspace_id": ids,
}))
def test_event_query_options_give_a_query_or_option_error(options):
    try:
        query = EventQuery.from_options(options, now=NOW)
    except OptionError as exc:
        assert exc.option in options or exc.option == "states", (exc.option, options)
        return
    description = query.describe()
    json.dumps(description)
    if query.starts_within is not None:
        assert 0 < query.starts_within <= 366 * 86400 and query.window_end >= iso(NOW)


# ----------------------------------------------------------------------------------------------- actions

window_texts = st.one_of(
    st.builds(lambda days, h1, m1, h2, m2, tz: "%s %02d:%02d-%02d:%02d %s" % (days, h1, m1, h2, m2, tz),
              st.sampled_from(["Mon", "Sat", "Sun", "Mon-Fri", "Fri-Mon", "Sat,Sun", "daily", "Tue,Thu-Sat", "Funday",
                               "mon-", "*"]),
              st.integers(0, 25), st.integers(0, 61), st.integers(0, 25), st.integers(0, 61),
              st.sampled_from(["UTC", "+08:00", "-05:30", "GMT", "Z", "UTC+8", "+14:00", "-14:01", "+1500",
                               "Europe/Paris", ""])),
    st.lists(st.sampled_from(["Sat 02:00-06:00 UTC", "Wed 22:00-02:00 +08:00", "daily 00:00-24:00 UTC", ";",
                              "  "]), max_size=4).map("; ".join),
    st.text(max_size=30),
)


@FUZZ
@given(text=window_texts, hours=st.integers(-24 * 400, 24 * 400))
def test_maintenance_windows_parse_or_option_error(text, hours):
    try:
        schedule = MaintenanceSchedule.parse(text)
    except OptionError as exc:
        assert exc.option == "maintenance_window" and "expected '<days> <HH:MM>-<HH:MM> <timezone>'" in str(exc)
        return
    moment = NOW + timedelta(hours=hours)
    occurrence = schedule.next_opening(moment)
    assert occurrence.opening > moment and occurrence.opening - moment <= timedelta(days=8)
    assert schedule.containing(occurrence.opening) is not None


@FUZZ
@given(not_before=st.one_of(time_texts, st.just(NEXT_WINDOW), st.integers(-10 ** 20, 10 ** 20), st.none()),
       window=st.one_of(st.none(), window_texts), state=st.sampled_from(["accepted", "rescheduled"]),
       service=st.sampled_from(["ecs", "modelarts"]))
def test_action_requests_validate_or_option_error(not_before, window, state, service):
    options = {"service": service, "event_id": "e-1", "state": state, "not_before": not_before,
               "maintenance_window": window}
    try:
        request = ActionRequest.from_options(options, now=NOW)
    except OptionError as exc:
        assert exc.option in ("not_before", "maintenance_window", "state"), exc.option
        return
    if request.not_before not in (None, NEXT_WINDOW):
        assert request.not_before.tzinfo is not None and request.not_before.microsecond == 0
        assert iso(request.not_before)


def test_planted_marker_is_absent_from_validation_summaries():
    """The summary of a pydantic error lists fields and reasons, never the input (a direct, non-random check)."""
    with pytest.raises(ValidationError) as raised:
        EcsEventList.model_validate({"events": "not a list " + MARKER})
    assert MARKER not in validation_summary(raised.value)
