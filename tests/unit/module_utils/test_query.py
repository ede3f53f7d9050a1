"""EventQuery (filters) and Settings (where and how to connect): validation messages, matching, endpoints."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.hwcloud.maintenance.plugins.module_utils.errors import OptionError
from ansible_collections.hwcloud.maintenance.plugins.module_utils.models import (
    KNOWN_STATES, KNOWN_TYPES, PENDING_STATES, normalise_ecs, normalise_modelarts,
)
from ansible_collections.hwcloud.maintenance.plugins.module_utils.query import (
    AUTH_ARGSPEC, FILTER_ARGSPEC, EventQuery, Settings, env_endpoint,
)

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=timezone.utc)


def query(**options):
    return EventQuery.from_options(options, now=NOW)


def option_error(func, *args, **kwargs):
    with pytest.raises(OptionError) as info:
        func(*args, **kwargs)
    return info.value


# --------------------------------------------------------------------------- EventQuery validation
def test_defaults():
    q = query()
    assert q.services == ("ecs", "modelarts") and q.states == () and q.page_size == 100
    assert q.starts_within is None and q.window_end is None and q.published_after is None


@pytest.mark.parametrize("option, value, allowed", [
    ("states", ["inquiring", "sleeping"], KNOWN_STATES),
    ("states", "scheduled,bogus", KNOWN_STATES),
    ("types", ["instance-reboot", "instance-explode"], KNOWN_TYPES),
    ("services", ["ecs", "rds"], ("ecs", "modelarts")),
    ("pending_only", "yes", [True, False]),
])
def test_choice_errors_name_the_option_and_the_allowed_values(option, value, allowed):
    err = option_error(query, **{option: value})
    assert err.option == option and list(err.allowed) == list(allowed)
    text = str(err)
    assert "'%s'" % option in text and "allowed values: " + ", ".join(str(a) for a in allowed) in text


@pytest.mark.parametrize("option, value, fragment", [
    ("published_after", "yesterday", "ISO 8601"),
    ("published_before", "2025-13-01T00:00:00Z", "ISO 8601"),
    ("published_after", "+99999999999d", "out of range"),
    ("starts_within", "forever", "units s, m, h, d, w"),
    ("starts_within", "0", "more than 0 and at most 366d"),
    ("starts_within", "367d", "more than 0 and at most 366d"),
    ("starts_within", "-1h", "units s, m, h, d, w"),
    ("starts_within", "9" * 400, "too large"),
    ("page_size", 0, "integer from 1 to 100"),
    ("page_size", 101, "integer from 1 to 100"),
    ("page_size", "ten", "integer from 1 to 100"),
    ("page_size", True, "integer from 1 to 100"),
    ("page_size", float("inf"), "integer from 1 to 100"),
    ("event_ids", ["ok-1", "bad id"], "not a valid event id"),
    ("instance_ids", ["i/../x"], "not a valid instance id"),
    ("workspace_id", "a b", "not a valid workspace id"),
    ("states", {"a": 1}, "expected a list"),
])
def test_value_errors_name_the_option_and_what_is_allowed(option, value, fragment):
    err = option_error(query, **{option: value})
    assert err.option == option
    assert "'%s'" % option in str(err) and fragment in str(err)


def test_published_window_must_not_be_reversed():
    err = option_error(query, published_after="2025-01-02T00:00:00Z", published_before="2025-01-01T00:00:00Z")
    assert err.option == "published_before" and "not be earlier than published_after" in str(err)


def test_pending_only():
    assert query(pending_only=True).states == PENDING_STATES
    assert query(pending_only=True, states=["scheduled", "completed"]).states == ("scheduled",)
    err = option_error(query, pending_only=True, states=["completed", "failed"])
    assert err.option == "states" and "inquiring, scheduled, executing" in str(err)
    assert EventQuery.from_options({}, now=NOW, pending_default=True).states == PENDING_STATES
    assert EventQuery.from_options({"pending_only": False}, now=NOW, pending_default=True).states == ()


def test_lists_from_strings_and_whitespace():
    q = query(states=" inquiring , scheduled ,", event_ids=["a", " ", "b "], services="ecs")
    assert q.states == ("inquiring", "scheduled") and q.event_ids == ("a", "b") and q.services == ("ecs",)


def test_relative_and_absolute_times_resolved():
    q = query(published_after="-7d", published_before="2025-06-01T20:00:00+08:00", starts_within="1d12h")
    assert q.published_after_text == "2025-05-25T12:00:00Z"
    assert q.published_before_text == "2025-06-01T12:00:00Z"
    assert q.starts_within == 129600 and q.window_end == "2025-06-03T00:00:00Z"
    described = q.describe()
    assert described["published_after"] == "2025-05-25T12:00:00Z" and described["starts_within_seconds"] == 129600
    assert described["window_end"] == "2025-06-03T00:00:00Z"


# --------------------------------------------------------------------------- matching (client-side filter)
def ecs_event(**fields):
    raw = dict({"id": "e1", "type": "instance-reboot", "state": "scheduled", "instance_id": "i1",
                "publish_time": "2025-05-31T00:00:00Z", "not_before": "2025-06-02T00:00:00Z"}, **fields)
    return normalise_ecs(raw, "cn-north-4", "p")


def ma_event(**fields):
    raw = dict({"id": "m1", "type": "node_reboot", "state": "inquiring", "nodeName": "n1", "poolName": "p1",
                "publishTime": "2025-05-31T00:00:00Z", "notBefore": "2025-06-05T00:00:00Z"}, **fields)
    return normalise_modelarts(raw, "cn-north-4", "p", "0")


def test_every_filter_is_applied_client_side():
    assert query().matches(ecs_event())
    assert not query(states=["inquiring"]).matches(ecs_event())
    assert not query(types=["instance-stop"]).matches(ecs_event())
    assert not query(event_ids=["other"]).matches(ecs_event())
    assert query(event_ids=["e1", "e2"]).matches(ecs_event())
    assert not query(instance_ids=["i2"]).matches(ecs_event())
    assert not query(node_names=["n2"]).matches(ma_event()) and query(node_names=["n1"]).matches(ma_event())
    assert not query(pool_names=["p2"]).matches(ma_event()) and query(pool_names=["p1"]).matches(ma_event())
    assert not query(node_names=["n1"]).matches(ecs_event())        # ECS events have no node name
    assert not query(published_after="2025-05-31T00:00:01Z").matches(ecs_event())
    assert query(published_after="2025-05-31T00:00:00Z").matches(ecs_event())
    assert not query(published_before="2025-05-30T23:59:59Z").matches(ecs_event())
    assert query(published_after="2025-06-01T00:00:00Z").matches(ecs_event(publish_time=None))


def test_starts_within_keeps_executing_and_unscheduled_events():
    q = query(starts_within="24h")
    assert q.matches(ecs_event())                                       # starts in 12 h
    assert not q.matches(ecs_event(not_before="2025-06-03T00:00:00Z"))  # starts in 36 h
    assert q.matches(ecs_event(not_before="2025-06-02T12:00:00Z"))      # exactly at the window end
    assert not q.matches(ecs_event(not_before="2025-06-02T12:00:01Z"))
    assert q.matches(ecs_event(not_before=None))                        # may start at any moment
    assert q.matches(ecs_event(state="executing", not_before="2025-06-09T00:00:00Z"))
    assert q.matches(ecs_event(not_before="2025-05-01T00:00:00Z"))      # already started
    assert not q.matches(ma_event()) and q.matches(ma_event(notBefore=None))


# --------------------------------------------------------------------------- Settings
def settings_of(**options):
    return Settings.from_options(options, environ={})


def test_settings_defaults_and_regions():
    s = settings_of(regions=["cn-north-4", "ap-southeast-1", "cn-north-4"])
    assert s.regions == ["cn-north-4", "ap-southeast-1"] and s.project_ids == {}
    assert (s.validate_certs, s.ca_path, s.timeout, s.retries, s.retry_deadline, s.max_workers) == \
        (True, None, 30.0, 4, 120.0, 8)
    assert settings_of(region="cn-east-3").regions == ["cn-east-3"]
    assert settings_of(regions="cn-east-3,cn-south-1").regions == ["cn-east-3", "cn-south-1"]
    assert Settings.from_options({}, environ={"HW_REGION_NAME": "la-south-2"}).regions == ["la-south-2"]


@pytest.mark.parametrize("options, option, fragment", [
    ({}, "regions", "at least one region is required"),
    ({"regions": ["CN_NORTH_4"]}, "regions", "not a valid region name such as cn-north-4"),
    ({"regions": ["cn-north-4", "north"]}, "regions", "not a valid region name"),
    ({"regions": ["cn-north-4", "ap-southeast-1"], "project_id": "abc"}, "project_id",
     "applies to exactly one region; with several regions use project_ids"),
    ({"regions": ["cn-north-4"], "project_id": "not valid!"}, "project_id", "not a valid project id"),
    ({"regions": ["cn-north-4"], "project_ids": {"cn-east-3": "abc"}}, "project_ids",
     "names a region that is not in regions; allowed values: cn-north-4"),
    ({"regions": ["cn-north-4"], "project_ids": {"cn-north-4": "a/b"}}, "project_ids", "not a valid project id"),
    ({"regions": ["cn-north-4"], "project_ids": ["x"]}, "project_ids", "dictionary of region -> project id"),
    ({"regions": ["cn-north-4"], "endpoints": {"rds": "https://x"}}, "endpoints",
     "unknown service; allowed values: ecs, modelarts, iam"),
    ({"regions": ["cn-north-4"], "endpoints": {"ecs": "ftp://x"}}, "endpoints", "endpoints.ecs must be an http(s) URL"),
    ({"regions": ["cn-north-4"], "endpoints": {"iam": "not a url"}}, "endpoints", "endpoints.iam must be an http(s) URL"),
    ({"regions": ["cn-north-4"], "endpoints": {"ecs": 5}}, "endpoints", "endpoints.ecs must be an http(s) URL"),
    ({"regions": ["cn-north-4"], "endpoints": "https://x"}, "endpoints", "allowed values: ecs, modelarts, iam"),
    ({"regions": ["cn-north-4"], "validate_certs": "maybe"}, "validate_certs", "allowed values: True, False"),
    ({"regions": ["cn-north-4"], "timeout": 0}, "timeout", "from 0.1 to 600"),
    ({"regions": ["cn-north-4"], "retries": 21}, "retries", "integer from 0 to 20"),
    ({"regions": ["cn-north-4"], "retry_deadline": "soon"}, "retry_deadline", "from 0.1 to 3600"),
    ({"regions": ["cn-north-4"], "max_workers": 0}, "max_workers", "integer from 1 to 64"),
])
def test_settings_errors_name_the_option(options, option, fragment):
    err = option_error(Settings.from_options, options, environ={})
    assert err.option == option and "'%s'" % option in str(err) and fragment in str(err)


def test_project_id_and_project_ids():
    assert settings_of(region="cn-north-4", project_id="p1").project_ids == {"cn-north-4": "p1"}
    assert settings_of(region="cn-north-4", project_id=123).project_ids == {"cn-north-4": "123"}   # YAML int
    s = settings_of(regions=["cn-north-4", "ap-southeast-1"], project_ids={"ap-southeast-1": "p2"})
    assert s.project_ids == {"ap-southeast-1": "p2"}          # cn-north-4 is resolved from IAM later
    assert settings_of(region="cn-north-4", project_id="p1",
                       project_ids={"cn-north-4": "p9"}).project_ids == {"cn-north-4": "p9"}


def test_endpoints_option_env_and_defaults():
    s = settings_of(regions=["cn-north-4"], endpoints={"ecs": "http://127.0.0.1:9/{region}/", "iam": "https://iam.x"})
    assert s.endpoint("ecs", "cn-north-4", environ={}) == "http://127.0.0.1:9/cn-north-4"
    assert s.endpoint("iam", "cn-north-4", environ={}) == "https://iam.x"
    assert s.endpoint("modelarts", "cn-north-4", environ={}) == "https://modelarts.cn-north-4.myhuaweicloud.com"
    assert s.endpoint("modelarts", "ap-southeast-1", environ={}) == "https://modelarts.ap-southeast-1.myhuaweicloud.cn"
    env = {"HUAWEICLOUD_SDK_REGION_MODELARTS_CN_NORTH_4": " https://ma.private:8443 , https://backup",
           "HUAWEICLOUD_SDK_REGION_ECS_CN_NORTH_4": "https://ecs.private",
           "HUAWEICLOUD_SDK_IAM_ENDPOINT": "https://iam.private"}
    assert s.endpoint("modelarts", "cn-north-4", environ=env) == "https://ma.private:8443"
    assert s.endpoint("ecs", "cn-north-4", environ=env) == "http://127.0.0.1:9/cn-north-4"    # option wins
    assert s.endpoint("iam", "cn-north-4", environ=env) == "https://iam.x"
    plain = settings_of(regions=["cn-north-4"])
    assert plain.endpoint("iam", "cn-north-4", environ=env) == "https://iam.private"
    assert plain.endpoint("iam", "cn-north-4", environ={}) == "https://iam.cn-north-4.myhuaweicloud.com"
    assert env_endpoint("ecs", "ap-southeast-1", environ=env) is None
    assert env_endpoint("ecs", "cn-north-4", environ={"HUAWEICLOUD_SDK_REGION_ECS_CN_NORTH_4": " , "}) is None


def test_argument_specs_mark_secrets_no_log():
    for name in ("secret_key", "security_token", "auth_token"):
        assert AUTH_ARGSPEC[name]["no_log"] is True
    assert AUTH_ARGSPEC["access_key"].get("no_log") is False
    assert FILTER_ARGSPEC["services"]["choices"] == ["ecs", "modelarts"]


# --------------------------------------------------------------------------- robustness
_values = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 6, 10 ** 6), st.floats(allow_nan=True),
                    st.text(max_size=12), st.lists(st.one_of(st.text(max_size=8), st.integers()), max_size=3),
                    st.dictionaries(st.text(max_size=8), st.text(max_size=20), max_size=2))
_filter_names = sorted(FILTER_ARGSPEC) + ["pending_only"]
_setting_names = ["regions", "region", "project_id", "project_ids", "endpoints", "validate_certs", "timeout",
                  "retries", "retry_deadline", "max_workers"]


@settings(max_examples=600, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(options=st.dictionaries(st.sampled_from(_filter_names), _values, max_size=6))
def test_any_filter_options_give_a_query_or_an_option_error(options):
    try:
        q = EventQuery.from_options(options, now=NOW)
    except OptionError as exc:
        assert exc.option in _filter_names and str(exc)
        return
    q.describe()


@settings(max_examples=600, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(options=st.dictionaries(st.sampled_from(_setting_names), _values, max_size=6),
       region=st.sampled_from(["cn-north-4", "ap-southeast-1"]))
def test_any_settings_give_settings_or_an_option_error(options, region):
    options.setdefault("regions", [region])
    try:
        s = Settings.from_options(options, environ={})
    except OptionError as exc:
        assert exc.option in _setting_names and str(exc)
        return
    for service in ("ecs", "modelarts", "iam"):
        assert s.endpoint(service, s.regions[0], environ={}).startswith("http")
