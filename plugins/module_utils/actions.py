# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Accept or reschedule one scheduled event: read it, validate the request, act, read it again.

The flow is the same for every front door:

1. :meth:`ActionRequest.from_options` validates the options (raises :class:`OptionError`);
2. :func:`manage_event` reads the event through the list API with the ``id`` filter, plans the action with
   :func:`plan_action` (pure: event + request + clock, raises :class:`ActionRefused` with a clear message),
   calls the write API unless nothing changes or in check mode, and reads the event again.

Also here: the maintenance-window parser behind ``not_before: next_window`` (:class:`MaintenanceSchedule`).
The clock is always injected (``now``), so nothing depends on wall time in tests.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from ansible_collections.hwcloud.maintenance.plugins.module_utils.errors import ApiError, HwcloudError, OptionError
from ansible_collections.hwcloud.maintenance.plugins.module_utils.fleet import resolve_targets
from ansible_collections.hwcloud.maintenance.plugins.module_utils.models import SERVICES
from ansible_collections.hwcloud.maintenance.plugins.module_utils.query import ID_RE, EventQuery
from ansible_collections.hwcloud.maintenance.plugins.module_utils.services import SERVICE_IMPLS
from ansible_collections.hwcloud.maintenance.plugins.module_utils.timeutil import iso, parse_time, utcnow

STATES = ("accepted", "rescheduled")
NEXT_WINDOW = "next_window"
# ECS: "the new time must be at least 30 minutes earlier than the latest schedulable time" (console guide).
RESCHEDULE_MARGIN = timedelta(minutes=30)
# A window opening closer than this is not chosen: the request must reach the service while it is still ahead.
MIN_LEAD = timedelta(minutes=1)
REDEPLOY_TYPES = ("HARD", "SOFT")
ASAP = "(as soon as possible)"

# --------------------------------------------------------------------------------------- maintenance windows

WINDOW_OPTION = "maintenance_window"
WINDOW_EXAMPLES = "'Sat 02:00-06:00 UTC', 'Mon-Fri 22:00-02:00 +08:00', 'daily 01:00-03:00 UTC'"
_DAY_NAMES = {}
for _index, _names in enumerate((("mon", "monday"), ("tue", "tues", "tuesday"), ("wed", "wednesday"),
                                 ("thu", "thur", "thurs", "thursday"), ("fri", "friday"),
                                 ("sat", "saturday"), ("sun", "sunday"))):
    for _name in _names:
        _DAY_NAMES[_name] = _index
_EVERY_DAY = ("daily", "everyday", "*")
_WINDOW_RE = re.compile(r"^(?P<days>.+?)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})(?:\s+(?P<tz>\S+))?$")
_CLOCK_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
_OFFSET_RE = re.compile(r"^(?:UTC|GMT)?(?P<sign>[+-])(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?$", re.IGNORECASE)
_UTC_NAMES = ("utc", "gmt", "z")
MAX_OFFSET_MINUTES = 14 * 60


def _window_error(text, reason):
    return OptionError(WINDOW_OPTION, text, reason="%s; expected '<days> <HH:MM>-<HH:MM> <timezone>' such as %s, "
                                                   "several windows separated by ';'" % (reason, WINDOW_EXAMPLES))


def _parse_days(text, whole):
    spec = re.sub(r"\s+", "", text).lower()
    if spec in _EVERY_DAY:
        return frozenset(range(7))
    days = set()
    for part in spec.split(","):
        ends = part.split("-")
        if len(ends) > 2 or not all(ends):
            raise _window_error(whole, "%r is not a day or a range of days" % part)
        for name in ends:
            if name not in _DAY_NAMES:
                raise _window_error(whole, "unknown day %r (use Mon, Tue, Wed, Thu, Fri, Sat, Sun or daily)" % name)
        first = _DAY_NAMES[ends[0]]
        last = _DAY_NAMES[ends[-1]]
        span = (last - first) % 7  # a range may wrap around the week: Fri-Mon
        days.update((first + step) % 7 for step in range(span + 1))
    return frozenset(days)


def _parse_clock(text, whole, allow_24=False):
    match = _CLOCK_RE.match(text)
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not allow_24)):
        raise _window_error(whole, "%r is not a time of day (00:00 to 23:59%s)" % (text, ", or 24:00 as an end"
                                                                                   if allow_24 else ""))
    return hours * 60 + minutes


