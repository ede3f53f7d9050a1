#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: scheduled_event_info
short_description: List Huawei Cloud scheduled events of ECS instances and ModelArts nodes
version_added: 0.1.0
description:
  - Lists the scheduled events (planned maintenance, redeploys, reboots, local disk recovery) that Huawei Cloud
    publishes for ECS instances (C(GET /v3/{project_id}/instance-scheduled-events)) and ModelArts nodes
    (C(GET /v1/{project_id}/scheduled-events)), in one or many regions, and returns them in one normalised shape.
  - Every page of every target (region x project x service) is read. If any target cannot be read after
    retries, the module fails, unless O(allow_partial=true), in which case RV(complete) is false and the
    failed targets are listed in RV(targets).
author:
  - hwcloud.maintenance maintainers (@hwcloud-maintenance)
extends_documentation_fragment:
  - hwcloud.maintenance.auth
  - hwcloud.maintenance.event_filters
options:
  allow_partial:
    description:
      - Return the events of the targets that could be read even when others failed, with RV(complete=false),
        instead of failing.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
requirements:
  - requests
  - pydantic >= 2
seealso:
  - module: hwcloud.maintenance.scheduled_event
  - plugin: hwcloud.maintenance.scheduled_events
    plugin_type: inventory
"""

EXAMPLES = r"""
- name: Pending events of both services in two regions (credentials from HUAWEICLOUD_SDK_AK/SK)
  hwcloud.maintenance.scheduled_event_info:
    regions: [cn-north-4, ap-southeast-1]
    pending_only: true
  register: pending

- name: Redeploys of ECS instances that start within the next three days
  hwcloud.maintenance.scheduled_event_info:
    region: cn-north-4
    project_id: 0123456789abcdef0123456789abcdef
    services: [ecs]
    types: [instance-redeploy]
    states: [inquiring, scheduled]
    starts_within: 72h
  register: redeploys

- name: Events of a few instances, with credentials passed explicitly
  hwcloud.maintenance.scheduled_event_info:
    access_key: "{{ vault_hwcloud_ak }}"
    secret_key: "{{ vault_hwcloud_sk }}"
    region: cn-north-4
    instance_ids:
      - c51b9e4f-0469-4c6f-ad03-22b23247b7a8
  register: mine

- name: ModelArts events of one resource pool, published in the last week
  hwcloud.maintenance.scheduled_event_info:
    region: cn-north-4
    services: [modelarts]
    pool_names: [pool-training-a]
    published_after: -7d
  register: pool_events

- name: Show one line per pending event
  ansible.builtin.debug:
    msg: "{{ item.service }} {{ item.instance_id or item.node_name }} {{ item.type }} {{ item.state }} {{ item.not_before }}"
  loop: "{{ pending.events }}"
  loop_control:
    label: "{{ item.id }}"
