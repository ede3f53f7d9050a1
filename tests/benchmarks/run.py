# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmarks of the collection on a large emulated fleet (``make bench``; ``make bench-smoke`` in CI).

Starts the API emulator (``python -m emulator``) as a subprocess with a generated fleet and an added latency per
request, then measures, in rounds (run 1 of every scenario, then run 2, ... so that a change of machine load hits
every scenario alike):

  inventory       ``ansible-inventory --list`` with the plugin (own hosts, every region, both services)
  info_playbook   ``ansible-playbook`` with one ``scheduled_event_info`` task (pending events, every region)
  cache_hit       the inventory with ``cache: true`` (``ansible.builtin.jsonfile``), cache already filled
  tag_existing    the plugin in ``mode: tag_existing`` after a static inventory of the same hosts
  engine          the collection's fetch engine alone (``engine_script.py``, no Ansible): diagnostic
  sdk_script      baseline: the official SDK clients paging sequentially (``sdk_script.py``)
  static_floor    baseline: ``ansible-inventory --list`` on a static YAML inventory with the plugin's hosts, groups
                  and variables (Ansible's own floor)
  playbook_floor  baseline: the same playbook with ``ansible.builtin.ping`` instead of the module

API requests come from the emulator's control API (``/_emulator/stats``), wall time is the median of ``--runs``
runs, CPU time and peak RSS come from ``os.wait4`` (the child and the processes it waited for). The table is
printed and written to ``<output-dir>/results.md`` and ``results.json``; see ``tests/benchmarks/README.md``.

Exit status: 0, or 1 when a scenario fails to run or gives a wrong result (host or event count, API requests of a
cache hit, pool bound), or, with ``--strict-targets``, when a target of the issue is missed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
if str(REPO / "tests") not in sys.path:
    sys.path.insert(0, str(REPO / "tests"))  # the emulator package, when run without PYTHONPATH=tests
HERE = Path(__file__).resolve().parent
COLLECTIONS = REPO / "build" / "collections"
VENV_BIN = REPO / ".venv" / "bin"

FULL_FLEET = "generate:ecs=10000,instances=4000,regions=4,modelarts=600"
SMOKE_FLEET = "generate:ecs=300,instances=120,regions=2,modelarts=40"
PENDING_STATES = ("inquiring", "scheduled", "executing")
PAGE_SIZE = 100
DEFAULT_MAX_WORKERS = 8  # the plugin's and module's default max_workers
CONFIG_NAME = "bench.hwcloud_events.yml"
TAG_CONFIG_NAME = "tag.hwcloud_events.yml"
_DROPPED_PREFIXES = ("ANSIBLE_", "HUAWEICLOUD_", "HW_", "HWCLOUD_")

SCENARIOS = ("inventory", "info_playbook", "cache_hit", "tag_existing", "engine", "sdk_script", "static_floor",
             "playbook_floor")
DESCRIPTIONS = {
    "inventory": "ansible-inventory --list, plugin (own hosts)",
    "info_playbook": "playbook with scheduled_event_info",
    "cache_hit": "inventory, cache hit (jsonfile)",
    "tag_existing": "static hosts + plugin (tag_existing)",
    "engine": "fetch engine alone (no Ansible)",
    "sdk_script": "baseline: official SDK, sequential",
    "static_floor": "baseline: static YAML inventory",
    "playbook_floor": "baseline: playbook with ping",
}

# Targets of the issue (checked on full runs; reported, never asserted unless --strict-targets).
TARGET_RATIO_TO_IDEAL = 1.25
TARGET_FETCH_SPEEDUP = 5.0
TARGET_CPU_OVER_FLOOR = 1.0
TARGET_RSS_MB = 150.0
TARGET_CACHE_RATIO = 1.1


class BenchError(Exception):
    """A scenario could not run or gave a wrong result."""


# --------------------------------------------------------------------------------------------- the emulator

class EmulatorProcess:
    """``python -m emulator`` as a subprocess, and its control API."""

    def __init__(self, fleet, latency_ms, workdir):
        self.fleet = fleet
        self.latency_ms = latency_ms
        self.workdir = workdir
        self.proc = None
        self.url = None
        self._log = None

    def start(self, timeout=600.0):
        url_file = self.workdir / "emulator.url"
        url_file.unlink(missing_ok=True)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "tests"), env.get("PYTHONPATH")]))
        log = open(self.workdir / "emulator.log", "wb")  # pylint: disable=consider-using-with  # closed in stop()
        self._log = log
        self.proc = subprocess.Popen(  # pylint: disable=consider-using-with  # stopped in stop()
            [sys.executable, "-m", "emulator", "--fleet", self.fleet, "--latency-ms", "%g" % self.latency_ms,
             "--url-file", str(url_file)], env=env, cwd=str(REPO), stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not url_file.exists():
            if self.proc.poll() is not None:
                raise BenchError("the emulator exited with status %s; see %s"
                                 % (self.proc.returncode, self.workdir / "emulator.log"))
            if time.monotonic() > deadline:
                raise BenchError("the emulator did not start within %ds" % timeout)
            time.sleep(0.1)
        self.url = url_file.read_text(encoding="utf-8").strip()
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)
        if self._log is not None:
            self._log.close()
            self._log = None

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            text = response.read().decode("utf-8")
        return json.loads(text) if text else None

    def stats(self):
        return self._call("GET", "/_emulator/stats")

    def reset_stats(self):
        self._call("POST", "/_emulator/stats/reset")

    def regions(self):
        return self._call("GET", "/_emulator/regions")

    def events(self):
        return self._call("GET", "/_emulator/events")

    def set_latency(self, latency_ms):
        self._call("POST", "/_emulator/config", {"latency": latency_ms / 1000.0})
        self.latency_ms = latency_ms


