# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The integration harness itself: real ansible-playbook / ansible-inventory runs, results, emulator."""

from __future__ import annotations

import json
import urllib.request

import pytest

from harness import HarnessError, run_inventory, run_inventory_raw, run_playbook

PLAYBOOK = """
- name: Harness smoke
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Say hello
      ansible.builtin.debug:
        msg: "hello {{ who }}"
    - name: Change something
      ansible.builtin.command: "true"
      changed_when: true
    - name: Skip this
      ansible.builtin.debug:
        msg: never
      when: false
    - name: Fail but carry on
      ansible.builtin.fail:
        msg: expected failure
      ignore_errors: true
    - name: Keep a secret
      ansible.builtin.debug:
        msg: "s3cret-value"
      no_log: true
    - name: Read the environment
      ansible.builtin.debug:
        msg: "{{ lookup('ansible.builtin.env', 'HW_ACCESS_KEY') }}|{{ lookup('ansible.builtin.env', 'HUAWEICLOUD_SDK_AK') }}"
"""


def test_playbook_results(ansible_env_factory, monkeypatch):
    monkeypatch.setenv("HW_ACCESS_KEY", "from-the-outer-environment")
    result = run_playbook(PLAYBOOK, ansible_env_factory(credentials=None), extra_vars={"who": "harness"})

    result.assert_ok()
    assert "PLAY RECAP" in result.stdout
    assert result.task("Say hello")["msg"] == "hello harness"
    assert result.task("Say hello").status == "ok"
    assert result.task("Change something").status == "changed"
    assert result.task("Skip this").status == "skipped"
    failed = result.task("Fail but carry on")
    assert (failed.status, failed.ignored, failed["msg"]) == ("failed", True, "expected failure")
    secret = result.task("Keep a secret")
    assert secret.no_log and "s3cret-value" not in json.dumps(secret.result)
    # Nothing inherited from the outer environment, no credentials asked for.
    assert result.task("Read the environment")["msg"] == "|"
    assert result.changed
    assert [item.task for item in result.results(status="ok")] == ["Say hello", "Keep a secret",
                                                                   "Read the environment"]
    assert result.stats["localhost"]["changed"] == 1
    assert result.stats["localhost"]["ignored"] == 1


FAILING_PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Fail
      ansible.builtin.fail:
        msg: boom
"""


def test_failed_playbook_and_flags(ansible_env_factory):
    inventory = "web01 ansible_connection=local\nweb02 ansible_connection=local\n"
    result = run_playbook(FAILING_PLAYBOOK, ansible_env_factory(), check=True, diff=True, verbosity=1,
                          inventory=inventory)

    result.assert_failed()
    assert result.rc == 2
    assert {item.host for item in result.results(task="Fail", status="failed")} == {"web01", "web02"}
    assert "--check" in result.command and "--diff" in result.command and "-v" in result.command
    with pytest.raises(HarnessError, match="exit status 2"):
        result.assert_ok()
    with pytest.raises(HarnessError, match="no result for task"):
        result.task("No such task")


def test_inventory(ansible_env_factory):
    env = ansible_env_factory()
    data = run_inventory({"web": {"hosts": {"web01": {"instance_id": "abc"}}}}, env, filename="hosts.yml")
    assert data["_meta"]["hostvars"]["web01"]["instance_id"] == "abc"
    assert data["web"]["hosts"] == ["web01"]

    broken = run_inventory_raw("plugin: no.such.plugin\n", env, args=["--list"], filename="broken.yml")
    assert not broken.ok and broken.data is None
    assert "no.such.plugin" in broken.stderr
    with pytest.raises(HarnessError, match="ansible-inventory failed"):
        run_inventory("plugin: no.such.plugin\n", env, filename="broken.yml")


def test_emulator_fixture(emulator, ansible_env):
    with urllib.request.urlopen(emulator.url + "/_emulator/stats", timeout=10) as response:
        stats = json.load(response)
    assert "requests_total" in stats
    assert ansible_env["HWCLOUD_EMULATOR_URL"] == emulator.url
    assert ansible_env["HUAWEICLOUD_SDK_AK"] and ansible_env["HUAWEICLOUD_SDK_SK"]


@pytest.mark.emulator(latency=0.0)
def test_emulator_marker_and_factory(emulator, emulator_factory):
    other = emulator_factory()
    assert other.url != emulator.url
