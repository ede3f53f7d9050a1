# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Event-Driven Ansible source ``hwcloud.maintenance.scheduled_events`` (controller only).

The event source file (``extensions/eda/plugins/event_source/scheduled_events.py``) is a thin shell around
:func:`run`. Everything it does is here:

- :class:`SourceConfig` validates the source arguments: the module's options (auth, targets, filters, through
  ``query.py`` and ``auth.py``) plus ``interval``, ``emit_existing``, ``state_file``, ``error_threshold`` and
  ``backoff_max``. A bad argument is an :class:`OptionError` naming it.
- :class:`Tracker` turns successive listings into transitions (``new``, ``changed``, ``cleared``). It works on plain
  data (normalised event dicts and per-target results), so it is unit-tested without the network or a clock.
- :class:`Health` counts failed polls, emits ``error`` (every ``error_threshold`` failed polls in a row) and
  ``recovered`` events; :func:`retry_delay` is the back-off.
- :class:`StateFile` persists a tracker, so that a restart replays nothing.
- :class:`Poller` runs one poll (the blocking HTTP calls in a worker thread) and :func:`run` is the loop, with
  the clock and ``sleep`` injectable.

Fail closed: an event is reported ``cleared`` only when its target (region x project x service) was read to the
end in this poll and the event is in a final state or no longer listed. A target that could not be read changes
nothing; it counts as a failed poll.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import os
import tempfile

from ansible_collections.hwcloud.maintenance.plugins.module_utils import client as client_mod
from ansible_collections.hwcloud.maintenance.plugins.module_utils import models
from ansible_collections.hwcloud.maintenance.plugins.module_utils.auth import Credentials, env_value
from ansible_collections.hwcloud.maintenance.plugins.module_utils.errors import ApiError, OptionError
from ansible_collections.hwcloud.maintenance.plugins.module_utils.fleet import fetch_events, make_client
from ansible_collections.hwcloud.maintenance.plugins.module_utils.query import (
    AUTH_ARGSPEC, FILTER_ARGSPEC, EventQuery, Settings,
)
from ansible_collections.hwcloud.maintenance.plugins.module_utils.timeutil import iso, parse_duration, utcnow

SOURCE_NAME = "hwcloud.maintenance.scheduled_events"

# Transitions (the ``transition`` field of every event this source emits).
NEW = "new"
CHANGED = "changed"
CLEARED = "cleared"
ERROR = "error"
RECOVERED = "recovered"
TRANSITIONS = (NEW, CHANGED, CLEARED, ERROR, RECOVERED)

FINAL_STATES = models.FINAL_STATES
# A tracked event is reported ``changed`` when one of these fields moves.
TRACKED_FIELDS = ("state", "not_before")
# ``reason`` of a ``cleared`` event whose event is no longer listed (otherwise the reason is the final state).
REASON_GONE = "gone"
ERROR_KEY = SOURCE_NAME + "/error"

DEFAULT_INTERVAL = 300.0
DEFAULT_BACKOFF_MAX = 600.0
DEFAULT_ERROR_THRESHOLD = 3
# The first retry after a failed poll waits this long (or ``interval`` if shorter), then twice as long each time.
BACKOFF_BASE = 10.0
MIN_INTERVAL = 0.1
MAX_DURATION = 86400.0
QUICK_INTERVAL = 30.0
MAX_ERROR_THRESHOLD = 1000

STATE_FORMAT = 1
MASK = "********"

# The source's own arguments; the others are the options of the modules (auth and event filters).
OWN_ARGS = ("interval", "emit_existing", "state_file", "error_threshold", "backoff_max")
SECRET_ARGS = ("secret_key", "security_token", "auth_token")
BOOL_ARGS = ("validate_certs", "pending_only", "emit_existing")
# ansible-rulebook adds arguments of its own whose names start with this (``eda_feedback_queue``).
RULEBOOK_ARG_PREFIX = "eda_"
FINGERPRINT_OPTIONS = ("services", "states", "types", "event_ids", "instance_ids", "node_names", "pool_names",
                       "workspace_id", "published_after", "published_before", "starts_within", "pending_only")

_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


def _argument_names():
    names, aliases = [], {}
    for spec in (AUTH_ARGSPEC, FILTER_ARGSPEC):
        for name, option in spec.items():
            names.append(name)
            for alias in option.get("aliases", ()):
                aliases[alias] = name
    return tuple(names) + OWN_ARGS, aliases


ARGUMENTS, ALIASES = _argument_names()


