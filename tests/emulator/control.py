"""The control API under ``/_emulator/`` (no authentication, loopback clients only)."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable, Optional
from urllib.parse import unquote

from .wire import ApiRequest, ApiResponse

if TYPE_CHECKING:
    from .app import App

_Handler = Callable[["App", ApiRequest, Optional[str]], ApiResponse]
_LOOPBACK = ("127.", "::1", "::ffff:127.")


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def handle(app: "App", req: ApiRequest) -> ApiResponse:
    try:
        if not req.client_host.startswith(_LOOPBACK):
            raise ControlError(403, "the control API only accepts loopback clients")
        response = _dispatch(app, req)
    except ControlError as exc:
        response = _error(exc.status, str(exc))
    except (ValueError, TypeError) as exc:
        response = _error(400, str(exc))
    except KeyError as exc:
        response = _error(404, str(exc.args[0]) if exc.args else "not found")
    response.headers["X-Request-Id"] = req.request_id
    return response


def _dispatch(app: "App", req: ApiRequest) -> ApiResponse:
    path = req.path.rstrip("/")
    for method, pattern, handler in _ROUTES:
        found = re.fullmatch(pattern, path)
        if found and method == req.method:
            return handler(app, req, unquote(found.group(1)) if found.groups() else None)
    raise ControlError(404, f"no control endpoint {req.method} {req.path}")


def _body(req: ApiRequest) -> dict[str, Any]:
    try:
        body = req.json_body()
    except (ValueError, UnicodeDecodeError):
        raise ControlError(400, "the body must be JSON") from None
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    return body


def _json(status: int, payload: Any) -> ApiResponse:
    return ApiResponse.json(status, payload)


def _error(status: int, message: str) -> ApiResponse:
    return ApiResponse.json(status, {"error": message})


# ---------------------------------------------------------------------- endpoints
def _stats(app: "App", req: ApiRequest, item_id: Optional[str]) -> ApiResponse:
    return _json(200, app.stats.snapshot())


def _reset_stats(app: "App", req: ApiRequest, item_id: Optional[str]) -> ApiResponse:
    app.stats.reset()
    return ApiResponse.empty()


def _list_faults(app: "App", req: ApiRequest, item_id: Optional[str]) -> ApiResponse:
    return _json(200, app.faults.snapshot())


def _add_fault(app: "App", req: ApiRequest, item_id: Optional[str]) -> ApiResponse:
    return _json(201, {"id": app.add_fault(**_body(req))})


def _clear_faults(app: "App", req: ApiRequest, item_id: Optional[str]) -> ApiResponse:
    app.faults.clear()
    return ApiResponse.empty()


def _remove_fault(app: "App", req: ApiRequest, fault_id: Optional[str]) -> ApiResponse:
    app.faults.remove(str(fault_id))
    return ApiResponse.empty()


def _events(app: "App", req: ApiRequest, item_id: Optional[str]) -> ApiResponse:
    return _json(200, app.store.views(req.single("service"), req.single("region")))


def _add_event(app: "App", req: ApiRequest, item_id: Optional[str]) -> ApiResponse:
    body = _body(req)
    missing = [k for k in ("service", "region", "event") if not body.get(k)]
    if missing:
        raise ControlError(400, f"missing field(s): {', '.join(missing)}")
    event_id = app.add_event(body["service"], body["region"], body["event"], body.get("workspace_id"))
    return _json(201, {"id": event_id})


def _update_event(app: "App", req: ApiRequest, event_id: Optional[str]) -> ApiResponse:
    return _json(200, app.store.update(str(event_id), _body(req)))


def _remove_event(app: "App", req: ApiRequest, event_id: Optional[str]) -> ApiResponse:
    app.store.remove(str(event_id))
    return ApiResponse.empty()


def _regions(app: "App", req: ApiRequest, item_id: Optional[str]) -> ApiResponse:
    return _json(200, app.store.regions())


def _config(app: "App", req: ApiRequest, item_id: Optional[str]) -> ApiResponse:
    return _json(200, app.config())


def _configure(app: "App", req: ApiRequest, item_id: Optional[str]) -> ApiResponse:
    body = _body(req)
    unknown = set(body) - {"latency", "ecs_last_page", "max_skew"}
    if unknown:
        raise ControlError(400, f"unknown setting(s): {', '.join(sorted(unknown))}")
    return _json(200, app.configure(**body))


def _health(app: "App", req: ApiRequest, item_id: Optional[str]) -> ApiResponse:
    return _json(200, {"status": "ok"})


_ROUTES: tuple[tuple[str, str, _Handler], ...] = (
    ("GET", r"/_emulator/stats", _stats),
    ("POST", r"/_emulator/stats/reset", _reset_stats),
    ("GET", r"/_emulator/faults", _list_faults),
    ("POST", r"/_emulator/faults", _add_fault),
    ("DELETE", r"/_emulator/faults", _clear_faults),
    ("DELETE", r"/_emulator/faults/([^/]+)", _remove_fault),
    ("GET", r"/_emulator/events", _events),
    ("POST", r"/_emulator/events", _add_event),
    ("PATCH", r"/_emulator/events/([^/]+)", _update_event),
    ("DELETE", r"/_emulator/events/([^/]+)", _remove_event),
    ("GET", r"/_emulator/regions", _regions),
    ("GET", r"/_emulator/config", _config),
    ("POST", r"/_emulator/config", _configure),
    ("GET", r"/_emulator/health", _health),
)
