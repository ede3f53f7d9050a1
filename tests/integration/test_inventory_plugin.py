# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory plugin ``hwcloud.maintenance.scheduled_events`` with the real ``ansible-inventory`` and
``ansible-playbook`` against the emulator over HTTP: both modes, every group and host variable, constructed
features, host name precedence, two regions x two services, the cache, fail closed, paging and secrets."""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from emulator import Fleet
from emulator import credentials as emu_creds
from harness import emulator_endpoints, members, plain, run_inventory, run_inventory_raw, run_playbook, squeeze

FILES = Path(__file__).resolve().parent / "files" / "inventory"
STATIC_HOSTS = FILES / "static-hosts.yml"
CONFIG_NAME = "prod.hwcloud_events.yml"
REGIONS = ["cn-north-4", "ap-southeast-1"]
SECRETS = (emu_creds.SK, emu_creds.TEMP_SK, emu_creds.SECURITY_TOKEN, emu_creds.IAM_TOKEN)

# The demo fleet's pending events (tests/emulator/fleets/demo.yml).
ECS_PENDING = {
    "c51b9e4f-0469-4c6f-ad03-22b23247b7a8": ("cn-north-4", "instance-redeploy", "scheduled"),
    "8a4f1c3e-2b7d-4e96-a5f0-3c9d1e7b2a64": ("cn-north-4", "system-maintenance", "inquiring"),
    "1e9b7d42-6f3a-4c81-b2d5-8a0e4c6f3b97": ("cn-north-4", "instance-reboot", "scheduled"),
    "4d7a2e9c-1b5f-4a83-96e0-c2f8b1d4a7e5": ("cn-north-4", "localdisk-recovery", "executing"),
    "7c5a3f91-e2d8-4b06-a4f7-9e1b6c2d5a38": ("ap-southeast-1", "instance-redeploy", "inquiring"),
}
MODELARTS_PENDING = {
    "devserver-a1b2c3": ("cn-north-4", "node_redeploy", "inquiring"),
    "os-node-created-7fk2q": ("cn-north-4", "system-maintenance", "scheduled"),
    "os-node-created-9qp4t": ("ap-southeast-1", "operation-request", "inquiring"),
}
PENDING_STATES = ("inquiring", "scheduled", "executing")
STATIC = ["ap01", "builder", "db01", "db02", "devserver-a1b2c3", "os-node-created-7fk2q", "web01", "web02", "web03",
          "web04"]


# ----------------------------------------------------------------------------------------------- helpers

def config(emulator, **options):
    """A configuration of the plugin that reads ``emulator`` in both regions."""
    data = {"plugin": "hwcloud.maintenance.scheduled_events", "regions": list(REGIONS),
            "endpoints": emulator_endpoints(emulator.url)}
    data.update(options)
    return data


def listing(emulator, env, sources_before=(), args=("--list",), **options):
    return plain(run_inventory(config(emulator, **options), env, args, filename=CONFIG_NAME,
                               sources_before=sources_before))


def hostvars(data):
    return data["_meta"]["hostvars"]


def groups_of(data, host):
    return sorted(name for name, group in data.items()
                  if name != "_meta" and host in (group or {}).get("hosts", []))


def summary_of(data, prefix=""):
    name = prefix + "scheduled_events_summary"
    if "all" in data and name in (data["all"].get("vars") or {}):
        return data["all"]["vars"][name]
    return next(iter(hostvars(data).values()))[name]


TARGET_LINE = re.compile(r"scheduled_events: target (?P<service>\S+) (?P<region>\S+) project \S+: (?P<count>\d+) events "
                         r"in (?P<pages>\d+) pages; request ids: (?P<request_ids>.*)$", re.MULTILINE)


def target_lines(text):
    """The per-target results the plugin shows at -vvv."""
    return [{"service": m["service"], "region": m["region"], "count": int(m["count"]), "pages": int(m["pages"]),
             "request_ids": [r for r in m["request_ids"].split(", ") if r != "none"]}
            for m in TARGET_LINE.finditer(text)]


def parse_time(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def assert_no_secret(*texts):
    for text in texts:
        for secret in SECRETS:
            assert secret not in squeeze(text)  # before ansible-core 2.19, output is wrapped at 80 columns


# ----------------------------------------------------------------------------------------------- own hosts

def test_own_hosts_two_regions_two_services_groups_and_hostvars(emulator, ansible_env):
    data = listing(emulator, ansible_env)
    hosts = hostvars(data)

    assert sorted(hosts) == sorted(list(ECS_PENDING) + list(MODELARTS_PENDING))
    assert members(data, "scheduled_events_pending") == sorted(hosts)
    assert "scheduled_events_unknown" in data["all"]["children"] and members(data, "scheduled_events_unknown") == []
    assert members(data, "scheduled_event_service_ecs") == sorted(ECS_PENDING)
    assert members(data, "scheduled_event_service_modelarts") == sorted(MODELARTS_PENDING)
    expected = dict(ECS_PENDING, **MODELARTS_PENDING)
    for host, (region, type_, state) in expected.items():
        assert "scheduled_event_type_" + type_.replace("-", "_") in groups_of(data, host)
        assert "scheduled_event_state_" + state in groups_of(data, host)
        values = hosts[host]
        assert values["scheduled_event_types"] == [type_] and values["scheduled_event_states"] == [state]
        assert values["scheduled_event_status"] == "pending"
        assert [e["region"] for e in values["scheduled_events"]] == [region]
        assert values["scheduled_event_resources"][0]["region"] == region
    assert members(data, "scheduled_event_state_executing") == ["4d7a2e9c-1b5f-4a83-96e0-c2f8b1d4a7e5"]
    assert members(data, "scheduled_event_type_instance_redeploy") == sorted(
        ["c51b9e4f-0469-4c6f-ad03-22b23247b7a8", "7c5a3f91-e2d8-4b06-a4f7-9e1b6c2d5a38"])

    # The normalised events, as the info module returns them.
    redeploy = hosts["c51b9e4f-0469-4c6f-ad03-22b23247b7a8"]
    event = redeploy["scheduled_events"][0]
    assert event["id"] == "0ead944a-72e8-494f-89ba-5846fb7ac5c0" and event["service"] == "ecs"
    assert event["description"].startswith("As being affected by underlying hardware")
    assert event["pending"] is True and "raw" not in event  # include_raw is off by default
    node = hosts["os-node-created-7fk2q"]
    assert node["scheduled_events"][0]["pool_name"] == "pool-9c41d2e7"
    assert node["scheduled_event_resources"][0]["node_name"] == "os-node-created-7fk2q"

    # Times from the run's clock: seconds_until = next_not_before - evaluated_at (same clock, to the second).
    summary = summary_of(data)
    evaluated = parse_time(summary["evaluated_at"])
    for host, values in hosts.items():
        expected_seconds = (parse_time(values["scheduled_event_next_not_before"]) - evaluated).total_seconds()
        assert abs(values["scheduled_event_seconds_until"] - expected_seconds) <= 1, host
    assert hosts["4d7a2e9c-1b5f-4a83-96e0-c2f8b1d4a7e5"]["scheduled_event_seconds_until"] < 0  # executing
    assert 11 * 3600 < hosts["8a4f1c3e-2b7d-4e96-a5f0-3c9d1e7b2a64"]["scheduled_event_seconds_until"] <= 12 * 3600

    assert summary["complete"] is True and summary["mode"] == "own_hosts" and summary["from_cache"] is False
    assert summary["events"] == 8 and summary["hosts"] == 8 and summary["unmatched_events"] == []
    assert summary["targets"] == 4 and summary["failed_targets"] == []


def test_include_raw_and_per_target_results_at_vvv(emulator, ansible_env):
    data = listing(emulator, ansible_env, include_raw=True)
    event = hostvars(data)["c51b9e4f-0469-4c6f-ad03-22b23247b7a8"]["scheduled_events"][0]
    assert event["raw"]["id"] == event["id"] == "0ead944a-72e8-494f-89ba-5846fb7ac5c0"
    assert "service" not in event["raw"]  # the API's own payload, as the info module returns it

    # The summary stays small; -vvv shows the query and, per target, what was read with its request ids.
    result = run_inventory_raw(config(emulator), ansible_env, ["--graph", "-vvv"], filename=CONFIG_NAME)
    assert result.ok, result.describe()
    targets = target_lines(result.stdout)
    assert sorted((t["service"], t["region"]) for t in targets) == sorted(
        (s, r) for s in ("ecs", "modelarts") for r in REGIONS)
    assert all(t["request_ids"] and len(t["request_ids"]) == t["pages"] for t in targets)
    assert sum(t["count"] for t in targets) == 8
    assert result.said('query as applied: {') and result.said('"states": ["inquiring", "scheduled", "executing"]')


def test_graph_and_host(emulator, ansible_env):
    graph = run_inventory_raw(config(emulator), ansible_env, ["--graph"], filename=CONFIG_NAME)
    assert graph.ok, graph.describe()
    assert "@scheduled_events_pending:" in graph.stdout and "|--devserver-a1b2c3" in graph.stdout
    assert "@scheduled_event_type_node_redeploy:" in graph.stdout
    host = plain(run_inventory(config(emulator), ansible_env, ["--host", "devserver-a1b2c3"], filename=CONFIG_NAME))
    assert host["scheduled_event_types"] == ["node_redeploy"]
    assert host["scheduled_events_summary"]["complete"] is True


def test_not_pending_only_lists_finished_events_without_pending_group(emulator, ansible_env):
    data = listing(emulator, ansible_env, pending_only=False, services=["ecs"], regions=["cn-north-4"])
    assert members(data, "scheduled_event_state_completed") == ["6b3e9d15-7c2a-4f48-a0d6-e1f5b8c4a293"]
    assert members(data, "scheduled_event_state_canceled") == ["f1a8c6e3-9d4b-4e72-b5a0-7c3d2e8f1b46"]
    assert "6b3e9d15-7c2a-4f48-a0d6-e1f5b8c4a293" not in members(data, "scheduled_events_pending")
    assert hostvars(data)["6b3e9d15-7c2a-4f48-a0d6-e1f5b8c4a293"]["scheduled_event_status"] == "clear"
    assert len(members(data, "scheduled_events_pending")) == 4


def test_hostname_precedence(emulator, ansible_env):
    data = listing(emulator, ansible_env, hostnames=[
        "not_a_variable",                                       # undefined: skipped
        "''",                                                   # empty: skipped
        "pool_name ~ '-' ~ node_name if pool_name else none",   # pool nodes
        "'ecs-' ~ instance_id[:8] if service == 'ecs' else ''",  # ECS instances
        "'node-' ~ event.id[:8]",                               # the rest: from the first event
    ])
    assert sorted(hostvars(data)) == sorted(
        ["pool-9c41d2e7-os-node-created-7fk2q", "pool-2f7a8b1c-os-node-created-9qp4t", "node-8f3a6c2d"]
        + ["ecs-" + i[:8] for i in ECS_PENDING])


def test_same_name_in_two_regions_is_kept_apart(emulator_factory, ansible_env_factory):
    fleet = Fleet.from_dict({"modelarts_events": [
        {"region": region, "type": "node_reboot", "state": "scheduled", "instanceType": "standard",
         "instanceId": "i-%s" % region, "nodeName": "node-1", "poolName": "pool-a", "notBefore": "+1d"}
        for region in REGIONS]})
    emulator = emulator_factory(fleet)
    result = run_inventory_raw(config(emulator), ansible_env_factory(emulator), ["--list"], filename=CONFIG_NAME)
    assert result.ok, result.describe()
    data = plain(result.data)
    assert sorted(hostvars(data)) == ["node-1_ap-southeast-1", "node-1_cn-north-4"]
    for region in REGIONS:
        assert hostvars(data)["node-1_" + region]["scheduled_events"][0]["region"] == region
    assert result.said("named 'node-1'") and result.said("kept apart")
    assert summary_of(data)["renamed_hosts"] == {"node-1": ["node-1_ap-southeast-1", "node-1_cn-north-4"]}


def test_compose_groups_keyed_groups_and_vars_prefix(emulator, ansible_env):
    data = listing(emulator, ansible_env, vars_prefix="hw_", compose={
        "maintenance_region": "hw_scheduled_event_resources[0].region",
        "starts_soon": "hw_scheduled_event_seconds_until < 86400 * 2",
    }, groups={
        "soon": "starts_soon",
        "modelarts_nodes": "'modelarts' in hw_scheduled_event_services",
    }, keyed_groups=[
        {"key": "maintenance_region", "prefix": "region"},
        {"key": "hw_scheduled_event_types", "prefix": "maint"},
        {"key": "hw_scheduled_event_states"},
    ], leading_separator=False)
    hosts = hostvars(data)
    assert "hw_scheduled_events" in hosts["devserver-a1b2c3"] and "scheduled_events" not in hosts["devserver-a1b2c3"]
    assert hosts["devserver-a1b2c3"]["maintenance_region"] == "cn-north-4"
    assert members(data, "region_ap_southeast_1") == sorted(["7c5a3f91-e2d8-4b06-a4f7-9e1b6c2d5a38",
                                                             "os-node-created-9qp4t"])
    assert members(data, "maint_instance_redeploy") == members(data, "scheduled_event_type_instance_redeploy")
    assert members(data, "inquiring") == members(data, "scheduled_event_state_inquiring")  # no leading "_"
    assert members(data, "modelarts_nodes") == sorted(MODELARTS_PENDING)
    soon = [h for h, v in hosts.items() if v["hw_scheduled_event_seconds_until"] < 2 * 86400]
    assert members(data, "soon") == sorted(soon) and 0 < len(soon) < len(hosts)
    assert summary_of(data, "hw_")["complete"] is True


def test_strict_expression_errors(emulator, ansible_env):
    result = run_inventory_raw(config(emulator, strict=True, compose={"x": "undefined_thing.attr"}), ansible_env,
                               ["--list"], filename=CONFIG_NAME)
    assert not result.ok and result.said("Could not set x")
    relaxed = run_inventory_raw(config(emulator, compose={"x": "undefined_thing.attr"}), ansible_env, ["--list"],
                                filename=CONFIG_NAME)
    assert relaxed.ok, relaxed.describe()


# ----------------------------------------------------------------------------------------------- tag existing

def test_tag_existing_after_a_static_inventory(emulator, ansible_env):
    result = run_inventory_raw(config(emulator, mode="tag_existing"), ansible_env, ["--list"], filename=CONFIG_NAME,
                               sources_before=[STATIC_HOSTS])
    assert result.ok, result.describe()
    data = plain(result.data)
    hosts = hostvars(data)

    assert sorted(hosts) == STATIC  # no host added
    assert members(data, "scheduled_events_pending") == ["ap01", "db01", "db02", "web01", "web02"]
    assert groups_of(data, "web01") == ["scheduled_event_service_ecs", "scheduled_event_state_scheduled",
                                        "scheduled_event_type_instance_redeploy", "scheduled_events_pending", "web"]
    assert members(data, "scheduled_event_state_executing") == ["db02"]
    assert hosts["ap01"]["scheduled_events"][0]["region"] == "ap-southeast-1"  # matched by openstack.id
    for clear in ("web03", "web04"):  # checked, nothing pending
        assert hosts[clear]["scheduled_events"] == [] and hosts[clear]["scheduled_event_status"] == "clear"
        assert hosts[clear]["scheduled_event_next_not_before"] is None
    for untouched in ("builder", "devserver-a1b2c3"):  # nothing to match them with: not tagged
        assert "scheduled_event_status" not in hosts[untouched]
    assert hosts["web01"]["instance_id"] == "c51b9e4f-0469-4c6f-ad03-22b23247b7a8"  # existing vars kept

    # Events that match no host: reported in a warning and in the summary, never dropped.
    summary = summary_of(data)
    assert summary["mode"] == "tag_existing" and summary["complete"] is True
    assert sorted(e["node_name"] for e in summary["unmatched_events"]) == sorted(MODELARTS_PENDING)
    assert result.said("3 events match no host") and result.said("devserver-a1b2c3")


def test_tag_existing_match_keys_and_region(emulator, ansible_env):
    data = listing(emulator, ansible_env, sources_before=[STATIC_HOSTS], mode="tag_existing",
                   match_keys=["instance_id", "openstack.id", "inventory_hostname"],
                   match_region="region | default(openstack.region | default(''))")
    hosts = hostvars(data)
    assert members(data, "scheduled_event_service_modelarts") == ["devserver-a1b2c3", "os-node-created-7fk2q"]
    assert hosts["devserver-a1b2c3"]["scheduled_event_types"] == ["node_redeploy"]
    assert summary_of(data)["unmatched_events"][0]["node_name"] == "os-node-created-9qp4t"
    assert "scheduled_event_status" in hosts["builder"]  # now matchable by its name: checked and clear
    assert hosts["builder"]["scheduled_event_status"] == "clear"


def test_tag_existing_region_mismatch_does_not_match(emulator, ansible_env, tmp_path):
    static = tmp_path / "hosts.yml"
    static.write_text(json.dumps({"all": {"hosts": {
        "wrong-region": {"instance_id": "c51b9e4f-0469-4c6f-ad03-22b23247b7a8", "region": "ap-southeast-1"},
        "right-region": {"instance_id": "c51b9e4f-0469-4c6f-ad03-22b23247b7a8", "region": "cn-north-4"},
    }}}))
    data = listing(emulator, ansible_env, sources_before=[static], mode="tag_existing", match_region="region")
    assert members(data, "scheduled_events_pending") == ["right-region"]
    assert hostvars(data)["wrong-region"]["scheduled_event_status"] == "clear"


def test_playbooks_drain_and_deploy_by_group(emulator, ansible_env, tmp_path):
    source = tmp_path / "events.hwcloud_events.yml"
    source.write_text(json.dumps(config(emulator, mode="tag_existing")))
    result = run_playbook("""
        - name: Drain
          hosts: scheduled_events_pending
          gather_facts: false
          tasks:
            - name: Drain a host
              ansible.builtin.debug:
                msg: "{{ inventory_hostname }} {{ scheduled_event_types | join(',') }} {{ scheduled_event_seconds_until }}"

        - name: Deploy
          hosts: all:!scheduled_events_pending:!scheduled_events_unknown
          gather_facts: false
          tasks:
            - name: Deploy a host
              ansible.builtin.debug:
                msg: "{{ scheduled_event_status | default('unchecked') }}"

        - name: Gate on the summary
          hosts: localhost
          gather_facts: false
          tasks:
            - name: Listing complete
              ansible.builtin.assert:
                that: scheduled_events_summary.complete
    """, ansible_env, inventory=[STATIC_HOSTS, source])
    result.assert_ok()
    assert sorted(r.host for r in result.results(task="Drain a host")) == ["ap01", "db01", "db02", "web01", "web02"]
    assert result.task("Drain a host", host="web01")["msg"].startswith("web01 instance-redeploy ")
    deployed = dict((r.host, r["msg"]) for r in result.results(task="Deploy a host"))
    assert deployed == {"web03": "clear", "web04": "clear", "builder": "unchecked", "devserver-a1b2c3": "unchecked",
                        "os-node-created-7fk2q": "unchecked"}
    assert result.task("Listing complete").status == "ok"


# ----------------------------------------------------------------------------------------------- fail closed

def test_unreadable_target_own_hosts_goes_to_unknown(emulator, ansible_env):
    emulator.add_fault(route="modelarts.list", kind="status", status=500, region="cn-north-4")  # forever
    result = run_inventory_raw(config(emulator, retries=1), ansible_env, ["--list", "--export"],
                               filename=CONFIG_NAME)
    assert result.ok, result.describe()
    data = plain(result.data)
    assert sorted(hostvars(data)) == sorted(list(ECS_PENDING) + ["os-node-created-9qp4t"])
    summary = summary_of(data)
    assert summary["complete"] is False
    assert [(t["service"], t["region"]) for t in summary["failed_targets"]] == [("modelarts", "cn-north-4")]
    failed = data["scheduled_events_unknown"]["vars"]["scheduled_events_failed_targets"]
    assert failed[0]["error"]["status"] == 500 and failed[0]["error"]["request_id"]
    assert result.said("could not read 1 of 4 targets")
    assert result.said("request id %s" % failed[0]["error"]["request_id"])


def test_unreadable_target_tag_existing_marks_hosts_it_could_cover(emulator, ansible_env):
    emulator.add_fault(route="ecs.list", kind="status", status=500, region="ap-southeast-1")
    data = listing(emulator, ansible_env, sources_before=[STATIC_HOSTS], mode="tag_existing", retries=1,
                   match_region="region | default(openstack.region | default(''))")
    # web* are in cn-north-4 (their targets were read); db* have no region and ap01 is in the failed region.
    assert members(data, "scheduled_events_unknown") == ["ap01", "db01", "db02"]
    hosts = hostvars(data)
    assert hosts["ap01"]["scheduled_event_status"] == "unknown" and hosts["ap01"]["scheduled_events"] == []
    assert hosts["db01"]["scheduled_event_status"] == "pending"  # known pending events win
    assert hosts["web04"]["scheduled_event_status"] == "clear"
    assert summary_of(data)["complete"] is False


def test_unreadable_target_tag_existing_without_regions_marks_every_matchable_host(emulator, ansible_env):
    emulator.add_fault(route="modelarts.list", kind="status", status=503, region="ap-southeast-1")
    data = listing(emulator, ansible_env, sources_before=[STATIC_HOSTS], mode="tag_existing", retries=0)
    assert members(data, "scheduled_events_unknown") == ["ap01", "db01", "db02", "web01", "web02", "web03", "web04"]


def test_strict_fails_with_error_and_request_id(emulator, ansible_env):
    emulator.add_fault(route="ecs.list", kind="status", status=500, region="cn-north-4")
    result = run_inventory_raw(config(emulator, strict=True, retries=1), ansible_env, ["--list"],
                               filename=CONFIG_NAME, sources_before=[STATIC_HOSTS])
    assert not result.ok
    assert result.said("could not read 1 of 4 targets (strict is true)")
    assert result.said("HTTP 500") and result.said("request id ")
    assert emulator.stats()["by_route"]["ecs.list"] >= 2  # retried before giving up


def test_failed_iam_lookup_is_a_failed_target(emulator, ansible_env):
    emulator.add_fault(route="iam.projects", kind="status", status=500, region="ap-southeast-1")
    data = plain(run_inventory(config(emulator, retries=0), ansible_env, ["--list", "--export"],
                               filename=CONFIG_NAME))
    summary = summary_of(data)
    assert summary["complete"] is False
    assert sorted(t["service"] for t in summary["failed_targets"]) == ["ecs", "modelarts"]
    assert all(t["region"] == "ap-southeast-1" for t in summary["failed_targets"])


# ----------------------------------------------------------------------------------------------- cache

def cached_listing(path, emulator, env, args=("--list",), **options):
    """The cache key of an inventory source is its path: write the configuration to the same file each time.

    ``--flush-cache`` is an ``ansible-inventory`` option since ansible-core 2.19; before, the same refresh is
    made by removing the cache files (what ``ansible-playbook --flush-cache`` does).
    """
    path.write_text(json.dumps(config(emulator, **options)))
    if "--flush-cache" in args and not inventory_has_flush_cache(env):
        args = tuple(arg for arg in args if arg != "--flush-cache")
        shutil.rmtree(options["cache_connection"], ignore_errors=True)
    return plain(run_inventory(path, env, args))


@functools.lru_cache(maxsize=None)
def _help_text(path):
    return subprocess.run([path, "--help"], capture_output=True, text=True, check=True).stdout


def inventory_has_flush_cache(env):
    return "--flush-cache" in _help_text(shutil.which("ansible-inventory", path=env["PATH"]))


def test_cache_hit_makes_no_request_and_holds_no_secret(emulator, ansible_env_factory, tmp_path):
    env = ansible_env_factory(emulator, credentials="temporary")
    source = tmp_path / CONFIG_NAME
    cache_dir = tmp_path / "cache"
    options = dict(cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(cache_dir),
                   cache_timeout=600)
    first = cached_listing(source, emulator, env, **options)
    assert emulator.stats()["requests_total"] > 0 and summary_of(first)["from_cache"] is False

    emulator.reset_stats()
    emulator.add_event("ecs", "cn-north-4", {"type": "instance-stop", "state": "scheduled", "not_before": "+3h",
                                             "instance_id": "00000000-0000-4000-8000-00000000abcd"})
    second = cached_listing(source, emulator, env, **options)
    assert emulator.stats()["requests_total"] == 0
    assert summary_of(second)["from_cache"] is True
    assert sorted(hostvars(second)) == sorted(hostvars(first))  # the new event is not seen: it is cached
    assert members(second, "scheduled_events_pending") == members(first, "scheduled_events_pending")

    files = list(cache_dir.iterdir())
    assert len(files) == 1
    text = files[0].read_text()
    assert_no_secret(text)
    assert emu_creds.TEMP_AK not in text and "endpoints" not in text and "cache_connection" not in text

    # --flush-cache reads the APIs again and sees the new event.
    third = cached_listing(source, emulator, env, args=("--list", "--flush-cache"), **options)
    assert emulator.stats()["requests_total"] > 0
    assert "00000000-0000-4000-8000-00000000abcd" in hostvars(third)


def test_cache_is_not_used_for_other_options_or_after_a_failure(emulator, ansible_env, tmp_path):
    source = tmp_path / CONFIG_NAME
    options = dict(cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(tmp_path / "c"),
                   retries=0)
    cached_listing(source, emulator, ansible_env, **options)
    emulator.reset_stats()
    assert summary_of(cached_listing(source, emulator, ansible_env, **options))["from_cache"] is True
    assert emulator.stats()["requests_total"] == 0
    narrower = cached_listing(source, emulator, ansible_env, services=["ecs"], **options)  # same file, other filters
    assert emulator.stats()["requests_total"] > 0 and summary_of(narrower)["from_cache"] is False

    # A failed target is never cached: the next run reads the APIs again.
    emulator.add_fault(route="ecs.list", kind="status", status=500, region="cn-north-4")
    failed = cached_listing(source, emulator, ansible_env, args=("--list", "--flush-cache"), services=["ecs"],
                            **options)
    assert summary_of(failed)["complete"] is False
    emulator.clear_faults()
    emulator.reset_stats()
    again = cached_listing(source, emulator, ansible_env, services=["ecs"], **options)
    assert emulator.stats()["requests_total"] > 0 and summary_of(again)["complete"] is True
    assert summary_of(again)["from_cache"] is False


# ----------------------------------------------------------------------------------------------- paging

@pytest.mark.emulator(fleet=lambda: Fleet.generate(ecs_events=60, instances=40, regions=REGIONS,
                                                   modelarts_events=20, seed=7))
def test_paging_over_many_pages(emulator, ansible_env):
    data = listing(emulator, ansible_env, page_size=2, max_workers=4)
    truth_ecs = set(e["instance_id"] for e in emulator.events("ecs") if e["state"] in PENDING_STATES)
    truth_ma = set(e["nodeName"] or e["instanceId"] for e in emulator.events("modelarts")
                   if e["state"] in PENDING_STATES)
    hosts = set(hostvars(data))
    assert truth_ecs and truth_ma and hosts == truth_ecs | truth_ma
    events = sum(len(v["scheduled_events"]) for v in hostvars(data).values())
    truth_events = [e for e in emulator.events() if e["state"] in PENDING_STATES]
    assert events == len(truth_events) == summary_of(data)["events"]
    stats = emulator.stats()["by_route"]  # the pages of the --list run; the --graph run below reads the same ones
    verbose = run_inventory_raw(config(emulator, page_size=2, max_workers=4), ansible_env, ["--graph", "-vvv"],
                                filename=CONFIG_NAME)
    targets = target_lines(verbose.stdout)
    assert verbose.ok and len(targets) == 4 and sum(t["count"] for t in targets) == len(truth_events)
    assert max(t["pages"] for t in targets) >= 3
    for item in targets:  # two events a page, one page chain per state: at least count / 2 pages
        assert item["pages"] >= item["count"] / 2 and len(item["request_ids"]) == item["pages"]
    assert stats["ecs.list"] + stats["modelarts.list"] == sum(t["pages"] for t in targets)


# ----------------------------------------------------------------------------------------------- config, secrets

def test_verify_file_accepts_only_its_own_file_names(emulator, ansible_env):
    result = run_inventory_raw(config(emulator), ansible_env, ["--list"], filename="prod.yml")
    assert not result.ok and result.said("could not be verified by inventory plugin")
    for name in ("prod.hwcloud_events.yaml", "x.hwcloud_events.yml"):
        assert run_inventory_raw(config(emulator), ansible_env, ["--graph"], filename=name).ok


@pytest.mark.parametrize("options, words", [
    ({"states": ["bogus"]}, ["'states'", "bogus", "allowed values"]),
    ({"regions": ["Not A Region"]}, ["'regions'", "Not A Region"]),
    ({"mode": "merge"}, ["mode", "merge", "own_hosts", "tag_existing"]),
    ({"starts_within": "soon"}, ["'starts_within'", "soon"]),
    ({"states": ["completed"]}, ["'states'", "pending_only"]),
])
def test_bad_options_give_clear_errors(emulator, ansible_env, options, words):
    result = run_inventory_raw(config(emulator, **options), ansible_env, ["--list"], filename=CONFIG_NAME)
    assert not result.ok
    for word in words:
        assert result.said(word), result.describe()
    assert "Traceback" not in result.stderr


def test_missing_credentials(emulator, ansible_env_factory):
    result = run_inventory_raw(config(emulator), ansible_env_factory(emulator, credentials=None), ["--list"],
                               filename=CONFIG_NAME)
    assert not result.ok and result.said("no credentials") and result.said("HUAWEICLOUD_SDK_AK")


@pytest.mark.parametrize("credentials", ["temporary", "token"])
def test_secrets_never_in_verbose_output(emulator, ansible_env_factory, credentials):
    env = ansible_env_factory(emulator, credentials=None, MY_SK=emu_creds.TEMP_SK, MY_REGION="ap-southeast-1")
    if credentials == "temporary":  # string options may be templates: credentials, regions, endpoints
        options = {"access_key": emu_creds.TEMP_AK, "secret_key": "{{ lookup('ansible.builtin.env', 'MY_SK') }}",
                   "security_token": emu_creds.SECURITY_TOKEN,
                   "regions": ["cn-north-4", "{{ lookup('ansible.builtin.env', 'MY_REGION') }}"],
                   "endpoints": dict(emulator_endpoints(emulator.url), ecs="{{ lookup('ansible.builtin.env', 'HWCLOUD_EMULATOR_URL') }}")}
    else:
        options = {"auth_token": emu_creds.IAM_TOKEN}
    result = run_inventory_raw(config(emulator, **options), env, ["--list", "-vvvv"], filename=CONFIG_NAME)
    assert result.ok, result.describe()
    output = result.stdout[result.stdout.index("\n{") + 1:]  # -vvvv prints lines before the JSON
    assert len(hostvars(plain(json.loads(output)))) == 8
    assert_no_secret(result.stdout, result.stderr)

    # A rejected credential: the error names the target and the request id, never the secret.
    if credentials == "temporary":
        options["security_token"] = emu_creds.SECURITY_TOKEN + "-wrong"
    else:
        options["auth_token"] = emu_creds.IAM_TOKEN + "-wrong"
    result = run_inventory_raw(config(emulator, strict=True, **options), env, ["--list", "-vvvv"],
                               filename=CONFIG_NAME)
    assert not result.ok and result.said("HTTP 401")
    assert_no_secret(result.stdout, result.stderr)
    assert "-wrong" not in result.stdout + result.stderr


def test_vault_encrypted_secret_key(emulator, ansible_env_factory, tmp_path):
    from ansible.constants import DEFAULT_VAULT_ID_MATCH  # pylint: disable=import-outside-toplevel
    from ansible.parsing.vault import VaultLib, VaultSecret  # pylint: disable=import-outside-toplevel

    password = tmp_path / "vault-password"
    password.write_text("inventory-test-vault-password\n")
    vault = VaultLib([(DEFAULT_VAULT_ID_MATCH, VaultSecret(b"inventory-test-vault-password"))])
    ciphertext = vault.encrypt(emu_creds.SK).decode()
    source = tmp_path / CONFIG_NAME
    text = "\n".join(["plugin: hwcloud.maintenance.scheduled_events",
                      "regions: %s" % json.dumps(REGIONS),
                      "endpoints: %s" % json.dumps(emulator_endpoints(emulator.url)),
                      "access_key: %s" % emu_creds.AK,
                      "secret_key: !vault |"] + ["  " + line for line in ciphertext.splitlines()]) + "\n"
    source.write_text(text)
    result = run_inventory_raw(source, ansible_env_factory(emulator, credentials=None),
                               ["--list", "-vvvv", "--vault-password-file", str(password)])
    assert result.ok, result.describe()
    assert "devserver-a1b2c3" in result.stdout
    assert_no_secret(result.stdout, result.stderr)
