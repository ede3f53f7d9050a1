# Copyright: hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for integration tests: an emulator per test and an environment to run Ansible in.

Fixtures:
  ``emulator``             a running emulator (``emulator.Emulator``) with the demo fleet, one per test.
                           Choose another fleet or options with the ``emulator`` marker::

                               @pytest.mark.emulator(fleet=lambda: Fleet.generate(ecs_events=50), latency=0.01)

                           ``fleet`` may be a Fleet or a callable returning one (preferred: a fresh
                           fleet per test); other keywords go to ``Emulator(...)``.
  ``emulator_factory``     ``emulator_factory(fleet=None, **kwargs)`` starts another emulator (demo fleet
                           by default); all are stopped after the test.
  ``ansible_env``          environment dict for ``run_playbook``/``run_inventory`` against ``emulator``:
                           see ``harness.ansible_environment`` (AK/SK credentials, HWCLOUD_EMULATOR_URL).
  ``ansible_env_factory``  ``ansible_env_factory(emulator=None, credentials="permanent", **extra_env)`` for
                           other credentials, another emulator, or none.

Helpers (``from harness import ...``): ``run_playbook``, ``run_inventory``, ``run_inventory_raw``,
``emulator_endpoints``, ``emulator_credentials``, ``PlaybookResult``, ``TaskResult``, ``HarnessError``.
"""

from __future__ import annotations

import copy
import itertools

import pytest

import harness


def pytest_configure(config):
    """Register the ``emulator`` marker and make the collection visible to Ansible."""
    config.addinivalue_line(
        "markers", "emulator(fleet=None, **kwargs): fleet (or fleet factory) and Emulator() options for the "
                   "`emulator` fixture")
    harness.ensure_collection_link()


@pytest.fixture
def emulator_factory():
    """Start emulators on free loopback ports; every one is stopped when the test ends."""
    from emulator import Emulator, Fleet  # pylint: disable=import-outside-toplevel  # tests/ is on sys.path

    started = []

    def start(fleet=None, **kwargs):
        if fleet is None:
            fleet = Fleet.demo()
        elif callable(fleet) and not isinstance(fleet, Fleet):
            fleet = fleet()
        else:
            fleet = copy.deepcopy(fleet)  # a fleet given to a marker is shared by tests: never mutate it
        emu = Emulator(fleet=fleet, **kwargs).start()
        started.append(emu)
        return emu

    yield start
    for emu in reversed(started):
        emu.stop()


@pytest.fixture
def emulator(request, emulator_factory):  # pylint: disable=redefined-outer-name  # pytest fixture injection
    """An emulator with the demo fleet, or with the ``emulator`` marker's fleet and options."""
    marker = request.node.get_closest_marker("emulator")
    kwargs = dict(marker.kwargs) if marker else {}
    return emulator_factory(**kwargs)


@pytest.fixture
def ansible_env_factory(tmp_path):
    """Build Ansible environments whose files live in this test's ``tmp_path`` (one work dir per call)."""
    counter = itertools.count()

    def build(emulator=None, credentials="permanent", **extra_env):  # pylint: disable=redefined-outer-name
        workdir = tmp_path / f"ansible-{next(counter)}"
        url = emulator if isinstance(emulator, str) else getattr(emulator, "url", None)
        return harness.ansible_environment(workdir, emulator_url=url, credentials=credentials, extra=extra_env)

    return build


@pytest.fixture
def ansible_env(emulator, ansible_env_factory):  # pylint: disable=redefined-outer-name
    """Environment for Ansible runs against the ``emulator`` fixture, with its permanent AK/SK."""
    return ansible_env_factory(emulator)
