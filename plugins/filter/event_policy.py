# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters on scheduled events for the gate and drain roles.

The policy lives in ``plugin_utils/event_policy.py`` and the matching rules in ``plugin_utils/inventory.py`` (shared
with the inventory plugin); this file only evaluates the match key expressions and translates errors. Each filter
is documented in the YAML file of the same name beside this one.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.template import Templar

from ansible_collections.hwcloud.maintenance.plugins.module_utils.errors import HwcloudError, OptionError
from ansible_collections.hwcloud.maintenance.plugins.plugin_utils import event_policy
from ansible_collections.hwcloud.maintenance.plugins.plugin_utils import inventory as mapping

try:  # ansible-core >= 2.19: expressions must be trusted to be evaluated.
    from ansible.template import trust_as_template
    HAS_TRUST = True
except ImportError:  # pragma: no cover - ansible-core < 2.19
    HAS_TRUST = False


# Options of gate_verdict and drain_plan that a role sets from its own variables (gate_lead_time, drain_now...).
PREFIXED_OPTIONS = ("lead_time", "lead_times", "block_inquiring", "types", "now", "undrain_states", "force_undrain",
                    "undrain_gone")


def _guard(name, func, *args, option_prefix=None, **kwargs):
    """Call ``func``; an error of the collection becomes an AnsibleFilterError. With ``option_prefix`` (a role's
    variable prefix such as ``gate_``) an invalid option is named as the role's variable."""
    try:
        return func(*args, **kwargs)
    except OptionError as exc:
        if option_prefix and str(exc.option).split(".", 1)[0] in PREFIXED_OPTIONS:
            exc = OptionError("%s%s" % (option_prefix, exc.option), exc.value, exc.allowed, exc.reason)
        raise AnsibleFilterError("hwcloud.maintenance.%s: %s" % (name, exc)) from None
    except HwcloudError as exc:
        raise AnsibleFilterError("hwcloud.maintenance.%s: %s" % (name, exc)) from None


def _evaluator(variables):
    """A function that evaluates one Jinja2 expression with ``variables``, as the inventory plugin's ``_compose``."""
    if HAS_TRUST:
        templar = Templar(variables=variables)
        return lambda expression: templar.evaluate_expression(trust_as_template(expression))
    from ansible.parsing.dataloader import DataLoader  # pylint: disable=import-outside-toplevel
    templar = Templar(loader=DataLoader(), variables=variables)
    return lambda expression: templar.template("{{ %s }}" % expression)


def _host_variables(hostvars, host):
    """The variables of ``host``, not yet templated (they are templated when an expression reads them)."""
    if hasattr(hostvars, "raw_get"):
        return hostvars.raw_get(host)
    return dict(hostvars[host])


def _strings(value, option):
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise AnsibleFilterError("hwcloud.maintenance.host_event_keys: %s must be a list of Jinja2 expressions, got %s"
                                 % (option, type(value).__name__))
    return [str(v) for v in value if str(v).strip()]


def host_event_keys(hostvars, hosts, match_keys=None, match_region=None):
    """``{host: {"keys": [...], "region": ...}}``: what identifies each host of ``hosts`` in scheduled events.

    ``match_keys`` and ``match_region`` are Jinja2 expressions evaluated with each host's variables, like the options
    of the same names of the inventory plugin's tag mode. An expression that fails for a host (an undefined
    variable) gives nothing for that host.
    """
    keys = _strings(event_policy.DEFAULT_MATCH_KEYS if match_keys is None else match_keys, "match_keys")
    region_expr = _strings(match_region, "match_region")[:1] if match_region else []
    if isinstance(hosts, str):
        hosts = [hosts]
    result = {}
    for host in hosts:
        host = str(host)
        if host in hostvars:
            evaluate = _evaluator(_host_variables(hostvars, host))
        else:
            evaluate = _evaluator({"inventory_hostname": host})
        values = []
        for expression in keys:
            try:
                found = mapping.match_key_values(evaluate(expression))
            except Exception:  # pylint: disable=broad-exception-caught  # an undefined variable gives nothing
                found = []
            values.extend(v for v in found if v not in values)
        region = None
        if region_expr:
            try:
                region = evaluate(region_expr[0])
            except Exception:  # pylint: disable=broad-exception-caught
                region = None
        result[host] = dict(keys=values, region=region if isinstance(region, str) and region else None)
    return result


def events_by_host(events, hosts):
    """``{host: [events]}``: the events of each host, matched as by the inventory plugin's tag mode."""
    return _guard("events_by_host", event_policy.events_by_host, events, hosts)


def gate_verdict(events, hosts, lead_time="24h", lead_times=None, block_inquiring=True, types=None,
                 unknown_hosts=None, now=None, option_prefix=None):
    """The gate's decision: which hosts are blocked by which events, and which pass."""
    return _guard("gate_verdict", event_policy.gate_verdict, events, hosts, lead_time=lead_time,
                  lead_times=lead_times, block_inquiring=block_inquiring, types=types, unknown_hosts=unknown_hosts,
                  now=now, option_prefix=option_prefix)


def drain_plan(events, record=None, lead_time=None, lead_times=None, types=None, undrain_states=None,
               force_undrain=False, undrain_gone=False, host=None, identified=True, now=None, option_prefix=None):
    """What the drain role does for one host: drain, undrain, stay drained or nothing."""
    return _guard("drain_plan", event_policy.drain_plan, events, record=record, lead_time=lead_time,
                  lead_times=lead_times, types=types,
                  undrain_states=event_policy.DEFAULT_UNDRAIN_STATES if undrain_states is None else undrain_states,
                  force_undrain=force_undrain, undrain_gone=undrain_gone, host=host, identified=identified, now=now,
                  option_prefix=option_prefix)


class FilterModule(object):
    """Scheduled-event policy filters."""

    def filters(self):
        return {
            "host_event_keys": host_event_keys,
            "events_by_host": events_by_host,
            "gate_verdict": gate_verdict,
            "drain_plan": drain_plan,
        }
