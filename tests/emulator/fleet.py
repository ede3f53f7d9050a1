"""Fleets: the regions and scheduled events an emulator starts with.

File format (YAML or JSON)::

    regions:
      cn-north-4: {project_id: 0123...}     # project_id optional (deterministic from the name)
    instances:                               # optional: ECS instance ids without events
      cn-north-4: [uuid, ...]
    ecs_events:
      - {region: cn-north-4, id: ..., type: ..., state: ..., not_before: "+48h", ...}
    modelarts_events:
      - {region: cn-north-4, workspace_id: "0", id: ..., nodeName: ..., notBefore: "+2d", ...}

Time values may be relative to the load time: ``now``, ``+48h``, ``-2d``, ``+30m``,
``+6d20h27m5s``; absolute strings are kept as written.
"""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import yaml

from .credentials import project_id_for
from .events import ECS, MODELARTS, default_id, normalize
from .timeutil import format_time, utcnow

DEMO_PATH = Path(__file__).resolve().parent / "fleets" / "demo.yml"


@dataclass
class FleetEvent:
    """One event of a fleet, already normalised (standard fields present, times absolute)."""

    service: str
    region: str
    event: dict[str, Any]
    workspace_id: str = "0"


@dataclass
class Fleet:
    regions: dict[str, str] = field(default_factory=dict)          # region name -> project id
    events: list[FleetEvent] = field(default_factory=list)
    instances: dict[str, list[str]] = field(default_factory=dict)   # region -> ECS instance ids

    # ------------------------------------------------------------------ constructors
    @classmethod
    def empty(cls, regions: Iterable[str] = ("cn-north-4", "ap-southeast-1")) -> "Fleet":
        return cls(regions={name: project_id_for(name) for name in regions})

    @classmethod
    def load(cls, path: Union[str, Path], now: Optional[datetime] = None) -> "Fleet":
        """Load a YAML or JSON fleet file (JSON is valid YAML)."""
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
        if not isinstance(data, Mapping):
            raise ValueError(f"{path}: a fleet file must hold a mapping")
        return cls.from_dict(data, now)

    @classmethod
    def demo(cls, now: Optional[datetime] = None) -> "Fleet":
        """The demo fleet (``fleets/demo.yml`` beside this module)."""
        return cls.load(DEMO_PATH, now)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], now: Optional[datetime] = None) -> "Fleet":
        now = now or utcnow()
        fleet = cls(regions=_parse_regions(data.get("regions") or {}))
        for region, ids in (data.get("instances") or {}).items():
            fleet.add_region(region)
            fleet.instances.setdefault(region, []).extend(str(i) for i in ids or [])
        for index, raw in enumerate(data.get("ecs_events") or []):
            fleet._add_raw(ECS, raw, index, now)
        for index, raw in enumerate(data.get("modelarts_events") or []):
            fleet._add_raw(MODELARTS, raw, index, now)
        return fleet

    @classmethod
    def generate(cls, ecs_events: int = 100, instances: int = 50,
                 regions: Sequence[str] = ("cn-north-4",), modelarts_events: int = 0,
                 seed: int = 0, now: Optional[datetime] = None) -> "Fleet":
        """A deterministic random fleet (same seed and ``now`` -> same fleet)."""
        return _Generator(random.Random(seed), now or utcnow(), list(regions)).build(
            ecs_events, instances, modelarts_events)

    # ------------------------------------------------------------------ accessors
    def add_region(self, region: str, project_id: Optional[str] = None) -> str:
        if region not in self.regions:
            self.regions[region] = project_id or project_id_for(region)
        return self.regions[region]

    def project_id(self, region: str) -> str:
        return self.regions[region]

    @property
    def ecs_events(self) -> list[FleetEvent]:
        return [e for e in self.events if e.service == ECS]

    @property
    def modelarts_events(self) -> list[FleetEvent]:
        return [e for e in self.events if e.service == MODELARTS]

    def instance_ids(self, region: Optional[str] = None) -> list[str]:
        """ECS instance ids of the fleet (listed ones and those with events), sorted."""
        ids = {i for r, listed in self.instances.items() if region in (None, r) for i in listed}
        ids.update(str(e.event["instance_id"]) for e in self.ecs_events if region in (None, e.region))
        return sorted(ids)

    def to_dict(self) -> dict[str, Any]:
        """The fleet in file format (absolute times), e.g. to save a generated fleet."""
        return {
            "regions": {name: {"project_id": pid} for name, pid in self.regions.items()},
            "instances": {r: list(ids) for r, ids in self.instances.items()},
            "ecs_events": [{"region": e.region, **e.event} for e in self.ecs_events],
            "modelarts_events": [{"region": e.region, "workspace_id": e.workspace_id, **e.event}
                                 for e in self.modelarts_events],
        }

    def _add_raw(self, service: str, raw: Mapping[str, Any], index: int, now: datetime) -> None:
        if not isinstance(raw, Mapping) or not raw.get("region"):
            raise ValueError(f"{service}_events[{index}]: every event needs a 'region'")
        body = dict(raw)
        region = str(body.pop("region"))
        workspace = str(body.pop("workspace_id", body.pop("workspaceId", "0")))
        self.add_region(region)
        event = normalize(service, body, now, default_id(service, region, index))
        self.events.append(FleetEvent(service, region, event, workspace))


def _parse_regions(raw: Mapping[str, Any]) -> dict[str, str]:
    regions = {}
    for name, spec in raw.items():
        pid = spec.get("project_id") if isinstance(spec, Mapping) else spec
        regions[str(name)] = str(pid) if pid else project_id_for(str(name))
    return regions


