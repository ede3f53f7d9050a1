# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure mapping of the inventory plugin: events -> resources, host names, host variables, groups, matching,
hosts at risk, the cache entry and the summary. No Ansible, no network, a pinned clock."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.hwcloud.maintenance.plugins.module_utils.fleet import FleetResult, Target, TargetResult
from ansible_collections.hwcloud.maintenance.plugins.module_utils.models import normalise_ecs
from ansible_collections.hwcloud.maintenance.plugins.module_utils.query import EventQuery
from ansible_collections.hwcloud.maintenance.plugins.plugin_utils import inventory as inv

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


def ecs(event_id, instance_id, state="scheduled", type_="instance-reboot", not_before="2026-03-02T12:00:00Z",
        region="cn-north-4", project_id="p-north", **extra):
    event = {"service": "ecs", "id": event_id, "type": type_, "state": state,
             "pending": state in inv.PENDING_STATES, "instance_id": instance_id, "node_name": None,
             "pool_name": None, "instance_type": None, "description": "d", "description_raw": "d",
             "publish_time": "2026-02-28T12:00:00Z", "not_before": not_before, "not_after": None,
             "not_before_deadline": None, "start_time": None, "finish_time": None, "region": region,
             "project_id": project_id, "workspace_id": None, "raw": {"id": event_id}}
    event.update(extra)
    return event


def modelarts(event_id, node_name, instance_id=None, state="inquiring", type_="node_redeploy",
              not_before="2026-03-03T00:00:00Z", region="cn-north-4", project_id="p-north", pool_name=None,
              workspace_id="0"):
    event = ecs(event_id, instance_id, state=state, type_=type_, not_before=not_before, region=region,
                project_id=project_id)
    event.update(service="modelarts", node_name=node_name, pool_name=pool_name, instance_type="devserver",
                 workspace_id=workspace_id)
    return event


def target(service, region, ok=True, project_id="p", error=None, count=0):
    return {"service": service, "region": region, "project_id": project_id, "endpoint": "https://x", "ok": ok,
            "count": count, "pages": 1, "request_ids": ["r1"],
            "error": None if ok else (error or {"msg": "boom (HTTP 500, request id abc)", "status": 500,
                                                "code": "Ecs.0000", "request_id": "abc"})}


# ------------------------------------------------------------------------------------------------- helpers

@pytest.mark.parametrize("raw, safe", [
    ("scheduled_event_type_instance-redeploy", "scheduled_event_type_instance_redeploy"),
    ("scheduled_event_state_scheduled", "scheduled_event_state_scheduled"),
    ("a b.c/d:e", "a_b_c_d_e"),
    ("ünïcode", "_n_code"),
])
def test_safe_group_name(raw, safe):
    assert inv.safe_group_name(raw) == safe


def test_sort_key_puts_events_without_start_last():
    events = [ecs("b", "i", not_before=None), ecs("a", "i", not_before="2026-03-05T00:00:00Z"),
              ecs("c", "i", not_before="2026-03-01T00:00:00Z")]
    assert [e["id"] for e in sorted(events, key=inv.event_sort_key)] == ["c", "a", "b"]


@pytest.mark.parametrize("value, empty", [(None, True), ("", True), ([], True), ({}, True), (0, False),
                                          ("x", False), (False, False), ([None], False)])
def test_is_empty(value, empty):
    assert inv.is_empty(value) is empty


def test_unique_events_keeps_first_of_each_identity():
    a = ecs("e1", "i1")
    b = ecs("e1", "i1", region="cn-east-3")
    assert inv.unique_events([a, dict(a), b]) == [a, b]


# ------------------------------------------------------------------------------------------------- resources

