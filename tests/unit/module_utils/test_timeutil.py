"""Durations and times given by users or returned by the APIs."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.hwcloud.maintenance.plugins.module_utils.timeutil import (
    iso, parse_duration, parse_time, utcnow,
)

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, seconds", [
    ("90s", 90), ("30m", 1800), ("24h", 86400), ("7d", 604800), ("1w", 604800), ("1d12h", 129600),
    ("2h30m", 9000), ("3600", 3600), (" 1 h ", 3600), ("10M", 600), (0, 0), (45, 45), (1.5, 1.5),
])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "h", "1y", "1.5h", "-1h", "1h-", "abc", "1 hour", "24hh", "d7", True, False, -5,
                                  None])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("text, expected", [
    ("2026-01-31T22:00:00Z", "2026-01-31T22:00:00Z"),
    ("2026-01-31T22:00:00z", "2026-01-31T22:00:00Z"),
    ("2026-01-31T22:00:00+08:00", "2026-01-31T14:00:00Z"),
    ("2026-01-31T22:00:00.123456Z", "2026-01-31T22:00:00Z"),
    ("2026-01-31 22:00:00", "2026-01-31T22:00:00Z"),
    ("2026-01-31T22:00:00", "2026-01-31T22:00:00Z"),
    ("2026-01-31", "2026-01-31T00:00:00Z"),
    ("+2h", "2025-06-01T14:00:00Z"),
    ("-7d", "2025-05-25T12:00:00Z"),
    ("+1d12h", "2025-06-03T00:00:00Z"),
    ("now", "2025-06-01T12:00:00Z"),
    (1742000000, "2025-03-15T00:53:20Z"),
    (1742000000000, "2025-03-15T00:53:20Z"),
    (1742000000.5, "2025-03-15T00:53:20Z"),
    (datetime(2025, 1, 1, 8, 0, tzinfo=timezone(timedelta(hours=8))), "2025-01-01T00:00:00Z"),
    (datetime(2025, 1, 1, 8, 0), "2025-01-01T08:00:00Z"),
])
def test_times(text, expected):
    assert iso(parse_time(text, now=NOW)) == expected


@pytest.mark.parametrize("text", ["", "   ", "yesterday", "2026-13-01T00:00:00Z", "2026-01-31T25:00:00Z", "+2y",
                                  "31/01/2026", "Z", "+", "-", True, None, "2026-01-31T22:00:00+25:00"])
def test_bad_times_name_the_format(text):
    with pytest.raises(ValueError) as info:
        parse_time(text, now=NOW, field="published_after")
    assert str(info.value)


def test_relative_time_defaults_to_the_current_time():
    before = utcnow()
    parsed = parse_time("+1h")
    assert before + timedelta(hours=1) <= parsed <= utcnow() + timedelta(hours=1)


@pytest.mark.parametrize("value", [10 ** 400, -10 ** 30, float("inf"), float("nan"), 9.3e21, "+99999999999d",
                                   "-" + "9" * 30 + "w", "+" + "9" * 400 + "s"])
def test_out_of_range_times_are_value_errors(value):
    with pytest.raises(ValueError):
        parse_time(value, now=NOW)


@pytest.mark.parametrize("value", [10 ** 400, float("inf"), float("nan"), "9" * 400, "9" * 400 + "w"])
def test_out_of_range_durations_are_value_errors(value):
    with pytest.raises(ValueError):
        parse_duration(value)


def test_iso_of_none_and_offsets():
    assert iso(None) is None
    assert iso(datetime(2025, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=1)))) == "2025-01-01T00:00:00Z"


_inputs = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from(list("0123456789smhdwSMHDW+-:TZz. ")), max_size=40),
    st.from_regex(r"[+-]?\d{1,30}[smhdw]", fullmatch=True),
    st.from_regex(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?", fullmatch=True),
    st.integers(min_value=-10 ** 30, max_value=10 ** 30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.none(),
)


@settings(max_examples=1500, derandomize=True, deadline=None, database=None)
@given(value=_inputs)
def test_parse_time_raises_nothing_but_value_error(value):
    try:
        parsed = parse_time(value, now=NOW)
    except ValueError as exc:
        assert str(exc)
        return
    assert parsed.tzinfo is not None
    assert iso(parsed).endswith("Z")


@settings(max_examples=1500, derandomize=True, deadline=None, database=None)
@given(value=_inputs)
def test_parse_duration_raises_nothing_but_value_error(value):
    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        assert str(exc)
        return
    assert seconds >= 0


@settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(moment=st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2999, 12, 31),
                           timezones=st.just(timezone.utc)))
def test_iso_round_trips(moment):
    moment = moment.replace(microsecond=0)
    assert parse_time(iso(moment)) == moment


@settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(parts=st.lists(st.tuples(st.integers(0, 10 ** 4), st.sampled_from("smhdw")), min_size=1, max_size=5))
def test_duration_is_the_sum_of_its_parts(parts):
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    text = "".join("%d%s" % part for part in parts)
    assert parse_duration(text) == sum(n * units[u] for n, u in parts)
