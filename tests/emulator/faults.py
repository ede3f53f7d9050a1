"""Fault injection: per-route faults with a count (or forever) and an optional region."""
from __future__ import annotations

import itertools
import threading
from dataclasses import asdict, dataclass
from typing import Any, Optional

from .routes import ROUTE_NAMES

KINDS = ("status", "drop", "truncate", "non_json", "delay", "marker_loop")
TERMINAL_KINDS = frozenset({"status", "drop", "truncate", "non_json"})   # end the request
MODIFIER_KINDS = frozenset({"delay", "marker_loop"})                     # change it, then go on


@dataclass
class Fault:
    id: str
    kind: str
    route: Optional[str] = None            # None: every API route
    status: int = 500
    retry_after: Optional[str] = None
    count: Optional[int] = None            # remaining applications; None: forever
    region: Optional[str] = None
    project_id: Optional[str] = None       # resolved from region
    seconds: float = 0.0                   # for "delay"
    code: Optional[str] = None             # error code override for "status"
    message: Optional[str] = None          # error message override for "status"
    hits: int = 0

    def matches(self, route: str, project_id: Optional[str]) -> bool:
        if self.route is not None and self.route != route:
            return False
        if self.kind == "marker_loop" and route != "ecs.list":
            return False
        return self.project_id is None or self.project_id == project_id

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaultRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, *, kind: str = "status", route: Optional[str] = None, status: int = 500,
            retry_after: Any = None, count: Optional[int] = None, region: Optional[str] = None,
            project_id: Optional[str] = None, seconds: float = 0.0, code: Optional[str] = None,
            message: Optional[str] = None) -> Fault:
        _validate(kind, route, status, count, seconds)
        fault = Fault(id=f"fault-{next(self._ids)}", kind=kind, route=route, status=int(status),
                      retry_after=None if retry_after is None else str(retry_after),
                      count=None if count is None else int(count), region=region,
                      project_id=project_id, seconds=float(seconds), code=code, message=message)
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault_id: str) -> None:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            if len(self._faults) == before:
                raise KeyError(f"unknown fault id {fault_id!r}")

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.as_dict() for f in self._faults]

    def take(self, route: str, project_id: Optional[str]) -> list[Fault]:
        """Consume the faults for one request: every matching modifier, in order, and the
        first matching terminal fault. Exhausted faults are removed."""
        taken: list[Fault] = []
        with self._lock:
            for fault in self._faults:
                if not fault.matches(route, project_id):
                    continue
                if fault.kind in TERMINAL_KINDS and any(f.kind in TERMINAL_KINDS for f in taken):
                    continue
                taken.append(fault)
                fault.hits += 1
                if fault.count is not None:
                    fault.count -= 1
            self._faults = [f for f in self._faults if f.count is None or f.count > 0]
        return [Fault(**f.as_dict()) for f in taken]


def _validate(kind: str, route: Optional[str], status: int, count: Optional[int], seconds: float) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(KINDS)}")
    if route is not None and route not in ROUTE_NAMES:
        raise ValueError(f"unknown route {route!r}; expected one of {', '.join(ROUTE_NAMES)}")
    if kind == "marker_loop" and route not in (None, "ecs.list"):
        raise ValueError("marker_loop only applies to route 'ecs.list'")
    if not 100 <= int(status) <= 599:
        raise ValueError(f"invalid HTTP status {status!r}")
    if count is not None and int(count) < 1:
        raise ValueError("count must be at least 1 (or None for forever)")
    if float(seconds) < 0:
        raise ValueError("seconds must not be negative")