# --------------------------------------------------------------------------------------------- the fleet

def pages_for(count, page_size=PAGE_SIZE):
    """Sequential pages to list ``count`` events (an empty listing is one page)."""
    return max(1, int(math.ceil(count / float(page_size))))


class FleetFacts:
    """What the benchmark expects, computed from the emulator's own event list."""

    def __init__(self, events, regions):
        self.regions = dict(regions)
        pending = [e for e in events if e.get("state") in PENDING_STATES]
        self.pending_events = len(pending)
        self.pending_ecs = sum(1 for e in pending if e["service"] == "ecs")
        resources = set()
        by_chain = {}
        for event in pending:
            if event["service"] == "ecs":
                resources.add(("ecs", event["region"], event.get("instance_id")))
            else:
                resources.add(("modelarts", event["region"], event.get("workspaceId") or "0",
                               event.get("nodeName") or event.get("instanceId")))
            key = (event["region"], event["service"], event["state"])
            by_chain[key] = by_chain.get(key, 0) + 1
        self.resources = len(resources)
        # The plugin's plan: one chain per target and state (fleet.split_params), all in parallel.
        self.chains = dict(((region, service, state), pages_for(by_chain.get((region, service, state), 0)))
                           for region in self.regions for service in ("ecs", "modelarts") for state in PENDING_STATES)
        self.longest_chain = max(self.chains.values())
        self.plugin_pages = sum(self.chains.values())
        # The SDK script: one chain per region and service (every state in one query), one after the other.
        self.sdk_pages = sum(pages_for(sum(by_chain.get((region, service, state), 0) for state in PENDING_STATES))
                             for region in self.regions for service in ("ecs", "modelarts"))

    def to_dict(self):
        return {"regions": sorted(self.regions), "pending_events": self.pending_events, "pending_ecs": self.pending_ecs,
                "resources": self.resources, "longest_chain_pages": self.longest_chain,
                "plugin_pages": self.plugin_pages, "sdk_sequential_pages": self.sdk_pages}


# --------------------------------------------------------------------------------------------- processes

def venv_python():
    candidate = VENV_BIN / "python"
    return str(candidate) if candidate.exists() else sys.executable


def ansible_env(workdir, extra=None):
    """A clean environment for Ansible runs: nothing inherited from ANSIBLE_*/HW*/HUAWEICLOUD_*, an empty config."""
    from emulator import credentials  # pylint: disable=import-outside-toplevel  # tests/ is on PYTHONPATH

    for name in ("ansible-home", "ansible-local-tmp", "ansible-remote-tmp"):
        (workdir / name).mkdir(parents=True, exist_ok=True)
    config = workdir / "ansible.cfg"
    config.write_text("# empty: the benchmark configures Ansible via the environment\n", encoding="utf-8")
    env = dict((name, value) for name, value in os.environ.items()
               if not name.startswith(_DROPPED_PREFIXES) and name != "PYTHONPATH")
    env.update({
        "PATH": os.pathsep.join([str(VENV_BIN), env.get("PATH", os.defpath)]),
        "LC_ALL": "C.UTF-8",
        "LANG": "C.UTF-8",
        "ANSIBLE_CONFIG": str(config),
        "ANSIBLE_HOME": str(workdir / "ansible-home"),
        "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "False",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCAL_TEMP": str(workdir / "ansible-local-tmp"),
        "ANSIBLE_REMOTE_TEMP": str(workdir / "ansible-remote-tmp"),
        "ANSIBLE_PYTHON_INTERPRETER": venv_python(),
        "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "True",
        "HUAWEICLOUD_SDK_AK": credentials.AK,
        "HUAWEICLOUD_SDK_SK": credentials.SK,
    })
    env.update(extra or {})
    return env


