"""The emulator's request pipeline (transport independent).

For every API request: route -> latency -> faults -> authentication -> project check ->
service handler, with statistics around it. ``/_emulator/`` requests go to the control API.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Mapping, Optional

from . import control, ecs, iam, modelarts
from .auth import DEFAULT_MAX_SKEW, Authenticator, AuthError
from .events import SERVICES
from .faults import Fault, FaultRegistry
from .fleet import Fleet
from .routes import IAM_SERVICE, MODELARTS_SERVICE, Route, match
from .stats import Stats
from .store import EventStore
from .wire import JSON_TYPE, ApiError, ApiRequest, ApiResponse

LOG = logging.getLogger("emulator")
CONTROL_PREFIX = "/_emulator"

# Statuses whose injected-fault body comes from the API Gateway (others: the service).
_GATEWAY_FAULTS = {
    401: ("APIGW.0301", "Incorrect IAM authentication information: injected fault"),
    403: ("APIGW.0302", "The IAM user is not authorized to access the API."),
    429: ("APIGW.0308", "The throttling threshold has been reached: policy user over ratelimit,"
                        "limit:200,time:1 second"),
    502: ("APIGW.0201", "Backend unavailable."),
    504: ("APIGW.0201", "Backend timeout."),
}
_SERVICE_FAULT_CODES = {"ecs": "Ecs.0000", "modelarts": "ModelArts.0000"}
_TRUNCATED_BODY = b'{"events": [{"id": "truncated-response", "description": "' + b"x" * 200 + b'"}]}'
_HTML_BODY = (b"<html><head><title>Service Unavailable</title></head>"
              b"<body><h1>The service is under maintenance</h1></body></html>")


@dataclass
class Outcome:
    """What the transport must do: send ``response`` (cut short if ``truncate``) or drop."""

    response: Optional[ApiResponse]
    truncate: bool = False


class App:
    def __init__(self, fleet: Optional[Fleet] = None, latency: float = 0.0,
                 ecs_last_page: str = "absent", max_skew: float = DEFAULT_MAX_SKEW,
                 ecs_default_limit: int = ecs.DEFAULT_LIMIT) -> None:
        self.store = EventStore(fleet if fleet is not None else Fleet.empty())
        self.faults = FaultRegistry()
        self.stats = Stats()
        self.auth = Authenticator(max_skew=max_skew)
        self.ecs_options = ecs.EcsOptions(default_limit=ecs_default_limit)
        self.latency = 0.0
        self.configure(latency=latency, ecs_last_page=ecs_last_page)

    # ------------------------------------------------------------------ settings
    def configure(self, latency: Optional[float] = None, ecs_last_page: Optional[str] = None,
                  max_skew: Optional[float] = None) -> dict[str, Any]:
        if latency is not None:
            if float(latency) < 0:
                raise ValueError("latency must not be negative")
            self.latency = float(latency)
        if ecs_last_page is not None:
            if ecs_last_page not in ecs.LAST_PAGE_MODES:
                raise ValueError(f"ecs_last_page must be one of {', '.join(ecs.LAST_PAGE_MODES)}")
            self.ecs_options.last_page = ecs_last_page
        if max_skew is not None:
            self.auth.max_skew = float(max_skew)
        return self.config()

    def config(self) -> dict[str, Any]:
        return {"latency": self.latency, "ecs_last_page": self.ecs_options.last_page,
                "max_skew": self.auth.max_skew, "ecs_default_limit": self.ecs_options.default_limit}

    def add_fault(self, **spec: Any) -> str:
        region = spec.get("region")
        if region is not None:
            try:
                spec["project_id"] = self.store.project_id(region)
            except KeyError as exc:
                raise ValueError(str(exc.args[0])) from None
        return self.faults.add(**spec).id

    def add_event(self, service: str, region: str, event: Mapping[str, Any],
                  workspace_id: Optional[str] = None) -> str:
        if service not in SERVICES:
            raise ValueError(f"unknown service {service!r}; expected one of {', '.join(SERVICES)}")
        return self.store.add(service, region, event, workspace_id)

    # ------------------------------------------------------------------ requests
    def handle(self, req: ApiRequest) -> Outcome:
        if req.path == CONTROL_PREFIX or req.path.startswith(CONTROL_PREFIX + "/"):
            return Outcome(control.handle(self, req))
        found = match(req.method, req.path)
        route = found[0] if found else None
        self.stats.begin()
        status = "drop"
        try:
            outcome = self._handle_api(req, found)
            if outcome.response is not None:
                status = str(outcome.response.status)
                header = route.request_id_header if route else "X-Request-Id"
                outcome.response.headers.setdefault(header, req.request_id)
            return outcome
        finally:
            self.stats.end(route.name if route else "unknown", status)

    def _handle_api(self, req: ApiRequest, found: Optional[tuple[Route, dict[str, str]]]) -> Outcome:
        if found is None:
            return Outcome(gateway_error(req, 404, "APIGW.0101",
                                         "The API does not exist or has not been published in the environment."))
        route, req.params = found
        if self.latency:
            time.sleep(self.latency)
        marker_loop = False
        for fault in self.faults.take(route.name, self._project_of(route, req)):
            if fault.kind == "delay":
                time.sleep(fault.seconds)
            elif fault.kind == "marker_loop":
                marker_loop = True
            else:
                return self._fault_outcome(req, route, fault)
        return Outcome(self._authorized(req, route, marker_loop))

    def _authorized(self, req: ApiRequest, route: Route, marker_loop: bool) -> ApiResponse:
        try:
            self.auth.authenticate(req)
        except AuthError as exc:
            return gateway_error(req, 401, "APIGW.0301",
                                 f"Incorrect IAM authentication information: {exc}")
        if route.service != IAM_SERVICE and self.store.region_of(req.params["project_id"]) is None:
            return gateway_error(req, 403, "APIGW.0310",
                                 f"The project is unavailable: {req.params['project_id']}")
        try:
            return self._dispatch(route, req, marker_loop)
        except ApiError as exc:
            return service_error(route, exc.status, exc.code, exc.message)
        except Exception:  # pragma: no cover - a bug in the emulator, not a client error
            LOG.exception("emulator failure on %s %s", req.method, req.path)
            return gateway_error(req, 500, "APIGW.0601", "Internal server error.")

    def _dispatch(self, route: Route, req: ApiRequest, marker_loop: bool) -> ApiResponse:
        if route.name == "ecs.list":
            return ecs.list_events(self.store, req, self.ecs_options, marker_loop)
        if route.name == "ecs.update":
            return ecs.update_event(self.store, req)
        if route.name == "ecs.accept":
            return ecs.accept_event(self.store, req)
        if route.name == "modelarts.list":
            return modelarts.list_events(self.store, req)
        if route.name == "modelarts.accept":
            return modelarts.accept_event(self.store, req)
        return iam.list_projects(self.store, req)

    def _project_of(self, route: Route, req: ApiRequest) -> Optional[str]:
        if route.service == IAM_SERVICE:
            name = req.single("name")
            return self.store.regions().get(name) if name else None
        return req.params.get("project_id")

    def _fault_outcome(self, req: ApiRequest, route: Route, fault: Fault) -> Outcome:
        if fault.kind == "drop":
            return Outcome(None)
        if fault.kind == "truncate":
            return Outcome(ApiResponse(200, _TRUNCATED_BODY, {"Content-Type": JSON_TYPE}), truncate=True)
        if fault.kind == "non_json":
            return Outcome(ApiResponse(200, _HTML_BODY, {"Content-Type": "text/html"}))
        response = _status_fault(req, route, fault)
        if fault.retry_after is not None:
            response.headers["Retry-After"] = fault.retry_after
        return Outcome(response)


# ---------------------------------------------------------------------- error bodies
def gateway_error(req: ApiRequest, status: int, code: str, message: str) -> ApiResponse:
    """An API Gateway error body (the request id header is added by ``App.handle``)."""
    return ApiResponse.json(status, {"error_code": code, "error_msg": message, "request_id": req.request_id})


def service_error(route: Route, status: int, code: str, message: str) -> ApiResponse:
    """An error body in the shape of the route's service."""
    if route.service == MODELARTS_SERVICE:
        return ApiResponse.json(status, {"error_code": code, "error_msg": message})
    if route.service == IAM_SERVICE:
        return ApiResponse.json(status, {"error": {"code": status, "message": message,
                                                   "title": _phrase(status, "")}})
    return ApiResponse.json(status, {"error": {"code": code, "message": message}})


def _status_fault(req: ApiRequest, route: Route, fault: Fault) -> ApiResponse:
    default_code, default_message = _GATEWAY_FAULTS.get(fault.status, (None, None))
    code = fault.code or default_code
    message = fault.message or default_message or _phrase(fault.status, " (injected fault)")
    if code and code.startswith("APIGW."):
        return gateway_error(req, fault.status, code, message)
    return service_error(route, fault.status, code or _SERVICE_FAULT_CODES.get(route.service, ""), message)


def _phrase(status: int, suffix: str) -> str:
    try:
        return HTTPStatus(status).phrase + suffix
    except ValueError:
        return f"HTTP {status}{suffix}"