# ----------------------------------------------------------------------------------------------- arguments

def _present(value):
    return value is not None and value != ""


def _bool(options, name, default):
    value = options.get(name)
    if not _present(value):
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise OptionError(name, value, allowed=[True, False])


def _duration(options, name, default, low=MIN_INTERVAL, high=MAX_DURATION):
    value = options.get(name)
    if not _present(value):
        return default
    seconds = None
    if isinstance(value, str):
        try:
            seconds = float(value.strip())
        except ValueError:
            seconds = None
    try:
        if seconds is None:
            seconds = parse_duration(value)
    except ValueError as exc:
        raise OptionError(name, value, reason=str(exc))
    if math.isnan(seconds) or not low <= seconds <= high:
        raise OptionError(name, value, reason="must be from %gs to %gs (1d); use a number of seconds or a duration "
                                              "such as 30s, 5m, 1h" % (low, high))
    return float(seconds)


def _int(options, name, default, low, high):
    value = options.get(name)
    if not _present(value):
        return default
    try:
        number = int(str(value).strip()) if not isinstance(value, (bool, float)) else None
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise OptionError(name, value, reason="expected an integer from %d to %d" % (low, high))
    return number


def normalise_args(args):
    """The source arguments as options under their canonical names (aliases resolved, empty values dropped,
    booleans given as text converted). Raises :class:`OptionError` for an unknown argument, an argument given
    twice (name and alias), a secret that is not a string or a boolean that is not one. Secret values never
    appear in an error."""
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise OptionError("args", reason="the source arguments must be a mapping of argument names to values")
    options, given = {}, {}
    for name, value in args.items():
        name = str(name)
        if name.startswith(RULEBOOK_ARG_PREFIX):
            continue
        canonical = ALIASES.get(name, name)
        if canonical not in ARGUMENTS:
            raise OptionError(name, reason="unknown argument of %s" % SOURCE_NAME,
                              allowed=sorted(ARGUMENTS))
        if canonical in given:
            raise OptionError(canonical, reason="given twice (as %s and as %s)" % (given[canonical], name))
        given[canonical] = name
        if not _present(value):
            continue
        if canonical in SECRET_ARGS and not isinstance(value, str):
            raise OptionError(canonical, reason="must be a string")
        options[canonical] = value
    for name in BOOL_ARGS:
        if name in options:
            options[name] = _bool(options, name, None)
    return options