class Measurement:
    """One run of one command: exit status, wall time, CPU (user + sys) and peak RSS of the process tree."""

    def __init__(self, rc, wall, cpu, rss_mb, stdout, stderr, requests=None, concurrency=None):
        self.rc = rc
        self.wall = wall
        self.cpu = cpu
        self.rss_mb = rss_mb
        self.stdout = stdout
        self.stderr = stderr
        self.requests = requests
        self.concurrency = concurrency
        self.result = {}
        self.fetch_seconds = None


# Commands are started by this small launcher process, not by the runner: on Linux a child's ru_maxrss starts from
# the peak RSS of the process that forked it (kept across exec), and the runner itself reads large JSON outputs.
LAUNCHER_CODE = r"""
import json, os, resource, subprocess, sys, threading, time
for line in sys.stdin:
    job = json.loads(line)
    with open(job["stdout"], "wb") as out, open(job["stderr"], "wb") as err:
        started = time.monotonic()
        proc = subprocess.Popen(job["command"], env=job["env"], cwd=job["cwd"], stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err)
        timer = threading.Timer(job["timeout"], proc.kill)
        timer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    sys.stdout.write(json.dumps({"rc": proc.returncode, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                                 "maxrss": usage.ru_maxrss,
                                 "launcher_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}) + "\n")
    sys.stdout.flush()
"""


class Launcher:
    """Runs commands for :func:`measure` from a process that stays small (see LAUNCHER_CODE)."""

    def __init__(self):
        self.proc = None
        self.launcher_rss_mb = 0.0

    def start(self):
        self.proc = subprocess.Popen(  # pylint: disable=consider-using-with  # stopped in stop()
            [sys.executable, "-I", "-S", "-c", LAUNCHER_CODE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True)
        return self

    def run(self, command, env, cwd, stdout, stderr, timeout):
        job = {"command": [str(c) for c in command], "env": dict(env), "cwd": str(cwd), "stdout": str(stdout),
               "stderr": str(stderr), "timeout": timeout}
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise BenchError("the launcher process died")
        return json.loads(line)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)


LAUNCHER = Launcher()


def maxrss_mb(maxrss):
    """``ru_maxrss`` in MB: kilobytes on Linux, bytes on macOS."""
    return maxrss / (1024.0 * 1024.0 if sys.platform == "darwin" else 1024.0)


def measure(command, env, cwd, out_dir, name, timeout):
    """Run ``command`` (via the launcher); stdout and stderr go to files. CPU and RSS come from ``os.wait4``: the
    child plus the descendants it waited for (Ansible's workers and modules); ``ru_maxrss`` is the largest of them."""
    stdout, stderr = out_dir / (name + ".out"), out_dir / (name + ".err")
    done = LAUNCHER.run(command, env, cwd, stdout, stderr, timeout)
    LAUNCHER.launcher_rss_mb = max(LAUNCHER.launcher_rss_mb, maxrss_mb(done["launcher_maxrss"]))
    return Measurement(done["rc"], done["wall"], done["cpu"], maxrss_mb(done["maxrss"]), stdout, stderr)


def tail(path, limit=3000):
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    return text if len(text) <= limit else "[...]" + text[-limit:]


# --------------------------------------------------------------------------------------------- the benchmark