def test_resources_group_events_per_machine_and_keep_regions_apart():
    events = [ecs("e1", "i1"), ecs("e2", "i1", not_before="2026-03-01T13:00:00Z"),
              ecs("e3", "i1", region="ap-southeast-1", project_id="p-ap"),
              modelarts("m1", "node-a", instance_id="i1"), modelarts("m2", None, instance_id="dev-1")]
    resources = inv.group_resources(events)
    by_key = dict((r.key, r) for r in resources)
    assert len(resources) == 4
    north = by_key[("ecs", "cn-north-4", "p-north", "", "i1")]
    assert [e["id"] for e in north.events] == ["e2", "e1"]  # sorted by not_before
    assert ("ecs", "ap-southeast-1", "p-ap", "", "i1") in by_key
    assert by_key[("modelarts", "cn-north-4", "p-north", "0", "node-a")].identifiers == ["i1", "node-a"]
    assert ("modelarts", "cn-north-4", "p-north", "0", "dev-1") in by_key  # no node name: the instance id


def test_resource_without_machine_is_kept_not_dropped():
    resources = inv.group_resources([ecs("e1", None)])
    assert len(resources) == 1 and resources[0].identifiers == [] and resources[0].key[-1] == "event:e1"


def test_resource_fills_fields_from_later_events():
    first = modelarts("m1", "node-a", instance_id=None, pool_name=None)
    second = modelarts("m2", "node-a", instance_id="i9", pool_name="pool-1")
    resource = inv.group_resources([first, second])[0]
    assert resource.fields["instance_id"] == "i9" and resource.fields["pool_name"] == "pool-1"


def test_resource_variables_for_hostname_expressions():
    resource = inv.group_resources([ecs("e1", "i1"), ecs("e0", "i1", not_before="2026-03-01T12:30:00Z")])[0]
    variables = resource.variables({"scheduled_event_status": "pending"})
    assert variables["instance_id"] == "i1" and variables["region"] == "cn-north-4"
    assert variables["event"]["id"] == "e0" and len(variables["events"]) == 2
    assert variables["scheduled_event_status"] == "pending"


# ------------------------------------------------------------------------------------------------- host vars

def test_host_vars_of_pending_events():
    events = [ecs("e1", "i1", type_="instance-redeploy", not_before="2026-03-01T14:00:00Z"),
              ecs("e2", "i1", state="completed", type_="instance-reboot", not_before="2026-03-01T12:30:00Z"),
              ecs("e3", "i1", state="inquiring", type_="system-maintenance", not_before=None)]
    resource = inv.group_resources(events)[0]
    values = inv.host_vars(events, NOW, resources=[resource])
    assert [e["id"] for e in values["scheduled_events"]] == ["e2", "e1", "e3"]
    # Next start: of a pending event (the completed one is earlier but not pending).
    assert values["scheduled_event_next_not_before"] == "2026-03-01T14:00:00Z"
    assert values["scheduled_event_seconds_until"] == 7200
    assert values["scheduled_event_types"] == ["instance-reboot", "instance-redeploy", "system-maintenance"]
    assert values["scheduled_event_states"] == ["completed", "inquiring", "scheduled"]
    assert values["scheduled_event_services"] == ["ecs"]
    assert values["scheduled_event_status"] == "pending"
    assert values["scheduled_event_resources"] == [resource.fields]


def test_host_vars_seconds_until_is_negative_once_started():
    values = inv.host_vars([ecs("e1", "i1", state="executing", not_before="2026-03-01T11:30:00Z")], NOW)
    assert values["scheduled_event_seconds_until"] == -1800


def test_host_vars_without_events_and_with_prefix():
    values = inv.host_vars([], NOW, prefix="hw_")
    assert values == {"hw_scheduled_events": [], "hw_scheduled_event_next_not_before": None,
                      "hw_scheduled_event_seconds_until": None, "hw_scheduled_event_types": [],
                      "hw_scheduled_event_states": [], "hw_scheduled_event_services": [],
                      "hw_scheduled_event_resources": [], "hw_scheduled_event_status": "clear"}


