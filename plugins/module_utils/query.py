# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options -> validated ``EventQuery`` and ``Settings``; the argument spec shared by the modules.

Every front door (module, inventory plugin, EDA source) validates its options here, so the same bad value gets
the same message everywhere: the option, the value and what is allowed.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta

from ansible_collections.hwcloud.maintenance.plugins.module_utils.auth import ENV_FALLBACKS, env_value
from ansible_collections.hwcloud.maintenance.plugins.module_utils.errors import OptionError
from ansible_collections.hwcloud.maintenance.plugins.module_utils.models import (
    KNOWN_STATES, KNOWN_TYPES, PENDING_STATES, SERVICES,
)
from ansible_collections.hwcloud.maintenance.plugins.module_utils.timeutil import (
    iso, parse_duration, parse_time, utcnow,
)

try:
    from ansible.module_utils.basic import env_fallback
except ImportError:  # pragma: no cover - only outside Ansible (EDA source without ansible-core)
    def env_fallback(*args, **kwargs):
        raise RuntimeError("env_fallback needs ansible-core")

REGION_RE = re.compile(r"^[a-z]{2,}(-[a-z0-9]+){1,4}$")
PROJECT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
ENDPOINT_KEYS = ("ecs", "modelarts", "iam")
DEFAULT_ENDPOINTS = {
    "ecs": "https://ecs.{region}.myhuaweicloud.com",
    "modelarts": "https://modelarts.{region}.myhuaweicloud.com",
    "iam": "https://iam.{region}.myhuaweicloud.com",
}
# Huawei's SDK endpoint table has this one exception.
SPECIAL_ENDPOINTS = {("modelarts", "ap-southeast-1"): "https://modelarts.ap-southeast-1.myhuaweicloud.cn"}
MAX_WINDOW = 366 * 86400


def _fallback(option):
    return (env_fallback, ENV_FALLBACKS[option])


# The options of the `auth` doc fragment, as an AnsibleModule argument spec.
AUTH_ARGSPEC = dict(
    access_key=dict(type="str", aliases=["ak"], no_log=False, fallback=_fallback("access_key")),
    secret_key=dict(type="str", aliases=["sk"], no_log=True, fallback=_fallback("secret_key")),
    security_token=dict(type="str", no_log=True, fallback=_fallback("security_token")),
    auth_token=dict(type="str", no_log=True, fallback=_fallback("auth_token")),
    regions=dict(type="list", elements="str", aliases=["region"], fallback=_fallback("regions")),
    project_id=dict(type="str", fallback=_fallback("project_id")),
    project_ids=dict(type="dict"),
    endpoints=dict(type="dict"),
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path"),
    timeout=dict(type="float", default=30.0),
    retries=dict(type="int", default=4),
    retry_deadline=dict(type="float", default=120.0),
    max_workers=dict(type="int", default=8),
)

# The options of the `event_filters` doc fragment.
FILTER_ARGSPEC = dict(
    services=dict(type="list", elements="str", default=list(SERVICES), choices=list(SERVICES)),
    states=dict(type="list", elements="str", default=[]),
    types=dict(type="list", elements="str", default=[]),
    event_ids=dict(type="list", elements="str", default=[]),
    instance_ids=dict(type="list", elements="str", default=[]),
    node_names=dict(type="list", elements="str", default=[]),
    pool_names=dict(type="list", elements="str", default=[]),
    workspace_id=dict(type="str"),
    published_after=dict(type="str"),
    published_before=dict(type="str"),
    starts_within=dict(type="str"),
    pending_only=dict(type="bool", default=False),
    page_size=dict(type="int", default=100),
)


def _as_list(value, option):
    if value is None:
        return []
    if isinstance(value, str):
        value = [v for v in (s.strip() for s in value.split(",")) if v]
    if not isinstance(value, (list, tuple)):
        raise OptionError(option, value, reason="expected a list")
    return [str(v).strip() for v in value if str(v).strip()]


def _check_choices(values, option, allowed):
    for value in values:
        if value not in allowed:
            raise OptionError(option, value, allowed=allowed)
    return values


def _check_pattern(values, option, pattern, what):
    for value in values:
        if not pattern.match(value):
            raise OptionError(option, value, reason="not a valid %s" % what)
    return values


def _int_in_range(options, option, default, low, high):
    value = options.get(option)
    if value is None:
        return default
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise OptionError(option, value, reason="expected an integer from %d to %d" % (low, high))
    if isinstance(value, bool) or not low <= number <= high:
        raise OptionError(option, value, reason="expected an integer from %d to %d" % (low, high))
    return number


def _float_in_range(options, option, default, low, high):
    value = options.get(option)
    if value is None:
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise OptionError(option, value, reason="expected a number of seconds from %g to %g" % (low, high))
    if isinstance(value, bool) or not low <= number <= high:
        raise OptionError(option, value, reason="expected a number of seconds from %g to %g" % (low, high))
    return number


