"""Time helpers: the wire format, strict parsing and relative fleet times."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

WIRE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_STRICT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_RELATIVE = re.compile(r"^([+-])((?:\d+[dhms])+)$")
_PART = re.compile(r"(\d+)([dhms])")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def utcnow() -> datetime:
    """Current UTC time truncated to whole seconds."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def format_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(WIRE_FORMAT)


def parse_strict(value: object) -> datetime:
    """Parse ``yyyy-MM-ddTHH:mm:ssZ``; raise ValueError for anything else."""
    if not isinstance(value, str) or not _STRICT.match(value):
        raise ValueError(f"not a yyyy-MM-ddTHH:mm:ssZ time: {value!r}")
    return datetime.strptime(value, WIRE_FORMAT).replace(tzinfo=timezone.utc)


def parse_lenient(value: Optional[str]) -> Optional[datetime]:
    """Parse any ISO 8601 time (naive = UTC); None or garbage gives None."""
    if not value or not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def sort_key(value: Optional[str]) -> float:
    """Seconds since the epoch, or -inf for a missing/unparsable time."""
    moment = parse_lenient(value)
    return (moment - _EPOCH).total_seconds() if moment else float("-inf")


def in_window(moment: Optional[datetime], since: Optional[datetime], until: Optional[datetime]) -> bool:
    """True when no bound is given, else when ``moment`` lies within [since, until]."""
    if since is None and until is None:
        return True
    return moment is not None and (since is None or moment >= since) and (until is None or moment <= until)


def is_relative(value: Any) -> bool:
    return isinstance(value, str) and (value == "now" or bool(_RELATIVE.match(value)))


def resolve(value: Any, now: datetime) -> Any:
    """Resolve ``"now"``, ``"+48h"``, ``"-2d"``, ``"+6d20h27m5s"`` against ``now``.

    datetime objects (YAML parses bare timestamps) become wire strings; every other value
    is returned unchanged.
    """
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return format_time(aware)
    if not is_relative(value):
        return value
    if value == "now":
        return format_time(now)
    match = _RELATIVE.match(value)
    assert match is not None
    seconds = sum(int(n) * _UNIT_SECONDS[u] for n, u in _PART.findall(match.group(2)))
    sign = 1 if match.group(1) == "+" else -1
    return format_time(now + timedelta(seconds=sign * seconds))