def parse_offset(text, whole=None):
    """Minutes east of UTC for ``UTC``, ``GMT``, ``Z``, ``+08:00``, ``-0530``, ``UTC+8``. Raises OptionError."""
    whole = text if whole is None else whole
    if text is None:
        raise _window_error(whole, "the time zone is missing (UTC or a fixed offset such as +08:00)")
    if text.lower() in _UTC_NAMES:
        return 0
    match = _OFFSET_RE.match(text)
    if not match:
        raise _window_error(whole, "unknown time zone %r (use UTC or a fixed offset such as +08:00 or -05:30)" % text)
    hours, minutes = int(match.group("hours")), int(match.group("minutes") or 0)
    total = hours * 60 + minutes
    if minutes > 59 or total > MAX_OFFSET_MINUTES:
        raise _window_error(whole, "time zone offset %r is out of range (-14:00 to +14:00)" % text)
    return -total if match.group("sign") == "-" else total


class Occurrence(object):
    """One concrete opening of a maintenance window: aware UTC ``opening`` and ``closing``."""

    def __init__(self, opening, closing):
        self.opening = opening
        self.closing = closing

    def contains(self, moment):
        return self.opening <= moment < self.closing

    def to_dict(self):
        return {"opening": iso(self.opening), "closing": iso(self.closing)}

    def __eq__(self, other):
        return isinstance(other, Occurrence) and (self.opening, self.closing) == (other.opening, other.closing)

    def __repr__(self):
        return "Occurrence(%s, %s)" % (iso(self.opening), iso(self.closing))


class MaintenanceWindow(object):
    """A weekly window: the days it opens on (in its own time zone), its opening minute, length and UTC offset.

    A window whose end is not after its start crosses midnight: ``Sat 22:00-02:00`` closes on Sunday.
    """

    def __init__(self, days, start, length, offset):
        self.days = frozenset(days)
        self.start = start  # minutes after local midnight
        self.length = length  # minutes, 1 to 1440
        self.offset = offset  # minutes east of UTC
        self.tz = timezone(timedelta(minutes=offset))

    @classmethod
    def parse(cls, text):
        """One window such as ``Sat 02:00-06:00 UTC``. Raises OptionError naming ``maintenance_window``."""
        whole = text
        match = _WINDOW_RE.match(text.strip())
        if not match:
            raise _window_error(whole, "cannot read %r" % text.strip())
        days = _parse_days(match.group("days"), whole)
        start = _parse_clock(match.group("start"), whole)
        end = _parse_clock(match.group("end"), whole, allow_24=True)
        if start == end:
            raise _window_error(whole, "the window opens and closes at the same time (use 00:00-24:00 for a whole day)")
        length = end - start if end > start else end + 1440 - start
        return cls(days, start, length, parse_offset(match.group("tz"), whole))

    def occurrences(self, begin, end):
        """Every occurrence that is open at some moment of ``[begin, end]`` (aware datetimes), in order."""
        local_day = (begin.astimezone(self.tz) - timedelta(minutes=self.length)).date()
        last_day = end.astimezone(self.tz).date()
        found = []
        while local_day <= last_day:
            if local_day.weekday() in self.days:
                opening = datetime(local_day.year, local_day.month, local_day.day, tzinfo=self.tz) \
                    + timedelta(minutes=self.start)
                closing = opening + timedelta(minutes=self.length)
                if closing > begin and opening <= end:
                    found.append(Occurrence(opening.astimezone(timezone.utc), closing.astimezone(timezone.utc)))
            local_day += timedelta(days=1)
        return found


class MaintenanceSchedule(object):
    """One or more weekly windows (``;``-separated in the option)."""

    def __init__(self, windows, text=None):
        self.windows = list(windows)
        self.text = text

    @classmethod
    def parse(cls, text):
        """Raises OptionError naming ``maintenance_window`` for anything it cannot read."""
        if not isinstance(text, str) or not text.strip():
            raise _window_error(text, "it is empty")
        parts = [part for part in (p.strip() for p in text.split(";")) if part]
        if not parts:
            raise _window_error(text, "it is empty")
        return cls([MaintenanceWindow.parse(part) for part in parts], text)

    def occurrences(self, begin, end):
        found = [occ for window in self.windows for occ in window.occurrences(begin, end)]
        return sorted(found, key=lambda occ: (occ.opening, occ.closing))

    def next_opening(self, after):
        """The first occurrence that opens strictly after ``after`` (every window opens within a week)."""
        for occ in self.occurrences(after, after + timedelta(days=8)):
            if occ.opening > after:
                return occ
        return None  # pragma: no cover - unreachable: every window has at least one day

    def containing(self, moment):
        """The occurrence open at ``moment``, or None."""
        for occ in self.occurrences(moment, moment):
            if occ.contains(moment):
                return occ
        return None


