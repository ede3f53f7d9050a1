# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files of the EDA source agree with its code: the argument schema, the plugin's DOCUMENTATION and EXAMPLES,
the example rulebook and meta/extensions.yml; the plugin file loads the way ansible-rulebook loads it."""
from __future__ import annotations

import asyncio
import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from jinja2 import StrictUndefined
from jinja2.nativetypes import NativeEnvironment

from ansible_collections.hwcloud.maintenance.plugins.plugin_utils import eda

ROOT = Path(__file__).resolve().parents[3]
SOURCE = ROOT / "extensions" / "eda" / "plugins" / "event_source" / "scheduled_events.py"
SCHEMA = ROOT / "extensions" / "eda" / "plugins" / "event_source" / "schemas" / "scheduled_events.json"
RULEBOOKS = ROOT / "extensions" / "eda" / "rulebooks"
LINKED_SOURCE = (ROOT / "build" / "collections" / "ansible_collections" / "hwcloud" / "maintenance" / "extensions" / "eda"
                 / "plugins" / "event_source" / "scheduled_events.py")


@pytest.fixture(scope="module")
def schema():
    data = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(data)
    return data


@pytest.fixture(scope="module")
def plugin():
    return runpy.run_path(str(SOURCE))


def test_schema_lists_every_argument_and_alias(schema):
    assert set(schema["properties"]) == set(eda.ARGUMENTS) | set(eda.ALIASES)


def test_schema_defaults_are_the_code_defaults(schema):
    props = schema["properties"]
    cfg = eda.SourceConfig.from_args({"regions": "cn-north-4", "project_id": "p", "access_key": "A",
                                      "secret_key": "S"}, environ={})
    assert eda.SourceConfig.from_args({"regions": "cn-north-4", "project_id": "p", "access_key": "A",
                                       "secret_key": "S", "interval": props["interval"]["default"],
                                       "backoff_max": props["backoff_max"]["default"]}, environ={}).interval \
        == cfg.interval
    assert (props["emit_existing"]["default"], props["error_threshold"]["default"]) == \
        (cfg.emit_existing, cfg.error_threshold)
    assert eda.parse_duration(props["backoff_max"]["default"]) == cfg.backoff_max
    assert props["validate_certs"]["default"] is cfg.settings.validate_certs


def test_documentation_matches_the_code(plugin):
    doc = yaml.safe_load(plugin["DOCUMENTATION"])
    assert set(doc["options"]) == set(eda.OWN_ARGS)
    assert eda.parse_duration(doc["options"]["interval"]["default"]) == eda.DEFAULT_INTERVAL
    assert eda.parse_duration(doc["options"]["backoff_max"]["default"]) == eda.DEFAULT_BACKOFF_MAX
    assert doc["options"]["error_threshold"]["default"] == eda.DEFAULT_ERROR_THRESHOLD
    text = " ".join(doc["description"])
    for name in eda.ARGUMENTS:
        if name not in eda.OWN_ARGS:
            assert "V(%s)" % name in text, name


def source_args(rulebook):
    for ruleset in rulebook:
        for source in ruleset["sources"]:
            if eda.SOURCE_NAME in source:
                yield source[eda.SOURCE_NAME]


def render(value, variables):
    """Source arguments as ansible-rulebook renders them (Jinja2 native types, strict undefined)."""
    if isinstance(value, dict):
        return dict((k, render(v, variables)) for k, v in value.items())
    if isinstance(value, list):
        return [render(v, variables) for v in value]
    if isinstance(value, str) and "{{" in value:
        return NativeEnvironment(undefined=StrictUndefined).from_string(value).render(variables)
    return value


@pytest.mark.parametrize("variables", [
    {"hwcloud_regions": ["cn-north-4", "ap-southeast-1"]},
    {"hwcloud_regions": ["cn-north-4"], "hwcloud_endpoints": {"ecs": "http://127.0.0.1:1"},
     "hwcloud_poll_interval": "30s", "hwcloud_state_file": "/tmp/state.json"},
])
def test_examples_and_rulebooks_use_valid_arguments(plugin, schema, variables):
    found = list(source_args(yaml.safe_load(plugin["EXAMPLES"])))
    for path in sorted(RULEBOOKS.glob("*.yml")):
        found.extend(source_args(yaml.safe_load(path.read_text())))
    assert len(found) >= 2
    environ = {"HUAWEICLOUD_SDK_AK": "AK", "HUAWEICLOUD_SDK_SK": "SK"}
    for args in found:
        args = render(args, variables)
        jsonschema.validate(args, schema)
        args.pop("state_file", None)  # its directory need not exist here
        assert eda.SourceConfig.from_args(args, environ=environ).interval > 0


def test_meta_extensions_declares_the_sources():
    meta = yaml.safe_load((ROOT / "meta" / "extensions.yml").read_text())
    assert {"args": {"ext_dir": "eda/plugins/event_source"}} in meta["extensions"]
    assert (ROOT / "extensions" / meta["extensions"][0]["args"]["ext_dir"] / "scheduled_events.py").is_file()


def test_plugin_main_is_a_coroutine_function(plugin):
    assert asyncio.iscoroutinefunction(plugin["main"])
    assert plugin["eda"] is eda


def test_plugin_finds_the_collection_without_python_path():
    """ansible-rulebook runs the file by path without the collections directory on sys.path."""
    if not LINKED_SOURCE.is_file():
        pytest.skip("build/collections is not set up")
    code = ("import runpy, sys; ns = runpy.run_path(sys.argv[1]); "
            "print(ns['eda'] is not None and ns['eda'].SOURCE_NAME)")
    env = dict((k, v) for k, v in os.environ.items() if k != "PYTHONPATH")
    out = subprocess.run([sys.executable, "-c", code, str(LINKED_SOURCE)], env=env, cwd="/", capture_output=True,
                         text=True, timeout=120, check=True)
    assert out.stdout.strip() == eda.SOURCE_NAME