class SourceConfig(object):
    """Validated arguments of the source: credentials, settings, the filters and the polling behaviour."""

    def __init__(self, options, credentials, settings, interval=DEFAULT_INTERVAL, emit_existing=True,
                 state_file=None, error_threshold=DEFAULT_ERROR_THRESHOLD, backoff_max=DEFAULT_BACKOFF_MAX,
                 environ=None):
        self.options = options
        self.credentials = credentials
        self.settings = settings
        self.interval = interval
        self.emit_existing = emit_existing
        self.state_file = state_file
        self.error_threshold = error_threshold
        self.backoff_max = backoff_max
        self.environ = environ

    @classmethod
    def from_args(cls, args, environ=None, now=None):
        """Validate the arguments as given in a rulebook. Raises :class:`OptionError` naming the argument."""
        options = normalise_args(args)
        if not _present(options.get("project_id")):
            # As the modules' argument spec does; credentials fall back to the environment in Credentials.resolve.
            project_id = env_value("project_id", environ)
            if project_id:
                options["project_id"] = project_id
        credentials = Credentials.resolve(options, environ)
        settings = Settings.from_options(options, environ)
        EventQuery.from_options(options, now=now or utcnow())
        state_file = options.get("state_file")
        if state_file is not None:
            if not isinstance(state_file, str):
                raise OptionError("state_file", state_file, reason="expected a file path")
            state_file = os.path.abspath(os.path.expanduser(state_file))
            if os.path.isdir(state_file):
                raise OptionError("state_file", state_file, reason="is a directory; name a file in it")
            if not os.path.isdir(os.path.dirname(state_file)):
                raise OptionError("state_file", state_file, reason="its directory does not exist")
        return cls(options, credentials, settings,
                   interval=_duration(options, "interval", DEFAULT_INTERVAL),
                   emit_existing=_bool(options, "emit_existing", True),
                   state_file=state_file,
                   error_threshold=_int(options, "error_threshold", DEFAULT_ERROR_THRESHOLD, 1, MAX_ERROR_THRESHOLD),
                   backoff_max=_duration(options, "backoff_max", DEFAULT_BACKOFF_MAX),
                   environ=environ)

    def query(self, now):
        """The filters with relative times (``published_after: -7d``, ``starts_within``) resolved at ``now``."""
        return EventQuery.from_options(self.options, now=now)

    def fingerprint(self):
        """A digest of what decides which events are listed (regions, projects, endpoints, filters, account).
        A state file written for other arguments is not used. No secret goes in."""
        settings = self.settings
        values = dict((name, self.options.get(name)) for name in FINGERPRINT_OPTIONS)
        values.update(
            regions=list(settings.regions), project_ids=dict(settings.project_ids),
            endpoints=dict((service, [settings.endpoint(service, region, self.environ) for region in settings.regions])
                           for service in ("ecs", "modelarts", "iam")),
            account=self.credentials.access_key or self.credentials.kind)
        text = json.dumps(values, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def describe(self):
        """The polling behaviour, for the start-up log line (no credential)."""
        return ("regions=%s services=%s interval=%gs emit_existing=%s state_file=%s error_threshold=%d "
                "backoff_max=%gs" % (",".join(self.settings.regions),
                                     ",".join(self.query(utcnow()).services), self.interval, self.emit_existing,
                                     self.state_file or "none", self.error_threshold, self.backoff_max))


# ----------------------------------------------------------------------------------------------- transitions

def event_key(event):
    """The stable key of an event, for rulebook ``throttle``: ``service/region/project_id/id``."""
    return "/".join(str(event.get(name) or "-") for name in ("service", "region", "project_id", "id"))


def target_key(target):
    """``service/region/project_id`` of a target dict (as ``fleet.Target.key``)."""
    return "/".join(str(target.get(name) or "-") for name in ("service", "region", "project_id"))


def target_brief(target):
    return dict((name, target.get(name)) for name in ("service", "region", "project_id", "endpoint"))


def is_final(event):
    return event.get("state") in FINAL_STATES


def _sort_key(event):
    not_before = event.get("not_before")
    return (not_before is None, not_before or "", str(event.get("id") or ""))


def transition_event(transition, event, target, previous=None, changes=(), reason=None, detected_at=None):
    """One emitted event: the normalised event with ``transition``, ``key``, ``target``, ``previous``,
    ``changes``, ``reason`` and ``detected_at`` added."""
    payload = dict(event)
    payload.update(transition=transition, key=event_key(event), target=dict(target), previous=previous,
                   changes=list(changes), reason=reason, detected_at=detected_at)
    return payload


class Tracker(object):
    """The pending events last seen, per target, and the targets read completely at least once.

    ``events``: event key -> ``{"target": target key, "event": normalised event dict}``;
    ``baselined``: keys of the targets whose events are known (read completely once, or loaded from a state file).
    """

    def __init__(self, events=None, baselined=None):
        self.events = dict(events or {})
        self.baselined = set(baselined or ())
        self.dirty = False

    def observe(self, targets, emit_existing=True, detected_at=None):
        """Compare a listing with what was seen before; returns the transitions, in order.

        ``targets`` is a list of dicts with ``service``, ``region``, ``project_id``, ``endpoint``, ``ok`` and
        ``events`` (normalised event dicts). Targets with ``ok`` false change nothing. The first time a target is
        read, its pending events are ``new`` when ``emit_existing``, otherwise only remembered.
        """
        out = []
        for target in targets:
            if not target.get("ok"):
                continue
            tkey = target_key(target)
            brief = target_brief(target)
            first = tkey not in self.baselined
            seen = set()
            for event in sorted(target.get("events") or [], key=_sort_key):
                key = event_key(event)
                if key in seen:
                    continue
                seen.add(key)
                known = self.events.get(key)
                if known is None:
                    if is_final(event):
                        continue  # never seen pending: nothing to report
                    self._store(key, tkey, event)
                    if first and not emit_existing:
                        continue
                    out.append(transition_event(NEW, event, brief, detected_at=detected_at))
                elif is_final(event):
                    self._drop(key)
                    out.append(transition_event(CLEARED, event, brief, previous=known["event"],
                                                reason=event.get("state"), detected_at=detected_at))
                else:
                    changes = [name for name in TRACKED_FIELDS if event.get(name) != known["event"].get(name)]
                    if event != known["event"]:
                        self._store(key, tkey, event)
                    if changes:
                        out.append(transition_event(CHANGED, event, brief, previous=known["event"], changes=changes,
                                                    detected_at=detected_at))
            for key in sorted(k for k, v in self.events.items() if v["target"] == tkey and k not in seen):
                gone = self._drop(key)
                out.append(transition_event(CLEARED, gone["event"], brief, reason=REASON_GONE,
                                            detected_at=detected_at))
            if first:
                self.baselined.add(tkey)
                self.dirty = True
        return out

    def _store(self, key, tkey, event):
        self.events[key] = {"target": tkey, "event": dict(event)}
        self.dirty = True

    def _drop(self, key):
        self.dirty = True
        return self.events.pop(key)

    def to_dict(self):
        return {"baselined_targets": sorted(self.baselined),
                "events": dict((key, dict(value)) for key, value in sorted(self.events.items()))}

    @classmethod
    def from_dict(cls, data):
        """The tracker in :meth:`to_dict` data; ValueError when it is not usable."""
        if not isinstance(data, dict):
            raise ValueError("not a mapping")
        baselined, events = data.get("baselined_targets"), data.get("events")
        if not isinstance(baselined, list) or not all(isinstance(t, str) for t in baselined):
            raise ValueError("baselined_targets is not a list of target keys")
        if not isinstance(events, dict):
            raise ValueError("events is not a mapping")
        for key, value in events.items():
            if not isinstance(value, dict) or not isinstance(value.get("target"), str) \
                    or not isinstance(value.get("event"), dict) or event_key(value["event"]) != key:
                raise ValueError("event %r is malformed" % key)
        return cls(events, baselined)


# ----------------------------------------------------------------------------------------------- failures

def error_event(failures, threshold, errors, detected_at=None, reason="poll_failed", message=None):
    """An ``error`` event: ``errors`` is a list of ``{"target": dict or None, "error": dict}``."""
    if message is None:
        first = errors[0]["error"].get("msg") if errors and errors[0].get("error") else "unknown error"
        message = "%s: %d failed poll(s) in a row; %d target(s) could not be read; first error: %s" % (
            SOURCE_NAME, failures, len(errors), first)
    return {"transition": ERROR, "key": ERROR_KEY, "reason": reason, "message": message, "failures": failures,
            "threshold": threshold, "errors": list(errors), "detected_at": detected_at}


def recovered_event(failures, detected_at=None):
    return {"transition": RECOVERED, "key": ERROR_KEY, "reason": "poll_succeeded",
            "message": "%s: every target was read again after %d failed poll(s)" % (SOURCE_NAME, failures),
            "failures": failures, "detected_at": detected_at}


def invalid_arguments_event(exc, detected_at=None):
    """The ``error`` event put on the queue before the source stops on a bad argument."""
    error = {"msg": str(exc), "option": exc.option, "allowed": exc.allowed}
    return error_event(0, 0, [{"target": None, "error": error}], detected_at=detected_at,
                       reason="invalid_arguments", message="%s: %s" % (SOURCE_NAME, exc))


class Health(object):
    """Counts failed polls in a row. An ``error`` event every ``threshold`` failed polls, a ``recovered`` event
    at the first complete poll after an ``error`` event."""

    def __init__(self, threshold):
        self.threshold = threshold
        self.failures = 0
        self.alerted = False

    def record(self, errors, detected_at=None):
        """``errors`` of this poll (empty: every target was read). Returns the events to emit."""
        if not errors:
            out = [recovered_event(self.failures, detected_at)] if self.alerted else []
            self.failures = 0
            self.alerted = False
            return out
        self.failures += 1
        if self.failures % self.threshold == 0:
            self.alerted = True
            return [error_event(self.failures, self.threshold, errors, detected_at)]
        return []


def retry_delay(interval, backoff_max, failures, partial=False):
    """Seconds until the next poll. ``interval`` after a complete poll; after ``failures`` failed polls in a row,
    ``min(interval, 10s)`` doubled per failure up to ``backoff_max``. When some targets were read (``partial``),
    never more than ``interval``, so that readable targets are not watched less often."""
    if failures <= 0:
        return interval
    delay = min(backoff_max, min(interval, BACKOFF_BASE) * (2 ** min(failures - 1, 40)))
    return min(delay, interval) if partial else delay


# ----------------------------------------------------------------------------------------------- secrets

class Redactor(object):
    """Masks every secret value in strings, lists and dicts (defence in depth for emitted events and logs)."""

    def __init__(self, secrets):
        self.secrets = sorted((s for s in secrets if s), key=len, reverse=True)

    def text(self, value):
        for secret in self.secrets:
            value = value.replace(secret, MASK)
        return value

    def __call__(self, value):
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return dict((self(k), self(v)) for k, v in value.items())
        if isinstance(value, (list, tuple)):
            return [self(v) for v in value]
        return value


# ----------------------------------------------------------------------------------------------- state file

class StateFile(object):
    """The tracker on disk (JSON, written atomically, mode 0600): events and target keys only, never options or
    credentials. A file written for other arguments (another fingerprint) or in another format is ignored."""

    def __init__(self, path, fingerprint):
        self.path = path
        self.fingerprint = fingerprint

    def load(self):
        """``(tracker, problem)``: the tracker or None (no usable file), and why the file was not used."""
        try:
            with open(self.path, "r", encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            return None, None
        except (OSError, ValueError) as exc:
            return None, "cannot be read (%s)" % exc.__class__.__name__
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT or data.get("source") != SOURCE_NAME:
            return None, "is not a state file of this version of %s" % SOURCE_NAME
        if data.get("fingerprint") != self.fingerprint:
            return None, "was written with other regions, projects, endpoints, filters or account"
        try:
            return Tracker.from_dict(data), None
        except ValueError as exc:
            return None, "is malformed: %s" % exc

    def save(self, tracker, saved_at=None):
        """Write atomically (a temporary file in the same directory, then rename). Raises OSError."""
        data = {"format": STATE_FORMAT, "source": SOURCE_NAME, "fingerprint": self.fingerprint,
                "saved_at": saved_at}
        data.update(tracker.to_dict())
        directory = os.path.dirname(self.path) or "."
        handle, temporary = tempfile.mkstemp(prefix=".%s." % os.path.basename(self.path), dir=directory)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, sort_keys=True, indent=1)
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise


# ----------------------------------------------------------------------------------------------- polling

def listing_targets(result):
    """Target dicts (with their events) from a ``fleet.FleetResult``."""
    out = []
    for target_result in result.targets:
        target = target_result.to_dict()
        target["events"] = [event.to_dict() for event in target_result.events]
        out.append(target)
    return out


def _error_of(exc):
    if isinstance(exc, ApiError):
        return exc.to_dict()
    return {"msg": "%s: %s" % (exc.__class__.__name__, exc) if str(exc) else exc.__class__.__name__,
            "type": exc.__class__.__name__}


class Poller(object):
    """One source instance: configuration, client, tracker, health and state file.

    ``fetch(now)`` returns the target dicts of one listing (see :meth:`Tracker.observe`); it is blocking and runs
    in a worker thread. By default it reads the APIs with ``fleet.fetch_events``; tests may inject another.
    """

    def __init__(self, config, fetch=None, clock=utcnow, logger=None):
        self.config = config
        self.clock = clock
        self.logger = logger or logging.getLogger(SOURCE_NAME)
        self.redact = Redactor(config.credentials.secrets())
        self.tracker = Tracker()
        self.health = Health(config.error_threshold)
        self.state = StateFile(config.state_file, config.fingerprint()) if config.state_file else None
        self.client = None
        self._fetch = fetch or self._read_apis
        self.polls = 0

    # --------------------------------------------------------------------------- logging (secrets masked)

    def log(self, level, msg, *args):
        if self.logger.isEnabledFor(level):
            self.logger.log(level, "%s", self.redact.text(msg % args if args else msg))

    # --------------------------------------------------------------------------- life cycle

    async def start(self):
        """Load the state file, if any. A missing or unusable file means a first poll."""
        self.log(logging.INFO, "%s: starting: %s", SOURCE_NAME, self.config.describe())
        if self.config.interval < QUICK_INTERVAL:
            self.log(logging.WARNING, "%s: interval is %gs; polling this often uses API quota", SOURCE_NAME,
                     self.config.interval)
        if self.state is None:
            return
        tracker, problem = await asyncio.to_thread(self.state.load)
        if tracker is not None:
            self.tracker = tracker
            self.log(logging.INFO, "%s: state file %s: %d pending event(s) of %d target(s) remembered; no replay",
                     SOURCE_NAME, self.state.path, len(tracker.events), len(tracker.baselined))
        elif problem:
            self.log(logging.WARNING, "%s: state file %s %s; it is not used and will be overwritten (first poll)",
                     SOURCE_NAME, self.state.path, problem)

    def close(self):
        if self.client is not None:
            self.client.close()
            self.client = None

    def _read_apis(self, now):
        if self.client is None:
            self.client = make_client(self.config.credentials, self.config.settings)
        result = fetch_events(self.client, self.config.settings, self.config.query(now), self.config.environ)
        # Remember the project ids resolved from IAM: later polls make no IAM call.
        for target_result in result.targets:
            target = target_result.target
            if target_result.ok and target.project_id:
                self.config.settings.project_ids.setdefault(target.region, target.project_id)
        return listing_targets(result)

    # --------------------------------------------------------------------------- one poll

    async def poll_once(self, queue):
        """Read every target once, put the transitions (and error/recovered events) on ``queue``, save the state.
        Returns the seconds to wait before the next poll. Never raises for a failed read."""
        now = self.clock()
        stamp = iso(now)
        self.polls += 1
        try:
            targets = await asyncio.to_thread(self._fetch, now)
        except Exception as exc:  # pylint: disable=broad-exception-caught  # a poll must never end the source
            targets = None
            errors = [{"target": None, "error": _error_of(exc)}]
            self.log(logging.WARNING, "%s: poll %d failed: %s", SOURCE_NAME, self.polls, errors[0]["error"]["msg"])
        events = []
        if targets is not None:
            events = self.tracker.observe(targets, self.config.emit_existing, stamp)
            errors = [{"target": target_brief(t), "error": t.get("error") or {"msg": "not read"}}
                      for t in targets if not t.get("ok")]
            for item in errors:
                target = item["target"]
                self.log(logging.WARNING, "%s: could not read %s %s (project %s): %s; its events are unchanged",
                         SOURCE_NAME, target["service"], target["region"], target["project_id"] or "unresolved",
                         item["error"].get("msg"))
        events.extend(self.health.record(errors, stamp))
        for event in events:
            payload = self.redact(event)
            self.log(logging.INFO, "%s: %s %s", SOURCE_NAME, payload["transition"], payload["key"])
            await queue.put(payload)
        await self._save(stamp)
        read_any = bool(targets) and any(t.get("ok") for t in targets)
        delay = retry_delay(self.config.interval, self.config.backoff_max, self.health.failures, partial=read_any)
        self.log(logging.DEBUG, "%s: poll %d: %d event(s) emitted, %d target error(s); next poll in %gs",
                 SOURCE_NAME, self.polls, len(events), len(errors), delay)
        return delay

    async def _save(self, stamp):
        if self.state is None or not self.tracker.dirty:
            return
        try:
            await asyncio.to_thread(self.state.save, self.tracker, stamp)
            self.tracker.dirty = False
        except OSError as exc:
            self.log(logging.WARNING, "%s: could not write the state file %s (%s: %s); a restart may emit events "
                                      "again", SOURCE_NAME, self.state.path, exc.__class__.__name__, exc.strerror)


def argument_secrets(args):
    """The secret values among raw source arguments (under their names or aliases), to mask them in an error."""
    if not isinstance(args, dict):
        return []
    names = set(SECRET_ARGS) | set(alias for alias, name in ALIASES.items() if name in SECRET_ARGS)
    return [value for name, value in args.items() if name in names and isinstance(value, str) and value]


def check_libraries():
    """Raise a clear error when a library the source needs is missing."""
    if not client_mod.HAS_REQUESTS:
        raise ImportError("%s needs the Python library requests where ansible-rulebook runs" % SOURCE_NAME)
    if not models.HAS_PYDANTIC:
        raise ImportError("%s needs the Python library pydantic (2 or later) where ansible-rulebook runs"
                          % SOURCE_NAME)


async def run(queue, args, fetch=None, sleep=asyncio.sleep, clock=utcnow, environ=None, logger=None,
              max_polls=None):
    """The source: validate ``args``, then poll forever (or ``max_polls`` times, for tests).

    Bad arguments: an ``error`` event with reason ``invalid_arguments`` is put on ``queue``, then the
    :class:`OptionError` (naming the argument) is raised, so that ansible-rulebook stops with that message.
    """
    check_libraries()
    try:
        config = SourceConfig.from_args(args, environ=environ, now=clock())
    except OptionError as exc:
        await queue.put(Redactor(argument_secrets(args))(invalid_arguments_event(exc, iso(clock()))))
        raise
    poller = Poller(config, fetch=fetch, clock=clock, logger=logger)
    try:
        await poller.start()
        while max_polls is None or poller.polls < max_polls:
            delay = await poller.poll_once(queue)
            if max_polls is not None and poller.polls >= max_polls:
                break
            await sleep(delay)
    finally:
        poller.close()
