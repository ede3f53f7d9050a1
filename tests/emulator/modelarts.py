"""ModelArts scheduled events: list (offset/limit) and accept."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from .events import MODELARTS
from .store import EventStore, Record
from .timeutil import format_time, in_window, parse_lenient, parse_strict, utcnow
from .wire import ApiError, ApiRequest, ApiResponse

MAX_LIMIT = 100
MAX_OFFSET = 1_000_000_000
REDEPLOY_TYPES = ("HARD", "SOFT")

# Error codes (documented in README.md).
BAD_QUERY = "ModelArts.0101"
BAD_BODY = "ModelArts.0102"
BAD_STATE = "ModelArts.0103"
NOT_FOUND = "ModelArts.0104"

_STRING_FILTERS = ("id", "nodeName", "poolName")


def list_events(store: EventStore, req: ApiRequest) -> ApiResponse:
    offset = _int_param(req, "offset", 0, MAX_OFFSET) or 0
    limit = _int_param(req, "limit", 1, MAX_LIMIT)
    matching = store.select(MODELARTS, req.params["project_id"], _Filter(req).accepts)
    page = matching[offset:] if limit is None else matching[offset:offset + limit]
    return ApiResponse.json(200, {"events": page, "count": len(matching)})


class _Filter:
    def __init__(self, req: ApiRequest) -> None:
        self.workspace = req.single("workspaceId") or "0"
        self.states, self.types = set(req.values("state")), set(req.values("type"))
        self.scalars = {name: value for name in _STRING_FILTERS if (value := req.single(name)) is not None}
        self.since, self.until = _time_param(req, "publishStartTime"), _time_param(req, "publishEndTime")

    def accepts(self, record: Record) -> bool:
        event = record.event
        if record.workspace_id != self.workspace:
            return False
        if (self.states and event.get("state") not in self.states) or (
                self.types and event.get("type") not in self.types):
            return False
        if any(event.get(name) != value for name, value in self.scalars.items()):
            return False
        if self.since is None and self.until is None:
            return True
        return in_window(parse_lenient(event.get("publishTime")), self.since, self.until)


def accept_event(store: EventStore, req: ApiRequest) -> ApiResponse:
    body = _body(req)
    not_before = _not_before(body.get("notBefore"))
    redeploy = _redeploy_config(body.get("redeployConfig"))
    workspace = req.single("workspaceId") or "0"
    with store.lock:
        record = _find(store, req, workspace)
        if record.event.get("state") != "inquiring":
            raise ApiError(400, BAD_STATE, f"scheduled event {record.event['id']} is in state "
                                           f"{record.event.get('state')!r}; only 'inquiring' "
                                           "events can be accepted")
        record.event["state"] = "scheduled"
        record.event["notBefore"] = format_time(not_before or utcnow())
        if redeploy is not None:
            record.private["redeployConfig"] = redeploy
        event = dict(record.event)
    return ApiResponse.json(200, event)


def _find(store: EventStore, req: ApiRequest, workspace: str) -> Record:
    record = store.find(MODELARTS, req.params["project_id"], req.params["event_id"])
    if record is None or record.workspace_id != workspace:
        raise ApiError(404, NOT_FOUND, f"scheduled event {req.params['event_id']} not found "
                                       f"in workspace {workspace}")
    return record


def _int_param(req: ApiRequest, name: str, low: int, high: int) -> Optional[int]:
    raw = req.single(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ApiError(400, BAD_QUERY, f"invalid {name} {raw!r}: must be an integer from {low} to {high}")
    return value


def _time_param(req: ApiRequest, name: str) -> Optional[datetime]:
    raw = req.single(name)
    if raw is None:
        return None
    try:
        return parse_strict(raw)
    except ValueError:
        raise ApiError(400, BAD_QUERY, f"invalid {name} {raw!r}: expected yyyy-MM-ddTHH:mm:ssZ") from None


def _body(req: ApiRequest) -> dict[str, Any]:
    try:
        body = req.json_body()
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, BAD_BODY, "invalid request body: not valid JSON") from None
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ApiError(400, BAD_BODY, "invalid request body: a JSON object is required")
    return body


def _not_before(raw: Any) -> Optional[datetime]:
    if raw in (None, ""):
        return None
    try:
        moment = parse_strict(raw)
    except ValueError:
        raise ApiError(400, BAD_BODY, f"invalid notBefore {raw!r}: expected yyyy-MM-ddTHH:mm:ssZ") from None
    if moment <= utcnow():
        raise ApiError(400, BAD_BODY, f"invalid notBefore {raw}: must be later than the current time")
    return moment


def _redeploy_config(raw: Any) -> Optional[dict[str, Any]]:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ApiError(400, BAD_BODY, "invalid redeployConfig: a JSON object is required")
    if raw.get("type") is not None and raw["type"] not in REDEPLOY_TYPES:
        raise ApiError(400, BAD_BODY, f"invalid redeployConfig.type {raw['type']!r}: "
                                      f"expected one of {', '.join(REDEPLOY_TYPES)}")
    if raw.get("autoFlow") is not None and str(raw["autoFlow"]).lower() not in ("true", "false"):
        raise ApiError(400, BAD_BODY, "invalid redeployConfig.autoFlow: expected \"true\" or \"false\"")
    return dict(raw)