def plain(value):
    """Data of ``ansible-inventory --list`` without the ``{"__ansible_unsafe": ...}`` markers."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return dict((key, plain(item)) for key, item in value.items())
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def dump_yaml(data, path):
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    with open(path, "w", encoding="utf-8") as stream:
        yaml.dump(data, stream, Dumper=dumper, sort_keys=False, default_flow_style=False, width=4096)


class Bench:
    """Scenarios, their files and their checks for one fleet; ``round()`` measures every scenario once."""

    def __init__(self, args, emulator, facts, workdir):
        self.args = args
        self.emulator = emulator
        self.facts = facts
        self.workdir = workdir
        self.env = ansible_env(workdir / "ansible")
        self.script_env = dict(self.env, PYTHONPATH=str(COLLECTIONS))
        self.results = {}        # latency -> scenario -> [Measurement]
        self.problems = []
        self.inventory_hosts = None
        self._write_files()

    # ----------------------------------------------------------------------------------------- files

    def _plugin_config(self, **extra):
        url = self.emulator.url
        config = {"plugin": "hwcloud.maintenance.scheduled_events", "regions": list(self.facts.regions),
                  "project_ids": dict(self.facts.regions), "endpoints": {"ecs": url, "modelarts": url, "iam": url}}
        if self.args.max_workers:
            config["max_workers"] = self.args.max_workers
        config.update(extra)
        return config

    def _write_files(self):
        files = self.workdir / "files"
        files.mkdir(parents=True, exist_ok=True)
        self.files = files
        dump_yaml(self._plugin_config(), files / CONFIG_NAME)
        cache_dir = files / "cache"
        shutil.rmtree(cache_dir, ignore_errors=True)
        cache_files = files / "cache-config"
        cache_files.mkdir(exist_ok=True)
        dump_yaml(self._plugin_config(cache=True, cache_plugin="ansible.builtin.jsonfile",
                                      cache_connection=str(cache_dir), cache_timeout=86400),
                  cache_files / CONFIG_NAME)
        dump_yaml(self._plugin_config(mode="tag_existing", match_keys=["instance_id", "node_name"],
                                      match_region="region"), files / TAG_CONFIG_NAME)
        localhost = {"all": {"hosts": {"localhost": {"ansible_connection": "local",
                                                     "ansible_python_interpreter": venv_python()}}}}
        dump_yaml(localhost, files / "localhost.yml")
        module_args = {"regions": list(self.facts.regions), "project_ids": dict(self.facts.regions),
                       "endpoints": {"ecs": self.emulator.url, "modelarts": self.emulator.url,
                                     "iam": self.emulator.url}, "pending_only": True}
        if self.args.max_workers:
            module_args["max_workers"] = self.args.max_workers
        for name, task in (("info.yml", {"name": "Pending events",
                                         "hwcloud.maintenance.scheduled_event_info": module_args,
                                         "register": "pending"}),
                           ("floor.yml", {"name": "Ping", "ansible.builtin.ping": {}, "register": "pending"})):
            report = "BENCH count={{ pending.count | default(-1) }} complete={{ pending.complete | default(true) }}"
            play = [{"name": "Benchmark", "hosts": "localhost", "gather_facts": False,
                     "tasks": [task, {"name": "Report", "ansible.builtin.debug": {"msg": report}}]}]
            dump_yaml(play, files / name)
        params = {"url": self.emulator.url, "project_ids": dict(self.facts.regions), "states": list(PENDING_STATES),
                  "page_size": PAGE_SIZE, "max_workers": self.args.max_workers}
        (files / "params.json").write_text(json.dumps(params), encoding="utf-8")

    def prepare(self):
        """The static inventories (from one plugin run with --export) and a filled cache. Not measured."""
        files = self.files
        run = measure(["ansible-inventory", "-i", str(files / CONFIG_NAME), "--list", "--export"], self.env,
                      files, files, "prepare-export", self.args.timeout)
        if run.rc != 0:
            raise BenchError("ansible-inventory --export failed (exit status %d):\n%s" % (run.rc, tail(run.stderr)))
        with open(run.stdout, encoding="utf-8") as stream:
            data = plain(json.load(stream))
        hostvars = data.get("_meta", {}).get("hostvars", {})
        self.inventory_hosts = len(hostvars)
        if self.inventory_hosts != self.facts.resources:
            self.problems.append("prepare: the plugin made %d hosts, the fleet has %d instances and nodes with pending "
                                 "events" % (self.inventory_hosts, self.facts.resources))
        children = {}
        for group, body in data.items():
            if group in ("_meta", "all", "ungrouped") or not isinstance(body, dict):
                continue
            child = {"hosts": dict((host, None) for host in body.get("hosts", []))}
            if body.get("vars"):
                child["vars"] = body["vars"]
            children[group] = child
        static = {"all": {"vars": data.get("all", {}).get("vars", {}),
                          "hosts": dict((host, values or None) for host, values in hostvars.items()),
                          "children": children}}
        dump_yaml(static, files / "static.yml")
        tag_hosts = {}
        for host, values in hostvars.items():
            resource = (values.get("scheduled_event_resources") or [{}])[0]
            key = "node_name" if resource.get("service") == "modelarts" else "instance_id"
            tag_hosts[host] = {key: resource.get(key), "region": resource.get("region")}
        dump_yaml({"all": {"hosts": tag_hosts}}, files / "hosts.yml")
        del data, static, tag_hosts
        run = measure(["ansible-inventory", "-i", str(files / "cache-config" / CONFIG_NAME), "--list"], self.env,
                      files, files, "prepare-cache", self.args.timeout)
        if run.rc != 0:
            raise BenchError("filling the cache failed (exit status %d):\n%s" % (run.rc, tail(run.stderr)))
        (files / "prepare-export.out").unlink(missing_ok=True)
        (files / "prepare-cache.out").unlink(missing_ok=True)

    # ----------------------------------------------------------------------------------------- scenarios

    def command(self, scenario):
        files = self.files
        return {
            "inventory": ["ansible-inventory", "-i", str(files / CONFIG_NAME), "--list"],
            "info_playbook": ["ansible-playbook", "-i", str(files / "localhost.yml"), str(files / "info.yml")],
            "cache_hit": ["ansible-inventory", "-i", str(files / "cache-config" / CONFIG_NAME), "--list"],
            "tag_existing": ["ansible-inventory", "-i", str(files / "hosts.yml"), "-i", str(files / TAG_CONFIG_NAME),
                             "--list"],
            "engine": [venv_python(), str(HERE / "engine_script.py"), str(files / "params.json")],
            "sdk_script": [venv_python(), str(HERE / "sdk_script.py"), str(files / "params.json")],
            "static_floor": ["ansible-inventory", "-i", str(files / "static.yml"), "--list"],
            "playbook_floor": ["ansible-playbook", "-i", str(files / "localhost.yml"), str(files / "floor.yml")],
        }[scenario]

    def run_once(self, latency, scenario, index):
        env = self.script_env if scenario in ("engine", "sdk_script") else self.env
        out_dir = self.workdir / "runs"
        out_dir.mkdir(exist_ok=True)
        self.emulator.reset_stats()
        run = measure(self.command(scenario), env, self.files, out_dir, scenario, self.args.timeout)
        stats = self.emulator.stats()
        run.requests = stats.get("requests_total", 0)
        run.concurrency = stats.get("max_concurrency", 0)
        self.results.setdefault(latency, {}).setdefault(scenario, []).append(run)
        try:
            if scenario in ("engine", "sdk_script") and run.rc == 0:
                run.result = json.loads(Path(run.stdout).read_text(encoding="utf-8").strip().splitlines()[-1])
                run.fetch_seconds = run.result.get("fetch_seconds")
            if run.rc != 0:
                raise BenchError("exit status %d:\n%s" % (run.rc, tail(run.stderr)))
            if index == 0 or self.args.check_every_run:
                self.check(scenario, run)
        except BenchError as exc:
            self.problems.append("%s at %g ms, run %d: %s" % (scenario, latency, index + 1, exc))
        return run

    def check(self, scenario, run):
        """The result of a scenario is right (hosts, events, requests); raises BenchError otherwise."""
        facts = self.facts
        bound = self.args.max_workers or DEFAULT_MAX_WORKERS
        if scenario in ("inventory", "cache_hit", "tag_existing", "static_floor"):
            with open(run.stdout, encoding="utf-8") as stream:
                data = plain(json.load(stream))
            hosts = data.get("_meta", {}).get("hostvars", {})
            pending = set((data.get("scheduled_events_pending") or {}).get("hosts", []))
            if len(hosts) != self.inventory_hosts or len(pending) != facts.resources:
                raise BenchError("%d hosts (%d pending); expected %d hosts, %d pending"
                                 % (len(hosts), len(pending), self.inventory_hosts, facts.resources))
            if scenario != "static_floor":
                summary = next(iter(hosts.values()), {}).get("scheduled_events_summary") or {}
                if summary.get("complete") is not True or summary.get("unmatched_events"):
                    raise BenchError("listing incomplete or events unmatched: complete=%s, %d unmatched"
                                     % (summary.get("complete"), len(summary.get("unmatched_events") or [])))
                if (scenario == "cache_hit") != bool(summary.get("from_cache")):
                    raise BenchError("from_cache is %s" % summary.get("from_cache"))
        if scenario == "cache_hit" and run.requests != 0:
            raise BenchError("a cache hit made %d API requests" % run.requests)
        if scenario in ("info_playbook",):
            text = Path(run.stdout).read_text(encoding="utf-8", errors="replace")
            found = re.search(r"BENCH count=(-?\d+) complete=(\w+)", text)
            if not found or int(found.group(1)) != facts.pending_events or found.group(2) != "True":
                raise BenchError("expected count=%d complete=True; output:\n%s" % (facts.pending_events, text[-2000:]))
        if scenario in ("engine", "sdk_script"):
            result = run.result
            if result.get("events") != facts.pending_events or result.get("ecs") != facts.pending_ecs:
                raise BenchError("%s events (%s ECS); expected %d (%d ECS)" % (
                    result.get("events"), result.get("ecs"), facts.pending_events, facts.pending_ecs))
        expected = {"inventory": facts.plugin_pages, "info_playbook": facts.plugin_pages,
                    "tag_existing": facts.plugin_pages, "engine": facts.plugin_pages, "sdk_script": facts.sdk_pages}
        if scenario in expected and run.requests != expected[scenario]:
            raise BenchError("%d API requests; expected %d" % (run.requests, expected[scenario]))
        if scenario in ("inventory", "info_playbook", "tag_existing", "engine") and run.concurrency > bound:
            raise BenchError("%d concurrent requests, more than the pool bound %d" % (run.concurrency, bound))

    # ----------------------------------------------------------------------------------------- report

    def rows(self, latency):
        """One row per scenario with the medians and the derived figures."""
        runs = self.results.get(latency, {})
        med = {}
        for scenario, measured in runs.items():
            ok = [m for m in measured if m.rc == 0] or measured
            fetch = [m.fetch_seconds for m in ok if m.fetch_seconds is not None]
            med[scenario] = {
                "runs": len(measured),
                "requests": int(statistics.median(m.requests for m in ok)),
                "max_concurrency": max(m.concurrency for m in ok),
                "wall": statistics.median(m.wall for m in ok),
                "walls": [round(m.wall, 3) for m in measured],
                "cpu": statistics.median(m.cpu for m in ok),
                "rss_mb": max(m.rss_mb for m in ok),
                "fetch_seconds": statistics.median(fetch) if fetch else None,
                "failed_runs": sum(1 for m in measured if m.rc != 0),
            }
        chain = self.facts.longest_chain * latency / 1000.0
        floor = med.get("static_floor", {})
        pb_floor = med.get("playbook_floor", {})
        sdk = med.get("sdk_script", {})
        for scenario, row in med.items():
            ideal = None
            if scenario in ("inventory", "tag_existing") and floor:
                ideal = chain + floor["wall"]
            elif scenario == "cache_hit" and floor:
                ideal = floor["wall"]
            elif scenario == "info_playbook" and pb_floor:
                ideal = chain + pb_floor["wall"]
            elif scenario == "engine":
                ideal = chain  # compared with its own fetch time (no interpreter start-up)
            row["ideal"] = ideal
            measured = row["fetch_seconds"] if scenario == "engine" else row["wall"]
            row["ratio_to_ideal"] = measured / ideal if ideal else None
            row["ratio_to_sdk"] = row["wall"] / sdk["wall"] if sdk and scenario != "sdk_script" else None
            cpu_floor = floor if scenario in ("inventory", "tag_existing", "cache_hit") else (
                pb_floor if scenario == "info_playbook" else None)
            row["cpu_over_floor"] = row["cpu"] - cpu_floor["cpu"] if cpu_floor else None
        return med

    def targets(self, latency, med):
        """The issue's targets for one latency: list of (target, value, met)."""
        out = []
        inv, floor, sdk = med.get("inventory"), med.get("static_floor"), med.get("sdk_script")
        engine, cache = med.get("engine"), med.get("cache_hit")
        if inv and inv.get("ratio_to_ideal") is not None and latency == 50:
            out.append(("inventory <= %.2f x ideal at 50 ms" % TARGET_RATIO_TO_IDEAL,
                        "%.3f x" % inv["ratio_to_ideal"], inv["ratio_to_ideal"] <= TARGET_RATIO_TO_IDEAL))
        zero = self.rows(0.0).get("inventory") if latency and 0.0 in self.results else None
        if inv and zero:
            # Stricter than the ideal: the plugin's own time without latency instead of the static floor.
            ideal = zero["wall"] + self.facts.longest_chain * latency / 1000.0
            out.append(("inventory <= %.2f x (inventory at 0 ms + longest chain x latency)" % TARGET_RATIO_TO_IDEAL,
                        "%.2f s vs %.2f s: %.3f x" % (inv["wall"], ideal, inv["wall"] / ideal),
                        inv["wall"] / ideal <= TARGET_RATIO_TO_IDEAL))
        if latency != 50:
            inv = sdk = engine = None  # the time targets are set at 50 ms; RSS, CPU and cache below
            inv_rss = med.get("inventory")
        else:
            inv_rss = inv
        if inv and floor and sdk:
            fetch_part = inv["wall"] - floor["wall"]
            speedup = sdk["wall"] / fetch_part if fetch_part > 0 else float("inf")
            out.append(("fetch part (inventory - floor) >= %g x faster than SDK script" % TARGET_FETCH_SPEEDUP,
                        "%.2f s vs %.2f s: %s" % (fetch_part, sdk["wall"], "%.1f x" % speedup if fetch_part > 0
                                                  else "the plugin is faster than the static floor"),
                        speedup >= TARGET_FETCH_SPEEDUP))
        if engine and sdk and engine.get("fetch_seconds") and sdk.get("fetch_seconds"):
            speedup = sdk["fetch_seconds"] / engine["fetch_seconds"]
            out.append(("fetch engine >= %g x faster than SDK script (fetch time inside the process)"
                        % TARGET_FETCH_SPEEDUP, "%.3f s vs %.3f s: %.1f x" % (engine["fetch_seconds"],
                                                                              sdk["fetch_seconds"], speedup),
                        speedup >= TARGET_FETCH_SPEEDUP))
        if inv and inv.get("cpu_over_floor") is not None:
            out.append(("plugin CPU over static floor <= %g s" % TARGET_CPU_OVER_FLOOR,
                        "%.2f s" % inv["cpu_over_floor"], inv["cpu_over_floor"] <= TARGET_CPU_OVER_FLOOR))
        if inv_rss:
            extra = " (static floor %.0f MB)" % floor["rss_mb"] if floor else ""
            out.append(("peak RSS <= %g MB" % TARGET_RSS_MB, "%.0f MB%s" % (inv_rss["rss_mb"], extra),
                        inv_rss["rss_mb"] <= TARGET_RSS_MB))
        if cache and floor:
            ratio = cache["wall"] / floor["wall"]
            out.append(("cache hit: 0 requests, <= %g x static floor" % TARGET_CACHE_RATIO,
                        "%d requests, %.3f x" % (cache["requests"], ratio),
                        cache["requests"] == 0 and ratio <= TARGET_CACHE_RATIO))
        return out


