"""Request statistics: totals per route and status, and peak concurrency."""
from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class StatusCounts(dict):  # type: ignore[type-arg]
    """Counts keyed by status as a string ("200", "drop"); int keys are accepted on read."""

    def __getitem__(self, key: Any) -> int:
        return int(super().__getitem__(str(key)))

    def __contains__(self, key: Any) -> bool:
        return super().__contains__(str(key))

    def get(self, key: Any, default: Any = None) -> Any:
        return super().get(str(key), default)


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._total = 0
            self._by_route: Counter[str] = Counter()
            self._by_status: Counter[str] = Counter()
            self._by_route_status: dict[str, Counter[str]] = {}
            self._max_concurrency = self._in_flight

    def begin(self) -> None:
        with self._lock:
            self._in_flight += 1
            self._max_concurrency = max(self._max_concurrency, self._in_flight)

    def end(self, route: str, status: str) -> None:
        with self._lock:
            self._in_flight -= 1
            self._total += 1
            self._by_route[route] += 1
            self._by_status[status] += 1
            self._by_route_status.setdefault(route, Counter())[status] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests_total": self._total,
                "by_route": dict(self._by_route),
                "by_status": StatusCounts(self._by_status),
                "by_route_status": {r: StatusCounts(c) for r, c in self._by_route_status.items()},
                "max_concurrency": self._max_concurrency,
                "in_flight": self._in_flight,
            }
