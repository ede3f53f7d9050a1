# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The EDA source ``hwcloud.maintenance.scheduled_events`` against the emulator over real HTTP, while the test
changes the emulator's fleet: exactly the expected transitions in order, no duplicates across polls, restarts
with a state file, fail closed on unreadable targets, back-off and error events, no secret anywhere, and the
event loop never blocked. Most tests drive the loop with an injected ``sleep`` that changes the fleet between
polls (no waiting); one runs the plugin's ``main()`` for real with a 0.2 s interval."""

from __future__ import annotations

import asyncio
import json
import logging
import runpy
import time
from pathlib import Path

import pytest

from emulator import Fleet
from emulator import credentials as emu_creds
from harness import Steps, emulator_endpoints

from ansible_collections.hwcloud.maintenance.plugins.module_utils.errors import OptionError
from ansible_collections.hwcloud.maintenance.plugins.plugin_utils import eda

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "extensions" / "eda" / "plugins" / "event_source" / "scheduled_events.py"
NORTH, SOUTH = "cn-north-4", "ap-southeast-1"
SECRETS = (emu_creds.SK, emu_creds.TEMP_SK, emu_creds.SECURITY_TOKEN, emu_creds.IAM_TOKEN)
LOGGER = "hwcloud.maintenance.scheduled_events"


def small_fleet():
    return Fleet.from_dict({
        "regions": {NORTH: {}, SOUTH: {}},
        "ecs_events": [
            {"region": NORTH, "id": "n-inq", "type": "system-maintenance", "state": "inquiring",
             "instance_id": "i-north-1", "not_before": "+12h", "not_before_deadline": "+3d"},
            {"region": NORTH, "id": "n-sched", "type": "instance-reboot", "state": "scheduled",
             "instance_id": "i-north-2", "not_before": "+2d", "not_before_deadline": "+5d"},
            {"region": NORTH, "id": "n-done", "type": "instance-migrate", "state": "completed",
             "instance_id": "i-north-3", "not_before": "-3d", "finish_time": "-3d"},
            {"region": SOUTH, "id": "s-inq", "type": "instance-redeploy", "state": "inquiring",
             "instance_id": "i-south-1", "not_before": "+1d"},
        ],
        "modelarts_events": [
            {"region": NORTH, "id": "m-1", "type": "node_redeploy", "state": "inquiring", "instanceType": "devserver",
             "nodeName": "devserver-a1", "notBefore": "+1d"},
        ],
    })


def source_args(emulator, **extra):
    args = {"regions": [NORTH, SOUTH], "endpoints": emulator_endpoints(emulator.url), "access_key": emu_creds.AK,
            "secret_key": emu_creds.SK, "retries": 0, "interval": "1m"}
    args.update(extra)
    return args


def brief(items):
    """(transition, event id, reason or changed fields) per emitted event; (transition, failures) otherwise."""
    out = []
    for item in items:
        if item["transition"] in (eda.NEW, eda.CHANGED, eda.CLEARED):
            out.append((item["transition"], item["id"], item["reason"] or ",".join(item["changes"]) or None))
        else:
            out.append((item["transition"], item["failures"]))
    return out


def drain(queue):
    out = []
    while not queue.empty():
        out.append(queue.get_nowait())
    return out


def run_source(args, steps=None, polls=None):
    """Run the source for ``polls`` polls (one more than the changes by default); the emitted events."""
    steps = steps or Steps()
    queue = asyncio.Queue()
    asyncio.run(eda.run(queue, args, sleep=steps.sleep, max_polls=polls or len(steps.changes) + 1))
    return drain(queue)


# ----------------------------------------------------------------------------------------------- transitions

