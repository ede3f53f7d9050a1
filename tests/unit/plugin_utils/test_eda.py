# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of the EDA source ``hwcloud.maintenance.scheduled_events``: arguments, transitions, failures and
back-off, the state file, secrets, and the poll loop with an injected listing, clock and sleep. No network."""
from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.hwcloud.maintenance.plugins.module_utils.errors import OptionError
from ansible_collections.hwcloud.maintenance.plugins.plugin_utils import eda

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
SK = "unit-secret-key-0000000000000000000000001"
TOKEN = "unit-security-token-0000000001"
BASE_ARGS = {"regions": ["cn-north-4"], "project_id": "p-north", "access_key": "UNITAK0001", "secret_key": SK}
NORTH = {"service": "ecs", "region": "cn-north-4", "project_id": "p-north", "endpoint": "https://ecs.example"}
SOUTH = {"service": "ecs", "region": "ap-southeast-1", "project_id": "p-south", "endpoint": "https://ecs.example"}


def event(event_id, state="inquiring", not_before="2026-03-02T12:00:00Z", target=None, **extra):
    target = target or NORTH
    data = {"service": target["service"], "id": event_id, "type": "system-maintenance", "state": state,
            "pending": state in ("inquiring", "scheduled", "executing"), "instance_id": "i-" + event_id,
            "node_name": None, "pool_name": None, "instance_type": None, "description": "d", "description_raw": "d",
            "publish_time": "2026-02-28T12:00:00Z", "not_before": not_before, "not_after": None,
            "not_before_deadline": None, "start_time": None, "finish_time": None, "region": target["region"],
            "project_id": target["project_id"], "workspace_id": None, "raw": {"id": event_id}}
    data.update(extra)
    return data


def listing(events, target=None, ok=True, error=None):
    target = dict(target or NORTH)
    target.update(ok=ok, events=list(events) if ok else [], error=error if not ok else None)
    return target


def failed(target=None, msg="HTTP 503"):
    return listing([], target, ok=False, error={"msg": msg, "status": 503})


def summary(emitted):
    """(transition, event id, reason or changes) of each emitted event."""
    out = []
    for item in emitted:
        if item["transition"] in (eda.NEW, eda.CHANGED, eda.CLEARED):
            out.append((item["transition"], item["id"], item["reason"] or ",".join(item["changes"]) or None))
        else:
            out.append((item["transition"], item["failures"]))
    return out


# ----------------------------------------------------------------------------------------------- arguments

def config(environ=None, **args):
    merged = dict(BASE_ARGS)
    merged.update(args)
    return eda.SourceConfig.from_args(merged, environ=environ or {}, now=NOW)


def test_defaults():
    cfg = config()
    assert (cfg.interval, cfg.emit_existing, cfg.state_file, cfg.error_threshold, cfg.backoff_max) == \
        (300.0, True, None, 3, 600.0)
    assert cfg.settings.regions == ["cn-north-4"] and cfg.settings.project_ids == {"cn-north-4": "p-north"}
    assert cfg.query(NOW).services == ("ecs", "modelarts")


@pytest.mark.parametrize("value, seconds", [("5m", 300.0), ("1h", 3600.0), (0.2, 0.2), ("0.5", 0.5), (90, 90.0),
                                            ("1d", 86400.0), ("90", 90.0)])
def test_interval_durations(value, seconds):
    assert config(interval=value).interval == seconds


@pytest.mark.parametrize("name, value", [
    ("interval", "0s"), ("interval", "soon"), ("interval", "2d"), ("interval", "nan"), ("interval", "inf"),
    ("interval", -1), ("interval", True), ("backoff_max", "x"), ("backoff_max", 0), ("error_threshold", 0),
    ("error_threshold", "many"), ("error_threshold", 1.5), ("error_threshold", 1001), ("emit_existing", "perhaps"),
    ("validate_certs", "maybe"), ("pending_only", 3)])
def test_bad_own_arguments_name_the_argument(name, value):
    with pytest.raises(OptionError) as info:
        config(**{name: value})
    assert info.value.option == name
    assert "'%s'" % name in str(info.value)


@pytest.mark.parametrize("text, expected", [("true", True), ("no", False), ("Yes", True), ("0", False)])
def test_booleans_given_as_text(text, expected):
    assert config(emit_existing=text).emit_existing is expected
    assert config(validate_certs=text).settings.validate_certs is expected


def test_unknown_argument_is_named_with_the_allowed_ones():
    with pytest.raises(OptionError) as info:
        config(intervall="5m")
    assert info.value.option == "intervall"
    assert "interval" in info.value.allowed and "state_file" in info.value.allowed


def test_aliases_and_rulebook_arguments():
    cfg = eda.SourceConfig.from_args({"region": "cn-north-4", "ak": "UNITAK0001", "sk": SK, "project_id": "p",
                                      "eda_feedback_queue": object()}, environ={}, now=NOW)
    assert cfg.settings.regions == ["cn-north-4"] and cfg.credentials.secret_key == SK
    with pytest.raises(OptionError) as info:
        config(sk=SK)
    assert info.value.option == "secret_key" and SK not in str(info.value)


def test_secret_of_the_wrong_type_is_not_shown():
    with pytest.raises(OptionError) as info:
        config(secret_key=12345678901234)
    assert info.value.option == "secret_key" and "12345678901234" not in str(info.value)


def test_shared_validation_is_reused():
    with pytest.raises(OptionError) as info:
        config(states=["inquiring", "bogus"])
    assert info.value.option == "states" and "scheduled" in info.value.allowed
    with pytest.raises(OptionError) as info:
        eda.SourceConfig.from_args({"access_key": "A", "secret_key": SK}, environ={}, now=NOW)
    assert info.value.option == "regions"
    with pytest.raises(OptionError) as info:
        eda.SourceConfig.from_args({"regions": ["cn-north-4"]}, environ={}, now=NOW)
    assert info.value.option == "access_key"
    with pytest.raises(OptionError):
        config(args_are_not=None, interval="5m")


def test_environment_fallbacks():
    environ = {"HUAWEICLOUD_SDK_AK": "ENVAK", "HUAWEICLOUD_SDK_SK": SK, "HW_REGION_NAME": "cn-east-3",
               "HUAWEICLOUD_SDK_PROJECT_ID": "p-env"}
    cfg = eda.SourceConfig.from_args({}, environ=environ, now=NOW)
    assert cfg.credentials.access_key == "ENVAK" and cfg.settings.project_ids == {"cn-east-3": "p-env"}


def test_state_file_argument(tmp_path):
    assert config(state_file=str(tmp_path / "s.json")).state_file == str(tmp_path / "s.json")
    assert config(state_file="").state_file is None
    for bad in (str(tmp_path / "missing" / "s.json"), str(tmp_path)):
        with pytest.raises(OptionError) as info:
            config(state_file=bad)
        assert info.value.option == "state_file"


def test_arguments_must_be_a_mapping():
    with pytest.raises(OptionError):
        eda.normalise_args(["regions"])
    assert eda.normalise_args(None) == {}


def test_fingerprint_depends_on_scope_not_on_secrets():
    base = config().fingerprint()
    assert config(secret_key="another-secret-value").fingerprint() == base
    assert config(interval="1m").fingerprint() == base
    assert config(types=["instance-reboot"]).fingerprint() != base
    assert config(access_key="OTHERAK").fingerprint() != base
    assert config(endpoints={"ecs": "https://ecs.private"}).fingerprint() != base
    assert SK not in config().describe()


# ----------------------------------------------------------------------------------------------- transitions

def test_lifecycle_new_changed_cleared():
    tracker = eda.Tracker()
    assert summary(tracker.observe([listing([event("a")])])) == [("new", "a", None)]
    assert tracker.observe([listing([event("a")])]) == []
    assert summary(tracker.observe([listing([event("a", state="scheduled")])])) == [("changed", "a", "state")]
    moved = tracker.observe([listing([event("a", state="scheduled", not_before="2026-03-03T00:00:00Z")])])
    assert summary(moved) == [("changed", "a", "not_before")]
    assert moved[0]["previous"]["not_before"] == "2026-03-02T12:00:00Z"
    assert moved[0]["not_before"] == "2026-03-03T00:00:00Z"
    done = tracker.observe([listing([event("a", state="completed", not_before="2026-03-03T00:00:00Z")])])
    assert summary(done) == [("cleared", "a", "completed")]
    assert done[0]["previous"]["state"] == "scheduled"
    assert tracker.events == {}
    # A final event stays listed for days: nothing more.
    assert tracker.observe([listing([event("a", state="completed")])]) == []


def test_gone_is_cleared_with_the_last_seen_event():
    tracker = eda.Tracker()
    tracker.observe([listing([event("a"), event("b", state="scheduled")])])
    gone = tracker.observe([listing([event("a")])])
    assert summary(gone) == [("cleared", "b", "gone")]
    assert gone[0]["state"] == "scheduled" and gone[0]["previous"] is None


@pytest.mark.parametrize("state", ["failed", "canceled"])
def test_other_final_states(state):
    tracker = eda.Tracker()
    tracker.observe([listing([event("a")])])
    assert summary(tracker.observe([listing([event("a", state=state)])])) == [("cleared", "a", state)]


def test_payload_shape():
    tracker = eda.Tracker()
    item = tracker.observe([listing([event("a")])], detected_at="2026-03-01T12:00:00Z")[0]
    assert item["key"] == "ecs/cn-north-4/p-north/a"
    assert item["target"] == {"service": "ecs", "region": "cn-north-4", "project_id": "p-north",
                              "endpoint": "https://ecs.example"}
    assert item["detected_at"] == "2026-03-01T12:00:00Z"
    assert item["previous"] is None and item["changes"] == [] and item["reason"] is None
    for name, value in event("a").items():
        assert item[name] == value
    json.dumps(item)


def test_failed_target_never_clears_or_adds():
    tracker = eda.Tracker()
    tracker.observe([listing([event("a")]), listing([event("s", target=SOUTH)], SOUTH)])
    # North cannot be read: its event is neither cleared nor changed; south is handled normally.
    out = tracker.observe([failed(), listing([], SOUTH)])
    assert summary(out) == [("cleared", "s", "gone")]
    assert "ecs/cn-north-4/p-north/a" in tracker.events
    assert tracker.observe([failed(), failed(SOUTH)]) == []
    assert summary(tracker.observe([listing([]), listing([], SOUTH)])) == [("cleared", "a", "gone")]


def test_emit_existing_false_remembers_the_first_listing_of_each_target():
    tracker = eda.Tracker()
    assert tracker.observe([listing([event("a")]), failed(SOUTH)], emit_existing=False) == []
    # South is read for the first time later: its existing events are remembered, not emitted.
    assert tracker.observe([listing([event("a")]), listing([event("s", target=SOUTH)], SOUTH)],
                           emit_existing=False) == []
    out = tracker.observe([listing([event("a"), event("b")]), listing([event("s", target=SOUTH)], SOUTH)],
                          emit_existing=False)
    assert summary(out) == [("new", "b", None)]


def test_emit_existing_true_emits_the_first_listing_once_a_target_is_read():
    tracker = eda.Tracker()
    tracker.observe([failed()])
    assert summary(tracker.observe([listing([event("a")])])) == [("new", "a", None)]


def test_final_event_never_seen_pending_is_not_reported():
    tracker = eda.Tracker()
    assert tracker.observe([listing([event("x", state="completed"), event("y", state="canceled")])]) == []
    assert tracker.events == {}


def test_unknown_state_is_tracked_like_a_pending_one():
    tracker = eda.Tracker()
    assert summary(tracker.observe([listing([event("a", state="paused")])])) == [("new", "a", None)]
    assert summary(tracker.observe([listing([event("a", state="completed")])])) == [("cleared", "a", "completed")]


def test_other_fields_update_the_snapshot_silently():
    tracker = eda.Tracker()
    tracker.observe([listing([event("a")])])
    tracker.dirty = False
    assert tracker.observe([listing([event("a", description="new text")])]) == []
    assert tracker.dirty and tracker.events["ecs/cn-north-4/p-north/a"]["event"]["description"] == "new text"


def test_order_and_duplicates():
    tracker = eda.Tracker()
    out = tracker.observe([listing([event("late", not_before="2026-03-09T00:00:00Z"), event("none", not_before=None),
                                    event("early", not_before="2026-03-01T13:00:00Z"), event("early")]),
                           listing([event("s", target=SOUTH)], SOUTH)])
    assert [item["id"] for item in out] == ["early", "late", "none", "s"]


def test_same_id_in_two_targets_are_two_events():
    tracker = eda.Tracker()
    out = tracker.observe([listing([event("a")]), listing([event("a", target=SOUTH)], SOUTH)])
    assert sorted(item["key"] for item in out) == ["ecs/ap-southeast-1/p-south/a", "ecs/cn-north-4/p-north/a"]


def test_tracker_round_trip_and_malformed_data():
    tracker = eda.Tracker()
    tracker.observe([listing([event("a")]), failed(SOUTH)])
    again = eda.Tracker.from_dict(json.loads(json.dumps(tracker.to_dict())))
    assert again.events == tracker.events and again.baselined == {"ecs/cn-north-4/p-north"}
    assert again.observe([listing([event("a")])]) == []
    for bad in ([], {"baselined_targets": "x", "events": {}}, {"baselined_targets": [], "events": []},
                {"baselined_targets": [], "events": {"k": {"target": "t", "event": event("a")}}}):
        with pytest.raises(ValueError):
            eda.Tracker.from_dict(bad)


STATES = st.sampled_from(["inquiring", "scheduled", "executing", "completed", "failed", "canceled", None])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from("abcd"), st.tuples(STATES, st.sampled_from(["t1", "t2", None]))),
                min_size=1, max_size=8), st.booleans())
def test_transitions_replay_to_the_listing(polls, emit_existing):
    """Whatever the sequence of listings: no event twice in a row without a change, and the tracker always holds
    exactly the non-final events of the last listing (None = the event is not listed)."""
    tracker = eda.Tracker()
    active = {}
    for number, poll in enumerate(polls):
        events = [event(eid, state=state, not_before=nb) for eid, (state, nb) in poll.items() if state]
        out = tracker.observe([listing(events)], emit_existing=emit_existing)
        current = dict((e["id"], e) for e in events if e["state"] not in eda.FINAL_STATES)
        for item in out:
            eid = item["id"]
            if item["transition"] == eda.NEW:
                assert eid not in active and eid in current
            elif item["transition"] == eda.CHANGED:
                assert eid in active and item["changes"]
            else:
                assert eid in active and eid not in current
        if number == 0 and not emit_existing:
            assert out == []
        assert len(set(item["key"] for item in out)) == len(out)
        active = current
        assert set(k.rsplit("/", 1)[1] for k in tracker.events) == set(current)


# ----------------------------------------------------------------------------------------------- failures

def test_health_error_every_threshold_and_recovered():
    health = eda.Health(2)
    errors = [{"target": NORTH, "error": {"msg": "HTTP 503"}}]
    assert health.record(errors) == []
    alert = health.record(errors)
    assert summary(alert) == [("error", 2)] and alert[0]["key"] == eda.ERROR_KEY and alert[0]["errors"] == errors
    assert "HTTP 503" in alert[0]["message"] and alert[0]["reason"] == "poll_failed"
    assert health.record(errors) == []
    assert summary(health.record(errors)) == [("error", 4)]
    assert summary(health.record([])) == [("recovered", 4)]
    assert health.record([]) == [] and health.failures == 0
    # A failure streak below the threshold ends silently.
    assert health.record(errors) == [] and health.record([]) == []


def test_retry_delay():
    assert eda.retry_delay(300, 600, 0) == 300
    assert [eda.retry_delay(300, 600, n) for n in range(1, 9)] == [10, 20, 40, 80, 160, 320, 600, 600]
    assert [eda.retry_delay(300, 600, n, partial=True) for n in (1, 6, 7, 50)] == [10, 300, 300, 300]
    assert [eda.retry_delay(0.2, 1.0, n) for n in range(1, 5)] == [0.2, 0.4, 0.8, 1.0]
    assert eda.retry_delay(60, 30, 10**6) == 30


def test_redactor():
    redact = eda.Redactor([SK, TOKEN, None, ""])
    data = {"msg": "bad %s and %s" % (SK, TOKEN), "list": [SK, 1, None], SK: (TOKEN,)}
    assert SK not in json.dumps(redact(data)) and TOKEN not in json.dumps(redact(data))
    assert redact(data)["list"] == [eda.MASK, 1, None]


def test_invalid_arguments_event():
    item = eda.invalid_arguments_event(OptionError("interval", "0s", reason="too short"), "2026-03-01T12:00:00Z")
    assert item["transition"] == eda.ERROR and item["reason"] == "invalid_arguments"
    assert item["errors"][0]["error"]["option"] == "interval" and "interval" in item["message"]


# ----------------------------------------------------------------------------------------------- state file

def test_state_file_round_trip(tmp_path):
    path = str(tmp_path / "state.json")
    state = eda.StateFile(path, "fp-1")
    assert state.load() == (None, None)
    tracker = eda.Tracker()
    tracker.observe([listing([event("a")])])
    state.save(tracker, "2026-03-01T12:00:00Z")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(str(tmp_path)) == ["state.json"]
    loaded, problem = state.load()
    assert problem is None and loaded.events == tracker.events and loaded.baselined == tracker.baselined
    assert eda.StateFile(path, "fp-2").load()[0] is None
    assert "other regions" in eda.StateFile(path, "fp-2").load()[1]


@pytest.mark.parametrize("content, problem", [("{not json", "cannot be read"), ('{"format": 99}', "not a state file"),
                                              ("[]", "not a state file")])
def test_unusable_state_files(tmp_path, content, problem):
    path = tmp_path / "state.json"
    path.write_text(content)
    loaded, why = eda.StateFile(str(path), "fp").load()
    assert loaded is None and problem in why


def test_malformed_state_file(tmp_path):
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"format": eda.STATE_FORMAT, "source": eda.SOURCE_NAME, "fingerprint": "fp",
                                "baselined_targets": [], "events": {"x": {}}}))
    assert "malformed" in eda.StateFile(str(path), "fp").load()[1]


# ----------------------------------------------------------------------------------------------- the loop

class Script(object):
    """A listing per poll (a list of target dicts, or an exception to raise), a pinned clock, recorded sleeps."""

    def __init__(self, polls):
        self.polls = list(polls)
        self.calls = []
        self.delays = []
        self.clock_value = NOW

    def fetch(self, now):
        self.calls.append(now)
        item = self.polls[min(len(self.calls), len(self.polls)) - 1]
        if isinstance(item, Exception):
            raise item
        return item

    def clock(self):
        return self.clock_value

    async def sleep(self, seconds):
        self.delays.append(seconds)
        self.clock_value += timedelta(seconds=seconds)


def drain(queue):
    out = []
    while not queue.empty():
        out.append(queue.get_nowait())
    return out


def run_script(script, args=None, max_polls=None, logger=None):
    merged = dict(BASE_ARGS)
    merged.update(args or {})
    queue = asyncio.Queue()
    asyncio.run(eda.run(queue, merged, fetch=script.fetch, sleep=script.sleep, clock=script.clock, environ={},
                        logger=logger, max_polls=max_polls or len(script.polls)))
    return drain(queue)


def test_run_polls_with_the_injected_clock_and_sleep():
    script = Script([[listing([event("a")])], [listing([event("a", state="scheduled")])], [listing([])]])
    out = run_script(script, {"interval": "1m"})
    assert summary(out) == [("new", "a", None), ("changed", "a", "state"), ("cleared", "a", "gone")]
    assert script.delays == [60.0, 60.0]
    assert script.calls == [NOW, NOW + timedelta(minutes=1), NOW + timedelta(minutes=2)]
    assert [item["detected_at"] for item in out] == ["2026-03-01T12:00:00Z", "2026-03-01T12:01:00Z",
                                                     "2026-03-01T12:02:00Z"]


def test_run_backs_off_emits_error_and_recovers():
    script = Script([[listing([event("a")])]] + [RuntimeError("boom")] * 4 + [[failed()]] * 2 + [[listing([])]])
    out = run_script(script, {"interval": "5m", "error_threshold": 3, "backoff_max": "1m"})
    assert summary(out) == [("new", "a", None), ("error", 3), ("error", 6), ("cleared", "a", "gone"),
                            ("recovered", 6)]
    assert script.delays == [300, 10, 20, 40, 60, 60, 60]
    assert out[1]["errors"] == [{"target": None, "error": {"msg": "RuntimeError: boom", "type": "RuntimeError"}}]
    assert out[2]["errors"][0]["target"]["region"] == "cn-north-4"


def test_partial_failure_keeps_the_interval_for_readable_targets():
    script = Script([[listing([event("a")]), failed(SOUTH)]] * 3)
    out = run_script(script, {"interval": "30s", "error_threshold": 2, "regions": ["cn-north-4", "ap-southeast-1"],
                              "project_id": "", "project_ids": {"cn-north-4": "p-north", "ap-southeast-1": "p-south"}})
    assert summary(out) == [("new", "a", None), ("error", 2)]
    assert script.delays == [10, 20]


def test_run_never_leaks_secrets(caplog):
    leak = RuntimeError("server echoed %s and %s" % (SK, TOKEN))
    script = Script([leak, [failed(msg="bad token " + TOKEN)], leak])
    with caplog.at_level(logging.DEBUG):
        out = run_script(script, {"security_token": TOKEN, "error_threshold": 1})
    assert len(out) == 3
    text = json.dumps(out) + "\n".join(r.getMessage() for r in caplog.records)
    assert SK not in text and TOKEN not in text and eda.MASK in text


def test_invalid_arguments_emit_an_error_event_then_raise():
    queue = asyncio.Queue()
    with pytest.raises(OptionError) as info:
        asyncio.run(eda.run(queue, dict(BASE_ARGS, interval="never"), environ={}, clock=lambda: NOW))
    assert info.value.option == "interval"
    out = drain(queue)
    assert summary(out) == [("error", 0)] and out[0]["reason"] == "invalid_arguments"
    assert "interval" in out[0]["message"] and SK not in json.dumps(out)


def test_state_file_is_written_and_restart_replays_nothing(tmp_path):
    path = str(tmp_path / "state.json")
    first = run_script(Script([[listing([event("a"), event("b")])]]), {"state_file": path})
    assert summary(first) == [("new", "a", None), ("new", "b", None)]
    again = run_script(Script([[listing([event("a"), event("b", state="completed")])]]), {"state_file": path})
    assert summary(again) == [("cleared", "b", "completed")]
    assert run_script(Script([[listing([event("a")])]]), {"state_file": path}) == []
    # Other filters: the file is not used and the first poll emits again.
    other = run_script(Script([[listing([event("a")])]]), {"state_file": path, "types": ["system-maintenance"]})
    assert summary(other) == [("new", "a", None)]


def test_unwritable_state_file_is_a_warning(tmp_path, caplog):
    path = tmp_path / "state.json"
    path.mkdir()  # validated as a file at start, made a directory afterwards by someone else
    script = Script([[listing([event("a")])]])
    cfg = config(state_file=str(tmp_path / "other.json"))
    poller = eda.Poller(cfg, fetch=script.fetch, clock=script.clock)
    poller.state.path = str(path)
    queue = asyncio.Queue()
    with caplog.at_level(logging.WARNING):
        asyncio.run(poller.poll_once(queue))
    assert summary(drain(queue)) == [("new", "a", None)]
    assert any("could not write the state file" in r.getMessage() for r in caplog.records)


def test_unusable_state_file_is_reported_and_replaced(tmp_path, caplog):
    path = tmp_path / "state.json"
    path.write_text("garbage")
    with caplog.at_level(logging.WARNING):
        out = run_script(Script([[listing([event("a")])]]), {"state_file": str(path)})
    assert summary(out) == [("new", "a", None)]
    assert any("is not used" in r.getMessage() for r in caplog.records)
    assert json.loads(path.read_text())["source"] == eda.SOURCE_NAME


def test_missing_libraries(monkeypatch):
    monkeypatch.setattr(eda.client_mod, "HAS_REQUESTS", False)
    with pytest.raises(ImportError, match="requests"):
        eda.check_libraries()
    monkeypatch.setattr(eda.client_mod, "HAS_REQUESTS", True)
    monkeypatch.setattr(eda.models, "HAS_PYDANTIC", False)
    with pytest.raises(ImportError, match="pydantic"):
        eda.check_libraries()