"""

RETURN = r"""
events:
  description: The matching events, normalised, sorted by RV(events[].not_before) (events without a start last).
  returned: success
  type: list
  elements: dict
  contains:
    service:
      description: V(ecs) or V(modelarts).
      type: str
      sample: ecs
    id:
      description: Event ID.
      type: str
      sample: 0ead944a-72e8-494f-89ba-5846fb7ac5c0
    type:
      description: Event type, as the API sends it; new types are passed through.
      type: str
      sample: instance-redeploy
    state:
      description: Event state (V(inquiring), V(scheduled), V(executing), V(completed), V(failed), V(canceled)).
      type: str
      sample: scheduled
    pending:
      description: Whether the state is V(inquiring), V(scheduled) or V(executing).
      type: bool
      sample: true
    instance_id:
      description: ECS instance ID, or the ModelArts instance ID.
      type: str
      sample: c51b9e4f-0469-4c6f-ad03-22b23247b7a8
    node_name:
      description: ModelArts node name (null for ECS).
      type: str
    pool_name:
      description: ModelArts resource pool name (null for ECS).
      type: str
    instance_type:
      description: ModelArts instance type (V(devserver), V(lite-cluster), V(standard)); null for ECS.
      type: str
    description:
      description: Human-readable description (for ECS, the English text decoded from the JSON string).
      type: str
      sample: As being affected by underlying hardware or system OM, ECSs will be redeployed on new hosts
    description_raw:
      description: The description exactly as the API sent it.
      type: str
    publish_time:
      description: When the event was published (ISO 8601 UTC).
      type: str
      sample: "2025-03-13T12:55:36Z"
    not_before:
      description: Planned start (ISO 8601 UTC), or null.
      type: str
      sample: "2025-03-21T09:22:41Z"
    not_after:
      description: Planned end (ISO 8601 UTC), or null.
      type: str
    not_before_deadline:
      description: Latest start the event can be rescheduled to (ISO 8601 UTC), or null.
      type: str
    start_time:
      description: Actual start (ISO 8601 UTC), or null.
      type: str
    finish_time:
      description: Actual end (ISO 8601 UTC), or null.
      type: str
    region:
      description: Region the event was read from.
      type: str
      sample: cn-north-4
    project_id:
      description: Project the event was read from.
      type: str
    workspace_id:
      description: ModelArts workspace the event was read from (null for ECS).
      type: str
    raw:
      description: The event exactly as the API returned it, including fields this collection does not know.
      type: dict
count:
  description: Number of events in RV(events).
  returned: success
  type: int
  sample: 3
complete:
  description: Whether every target was read to the end. Always true unless O(allow_partial=true).
  returned: success
  type: bool
  sample: true
summary:
  description: Counts of the returned events.
  returned: success
  type: dict
  sample: {"total": 3, "pending": 3, "by_service": {"ecs": 2, "modelarts": 1},
           "by_state": {"scheduled": 2, "inquiring": 1}, "by_type": {"instance-redeploy": 2, "node_redeploy": 1}}
targets:
  description: One entry per region x project x service that was read (or failed).
  returned: always
  type: list
  elements: dict
  contains:
    region:
      description: Region.
      type: str
    project_id:
      description: Project ID (null when it could not be resolved).
      type: str
    service:
      description: Service.
      type: str
    endpoint:
      description: Endpoint URL that was called.
      type: str
    ok:
      description: Whether the target was read to the end.
      type: bool
    count:
      description: Matching events from this target.
      type: int
    pages:
      description: Pages read.
      type: int
    request_ids:
      description: C(X-Request-Id) of each page, for support tickets.
      type: list
      elements: str
    error:
      description: Why the target could not be read (message, HTTP status, error code, request id), or null.
      type: dict
query:
  description: The filters as applied, with relative times resolved.
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hwcloud.maintenance.plugins.module_utils.fleet import fetch_events
from ansible_collections.hwcloud.maintenance.plugins.module_utils.module import call, check_libraries, connect
from ansible_collections.hwcloud.maintenance.plugins.module_utils.query import (
    AUTH_ARGSPEC, FILTER_ARGSPEC, EventQuery,
)


def read(module):
    query = EventQuery.from_options(module.params)
    dummy, settings, client = connect(module)
    return query, fetch_events(client, settings, query)


def main():
    argument_spec = dict(AUTH_ARGSPEC, **FILTER_ARGSPEC)
    argument_spec.update(allow_partial=dict(type="bool", default=False))
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    check_libraries(module)
    query, result = call(module, read, module)
    targets = [t.to_dict() for t in result.targets]
    if not result.complete and not module.params["allow_partial"]:
        first = result.failed[0].error
        module.fail_json(msg="could not read %d of %d targets; first error: %s" % (
            len(result.failed), len(result.targets), first), error=first.to_dict(), targets=targets)
    events = [e.to_dict() for e in result.events]
    module.exit_json(changed=False, events=events, count=len(events), complete=result.complete,
                     summary=result.summary(), targets=targets, query=query.describe())


if __name__ == "__main__":
    main()
