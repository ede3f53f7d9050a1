# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scheduled events -> inventory hosts, groups and host variables (controller only, no Ansible imports).

The inventory plugin ``hwcloud.maintenance.scheduled_events`` is a thin shell around this module: it reads its
options, gets a :class:`Listing` (from the APIs or from the inventory cache), evaluates the user's Jinja2
expressions, and applies what the functions here compute. Everything here works on plain data (normalised event
dicts as produced by ``ScheduledEvent.to_dict()`` and target dicts as produced by ``TargetResult.to_dict()``), so
it can be unit-tested without Ansible, without the network and with a pinned clock.

Fail closed: a :class:`Listing` knows whether every target was read; the hosts a failed target could cover are
computed by :func:`hosts_at_risk`, and every event that cannot be placed on a host is returned to the caller to be
reported, never dropped.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone

PENDING_STATES = ("inquiring", "scheduled", "executing")

MODES = ("own_hosts", "tag_existing")
PENDING_GROUP = "scheduled_events_pending"
UNKNOWN_GROUP = "scheduled_events_unknown"
STATE_GROUP_PREFIX = "scheduled_event_state_"
TYPE_GROUP_PREFIX = "scheduled_event_type_"
SERVICE_GROUP_PREFIX = "scheduled_event_service_"

# Host status (host variable ``scheduled_event_status``): the only value a gate should let through is "clear".
STATUS_PENDING = "pending"
STATUS_UNKNOWN = "unknown"
STATUS_CLEAR = "clear"

# Bump when the shape of a cache entry changes: older entries are then ignored (a cache miss).
CACHE_FORMAT = 1

# The fields of a normalised event that say which machine it is about.
RESOURCE_FIELDS = ("service", "region", "project_id", "instance_id", "node_name", "pool_name", "instance_type",
                   "workspace_id")
# Fields compared with the values of ``match_keys`` in tag mode.
IDENTITY_FIELDS = ("instance_id", "node_name")

_UNSAFE_GROUP_CHARS = re.compile(r"[^A-Za-z0-9_]")
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# Suffixes that tell apart resources that want the same host name, tried in this order.
_SUFFIX_LEVELS = (("region",), ("region", "service"), ("region", "service", "project_id"),
                  ("region", "service", "project_id", "workspace_id"))


# ----------------------------------------------------------------------------------------------- small helpers

def safe_group_name(name):
    """A valid Ansible group name: every character other than ``A-Za-z0-9_`` becomes ``_``.

    ``scheduled_event_type_instance-redeploy`` -> ``scheduled_event_type_instance_redeploy``.
    """
    return _UNSAFE_GROUP_CHARS.sub("_", str(name))


