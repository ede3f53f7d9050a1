# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # Filters on scheduled events: shared by the info module, the inventory plugin and the EDA source.
    DOCUMENTATION = r"""
options:
  services:
    description:
      - Services whose scheduled events are read.
    type: list
    elements: str
    choices: [ecs, modelarts]
    default: [ecs, modelarts]
  states:
    description:
      - Only events in these states.
      - Allowed values are V(inquiring), V(scheduled), V(executing), V(completed), V(failed) and V(canceled).
    type: list
    elements: str
    default: []
  types:
    description:
      - Only events of these types.
      - ECS types are V(instance-reboot), V(instance-stop), V(instance-migrate), V(instance-redeploy),
        V(localdisk-recovery) and V(system-maintenance); ModelArts adds V(node_reboot), V(operation-request),
        V(node_maintenance), V(node_redeploy) and V(node_localdisk_recovery).
    type: list
    elements: str
    default: []
  event_ids:
    description:
      - Only these event IDs.
    type: list
    elements: str
    default: []
  instance_ids:
    description:
      - Only events of these ECS instance IDs (or ModelArts instance IDs).
    type: list
    elements: str
    default: []
  node_names:
    description:
      - Only ModelArts events of these node names.
    type: list
    elements: str
    default: []
  pool_names:
    description:
      - Only ModelArts events of these resource pools.
    type: list
    elements: str
    default: []
  workspace_id:
    description:
      - ModelArts workspace ID. The service default is V(0).
    type: str
  published_after:
    description:
      - Only events published at or after this time. ISO 8601 (V(2026-01-31T22:00:00Z)) or relative to now
        (V(-7d)). ECS lists only the last 7 days of events.
    type: str
  published_before:
    description:
      - Only events published at or before this time, in the same forms as O(published_after).
    type: str
  starts_within:
    description:
      - Only events whose start (C(not_before)) is within this duration from now, such as V(90m), V(24h) or V(7d)
        (at most V(366d)). Events already executing and events without a start time are always kept,
        because they may start at any moment.
    type: str
  pending_only:
    description:
      - Only pending events (states V(inquiring), V(scheduled), V(executing)); combined with O(states), keeps
        their intersection.
    type: bool
    default: false
  page_size:
    description:
      - Events per page requested from the APIs (from 1 to 100).
    type: int
    default: 100
"""
