# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: scheduled_events
short_description: Hosts with pending Huawei Cloud scheduled events, grouped and tagged
version_added: 0.1.0
description:
  - "Reads the scheduled events (planned maintenance, redeploys, reboots, local disk recovery) of ECS instances and
    ModelArts nodes in one or more regions and turns them into inventory groups and host variables, so that
    playbooks can say C(hosts: scheduled_events_pending) to drain and C(hosts: all:!scheduled_events_pending) to
    deploy."
  - "Two modes. O(mode=own_hosts) (the default) adds one host per ECS instance or ModelArts node that has matching
    events, named by the first non-empty O(hostnames) expression. O(mode=tag_existing) adds no host: placed after
    another inventory source (a static file, another cloud's inventory), it matches the hosts already in the
    inventory by O(match_keys) and adds its groups and host variables to them."
  - By default only pending events (V(inquiring), V(scheduled), V(executing)) of both services are read.
  - "Groups: C(scheduled_events_pending) (hosts with a pending event), C(scheduled_event_state_<state>),
    C(scheduled_event_type_<type>), C(scheduled_event_service_<service>) (characters other than letters, digits
    and C(_) become C(_), so V(instance-redeploy) gives C(scheduled_event_type_instance_redeploy)), and
    C(scheduled_events_unknown) (see below); C(scheduled_events_pending) and C(scheduled_events_unknown) always
    exist, even when empty, so host patterns that exclude them never fail to parse."
  - "Host variables (each name starts with O(vars_prefix)): C(scheduled_events) (the normalised events, sorted by
    C(not_before)), C(scheduled_event_next_not_before) (earliest start of a pending event), C(scheduled_event_seconds_until)
    (seconds from the start of this inventory run to that start; negative once it has passed),
    C(scheduled_event_types), C(scheduled_event_states), C(scheduled_event_services), C(scheduled_event_resources)
    (the instances or nodes the events are about: service, region, project, instance id, node name, pool) and
    C(scheduled_event_status) (V(pending), V(unknown) or V(clear); a gate should let only V(clear) through)."
  - "The group C(all) gets the variable C(scheduled_events_summary): whether the listing is C(complete), the
    number of C(targets) and the C(failed_targets) (with the error and its request id), the C(unmatched_events)
    (events that could not be placed on any host), and whether the data came C(from_cache). It is kept small
    because C(ansible-inventory --list) copies it into every host; with C(-vvv) the plugin shows the query as
    applied and, for each target, the events, pages and request ids it read."
  - "Fail closed: if a target (region x project x service) cannot be read after retries, O(strict=true) fails the
    inventory source with the error and its request id. Otherwise a warning is shown, the failed targets are
    recorded in the group variable C(scheduled_events_failed_targets) of C(scheduled_events_unknown) and in the
    summary, and in O(mode=tag_existing) every host that the target could cover (every host with a match key
    value whose region, when O(match_region) gives one, is the target's region) is put in
    C(scheduled_events_unknown) with C(scheduled_event_status=unknown). A partial listing is never presented as
    complete."
  - Events that match no host are never dropped silently. They are listed in a warning and in
    C(scheduled_events_summary.unmatched_events).
  - Targets are read concurrently (at most O(max_workers) at a time), and each one pages sequentially to the end.
  - With O(cache=true) the normalised events and the per-target results are cached (never options or
    credentials), and a cache hit makes no API call. A listing with a failed target is never cached.
author:
  - hwcloud.maintenance maintainers (@hwcloud-maintenance)
requirements:
  - requests
  - pydantic >= 2
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - hwcloud.maintenance.auth
  - hwcloud.maintenance.event_filters
options:
  plugin:
    description:
      - The name of this plugin; the file must be called C(<something>.hwcloud_events.yml) or
        C(<something>.hwcloud_events.yaml).
    type: str
    required: true
    choices: [hwcloud.maintenance.scheduled_events]
  mode:
    description:
      - V(own_hosts) adds one host per ECS instance or ModelArts node with matching events.
      - V(tag_existing) adds no host. It must come after the inventory sources that define the hosts
        (C(-i static.yml -i prod.hwcloud_events.yml)); hosts are matched by O(match_keys) and get this plugin's
        groups and host variables. Hosts with a match key value but no event get C(scheduled_events=[]) and
        C(scheduled_event_status=clear), so a play can tell "checked, nothing pending" from "not checked".
    type: str
    choices: [own_hosts, tag_existing]
    default: own_hosts
  hostnames:
    description:
      - In O(mode=own_hosts), how hosts are named. A list of Jinja2 expressions (without C({{ }}), as in
        O(compose)); the first one that gives a non-empty value is the host name.
      - An expression sees the fields of the instance or node (V(service), V(region), V(project_id),
        V(instance_id), V(node_name), V(pool_name), V(instance_type), V(workspace_id)), its events as V(events),
        the first of them (by C(not_before)) as V(event), and the host variables described above.
      - When several instances or nodes get the same name (the same node name in two regions, for example), each
        name gets the suffix C(_<region>) (then C(_<service>), C(_<project_id>), C(_<workspace_id>)) until the names
        are unique, with a warning; they are never merged into one host.
      - Events whose instance or node no expression names are reported, not dropped.
    type: list
    elements: str
    default: [node_name, instance_id]
  match_keys:
    description:
      - In O(mode=tag_existing), Jinja2 expressions evaluated with the variables of each existing host (host and
        group variables, and C(inventory_hostname)). Every non-empty value (a string or a list of strings) is
        compared with the instance ID and the node name of each event; a host matches the events whose instance or
        node equals one of its values.
      - Expressions that fail for a host (an undefined variable) give nothing, unless O(strict=true).
      - Examples are V(instance_id), V(openstack.id) (hosts of the C(openstack.cloud.openstack) inventory),
        V(inventory_hostname) (hosts named after their node), V(ansible_host).
    type: list
    elements: str
    default: [instance_id, openstack.id]
  match_region:
    description:
      - In O(mode=tag_existing), a Jinja2 expression that gives the region of an existing host, such as
        V(region) or V(openstack.region). When it gives a region, the host matches only events of that region
        and is put in C(scheduled_events_unknown) only when a target of that region could not be read.
      - When it is not set or gives nothing for a host, the host matches events of every region, and any failed
        target puts it in C(scheduled_events_unknown).
    type: str
  vars_prefix:
    description:
      - Prefix of every variable this plugin sets, for example V(hw_) gives C(hw_scheduled_events) and
        C(hw_scheduled_events_summary). Group names do not change.
    type: str
    default: ""
  pending_only:
    description:
      - Only pending events (states V(inquiring), V(scheduled), V(executing)); combined with O(states), keeps their
        intersection. Set to V(false) to also see finished events (they get their C(scheduled_event_state_<state>)
        groups, but never C(scheduled_events_pending)).
    type: bool
    default: true
  include_raw:
    description:
      - Keep the API's own payload of each event in C(raw), as M(hwcloud.maintenance.scheduled_event_info) returns
        it.
      - Off by default because it makes the events almost twice as large, which matters on large fleets
        (C(ansible-inventory --list) writes them for every host). The normalised fields hold what the playbooks,
        roles and groups of this collection use.
    type: bool
    default: false
    version_added: 0.1.0
  strict:
    description:
      - If V(true), a target that cannot be read fails this inventory source with the error and its request ID,
        and invalid O(compose), O(groups), O(keyed_groups), O(hostnames), O(match_keys) and O(match_region) entries
        are fatal.
      - If V(false), unreadable targets are reported and put hosts in C(scheduled_events_unknown) (see above), and
        expressions that fail are skipped.
      - Ansible itself only warns about an inventory source that fails and goes on with the other sources. With
        O(strict=true), also set C(ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=true) (C([inventory]
        any_unparsed_is_failed)) so that a failure stops the run instead of leaving hosts untagged.
    type: bool
    default: false
notes:
  - Credentials are best given through the environment (E(HUAWEICLOUD_SDK_AK), E(HUAWEICLOUD_SDK_SK) and so on,
    see the O(access_key) option) or as vault-encrypted values. String options can be Jinja2 templates such as
    C("{{ lookup('ansible.builtin.env', 'MY_SK') }}").
  - The run's clock is read once at the start of the inventory run; C(scheduled_event_seconds_until) is relative to
    it, also when the events come from the cache. Cached events are filtered again with the current options, so
    an O(starts_within) window never shows an event that has left it.
  - O(compose), O(groups) and O(keyed_groups) are applied to the hosts this plugin adds (O(mode=own_hosts)) or
    tags (O(mode=tag_existing)), not to other hosts.
seealso:
  - module: hwcloud.maintenance.scheduled_event_info
  - ref: ansible_collections.hwcloud.maintenance.docsite.guide_inventory
    description: The inventory guide of this collection.
"""

EXAMPLES = r"""
# prod.hwcloud_events.yml -- own hosts: one host per instance or node with pending events.
# Credentials from HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK.
plugin: hwcloud.maintenance.scheduled_events
regions: [cn-north-4, ap-southeast-1]
hostnames:
  - node_name                      # ModelArts nodes by node name
  - "'ecs-' ~ instance_id"         # ECS instances by instance id, with a prefix
compose:
  ansible_host: scheduled_event_resources[0].instance_id
keyed_groups:
  - key: scheduled_event_resources[0].region
    prefix: region
groups:
  starts_within_a_day: scheduled_event_seconds_until is not none and scheduled_event_seconds_until < 86400

---
# hosts.hwcloud_events.yml -- tag the hosts of a static inventory that comes first:
#   ansible-playbook -i hosts.yml -i hosts.hwcloud_events.yml deploy.yml --limit 'all:!scheduled_events_pending:!scheduled_events_unknown'
plugin: hwcloud.maintenance.scheduled_events
mode: tag_existing
regions: [cn-north-4]
match_keys:
  - instance_id                    # a host variable of the static inventory
  - openstack.id                   # hosts from the openstack.cloud.openstack inventory
match_region: region                 # a host variable; hosts without it match every region
strict: false                      # unreadable targets put the hosts they cover in scheduled_events_unknown

---
# ModelArts only, every state of the last week, cached for 10 minutes in JSON files.
plugin: hwcloud.maintenance.scheduled_events
regions: [cn-north-4]
services: [modelarts]
pending_only: false
published_after: -7d
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/hwcloud_events
cache_timeout: 600

---
# Against the emulator or a private cloud, with explicit endpoints and a project per region.
plugin: hwcloud.maintenance.scheduled_events
regions: [cn-north-4, cn-east-3]
project_ids:
  cn-north-4: 0123456789abcdef0123456789abcdef
  cn-east-3: fedcba9876543210fedcba9876543210
endpoints:
  ecs: https://ecs.{region}.example.internal
  modelarts: https://modelarts.{region}.example.internal
  iam: https://iam.example.internal
ca_path: /etc/pki/tls/certs/private-cloud.pem
max_workers: 4
vars_prefix: hw_
"""

import json
import re
from collections.abc import Mapping

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.helpers import get_group_vars
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.vars import combine_vars

from ansible_collections.hwcloud.maintenance.plugins.module_utils import client as client_mod
from ansible_collections.hwcloud.maintenance.plugins.module_utils import models
from ansible_collections.hwcloud.maintenance.plugins.module_utils.auth import Credentials, env_value
from ansible_collections.hwcloud.maintenance.plugins.module_utils.errors import HwcloudError, OptionError
from ansible_collections.hwcloud.maintenance.plugins.module_utils.fleet import fetch_events, make_client
from ansible_collections.hwcloud.maintenance.plugins.module_utils.query import (
    AUTH_ARGSPEC, FILTER_ARGSPEC, EventQuery, Settings,
)
from ansible_collections.hwcloud.maintenance.plugins.module_utils.timeutil import utcnow
from ansible_collections.hwcloud.maintenance.plugins.plugin_utils import inventory as mapping

try:  # ansible-core >= 2.19: templates must be trusted; expressions from this plugin's options are.
    from ansible.template import trust_as_template
except ImportError:  # pragma: no cover - ansible-core < 2.19 has no template trust
    def trust_as_template(value):
        return value

try:  # ansible-core < 2.19 templates every string it finds in variables unless it is marked unsafe.
    from ansible.utils.unsafe_proxy import wrap_var
except ImportError:  # pragma: no cover - removed from a future ansible-core, where data is never a template
    def wrap_var(value):
        return value

CONFIG_SUFFIXES = (".hwcloud_events.yml", ".hwcloud_events.yaml")
API_OPTIONS = tuple(AUTH_ARGSPEC) + tuple(FILTER_ARGSPEC)
# Options whose string values may be Jinja2 templates (lookups, vault): credentials and where to connect.
TEMPLATED_OPTIONS = ("access_key", "secret_key", "security_token", "auth_token", "regions", "project_id", "project_ids",
                     "endpoints", "ca_path")
SECRET_OPTIONS = ("secret_key", "security_token", "auth_token")
VARS_PREFIX_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)?$")
FILTER_FINGERPRINT_OPTIONS = ("services", "states", "types", "event_ids", "instance_ids", "node_names", "pool_names",
                              "workspace_id", "published_after", "published_before", "starts_within", "pending_only")

# A variable name or a dotted path of names (``instance_id``, ``openstack.id``): looked up without Jinja2 when every
# name is present. Jinja2 constants and keywords, and names of dict methods (``x.items`` is a method in Jinja2),
# always go to Jinja2.
_SIMPLE_PATH = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\s*$")
_NOT_SIMPLE = frozenset(("true", "false", "none", "True", "False", "None", "and", "or", "not", "in", "is", "if",
                         "else")) | frozenset(dir(dict))
_SIMPLE_PATHS = {}


def simple_path(expression):
    """The names of a simple ``name(.name)*`` expression, or None when Jinja2 must evaluate it."""
    text = str(expression)
    if text not in _SIMPLE_PATHS:
        names = text.strip().split(".") if _SIMPLE_PATH.match(text) else None
        _SIMPLE_PATHS[text] = None if names is None or _NOT_SIMPLE.intersection(names) else tuple(names)
    return _SIMPLE_PATHS[text]


def simple_lookup(expression, variables):
    """``(True, value)`` when ``expression`` is a simple path whose every name is present in ``variables`` (nested
    mappings) and whose value is a scalar that Jinja2 would return as it is (not a string holding a template, which
    a trusted host variable could be), else ``(False, None)``."""
    names = simple_path(expression)
    if names is None:
        return False, None
    value = variables
    for name in names:
        if not isinstance(value, Mapping) or name not in value:
            return False, None
        value = value[name]
    if value is None or isinstance(value, (bool, int, float)):
        return True, value
    if isinstance(value, str) and not any(mark in value for mark in ("{{", "{%", "{#")):
        return True, value
    return False, None


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """Huawei Cloud scheduled events as inventory hosts, groups and host variables."""

    NAME = "hwcloud.maintenance.scheduled_events"

    def __init__(self):
        super(InventoryModule, self).__init__()
        self._use_extra_vars = False
        self._failed_when_absent = {}  # expression -> why Jinja2 failed when its first name was not a variable

    def verify_file(self, path):
        """Only files named ``*.hwcloud_events.yml`` or ``*.hwcloud_events.yaml``."""
        return super(InventoryModule, self).verify_file(path) and str(path).endswith(CONFIG_SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache=cache)
        self._read_config_data(path)
        self._use_extra_vars = bool(self.get_option("use_extra_vars"))
        self._failed_when_absent = {}
        if not client_mod.HAS_REQUESTS:
            raise AnsibleError("The inventory plugin %s needs the Python library requests on the controller: %s"
                               % (self.NAME, client_mod.REQUESTS_IMPORT_ERROR.strip().splitlines()[-1]))
        if not models.HAS_PYDANTIC:
            raise AnsibleError("The inventory plugin %s needs the Python library pydantic (2 or later) on the "
                               "controller: %s" % (self.NAME, models.PYDANTIC_IMPORT_ERROR.strip().splitlines()[-1]))
        now = utcnow()
        try:
            options = self._api_options()
            self._check_vars_prefix()
            query = EventQuery.from_options(options, now=now, pending_default=True)
            settings = Settings.from_options(options)
            listing = self._listing(path, cache, options, query, settings, now)
        except HwcloudError as exc:
            # The one place where the collection's errors become Ansible errors (messages never hold secrets).
            raise AnsibleParserError("%s: %s" % (self.NAME, exc)) from None
        self._populate(listing, query, now)

    # ------------------------------------------------------------------------------------------- options

    def _api_options(self):
        """The shared options as one dict for ``EventQuery``, ``Settings`` and ``Credentials``."""
        options = {}
        for name in API_OPTIONS:
            value = self.get_option(name)
            if name in TEMPLATED_OPTIONS:
                value = self._template(name, value)
            options[name] = value
        if not options.get("project_id"):
            # As the modules' argument spec does; credentials fall back to the environment in Credentials.resolve.
            options["project_id"] = env_value("project_id")
        return options

    def _check_vars_prefix(self):
        """The prefix starts every variable name this plugin sets, so it must keep them valid names."""
        prefix = self.get_option("vars_prefix") or ""
        if not isinstance(prefix, str) or not VARS_PREFIX_RE.match(prefix):
            raise OptionError("vars_prefix", prefix, reason="must be empty, or start with a letter or _ and contain "
                                                            "only letters, digits and _ (it starts every variable "
                                                            "name the plugin sets)")

    def _template(self, name, value):
        """Render the templates in an option value (strings, and strings in lists and dictionaries)."""
        if isinstance(value, list):
            return [self._template(name, item) for item in value]
        if isinstance(value, dict):
            return dict((key, self._template(name, item)) for key, item in value.items())
        if not isinstance(value, str) or "{{" not in value:
            return value
        try:
            return self.templar.template(value)
        except Exception as exc:  # pylint: disable=broad-exception-caught  # any template error
            # For a secret option, only the kind of error: its message could quote the value.
            reason = type(exc).__name__ if name in SECRET_OPTIONS else str(exc)
            raise AnsibleParserError("%s: option %s: the template could not be rendered: %s"
                                     % (self.NAME, name, reason)) from None

    def _expressions(self, name):
        """Jinja2 expressions from an option. They come from this plugin's configuration file (which Ansible loads
        as trusted) or from its documented defaults, so they are trusted as templates; data from the APIs never
        is."""
        value = self.get_option(name)
        if value is None:
            return []
        values = value if isinstance(value, list) else [value]
        return [trust_as_template(str(v)) for v in values if str(v).strip()]

    # ------------------------------------------------------------------------------------------- reading

    def _listing(self, path, cache, options, query, settings, now):
        """Events and target results: from the inventory cache when allowed and usable, else from the APIs."""
        credentials = Credentials.resolve(options)
        include_raw = bool(self.get_option("include_raw"))
        digest = mapping.fingerprint(self._fingerprint_values(options, settings, credentials, include_raw))
        use_cache = bool(self.get_option("cache"))
        cache_key = self.get_cache_key(path) if use_cache else None
        if use_cache and cache:
            listing = mapping.Listing.from_cache(self._cache.get(cache_key), digest)
            if listing is not None:
                self.display.vvv("%s: %d events from the inventory cache (read at %s); no API call"
                                 % (self.NAME, len(listing.events), mapping.format_time(listing.fetched_at)))
                return listing.filtered(lambda event: query.matches(mapping.EventView(event)))
        client = make_client(credentials, settings)
        try:
            result = fetch_events(client, settings, query)
        finally:
            client.close()
        listing = mapping.Listing.from_fleet(result, now, include_raw=include_raw)
        if use_cache:
            self._cache[cache_key] = listing.to_cache(digest)
        return listing

    @staticmethod
    def _fingerprint_values(options, settings, credentials, include_raw=False):
        """What decides the content of a listing. Only its digest is stored with a cache entry. The access key
        ID (not a secret) tells accounts apart; no secret goes in."""
        values = dict((name, options.get(name)) for name in FILTER_FINGERPRINT_OPTIONS)
        values.update(
            regions=list(settings.regions), project_ids=dict(settings.project_ids),
            endpoints=dict((service, [settings.endpoint(service, region) for region in settings.regions])
                           for service in ("ecs", "modelarts", "iam")),
            account=credentials.access_key or credentials.kind,
            include_raw=include_raw)
        return values

    # ------------------------------------------------------------------------------------------- populating

    def _populate(self, listing, query, now):
        strict = bool(self.get_option("strict"))
        prefix = self.get_option("vars_prefix") or ""
        mode = self.get_option("mode")
        failed = listing.failed_targets
        self.display.vvv("%s: query as applied: %s"
                         % (self.NAME, json.dumps(query.describe(), sort_keys=True, default=str)))
        for line in mapping.describe_targets(listing.targets):
            self.display.vvv("%s: %s" % (self.NAME, line))
        if failed:
            lines = mapping.describe_failures(failed)
            if strict:
                raise AnsibleParserError("%s: could not read %d of %d targets (strict is true):\n  %s"
                                         % (self.NAME, len(failed), len(listing.targets), "\n  ".join(lines)))
            self.display.warning(
                "%s: could not read %d of %d targets; the listing is incomplete and the hosts these targets could "
                "cover are in the group %s:\n  %s"
                % (self.NAME, len(failed), len(listing.targets), mapping.UNKNOWN_GROUP, "\n  ".join(lines)))
        for group in (mapping.PENDING_GROUP, mapping.UNKNOWN_GROUP):
            self.inventory.add_group(group)
        self.inventory.set_variable(mapping.UNKNOWN_GROUP, mapping.prefixed(prefix, "scheduled_events_failed_targets"),
                                    wrap_var([mapping.target_brief(t) for t in failed]))

        resources = mapping.group_resources(listing.events)
        if mode == "tag_existing":
            hosts, unplaced, renamed = self._tag_existing(resources, listing, now, prefix, strict)
        else:
            hosts, unplaced, renamed = self._own_hosts(resources, now, prefix, strict)

        unplaced_events = [e for r in unplaced for e in r.events]
        if unplaced_events:
            self.display.warning("%s: %d events match no host and are listed in %s.unmatched_events: %s"
                                 % (self.NAME, len(unplaced_events), mapping.prefixed(prefix, "scheduled_events_summary"),
                                    mapping.describe_events(unplaced_events)))
        for wanted, finals in sorted(renamed.items()):
            self.display.warning("%s: %d instances or nodes are named %r by the hostnames expressions; they are "
                                 "kept apart as %s" % (self.NAME, len(finals), wanted, ", ".join(finals)))
        summary = mapping.summary(listing, mode, now, hosts=hosts, unplaced=unplaced_events, renamed=renamed)
        self.inventory.set_variable("all", mapping.prefixed(prefix, "scheduled_events_summary"), wrap_var(summary))

    def _own_hosts(self, resources, now, prefix, strict):
        expressions = self._expressions("hostnames")
        candidates, values = {}, {}
        for resource in resources:
            values[resource.key] = mapping.host_vars(resource.events, now, prefix, [resource])
            # Wrapped (marked unsafe) only if an expression needs Jinja2: simple names are looked up directly.
            candidates[resource.key] = self._first_value(expressions, resource.variables(values[resource.key]),
                                                         strict, "hostnames", resource.fields.get("instance_id")
                                                         or resource.fields.get("node_name"), wrap=True)
        naming = mapping.assign_hostnames(resources, candidates)
        for resource in resources:
            name = naming.names.get(resource.key)
            if name is None:
                continue
            self.inventory.add_host(name)
            self._apply(name, resource.events, [resource], now, prefix, strict, values=values[resource.key])
        return len(naming.names), naming.unnamed, naming.renamed

    def _tag_existing(self, resources, listing, now, prefix, strict):
        keys = self._expressions("match_keys")
        region_expr = self._expressions("match_region")
        hosts = []
        for name in list(self.inventory.hosts):
            variables = self._host_variables(name)
            values = []
            for expression in keys:
                values.extend(mapping.match_key_values(self._evaluate(expression, variables, strict, "match_keys",
                                                                      name)))
            region = self._evaluate(region_expr[0], variables, strict, "match_region", name) if region_expr else None
            hosts.append(mapping.ExistingHost(name, values, region if isinstance(region, str) else None))
        unmatchable = [h.name for h in hosts if not h.matchable]
        if unmatchable:
            self.display.vvv("%s: %d hosts have no value for match_keys and are not tagged: %s"
                             % (self.NAME, len(unmatchable), ", ".join(sorted(unmatchable)[:20])))
        matches, unmatched = mapping.match_hosts(resources, hosts)
        at_risk = set(mapping.hosts_at_risk(listing.failed_targets, hosts))
        tagged = 0
        for host in hosts:
            if not host.matchable:
                continue
            mine = matches.get(host.name, [])
            events = mapping.unique_events(e for r in mine for e in r.events)
            self._apply(host.name, events, mine, now, prefix, strict, at_risk=host.name in at_risk)
            tagged += 1
        return tagged, unmatched, {}

    def _apply(self, host, events, resources, now, prefix, strict, at_risk=False, values=None):
        """Host variables and groups of one host, then compose, groups and keyed_groups. ``values``: the host
        variables when the caller already computed them (with the same arguments)."""
        status = mapping.STATUS_UNKNOWN if at_risk else None
        if values is None:
            values = mapping.host_vars(events, now, prefix, resources, status=status)
        for key, value in values.items():
            self.inventory.set_variable(host, key, wrap_var(value))
        for group in mapping.host_groups(events, at_risk=at_risk):
            self.inventory.add_group(group)
            self.inventory.add_child(group, host)
        if not (self.get_option("compose") or self.get_option("groups") or self.get_option("keyed_groups")):
            return  # nothing to construct: skip collecting the host's variables
        variables = self._host_variables(host)
        self._set_composite_vars(self.get_option("compose"), variables, host, strict=strict)
        variables = self._host_variables(host)
        self._add_host_to_composed_groups(self.get_option("groups"), variables, host, strict=strict,
                                          fetch_hostvars=False)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, host, strict=strict,
                                       fetch_hostvars=False)

    # ------------------------------------------------------------------------------------------- templating

    def _host_variables(self, host):
        """Group and host variables of a host, as ``constructed`` sees them."""
        host_obj = self.inventory.get_host(host)
        return combine_vars(get_group_vars(host_obj.get_groups()), host_obj.get_vars())

    def _evaluate(self, expression, variables, strict, option, subject):
        """The value of one expression, or None when it fails (an error when strict). A plain variable name or
        dotted path whose every name is present is looked up directly (the value Jinja2 would give, without
        compiling a template per host); anything else is evaluated by Jinja2."""
        found, value = self._lookup(expression, variables)
        if found:
            return value
        return self._template_value(expression, variables, strict, option, subject)

    def _template_value(self, expression, variables, strict, option, subject):
        """The value Jinja2 gives for one expression, or None when it fails (an error when strict)."""
        # An expression whose first name is not among the variables fails for every host alike once it failed for
        # one (the name can then only come from Jinja2's globals): Jinja2 is not asked again for each host.
        names = simple_path(expression)
        absent = names is not None and names[0] not in variables
        reason = self._failed_when_absent.get(str(expression)) if absent else None
        if reason is None:
            try:
                return self._compose(expression, variables)
            except Exception as exc:  # pylint: disable=broad-exception-caught  # any template error
                reason = str(exc)
                if absent:
                    self._failed_when_absent[str(expression)] = reason
        if strict:
            raise AnsibleParserError("%s: could not evaluate %s entry %r for %s: %s"
                                     % (self.NAME, option, str(expression), subject, reason))
        self.display.vvv("%s: %s entry %r gave nothing for %s: %s" % (self.NAME, option, str(expression), subject,
                                                                      reason))
        return None

    def _lookup(self, expression, variables):
        """:func:`simple_lookup`, unless ``use_extra_vars`` adds the extra variables to what Jinja2 sees."""
        if self._use_extra_vars:
            return False, None
        return simple_lookup(expression, variables)

    def _first_value(self, expressions, variables, strict, option, subject, wrap=False):
        wrapped = None
        for expression in expressions:
            found, value = self._lookup(expression, variables)
            if not found:
                if wrap and wrapped is None:
                    wrapped = wrap_var(variables)  # once per host, and only when Jinja2 is needed
                value = self._template_value(expression, wrapped if wrap else variables, strict, option, subject)
            if not mapping.is_empty(value) and not isinstance(value, (dict, list, tuple, set, bool)):
                return str(value)
        return None