class EventQuery(object):
    """Validated filters. Server-side where the API has the parameter; always re-applied client-side."""

    def __init__(self, services=SERVICES, states=(), types=(), event_ids=(), instance_ids=(), node_names=(),
                 pool_names=(), workspace_id=None, published_after=None, published_before=None,
                 starts_within=None, page_size=100, now=None):
        self.services = tuple(services)
        self.states = tuple(states)
        self.types = tuple(types)
        self.event_ids = tuple(event_ids)
        self.instance_ids = tuple(instance_ids)
        self.node_names = tuple(node_names)
        self.pool_names = tuple(pool_names)
        self.workspace_id = workspace_id
        self.published_after = published_after
        self.published_before = published_before
        self.starts_within = starts_within
        self.page_size = page_size
        self.now = now or utcnow()

    @property
    def published_after_text(self):
        return iso(self.published_after)

    @property
    def published_before_text(self):
        return iso(self.published_before)

    @property
    def window_end(self):
        if self.starts_within is None:
            return None
        return iso(self.now + timedelta(seconds=self.starts_within))

    @classmethod
    def from_options(cls, options, now=None, pending_default=False):
        """Build from a dict of options (module params, inventory options, EDA args). Raises OptionError."""
        now = now or utcnow()
        services = _check_choices(_as_list(options.get("services"), "services") or list(SERVICES), "services",
                                  SERVICES)
        states = _check_choices(_as_list(options.get("states"), "states"), "states", KNOWN_STATES)
        pending_only = options.get("pending_only")
        if pending_only is None:
            pending_only = pending_default
        if not isinstance(pending_only, bool):
            raise OptionError("pending_only", pending_only, allowed=[True, False])
        if pending_only:
            states = [s for s in states if s in PENDING_STATES] if states else list(PENDING_STATES)
            if not states:
                raise OptionError("states", options.get("states"),
                                  reason="pending_only keeps only %s" % ", ".join(PENDING_STATES))
        types = _check_choices(_as_list(options.get("types"), "types"), "types", KNOWN_TYPES)
        event_ids = _check_pattern(_as_list(options.get("event_ids"), "event_ids"), "event_ids", ID_RE, "event id")
        instance_ids = _check_pattern(_as_list(options.get("instance_ids"), "instance_ids"), "instance_ids", ID_RE,
                                      "instance id")
        node_names = _as_list(options.get("node_names"), "node_names")
        pool_names = _as_list(options.get("pool_names"), "pool_names")
        workspace_id = options.get("workspace_id")
        if workspace_id is not None:
            workspace_id = str(workspace_id)
            _check_pattern([workspace_id], "workspace_id", ID_RE, "workspace id")
        after = _time_option(options, "published_after", now)
        before = _time_option(options, "published_before", now)
        if after and before and after > before:
            raise OptionError("published_before", options.get("published_before"),
                              reason="must not be earlier than published_after")
        window = options.get("starts_within")
        if window is not None and window != "":
            try:
                window = parse_duration(window)
            except ValueError as exc:
                raise OptionError("starts_within", options.get("starts_within"), reason=str(exc))
            if not 0 < window <= MAX_WINDOW:
                raise OptionError("starts_within", options.get("starts_within"),
                                  reason="must be more than 0 and at most 366d")
        else:
            window = None
        page_size = _int_in_range(options, "page_size", 100, 1, 100)
        return cls(services, states, types, event_ids, instance_ids, node_names, pool_names, workspace_id, after,
                   before, window, page_size, now)

    def matches(self, event):
        """The client-side filter: every filter of the query, whatever the server applied."""
        if self.states and event.state not in self.states:
            return False
        if self.types and event.type not in self.types:
            return False
        if self.event_ids and event.id not in self.event_ids:
            return False
        if self.instance_ids and event.instance_id not in self.instance_ids:
            return False
        if self.node_names and event.node_name not in self.node_names:
            return False
        if self.pool_names and event.pool_name not in self.pool_names:
            return False
        if self.published_after and event.publish_time and event.publish_time < iso(self.published_after):
            return False
        if self.published_before and event.publish_time and event.publish_time > iso(self.published_before):
            return False
        if self.starts_within is not None and event.state != "executing" and event.not_before \
                and event.not_before > self.window_end:
            # An event with no start time may start at any moment: it stays in the window (fail closed).
            return False
        return True

    def describe(self):
        return dict(services=list(self.services), states=list(self.states), types=list(self.types),
                    event_ids=list(self.event_ids), instance_ids=list(self.instance_ids),
                    node_names=list(self.node_names), pool_names=list(self.pool_names),
                    workspace_id=self.workspace_id, published_after=self.published_after_text,
                    published_before=self.published_before_text, starts_within_seconds=self.starts_within,
                    window_end=self.window_end)


