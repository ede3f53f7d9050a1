"""ECS scheduled events: list, update (reschedule) and accept (authorise)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional

from .events import ECS
from .store import EventStore, Record
from .timeutil import format_time, in_window, parse_lenient, parse_strict, utcnow
from .wire import ApiError, ApiRequest, ApiResponse

LAST_PAGE_MODES = ("absent", "empty", "repeat")
DEFAULT_LIMIT = 100
MAX_LIMIT = 100
RESCHEDULE_MARGIN = timedelta(minutes=30)
LOOP_MARKER = "00000000-0000-0000-0000-000000000000"

# Error codes (documented in README.md).
BAD_BODY = "Ecs.0005"
BAD_QUERY = "Ecs.0006"
BAD_MARKER = "Ecs.0007"
NOT_FOUND = "Ecs.0801"
BAD_STATE = "Ecs.0802"
BAD_TIME = "Ecs.0803"


@dataclass
class EcsOptions:
    last_page: str = "absent"
    default_limit: int = DEFAULT_LIMIT


def list_events(store: EventStore, req: ApiRequest, options: EcsOptions,
                marker_loop: bool = False) -> ApiResponse:
    limit = _limit(req.single("limit"), options.default_limit)
    since, until = _time_param(req, "publish_since"), _time_param(req, "publish_until")
    wanted = _Filter(req, since, until)
    marker = req.single("marker") or None
    try:
        matching = store.select(ECS, req.params["project_id"], wanted.accepts, marker, limit + 1)
    except KeyError:
        if not marker_loop:
            raise ApiError(400, BAD_MARKER, f"invalid marker {marker!r}: no such scheduled event") from None
        matching = store.select(ECS, req.params["project_id"], wanted.accepts, None, limit + 1)
    page, more = matching[:limit], len(matching) > limit
    page_info = _page_info(page, more, options.last_page)
    if marker_loop:
        page_info = {"next_marker": marker or (page[-1]["id"] if page else LOOP_MARKER)}
    return ApiResponse.json(200, {"events": page, "page_info": page_info})


def update_event(store: EventStore, req: ApiRequest) -> ApiResponse:
    new_start = _required_time(_body(req, required=True), "not_before")
    with store.lock:
        record = _find(store, req)
        _require_state(record, "scheduled", "rescheduled")
        _check_future(new_start)
        deadline = parse_lenient(record.event.get("not_before_deadline"))
        if deadline is not None and new_start > deadline - RESCHEDULE_MARGIN:
            raise ApiError(400, BAD_TIME, "not_before must be at least 30 minutes earlier than "
                                          f"not_before_deadline ({record.event['not_before_deadline']})")
        _move_start(record.event, new_start)
    return ApiResponse.empty(204)


def accept_event(store: EventStore, req: ApiRequest) -> ApiResponse:
    body = _body(req, required=False)
    chosen = None if body.get("not_before") is None else _required_time(body, "not_before")
    with store.lock:
        record = _find(store, req)
        _require_state(record, "inquiring", "accepted")
        if chosen is not None:
            _check_future(chosen)
            deadline = parse_lenient(record.event.get("not_before_deadline"))
            if deadline is not None and chosen > deadline:
                raise ApiError(400, BAD_TIME, "not_before must not be later than "
                                              f"not_before_deadline ({record.event['not_before_deadline']})")
        _move_start(record.event, chosen or utcnow())
        record.event["state"] = "scheduled"
    return ApiResponse.empty(204)


# ---------------------------------------------------------------------- helpers
class _Filter:
    def __init__(self, req: ApiRequest, since: Optional[datetime], until: Optional[datetime]) -> None:
        self.event_id = req.single("id")
        self.instances = set(req.values("instance_id"))
        self.types = set(req.values("type"))
        self.states = set(req.values("state"))
        self.since, self.until = since, until

    def accepts(self, record: Record) -> bool:
        event = record.event
        if self.event_id and event["id"] != self.event_id:
            return False
        if not _member(event.get("instance_id"), self.instances):
            return False
        if not _member(event.get("type"), self.types) or not _member(event.get("state"), self.states):
            return False
        if self.since is None and self.until is None:
            return True
        return in_window(parse_lenient(event.get("publish_time")), self.since, self.until)


def _member(value: Any, allowed: set[str]) -> bool:
    return not allowed or value in allowed


def _limit(raw: Optional[str], default: int) -> int:
    if raw is None:
        return default
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(400, BAD_QUERY, f"invalid limit {raw!r}: must be an integer from 1 to {MAX_LIMIT}")
    return limit


def _time_param(req: ApiRequest, name: str) -> Optional[datetime]:
    raw = req.single(name)
    if raw is None:
        return None
    try:
        return parse_strict(raw)
    except ValueError:
        raise ApiError(400, BAD_QUERY, f"invalid {name} {raw!r}: expected yyyy-MM-ddTHH:mm:ssZ") from None


def _page_info(page: list[dict[str, Any]], more: bool, mode: str) -> dict[str, str]:
    if more or (mode == "repeat" and page):
        return {"next_marker": page[-1]["id"]}
    return {"next_marker": ""} if mode == "empty" else {}


def _body(req: ApiRequest, required: bool) -> dict[str, Any]:
    try:
        body = req.json_body()
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, BAD_BODY, "request body is illegal: not valid JSON") from None
    if body is None and not required:
        return {}
    if not isinstance(body, dict):
        raise ApiError(400, BAD_BODY, "request body is illegal: a JSON object is required")
    return body


def _required_time(body: dict[str, Any], name: str) -> datetime:
    try:
        return parse_strict(body.get(name))
    except ValueError:
        raise ApiError(400, BAD_BODY, f"request body is illegal: {name} must be "
                                      "a yyyy-MM-ddTHH:mm:ssZ time") from None


def _find(store: EventStore, req: ApiRequest) -> Record:
    record = store.find(ECS, req.params["project_id"], req.params["event_id"])
    if record is None:
        raise ApiError(404, NOT_FOUND, f"scheduled event [{req.params['event_id']}] could not be found")
    return record


def _require_state(record: Record, state: str, verb: str) -> None:
    if record.event.get("state") != state:
        raise ApiError(400, BAD_STATE, f"scheduled event [{record.event['id']}] in state "
                                       f"{record.event.get('state')!r} cannot be {verb}; "
                                       f"it must be {state!r}")


def _check_future(moment: datetime) -> None:
    if moment <= utcnow():
        raise ApiError(400, BAD_TIME, f"not_before {format_time(moment)} must be in the future")


def _move_start(event: dict[str, Any], start: datetime) -> None:
    """Set not_before, keeping the planned window length (not_after - not_before)."""
    old_start, old_end = parse_lenient(event.get("not_before")), parse_lenient(event.get("not_after"))
    event["not_before"] = format_time(start)
    if old_start is not None and old_end is not None:
        event["not_after"] = format_time(start + (old_end - old_start))
