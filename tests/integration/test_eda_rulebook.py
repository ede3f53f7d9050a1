# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The example rulebook ``hwcloud.maintenance.drain_on_scheduled_events`` end to end: the real ``ansible-rulebook``
(which needs Java 17) loads the source from the collection, polls the emulator, and runs the drain playbook for a
new inquiring event and the undrain playbook once the event completed or is gone. Skipped when ansible-rulebook or
java is not on PATH (ansible-rulebook is not in requirements-dev.txt)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time

import pytest
import yaml

from emulator import Fleet
from emulator import credentials as emu_creds
from harness import emulator_endpoints

REGION = "cn-north-4"
RULEBOOK = "hwcloud.maintenance.drain_on_scheduled_events"
SECRETS = (emu_creds.SK, emu_creds.TEMP_SK, emu_creds.SECURITY_TOKEN, emu_creds.IAM_TOKEN)
TIMEOUT = 240

RECORD_PLAYBOOK = """\
---
- name: {name}
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Record the event this playbook was run for
      ansible.builtin.copy:
        content: "{{{{ ansible_eda.event | to_json }}}}"
        dest: "{out}/{prefix}-{{{{ ansible_eda.event.id }}}}.json"
        mode: "0600"
"""


def fleet():
    return Fleet.from_dict({
        "regions": {REGION: {}},
        "ecs_events": [
            {"region": REGION, "id": "ev-inquiring", "type": "system-maintenance", "state": "inquiring",
             "instance_id": "i-drain-me", "not_before": "+12h", "not_before_deadline": "+3d"},
            {"region": REGION, "id": "ev-scheduled", "type": "instance-reboot", "state": "scheduled",
             "instance_id": "i-not-inquiring", "not_before": "+2d"},
        ],
    })


def wait_for(path, process, log, timeout):
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            pytest.fail("ansible-rulebook exited with %s:\n%s" % (process.returncode, log.read_text()[-5000:]))
        if time.monotonic() > deadline:
            pytest.fail("%s did not appear within %ss:\n%s" % (path.name, timeout, log.read_text()[-5000:]))
        time.sleep(0.5)
    time.sleep(0.2)  # the copy module writes atomically, but be sure the file is complete
    return json.loads(path.read_text())


def test_example_rulebook_drains_and_undrains(emulator_factory, ansible_env_factory, tmp_path):
    emu = emulator_factory(fleet())
    env = ansible_env_factory(emu)
    rulebook_bin = shutil.which("ansible-rulebook", path=env["PATH"])
    if rulebook_bin is None or shutil.which("java", path=env["PATH"]) is None:
        pytest.skip("ansible-rulebook and java (17) are needed on PATH for the end-to-end rulebook test")

    out = tmp_path / "records"
    out.mkdir()
    for prefix, name in (("drain", "Drain"), ("undrain", "Undrain")):
        (tmp_path / ("%s.yml" % prefix)).write_text(RECORD_PLAYBOOK.format(name=name, out=out, prefix=prefix))
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump(
        {"all": {"hosts": {"localhost": {"ansible_connection": "local"}}}}))
    (tmp_path / "vars.yml").write_text(yaml.safe_dump({
        "hwcloud_regions": [REGION],
        "hwcloud_endpoints": emulator_endpoints(emu.url),
        "hwcloud_poll_interval": "1s",
        "hwcloud_state_file": str(tmp_path / "eda-state.json"),
        "hwcloud_drain_playbook": str(tmp_path / "drain.yml"),
        "hwcloud_undrain_playbook": str(tmp_path / "undrain.yml"),
    }))
    log = tmp_path / "ansible-rulebook.log"
    command = [rulebook_bin, "--rulebook", RULEBOOK, "-i", "inventory.yml", "--vars", "vars.yml", "-v"]
    with open(log, "w") as handle:
        process = subprocess.Popen(command, cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=handle,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        drained = wait_for(out / "drain-ev-inquiring.json", process, log, TIMEOUT)
        assert drained["transition"] == "new" and drained["state"] == "inquiring"
        assert drained["instance_id"] == "i-drain-me"
        assert drained["key"] == "ecs/%s/%s/ev-inquiring" % (REGION, emu.project_id(REGION))

        emu.update_event("ev-inquiring", state="completed", finish_time="now")
        undrained = wait_for(out / "undrain-ev-inquiring.json", process, log, TIMEOUT)
        assert undrained["transition"] == "cleared" and undrained["reason"] == "completed"
        assert undrained["previous"]["state"] == "inquiring"

        emu.remove_event("ev-scheduled")
        gone = wait_for(out / "undrain-ev-scheduled.json", process, log, TIMEOUT)
        assert gone["transition"] == "cleared" and gone["reason"] == "gone"
        assert process.poll() is None
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(30)
    # Only the inquiring event was drained; the scheduled one was only undrained once it was gone.
    assert sorted(p.name for p in out.iterdir()) == ["drain-ev-inquiring.json", "undrain-ev-inquiring.json",
                                                     "undrain-ev-scheduled.json"]
    text = log.read_text()
    assert "hwcloud.maintenance.scheduled_events: starting" in text
    assert "Traceback" not in text
    for secret in SECRETS:
        assert secret not in text
    state = json.loads((tmp_path / "eda-state.json").read_text())
    assert state["events"] == {}
