# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Policy on normalised scheduled events, for the ``gate`` and ``drain`` roles (controller only).

Pure functions on the ``events`` returned by ``scheduled_event_info`` (dicts in the normalised shape):

- :func:`events_by_host`: which events belong to which host, by the values of the host's match keys (and its
  region), with the same rules as the inventory plugin's tag mode (``plugin_utils/inventory.py``).
- :func:`blocking_reason`: whether an event blocks a host now, and why (lead time per type, states).
- :func:`gate_verdict`: the gate's decision for a set of hosts, with a readable message.
- :func:`drain_plan`: what the drain role does for one host given its events and its drain record.

Times are compared as aware UTC datetimes; ``now`` can be injected for tests. An event without a start time
that is in a blocking state blocks (it may start at any moment): the policy fails closed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from ansible_collections.hwcloud.maintenance.plugins.module_utils.errors import OptionError
from ansible_collections.hwcloud.maintenance.plugins.module_utils.models import (
    FINAL_STATES, KNOWN_STATES, PENDING_STATES,
)
from ansible_collections.hwcloud.maintenance.plugins.module_utils.timeutil import (
    iso, parse_duration, parse_time, utcnow,
)
from ansible_collections.hwcloud.maintenance.plugins.plugin_utils import inventory as mapping

# The default match_keys of the inventory plugin's tag mode, which the roles share.
DEFAULT_MATCH_KEYS = ("instance_id", "openstack.id")
DEFAULT_UNDRAIN_STATES = ("completed", "canceled")
RECORD_VERSION = 1
# Event fields kept in a drain record: enough to find the event again and to explain the record.
RECORD_FIELDS = ("id", "service", "region", "project_id", "workspace_id", "type", "instance_id", "node_name",
                 "not_before")


# --------------------------------------------------------------------------------------------- helpers

def _now(now):
    """``now`` as an aware UTC datetime: None means the current time; text and numbers are parsed."""
    if now is None or now == "":
        return utcnow()
    try:
        return parse_time(now, field="now")
    except ValueError as exc:
        raise OptionError("now", now, reason=str(exc))


def _seconds(value, option):
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise OptionError(option, value, reason=str(exc))


def _as_list(value, option):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping) or not hasattr(value, "__iter__"):
        raise OptionError(option, value, reason="expected a list")
    return list(value)


def _event_time(event, field):
    value = event.get(field)
    if value in (None, ""):
        return None
    try:
        return parse_time(value, field=field)
    except ValueError:
        return None  # not a time: treated like "no start time", which blocks (fail closed)


def summarize(event, fields=RECORD_FIELDS):
    """The fields of ``event`` worth keeping in a record or a message (missing ones are None)."""
    return dict((name, event.get(name)) for name in fields)


# --------------------------------------------------------------------------------------------- matching

def host_specs(hosts):
    """``{host: {"keys": [...], "region": str or None}}`` from the forms the filters accept.

    A host maps to a dict with ``keys`` (values of the match keys) and optionally ``region``, or directly to a
    list of key values (any region).
    """
    if not isinstance(hosts, Mapping):
        raise OptionError("hosts", type(hosts).__name__, reason="expected a dictionary of host -> match keys "
                                                                "(from hwcloud.maintenance.host_event_keys)")
    specs = {}
    for name, spec in hosts.items():
        if isinstance(spec, Mapping):
            keys, region = spec.get("keys"), spec.get("region")
        else:
            keys, region = spec, None
        specs[str(name)] = dict(keys=mapping.match_key_values(keys), region=None if mapping.is_empty(region)
                                else str(region))
    return specs


def events_by_host(events, hosts):
    """``{host: [events]}`` for each host of ``hosts`` (see :func:`host_specs`), with the inventory plugin's tag
    mode rules: an event belongs to a host when its instance id or node name equals one of the host's key values
    and, when the host's region is known, it is in that region. Events keep the plugin's order (by
    ``not_before``)."""
    specs = host_specs(hosts)
    existing = [mapping.ExistingHost(name, spec["keys"], spec["region"]) for name, spec in specs.items()]
    matches, dummy = mapping.match_hosts(mapping.group_resources(list(events or [])), existing)
    return dict((name, mapping.unique_events(e for r in matches.get(name, []) for e in r.events)) for name in specs)