# --------------------------------------------------------------------------------------- the request

class ActionRequest(object):
    """What the user asked for, validated. ``not_before`` is None (no start given), :data:`NEXT_WINDOW` or an
    aware UTC datetime (whole seconds); ``schedule`` is the parsed ``maintenance_window``."""

    def __init__(self, service, event_id, state="accepted", not_before=None, not_before_text=None, schedule=None,
                 workspace_id=None, redeploy_config=None):
        self.service = service
        self.event_id = event_id
        self.state = state
        self.not_before = not_before
        self.not_before_text = not_before_text
        self.schedule = schedule
        self.workspace_id = workspace_id
        self.redeploy_config = redeploy_config

    @property
    def action(self):
        return "accept" if self.state == "accepted" else "reschedule"

    @classmethod
    def from_options(cls, options, now=None):
        """Validate the options of the ``scheduled_event`` module. Raises OptionError."""
        now = now or utcnow()
        service = options.get("service")
        if service not in SERVICES:
            raise OptionError("service", service, allowed=SERVICES)
        state = options.get("state") or "accepted"
        if state not in STATES:
            raise OptionError("state", state, allowed=STATES)
        event_id = options.get("event_id")
        if not event_id or not ID_RE.match(str(event_id)):
            raise OptionError("event_id", event_id, reason="not a valid event id")
        if service == "modelarts" and state == "rescheduled":
            raise OptionError("state", state, allowed=["accepted"],
                              reason="ModelArts has no API to reschedule an event; accept it with not_before to "
                                     "choose its start")
        workspace_id = options.get("workspace_id")
        if workspace_id is not None and workspace_id != "":
            if service != "modelarts":
                raise OptionError("workspace_id", workspace_id, reason="applies only to service=modelarts")
            workspace_id = str(workspace_id)
            if not ID_RE.match(workspace_id):
                raise OptionError("workspace_id", workspace_id, reason="not a valid workspace id")
        else:
            workspace_id = None
        redeploy_config = _redeploy_config(options.get("redeploy_config"), service, state)
        text = options.get("maintenance_window")
        schedule = MaintenanceSchedule.parse(text) if text not in (None, "") else None
        raw = options.get("not_before")
        not_before = None
        if raw is not None and str(raw).strip() != "":
            raw = str(raw).strip()
            if raw.lower() == NEXT_WINDOW:
                if schedule is None:
                    raise OptionError(WINDOW_OPTION, reason="is required with not_before=next_window, for example %s"
                                      % WINDOW_EXAMPLES)
                not_before = NEXT_WINDOW
            else:
                try:
                    not_before = parse_time(raw, now=now, field="not_before").astimezone(timezone.utc)
                except (ValueError, OverflowError) as exc:
                    raise OptionError("not_before", raw, reason="%s; or next_window with maintenance_window" % exc)
                not_before = not_before.replace(microsecond=0)
        elif state == "rescheduled":
            raise OptionError("not_before", reason="is required with state=rescheduled: an ISO 8601 time, a "
                                                   "relative time such as +2h, or next_window")
        return cls(service, str(event_id), state, not_before, raw, schedule, workspace_id, redeploy_config)