# ---------------------------------------------------------------------- generator
_ECS_TYPES = (("system-maintenance", 30), ("instance-redeploy", 25), ("localdisk-recovery", 15),
              ("instance-reboot", 12), ("instance-migrate", 10), ("instance-stop", 8))
_STATES = (("inquiring", 40), ("scheduled", 30), ("executing", 8), ("completed", 12),
           ("failed", 3), ("canceled", 7))
_MA_TYPES = (("system-maintenance", 25), ("node_redeploy", 20), ("localdisk-recovery", 15),
             ("node_reboot", 15), ("operation-request", 15), ("node_maintenance", 10))
_MA_INSTANCE_TYPES = (("devserver", 40), ("lite-cluster", 40), ("standard", 20))
_HOUR = 3600
_DAY = 86400


class _Generator:
    def __init__(self, rng: random.Random, now: datetime, regions: list[str]) -> None:
        if not regions:
            raise ValueError("generate() needs at least one region")
        self.rng, self.now, self.regions = rng, now, regions

    def build(self, ecs_events: int, instances: int, modelarts_events: int) -> Fleet:
        fleet = Fleet(regions={r: project_id_for(r) for r in self.regions})
        hosts = [(self.regions[i % len(self.regions)], self.uuid()) for i in range(max(instances, 1))]
        for region, instance_id in hosts:
            fleet.instances.setdefault(region, []).append(instance_id)
        for index in range(ecs_events):
            region, instance_id = self.rng.choice(hosts)
            fleet.events.append(FleetEvent(ECS, region, self.ecs_event(instance_id)))
        nodes = self.nodes(max(1, (modelarts_events + 1) // 2)) if modelarts_events else []
        for index in range(modelarts_events):
            region, node = self.rng.choice(nodes)
            fleet.events.append(FleetEvent(MODELARTS, region, self.modelarts_event(node)))
        return fleet

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def pick(self, weighted: Sequence[tuple[str, int]]) -> str:
        names, weights = zip(*weighted)
        return str(self.rng.choices(names, weights=weights)[0])

    def at(self, seconds: float) -> datetime:
        return self.now + timedelta(seconds=int(seconds))

    def timeline(self, state: str) -> dict[str, Optional[datetime]]:
        """Plausible times for an event in ``state``."""
        uniform = self.rng.uniform
        if state in ("inquiring", "scheduled"):
            start = self.at(uniform(_HOUR, 7 * _DAY))
            times = {"not_before": start, "start_time": None, "finish_time": None}
        elif state == "executing":
            start = self.at(-uniform(600, 3 * _HOUR))
            times = {"not_before": start, "start_time": start, "finish_time": None}
        elif state in ("completed", "failed"):
            start = self.at(-uniform(_DAY, 5 * _DAY))
            finish = start + timedelta(seconds=int(uniform(600, 2 * _HOUR)))
            times = {"not_before": start, "start_time": start, "finish_time": finish}
        else:
            start = self.at(uniform(-3 * _DAY, 3 * _DAY))
            times = {"not_before": start, "start_time": None, "finish_time": None}
        times["publish_time"] = min(self.now, start) - timedelta(seconds=int(uniform(_HOUR, 3 * _DAY)))
        times["not_after"] = start + timedelta(hours=2)
        times["not_before_deadline"] = start + timedelta(seconds=int(uniform(_DAY, 3 * _DAY)))
        return times

    def ecs_event(self, instance_id: str) -> dict[str, Any]:
        event_type, state = self.pick(_ECS_TYPES), self.pick(_STATES)
        raw: dict[str, Any] = {"id": self.uuid(), "type": event_type, "state": state,
                               "instance_id": instance_id}
        raw.update({k: format_time(v) if v else None for k, v in self.timeline(state).items()})
        raw["source"] = {"type": "platform", "host_scheduled_event_id": self.uuid()}
        if event_type == "localdisk-recovery":
            raw["execute_options"] = {"device": "/dev/sd" + "bcdef"[self.rng.randrange(5)],
                                      "wwn": "5000c500%08x" % self.rng.getrandbits(32),
                                      "serial_number": "S%09d" % self.rng.randrange(10 ** 9)}
        return normalize(ECS, raw, self.now)

    def nodes(self, count: int) -> list[tuple[str, dict[str, Any]]]:
        nodes = []
        for index in range(count):
            kind = self.pick(_MA_INSTANCE_TYPES)
            node: dict[str, Any] = {"instanceType": kind, "instanceId": self.uuid()}
            if kind == "devserver":
                node["nodeName"] = f"devserver-{self.rng.getrandbits(24):06x}"
            else:
                pool = f"pool-{self.rng.getrandbits(32):08x}"
                node.update(nodeName=f"os-node-created-{self.rng.getrandbits(20):05x}",
                            poolName=pool, poolDisplayName=f"{kind}-{pool}")
            nodes.append((self.regions[index % len(self.regions)], node))
        return nodes

    def modelarts_event(self, node: Mapping[str, Any]) -> dict[str, Any]:
        event_type, state = self.pick(_MA_TYPES), self.pick(_STATES)
        times = self.timeline(state)
        raw: dict[str, Any] = {"id": self.uuid(), "type": event_type, "state": state, **node,
                               "catalog": self.rng.choice(("hardware", "software"))}
        for snake, camel in (("publish_time", "publishTime"), ("start_time", "startTime"),
                             ("finish_time", "finishTime"), ("not_before", "notBefore")):
            moment = times[snake]
            raw[camel] = format_time(moment) if moment else None
        if event_type == "node_redeploy":
            raw["redeployType"] = ["HARD", "SOFT"]
        return normalize(MODELARTS, raw, self.now)