# --------------------------------------------------------------------------------------------- policy

class LeadTimes(object):
    """Lead time per event type, with a default. Durations as ``parse_duration`` reads them (``72h``)."""

    def __init__(self, default="24h", per_type=None, option="lead_time", types_option="lead_times"):
        self.default = (_seconds(default, option), str(default).strip())
        per_type = per_type or {}
        if not isinstance(per_type, Mapping):
            raise OptionError(types_option, per_type, reason="expected a dictionary of event type -> duration")
        self.per_type = dict((str(k), (_seconds(v, "%s.%s" % (types_option, k)), str(v).strip()))
                             for k, v in per_type.items())

    def of(self, event_type):
        """Seconds of the lead time of ``event_type``."""
        return self.per_type.get(event_type, self.default)[0]

    def text(self, event_type):
        """The lead time of ``event_type`` as the user wrote it."""
        return self.per_type.get(event_type, self.default)[1]


def duration_text(seconds):
    """A short human form of a number of seconds: ``3d4h``, ``11h59m``, ``5m``, ``40s`` (two units at most)."""
    seconds = int(seconds)
    if seconds < 60:
        return "%ds" % seconds
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        count, seconds = divmod(seconds, size)
        if count or parts:
            parts.append((count, unit))
    parts = [p for p in parts[:2] if p[0]]
    return "".join("%d%s" % p for p in parts)


def blocking_reason(event, now, lead_times, block_inquiring=True, types=None):
    """Why ``event`` blocks its host at ``now``, or None when it does not.

    - ``executing`` always blocks;
    - final states (completed, failed, canceled) never block;
    - ``inquiring`` blocks like ``scheduled`` unless ``block_inquiring`` is false;
    - ``scheduled``, ``inquiring`` and states this collection does not know block when the start
      (``not_before``) is within the lead time of the event's type, already passed, or unknown.
    ``types``: when given, only events of these types are considered.
    """
    state = event.get("state")
    event_type = event.get("type")
    if types and event_type not in types:
        return None
    if state in FINAL_STATES:
        return None
    if state == "executing":
        return "executing now"
    if state == "inquiring" and not block_inquiring:
        return None
    start = _event_time(event, "not_before")
    lead = lead_times.of(event_type)
    if start is None:
        return "%s with no start time (may start at any moment)" % (state or "unknown state")
    remaining = (start - now).total_seconds()
    if remaining <= 0:
        return "start time %s has passed (%s)" % (iso(start), state)
    if remaining <= lead:
        return "starts in %s, within the %s lead time of %s" % (
            duration_text(remaining), lead_times.text(event_type), event_type)
    return None


def _check_bool(value, option):
    if not isinstance(value, bool):
        raise OptionError(option, value, allowed=[True, False])
    return value


