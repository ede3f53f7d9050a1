# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Baseline of the benchmarks: what a user would write with the official Huawei Cloud SDK.

Reads every pending scheduled event of every region with the unmodified ``huaweicloudsdkecs`` and
``huaweicloudsdkmodelarts`` clients, one page after the other (ECS by marker, ModelArts by offset), and prints
``{"events": N, "ecs": N, "modelarts": N, "pages": N, "fetch_seconds": T}`` on stdout.

Usage: ``python sdk_script.py PARAMS.json`` with ``{"url": ..., "project_ids": {region: id}, "states": [...],
"page_size": 100}``; the AK/SK come from ``HUAWEICLOUD_SDK_AK`` / ``HUAWEICLOUD_SDK_SK``.
"""

from __future__ import annotations

import json
import os
import sys
import time

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkecs.v2 import EcsClient, ListScheduledEventsRequest
from huaweicloudsdkmodelarts.v1 import ListScheduledEventsRequest as ModelArtsListRequest, ModelArtsClient


def ecs_events(client, states, page_size):
    """Every ECS event in ``states``, following ``next_marker``; returns (events, pages)."""
    events, pages, marker = [], 0, None
    while True:
        response = client.list_scheduled_events(ListScheduledEventsRequest(state=states, limit=page_size,
                                                                           marker=marker))
        pages += 1
        events.extend(response.events or [])
        marker = response.page_info.next_marker if response.page_info else None
        if not response.events or not marker:
            return events, pages


def modelarts_events(client, states, page_size):
    """Every ModelArts event in ``states``, by offset until ``count`` is reached; returns (events, pages)."""
    events, pages = [], 0
    while True:
        response = client.list_scheduled_events(ModelArtsListRequest(state=states, offset=len(events),
                                                                     limit=page_size))
        pages += 1
        page = response.events or []
        events.extend(page)
        if len(page) < page_size or len(events) >= (response.count or 0):
            return events, pages


def main(argv):
    with open(argv[1], encoding="utf-8") as stream:
        params = json.load(stream)
    ak, sk = os.environ["HUAWEICLOUD_SDK_AK"], os.environ["HUAWEICLOUD_SDK_SK"]
    states, page_size = params["states"], params.get("page_size", 100)
    started = time.monotonic()
    counts = {"ecs": 0, "modelarts": 0}
    pages = 0
    for project_id in params["project_ids"].values():
        credentials = BasicCredentials(ak, sk, project_id)
        ecs = EcsClient.new_builder().with_credentials(credentials).with_endpoints([params["url"]]).build()
        found, used = ecs_events(ecs, states, page_size)
        counts["ecs"] += len(found)
        pages += used
        modelarts = (ModelArtsClient.new_builder().with_credentials(credentials)
                     .with_endpoints([params["url"]]).build())
        found, used = modelarts_events(modelarts, states, page_size)
        counts["modelarts"] += len(found)
        pages += used
    print(json.dumps({"events": counts["ecs"] + counts["modelarts"], "ecs": counts["ecs"],
                      "modelarts": counts["modelarts"], "pages": pages,
                      "fetch_seconds": round(time.monotonic() - started, 4)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