def _redeploy_config(value, service, state):
    """The ModelArts ``redeployConfig`` wire object from the option, or None."""
    if not value:
        return None
    if service != "modelarts" or state != "accepted":
        raise OptionError("redeploy_config", reason="applies only to service=modelarts with state=accepted")
    if not isinstance(value, dict):
        raise OptionError("redeploy_config", value, reason="expected a dictionary with type and auto_flow")
    unknown = sorted(set(value) - set(("type", "auto_flow")))
    if unknown:
        raise OptionError("redeploy_config", unknown[0], allowed=["type", "auto_flow"], reason="unknown key")
    wire = {}
    if value.get("type") is not None:
        kind = str(value["type"]).upper()
        if kind not in REDEPLOY_TYPES:
            raise OptionError("redeploy_config.type", value["type"], allowed=REDEPLOY_TYPES)
        wire["type"] = kind
    if value.get("auto_flow") is not None:
        if not isinstance(value["auto_flow"], bool):
            raise OptionError("redeploy_config.auto_flow", value["auto_flow"], allowed=[True, False])
        wire["autoFlow"] = "true" if value["auto_flow"] else "false"
    return wire or None


def single_region(settings):
    """The one region of ``settings``; this module acts on one event in one region. Raises OptionError."""
    if len(settings.regions) != 1:
        raise OptionError("regions", settings.regions, reason="this module acts on one event in one region: give "
                                                              "exactly one region")
    return settings.regions[0]


# --------------------------------------------------------------------------------------- the plan

class ActionRefused(HwcloudError):
    """The event cannot be changed as asked. ``reason`` is a short code: ``not_found``, ``wrong_state``,
    ``in_the_past``, ``after_deadline``, ``no_window``."""

    def __init__(self, message, reason, event=None):
        self.reason = reason
        self.event = event
        super().__init__(message)

    def result(self):
        return {"reason": self.reason, "event": self.event.to_dict() if self.event is not None else None}


class ReadBackError(HwcloudError):
    """The change was made but the event could not be read again afterwards."""

    def __init__(self, message, cause=None, request_id=None, action=None):
        self.cause = cause
        self.request_id = request_id
        self.action = action
        super().__init__(message)

    def result(self):
        return {"changed": True, "action": self.action, "request_id": self.request_id,
                "error": self.cause.to_dict() if isinstance(self.cause, ApiError) else None}


class Plan(object):
    """What to do with one event: ``action`` (None when nothing changes), the start to send (None: as soon as
    possible), the chosen window occurrence, the before/after view for the diff, and warnings."""

    def __init__(self, event, action=None, not_before=None, occurrence=None, after=None, warnings=None):
        self.event = event
        self.action = action
        self.not_before = not_before
        self.occurrence = occurrence
        self.before = {"state": event.state, "not_before": event.not_before}
        self.after = after or dict(self.before)
        self.warnings = warnings or []

    @property
    def changed(self):
        return self.action is not None


def _time(value):
    return parse_time(value) if value else None


def _label(event):
    return "%s scheduled event %s" % ("ECS" if event.service == "ecs" else "ModelArts", event.id)


def plan_action(event, request, now):
    """Decide what to do with ``event`` (a normalised ScheduledEvent, just read). Pure; raises ActionRefused."""
    if request.state == "accepted":
        return _plan_accept(event, request, now)
    return _plan_reschedule(event, request, now)


def _plan_accept(event, request, now):
    if event.state == "scheduled":
        plan = Plan(event)
        wanted = request.not_before
        if wanted == NEXT_WINDOW:
            current = _time(event.not_before)
            if current is None or request.schedule.containing(current) is None:
                plan.warnings.append("%s is already accepted; its start %s is outside maintenance_window %r. Use "
                                     "state=rescheduled to move it%s" % (
                                         _label(event), event.not_before, request.schedule.text, _ecs_only(event)))
        elif wanted is not None and iso(wanted) != event.not_before:
            plan.warnings.append("%s is already accepted; it starts at %s, not at the requested %s. Use "
                                 "state=rescheduled to move it%s" % (_label(event), event.not_before, iso(wanted),
                                                                     _ecs_only(event)))
        return plan
    if event.state != "inquiring":
        raise ActionRefused("cannot accept %s: it is in state %r; only an 'inquiring' event can be accepted (one "
                            "already 'scheduled' is left as it is)" % (_label(event), event.state), "wrong_state",
                            event)
    deadline = _time(event.not_before_deadline)
    latest = deadline
    occurrence = None
    start = request.not_before
    if start == NEXT_WINDOW:
        start, occurrence = _choose_window_start(event, request.schedule, now, latest, deadline, margin=None)
    if start is not None:
        _check_future(event, start, now, request)
        if latest is not None and start > latest:
            raise ActionRefused("cannot accept %s at %s: that is after its not_before_deadline %s" % (
                _label(event), iso(start), event.not_before_deadline), "after_deadline", event)
    warnings = _outside_window_warning(event, request, start, occurrence)
    return Plan(event, "accept", start, occurrence, {"state": "scheduled", "not_before": iso(start) or ASAP},
                warnings)


