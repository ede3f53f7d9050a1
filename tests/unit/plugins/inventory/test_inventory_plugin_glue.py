# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Edge cases of the inventory plugin's glue, with the API call replaced: file names, missing libraries, error
translation, events that cannot be placed, and what goes into the cache fingerprint. Everything else is tested
with the real ``ansible-inventory`` against the emulator (tests/integration/test_inventory_plugin.py)."""
from __future__ import annotations

import importlib
import os
import sys
import types
from datetime import datetime, timezone

import pytest
import yaml

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader, inventory_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

SECRET = "unit-test-secret-key-never-shown-000001"
TOKEN = "unit-test-security-token-never-shown-01"
PACKAGE = "ansible_collections"


def _collections_dir():
    """The directory that holds ansible_collections/hwcloud/maintenance (build/collections, or a staged copy)."""
    for entry in sys.path:
        if entry and os.path.isdir(os.path.join(entry, PACKAGE, "hwcloud", "maintenance", "plugins")):
            return os.path.abspath(entry)
    raise RuntimeError("hwcloud.maintenance is not on sys.path")


@pytest.fixture(scope="module")
def collection():
    """The plugin loaded as ansible-inventory loads it: through Ansible's collection loader, which needs its own
    copy of the ``ansible_collections`` package. Other unit tests import the collection as a plain namespace
    package, so their modules are set aside here and put back afterwards."""
    saved = dict((n, m) for n, m in sys.modules.items() if n == PACKAGE or n.startswith(PACKAGE + "."))
    for name in saved:
        del sys.modules[name]
    had_finder = AnsibleCollectionConfig.collection_finder is not None
    init_plugin_loader([_collections_dir()])
    plugin = inventory_loader.get("hwcloud.maintenance.scheduled_events")
    assert plugin is not None

    def load(name):
        return importlib.import_module("ansible_collections.hwcloud.maintenance.plugins.module_utils." + name)
    yield types.SimpleNamespace(
        plugin_class=type(plugin), module=sys.modules[type(plugin).__module__],
        ApiError=load("errors").ApiError, Credentials=load("auth").Credentials, Settings=load("query").Settings,
        FleetResult=load("fleet").FleetResult, Target=load("fleet").Target, TargetResult=load("fleet").TargetResult,
        ScheduledEvent=load("models").ScheduledEvent, client=load("client"))
    if not had_finder:
        _AnsibleCollectionFinder._remove()  # pylint: disable=protected-access
        AnsibleCollectionConfig._collection_finder = None  # pylint: disable=protected-access
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    sys.modules.update(saved)


@pytest.fixture
def plugin(collection):  # pylint: disable=redefined-outer-name
    return inventory_loader.get("hwcloud.maintenance.scheduled_events")


@pytest.fixture
def plugin_module(collection):  # pylint: disable=redefined-outer-name
    return collection.module


@pytest.fixture
def write_config(tmp_path):
    def write(name="prod.hwcloud_events.yml", **options):
        data = {"plugin": "hwcloud.maintenance.scheduled_events", "regions": ["cn-north-4"],
                "project_id": "0123456789abcdef0123456789abcdef", "access_key": "AKUNITTEST000001",
                "secret_key": SECRET, "security_token": TOKEN}
        data.update(options)
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data))
        return str(path)
    return write


@pytest.fixture
def warnings(plugin, monkeypatch):
    seen = []
    monkeypatch.setattr(plugin.display, "warning", lambda msg, *args, **kwargs: seen.append(msg))
    return seen


def event(api, event_id, instance_id, state="scheduled"):
    return api.ScheduledEvent(service="ecs", id=event_id, type="instance-reboot", state=state,
                              pending=state in ("inquiring", "scheduled", "executing"), instance_id=instance_id,
                              not_before="2030-01-01T00:00:00Z", region="cn-north-4",
                              project_id="0123456789abcdef0123456789abcdef")


def fake_fetch(fleet_result, *target_results):
    calls = []

    def fetch(client, settings, query, environ=None):
        calls.append(query)
        return fleet_result(list(target_results))
    fetch.calls = calls
    return fetch


def ecs_target(api, service="ecs"):
    return api.Target("cn-north-4", "0123456789abcdef0123456789abcdef", service, "https://%s.example" % service)


def parse(plugin, path):
    inventory = InventoryData()
    plugin.parse(inventory, DataLoader(), path, cache=False)
    return inventory


@pytest.mark.parametrize("name, accepted", [
    ("prod.hwcloud_events.yml", True), ("prod.hwcloud_events.yaml", True), ("hwcloud_events.yml", False),
    ("prod.yml", False), ("prod.hwcloud_events.json", False), ("prod.hwcloud.scheduled_events.yml", False),
])
def test_verify_file(plugin, write_config, name, accepted):
    assert bool(plugin.verify_file(write_config(name))) is accepted


def test_verify_file_missing(plugin, tmp_path):
    assert not plugin.verify_file(str(tmp_path / "missing.hwcloud_events.yml"))


def test_own_hosts_from_a_fleet_result(collection, plugin, plugin_module, write_config, monkeypatch, warnings):
    api = collection
    fetch = fake_fetch(api.FleetResult, api.TargetResult(ecs_target(api), [event(api, "e1", "i-1"), event(api, "e2", None)],
                                                         pages=1, request_ids=["r1"]))
    monkeypatch.setattr(plugin_module, "fetch_events", fetch)
    inventory = parse(plugin, write_config())
    assert sorted(inventory.hosts) == ["i-1"]
    assert inventory.hosts["i-1"].vars["scheduled_event_status"] == "pending"
    assert [g.name for g in inventory.hosts["i-1"].get_groups() if g.name.startswith("scheduled_events_")] == [
        "scheduled_events_pending"]
    assert fetch.calls[0].states == ("inquiring", "scheduled", "executing")  # pending_only defaults to true
    # The event without an instance cannot be named: reported, not dropped.
    summary = inventory.groups["all"].vars["scheduled_events_summary"]
    assert [e["id"] for e in summary["unmatched_events"]] == ["e2"]
    assert any("1 events match no host" in w and "e2" in w for w in warnings)


def test_failed_target_strict_and_not(collection, plugin, plugin_module, write_config, monkeypatch, warnings):
    api = collection
    error = api.ApiError("Internal Server Error", status=500, code="Ecs.0000", request_id="req-123", service="ecs")
    monkeypatch.setattr(plugin_module, "fetch_events",
                        fake_fetch(api.FleetResult, api.TargetResult(ecs_target(api), error=error)))
    with pytest.raises(AnsibleParserError, match="could not read 1 of 1 targets .strict is true.") as caught:
        parse(plugin, write_config(strict=True))
    assert "req-123" in str(caught.value)
    inventory = parse(plugin, write_config())
    failed = inventory.groups["scheduled_events_unknown"].vars["scheduled_events_failed_targets"]
    assert failed[0]["error"]["request_id"] == "req-123"
    assert any("req-123" in w for w in warnings)


def test_option_errors_become_parser_errors_without_a_chain(plugin, write_config):
    with pytest.raises(AnsibleParserError) as caught:
        parse(plugin, write_config(states=["bogus"]))
    assert "Invalid value 'bogus' for option 'states'" in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_missing_library_is_named(collection, plugin, write_config, monkeypatch):
    client = collection.client
    monkeypatch.setattr(client, "HAS_REQUESTS", False)
    monkeypatch.setattr(client, "REQUESTS_IMPORT_ERROR", "Traceback...\nModuleNotFoundError: No module named 'requests'\n")
    with pytest.raises(AnsibleError, match="needs the Python library requests on the controller"):
        parse(plugin, write_config())


def test_fingerprint_values_hold_no_secret(collection):
    plugin_class, Settings, Credentials = collection.plugin_class, collection.Settings, collection.Credentials  # noqa: N806
    options = {"regions": ["cn-north-4"], "project_id": "0123456789abcdef0123456789abcdef", "states": ["scheduled"],
               "secret_key": SECRET, "security_token": TOKEN}
    settings = Settings.from_options(options)
    credentials = Credentials("AKUNITTEST000001", SECRET, TOKEN)
    values = plugin_class._fingerprint_values(options, settings, credentials)  # pylint: disable=protected-access
    text = repr(values)
    assert SECRET not in text and TOKEN not in text
    assert values["account"] == "AKUNITTEST000001" and values["states"] == ["scheduled"]
    token_only = plugin_class._fingerprint_values(options, settings, Credentials(auth_token=TOKEN))  # pylint: disable=protected-access
    assert TOKEN not in repr(token_only) and token_only["account"] == "token"


def test_cache_entry_written_without_options(collection, plugin, plugin_module, write_config, monkeypatch):
    api = collection
    monkeypatch.setattr(plugin_module, "fetch_events",
                        fake_fetch(api.FleetResult, api.TargetResult(ecs_target(api), [event(api, "e1", "i-1")])))
    monkeypatch.setattr(plugin_module, "utcnow", lambda: datetime(2029, 12, 31, tzinfo=timezone.utc))
    path = write_config(cache=True, cache_plugin="ansible.builtin.memory")
    inventory = parse(plugin, path)
    assert inventory.hosts["i-1"].vars["scheduled_event_seconds_until"] == 86400
    entries = list(plugin._cache.values())  # pylint: disable=protected-access
    assert len(entries) == 1 and sorted(entries[0]) == ["complete", "events", "fetched_at", "fingerprint", "format",
                                                        "targets"]
    text = repr(entries)
    assert SECRET not in text and TOKEN not in text and "AKUNITTEST000001" not in text
