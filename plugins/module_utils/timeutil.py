# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsing of times and durations given by users or returned by the APIs."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone

_DURATION_PART = re.compile(r"(\d+)([smhdw])")
_DURATION = re.compile(r"^(?:\d+[smhdw])+$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
API_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utcnow():
    return datetime.now(timezone.utc)


def parse_duration(value):
    """Seconds in a duration such as ``90s``, ``30m``, ``24h``, ``7d``, ``1w``, ``1d12h`` or a bare integer.

    Raises ValueError with a short reason.
    """
    if isinstance(value, bool):
        raise ValueError("not a duration")
    try:
        if isinstance(value, (int, float)):
            seconds = float(value)
        else:
            text = str(value).strip().lower().replace(" ", "")
            if text.isdecimal():  # not isdigit: float() cannot read digits such as a superscript two
                seconds = float(text)
            elif _DURATION.match(text):
                seconds = float(sum(int(n) * _UNITS[u] for n, u in _DURATION_PART.findall(text)))
            else:
                raise ValueError("not a duration: use a number of seconds or units s, m, h, d, w such as 30m, 24h, 7d")
    except OverflowError:
        raise ValueError("the duration is too large")
    if math.isnan(seconds) or math.isinf(seconds):
        raise ValueError("the duration is too large")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


def parse_time(value, now=None, field="time"):
    """An aware UTC datetime from ISO 8601 text (``Z`` or an offset; naive means UTC), epoch seconds or
    milliseconds, or a relative ``+2h`` / ``-7d`` from ``now``. Raises ValueError."""
    if value is None:
        raise ValueError("%s is empty" % field)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, bool):
        raise ValueError("not a time")
    if isinstance(value, (int, float)):
        try:
            seconds = value / 1000.0 if abs(value) > 1e11 else float(value)
            return datetime.fromtimestamp(seconds, timezone.utc)
        except (OverflowError, OSError, ValueError):  # year 10000, NaN
            raise ValueError("%s is out of range" % field)
    text = str(value).strip()
    if text[:1] in "+-" and _DURATION.match(text[1:].lower()):
        base = now or utcnow()
        try:
            delta = timedelta(seconds=parse_duration(text[1:]))
            return base + delta if text[0] == "+" else base - delta
        except OverflowError:
            raise ValueError("%s is out of range" % field)
    if text.lower() == "now":
        return now or utcnow()
    candidate = text[:-1] + "+00:00" if text[-1:] in "zZ" else text
    try:
        parsed = datetime.fromisoformat(candidate.replace(" ", "T", 1) if "T" not in candidate else candidate)
    except ValueError:
        raise ValueError("not an ISO 8601 time such as 2026-01-31T22:00:00Z, or a relative time such as +2h")
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    try:
        parsed.astimezone(timezone.utc)  # 0001-01-01T00:00:00+01:00 has no UTC time
    except OverflowError:
        raise ValueError("%s is out of range" % field)
    return parsed


def iso(dt):
    """``yyyy-MM-ddTHH:mm:ssZ`` in UTC (the APIs' format), or None."""
    if dt is None:
        return None
    dt = dt.astimezone(timezone.utc)
    # Not strftime: %Y does not pad years before 1000 on every platform.
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second)
