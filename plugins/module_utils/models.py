# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pydantic models: the raw API shapes of both services, and the normalised ``ScheduledEvent``.

Raw models keep unknown fields (``extra="allow"``) and accept any string for ``type`` and ``state``: clouds
add values, and an unknown value must never make a listing fail. What cannot be used (an event without an id,
a time that is not a time, a list that is not a list) is a validation error, which the services turn into an
:class:`ApiError` carrying the HTTP status and request id.
"""

from __future__ import annotations

import json
import traceback
from typing import Any, Dict, List, Optional

from ansible_collections.hwcloud.maintenance.plugins.module_utils.timeutil import iso, parse_time

try:
    from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
    HAS_PYDANTIC = True
    PYDANTIC_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported by the front doors with missing_required_lib
    HAS_PYDANTIC = False
    PYDANTIC_IMPORT_ERROR = traceback.format_exc()

    class BaseModel(object):  # type: ignore[no-redef]
        """Stand-in so this module imports without pydantic; never instantiated then."""

    class ValidationError(Exception):  # type: ignore[no-redef]
        pass

    def ConfigDict(**kwargs):  # type: ignore[no-redef]  # noqa: N802
        return kwargs

    def Field(default=None, **kwargs):  # type: ignore[no-redef]  # noqa: N802
        return default

    def field_validator(*fields, **kwargs):  # type: ignore[no-redef]
        return lambda func: func

PENDING_STATES = ("inquiring", "scheduled", "executing")
FINAL_STATES = ("completed", "failed", "canceled")
KNOWN_STATES = PENDING_STATES + FINAL_STATES
ECS_TYPES = ("instance-reboot", "instance-stop", "instance-migrate", "instance-redeploy", "localdisk-recovery",
             "system-maintenance")
MODELARTS_TYPES = ("system-maintenance", "localdisk-recovery", "node_reboot", "operation-request",
                   "node_maintenance", "node_redeploy", "node_localdisk_recovery")
KNOWN_TYPES = tuple(sorted(set(ECS_TYPES + MODELARTS_TYPES)))
SERVICES = ("ecs", "modelarts")

_TIME_FIELDS = ("publish_time", "start_time", "finish_time", "not_before", "not_after", "not_before_deadline")


def _time_or_none(value):
    """Normalise an API time to ``yyyy-MM-ddTHH:mm:ssZ``; empty means None; garbage is a ValueError."""
    if value is None or value == "":
        return None
    return iso(parse_time(value))


class _Raw(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    @field_validator("id", check_fields=False)
    @classmethod
    def _id_not_empty(cls, value):
        if not str(value).strip():
            raise ValueError("event id is empty")
        return value


class EcsEvent(_Raw):
    """One event of ``GET /v3/{project_id}/instance-scheduled-events``."""
    id: str
    type: Optional[str] = None
    state: Optional[str] = None
    instance_id: Optional[str] = None
    description: Optional[str] = None
    publish_time: Optional[str] = None
    start_time: Optional[str] = None
    finish_time: Optional[str] = None
    not_before: Optional[str] = None
    not_after: Optional[str] = None
    not_before_deadline: Optional[str] = None
    execute_options: Optional[Dict[str, Any]] = None
    source: Optional[Dict[str, Any]] = None


class EcsPageInfo(_Raw):
    next_marker: Optional[str] = None


class EcsEventList(_Raw):
    events: List[Dict[str, Any]] = Field(default_factory=list)
    page_info: Optional[EcsPageInfo] = None


class ModelArtsEvent(_Raw):
    """One event of ``GET /v1/{project_id}/scheduled-events`` (camelCase on the wire)."""
    id: str
    type: Optional[str] = None
    state: Optional[str] = None
    catalog: Optional[str] = None
    description: Optional[str] = None
    instance_type: Optional[str] = Field(default=None, alias="instanceType")
    instance_id: Optional[str] = Field(default=None, alias="instanceId")
    node_name: Optional[str] = Field(default=None, alias="nodeName")
    pool_name: Optional[str] = Field(default=None, alias="poolName")
    pool_display_name: Optional[str] = Field(default=None, alias="poolDisplayName")
    publish_time: Optional[Any] = Field(default=None, alias="publishTime")
    start_time: Optional[Any] = Field(default=None, alias="startTime")
    finish_time: Optional[Any] = Field(default=None, alias="finishTime")
    not_before: Optional[Any] = Field(default=None, alias="notBefore")
    probe_msg: Optional[str] = Field(default=None, alias="probeMsg")
    redeploy_type: Optional[List[str]] = Field(default=None, alias="redeployType")
    job_progress: Optional[Any] = Field(default=None, alias="jobProgress")
    under_lying_instance_id: Optional[str] = Field(default=None, alias="underLyingInstanceId")


class ModelArtsEventList(_Raw):
    events: List[Dict[str, Any]] = Field(default_factory=list)
    count: Optional[int] = None


class IamProject(_Raw):
    id: str
    name: Optional[str] = None


class IamProjectList(_Raw):
    projects: List[IamProject] = Field(default_factory=list)


class ScheduledEvent(BaseModel):
    """The normalised event: one shape for both services (see DESIGN.md)."""
    model_config = ConfigDict(extra="forbid")

    service: str
    id: str
    type: Optional[str] = None
    state: Optional[str] = None
    pending: bool = False
    instance_id: Optional[str] = None
    node_name: Optional[str] = None
    pool_name: Optional[str] = None
    instance_type: Optional[str] = None
    description: Optional[str] = None
    description_raw: Optional[str] = None
    publish_time: Optional[str] = None
    not_before: Optional[str] = None
    not_after: Optional[str] = None
    not_before_deadline: Optional[str] = None
    start_time: Optional[str] = None
    finish_time: Optional[str] = None
    region: Optional[str] = None
    project_id: Optional[str] = None
    workspace_id: Optional[str] = None
    raw: Dict[str, Any] = Field(default_factory=dict)

    @field_validator(*_TIME_FIELDS, mode="before")
    @classmethod
    def _normalise_time(cls, value):
        return _time_or_none(value)

    def to_dict(self):
        return self.model_dump()


def decode_description(text):
    """ECS sends a JSON string of language -> text; prefer English, else the first entry, else the text."""
    if not text:
        return text
    try:
        decoded = json.loads(text)
    except ValueError:
        return text
    if isinstance(decoded, dict) and decoded:
        for key in ("en-us", "en_us", "en"):
            if isinstance(decoded.get(key), str):
                return decoded[key]
        first = next(iter(decoded.values()))
        return first if isinstance(first, str) else text
    return decoded if isinstance(decoded, str) else text


def normalise_ecs(raw, region, project_id):
    """``raw`` is one event as received (a dict); raises ValidationError or ValueError."""
    event = EcsEvent.model_validate(raw)
    return ScheduledEvent(
        service="ecs", id=event.id, type=event.type, state=event.state, pending=event.state in PENDING_STATES,
        instance_id=event.instance_id, description=decode_description(event.description),
        description_raw=event.description, publish_time=event.publish_time, not_before=event.not_before,
        not_after=event.not_after, not_before_deadline=event.not_before_deadline, start_time=event.start_time,
        finish_time=event.finish_time, region=region, project_id=project_id, raw=raw)


def normalise_modelarts(raw, region, project_id, workspace_id):
    """``raw`` is one event as received (a dict); raises ValidationError or ValueError."""
    event = ModelArtsEvent.model_validate(raw)
    return ScheduledEvent(
        service="modelarts", id=event.id, type=event.type, state=event.state,
        pending=event.state in PENDING_STATES, instance_id=event.instance_id, node_name=event.node_name,
        pool_name=event.pool_name, instance_type=event.instance_type, description=event.description,
        description_raw=event.description, publish_time=event.publish_time, not_before=event.not_before,
        start_time=event.start_time, finish_time=event.finish_time, region=region, project_id=project_id,
        workspace_id=workspace_id, raw=raw)


def sort_key(event):
    """Sort by ``not_before`` with nulls last, then service, region and id (stable across runs)."""
    return (event.not_before is None, event.not_before or "", event.service, event.region or "", event.id)


def validation_summary(exc):
    """A one-line summary of a validation error that never includes input values."""
    if not isinstance(exc, ValidationError):
        # The collection's own ValueErrors (time parsing) never carry input values; other errors might.
        return str(exc) if isinstance(exc, ValueError) else "invalid data"
    try:
        errors = exc.errors(include_input=False, include_url=False)
    except (AttributeError, TypeError):
        return "invalid data"
    parts = []
    for err in errors[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()))
        parts.append("%s: %s" % (loc or "body", err.get("msg", "invalid")))
    more = len(errors) - len(parts)
    return "; ".join(parts) + (" (and %d more)" % more if more > 0 else "")