def test_transitions_while_the_fleet_changes(emulator_factory):
    emu = emulator_factory(small_fleet())
    north_project = emu.project_id(NORTH)
    steps = Steps(
        lambda: emu.add_event("ecs", NORTH, {"id": "n-new", "type": "instance-stop", "state": "inquiring",
                                             "instance_id": "i-north-4", "not_before": "+6h"}),
        lambda: emu.update_event("n-inq", state="scheduled"),
        lambda: emu.update_event("n-sched", not_before="+3d"),
        lambda: emu.update_event("n-inq", state="completed", finish_time="now"),
        lambda: emu.remove_event("s-inq"),
        lambda: emu.update_event("m-1", state="failed"),
        lambda: None,
    )
    out = run_source(source_args(emu), steps)
    assert brief(out) == [
        ("new", "n-inq", None), ("new", "n-sched", None), ("new", "m-1", None), ("new", "s-inq", None),
        ("new", "n-new", None),
        ("changed", "n-inq", "state"),
        ("changed", "n-sched", "not_before"),
        ("cleared", "n-inq", "completed"),
        ("cleared", "s-inq", "gone"),
        ("cleared", "m-1", "failed"),
    ]
    assert steps.delays == [60.0] * 7
    # No event twice without a change in between.
    assert len(set((e["key"], e["transition"], e["state"], e["not_before"]) for e in out)) == len(out)
    first = out[0]
    assert first["key"] == "ecs/%s/%s/n-inq" % (NORTH, north_project)
    assert first["target"] == {"service": "ecs", "region": NORTH, "project_id": north_project, "endpoint": emu.url}
    assert first["instance_id"] == "i-north-1" and first["pending"] is True and first["raw"]["id"] == "n-inq"
    changed = out[5]
    assert changed["previous"]["state"] == "inquiring" and changed["state"] == "scheduled"
    moved = out[6]
    assert moved["previous"]["not_before"] < moved["not_before"]
    assert out[8]["state"] == "inquiring" and out[8]["previous"] is None  # gone: the last seen event
    assert out[2]["node_name"] == "devserver-a1" and out[2]["service"] == "modelarts"
    json.dumps(out)


def test_emit_existing_false_and_filters(emulator_factory):
    emu = emulator_factory(small_fleet())
    steps = Steps(lambda: emu.add_event("ecs", NORTH, {"id": "n-new", "state": "inquiring", "instance_id": "i-9",
                                                       "not_before": "+1h"}),
                  lambda: emu.update_event("n-new", not_before="+4h"))
    out = run_source(source_args(emu, emit_existing=False, services=["ecs"], regions=[NORTH], pending_only=True,
                                 starts_within="3h"), steps)
    # Moving out of the starts_within window makes the event leave the listing.
    assert brief(out) == [("new", "n-new", None), ("cleared", "n-new", "gone")]


def test_restart_with_the_state_file_replays_nothing(emulator_factory, tmp_path):
    emu = emulator_factory(small_fleet())
    state = str(tmp_path / "eda-state.json")
    first = run_source(source_args(emu, state_file=state), Steps(lambda: None))
    assert [e["id"] for e in first] == ["n-inq", "n-sched", "m-1", "s-inq"]
    assert run_source(source_args(emu, state_file=state), polls=2) == []
    # Changes while the source is down are emitted once at the next start, and only them.
    emu.update_event("n-inq", state="completed")
    emu.add_event("ecs", SOUTH, {"id": "s-new", "state": "scheduled", "instance_id": "i-south-2", "not_before": "+5h"})
    again = run_source(source_args(emu, state_file=state), polls=2)
    assert brief(again) == [("cleared", "n-inq", "completed"), ("new", "s-new", None)]
    assert run_source(source_args(emu, state_file=state)) == []
    saved = Path(state).read_text()
    for secret in SECRETS:
        assert secret not in saved


# ----------------------------------------------------------------------------------------------- failures