def test_host_status_precedence():
    pending = [ecs("e1", "i1")]
    finished = [ecs("e2", "i1", state="completed")]
    assert inv.host_vars(pending, NOW, status="unknown")["scheduled_event_status"] == "pending"
    assert inv.host_vars(finished, NOW, status="unknown")["scheduled_event_status"] == "unknown"
    assert inv.host_vars(finished, NOW)["scheduled_event_status"] == "clear"
    # Only finished events: nothing is coming.
    assert inv.host_vars(finished, NOW)["scheduled_event_next_not_before"] is None
    assert inv.host_vars(finished, NOW)["scheduled_event_seconds_until"] is None


def test_host_vars_are_json_serialisable():
    events = [ecs("e1", "i1"), modelarts("m1", "n1")]
    json.dumps(inv.host_vars(events, NOW, resources=inv.group_resources(events)))


# ------------------------------------------------------------------------------------------------- groups

def test_host_groups():
    events = [ecs("e1", "i1", type_="instance-redeploy"), ecs("e2", "i1", state="canceled", type_="instance-stop"),
              modelarts("m1", "n1", type_="node_reboot")]
    assert inv.host_groups(events) == [
        "scheduled_event_service_ecs", "scheduled_event_service_modelarts", "scheduled_event_state_canceled",
        "scheduled_event_state_inquiring", "scheduled_event_state_scheduled", "scheduled_event_type_instance_redeploy",
        "scheduled_event_type_instance_stop", "scheduled_event_type_node_reboot", "scheduled_events_pending"]


def test_host_groups_not_pending_and_at_risk():
    assert inv.host_groups([ecs("e1", "i1", state="completed")]) == [
        "scheduled_event_service_ecs", "scheduled_event_state_completed", "scheduled_event_type_instance_reboot"]
    assert inv.host_groups([], at_risk=True) == ["scheduled_events_unknown"]


def test_unknown_types_and_states_make_safe_groups():
    groups = inv.host_groups([ecs("e1", "i1", state="paused-by/ops", type_="new.type v2")])
    assert "scheduled_event_state_paused_by_ops" in groups and "scheduled_event_type_new_type_v2" in groups
    assert inv.PENDING_GROUP not in groups


# ------------------------------------------------------------------------------------------------- host names

def _named(resources, name_of):
    return inv.assign_hostnames(resources, dict((r.key, name_of(r)) for r in resources))


def test_hostnames_unique_names_are_kept():
    resources = inv.group_resources([ecs("e1", "i1"), ecs("e2", "i2")])
    naming = _named(resources, lambda r: r.fields["instance_id"])
    assert sorted(naming.names.values()) == ["i1", "i2"] and not naming.renamed and not naming.unnamed


def test_hostnames_same_name_in_two_regions_are_kept_apart():
    resources = inv.group_resources([modelarts("m1", "node-a"), modelarts("m2", "node-a", region="ap-southeast-1"),
                                     modelarts("m3", "node-b")])
    naming = _named(resources, lambda r: r.fields["node_name"])
    assert sorted(naming.names.values()) == ["node-a_ap-southeast-1", "node-a_cn-north-4", "node-b"]
    assert naming.renamed == {"node-a": ["node-a_ap-southeast-1", "node-a_cn-north-4"]}


def test_hostnames_same_name_same_region_other_service_then_project():
    resources = inv.group_resources([ecs("e1", "i1"), modelarts("m1", None, instance_id="i1"),
                                     ecs("e2", "i1", project_id="p-other")])
    naming = _named(resources, lambda r: r.fields["instance_id"])
    assert sorted(naming.names.values()) == ["i1_cn-north-4_ecs_p-north", "i1_cn-north-4_ecs_p-other",
                                             "i1_cn-north-4_modelarts_p-north"]


