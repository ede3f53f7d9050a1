# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input through the real hwcloud.maintenance.scheduled_event_info module: a clear message, never a traceback.

One playbook run loops over every case (files/info/bad_input.yml); each case names the option and what is allowed.
"""

from __future__ import annotations

import json
from pathlib import Path

from emulator import credentials as emu_creds
from harness import emulator_endpoints, run_playbook

FILES = Path(__file__).resolve().parent / "files" / "info"
STATES = "inquiring, scheduled, executing, completed, failed, canceled"

# name -> (options, fragments the message must contain)
CASES = {
    "unknown state": ({"states": ["scheduled", "sleeping"]},
                      ["'sleeping'", "'states'", "allowed values: " + STATES]),
    "unknown type": ({"types": ["instance-explode"]},
                     ["'instance-explode'", "'types'", "allowed values: instance-migrate", "node_reboot"]),
    "unknown service": ({"services": ["ecs", "rds"]}, ["services", "ecs, modelarts", "rds"]),
    "bad published_after": ({"published_after": "yesterday"},
                            ["'published_after'", "'yesterday'", "2026-01-31T22:00:00Z", "+2h"]),
    "bad published_before": ({"published_before": "2025-13-45T00:00:00Z"}, ["'published_before'", "ISO 8601"]),
    "reversed window": ({"published_after": "2025-02-01T00:00:00Z", "published_before": "2025-01-01T00:00:00Z"},
                        ["'published_before'", "not be earlier than published_after"]),
    "huge relative time": ({"published_after": "-99999999999d"}, ["'published_after'", "out of range"]),
    "page_size too small": ({"page_size": 0}, ["'page_size'", "integer from 1 to 100"]),
    "page_size too large": ({"page_size": 101}, ["'page_size'", "integer from 1 to 100"]),
    "starts_within zero": ({"starts_within": "0"}, ["'starts_within'", "more than 0 and at most 366d"]),
    "starts_within too long": ({"starts_within": "400d"}, ["'starts_within'", "more than 0 and at most 366d"]),
    "starts_within not a duration": ({"starts_within": "soon"}, ["'starts_within'", "30m, 24h, 7d"]),
    "pending_only with final states": ({"pending_only": True, "states": ["completed"]},
                                       ["'states'", "pending_only keeps only inquiring, scheduled, executing"]),
    "bad event id": ({"event_ids": ["ok", "no spaces please"]}, ["'event_ids'", "not a valid event id"]),
    "bad instance id": ({"instance_ids": ["../etc"]}, ["'instance_ids'", "not a valid instance id"]),
    "bad workspace id": ({"workspace_id": "a b"}, ["'workspace_id'", "not a valid workspace id"]),
    "missing credentials": ({"no_credentials": True},
                            ["'access_key'", "no credentials", "HUAWEICLOUD_SDK_AK", "HW_ACCESS_KEY", "auth_token"]),
    "access key without secret key": ({"secret_key": ""}, ["'secret_key'", "must be given together"]),
    "missing project for a region": ({"regions": ["eu-nowhere-9"]},
                                     ["IAM returned 0 projects named 'eu-nowhere-9'", "project_id or project_ids",
                                      "request id"]),
    "project_id with two regions": ({"regions": ["cn-north-4", "ap-southeast-1"], "project_id": "0123abcd"},
                                    ["'project_id'", "exactly one region", "project_ids"]),
    "project_ids for another region": ({"project_ids": {"cn-east-3": "0123abcd"}},
                                       ["'project_ids'", "'cn-east-3'", "allowed values: cn-north-4"]),
    "bad endpoint URL": ({"endpoints": {"ecs": "ftp://ecs.example.com", "modelarts": "x", "iam": "y"}},
                         ["'endpoints'", "'ftp://ecs.example.com'", "endpoints.ecs must be an http(s) URL",
                          "{region}"]),
    "unknown endpoints key": ({"endpoints": {"rds": "https://rds.example.com"}},
                              ["'endpoints'", "'rds'", "unknown service", "allowed values: ecs, modelarts, iam"]),
    "bad region name": ({"regions": ["CN_NORTH_4"]}, ["'regions'", "'CN_NORTH_4'", "region name such as cn-north-4"]),
    "no region": ({"regions": []}, ["'regions'", "at least one region", "HW_REGION_NAME"]),
    "timeout out of range": ({"timeout": 0}, ["'timeout'", "from 0.1 to 600"]),
    "retries out of range": ({"retries": -1}, ["'retries'", "integer from 0 to 20"]),
    "validate_certs not a boolean": ({"validate_certs": "perhaps"}, ["validate_certs", "bool"]),
}


def test_bad_input_gives_clear_messages(emulator, ansible_env_factory):
    cases = [dict(options, name=name) for name, (options, dummy) in CASES.items()]
    creds = {"ak": emu_creds.AK, "sk": emu_creds.SK}
    result = run_playbook(FILES / "bad_input.yml", ansible_env_factory(emulator, credentials=None), extra_vars={
        "endpoints": emulator_endpoints(emulator.url), "creds": creds, "cases": cases})
    result.assert_ok()          # every failure was rescued
    everything = result.stdout + result.stderr + json.dumps([t.result for t in result.tasks])
    assert "Traceback" not in everything and emu_creds.SK not in everything

    looped = result.task("Bad input case")
    assert looped.status == "failed"
    items = dict((item["item"]["name"], item) for item in looped["results"])
    assert sorted(items) == sorted(CASES)
    for name, (dummy, fragments) in CASES.items():
        item = items[name]
        assert item["failed"] is True, (name, item)
        assert "events" not in item, name
        for fragment in fragments:
            assert fragment in item["msg"], (name, fragment, item["msg"])
        assert "Traceback" not in json.dumps(item), name

    unknown = result.task("Misspelt option")
    assert unknown.status == "failed"
    assert "Unsupported parameters" in unknown["msg"] and "state" in unknown["msg"] and "states" in unknown["msg"]
    # No request reached the API for input that could be rejected up front (only the unknown region's IAM lookup).
    assert set(emulator.stats()["by_route"]) <= {"iam.projects"}
