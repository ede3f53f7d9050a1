"""Thread-safe in-memory store of regions and scheduled events."""
from __future__ import annotations

import copy
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

from .credentials import project_id_for
from .events import ECS, MODELARTS, ecs_description, normalize, resolve_fields
from .fleet import Fleet
from .timeutil import sort_key, utcnow


@dataclass
class Record:
    service: str
    region: str
    project_id: str
    event: dict[str, Any]
    workspace_id: str = "0"
    private: dict[str, Any] = field(default_factory=dict)   # emulator-only data (never on the wire)

    def publish_key(self) -> tuple[float, str]:
        name = "publish_time" if self.service == ECS else "publishTime"
        return sort_key(self.event.get(name)), str(self.event["id"])

    def view(self) -> dict[str, Any]:
        """Control-API view: the event plus where it lives."""
        view = {**copy.deepcopy(self.event), "service": self.service, "region": self.region,
                "project_id": self.project_id}
        if self.service == MODELARTS:
            view["workspaceId"] = self.workspace_id
        if self.private:
            view["_emulator"] = copy.deepcopy(self.private)
        return view


@dataclass
class _ProjectOrder:
    records: list[Record]
    index: dict[str, int]      # event id -> position in records


class EventStore:
    """All state behind the emulated APIs. Every public method is atomic."""

    def __init__(self, fleet: Fleet) -> None:
        self.lock = threading.RLock()
        self._regions: dict[str, str] = {}
        self._records: dict[str, Record] = {}
        self._order: Optional[list[Record]] = None   # cached publish-time order of all records
        self._projects: dict[tuple[str, str], _ProjectOrder] = {}   # cached per (service, project)
        for region, pid in fleet.regions.items():
            self.add_region(region, pid)
        for item in fleet.events:
            self._insert(Record(item.service, item.region, self.add_region(item.region),
                                copy.deepcopy(item.event), item.workspace_id))

    # ------------------------------------------------------------------ regions
    def add_region(self, region: str, project_id: Optional[str] = None) -> str:
        with self.lock:
            if region not in self._regions:
                self._regions[region] = project_id or project_id_for(region)
            return self._regions[region]

    def project_id(self, region: str) -> str:
        with self.lock:
            try:
                return self._regions[region]
            except KeyError:
                raise KeyError(f"unknown region {region!r}; known: {sorted(self._regions)}") from None

    def regions(self) -> dict[str, str]:
        with self.lock:
            return dict(self._regions)

    def region_of(self, project_id: str) -> Optional[str]:
        with self.lock:
            return next((r for r, pid in self._regions.items() if pid == project_id), None)

    # ------------------------------------------------------------------ events
    def add(self, service: str, region: str, raw: Mapping[str, Any],
            workspace_id: Optional[str] = None) -> str:
        body = dict(raw)
        workspace = workspace_id or body.pop("workspace_id", None) or body.pop("workspaceId", None) or "0"
        event = normalize(service, body, utcnow())
        with self.lock:
            if event["id"] in self._records:
                raise ValueError(f"event id {event['id']!r} already exists")
            self._insert(Record(service, region, self.add_region(region), event, str(workspace)))
        return str(event["id"])

    def update(self, event_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        changes = resolve_fields(fields, utcnow())
        with self.lock:
            record = self._get(event_id)
            if "workspaceId" in changes or "workspace_id" in changes:
                record.workspace_id = str(changes.pop("workspaceId", changes.pop("workspace_id", "0")))
            if record.service == ECS and "description" in changes:
                changes["description"] = ecs_description(changes["description"], record.event["type"])
            changes.pop("id", None)
            record.event.update(changes)
            self._invalidate()
            return record.view()

    def remove(self, event_id: str) -> None:
        with self.lock:
            self._get(event_id)
            del self._records[event_id]
            self._invalidate()

    def views(self, service: Optional[str] = None, region: Optional[str] = None) -> list[dict[str, Any]]:
        with self.lock:
            return [r.view() for r in self._sorted()
                    if service in (None, r.service) and region in (None, r.region)]

    def select(self, service: str, project_id: str, predicate: Callable[[Record], bool],
               after: Optional[str] = None, limit: Optional[int] = None) -> list[dict[str, Any]]:
        """Copies of one project's matching events in stable order (publish time, then id).

        ``after`` starts behind that event id (KeyError if it is not in the project); ``limit``
        stops early. Event dicts are shallow copies: handlers never mutate nested values in place.
        """
        with self.lock:
            order = self._project_order(service, project_id)
            start = 0 if after is None else order.index[after] + 1
            selected: list[dict[str, Any]] = []
            for record in itertools.islice(order.records, start, None):
                if predicate(record):
                    selected.append(dict(record.event))
                    if limit is not None and len(selected) >= limit:
                        break
            return selected

    def find(self, service: str, project_id: str, event_id: str) -> Optional[Record]:
        """The live record (callers must hold ``lock`` while they use it)."""
        record = self._records.get(event_id)
        if record and record.service == service and record.project_id == project_id:
            return record
        return None

    def _get(self, event_id: str) -> Record:
        try:
            return self._records[event_id]
        except KeyError:
            raise KeyError(f"unknown event id {event_id!r}") from None

    def _insert(self, record: Record) -> None:
        self._records[str(record.event["id"])] = record
        self._invalidate()

    def _invalidate(self) -> None:
        self._order = None
        self._projects.clear()

    def _project_order(self, service: str, project_id: str) -> "_ProjectOrder":
        key = (service, project_id)
        if key not in self._projects:
            records = [r for r in self._sorted() if r.service == service and r.project_id == project_id]
            self._projects[key] = _ProjectOrder(records, {str(r.event["id"]): i for i, r in enumerate(records)})
        return self._projects[key]

    def _sorted(self) -> list[Record]:
        if self._order is None:
            self._order = sorted(self._records.values(), key=Record.publish_key)
        return self._order
