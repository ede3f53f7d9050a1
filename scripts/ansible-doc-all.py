#!/usr/bin/env python
# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the documentation of every plugin and role of the collection with ansible-doc.

Plugins are found both from the files under plugins/ and from `ansible-doc --list`, so a plugin whose
documentation is broken (and so missing from the list) is still checked. Fails when ansible-doc fails,
prints a warning or an error, or returns no documentation for one of them.
Run with ANSIBLE_COLLECTIONS_PATH pointing at a directory that holds the collection (make docs-lint).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

COLLECTION = "hwcloud.maintenance"
ROOT = Path(__file__).resolve().parent.parent

# plugins/<directory> -> ansible-doc plugin type; doc_fragments, module_utils, plugin_utils and action
# plugins (documented by their modules) have no documentation of their own.
PLUGIN_DIRS = {
    "become": "become", "cache": "cache", "callback": "callback", "cliconf": "cliconf",
    "connection": "connection", "filter": "filter", "httpapi": "httpapi", "inventory": "inventory",
    "lookup": "lookup", "modules": "module", "netconf": "netconf", "shell": "shell", "strategy": "strategy",
    "test": "test", "vars": "vars",
}
# Filter and test files may hold several plugins each: their names come from the list only.
MULTI_PLUGIN_TYPES = {"filter", "test"}


def ansible_doc(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    return subprocess.run(["ansible-doc", *args], env=env, capture_output=True, text=True, check=False)


def problems_of(result: subprocess.CompletedProcess) -> list[str]:
    problems = []
    if result.returncode != 0:
        problems.append(f"exit status {result.returncode}")
    problems += [line for line in result.stderr.splitlines() if "WARNING" in line or "ERROR" in line]
    return problems


def names_from_files(directory: Path, plugin_type: str) -> set[str]:
    if plugin_type in MULTI_PLUGIN_TYPES or not directory.is_dir():
        return set()
    return {f"{COLLECTION}.{path.stem}" for path in directory.glob("*.py") if not path.name.startswith("_")}


def names_from_list(plugin_type: str) -> tuple[set[str], list[str]]:
    result = ansible_doc("--type", plugin_type, "--list", "--json", COLLECTION)
    try:
        names = set(json.loads(result.stdout or "{}"))
    except ValueError:
        return set(), [f"ansible-doc --type {plugin_type} --list printed no JSON"] + problems_of(result)
    return names, [f"ansible-doc --type {plugin_type} --list: {problem}" for problem in problems_of(result)]


def check(plugin_type: str, name: str) -> list[str]:
    failures = []
    text = ansible_doc("--type", plugin_type, name)
    failures += [f"{plugin_type} {name}: {problem}" for problem in problems_of(text)]
    if text.returncode == 0 and not text.stdout.strip():
        failures.append(f"{plugin_type} {name}: ansible-doc printed nothing")
    as_json = ansible_doc("--type", plugin_type, "--json", name)
    try:
        doc = json.loads(as_json.stdout).get(name) or {}
    except ValueError:
        doc = {}
    documented = doc.get("entry_points") if plugin_type == "role" else doc.get("doc")
    if not documented:
        failures.append(f"{plugin_type} {name}: no documentation in `ansible-doc --json` output")
    return failures


def main() -> int:
    failures: list[str] = []
    checked = 0
    for directory, plugin_type in sorted(PLUGIN_DIRS.items()):
        if not (ROOT / "plugins" / directory).is_dir():
            continue
        listed, list_failures = names_from_list(plugin_type)
        failures += list_failures
        for name in sorted(listed | names_from_files(ROOT / "plugins" / directory, plugin_type)):
            failures += check(plugin_type, name)
            checked += 1
    roles = sorted(path.name for path in (ROOT / "roles").glob("*") if (path / "meta" / "argument_specs.yml").is_file())
    for role in roles:
        failures += check("role", f"{COLLECTION}.{role}")
        checked += 1

    for failure in failures:
        print(f"ERROR: {failure}")
    print(f"ansible-doc: {checked} plugin(s)/role(s) checked, {len(failures)} problem(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