def _plan_reschedule(event, request, now):
    if event.state != "scheduled":
        hint = "; accept it first with state=accepted, where not_before chooses its start" \
            if event.state == "inquiring" else ""
        raise ActionRefused("cannot reschedule %s: it is in state %r; only a 'scheduled' event can be rescheduled%s"
                            % (_label(event), event.state, hint), "wrong_state", event)
    deadline = _time(event.not_before_deadline)
    latest = deadline - RESCHEDULE_MARGIN if deadline is not None else None
    current = _time(event.not_before)
    occurrence = None
    start = request.not_before
    if start == NEXT_WINDOW:
        inside = request.schedule.containing(current) if current is not None else None
        if inside is not None and current > now:
            return Plan(event, occurrence=inside)  # already starts inside a maintenance window
        start, occurrence = _choose_window_start(event, request.schedule, now, latest, deadline, margin=True)
    if current is not None and start == current:
        return Plan(event, occurrence=occurrence)
    _check_future(event, start, now, request)
    if latest is not None and start > latest:
        raise ActionRefused("cannot reschedule %s to %s: its not_before_deadline is %s and a new start must be at "
                            "least 30 minutes earlier, so no later than %s" % (
                                _label(event), iso(start), event.not_before_deadline, iso(latest)),
                            "after_deadline", event)
    warnings = _outside_window_warning(event, request, start, occurrence)
    return Plan(event, "reschedule", start, occurrence, {"state": "scheduled", "not_before": iso(start)}, warnings)


def _ecs_only(event):
    return "" if event.service == "ecs" else " (ECS only: ModelArts events cannot be rescheduled)"


def _check_future(event, start, now, request):
    if start <= now:
        hint = "; omit not_before to accept it to start as soon as possible" if request.state == "accepted" else ""
        raise ActionRefused("cannot %s %s: not_before %s is not in the future (now is %s)%s" % (
            request.action, _label(event), iso(start), iso(now), hint), "in_the_past", event)


def _choose_window_start(event, schedule, now, latest, deadline, margin):
    """The start for ``next_window``: the event's own start when it already falls inside a window (and is allowed),
    otherwise the first window opening at least MIN_LEAD from now. Raises ActionRefused when none fits."""
    current = _time(event.not_before)
    if current is not None and current > now + MIN_LEAD and (latest is None or current <= latest):
        inside = schedule.containing(current)
        if inside is not None:
            return current, inside
    occurrence = schedule.next_opening(now + MIN_LEAD)
    if latest is not None and occurrence.opening > latest:
        bound = " minus 30 minutes" if margin else ""
        raise ActionRefused("no maintenance window (maintenance_window=%r) opens between now (%s) and the latest "
                            "allowed start %s (not_before_deadline %s%s) of %s; the next one opens at %s" % (
                                schedule.text, iso(now), iso(latest), iso(deadline), bound, _label(event),
                                iso(occurrence.opening)), "no_window", event)
    return occurrence.opening, occurrence


def _outside_window_warning(event, request, start, occurrence):
    if request.schedule is None or occurrence is not None or start is None or start == NEXT_WINDOW:
        return []
    if request.schedule.containing(start) is None:
        return ["not_before %s of %s is outside maintenance_window %r" % (iso(start), _label(event),
                                                                          request.schedule.text)]
    return []


# --------------------------------------------------------------------------------------- acting

class ActionResult(object):
    """The outcome: the plan, the event read back after the change (or as read, when nothing was written), the
    request id of the write and of every read."""

    def __init__(self, plan, event, target, request_id=None, request_ids=None, check_mode=False, warnings=None):
        self.plan = plan
        self.event = event
        self.target = target
        self.request_id = request_id
        self.request_ids = request_ids or []
        self.check_mode = check_mode
        self.warnings = list(plan.warnings) + list(warnings or [])

    @property
    def changed(self):
        return self.plan.changed

    def diff(self):
        after = self.plan.after
        if self.plan.changed and not self.check_mode:
            after = {"state": self.event.state, "not_before": self.event.not_before}
        return {"before": dict(self.plan.before), "after": dict(after),
                "before_header": "scheduled event %s" % self.event.id,
                "after_header": "scheduled event %s" % self.event.id}

    def to_dict(self, diff=False):
        result = {
            "changed": self.changed,
            "action": self.plan.action or "none",
            "event": self.event.to_dict(),
            "not_before": iso(self.plan.not_before) if self.plan.changed else None,
            "window": self.plan.occurrence.to_dict() if self.plan.occurrence is not None else None,
            "request_id": self.request_id,
            "request_ids": list(self.request_ids),
        }
        if diff:
            result["diff"] = self.diff()
        return result