def gate_verdict(events, hosts, lead_time="24h", lead_times=None, block_inquiring=True, types=None,
                 unknown_hosts=None, now=None):
    """The gate's decision for the hosts of ``hosts`` (see :func:`host_specs`).

    Returns a dict: ``blocked`` (one entry per host and blocking event: host, event id, service, type, state,
    start time, reason), ``blocked_hosts``, ``passed_hosts``, ``unknown_hosts`` (hosts of ``unknown_hosts`` that
    are among the checked hosts), ``unidentified_hosts`` (hosts without any match key value, which cannot be
    checked), ``checked`` (number of hosts), ``now`` and ``message`` (one line per block). A host is passed only
    when it is identified, not unknown and not blocked.
    """
    now = _now(now)
    leads = LeadTimes(lead_time, lead_times)
    _check_bool(block_inquiring, "block_inquiring")
    types = [str(t) for t in _as_list(types, "types")]
    unknown = set(str(h) for h in _as_list(unknown_hosts, "unknown_hosts"))
    by_host = events_by_host(events, hosts)
    blocked = []
    for host in by_host:
        for event in by_host[host]:
            reason = blocking_reason(event, now, leads, block_inquiring, types)
            if reason:
                blocked.append(dict(host=host, event_id=event.get("id"), service=event.get("service"),
                                    region=event.get("region"), type=event.get("type"), state=event.get("state"),
                                    not_before=event.get("not_before"), instance_id=event.get("instance_id"),
                                    node_name=event.get("node_name"), reason=reason))
    blocked_hosts = []
    for entry in blocked:
        if entry["host"] not in blocked_hosts:
            blocked_hosts.append(entry["host"])
    unknown_checked = [host for host in by_host if host in unknown]
    specs = host_specs(hosts)
    unidentified = [host for host in by_host if not specs[host]["keys"]]
    passed = [host for host in by_host if host not in blocked_hosts and host not in unknown_checked
              and host not in unidentified]
    lines = ["%s: event %s (%s, %s) state %s, start %s: %s" % (
        b["host"], b["event_id"], b["service"], b["type"], b["state"], b["not_before"] or "unknown", b["reason"])
        for b in blocked]
    return dict(blocked=blocked, blocked_hosts=blocked_hosts, passed_hosts=passed, unknown_hosts=unknown_checked,
                unidentified_hosts=unidentified, checked=len(by_host), now=iso(now), message="\n".join(lines))


# --------------------------------------------------------------------------------------------- drain

def parse_record(record):
    """A drain record from a dict or its JSON text; None when there is none (None or blank text).

    Raises ValueError when the record is there but unusable (not JSON, not the record shape).
    """
    if record is None or (isinstance(record, str) and not record.strip()):
        return None
    if isinstance(record, (str, bytes)):
        try:
            record = json.loads(record)
        except ValueError as exc:
            raise ValueError("not JSON (%s)" % exc)
    valid = _valid_record(record)
    if valid is None:
        raise ValueError("expected a JSON object with a list 'events' of objects that each have an 'id'")
    return valid


def _valid_record(record):
    """The record if it is usable, else None."""
    if not isinstance(record, Mapping):
        return None
    recorded = record.get("events")
    if not isinstance(recorded, list) or not all(isinstance(e, Mapping) and e.get("id") for e in recorded):
        return None
    return record


