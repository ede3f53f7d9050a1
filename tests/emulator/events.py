"""Event records of both services: field lists, defaults and normalisation."""
from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, Mapping, Optional

from .timeutil import format_time, resolve

ECS = "ecs"
MODELARTS = "modelarts"
SERVICES = (ECS, MODELARTS)

ECS_TIME_FIELDS = (
    "publish_time", "start_time", "finish_time", "not_before", "not_after", "not_before_deadline",
)
ECS_FIELDS = ("id", "type", "state", *ECS_TIME_FIELDS, "description", "instance_id")

MODELARTS_TIME_FIELDS = ("publishTime", "startTime", "finishTime", "notBefore")
MODELARTS_FIELDS = (
    "id", "catalog", "type", "description", "state", "instanceType", "instanceId", "nodeName",
    "poolName", "poolDisplayName", "publishTime", "startTime", "finishTime", "notBefore",
    "probeMsg", "redeployType",
)

ECS_DESCRIPTIONS = {
    "instance-redeploy": "As being affected by underlying hardware or system OM, "
                         "ECSs will be redeployed on new hosts",
    "system-maintenance": "The host of the ECS requires maintenance; the ECS may be "
                          "unavailable during the maintenance window",
    "localdisk-recovery": "A local disk of the ECS is at risk and will be replaced",
    "instance-reboot": "The ECS will be rebooted",
    "instance-stop": "The ECS will be stopped",
    "instance-migrate": "The host of the ECS needs to be rebooted or decommissioned; "
                        "the ECS will be migrated to a new host",
}
MODELARTS_DESCRIPTIONS = {
    "system-maintenance": "The node requires system maintenance",
    "localdisk-recovery": "A local disk of the node is at risk and will be replaced",
    "node_reboot": "The node will be rebooted",
    "operation-request": "O&M authorization is requested for the node",
    "node_maintenance": "The super node requires maintenance",
    "node_redeploy": "The super node will be redeployed",
}


def default_id(service: str, region: str, index: int) -> str:
    """Deterministic event id for fleet entries that carry none."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"emulator:{service}:{region}:{index}"))


def ecs_description(value: Any, event_type: str) -> str:
    """The ECS description is a JSON *string* of language -> text."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return json.dumps(dict(value), separators=(",", ":"), ensure_ascii=False)
    text = ECS_DESCRIPTIONS.get(event_type, f"Scheduled event {event_type}")
    return json.dumps({"en-us": text}, separators=(",", ":"))


def normalize_ecs(raw: Mapping[str, Any], now: datetime, event_id: Optional[str] = None) -> dict[str, Any]:
    """Copy a raw ECS event, resolve relative times and fill the standard fields."""
    event = {key: resolve(value, now) for key, value in raw.items()}
    event.setdefault("id", event_id or str(uuid.uuid4()))
    event.setdefault("type", "system-maintenance")
    event.setdefault("state", "inquiring")
    event.setdefault("instance_id", str(uuid.uuid4()))
    event.setdefault("publish_time", format_time(now))
    event["description"] = ecs_description(event.get("description"), str(event["type"]))
    event["id"] = str(event["id"])
    return _with_fields(event, ECS_FIELDS)


def normalize_modelarts(raw: Mapping[str, Any], now: datetime,
                        event_id: Optional[str] = None) -> dict[str, Any]:
    """Copy a raw (camelCase) ModelArts event, resolve relative times, fill standard fields."""
    event = {key: resolve(value, now) for key, value in raw.items()}
    event.setdefault("id", event_id or str(uuid.uuid4()))
    event.setdefault("type", "system-maintenance")
    event.setdefault("state", "inquiring")
    event.setdefault("catalog", "hardware")
    event.setdefault("instanceType", "devserver")
    event.setdefault("publishTime", format_time(now))
    event.setdefault("description",
                     MODELARTS_DESCRIPTIONS.get(str(event["type"]), f"Scheduled event {event['type']}"))
    event["id"] = str(event["id"])
    return _with_fields(event, MODELARTS_FIELDS)


def normalize(service: str, raw: Mapping[str, Any], now: datetime,
              event_id: Optional[str] = None) -> dict[str, Any]:
    if service == ECS:
        return normalize_ecs(raw, now, event_id)
    if service == MODELARTS:
        return normalize_modelarts(raw, now, event_id)
    raise ValueError(f"unknown service {service!r} (expected one of {', '.join(SERVICES)})")


def resolve_fields(fields: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Resolve relative times in a partial update (used by update_event)."""
    return {key: resolve(value, now) for key, value in fields.items()}


def _with_fields(event: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    ordered = {name: event.get(name) for name in fields}
    ordered.update({k: v for k, v in event.items() if k not in ordered})
    return ordered
