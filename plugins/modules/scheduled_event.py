#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: scheduled_event
short_description: Accept or reschedule a Huawei Cloud scheduled event of an ECS instance or a ModelArts node
version_added: 0.1.0
description:
  - Accepts (authorises) a scheduled event in state V(inquiring), optionally at a chosen start time, or moves the
    start (C(not_before)) of an ECS event in state V(scheduled), for example into your own maintenance window
    before the event's C(not_before_deadline).
  - The event is read first (through the list API with the C(id) filter). The module is idempotent. Accepting an
    event that is already V(scheduled), or rescheduling an event to the start it already has, changes nothing.
  - The request is checked before any write API is called. The event must be in a state that allows the action,
    and a new start must be in the future and not after the event's C(not_before_deadline) (for a reschedule, at
    least 30 minutes before it). Otherwise the module fails with a message that says why, with the deadline.
  - After a change the event is read again and returned, normalised as by M(hwcloud.maintenance.scheduled_event_info).
  - ECS has both actions (C(POST .../actions/accept) and C(PUT .../instance-scheduled-events/{id})). ModelArts can
    only accept (C(POST /v1/{project_id}/scheduled-events/{event_id}/accept)), with an optional start and
    O(redeploy_config).
  - The module acts in exactly one region, so O(regions) must name one region.
author:
  - hwcloud.maintenance maintainers (@hwcloud-maintenance)
extends_documentation_fragment:
  - hwcloud.maintenance.auth
options:
  service:
    description:
      - The service the event belongs to.
    type: str
    required: true
    choices: [ecs, modelarts]
  event_id:
    description:
      - ID of the scheduled event, as returned in RV(event.id) or by M(hwcloud.maintenance.scheduled_event_info).
    type: str
    required: true
  state:
    description:
      - V(accepted) authorises an V(inquiring) event. With O(not_before) it starts then, otherwise as soon as possible.
        An event that is already V(scheduled) is left as it is (a warning says so when its start differs from
        O(not_before)). Any other state is refused.
      - V(rescheduled) moves the start of a V(scheduled) ECS event to O(not_before), which is then required.
        It is not available for ModelArts, which has no reschedule API. An V(inquiring) event must be accepted first.
    type: str
    choices: [accepted, rescheduled]
    default: accepted
  not_before:
    description:
      - The start to set, as one of the following.
      - An ISO 8601 time such as V(2026-03-07T02:00:00Z) or V(2026-03-07T10:00:00+08:00) (without an offset, UTC).
      - A time relative to now such as V(+2h), V(+1d) or V(+90m). A relative time is resolved on each run, so a
        second run moves the start again. Prefer an absolute time or V(next_window) where runs repeat.
      - V(next_window), the opening of the next occurrence of O(maintenance_window) that is at least one minute
        ahead. If the event's current start already falls inside a maintenance window (and is allowed), it is kept,
        so repeated runs change nothing.
      - Times are sent with a precision of one second.
    type: str
  maintenance_window:
    description:
      - Your maintenance windows, used by O(not_before=next_window) and to warn when an explicit O(not_before)
        is outside them.
      - "Each window is C(<days> <HH:MM>-<HH:MM> <time zone>). Days are C(Mon) to C(Sun) (or full names), ranges
        such as C(Mon-Fri) or C(Fri-Mon), lists such as C(Sat,Sun), or C(daily). A window whose end is not after
        its start crosses midnight (C(Fri 22:00-02:00) closes on Saturday). C(24:00) ends at midnight."
      - The days are the days on which the window opens, in its time zone. The time zone is required. Use C(UTC)
        or a fixed offset such as C(+08:00) or C(-05:30).
      - Separate several windows with C(;), for example V(Sat 02:00-06:00 UTC; Wed 01:00-03:00 UTC).
    type: str
  workspace_id:
    description:
      - ModelArts workspace of the event. Defaults to the service's default workspace C(0). Only for O(service=modelarts).
    type: str
  redeploy_config:
    description:
      - ModelArts only, with O(state=accepted). How a node redeploy is carried out (C(redeployConfig) of the accept API).
      - Sent only when the event is accepted by this task.
    type: dict
    suboptions:
      type:
        description:
          - V(SOFT) redeploys the node. V(HARD) also resets it and loses all data on its local and cloud disks.
            If the node is unavailable, only V(HARD) is possible.
        type: str
        choices: [HARD, SOFT]
      auto_flow:
        description:
          - If the redeploy fails, let the service go on automatically (to system maintenance or a second redeploy),
            authorised in advance.
        type: bool
