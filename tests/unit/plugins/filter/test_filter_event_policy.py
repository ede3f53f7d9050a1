# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the gate/drain policy (plugins/plugin_utils/event_policy.py) and of its filters
(plugins/filter/event_policy.py). The roles and playbooks that use them are tested end to end by molecule
(roles/*/molecule) and tests/integration/test_playbooks.py; these cover the edge cases."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from ansible.errors import AnsibleFilterError
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.hwcloud.maintenance.plugins.filter import event_policy as filters
from ansible_collections.hwcloud.maintenance.plugins.module_utils.errors import OptionError
from ansible_collections.hwcloud.maintenance.plugins.plugin_utils import event_policy as policy

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


def at(**delta):
    """ISO 8601 UTC text of NOW + delta."""
    return (NOW + timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def event(eid, instance_id="i-1", state="scheduled", etype="instance-reboot", not_before=None, service="ecs",
          region="cn-north-4", node_name=None, **extra):
    data = dict(id=eid, service=service, region=region, project_id="p-" + region, workspace_id=None,
                type=etype, state=state, pending=state in ("inquiring", "scheduled", "executing"),
                instance_id=instance_id, node_name=node_name, not_before=not_before)
    data.update(extra)
    return data


# --------------------------------------------------------------------------------------------- matching

class TestEventsByHost:
    def test_matches_instance_id_and_node_name(self):
        events = [event("e1", "i-1", not_before=at(hours=2)),
                  event("e2", "inst-9", service="modelarts", node_name="node-a", not_before=at(hours=1)),
                  event("e3", "i-other")]
        result = policy.events_by_host(events, {"web01": ["i-1"], "node-a": {"keys": ["node-a"]}, "db": []})
        assert [e["id"] for e in result["web01"]] == ["e1"]
        assert [e["id"] for e in result["node-a"]] == ["e2"]
        assert result["db"] == []

    def test_region_restricts_matches(self):
        events = [event("e1", "i-1", region="cn-north-4"), event("e2", "i-1", region="ap-southeast-1")]
        result = policy.events_by_host(events, {"a": {"keys": ["i-1"], "region": "ap-southeast-1"},
                                                "b": {"keys": ["i-1"], "region": None}})
        assert [e["id"] for e in result["a"]] == ["e2"]
        assert sorted(e["id"] for e in result["b"]) == ["e1", "e2"]

    def test_events_sorted_by_start_without_repeats(self):
        events = [event("late", "i-1", not_before=at(days=2)), event("none", "i-1"),
                  event("soon", "i-1", not_before=at(hours=1))]
        result = policy.events_by_host(events, {"h": ["i-1", "i-1", 5]})
        assert [e["id"] for e in result["h"]] == ["soon", "late", "none"]

    def test_numbers_and_lists_are_key_values(self):
        result = policy.events_by_host([event("e1", "42")], {"h": {"keys": [42]}})
        assert [e["id"] for e in result["h"]] == ["e1"]

    def test_hosts_must_be_a_dict(self):
        with pytest.raises(OptionError, match="hosts"):
            policy.events_by_host([], ["web01"])


# --------------------------------------------------------------------------------------------- gate policy

class TestBlockingReason:
    leads = policy.LeadTimes("24h", {"instance-redeploy": "72h"})

    def reason(self, evt, **kwargs):
        return policy.blocking_reason(evt, NOW, self.leads, **kwargs)

    def test_executing_always_blocks(self):
        assert self.reason(event("e", state="executing", not_before=at(days=30))) == "executing now"

    @pytest.mark.parametrize("state", ["completed", "failed", "canceled"])
    def test_final_states_never_block(self, state):
        assert self.reason(event("e", state=state, not_before=at(hours=1))) is None

    def test_scheduled_inside_and_outside_the_lead_time(self):
        assert "within the 24h lead time of instance-reboot" in self.reason(event("e", not_before=at(hours=23)))
        assert self.reason(event("e", not_before=at(hours=25))) is None

    def test_lead_time_per_type(self):
        reason = self.reason(event("e", etype="instance-redeploy", not_before=at(hours=71)))
        assert "starts in 2d23h, within the 72h lead time of instance-redeploy" == reason
        assert self.reason(event("e", etype="instance-redeploy", not_before=at(hours=73))) is None

    def test_inquiring_is_configurable(self):
        evt = event("e", state="inquiring", not_before=at(hours=1))
        assert self.reason(evt) is not None
        assert self.reason(evt, block_inquiring=False) is None

    def test_no_or_unreadable_start_blocks(self):
        assert "no start time" in self.reason(event("e", not_before=None))
        assert "no start time" in self.reason(event("e", not_before="soon-ish"))

    def test_passed_start_blocks(self):
        assert "has passed" in self.reason(event("e", not_before=at(minutes=-5)))

    def test_unknown_state_blocks_inside_the_lead_time(self):
        assert self.reason(event("e", state="preparing", not_before=at(hours=1))) is not None
        assert self.reason(event("e", state="preparing", not_before=at(days=3))) is None

    def test_types_filter(self):
        evt = event("e", not_before=at(hours=1))
        assert self.reason(evt, types=["instance-redeploy"]) is None
        assert self.reason(evt, types=["instance-reboot"]) is not None

    def test_bad_durations_name_the_option(self):
        with pytest.raises(OptionError, match="lead_time"):
            policy.LeadTimes("soon")
        with pytest.raises(OptionError, match=r"lead_times\.instance-redeploy"):
            policy.LeadTimes("24h", {"instance-redeploy": "3 days"})
        with pytest.raises(OptionError, match="lead_times"):
            policy.LeadTimes("24h", ["72h"])


class TestGateVerdict:
    hosts = {"clear": ["i-clear"], "soon": ["i-soon"], "later": ["i-later"], "busy": ["i-busy"], "nokey": []}
    events = [event("e-soon", "i-soon", not_before=at(hours=2)),
              event("e-later", "i-later", not_before=at(days=3)),
              event("e-busy", "i-busy", state="executing", not_before=at(hours=-1)),
              event("e-done", "i-clear", state="completed", not_before=at(hours=-30))]

    def test_verdict(self):
        verdict = policy.gate_verdict(self.events, self.hosts, unknown_hosts=["later", "elsewhere"], now=NOW)
        assert verdict["blocked_hosts"] == ["soon", "busy"]
        assert verdict["passed_hosts"] == ["clear"]
        assert verdict["unknown_hosts"] == ["later"]
        assert verdict["unidentified_hosts"] == ["nokey"]
        assert verdict["checked"] == 5
        assert verdict["now"] == "2026-03-01T12:00:00Z"
        lines = verdict["message"].splitlines()
        assert lines[0] == ("soon: event e-soon (ecs, instance-reboot) state scheduled, start 2026-03-01T14:00:00Z: "
                            "starts in 2h, within the 24h lead time of instance-reboot")
        assert lines[1].startswith("busy: event e-busy (ecs, instance-reboot) state executing")
        assert verdict["blocked"][0]["event_id"] == "e-soon"

    def test_nothing_blocks_without_events(self):
        verdict = policy.gate_verdict([], {"a": ["i-1"]}, now=NOW)
        assert verdict["passed_hosts"] == ["a"] and verdict["blocked"] == [] and verdict["message"] == ""

    def test_now_can_be_relative_or_text(self):
        # Two days later, the event that was 3 days away is inside the lead time.
        verdict = policy.gate_verdict(self.events, {"later": ["i-later"]}, now=at(days=2))
        assert verdict["blocked_hosts"] == ["later"]

    @pytest.mark.parametrize("kwargs, option", [
        (dict(block_inquiring="yes"), "block_inquiring"),
        (dict(now="tomorrow"), "now"),
        (dict(unknown_hosts={"a": 1}), "unknown_hosts"),
    ])
    def test_bad_options(self, kwargs, option):
        with pytest.raises(OptionError, match=option):
            policy.gate_verdict([], {"a": ["i-1"]}, **kwargs)

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.tuples(st.sampled_from(["i-1", "i-2", "i-3"]),
                              st.sampled_from(["inquiring", "scheduled", "executing", "completed", "new-state"]),
                              st.one_of(st.none(), st.integers(min_value=-100, max_value=200))), max_size=8),
           st.integers(min_value=0, max_value=150), st.integers(min_value=0, max_value=150))
    def test_properties(self, specs, lead_a, lead_b):
        """Every host is passed or not, never both blocked and passed; a longer lead time never unblocks."""
        events = [event("e%d" % n, inst, state=state, not_before=None if hours is None else at(hours=hours))
                  for n, (inst, state, hours) in enumerate(specs)]
        hosts = {"h1": ["i-1"], "h2": ["i-2"], "h3": ["i-3"]}
        short, long_ = sorted((lead_a, lead_b))
        v_short = policy.gate_verdict(events, hosts, lead_time="%dh" % short, lead_times={}, now=NOW)
        v_long = policy.gate_verdict(events, hosts, lead_time="%dh" % long_, lead_times={}, now=NOW)
        for verdict in (v_short, v_long):
            assert set(verdict["passed_hosts"]).isdisjoint(verdict["blocked_hosts"])
            assert set(verdict["passed_hosts"]) | set(verdict["blocked_hosts"]) == set(hosts)
        assert set(v_short["blocked_hosts"]) <= set(v_long["blocked_hosts"])


def test_duration_text():
    assert [policy.duration_text(s) for s in (0, 59, 60, 3600, 3660, 86400, 90061, 3 * 86400)] == \
        ["0s", "59s", "1m", "1h", "1h1m", "1d", "1d1h", "3d"]


# --------------------------------------------------------------------------------------------- drain policy

class TestDrainPlan:
    def plan(self, events, record=None, **kwargs):
        kwargs.setdefault("now", NOW)
        kwargs.setdefault("host", "web01")
        return policy.drain_plan(events, record, **kwargs)

    def test_nothing_to_do(self):
        plan = self.plan([event("e", state="completed")])
        assert plan["action"] == "none" and plan["record"] is None and not plan["record_changed"]
        assert plan["reason"] == "no pending event"

    def test_drain_writes_a_record_and_accepts_inquiring_events(self):
        events = [event("e1", state="inquiring", not_before=at(hours=6)), event("e2", not_before=at(days=2)),
                  event("e3", state="canceled")]
        plan = self.plan(events)
        assert plan["action"] == "drain" and plan["record_changed"]
        assert [e["id"] for e in plan["events"]] == ["e1", "e2"]
        assert [e["id"] for e in plan["accept"]] == ["e1"]
        record = plan["record"]
        assert record["host"] == "web01" and record["drained_at"] == "2026-03-01T12:00:00Z"
        assert record["version"] == policy.RECORD_VERSION
        assert [e["id"] for e in record["events"]] == ["e1", "e2"]
        assert set(record["events"][0]) == set(policy.RECORD_FIELDS)
        assert plan["reason"].startswith("pending: e1 (instance-reboot, inquiring, start 2026-03-01T18:00:00Z)")

    def test_lead_time_and_types_limit_what_is_due(self):
        events = [event("far", not_before=at(days=5)), event("near", etype="instance-stop", not_before=at(hours=3)),
                  event("busy", state="executing", not_before=at(days=-1)), event("unknown-start")]
        assert [e["id"] for e in self.plan(events, lead_time="1d")["events"]] == ["near", "busy", "unknown-start"]
        assert [e["id"] for e in self.plan(events, lead_time="1d", lead_times={"instance-reboot": "6d"})["events"]] \
            == ["far", "near", "busy", "unknown-start"]
        assert [e["id"] for e in self.plan(events, types=["instance-stop"])["events"]] == ["near"]

    def test_stays_drained_while_the_event_is_pending_and_the_record_does_not_change(self):
        first = self.plan([event("e1", state="inquiring", not_before=at(hours=6))])
        again = self.plan([event("e1", state="scheduled", not_before=at(hours=1))], record=first["record"],
                          now=at(hours=1))
        assert again["action"] == "stay" and not again["record_changed"]
        assert again["record"] == first["record"]
        assert again["waiting"] == ["e1"] and again["accept"] == []
        assert again["reason"] == "waiting for e1"

    def test_record_as_json_text(self):
        first = self.plan([event("e1")])
        text = json.dumps(first["record"], sort_keys=True, indent=4)
        again = self.plan([event("e1")], record=text)
        assert again["action"] == "stay" and again["previous_record"] == first["record"]

    @pytest.mark.parametrize("state", ["completed", "canceled"])
    def test_undrain_when_the_events_end(self, state):
        record = self.plan([event("e1")])["record"]
        plan = self.plan([event("e1", state=state)], record=record)
        assert plan["action"] == "undrain" and plan["record"] is None and plan["record_changed"]
        assert plan["finished"] == ["e1"] and plan["previous_record"] == record
        assert plan["reason"] == "event(s) e1 reached completed or canceled"

    def test_failed_event_keeps_the_host_drained_until_forced(self):
        record = self.plan([event("e1")])["record"]
        plan = self.plan([event("e1", state="failed")], record=record)
        assert plan["action"] == "stay" and plan["failed"] == ["e1"] and "force_undrain" in plan["reason"]
        assert self.plan([event("e1", state="failed")], record=record, force_undrain=True)["action"] == "undrain"
        assert self.plan([event("e1", state="failed")], record=record,
                         undrain_states=["completed", "canceled", "failed"])["action"] == "undrain"

    def test_gone_event_keeps_the_host_drained(self):
        record = self.plan([event("e1")])["record"]
        plan = self.plan([], record=record)
        assert plan["action"] == "stay" and plan["gone"] == ["e1"] and "no longer listed" in plan["reason"]
        assert self.plan([], record=record, force_undrain=True)["action"] == "undrain"
        gone = self.plan([], record=record, undrain_gone=True)
        assert gone["action"] == "undrain" and gone["reason"] == "event(s) e1 no longer listed"
        mixed = self.plan([event("e2", state="completed")], record=dict(record, events=record["events"] + [
            dict(record["events"][0], id="e2")]), undrain_gone=True)
        assert mixed["reason"] == "event(s) e2 reached completed or canceled; e1 no longer listed"

    def test_new_due_event_while_drained_is_added(self):
        record = self.plan([event("e1")])["record"]
        plan = self.plan([event("e1", state="completed"), event("e2", state="inquiring")], record=record)
        assert plan["action"] == "stay" and plan["record_changed"]
        assert [e["id"] for e in plan["record"]["events"]] == ["e2"]
        assert plan["record"]["drained_at"] == record["drained_at"]
        assert [e["id"] for e in plan["accept"]] == ["e2"]
        assert "new due event(s) e2" in plan["reason"]

    def test_unidentified_host(self):
        plan = self.plan([], identified=False)
        assert plan["action"] == "none" and "no value for the match keys" in plan["reason"]

    @pytest.mark.parametrize("record", ["{not json", "[]", '{"events": "e1"}', '{"events": [{"type": "x"}]}', 7])
    def test_unusable_record_is_an_error(self, record):
        with pytest.raises(OptionError, match="drain record of web01 is unusable"):
            self.plan([event("e1")], record=record)

    @pytest.mark.parametrize("record", [None, "", "  \n"])
    def test_no_record(self, record):
        assert self.plan([event("e1")], record=record)["action"] == "drain"

    def test_bad_options(self):
        with pytest.raises(OptionError, match="force_undrain"):
            self.plan([], force_undrain="no")
        with pytest.raises(OptionError, match="undrain_gone"):
            self.plan([], undrain_gone=1)
        with pytest.raises(OptionError, match="undrain_states"):
            self.plan([], undrain_states={"completed": True})
        with pytest.raises(OptionError, match="lead_time"):
            self.plan([], lead_time="a while")


# --------------------------------------------------------------------------------------------- filters

class FakeHostvars(dict):
    """``hostvars`` as a filter sees it: a mapping of host -> variables with ``raw_get``."""

    def raw_get(self, host):
        return self[host]


class TestFilters:
    hostvars = FakeHostvars({
        "web01": {"inventory_hostname": "web01", "instance_id": "i-1", "region": "cn-north-4"},
        "web02": {"inventory_hostname": "web02", "openstack": {"id": "os-2"}, "ids": ["a", 3, None, {"x": 1}]},
        "node-a": {"inventory_hostname": "node-a"},
    })

    def test_filter_names(self):
        assert set(filters.FilterModule().filters()) == {"host_event_keys", "events_by_host", "gate_verdict",
                                                         "drain_plan"}

    def test_host_event_keys_defaults(self):
        keys = filters.host_event_keys(self.hostvars, ["web01", "web02", "node-a", "not-in-inventory"])
        assert keys == {"web01": {"keys": ["i-1"], "region": None}, "web02": {"keys": ["os-2"], "region": None},
                        "node-a": {"keys": [], "region": None}, "not-in-inventory": {"keys": [], "region": None}}

    def test_host_event_keys_expressions(self):
        keys = filters.host_event_keys(self.hostvars, ["web01", "web02", "node-a"],
                                       ["instance_id", "ids", "'x-' ~ inventory_hostname", "inventory_hostname"],
                                       "region")
        assert keys["web01"] == {"keys": ["i-1", "x-web01", "web01"], "region": "cn-north-4"}
        assert keys["web02"] == {"keys": ["a", "3", "x-web02", "web02"], "region": None}
        assert keys["node-a"]["keys"] == ["x-node-a", "node-a"]

    def test_host_event_keys_single_strings(self):
        keys = filters.host_event_keys(self.hostvars, "web01", "instance_id")
        assert keys == {"web01": {"keys": ["i-1"], "region": None}}

    def test_host_event_keys_bad_match_keys(self):
        with pytest.raises(AnsibleFilterError, match="match_keys must be a list"):
            filters.host_event_keys(self.hostvars, ["web01"], {"instance_id": True})

    def test_gate_and_drain_filters(self):
        events = [event("e1", "i-1", not_before=at(hours=1))]
        hosts = filters.host_event_keys(self.hostvars, ["web01", "web02"])
        assert filters.events_by_host(events, hosts)["web01"][0]["id"] == "e1"
        verdict = filters.gate_verdict(events, hosts, now=at())
        assert verdict["blocked_hosts"] == ["web01"] and verdict["passed_hosts"] == ["web02"]
        assert filters.drain_plan(events, now=at(), host="web01")["action"] == "drain"

    def test_errors_become_filter_errors(self):
        with pytest.raises(AnsibleFilterError, match=r"hwcloud\.maintenance\.gate_verdict: .*lead_time"):
            filters.gate_verdict([], {"a": ["i"]}, lead_time="whenever")
        with pytest.raises(AnsibleFilterError, match=r"hwcloud\.maintenance\.events_by_host: .*hosts"):
            filters.events_by_host([], "web01")
        with pytest.raises(AnsibleFilterError, match=r"hwcloud\.maintenance\.drain_plan: .*unusable"):
            filters.drain_plan([], record="{", host="web01")