def test_hostnames_suffix_never_takes_an_existing_name():
    resources = inv.group_resources([ecs("e1", "x"), ecs("e2", "x", region="ap-southeast-1"),
                                     ecs("e3", "x_cn-north-4", region="cn-east-3")])
    naming = _named(resources, lambda r: r.fields["instance_id"])
    names = sorted(naming.names.values())
    assert len(set(names)) == 3 and "x_cn-north-4" in names
    assert names.count("x_cn-north-4") == 1


def test_hostnames_unnamed_resources_are_returned():
    resources = inv.group_resources([ecs("e1", "i1"), ecs("e2", None)])
    naming = _named(resources, lambda r: r.fields["instance_id"] if not r.key[-1].startswith("event:") else None)
    assert list(naming.names.values()) == ["i1"]
    assert [r.events[0]["id"] for r in naming.unnamed] == ["e2"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["ecs", "modelarts"]), st.sampled_from(["cn-north-4", "ap-southeast-1"]),
                          st.sampled_from(["p1", "p2"]), st.sampled_from(["a", "b", "a_cn-north-4", ""]),
                          st.sampled_from(["0", "1"])), max_size=25))
def test_hostnames_are_always_unique_and_every_resource_is_named_or_reported(specs):
    events = []
    for index, (service, region, project, name, workspace) in enumerate(specs):
        if service == "ecs":
            events.append(ecs("e%d" % index, "i%d" % index, region=region, project_id=project))
        else:
            events.append(modelarts("m%d" % index, "n%d" % index, region=region, project_id=project,
                                    workspace_id=workspace))
    resources = inv.group_resources(events)
    wanted = dict((r.key, specs[int(r.events[0]["id"][1:])][3] or None) for r in resources)
    naming = inv.assign_hostnames(resources, wanted)
    assert len(set(naming.names.values())) == len(naming.names)
    assert set(naming.names) | set(r.key for r in naming.unnamed) == set(r.key for r in resources)
    for key, name in naming.names.items():
        assert name.startswith(wanted[key])


# ------------------------------------------------------------------------------------------------- tag existing

def test_match_key_values():
    assert inv.match_key_values("abc") == ["abc"]
    assert inv.match_key_values(12) == ["12"]
    assert inv.match_key_values(["a", None, "", "b", {"x": 1}]) == ["a", "b"]
    assert inv.match_key_values(None) == [] and inv.match_key_values("") == [] and inv.match_key_values({}) == []


def test_match_hosts_by_instance_id_and_node_name():
    resources = inv.group_resources([ecs("e1", "i1"), ecs("e2", "i2"), modelarts("m1", "node-a", instance_id="i9"),
                                     ecs("e3", "i3", region="ap-southeast-1")])
    hosts = [inv.ExistingHost("web01", ["i1"]), inv.ExistingHost("gpu01", ["gpu01", "node-a"]),
             inv.ExistingHost("both", ["i2", "i9"]), inv.ExistingHost("none", [None, ""]),
             inv.ExistingHost("alias", ["i1"])]
    matches, unmatched = inv.match_hosts(resources, hosts)
    assert sorted(matches) == ["alias", "both", "gpu01", "web01"]
    assert [r.events[0]["id"] for r in matches["web01"]] == ["e1"]
    assert [r.events[0]["id"] for r in matches["alias"]] == ["e1"]  # two hosts, same instance: both tagged
    assert sorted(r.events[0]["id"] for r in matches["both"]) == ["e2", "m1"]
    assert [r.events[0]["id"] for r in unmatched] == ["e3"]
    assert not hosts[3].matchable


def test_match_hosts_respects_the_host_region():
    resources = inv.group_resources([ecs("e1", "i1"), ecs("e2", "i1", region="ap-southeast-1", project_id="q")])
    matches, unmatched = inv.match_hosts(resources, [inv.ExistingHost("web01", ["i1"], region="ap-southeast-1")])
    assert [r.events[0]["id"] for r in matches["web01"]] == ["e2"]
    assert [r.events[0]["id"] for r in unmatched] == ["e1"]
    matches, unmatched = inv.match_hosts(resources, [inv.ExistingHost("web01", ["i1"], region="")])
    assert len(matches["web01"]) == 2 and not unmatched