attributes:
  check_mode:
    support: full
    description: The event is read and the request validated, but no write API is called. RV(changed) says
      whether the task would change the event.
  diff_mode:
    support: full
    description: Shows C(state) and C(not_before) of the event before and after.
  action_group:
    support: full
    membership:
      - hwcloud.maintenance.hwcloud
    description: Use C(module_defaults) with the group C(group/hwcloud.maintenance.hwcloud) to give credentials,
      region and endpoints once for every module of the collection.
requirements:
  - requests
  - pydantic >= 2
notes:
  - A C(POST) (accept) is retried only when the service certainly did not act (HTTP 429, 503, or a connection that
    could not be opened). A C(PUT) (reschedule) is retried like a read.
seealso:
  - module: hwcloud.maintenance.scheduled_event_info
  - name: ECS API reference, UpdateScheduledEvent
    description: Rules for a new start time of an ECS scheduled event.
    link: https://support.huaweicloud.com/intl/en-us/api-ecs/ecs_02_2203.html
"""

EXAMPLES = r"""
- name: Authorise an ECS maintenance event to start as soon as possible
  hwcloud.maintenance.scheduled_event:
    region: cn-north-4
    service: ecs
    event_id: 3f6c2b8e-91d4-4e7a-b0c5-7a2e4d19f6b3
    state: accepted

- name: Authorise a ModelArts node redeploy at the next Saturday-night window, as a soft redeploy
  hwcloud.maintenance.scheduled_event:
    region: cn-north-4
    service: modelarts
    event_id: 8f3a6c2d-1e7b-4d95-a0c4-6b2e9f5d3a17
    state: accepted
    not_before: next_window
    maintenance_window: Sat 22:00-02:00 +08:00
    redeploy_config:
      type: SOFT
      auto_flow: false

- name: Move an ECS event into the maintenance window, credentials for the whole group
  module_defaults:
    group/hwcloud.maintenance.hwcloud:
      access_key: "{{ vault_hwcloud_ak }}"
      secret_key: "{{ vault_hwcloud_sk }}"
      region: cn-north-4
  block:
    - name: Reschedule into the window
      hwcloud.maintenance.scheduled_event:
        service: ecs
        event_id: a71d5e92-4c08-4b3f-9e6a-2d8c1f7b5e40
        state: rescheduled
        not_before: next_window
        maintenance_window: Sat,Sun 02:00-06:00 UTC
      register: moved

    - name: Show the new start
      ansible.builtin.debug:
        msg: "{{ moved.event.instance_id }} now starts at {{ moved.event.not_before }}"

- name: Accept every inquiring ECS event at a fixed time
  hwcloud.maintenance.scheduled_event:
    region: cn-north-4
    service: ecs
    event_id: "{{ item.id }}"
    not_before: "2026-03-07T02:00:00Z"
  loop: "{{ pending.events | selectattr('service', 'eq', 'ecs') | selectattr('state', 'eq', 'inquiring') }}"
  loop_control:
    label: "{{ item.instance_id }}"
"""

RETURN = r"""
changed:
  description: Whether the event was changed (in check mode, whether it would be).
  returned: always
  type: bool
  sample: true
action:
  description: What was done (in check mode, what would be done). V(accept), V(reschedule), or V(none) when the event
    already was as asked.
  returned: success
  type: str
  sample: reschedule
not_before:
  description: The start sent to the API (in check mode, the one that would be sent), ISO 8601 UTC. Null when nothing
    changes or when an event is accepted without a start (as soon as possible).
  returned: success
  type: str
  sample: "2026-03-07T02:00:00Z"
window:
  description: With O(not_before=next_window), the maintenance window occurrence chosen (or the one the event already
    starts in), as C(opening) and C(closing) ISO 8601 UTC times. Null otherwise.
  returned: success
  type: dict
  sample: {"opening": "2026-03-07T02:00:00Z", "closing": "2026-03-07T06:00:00Z"}