def parse_api_time(text):
    """An aware UTC datetime from the normalised ``yyyy-MM-ddTHH:mm:ssZ`` form, or None."""
    if not text:
        return None
    try:
        return datetime.strptime(str(text), _TIME_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def format_time(moment):
    return moment.astimezone(timezone.utc).strftime(_TIME_FORMAT) if moment else None


def event_sort_key(event):
    """``not_before`` first (events without one last), then service, region and id: stable across runs."""
    not_before = event.get("not_before")
    return (not_before is None, not_before or "", event.get("service") or "", event.get("region") or "",
            str(event.get("id") or ""))


def is_empty(value):
    """What a hostname or match expression yields when it has nothing to say."""
    return value is None or (isinstance(value, (str, list, tuple, dict, set)) and len(value) == 0)


def unique_events(events):
    """Events without repeats (same service, region, project and id), in order."""
    seen, out = set(), []
    for event in events:
        key = (event.get("service"), event.get("region"), event.get("project_id"), event.get("id"))
        if key not in seen:
            seen.add(key)
            out.append(event)
    return out


class EventView(object):
    """Attribute access to a normalised event dict, so ``EventQuery.matches`` can filter cached events."""

    def __init__(self, event):
        self._event = event

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._event.get(name)


def event_brief(event):
    """The fields of an event a person needs to find it, for warnings and summary variables."""
    return dict((key, event.get(key)) for key in ("id", "service", "region", "project_id", "type", "state",
                                                  "instance_id", "node_name", "pool_name", "not_before"))


def target_brief(target):
    """A target result without its page count and request id list, with its error (and its request id) if any."""
    error = target.get("error") or None
    return {
        "service": target.get("service"),
        "region": target.get("region"),
        "project_id": target.get("project_id"),
        "endpoint": target.get("endpoint"),
        "error": dict(error) if error else None,
    }


# ----------------------------------------------------------------------------------------------- the listing

class Listing(object):
    """The normalised events and the per-target results of one read, fetched now or taken from the cache.

    ``events``: list of normalised event dicts; ``targets``: list of target result dicts (``region``,
    ``project_id``, ``service``, ``endpoint``, ``ok``, ``count``, ``pages``, ``request_ids``, ``error``);
    ``fetched_at``: aware datetime of the read.
    """

    def __init__(self, events, targets, fetched_at, from_cache=False):
        self.events = sorted((dict(e) for e in events), key=event_sort_key)
        self.targets = [dict(t) for t in targets]
        self.fetched_at = fetched_at
        self.from_cache = from_cache

    @classmethod
    def from_fleet(cls, result, fetched_at, include_raw=True):
        """From a ``FleetResult`` of ``fleet.fetch_events``; without each event's ``raw`` payload unless
        ``include_raw`` (it almost doubles the size of each event)."""
        events = [e.to_dict() for e in result.events]
        if not include_raw:
            for event in events:
                event.pop("raw", None)
        return cls(events, [t.to_dict() for t in result.targets], fetched_at)

    @property
    def complete(self):
        """True only when every target was read to the end (and there was at least one target)."""
        return bool(self.targets) and all(t.get("ok") for t in self.targets)

    @property
    def failed_targets(self):
        return [t for t in self.targets if not t.get("ok")]

    def filtered(self, keep):
        """A copy with only the events for which ``keep(event_dict)`` is true (re-applies a query to a cached
        listing, so a relative time window stays right)."""
        return Listing([e for e in self.events if keep(e)], self.targets, self.fetched_at, self.from_cache)

    def to_cache(self, fingerprint):
        """The cache entry: events and target results only. Never options, never credentials.

        An incomplete listing is stored as a marker without events, so that a later run reads the APIs again
        instead of trusting an older complete entry.
        """
        if not self.complete:
            return {"format": CACHE_FORMAT, "fingerprint": fingerprint, "complete": False}
        return {"format": CACHE_FORMAT, "fingerprint": fingerprint, "complete": True,
                "fetched_at": format_time(self.fetched_at), "events": self.events, "targets": self.targets}

    @classmethod
    def from_cache(cls, entry, fingerprint):
        """The listing in a cache entry, or None when the entry cannot be used (other format, other options,
        incomplete, malformed): the caller then reads the APIs."""
        if not isinstance(entry, dict) or entry.get("format") != CACHE_FORMAT:
            return None
        if entry.get("fingerprint") != fingerprint or entry.get("complete") is not True:
            return None
        events, targets = entry.get("events"), entry.get("targets")
        fetched_at = parse_api_time(entry.get("fetched_at"))
        if not isinstance(events, list) or not isinstance(targets, list) or fetched_at is None:
            return None
        if not all(isinstance(e, dict) and e.get("id") for e in events):
            return None
        if not targets or not all(isinstance(t, dict) and t.get("ok") is True for t in targets):
            return None
        return cls(events, targets, fetched_at, from_cache=True)


def fingerprint(values):
    """A digest of what decides the content of a listing (regions, projects, endpoints, filters).

    Stored with a cache entry so that an entry written with other options is never used; only the digest is
    stored, never the values. The caller must not pass credentials.
    """
    text = json.dumps(values, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ----------------------------------------------------------------------------------------------- resources

class Resource(object):
    """One ECS instance or ModelArts node and its events.

    Identity: service, region, project, ModelArts workspace, and the node name (ModelArts, when given) or the
    instance id. Events on the same id in two regions or projects are two resources, never merged.
    """

    def __init__(self, key, fields):
        self.key = key
        self.fields = fields
        self.events = []

    @property
    def identifiers(self):
        """The values ``match_keys`` are compared with: instance id and node name, when known."""
        return [self.fields[f] for f in IDENTITY_FIELDS if not is_empty(self.fields.get(f))]

    @property
    def region(self):
        return self.fields.get("region")

    def variables(self, host_vars):
        """What a ``hostnames`` expression sees: the resource fields, ``events``, ``event`` (the first by
        ``not_before``) and the host variables this module computed."""
        variables = dict(host_vars)
        variables.update(self.fields)
        variables["events"] = list(self.events)
        variables["event"] = self.events[0] if self.events else None
        return variables


def resource_key(event):
    service = event.get("service") or ""
    if service == "modelarts":
        ident = event.get("node_name") or event.get("instance_id")
    else:
        ident = event.get("instance_id")
    ident = ident or ("event:%s" % event.get("id"))  # no machine named: a resource of its own, reported later
    return (service, event.get("region") or "", event.get("project_id") or "",
            event.get("workspace_id") or "" if service == "modelarts" else "", str(ident))


def group_resources(events):
    """Resources in a stable order (service, region, project, workspace, id), each with its events sorted."""
    resources = {}
    for event in events:
        key = resource_key(event)
        resource = resources.get(key)
        if resource is None:
            resource = resources[key] = Resource(key, dict((f, event.get(f)) for f in RESOURCE_FIELDS))
        else:
            for field in RESOURCE_FIELDS:  # fill what an earlier event of the same machine did not say
                if is_empty(resource.fields.get(field)) and not is_empty(event.get(field)):
                    resource.fields[field] = event.get(field)
        resource.events.append(event)
    for resource in resources.values():
        resource.events.sort(key=event_sort_key)
    return [resources[key] for key in sorted(resources)]


# ----------------------------------------------------------------------------------------------- host variables

def prefixed(prefix, name):
    return "%s%s" % (prefix or "", name)


def host_vars(events, now, prefix="", resources=(), status=None):
    """The host variables for a host with ``events`` (normalised event dicts), at the run's clock ``now``.

    ``scheduled_events`` (sorted by ``not_before``), ``scheduled_event_next_not_before`` (earliest start of a
    pending event; None without one), ``scheduled_event_seconds_until`` (from ``now``; negative once started),
    ``scheduled_event_types``, ``scheduled_event_states``, ``scheduled_event_services``,
    ``scheduled_event_resources`` (the machines the events are about) and ``scheduled_event_status``
    (``pending``, ``unknown`` or ``clear``; ``status`` overrides it unless events are pending).
    """
    events = sorted(events, key=event_sort_key)
    pending = [e for e in events if e.get("pending")]
    starts = [e.get("not_before") for e in pending if e.get("not_before")]
    next_start = min(starts) if starts else None
    next_moment = parse_api_time(next_start)
    seconds_until = int((next_moment - now).total_seconds()) if next_moment is not None else None
    if pending:
        host_status = STATUS_PENDING
    else:
        host_status = status or STATUS_CLEAR
    resource_list = []
    for resource in resources:
        fields = dict(resource.fields)
        if fields not in resource_list:
            resource_list.append(fields)
    values = {
        "scheduled_events": events,
        "scheduled_event_next_not_before": next_start,
        "scheduled_event_seconds_until": seconds_until,
        "scheduled_event_types": sorted(set(e["type"] for e in events if e.get("type"))),
        "scheduled_event_states": sorted(set(e["state"] for e in events if e.get("state"))),
        "scheduled_event_services": sorted(set(e["service"] for e in events if e.get("service"))),
        "scheduled_event_resources": resource_list,
        "scheduled_event_status": host_status,
    }
    return dict((prefixed(prefix, k), v) for k, v in values.items())


def host_groups(events, at_risk=False):
    """Groups for a host with ``events``: pending, per state, per type, per service; unknown when at risk."""
    groups = set()
    for event in events:
        if event.get("pending"):
            groups.add(PENDING_GROUP)
        for prefix, field in ((STATE_GROUP_PREFIX, "state"), (TYPE_GROUP_PREFIX, "type"),
                              (SERVICE_GROUP_PREFIX, "service")):
            if not is_empty(event.get(field)):
                groups.add(safe_group_name(prefix + str(event[field])))
    if at_risk:
        groups.add(UNKNOWN_GROUP)
    return sorted(groups)


# ----------------------------------------------------------------------------------------------- own hosts

class Naming(object):
    """The outcome of :func:`assign_hostnames`."""

    def __init__(self, names, unnamed, renamed):
        self.names = names          # resource key -> host name
        self.unnamed = unnamed      # resources no hostnames expression gave a name to
        self.renamed = renamed      # wanted name -> [final names], for names several resources wanted


def assign_hostnames(resources, candidates):
    """Host names for resources, keeping distinct resources distinct.

    ``candidates`` maps a resource key to the name its first non-empty ``hostnames`` expression gave (None when
    none did). When several resources want the same name (the same node name in two regions, an instance id
    in two projects, ...), each of them gets a suffix: ``_<region>``, then ``_<service>``, then
    ``_<project_id>``, then a counter, until the names are unique. They are never merged into one host.
    """
    wanted = {}
    unnamed = []
    for resource in resources:
        name = candidates.get(resource.key)
        if is_empty(name):
            unnamed.append(resource)
        else:
            wanted.setdefault(str(name), []).append(resource)
    names, renamed = {}, {}
    taken = set(name for name, owners in wanted.items() if len(owners) == 1)
    for name in sorted(wanted):
        owners = wanted[name]
        if len(owners) == 1:
            names[owners[0].key] = name
            continue
        for fields in _SUFFIX_LEVELS:
            finals = ["%s%s" % (name, "".join("_%s" % (r.fields.get(f) or "none") for f in fields)) for r in owners]
            if len(set(finals)) == len(finals) and not set(finals) & taken:
                break
        unique = []
        for final in finals:
            candidate, counter = final, 2
            while candidate in taken or candidate in unique:
                candidate = "%s_%d" % (final, counter)
                counter += 1
            unique.append(candidate)
        taken.update(unique)
        for resource, final in zip(owners, unique):
            names[resource.key] = final
        renamed[name] = unique
    return Naming(names, unnamed, renamed)


# ----------------------------------------------------------------------------------------------- tag existing

class ExistingHost(object):
    """An existing inventory host as tag mode sees it: the values of its ``match_keys`` and its region."""

    def __init__(self, name, keys, region=None):
        self.name = name
        self.keys = [str(k) for k in keys if not is_empty(k)]
        self.region = None if is_empty(region) else str(region)

    @property
    def matchable(self):
        return bool(self.keys)


def match_key_values(value):
    """The values a ``match_keys`` expression result stands for (a string, a number or a list of them)."""
    if is_empty(value):
        return []
    if isinstance(value, (list, tuple, set)):
        return [str(v) for v in value if not is_empty(v) and not isinstance(v, (dict, list, tuple, set))]
    if isinstance(value, dict):
        return []
    return [str(value)]


def match_hosts(resources, hosts):
    """Which resources belong to which existing hosts.

    A host matches a resource when one of its key values equals the resource's instance id or node name and,
    when the host's region is known, the resource is in that region. Returns ``(matches, unmatched)``:
    ``matches`` maps a host name to its resources (in resource order), ``unmatched`` lists the resources no host
    matched (to be reported, never dropped).
    """
    index = {}
    for resource in resources:
        for ident in resource.identifiers:
            index.setdefault(str(ident), []).append(resource)
    matches = {}
    matched_keys = set()
    for host in hosts:
        mine = []
        for value in host.keys:
            for resource in index.get(value, ()):
                if host.region is not None and resource.region != host.region:
                    continue
                if resource not in mine:
                    mine.append(resource)
        if mine:
            order = dict((id(r), i) for i, r in enumerate(resources))
            matches[host.name] = sorted(mine, key=lambda r: order[id(r)])
            matched_keys.update(r.key for r in mine)
    unmatched = [r for r in resources if r.key not in matched_keys]
    return matches, unmatched


def hosts_at_risk(failed_targets, hosts):
    """Existing hosts that an unread target could cover: every host that can be matched at all (it has a key
    value) and whose region is unknown or is the region of a failed target. Conservative on purpose: any
    service, any project."""
    if not failed_targets:
        return []
    regions = set(t.get("region") for t in failed_targets)
    return [h.name for h in hosts if h.matchable and (h.region is None or h.region in regions)]


# ----------------------------------------------------------------------------------------------- summary

def summary(listing, mode, now, hosts=0, unplaced=(), renamed=None):
    """The variable set on the group ``all``: is the listing complete, which targets failed, which events could
    not be placed on a host.

    Kept small on purpose: ``ansible-inventory --list`` copies the variables of ``all`` into every host, so each
    byte here is written once per host. The per-target results (pages, request ids) and the query are shown at
    ``-vvv`` instead (:func:`describe_targets`).
    """
    return {
        "complete": listing.complete,
        "mode": mode,
        "evaluated_at": format_time(now),
        "fetched_at": format_time(listing.fetched_at),
        "from_cache": listing.from_cache,
        "events": len(listing.events),
        "hosts": hosts,
        "targets": len(listing.targets),
        "failed_targets": [target_brief(t) for t in listing.failed_targets],
        "unmatched_events": [event_brief(e) for e in unplaced],
        "renamed_hosts": dict(renamed or {}),
    }


def target_error_text(target):
    """The message of a failed target's error (it names the HTTP status and the request id)."""
    error = target.get("error") or {}
    return error.get("msg") or error.get("message") or "unknown error"


def describe_targets(targets):
    """One line per target result, for ``-vvv``: what was read, in how many pages, with which request ids."""
    lines = []
    for target in targets:
        if target.get("ok"):
            outcome = "%s events in %s pages" % (target.get("count"), target.get("pages"))
        else:
            outcome = "failed: %s" % target_error_text(target)
        lines.append("target %s %s project %s: %s; request ids: %s"
                     % (target.get("service"), target.get("region"), target.get("project_id") or "unresolved",
                        outcome, ", ".join(target.get("request_ids") or []) or "none"))
    return lines


def describe_failures(failed_targets, limit=5):
    """One line per failed target (service, region, project, error with request id)."""
    lines = []
    for target in failed_targets[:limit]:
        lines.append("%s in %s (project %s): %s" % (target.get("service"), target.get("region"),
                                                    target.get("project_id") or "unresolved",
                                                    target_error_text(target)))
    if len(failed_targets) > limit:
        lines.append("... and %d more" % (len(failed_targets) - limit))
    return lines


def describe_events(events, limit=5):
    """Short descriptions of events, for warnings."""
    parts = []
    for event in events[:limit]:
        parts.append("%s %s %s on %s in %s" % (event.get("service"), event.get("type"), event.get("id"),
                                               event.get("node_name") or event.get("instance_id") or "no machine",
                                               event.get("region")))
    if len(events) > limit:
        parts.append("and %d more" % (len(events) - limit))
    return "; ".join(parts)
