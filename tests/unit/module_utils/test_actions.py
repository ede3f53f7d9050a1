"""Unit tests of module_utils/actions.py: maintenance windows, request validation, planning, and the
read-act-read flow against the emulator (real HTTP; the clock is injected everywhere)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.hwcloud.maintenance.plugins.module_utils.actions import (
    ASAP, NEXT_WINDOW, ActionRefused, ActionRequest, MaintenanceSchedule, MaintenanceWindow, ReadBackError,
    manage_event, parse_offset, plan_action,
)
from ansible_collections.hwcloud.maintenance.plugins.module_utils.errors import ApiError, OptionError
from ansible_collections.hwcloud.maintenance.plugins.module_utils.models import ScheduledEvent
from ansible_collections.hwcloud.maintenance.plugins.module_utils.query import Settings
from ansible_collections.hwcloud.maintenance.plugins.module_utils.timeutil import iso, utcnow

UTC = timezone.utc
# Wednesday 2026-03-04 10:00:00 UTC
NOW = datetime(2026, 3, 4, 10, 0, 0, tzinfo=UTC)


def at(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def event(state="scheduled", not_before="2026-03-06T10:00:00Z", deadline="2026-03-10T10:00:00Z", service="ecs",
          event_id="ev-1"):
    return ScheduledEvent(service=service, id=event_id, type="system-maintenance", state=state,
                          not_before=not_before, not_before_deadline=deadline, region="cn-north-4",
                          project_id="p" * 32)


def request(state="accepted", not_before=None, window=None, service="ecs", **more):
    options = dict(service=service, event_id="ev-1", state=state, not_before=not_before, maintenance_window=window)
    options.update(more)
    return ActionRequest.from_options(options, now=NOW)


# --------------------------------------------------------------------------------------- maintenance windows

class TestMaintenanceWindow:
    def test_single_day(self):
        window = MaintenanceWindow.parse("Sat 02:00-06:00 UTC")
        assert window.days == {5} and window.start == 120 and window.length == 240 and window.offset == 0

    @pytest.mark.parametrize("text, days", [
        ("Mon-Fri 01:00-02:00 UTC", {0, 1, 2, 3, 4}),
        ("Fri-Mon 01:00-02:00 UTC", {4, 5, 6, 0}),           # a range wraps around the week
        ("Sat,Sun 01:00-02:00 UTC", {5, 6}),
        ("sat, SUNDAY 01:00-02:00 UTC", {5, 6}),
        ("Mon-Wed,Fri 01:00-02:00 UTC", {0, 1, 2, 4}),
        ("daily 01:00-02:00 UTC", set(range(7))),
        ("* 01:00-02:00 UTC", set(range(7))),
        ("Tues-Thurs 01:00-02:00 UTC", {1, 2, 3}),
    ])
    def test_days(self, text, days):
        assert MaintenanceWindow.parse(text).days == days

    @pytest.mark.parametrize("text, minutes", [
        ("UTC", 0), ("utc", 0), ("Z", 0), ("GMT", 0), ("+08:00", 480), ("-05:30", -330), ("+0800", 480),
        ("UTC+8", 480), ("GMT-03:00", -180), ("+14:00", 840), ("-12:00", -720),
    ])
    def test_offsets(self, text, minutes):
        assert parse_offset(text) == minutes

    def test_crossing_midnight(self):
        window = MaintenanceWindow.parse("Fri 22:00-02:00 UTC")
        assert window.length == 240
        occ = window.occurrences(NOW, NOW + timedelta(days=7))
        assert [o.to_dict() for o in occ] == [{"opening": "2026-03-06T22:00:00Z", "closing": "2026-03-07T02:00:00Z"}]

    def test_whole_day(self):
        window = MaintenanceWindow.parse("Sun 00:00-24:00 UTC")
        assert window.length == 1440

    def test_fixed_offset_moves_the_day(self):
        # Saturday 01:00 at +08:00 is Friday 17:00 UTC.
        schedule = MaintenanceSchedule.parse("Sat 01:00-03:00 +08:00")
        occ = schedule.next_opening(NOW)
        assert (iso(occ.opening), iso(occ.closing)) == ("2026-03-06T17:00:00Z", "2026-03-06T19:00:00Z")

    def test_negative_offset_crossing_midnight(self):
        # Sunday 23:00 at -05:00 is Monday 04:00 UTC, closing Monday 06:00 UTC.
        schedule = MaintenanceSchedule.parse("Sun 23:00-01:00 -05:00")
        occ = schedule.next_opening(NOW)
        assert (iso(occ.opening), iso(occ.closing)) == ("2026-03-09T04:00:00Z", "2026-03-09T06:00:00Z")

    def test_next_opening_is_strictly_after(self):
        schedule = MaintenanceSchedule.parse("Wed 10:00-12:00 UTC")
        assert iso(schedule.next_opening(NOW).opening) == "2026-03-11T10:00:00Z"  # not the one opening right now
        assert iso(schedule.next_opening(NOW - timedelta(seconds=1)).opening) == "2026-03-04T10:00:00Z"

    def test_containing(self):
        schedule = MaintenanceSchedule.parse("Tue 22:00-02:00 UTC")  # Tue 22:00 -> Wed 02:00
        assert schedule.containing(at("2026-03-04T01:59:59Z")).to_dict() == {
            "opening": "2026-03-03T22:00:00Z", "closing": "2026-03-04T02:00:00Z"}
        assert schedule.containing(at("2026-03-04T02:00:00Z")) is None  # the closing moment is outside
        assert schedule.containing(at("2026-03-03T22:00:00Z")) is not None

    def test_several_windows(self):
        schedule = MaintenanceSchedule.parse("Sat 02:00-06:00 UTC; Thu 01:00-02:00 +01:00;")
        assert len(schedule.windows) == 2
        assert iso(schedule.next_opening(NOW).opening) == "2026-03-05T00:00:00Z"

    def test_every_day_opens_within_a_week(self):
        for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"):
            schedule = MaintenanceSchedule.parse("%s 09:59-10:01 -14:00" % day)
            occ = schedule.next_opening(NOW)
            assert NOW < occ.opening <= NOW + timedelta(days=7)

    @pytest.mark.parametrize("text, words", [
        ("", "empty"),
        ("  ;  ", "empty"),
        ("Sat 02:00-06:00", "time zone is missing"),
        ("Sat 02:00-06:00 CET", "unknown time zone 'CET'"),
        ("Sat 02:00-06:00 +15:00", "out of range"),
        ("Sat 02:00-06:00 +08:75", "out of range"),
        ("Caturday 02:00-06:00 UTC", "unknown day 'caturday'"),
        ("Sat- 02:00-06:00 UTC", "not a day or a range"),
        ("Mon-Wed-Fri 02:00-06:00 UTC", "not a day or a range"),
        ("Sat 25:00-06:00 UTC", "'25:00' is not a time of day"),
        ("Sat 02:60-06:00 UTC", "'02:60' is not a time of day"),
        ("Sat 24:00-06:00 UTC", "'24:00' is not a time of day"),
        ("Sat 02:00-24:30 UTC", "'24:30' is not a time of day"),
        ("Sat 02:00-02:00 UTC", "opens and closes at the same time"),
        ("Sat 2am-6am UTC", "cannot read"),
        ("02:00-06:00 UTC", "cannot read"),
        ("Sat 02:00-06:00 UTC; Sun", "cannot read 'Sun'"),
    ])
    def test_bad_formats(self, text, words):
        with pytest.raises(OptionError) as info:
            MaintenanceSchedule.parse(text)
        assert info.value.option == "maintenance_window"
        assert words in str(info.value)
        assert "Sat 02:00-06:00 UTC" in str(info.value)  # the message shows the expected format

    def test_not_a_string(self):
        with pytest.raises(OptionError, match="maintenance_window"):
            MaintenanceSchedule.parse(["Sat 02:00-06:00 UTC"])


# --------------------------------------------------------------------------------------- request validation

class TestActionRequest:
    def test_absolute_relative_and_keyword(self):
        assert request(not_before="2026-03-07T10:00:00+08:00").not_before == at("2026-03-07T02:00:00Z")
        assert request(not_before="2026-03-07T02:00:00").not_before == at("2026-03-07T02:00:00Z")  # naive is UTC
        assert request(not_before="+2h").not_before == NOW + timedelta(hours=2)
        assert request(not_before="Next_Window", window="daily 01:00-02:00 UTC").not_before == NEXT_WINDOW
        assert request(not_before="").not_before is None

    def test_sub_seconds_are_dropped(self):
        req = ActionRequest.from_options(dict(service="ecs", event_id="ev-1", not_before="+1h"),
                                         now=NOW + timedelta(microseconds=700000))
        assert req.not_before == NOW + timedelta(hours=1)

    @pytest.mark.parametrize("options, option, words", [
        (dict(service="rds"), "service", "allowed values: ecs, modelarts"),
        (dict(state="deleted"), "state", "allowed values: accepted, rescheduled"),
        (dict(event_id="a b"), "event_id", "not a valid event id"),
        (dict(event_id=""), "event_id", "not a valid event id"),
        (dict(service="modelarts", state="rescheduled", not_before="+1d"), "state", "no API to reschedule"),
        (dict(state="rescheduled"), "not_before", "required with state=rescheduled"),
        (dict(not_before="tomorrow"), "not_before", "not an ISO 8601 time"),
        (dict(not_before="next_window"), "maintenance_window", "required with not_before=next_window"),
        (dict(maintenance_window="Sat 02:00-06:00"), "maintenance_window", "time zone is missing"),
        (dict(workspace_id="ws-1"), "workspace_id", "only to service=modelarts"),
        (dict(service="modelarts", workspace_id="a/b"), "workspace_id", "not a valid workspace id"),
        (dict(redeploy_config={"type": "SOFT"}), "redeploy_config", "only to service=modelarts"),
        (dict(service="modelarts", redeploy_config={"type": "MEDIUM"}), "redeploy_config.type", "HARD, SOFT"),
        (dict(service="modelarts", redeploy_config={"auto_flow": "yes"}), "redeploy_config.auto_flow", "True"),
        (dict(service="modelarts", redeploy_config={"kind": "SOFT"}), "redeploy_config", "unknown key"),
        (dict(service="modelarts", redeploy_config="SOFT"), "redeploy_config", "expected a dictionary"),
    ])
    def test_refused_options(self, options, option, words):
        full = dict(service="ecs", event_id="ev-1", state="accepted")
        full.update(options)
        with pytest.raises(OptionError) as info:
            ActionRequest.from_options(full, now=NOW)
        assert info.value.option == option
        assert words in str(info.value)

    def test_redeploy_config_wire_form(self):
        req = request(service="modelarts", workspace_id=7, redeploy_config={"type": "soft", "auto_flow": True})
        assert req.redeploy_config == {"type": "SOFT", "autoFlow": "true"}
        assert req.workspace_id == "7"
        assert request(service="modelarts", redeploy_config={"type": None, "auto_flow": None}).redeploy_config is None
        assert request(service="modelarts", redeploy_config={"auto_flow": False}).redeploy_config == {
            "autoFlow": "false"}


# --------------------------------------------------------------------------------------- planning

class TestPlanAccept:
    def test_inquiring_without_start(self):
        plan = plan_action(event("inquiring"), request(), NOW)
        assert plan.action == "accept" and plan.not_before is None
        assert plan.before == {"state": "inquiring", "not_before": "2026-03-06T10:00:00Z"}
        assert plan.after == {"state": "scheduled", "not_before": ASAP}

    def test_inquiring_with_start(self):
        plan = plan_action(event("inquiring"), request(not_before="2026-03-05T03:00:00Z"), NOW)
        assert plan.action == "accept" and plan.not_before == at("2026-03-05T03:00:00Z")
        assert plan.after == {"state": "scheduled", "not_before": "2026-03-05T03:00:00Z"}

    def test_accept_at_the_deadline_is_allowed(self):
        plan = plan_action(event("inquiring"), request(not_before="2026-03-10T10:00:00Z"), NOW)
        assert plan.action == "accept"

    def test_already_scheduled_is_unchanged(self):
        plan = plan_action(event("scheduled"), request(), NOW)
        assert not plan.changed and plan.warnings == []
        assert plan.after == plan.before

    def test_already_scheduled_at_another_time_warns(self):
        plan = plan_action(event("scheduled"), request(not_before="2026-03-05T03:00:00Z"), NOW)
        assert not plan.changed
        assert "already accepted; it starts at 2026-03-06T10:00:00Z, not at the requested 2026-03-05T03:00:00Z" \
            in plan.warnings[0]
        assert "state=rescheduled" in plan.warnings[0]
        plan = plan_action(event("scheduled", service="modelarts"), request(not_before="2026-03-05T03:00:00Z",
                                                                            service="modelarts"), NOW)
        assert "ModelArts events cannot be rescheduled" in plan.warnings[0]

    def test_already_scheduled_outside_window_warns(self):
        plan = plan_action(event("scheduled"), request(not_before=NEXT_WINDOW, window="Sat 02:00-06:00 UTC"), NOW)
        assert not plan.changed and "outside maintenance_window 'Sat 02:00-06:00 UTC'" in plan.warnings[0]
        plan = plan_action(event("scheduled"), request(not_before=NEXT_WINDOW, window="Fri 09:00-11:00 UTC"), NOW)
        assert not plan.changed and plan.warnings == []

    @pytest.mark.parametrize("state", ["executing", "completed", "failed", "canceled", "brand-new-state"])
    def test_wrong_state(self, state):
        with pytest.raises(ActionRefused) as info:
            plan_action(event(state), request(), NOW)
        assert info.value.reason == "wrong_state"
        assert "cannot accept ECS scheduled event ev-1: it is in state %r" % state in str(info.value)
        assert info.value.result()["event"]["id"] == "ev-1"

    def test_in_the_past(self):
        with pytest.raises(ActionRefused) as info:
            plan_action(event("inquiring"), request(not_before="-1h"), NOW)
        assert info.value.reason == "in_the_past"
        assert "not_before 2026-03-04T09:00:00Z is not in the future (now is 2026-03-04T10:00:00Z)" in str(info.value)
        assert "omit not_before" in str(info.value)
        with pytest.raises(ActionRefused, match="not in the future"):
            plan_action(event("inquiring"), request(not_before="now"), NOW)

    def test_after_deadline(self):
        with pytest.raises(ActionRefused) as info:
            plan_action(event("inquiring"), request(not_before="2026-03-10T10:00:01Z"), NOW)
        assert info.value.reason == "after_deadline"
        assert "after its not_before_deadline 2026-03-10T10:00:00Z" in str(info.value)

    def test_no_deadline(self):
        plan = plan_action(event("inquiring", deadline=None, service="modelarts"),
                           request(not_before="+300d", service="modelarts"), NOW)
        assert plan.action == "accept"

    def test_next_window(self):
        plan = plan_action(event("inquiring"), request(not_before=NEXT_WINDOW, window="Sat 02:00-06:00 UTC"), NOW)
        assert plan.action == "accept" and plan.not_before == at("2026-03-07T02:00:00Z")
        assert plan.occurrence.to_dict() == {"opening": "2026-03-07T02:00:00Z", "closing": "2026-03-07T06:00:00Z"}

    def test_next_window_keeps_a_start_already_inside(self):
        plan = plan_action(event("inquiring"), request(not_before=NEXT_WINDOW, window="Fri 09:00-11:00 UTC"), NOW)
        assert plan.action == "accept" and plan.not_before == at("2026-03-06T10:00:00Z")

    def test_next_window_needs_a_minute_of_lead(self):
        # Openings at now and at exactly now + 1 minute are too close: next week's 10:00 is chosen.
        plan = plan_action(event("inquiring", not_before=None, deadline=None),
                           request(not_before=NEXT_WINDOW, window="Wed 10:00-11:00 UTC; Wed 10:01-11:00 UTC"), NOW)
        assert plan.not_before == at("2026-03-11T10:00:00Z")
        plan = plan_action(event("inquiring", not_before=None, deadline=None),
                           request(not_before=NEXT_WINDOW, window="Wed 10:02-11:00 UTC"), NOW)
        assert plan.not_before == at("2026-03-04T10:02:00Z")

    def test_next_window_after_deadline(self):
        with pytest.raises(ActionRefused) as info:
            plan_action(event("inquiring", deadline="2026-03-06T12:00:00Z"),
                        request(not_before=NEXT_WINDOW, window="Sat 02:00-06:00 UTC"), NOW)
        assert info.value.reason == "no_window"
        assert "latest allowed start 2026-03-06T12:00:00Z (not_before_deadline 2026-03-06T12:00:00Z)" in str(
            info.value)
        assert "the next one opens at 2026-03-07T02:00:00Z" in str(info.value)

    def test_explicit_time_outside_window_warns(self):
        plan = plan_action(event("inquiring"), request(not_before="2026-03-05T03:00:00Z",
                                                       window="Sat 02:00-06:00 UTC"), NOW)
        assert plan.action == "accept" and "outside maintenance_window" in plan.warnings[0]
        plan = plan_action(event("inquiring"), request(not_before="2026-03-07T03:00:00Z",
                                                       window="Sat 02:00-06:00 UTC"), NOW)
        assert plan.warnings == []


class TestPlanReschedule:
    def test_moves_the_start(self):
        plan = plan_action(event(), request("rescheduled", "2026-03-08T03:00:00Z"), NOW)
        assert plan.action == "reschedule" and plan.not_before == at("2026-03-08T03:00:00Z")
        assert plan.before == {"state": "scheduled", "not_before": "2026-03-06T10:00:00Z"}
        assert plan.after == {"state": "scheduled", "not_before": "2026-03-08T03:00:00Z"}

    def test_same_start_is_unchanged(self):
        plan = plan_action(event(), request("rescheduled", "2026-03-06T18:00:00+08:00"), NOW)
        assert not plan.changed and plan.after == plan.before

    def test_same_start_in_the_past_is_unchanged(self):
        plan = plan_action(event(not_before="2026-03-04T09:00:00Z"), request("rescheduled", "2026-03-04T09:00:00Z"),
                           NOW)
        assert not plan.changed

    def test_thirty_minutes_before_the_deadline(self):
        assert plan_action(event(), request("rescheduled", "2026-03-10T09:30:00Z"), NOW).changed
        with pytest.raises(ActionRefused) as info:
            plan_action(event(), request("rescheduled", "2026-03-10T09:30:01Z"), NOW)
        assert info.value.reason == "after_deadline"
        assert ("its not_before_deadline is 2026-03-10T10:00:00Z and a new start must be at least 30 minutes "
                "earlier, so no later than 2026-03-10T09:30:00Z") in str(info.value)

    def test_in_the_past(self):
        with pytest.raises(ActionRefused) as info:
            plan_action(event(), request("rescheduled", "2026-03-04T10:00:00Z"), NOW)
        assert info.value.reason == "in_the_past" and "omit not_before" not in str(info.value)

    def test_inquiring_must_be_accepted_first(self):
        with pytest.raises(ActionRefused) as info:
            plan_action(event("inquiring"), request("rescheduled", "+1d"), NOW)
        assert info.value.reason == "wrong_state"
        assert "only a 'scheduled' event can be rescheduled; accept it first" in str(info.value)

    def test_executing(self):
        with pytest.raises(ActionRefused, match="in state 'executing'; only a 'scheduled' event") as info:
            plan_action(event("executing"), request("rescheduled", "+1d"), NOW)
        assert "accept it first" not in str(info.value)

    def test_next_window(self):
        plan = plan_action(event(), request("rescheduled", NEXT_WINDOW, "Sat 02:00-06:00 UTC"), NOW)
        assert plan.action == "reschedule" and plan.not_before == at("2026-03-07T02:00:00Z")

    def test_next_window_already_inside(self):
        plan = plan_action(event(), request("rescheduled", NEXT_WINDOW, "Fri 08:00-12:00 UTC"), NOW)
        assert not plan.changed and plan.occurrence.to_dict()["opening"] == "2026-03-06T08:00:00Z"

    def test_next_window_inside_but_in_the_past_moves(self):
        plan = plan_action(event(not_before="2026-03-04T09:30:00Z", deadline="2026-03-14T00:00:00Z"),
                           request("rescheduled", NEXT_WINDOW, "Wed 09:00-12:00 UTC"), NOW)
        assert plan.action == "reschedule" and plan.not_before == at("2026-03-11T09:00:00Z")

    def test_next_window_respects_the_margin(self):
        deadline = "2026-03-07T02:20:00Z"  # the Saturday window opens less than 30 minutes before the deadline
        with pytest.raises(ActionRefused) as info:
            plan_action(event(deadline=deadline), request("rescheduled", NEXT_WINDOW, "Sat 02:00-06:00 UTC"), NOW)
        assert info.value.reason == "no_window"
        assert "latest allowed start 2026-03-07T01:50:00Z (not_before_deadline 2026-03-07T02:20:00Z minus 30 " \
               "minutes)" in str(info.value)
        plan = plan_action(event(deadline="2026-03-07T02:30:00Z"),
                           request("rescheduled", NEXT_WINDOW, "Sat 02:00-06:00 UTC"), NOW)
        assert plan.not_before == at("2026-03-07T02:00:00Z")


# --------------------------------------------------------------------------------------- against the emulator

ECS_SCHEDULED = "a71d5e92-4c08-4b3f-9e6a-2d8c1f7b5e40"
ECS_INQUIRING = "3f6c2b8e-91d4-4e7a-b0c5-7a2e4d19f6b3"
MA_INQUIRING = "8f3a6c2d-1e7b-4d95-a0c4-6b2e9f5d3a17"


def settings_for(emu, **more):
    options = dict(regions=["cn-north-4"], endpoints={"ecs": emu.url, "modelarts": emu.url, "iam": emu.url})
    options.update(more)
    return Settings.from_options(options)


def live_request(**options):
    full = dict(service="ecs", state="accepted")
    full.update(options)
    return ActionRequest.from_options(full, now=utcnow())


class TestManageEvent:
    def test_reschedule_then_unchanged(self, emu, client_factory):
        client = client_factory()
        new_start = iso((utcnow() + timedelta(days=2)).replace(hour=3, minute=0, second=0))
        req = live_request(event_id=ECS_SCHEDULED, state="rescheduled", not_before=new_start)
        outcome = manage_event(client, settings_for(emu), req, now=utcnow())
        assert outcome.changed and outcome.event.not_before == new_start
        assert outcome.request_id and outcome.request_id in outcome.request_ids
        stats = emu.stats()["by_route"]
        assert stats["ecs.update"] == 1 and stats["iam.projects"] == 1 and stats["ecs.list"] == 2
        again = manage_event(client, settings_for(emu), req, now=utcnow())
        assert not again.changed and again.request_id is None
        assert emu.stats()["by_route"]["ecs.update"] == 1

    def test_check_mode_writes_nothing(self, emu, client_factory):
        req = live_request(event_id=ECS_INQUIRING, not_before="+1h")
        outcome = manage_event(client_factory(), settings_for(emu, project_id=emu.project_id("cn-north-4")), req,
                               check_mode=True, now=utcnow())
        assert outcome.changed and outcome.event.state == "inquiring"
        assert outcome.diff()["after"]["state"] == "scheduled"
        by_route = emu.stats()["by_route"]
        assert "ecs.accept" not in by_route and "iam.projects" not in by_route

    def test_modelarts_accept_with_redeploy_config(self, emu, client_factory):
        req = live_request(service="modelarts", event_id=MA_INQUIRING, not_before="+3h",
                           redeploy_config={"type": "SOFT", "auto_flow": True})
        outcome = manage_event(client_factory(), settings_for(emu), req, now=utcnow())
        assert outcome.changed and outcome.event.state == "scheduled" and outcome.event.workspace_id == "0"
        stored = [e for e in emu.events() if e["id"] == MA_INQUIRING][0]
        assert stored["_emulator"]["redeployConfig"] == {"type": "SOFT", "autoFlow": "true"}

    def test_modelarts_other_workspace_is_not_found(self, emu, client_factory):
        req = live_request(service="modelarts", event_id=MA_INQUIRING, workspace_id="42")
        with pytest.raises(ActionRefused) as info:
            manage_event(client_factory(), settings_for(emu), req, now=utcnow())
        assert info.value.reason == "not_found" and "workspace 42" in str(info.value)

    def test_unknown_event(self, emu, client_factory):
        with pytest.raises(ActionRefused) as info:
            manage_event(client_factory(), settings_for(emu), live_request(event_id="no-such-event"), now=utcnow())
        assert info.value.reason == "not_found"
        assert "scheduled event no-such-event not found in ECS region cn-north-4" in str(info.value)
        assert "list request id " in str(info.value) and "list request id none" not in str(info.value)

    def test_one_region_only(self, emu, client_factory):
        settings = settings_for(emu, regions=["cn-north-4", "ap-southeast-1"])
        with pytest.raises(OptionError, match="exactly one region"):
            manage_event(client_factory(), settings, live_request(event_id=ECS_INQUIRING), now=utcnow())

    def test_project_lookup_failure_is_raised(self, emu, client_factory):
        emu.add_fault(route="iam.projects", kind="status", status=403)
        with pytest.raises(ApiError) as info:
            manage_event(client_factory(), settings_for(emu), live_request(event_id=ECS_INQUIRING), now=utcnow())
        assert info.value.status == 403 and info.value.request_id

    def test_read_failure_is_never_not_found(self, emu, client_factory):
        emu.add_fault(route="ecs.list", kind="non_json")
        with pytest.raises(ApiError, match="malformed"):
            manage_event(client_factory(), settings_for(emu), live_request(event_id=ECS_INQUIRING), now=utcnow())

    def test_accept_post_is_not_retried_on_500(self, emu, client_factory):
        emu.add_fault(route="ecs.accept", kind="status", status=500, count=1)
        with pytest.raises(ApiError) as info:
            manage_event(client_factory(), settings_for(emu), live_request(event_id=ECS_INQUIRING), now=utcnow())
        assert info.value.status == 500 and info.value.request_id
        assert emu.stats()["by_route"]["ecs.accept"] == 1

    def test_reschedule_put_is_retried_on_503(self, emu, client_factory, clock):
        emu.add_fault(route="ecs.update", kind="status", status=503, count=1)
        req = live_request(event_id=ECS_SCHEDULED, state="rescheduled", not_before="+2d")
        outcome = manage_event(client_factory(), settings_for(emu), req, now=utcnow())
        assert outcome.changed and emu.stats()["by_route"]["ecs.update"] == 2 and len(clock.sleeps) == 1

    def test_read_back_failure_reports_the_change(self, emu, client_factory):
        # The first list (read) passes; the one after the write fails: the change happened, the read-back did not.
        client = client_factory(retries=0)
        settings = settings_for(emu, project_id=emu.project_id("cn-north-4"))
        req = live_request(event_id=ECS_INQUIRING)
        original = client.request

        def failing_after_write(method, *args, **kwargs):
            if method == "POST":
                emu.add_fault(route="ecs.list", kind="status", status=403)
            return original(method, *args, **kwargs)

        client.request = failing_after_write
        with pytest.raises(ReadBackError) as info:
            manage_event(client, settings, req, now=utcnow())
        result = info.value.result()
        assert result["changed"] is True and result["action"] == "accept" and result["request_id"]
        assert result["error"]["status"] == 403
        assert "accepted ECS scheduled event %s" % ECS_INQUIRING in str(info.value)
        assert [e for e in emu.events() if e["id"] == ECS_INQUIRING][0]["state"] == "scheduled"

    def test_read_back_mismatch_warns(self, emu, client_factory):
        client = client_factory()
        settings = settings_for(emu, project_id=emu.project_id("cn-north-4"))
        original = client.request

        def undo_after_write(method, *args, **kwargs):
            response = original(method, *args, **kwargs)
            if method == "POST":
                emu.update_event(ECS_INQUIRING, state="inquiring")
            return response

        client.request = undo_after_write
        outcome = manage_event(client, settings, live_request(event_id=ECS_INQUIRING), now=utcnow())
        assert outcome.changed and outcome.event.state == "inquiring"
        assert "the service may still be applying the change" in outcome.warnings[0]