def drain_plan(events, record=None, lead_time=None, lead_times=None, types=None,
               undrain_states=DEFAULT_UNDRAIN_STATES, force_undrain=False, undrain_gone=False, host=None,
               identified=True, now=None):
    """What the drain role does for one host.

    ``events``: the host's events (all states). ``record``: the host's drain record (from an earlier run, as a
    dict or its JSON text) or None; an unusable record is an OptionError (nothing is done on a guess).

    An event is *due* when it is pending (inquiring, scheduled, executing), of one of ``types`` (when given) and,
    when ``lead_time`` is set, starts within it (per type from ``lead_times``; executing events and events without
    a start are always due).

    ``undrain_gone``: a recorded event that is no longer listed counts as ended (by default it keeps the host
    drained: it may only have left the listing window, ECS lists 7 days of events).

    ``identified``: false when the host has no match key value, so no event can be matched to it; a host that is
    not drained is then left alone with a reason that says so (a drained one is still handled by its record).

    Returns a dict with ``action``:

    - ``drain``: no record and due events: run the drain tasks, write ``record``;
    - ``undrain``: a record whose events all reached ``undrain_states`` and no other due event (or
      ``force_undrain``): run the undrain tasks, remove the record;
    - ``stay``: drained and still waiting (some recorded event still pending, ended in another final state such
      as failed, or no longer listed), or new due events while drained (added to the record);
    - ``none``: nothing to do.

    and ``events`` (due events), ``accept`` (due events in state inquiring), ``record`` (the record to keep, or
    None), ``previous_record`` (the record given, parsed), ``record_changed``, ``finished`` / ``waiting`` /
    ``failed`` / ``gone`` (ids of recorded events that reached ``undrain_states``, are still pending, ended in
    another final state, or are no longer listed) and ``reason`` (one line for people).
    """
    now = _now(now)
    _check_bool(force_undrain, "force_undrain")
    _check_bool(undrain_gone, "undrain_gone")
    types = [str(t) for t in _as_list(types, "types")]
    undrain_states = [str(s) for s in _as_list(undrain_states, "undrain_states")]
    for state in undrain_states:
        if state not in KNOWN_STATES:
            raise OptionError("undrain_states", state, allowed=KNOWN_STATES)
    leads = LeadTimes(lead_time, lead_times) if lead_time not in (None, "") else None
    events = list(events or [])

    due = []
    for event in events:
        if event.get("state") not in PENDING_STATES or (types and event.get("type") not in types):
            continue
        if leads is not None and event.get("state") != "executing":
            start = _event_time(event, "not_before")
            if start is not None and (start - now).total_seconds() > leads.of(event.get("type")):
                continue
        due.append(event)
    accept = [e for e in due if e.get("state") == "inquiring"]
    try:
        record = parse_record(record)
    except ValueError as exc:
        raise OptionError("record", reason="the drain record%s is unusable: %s; fix or remove it" % (
            " of %s" % host if host else "", exc))
    plan = dict(events=due, accept=accept, finished=[], waiting=[], failed=[], gone=[], record_changed=False,
                previous_record=record)

    _check_bool(identified, "identified")
    if record is None:
        if not identified:
            return dict(plan, action="none", record=None,
                        reason="no value for the match keys, so no event can be matched to this host")
        if not due:
            return dict(plan, action="none", record=None, reason="no pending event")
        new = dict(version=RECORD_VERSION, host=host, drained_at=iso(now), events=[summarize(e) for e in due])
        return dict(plan, action="drain", record=new, record_changed=True,
                    reason="pending: %s" % ", ".join("%s (%s, %s, start %s)" % (
                        e.get("id"), e.get("type"), e.get("state"), e.get("not_before") or "unknown") for e in due))

    by_id = dict((e.get("id"), e) for e in events)
    kept = []
    for entry in record["events"]:
        current = by_id.get(entry["id"])
        if current is None:
            plan["gone"].append(entry["id"])
            if not undrain_gone:
                kept.append(entry)
        elif current.get("state") in undrain_states:
            plan["finished"].append(entry["id"])
        elif current.get("state") in FINAL_STATES:
            plan["failed"].append(entry["id"])
            kept.append(entry)
        else:
            plan["waiting"].append(entry["id"])
            kept.append(entry)
    recorded_ids = set(e["id"] for e in record["events"])
    added = [summarize(e) for e in due if e.get("id") not in recorded_ids]

    if force_undrain or (not kept and not added):
        ended = ["%s reached %s" % (", ".join(plan["finished"]), " or ".join(undrain_states))] if plan["finished"] else []
        ended += ["%s no longer listed" % ", ".join(plan["gone"])] if plan["gone"] else []
        reason = "forced" if force_undrain else "event(s) %s" % "; ".join(ended)
        return dict(plan, action="undrain", record=None, record_changed=True, reason=reason)

    new_events = kept + added
    changed = [e["id"] for e in new_events] != [e["id"] for e in record["events"]]
    new = dict(record, events=new_events)
    parts = []
    if plan["waiting"]:
        parts.append("waiting for %s" % ", ".join(plan["waiting"]))
    if plan["failed"]:
        parts.append("ended in another state than %s: %s (set force_undrain to bring the host back)" % (
            " or ".join(undrain_states), ", ".join(plan["failed"])))
    if plan["gone"]:
        parts.append("no longer listed: %s (set force_undrain to bring the host back)" % ", ".join(plan["gone"]))
    if added:
        parts.append("new due event(s) %s" % ", ".join(e["id"] for e in added))
    return dict(plan, action="stay", record=new, record_changed=changed, reason="; ".join(parts))