def test_hosts_at_risk_is_conservative():
    hosts = [inv.ExistingHost("any", ["i1"]), inv.ExistingHost("north", ["i2"], "cn-north-4"),
             inv.ExistingHost("ap", ["i3"], "ap-southeast-1"), inv.ExistingHost("localhost", [])]
    assert inv.hosts_at_risk([], hosts) == []
    failed = [target("modelarts", "cn-north-4", ok=False)]
    assert inv.hosts_at_risk(failed, hosts) == ["any", "north"]
    failed.append(target("ecs", "ap-southeast-1", ok=False))
    assert inv.hosts_at_risk(failed, hosts) == ["any", "north", "ap"]


# ------------------------------------------------------------------------------------------------- listing/cache

def test_listing_complete_and_failed():
    ok = inv.Listing([ecs("e1", "i1")], [target("ecs", "cn-north-4")], NOW)
    assert ok.complete and ok.failed_targets == []
    bad = inv.Listing([], [target("ecs", "cn-north-4"), target("modelarts", "cn-north-4", ok=False)], NOW)
    assert not bad.complete and [t["service"] for t in bad.failed_targets] == ["modelarts"]
    assert not inv.Listing([], [], NOW).complete  # nothing read is not "complete"


def test_cache_round_trip_holds_only_events_and_targets():
    listing = inv.Listing([ecs("e1", "i1"), modelarts("m1", "n1")], [target("ecs", "cn-north-4")], NOW)
    entry = json.loads(json.dumps(listing.to_cache("digest")))
    assert sorted(entry) == ["complete", "events", "fetched_at", "fingerprint", "format", "targets"]
    again = inv.Listing.from_cache(entry, "digest")
    assert again.from_cache and again.events == listing.events and again.targets == listing.targets
    assert again.fetched_at == NOW


def test_cache_entry_of_incomplete_listing_is_a_miss_marker():
    listing = inv.Listing([ecs("e1", "i1")], [target("ecs", "cn-north-4", ok=False)], NOW)
    entry = listing.to_cache("digest")
    assert entry == {"format": inv.CACHE_FORMAT, "fingerprint": "digest", "complete": False}
    assert inv.Listing.from_cache(entry, "digest") is None


@pytest.mark.parametrize("entry", [
    None, [], "x", {}, {"format": 0}, {"format": inv.CACHE_FORMAT, "fingerprint": "other", "complete": True},
    {"format": inv.CACHE_FORMAT, "fingerprint": "digest", "complete": True, "events": "x", "targets": [],
     "fetched_at": "2026-03-01T12:00:00Z"},
    {"format": inv.CACHE_FORMAT, "fingerprint": "digest", "complete": True, "events": [], "targets": [],
     "fetched_at": "2026-03-01T12:00:00Z"},
    {"format": inv.CACHE_FORMAT, "fingerprint": "digest", "complete": True, "events": [{"no": "id"}],
     "targets": [{"ok": True}], "fetched_at": "2026-03-01T12:00:00Z"},
    {"format": inv.CACHE_FORMAT, "fingerprint": "digest", "complete": True, "events": [],
     "targets": [{"ok": False}], "fetched_at": "2026-03-01T12:00:00Z"},
    {"format": inv.CACHE_FORMAT, "fingerprint": "digest", "complete": True, "events": [],
     "targets": [{"ok": True}], "fetched_at": "yesterday"},
])
def test_unusable_cache_entries_are_misses(entry):
    assert inv.Listing.from_cache(entry, "digest") is None


