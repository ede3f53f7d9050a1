# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Event-Driven Ansible source ``hwcloud.maintenance.scheduled_events``.

Polls the scheduled-event APIs of Huawei Cloud (ECS and ModelArts) and emits one event per transition of a
scheduled event (``new``, ``changed``, ``cleared``), plus ``error`` and ``recovered`` events about polling itself.
The logic lives in ``plugins/plugin_utils/eda.py``; this file is the entry point ansible-rulebook loads.
"""

from __future__ import annotations

import os
import sys

DOCUMENTATION = r"""
---
short_description: React to new, changed and finished Huawei Cloud scheduled events
description:
  - Polls the scheduled events of ECS instances and ModelArts nodes (planned maintenance, redeploys, reboots, local
    disk recovery) and emits one event per transition, not per poll.
  - C(new) for an event seen for the first time in a non-final state; C(changed) when the state or C(not_before) of
    a known event moved; C(cleared) when a known event reaches V(completed), V(failed) or V(canceled), or is no
    longer listed. An event is reported C(cleared) only when its target (region x project x service) was read
    completely in that poll, never because a read failed.
  - Each event is the normalised event (the fields of the module's C(events) result) plus C(transition), C(key)
    (C(service/region/project_id/id), stable, for C(throttle)), C(target), C(previous) (the event as seen before,
    for C(changed) and for C(cleared) by a final state), C(changes) (the fields that moved), C(reason) (for
    C(cleared), the final state or V(gone)) and C(detected_at).
  - A failed poll is retried with a growing delay. After O(error_threshold) failed polls in a row an C(error) event
    is emitted (again after each further O(error_threshold) failures), and a C(recovered) event once every target
    is read again. The source never stops on a failed poll.
  - Invalid arguments emit one C(error) event with C(reason=invalid_arguments), then stop the source with a
    message naming the argument.
  - Accepts the authentication, target and filter options of M(hwcloud.maintenance.scheduled_event_info) under the
    same names and with the same environment fallbacks (V(access_key), V(secret_key), V(security_token),
    V(auth_token), V(regions), V(project_id), V(project_ids), V(endpoints), V(validate_certs), V(ca_path),
    V(timeout), V(retries), V(retry_deadline), V(max_workers), V(services), V(states), V(types), V(event_ids),
    V(instance_ids), V(node_names), V(pool_names), V(workspace_id), V(published_after), V(published_before),
    V(starts_within), V(pending_only), V(page_size)), and the options below.
options:
  interval:
    description:
      - Time between two polls, as seconds or a duration such as V(30s), V(5m), V(1h) (from 0.1 seconds to 1 day).
    type: str
    default: 5m
  emit_existing:
    description:
      - On the first poll of a target, emit C(new) for every event that is already pending (V(true)), or only
        remember them (V(false)).
      - A target whose events were loaded from O(state_file) is not read for the first time.
    type: bool
    default: true
  state_file:
    description:
      - A JSON file where the pending events seen are kept between runs, so that a restart emits only what changed
        meanwhile. Its directory must exist. Holds events and target keys only, never credentials.
      - A file written with other regions, projects, endpoints, filters or account is ignored (first poll).
    type: path
  error_threshold:
    description:
      - Failed polls in a row (a target could not be read after the client's retries) before an C(error) event.
    type: int
    default: 3
  backoff_max:
    description:
      - After a failed poll the next one waits min(O(interval), 10s), doubled after each failed poll, up to this
        (a duration). While some targets can still be read, the wait never exceeds O(interval).
    type: str
    default: 10m
"""

EXAMPLES = r"""
- name: Drain hosts before Huawei Cloud maintenance
  hosts: all
  sources:
    - hwcloud.maintenance.scheduled_events:
        regions: [cn-north-4]
        interval: 5m
        state_file: /var/lib/eda/hwcloud-scheduled-events.json
  rules:
    - name: Drain for a new event waiting for authorisation
      condition: event.transition == "new" and event.state == "inquiring"
      throttle:
        once_within: 1 hour
        group_by_attributes:
          - event.key
      action:
        run_playbook:
          name: playbooks/drain.yml
"""

COLLECTION_IMPORT_ERROR = None
try:
    from ansible_collections.hwcloud.maintenance.plugins.plugin_utils import eda
except ImportError as exc:  # pragma: no cover - depends on how the collection was installed
    # ansible-rulebook loads this file by path and does not put the collections directory on sys.path: find it
    # from this file's place in .../ansible_collections/hwcloud/maintenance/extensions/eda/plugins/event_source/.
    _base = os.path.abspath(__file__)
    for _level in range(8):
        _base = os.path.dirname(_base)
    if os.path.isdir(os.path.join(_base, "ansible_collections", "hwcloud", "maintenance")) and _base not in sys.path:
        sys.path.append(_base)
    try:
        from ansible_collections.hwcloud.maintenance.plugins.plugin_utils import eda
    except ImportError:
        eda = None
        COLLECTION_IMPORT_ERROR = str(exc)


async def main(queue, args):
    """Entry point called by ansible-rulebook: poll until cancelled."""
    if eda is None:
        raise ImportError("hwcloud.maintenance.scheduled_events cannot import the collection "
                          "hwcloud.maintenance (%s); install it with ansible-galaxy" % COLLECTION_IMPORT_ERROR)
    await eda.run(queue, args)