def test_unreadable_target_is_never_cleared(emulator_factory, caplog):
    emu = emulator_factory(small_fleet())
    fault = {}
    steps = Steps(
        lambda: (fault.setdefault("id", emu.add_fault(route="ecs.list", kind="status", status=503, region=NORTH)),
                 emu.remove_event("n-sched"), emu.update_event("n-inq", state="completed")),
        lambda: emu.add_event("ecs", SOUTH, {"id": "s-new", "state": "inquiring", "instance_id": "i-s2",
                                             "not_before": "+2h"}),
        lambda: None,
        emu.clear_faults,
    )
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        out = run_source(source_args(emu, error_threshold=2, backoff_max="5m"), steps)
    assert brief(out) == [
        ("new", "n-inq", None), ("new", "n-sched", None), ("new", "m-1", None), ("new", "s-inq", None),
        ("new", "s-new", None), ("error", 2),
        ("cleared", "n-inq", "completed"), ("cleared", "n-sched", "gone"), ("recovered", 3),
    ]
    error = out[5]
    assert error["errors"][0]["target"]["region"] == NORTH and error["errors"][0]["error"]["status"] == 503
    assert error["errors"][0]["error"]["request_id"] and "503" in error["message"]
    # Readable targets keep being watched at least every interval; the failed one is retried sooner.
    assert steps.delays == [60.0, 10.0, 20.0, 40.0]
    assert any("could not read ecs cn-north-4" in r.getMessage() for r in caplog.records)


def test_total_outage_backs_off_and_never_stops(emulator_factory):
    emu = emulator_factory(small_fleet())
    emu.add_fault(kind="drop", count=None)
    steps = Steps(*([lambda: None] * 5 + [emu.clear_faults]))
    out = run_source(source_args(emu, interval="20s", backoff_max="1m", error_threshold=3), steps)
    assert brief(out) == [("error", 3), ("error", 6), ("new", "n-inq", None), ("new", "n-sched", None),
                          ("new", "m-1", None), ("new", "s-inq", None), ("recovered", 6)]
    assert steps.delays == [10.0, 20.0, 40.0, 60.0, 60.0, 60.0]


def test_iam_failure_is_a_failed_poll(emulator_factory):
    emu = emulator_factory(small_fleet())
    emu.add_fault(route="iam.projects", kind="status", status=500, region=SOUTH, count=2)
    out = run_source(source_args(emu, error_threshold=2), Steps(lambda: None, lambda: None))
    assert brief(out) == [("new", "n-inq", None), ("new", "n-sched", None), ("new", "m-1", None), ("error", 2),
                          ("new", "s-inq", None), ("recovered", 2)]
    assert {e["target"]["service"] for e in out[3]["errors"]} == {"ecs", "modelarts"}
    assert out[3]["errors"][0]["target"]["project_id"] is None


@pytest.mark.parametrize("credentials", [
    {"access_key": emu_creds.TEMP_AK, "secret_key": emu_creds.TEMP_SK, "security_token": emu_creds.SECURITY_TOKEN},
    {"auth_token": emu_creds.IAM_TOKEN, "access_key": None, "secret_key": None},
])
def test_no_secret_in_events_or_logs(emulator_factory, caplog, tmp_path, credentials):
    emu = emulator_factory(small_fleet())
    state = tmp_path / "state.json"
    args = dict(source_args(emu, error_threshold=1, state_file=str(state)), **credentials)
    with caplog.at_level(logging.DEBUG):
        out = run_source(args, Steps(lambda: emu.add_fault(route="ecs.list", kind="status", status=401, region=NORTH,
                                                           count=1),
                                     lambda: emu.update_event("n-inq", state="scheduled")))
    assert brief(out)[4:] == [("error", 1), ("changed", "n-inq", "state"), ("recovered", 1)]
    text = json.dumps(out) + "\n".join(r.getMessage() for r in caplog.records) + state.read_text()
    for secret in SECRETS:
        assert secret not in text