def _time_option(options, option, now):
    value = options.get(option)
    if value is None or value == "":
        return None
    try:
        return parse_time(value, now=now, field=option)
    except ValueError as exc:
        raise OptionError(option, value, reason=str(exc))


class Settings(object):
    """Where and how to connect: regions, project ids, endpoints, TLS, timeouts, retries, fan-out."""

    def __init__(self, regions, project_ids, endpoints, validate_certs=True, ca_path=None, timeout=30.0,
                 retries=4, retry_deadline=120.0, max_workers=8):
        self.regions = regions
        self.project_ids = project_ids
        self.endpoints = endpoints
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.timeout = timeout
        self.retries = retries
        self.retry_deadline = retry_deadline
        self.max_workers = max_workers

    @classmethod
    def from_options(cls, options, environ=None):
        regions = _as_list(options.get("regions") or options.get("region") or env_value("regions", environ),
                           "regions")
        if not regions:
            raise OptionError("regions", reason="at least one region is required (for example cn-north-4); "
                                                "the environment variable HW_REGION_NAME is read when unset")
        _check_pattern(regions, "regions", REGION_RE, "region name such as cn-north-4")
        regions = list(dict.fromkeys(regions))
        project_ids = options.get("project_ids") or {}
        if not isinstance(project_ids, dict):
            raise OptionError("project_ids", project_ids, reason="expected a dictionary of region -> project id")
        project_ids = dict((str(k), str(v)) for k, v in project_ids.items())
        for region, project_id in project_ids.items():
            if region not in regions:
                raise OptionError("project_ids", region, allowed=regions,
                                  reason="names a region that is not in regions")
            _check_pattern([project_id], "project_ids", PROJECT_ID_RE, "project id")
        project_id = options.get("project_id")
        if project_id:
            project_id = str(project_id)
            if len(regions) != 1:
                raise OptionError("project_id", project_id,
                                  reason="applies to exactly one region; with several regions use project_ids")
            _check_pattern([project_id], "project_id", PROJECT_ID_RE, "project id")
            project_ids.setdefault(regions[0], project_id)
        endpoints = options.get("endpoints") or {}
        if not isinstance(endpoints, dict):
            raise OptionError("endpoints", endpoints, allowed=ENDPOINT_KEYS,
                              reason="expected a dictionary of service -> URL")
        for key, url in endpoints.items():
            if key not in ENDPOINT_KEYS:
                raise OptionError("endpoints", key, allowed=ENDPOINT_KEYS, reason="unknown service")
            if not isinstance(url, str) or not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", url):
                raise OptionError("endpoints", url, reason="endpoints.%s must be an http(s) URL, which may "
                                                           "contain {region}" % key)
        validate_certs = options.get("validate_certs")
        validate_certs = True if validate_certs is None else validate_certs
        if not isinstance(validate_certs, bool):
            raise OptionError("validate_certs", validate_certs, allowed=[True, False])
        return cls(regions, project_ids, dict(endpoints), validate_certs, _ca_path(options.get("ca_path"),
                                                                                   validate_certs),
                   _float_in_range(options, "timeout", 30.0, 0.1, 600),
                   _int_in_range(options, "retries", 4, 0, 20),
                   _float_in_range(options, "retry_deadline", 120.0, 0.1, 3600),
                   _int_in_range(options, "max_workers", 8, 1, 64))

    def endpoint(self, service, region, environ=None):
        """The endpoint URL of ``service`` in ``region``: option, then the SDK's environment override, then the
        public default."""
        template = self.endpoints.get(service)
        if not template:
            template = env_endpoint(service, region, environ)
        if not template:
            template = SPECIAL_ENDPOINTS.get((service, region), DEFAULT_ENDPOINTS[service])
        return template.replace("{region}", region).rstrip("/")


def _ca_path(value, validate_certs):
    """The CA bundle (file) or directory of CA certificates, checked up front: a missing one would otherwise only
    fail at the first HTTPS request, as an exception that does not name the option."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise OptionError("ca_path", value, reason="expected the path of a CA bundle file or of a directory of CA "
                                                   "certificates")
    path = os.path.expanduser(value)
    if validate_certs and not os.path.exists(path):
        raise OptionError("ca_path", value, reason="no such file or directory; expected a CA bundle file (PEM) or a "
                                                   "directory of CA certificates")
    return path


def env_endpoint(service, region, environ=None):
    """``HUAWEICLOUD_SDK_REGION_<SERVICE>_<REGION>`` (first of a comma-separated list) or, for IAM,
    ``HUAWEICLOUD_SDK_IAM_ENDPOINT``, as Huawei's SDK reads them."""
    environ = os.environ if environ is None else environ
    if service == "iam":
        return environ.get("HUAWEICLOUD_SDK_IAM_ENDPOINT") or None
    name = "HUAWEICLOUD_SDK_REGION_%s_%s" % (service.upper(), region.upper().replace("-", "_"))
    value = environ.get(name, "")
    first = value.split(",")[0].strip()
    return first or None
