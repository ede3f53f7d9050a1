"""The emulated API routes."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional
from urllib.parse import unquote

ECS_SERVICE, MODELARTS_SERVICE, IAM_SERVICE = "ecs", "modelarts", "iam"


@dataclass(frozen=True)
class Route:
    name: str
    service: str
    method: str
    pattern: re.Pattern[str]

    @property
    def request_id_header(self) -> str:
        """ModelArts spells its request id header differently from the other services."""
        return "X-request-id" if self.service == MODELARTS_SERVICE else "X-Request-Id"


def _route(name: str, method: str, pattern: str) -> Route:
    return Route(name, name.split(".")[0], method, re.compile(pattern))


_PID = r"(?P<project_id>[^/]+)"
_EID = r"(?P<event_id>[^/]+)"
ROUTES: tuple[Route, ...] = (
    _route("iam.projects", "GET", r"^/v3/projects/?$"),
    _route("ecs.list", "GET", rf"^/v3/{_PID}/instance-scheduled-events/?$"),
    _route("ecs.update", "PUT", rf"^/v3/{_PID}/instance-scheduled-events/{_EID}/?$"),
    _route("ecs.accept", "POST", rf"^/v3/{_PID}/instance-scheduled-events/{_EID}/actions/accept/?$"),
    _route("modelarts.list", "GET", rf"^/v1/{_PID}/scheduled-events/?$"),
    _route("modelarts.accept", "POST", rf"^/v1/{_PID}/scheduled-events/{_EID}/accept/?$"),
)
ROUTE_NAMES: tuple[str, ...] = tuple(r.name for r in ROUTES)


def match(method: str, path: str) -> Optional[tuple[Route, dict[str, str]]]:
    """The route and its (decoded) path parameters, or None for an unknown API."""
    for route in ROUTES:
        found = route.pattern.match(path)
        if found and route.method == method.upper():
            return route, {k: unquote(v) for k, v in found.groupdict().items()}
    return None