def test_wrong_secret_key_is_reported_without_it(emulator_factory, caplog):
    emu = emulator_factory(small_fleet())
    wrong = "wrong-secret-key-000000000000000000000001"
    with caplog.at_level(logging.DEBUG):
        out = run_source(source_args(emu, secret_key=wrong, error_threshold=1, project_ids={NORTH: "p" * 32}))
    assert brief(out) == [("error", 1)] and out[0]["errors"][0]["error"]["status"] == 401
    text = json.dumps(out) + "\n".join(r.getMessage() for r in caplog.records)
    assert wrong not in text and emu_creds.SK not in text


# ----------------------------------------------------------------------------------------------- the event loop

def test_http_calls_do_not_block_the_event_loop(emulator_factory):
    emu = emulator_factory(small_fleet(), latency=0.3)
    queue = asyncio.Queue()
    config = eda.SourceConfig.from_args(source_args(emu, regions=[NORTH], services=["ecs"], project_id=None,
                                                    project_ids={NORTH: emu.project_id(NORTH)}))
    poller = eda.Poller(config)

    async def scenario():
        ticks = []

        async def ticker():
            while True:
                ticks.append(time.monotonic())
                await asyncio.sleep(0.01)

        task = asyncio.create_task(ticker())
        started = time.monotonic()
        await poller.poll_once(queue)
        elapsed = time.monotonic() - started
        task.cancel()
        return elapsed, len(ticks)

    try:
        elapsed, ticks = asyncio.run(scenario())
    finally:
        poller.close()
    assert elapsed >= 0.3
    assert ticks >= 5, "the event loop was blocked during the poll (%d ticks in %.2fs)" % (ticks, elapsed)
    assert [e["id"] for e in drain(queue)] == ["n-inq", "n-sched"]


def test_main_for_real_with_a_short_interval(emulator_factory):
    """The plugin's ``main()`` as ansible-rulebook calls it, polling every 0.2 s while the fleet changes."""
    emu = emulator_factory(small_fleet())
    main = runpy.run_path(str(SOURCE))["main"]
    args = source_args(emu, interval=0.2, eda_feedback_queue=None)

    async def scenario():
        queue = asyncio.Queue()
        task = asyncio.create_task(main(queue, args))
        received = []

        async def expect(count):
            deadline = time.monotonic() + 20
            while len(received) < count:
                remaining = deadline - time.monotonic()
                assert remaining > 0, "timed out; received %r" % brief(received)
                received.append(await asyncio.wait_for(queue.get(), remaining))

        try:
            await expect(4)
            emu.add_event("ecs", SOUTH, {"id": "s-new", "state": "inquiring", "instance_id": "i-s2",
                                         "not_before": "+2h"})
            await expect(5)
            emu.update_event("s-new", state="scheduled")
            await expect(6)
            emu.update_event("s-new", state="completed")
            await expect(7)
            emu.remove_event("n-sched")
            await expect(8)
            await asyncio.sleep(1.0)  # about five more polls: nothing new
            received.extend(drain(queue))
            assert not task.done()
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        return received

    out = asyncio.run(scenario())
    assert brief(out) == [("new", "n-inq", None), ("new", "n-sched", None), ("new", "m-1", None),
                          ("new", "s-inq", None), ("new", "s-new", None), ("changed", "s-new", "state"),
                          ("cleared", "s-new", "completed"), ("cleared", "n-sched", "gone")]
    assert emu.stats()["by_route"].get("iam.projects") == 2  # project ids resolved once, then remembered


def test_main_with_bad_arguments(emulator_factory):
    emu = emulator_factory(small_fleet())
    main = runpy.run_path(str(SOURCE))["main"]
    queue = asyncio.Queue()
    with pytest.raises(OptionError, match="'interval'"):
        asyncio.run(main(queue, source_args(emu, interval="every now and then")))
    out = drain(queue)
    assert brief(out) == [("error", 0)] and out[0]["reason"] == "invalid_arguments"
    assert out[0]["errors"][0]["error"]["option"] == "interval"
    assert emu.stats()["requests_total"] == 0
    assert emu_creds.SK not in json.dumps(out)