def test_cached_listing_is_filtered_with_the_current_query():
    listing = inv.Listing([ecs("soon", "i1", not_before="2026-03-01T13:00:00Z"),
                           ecs("late", "i2", not_before="2026-03-09T13:00:00Z"),
                           ecs("done", "i3", state="completed")], [target("ecs", "cn-north-4")], NOW)
    query = EventQuery.from_options({"starts_within": "24h"}, now=NOW, pending_default=True)
    kept = listing.filtered(lambda e: query.matches(inv.EventView(e)))
    assert [e["id"] for e in kept.events] == ["soon"]
    assert kept.targets == listing.targets and kept.fetched_at == NOW


def test_event_view():
    view = inv.EventView({"state": "scheduled"})
    assert view.state == "scheduled" and view.node_name is None
    with pytest.raises(AttributeError):
        view._private  # pylint: disable=pointless-statement,protected-access


def test_fingerprint_is_stable_and_sensitive():
    a = inv.fingerprint({"regions": ["cn-north-4"], "states": []})
    assert a == inv.fingerprint({"states": [], "regions": ["cn-north-4"]})
    assert a != inv.fingerprint({"regions": ["cn-north-4", "ap-southeast-1"], "states": []})
    assert len(a) == 64 and "cn-north-4" not in a


@pytest.mark.parametrize("include_raw", [True, False])
def test_listing_from_fleet_keeps_raw_only_when_asked(include_raw):
    raw = {"id": "e1", "instance_id": "i1", "type": "instance-reboot", "state": "scheduled",
           "not_before": "2026-03-02T12:00:00Z", "future_field": [1]}
    result = FleetResult([TargetResult(Target("cn-north-4", "p", "ecs", "https://x"),
                                       [normalise_ecs(raw, "cn-north-4", "p")], pages=1, request_ids=["r1"])])
    listing = inv.Listing.from_fleet(result, NOW, include_raw=include_raw)
    (event,) = listing.events
    assert event["id"] == "e1" and event["instance_id"] == "i1" and event["state"] == "scheduled"
    assert ("raw" in event) is include_raw and (not include_raw or event["raw"]["future_field"] == [1])
    assert listing.complete and listing.targets[0]["request_ids"] == ["r1"]


# ------------------------------------------------------------------------------------------------- summary

def test_summary_and_descriptions():
    failed = target("modelarts", "cn-north-4", ok=False)
    listing = inv.Listing([ecs("e1", "i1")], [target("ecs", "cn-north-4"), failed], NOW)
    result = inv.summary(listing, "tag_existing", NOW, hosts=3, unplaced=[listing.events[0]],
                         renamed={"a": ["a_x", "a_y"]})
    assert result["complete"] is False and result["mode"] == "tag_existing" and result["hosts"] == 3
    assert result["evaluated_at"] == "2026-03-01T12:00:00Z" and result["from_cache"] is False
    assert result["failed_targets"] == [{"service": "modelarts", "region": "cn-north-4", "project_id": "p",
                                         "endpoint": "https://x", "error": failed["error"]}]
    assert result["unmatched_events"][0]["id"] == "e1" and "raw" not in result["unmatched_events"][0]
    assert result["renamed_hosts"] == {"a": ["a_x", "a_y"]} and result["targets"] == 2
    # Small: --list copies it into every host. No per-target page counts, request ids or query in it.
    assert sorted(result) == ["complete", "evaluated_at", "events", "failed_targets", "fetched_at", "from_cache",
                              "hosts", "mode", "renamed_hosts", "targets", "unmatched_events"]
    json.dumps(result)
    ok_line, failed_line = inv.describe_targets(listing.targets)
    assert ok_line == "target ecs cn-north-4 project p: 0 events in 1 pages; request ids: r1"
    assert failed_line.startswith("target modelarts cn-north-4 project p: failed: ")
    lines = inv.describe_failures([failed] * 7)
    assert len(lines) == 6 and "request id abc" in lines[0] and lines[-1] == "... and 2 more"
    assert "and 1 more" in inv.describe_events([ecs("e%d" % i, "i") for i in range(6)])