def fmt(value, spec="%.2f"):
    return "-" if value is None else spec % value


def markdown(bench, latencies, smoke):
    facts = bench.facts
    lines = ["# Benchmark results%s" % (" (smoke run: tiny fleet, no time targets)" if smoke else ""), "",
             "Fleet `%s`: %d pending events (%d ECS, %d ModelArts) on %d instances and nodes in %d regions; "
             "longest page chain %d pages (plugin plan: %d pages in %d chains, at most %d in parallel); the SDK "
             "script reads %d pages one after the other. Runs per scenario: %d. Machine: %d CPUs, load average "
             "%s at the end. Peak RSS is exact above %.0f MB (the RSS of the launcher that starts the commands)."
             % (bench.args.fleet, facts.pending_events, facts.pending_ecs, facts.pending_events - facts.pending_ecs,
                facts.resources, len(facts.regions), facts.longest_chain, facts.plugin_pages, len(facts.chains),
                bench.args.max_workers or DEFAULT_MAX_WORKERS, facts.sdk_pages, bench.args.runs, os.cpu_count() or 0,
                "%.2f" % os.getloadavg()[0], LAUNCHER.launcher_rss_mb), ""]
    for latency in latencies:
        med = bench.rows(latency)
        lines += ["## Latency %g ms per request" % latency, "",
                  "| scenario | API requests | wall (s, median) | ideal (s) | ratio to ideal | ratio to SDK | "
                  "CPU (s) | CPU over floor (s) | peak RSS (MB) |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for scenario in SCENARIOS:
            row = med.get(scenario)
            if not row:
                continue
            wall = fmt(row["wall"])
            if scenario in ("engine", "sdk_script") and row["fetch_seconds"] is not None:
                wall += " (fetch %.2f)" % row["fetch_seconds"]
            lines.append("| %s: %s | %d | %s | %s | %s | %s | %s | %s | %.0f |" % (
                scenario, DESCRIPTIONS[scenario], row["requests"], wall, fmt(row["ideal"]),
                fmt(row["ratio_to_ideal"], "%.3f"), fmt(row["ratio_to_sdk"], "%.2f"), fmt(row["cpu"]),
                fmt(row["cpu_over_floor"]), row["rss_mb"]))
        lines.append("")
        if not smoke:
            checked = bench.targets(latency, med)
            if checked:
                lines += ["Targets at %g ms:" % latency, ""]
                lines += ["- %s: %s, **%s**" % (name, value, "met" if met else "missed") for name, value, met in checked]
                lines.append("")
    if bench.problems:
        lines += ["## Problems", ""] + ["- " + problem.replace("\n", " ")[:600] for problem in bench.problems] + [""]
    return "\n".join(lines)


def results_json(bench, latencies):
    data = {"fleet": bench.args.fleet, "facts": bench.facts.to_dict(), "runs": bench.args.runs,
            "max_workers": bench.args.max_workers or DEFAULT_MAX_WORKERS, "latencies": {}, "problems": bench.problems}
    for latency in latencies:
        med = bench.rows(latency)
        data["latencies"]["%g" % latency] = {"scenarios": med, "targets": [
            {"target": name, "value": value, "met": met} for name, value, met in bench.targets(latency, med)]}
    return data


# --------------------------------------------------------------------------------------------- main

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--smoke", action="store_true",
                        help="tiny fleet, 1 run, 5 ms latency, every scenario; checks results, not times")
    parser.add_argument("--runs", type=int, help="runs per scenario (median); default 5, 1 with --smoke")
    parser.add_argument("--latency-ms", type=float, nargs="+", help="latencies to measure; default 50 (5 with --smoke)")
    parser.add_argument("--fleet", help="emulator fleet; default %s" % FULL_FLEET)
    parser.add_argument("--scenarios", help="comma-separated subset of: %s" % ", ".join(SCENARIOS))
    parser.add_argument("--max-workers", type=int, help="max_workers of the plugin, module and engine (default: theirs)")
    parser.add_argument("--output-dir", type=Path, help="default build/benchmarks (build/benchmarks/smoke with --smoke)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per run before it is killed")
    parser.add_argument("--check-every-run", action="store_true", help="check results of every run, not only the first")
    parser.add_argument("--strict-targets", action="store_true", help="exit 1 when a target of the issue is missed")
    args = parser.parse_args(argv)
    args.runs = args.runs or (1 if args.smoke else 5)
    args.latency_ms = args.latency_ms or ([5.0] if args.smoke else [50.0])
    args.fleet = args.fleet or (SMOKE_FLEET if args.smoke else FULL_FLEET)
    args.output_dir = args.output_dir or (REPO / "build" / "benchmarks" / ("smoke" if args.smoke else ""))
    scenarios = [s.strip() for s in (args.scenarios or ",".join(SCENARIOS)).split(",") if s.strip()]
    unknown = sorted(set(scenarios) - set(SCENARIOS))
    if unknown or args.runs < 1:
        parser.error("unknown scenarios %s; choose from %s" % (unknown, ", ".join(SCENARIOS)) if unknown
                     else "--runs must be at least 1")
    args.scenarios = [s for s in SCENARIOS if s in scenarios]
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.monotonic()
    output = args.output_dir.resolve()
    workdir = output / "work"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    LAUNCHER.start()
    emulator = EmulatorProcess(args.fleet, args.latency_ms[0], workdir)
    print("benchmark: fleet %s, latencies %s ms, %d runs, scenarios %s" % (
        args.fleet, ", ".join("%g" % x for x in args.latency_ms), args.runs, ", ".join(args.scenarios)), flush=True)
    try:
        emulator.start()
        facts = FleetFacts(emulator.events(), emulator.regions())
        print("fleet: %s" % json.dumps(facts.to_dict()), flush=True)
        bench = Bench(args, emulator, facts, workdir)
        emulator.set_latency(0)
        bench.prepare()
        for latency in args.latency_ms:
            emulator.set_latency(latency)
            for index in range(args.runs):
                for scenario in args.scenarios:
                    run = bench.run_once(latency, scenario, index)
                    print("  %5g ms  run %d/%d  %-15s rc=%d  wall %7.2f s  cpu %7.2f s  rss %6.0f MB  requests %d"
                          % (latency, index + 1, args.runs, scenario, run.rc, run.wall, run.cpu, run.rss_mb,
                             run.requests), flush=True)
    except BenchError as exc:
        print("benchmark failed: %s" % exc, file=sys.stderr)
        return 1
    finally:
        emulator.stop()
        LAUNCHER.stop()
    text = markdown(bench, args.latency_ms, args.smoke)
    output.mkdir(parents=True, exist_ok=True)
    (output / "results.md").write_text(text + "\n", encoding="utf-8")
    (output / "results.json").write_text(json.dumps(results_json(bench, args.latency_ms), indent=2) + "\n",
                                         encoding="utf-8")
    print()
    print(text)
    print("written: %s and results.json (%.0f s)" % (output / "results.md", time.monotonic() - started))
    if bench.problems:
        return 1
    if args.strict_targets and not args.smoke:
        if any(not met for latency in args.latency_ms for _n, _v, met in bench.targets(latency, bench.rows(latency))):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