request_id:
  description: C(X-Request-Id) of the accept or reschedule call, for support tickets. Null when no write was made.
  returned: success
  type: str
  sample: 5f8c9b0e2a7d4c1e9b3f6a8d0c2e4f71
request_ids:
  description: C(X-Request-Id) of the calls on the event, in order. The read, the write (if any) and the read after it.
  returned: success
  type: list
  elements: str
event:
  description:
    - The event, normalised (the same shape as RV(hwcloud.maintenance.scheduled_event_info#module:events)).
    - After a change it is the event as read again from the API. Otherwise, and in check mode, it is the event as
      read before.
  returned: success, and on failures about the event
  type: dict
  contains:
    service:
      description: V(ecs) or V(modelarts).
      type: str
      sample: ecs
    id:
      description: Event ID.
      type: str
      sample: a71d5e92-4c08-4b3f-9e6a-2d8c1f7b5e40
    type:
      description: Event type, as the API sends it.
      type: str
      sample: instance-reboot
    state:
      description: Event state.
      type: str
      sample: scheduled
    pending:
      description: Whether the state is V(inquiring), V(scheduled) or V(executing).
      type: bool
    instance_id:
      description: ECS instance ID, or the ModelArts instance ID.
      type: str
    node_name:
      description: ModelArts node name (null for ECS).
      type: str
    pool_name:
      description: ModelArts resource pool name (null for ECS).
      type: str
    instance_type:
      description: ModelArts instance type; null for ECS.
      type: str
    description:
      description: Human-readable description (for ECS, the English text decoded from the JSON string).
      type: str
    description_raw:
      description: The description exactly as the API sent it.
      type: str
    publish_time:
      description: When the event was published (ISO 8601 UTC).
      type: str
    not_before:
      description: Planned start (ISO 8601 UTC), or null.
      type: str
      sample: "2026-03-07T02:00:00Z"
    not_after:
      description: Planned end (ISO 8601 UTC), or null.
      type: str
    not_before_deadline:
      description: Latest start the event can be moved to (ISO 8601 UTC), or null (ModelArts).
      type: str
    start_time:
      description: Actual start (ISO 8601 UTC), or null.
      type: str
    finish_time:
      description: Actual end (ISO 8601 UTC), or null.
      type: str
    region:
      description: Region of the event.
      type: str
    project_id:
      description: Project of the event.
      type: str
    workspace_id:
      description: ModelArts workspace (null for ECS).
      type: str
    raw:
      description: The event exactly as the API returned it.
      type: dict
reason:
  description: On a refusal, why. V(not_found), V(wrong_state), V(in_the_past), V(after_deadline) or V(no_window).
  returned: failure, when the request was refused before any write
  type: str
  sample: after_deadline
error:
  description: On an API failure, the error (message, HTTP status, error code, request id, service).
  returned: failure, when an API call failed
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hwcloud.maintenance.plugins.module_utils.actions import (
    REDEPLOY_TYPES, STATES, ActionRequest, manage_event,
)
from ansible_collections.hwcloud.maintenance.plugins.module_utils.module import call, check_libraries, connect
from ansible_collections.hwcloud.maintenance.plugins.module_utils.query import AUTH_ARGSPEC
from ansible_collections.hwcloud.maintenance.plugins.module_utils.timeutil import utcnow


def run(module, now):
    request = ActionRequest.from_options(module.params, now=now)
    dummy, settings, client = connect(module)
    return manage_event(client, settings, request, check_mode=module.check_mode, now=now)


def main():
    argument_spec = dict(AUTH_ARGSPEC)
    argument_spec.update(
        service=dict(type="str", required=True, choices=["ecs", "modelarts"]),
        event_id=dict(type="str", required=True),
        state=dict(type="str", default="accepted", choices=list(STATES)),
        not_before=dict(type="str"),
        maintenance_window=dict(type="str"),
        workspace_id=dict(type="str"),
        redeploy_config=dict(type="dict", options=dict(
            type=dict(type="str", choices=list(REDEPLOY_TYPES)),
            auto_flow=dict(type="bool"),
        )),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           required_if=[("state", "rescheduled", ["not_before"])])
    check_libraries(module)
    outcome = call(module, run, module, utcnow())
    for warning in outcome.warnings:
        module.warn(warning)
    module.exit_json(**outcome.to_dict(diff=module._diff))


if __name__ == "__main__":
    main()
