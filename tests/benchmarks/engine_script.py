# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Diagnostic of the benchmarks: the collection's fetch engine alone, without Ansible.

Calls ``fleet.fetch_events`` with the options the inventory plugin gets in the benchmark (pending events, both
services, every region, explicit project ids), so its time is the plugin's fetching part measured directly, in a
plain Python process like the SDK baseline. Prints ``{"events": N, "ecs": N, "modelarts": N, "pages": N,
"complete": bool, "fetch_seconds": T}``.

Usage: ``python engine_script.py PARAMS.json`` (same file as ``sdk_script.py``, plus an optional ``max_workers``);
needs ``build/collections`` on ``PYTHONPATH`` and the AK/SK in ``HUAWEICLOUD_SDK_AK`` / ``HUAWEICLOUD_SDK_SK``.
"""

from __future__ import annotations

import json
import sys
import time

from ansible_collections.hwcloud.maintenance.plugins.module_utils.auth import Credentials
from ansible_collections.hwcloud.maintenance.plugins.module_utils.fleet import fetch_events, make_client
from ansible_collections.hwcloud.maintenance.plugins.module_utils.query import EventQuery, Settings


def main(argv):
    with open(argv[1], encoding="utf-8") as stream:
        params = json.load(stream)
    url = params["url"]
    options = {"regions": list(params["project_ids"]), "project_ids": dict(params["project_ids"]),
               "endpoints": {"ecs": url, "modelarts": url, "iam": url}, "pending_only": True,
               "page_size": params.get("page_size", 100)}
    if params.get("max_workers"):
        options["max_workers"] = params["max_workers"]
    started = time.monotonic()
    query = EventQuery.from_options(options, pending_default=True)
    settings = Settings.from_options(options)
    client = make_client(Credentials.resolve(options), settings)
    try:
        result = fetch_events(client, settings, query)
    finally:
        client.close()
    events = result.events
    ecs = sum(1 for event in events if event.service == "ecs")
    print(json.dumps({"events": len(events), "ecs": ecs, "modelarts": len(events) - ecs,
                      "pages": sum(t.pages for t in result.targets), "complete": result.complete,
                      "fetch_seconds": round(time.monotonic() - started, 4)}))
    return 0 if result.complete else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