def _event_query(request, now):
    return EventQuery(services=[request.service], event_ids=[request.event_id], workspace_id=request.workspace_id,
                      now=now)


def read_event(client, target, request, now=None):
    """``(event or None, request ids)``: one event read with the list API's ``id`` filter (filtered again here, in
    case a server ignores it). Raises ApiError: a failed read never looks like "no such event"."""
    impl = SERVICE_IMPLS[target.service]
    query = _event_query(request, now or utcnow())
    chain = impl.list_events(client, target.endpoint, target.region, target.project_id, impl.list_params(query),
                             workspace_id=request.workspace_id)
    found = [event for event in chain.events if event.id == request.event_id]
    return (found[0] if found else None), list(chain.request_ids)


def _not_found(request, target, request_ids):
    where = "%s region %s, project %s" % ("ECS" if target.service == "ecs" else "ModelArts", target.region,
                                          target.project_id)
    if target.service == "modelarts":
        where += ", workspace %s" % (request.workspace_id or "0")
    note = "; ECS lists events in a final state for 7 days only" if target.service == "ecs" else ""
    return ActionRefused("scheduled event %s not found in %s (list request id %s)%s" % (
        request.event_id, where, ", ".join(request_ids) or "none", note), "not_found")


def _write(client, target, request, plan):
    impl = SERVICE_IMPLS[target.service]
    start = iso(plan.not_before)
    if plan.action == "reschedule":
        return impl.reschedule(client, target.endpoint, target.project_id, request.event_id, start)
    if target.service == "modelarts":
        return impl.accept(client, target.endpoint, target.project_id, request.event_id, not_before=start,
                           workspace_id=request.workspace_id, redeploy_config=request.redeploy_config)
    return impl.accept(client, target.endpoint, target.project_id, request.event_id, not_before=start)


def manage_event(client, settings, request, check_mode=False, now=None, environ=None):
    """Read, plan, act (unless check mode or nothing to do), read again. Returns :class:`ActionResult`.

    Raises OptionError, ApiError (with status, code and request id), ActionRefused or ReadBackError.
    """
    now = now or utcnow()
    single_region(settings)
    targets, failures = resolve_targets(client, settings, [request.service], environ)
    if failures:
        raise failures[0].error
    target = targets[0]
    event, request_ids = read_event(client, target, request, now)
    if event is None:
        raise _not_found(request, target, request_ids)
    plan = plan_action(event, request, now)
    if not plan.changed or check_mode:
        return ActionResult(plan, event, target, request_ids=request_ids, check_mode=check_mode)
    response = _write(client, target, request, plan)
    request_ids.append(response.request_id)
    verb = "accepted" if plan.action == "accept" else "rescheduled"
    try:
        after, more_ids = read_event(client, target, request, now)
    except ApiError as exc:
        raise ReadBackError("%s %s (request id %s), but reading it again failed: %s" % (
            verb, _label(event), response.request_id or "none", exc), exc, response.request_id, plan.action)
    request_ids.extend(more_ids)
    if after is None:
        raise ReadBackError("%s %s (request id %s), but it is no longer listed" % (
            verb, _label(event), response.request_id or "none"), None, response.request_id, plan.action)
    warnings = []
    expected = plan.after
    if after.state != expected["state"] or (plan.not_before is not None and after.not_before != expected["not_before"]):
        warnings.append("%s was %s (request id %s), but reading it again shows state %r and not_before %s (expected "
                        "%r and %s); the service may still be applying the change" % (
                            _label(event), verb, response.request_id or "none", after.state, after.not_before,
                            expected["state"], expected["not_before"]))
    return ActionResult(plan, after, target, response.request_id, request_ids, warnings=warnings)
