# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fan-out over targets (region x project x service) with a bounded thread pool.

``fetch_events`` never hides a failure: each target reports its own count, pages, request ids and error, and
``FleetResult.complete`` is true only when every target was read to the end.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.hwcloud.maintenance.plugins.module_utils.client import Client, RetryPolicy
from ansible_collections.hwcloud.maintenance.plugins.module_utils.errors import ApiError
from ansible_collections.hwcloud.maintenance.plugins.module_utils.models import sort_key
from ansible_collections.hwcloud.maintenance.plugins.module_utils.services import (
    SERVICE_IMPLS, resolve_project_id,
)


class Target(object):
    """One (region, project, service) to read, with the endpoint to read it from."""

    def __init__(self, region, project_id, service, endpoint):
        self.region = region
        self.project_id = project_id
        self.service = service
        self.endpoint = endpoint

    @property
    def key(self):
        return "%s/%s/%s" % (self.service, self.region, self.project_id or "-")


class TargetResult(object):
    def __init__(self, target, events=None, pages=0, request_ids=None, error=None):
        self.target = target
        self.events = events or []
        self.pages = pages
        self.request_ids = request_ids or []
        self.error = error

    @property
    def ok(self):
        return self.error is None

    def to_dict(self):
        return {
            "region": self.target.region,
            "project_id": self.target.project_id,
            "service": self.target.service,
            "endpoint": self.target.endpoint,
            "ok": self.ok,
            "count": len(self.events),
            "pages": self.pages,
            "request_ids": list(self.request_ids),
            "error": self.error.to_dict() if self.error else None,
        }


class FleetResult(object):
    def __init__(self, targets):
        self.targets = targets

    @property
    def complete(self):
        return all(t.ok for t in self.targets)

    @property
    def failed(self):
        return [t for t in self.targets if not t.ok]

    @property
    def events(self):
        return sorted((e for t in self.targets for e in t.events), key=sort_key)

    def summary(self):
        """Counts by service, state and type, plus totals."""
        summary = {"total": 0, "pending": 0, "by_service": {}, "by_state": {}, "by_type": {}}
        for event in self.events:
            summary["total"] += 1
            summary["pending"] += int(event.pending)
            for key, value in (("by_service", event.service), ("by_state", event.state), ("by_type", event.type)):
                bucket = summary[key]
                bucket[value or "unknown"] = bucket.get(value or "unknown", 0) + 1
        return summary


# The order in which the chains of the services are started (see fetch_events).
SERVICE_ORDER = {"ecs": 0, "modelarts": 1}


def make_client(credentials, settings, now=None):
    policy = RetryPolicy(retries=settings.retries, deadline=settings.retry_deadline)
    return Client(credentials, timeout=settings.timeout, policy=policy, validate_certs=settings.validate_certs,
                  ca_path=settings.ca_path, pool_size=max(10, settings.max_workers), now=now)


def _map(func, items, max_workers):
    items = list(items)
    if len(items) <= 1 or max_workers <= 1:
        return [func(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(max_workers, len(items))) as pool:
        return list(pool.map(func, items))


def resolve_targets(client, settings, services, environ=None):
    """Targets for every region x service, resolving missing project ids from IAM (one call per region).

    Returns ``(targets, failures)``; a region whose project id cannot be resolved yields one failed
    :class:`TargetResult` per service instead of targets, so it is reported, never dropped.
    """
    def project_of(region):
        if region in settings.project_ids:
            return region, settings.project_ids[region], None
        try:
            return region, resolve_project_id(client, settings.endpoint("iam", region, environ), region), None
        except ApiError as exc:
            return region, None, exc

    targets, failures = [], []
    for region, project_id, error in _map(project_of, settings.regions, settings.max_workers):
        for service in services:
            target = Target(region, project_id, service, settings.endpoint(service, region, environ))
            if error is None:
                targets.append(target)
            else:
                failures.append(TargetResult(target, error=error))
    return targets, failures


def split_params(params):
    """Disjoint server-side queries whose union is ``params``: one per state when several states are asked for.

    Shorter sequential page chains that run in parallel; the union is de-duplicated by event id, so the result
    stays right even if a server ignored the filter.
    """
    states = params.get("state")
    if isinstance(states, list) and len(states) > 1:
        return [dict(params, state=[state]) for state in states]
    return [params]


def fetch_events(client, settings, query, environ=None):
    """Read every target of ``query`` concurrently (bounded by ``settings.max_workers``)."""
    targets, failures = resolve_targets(client, settings, query.services, environ)
    units = []
    for target in targets:
        impl = SERVICE_IMPLS[target.service]
        units.extend((target, params, index) for index, params in enumerate(split_params(impl.list_params(query))))
    # Likely long chains first, so that the pool never ends with one long chain started last: ECS (usually the
    # larger listings) before ModelArts, then the chains of the same state filter of every region side by side.
    # Only the order of work changes; each target's chains are put together below whatever the order.
    units.sort(key=lambda unit: (SERVICE_ORDER.get(unit[0].service, len(SERVICE_ORDER)), unit[2]))

    def read(unit):
        target, params, dummy_index = unit
        try:
            return SERVICE_IMPLS[target.service].list_events(
                client, target.endpoint, target.region, target.project_id, params, page_size=query.page_size,
                workspace_id=query.workspace_id)
        except ApiError as exc:
            return exc

    chains = _map(read, units, settings.max_workers)
    results = []
    for target in targets:
        mine = [chain for (unit_target, dummy, dummy_index), chain in zip(units, chains) if unit_target is target]
        error = next((c for c in mine if isinstance(c, ApiError)), None)
        if error is not None:
            results.append(TargetResult(target, error=error))
            continue
        events = {}
        for chain in mine:
            for event in chain.events:
                if query.matches(event):
                    events.setdefault(event.id, event)
        results.append(TargetResult(target, list(events.values()), sum(c.pages for c in mine),
                                    [rid for c in mine for rid in c.request_ids]))
    return FleetResult(failures + results)
