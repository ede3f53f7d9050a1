"""Fixtures of the module_utils unit tests: emulators, a simulated clock, clients wired to both."""
from __future__ import annotations

import pytest

from emulator import Emulator, Fleet
from emulator import credentials as emu_creds

from ansible_collections.hwcloud.maintenance.plugins.module_utils.auth import Credentials
from ansible_collections.hwcloud.maintenance.plugins.module_utils.client import Client, RetryPolicy

# Counters that tests record (for example the number of generated signer cases); printed at the end of the run.
_RECORDED = {}


def record_count(name, value):
    _RECORDED[name] = _RECORDED.get(name, 0) + value


def pytest_terminal_summary(terminalreporter):
    if _RECORDED:
        terminalreporter.write_sep("-", "module_utils test counters")
        for name, value in sorted(_RECORDED.items()):
            terminalreporter.write_line("%s: %d" % (name, value))


@pytest.fixture
def recorder():
    return record_count


class FakeClock(object):
    """A monotonic clock that only moves when ``sleep`` is called (or ``advance``)."""

    def __init__(self, start=1000.0):
        self.now = float(start)
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        assert seconds >= 0, "negative sleep %r" % seconds
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds):
        self.now += seconds

    @property
    def slept(self):
        return sum(self.sleeps)


@pytest.fixture
def clock():
    return FakeClock()


class ZeroRng(object):
    """A ``random.Random`` stand-in whose ``uniform`` returns the upper bound (the worst case for deadlines)."""

    def __init__(self, mode="high"):
        self.mode = mode

    def uniform(self, low, high):
        return high if self.mode == "high" else low


class _Creds(object):
    aksk = Credentials(emu_creds.AK, emu_creds.SK)
    temp = Credentials(emu_creds.TEMP_AK, emu_creds.TEMP_SK, emu_creds.SECURITY_TOKEN)
    token = Credentials(auth_token=emu_creds.IAM_TOKEN)
    wrong = Credentials(emu_creds.AK, "wrong-secret-key-that-must-never-be-shown-0001")
    secrets = (emu_creds.SK, emu_creds.TEMP_SK, emu_creds.SECURITY_TOKEN, emu_creds.IAM_TOKEN,
               "wrong-secret-key-that-must-never-be-shown-0001")


@pytest.fixture
def creds():
    """Credentials the emulator accepts (aksk, temp, token), one it rejects (wrong) and every secret."""
    return _Creds


@pytest.fixture
def rng_high():
    return ZeroRng("high")


def make_client(clock, credentials=_Creds.aksk, retries=4, deadline=120.0, rng=None, timeout=10.0):
    policy = RetryPolicy(retries=retries, deadline=deadline, clock=clock, sleep=clock.sleep,
                         rng=rng or ZeroRng("high"))
    return Client(credentials, timeout=timeout, policy=policy)


@pytest.fixture
def client_factory(clock):
    made = []

    def factory(**kwargs):
        kwargs.setdefault("rng", ZeroRng("high"))
        client = make_client(kwargs.pop("clock", clock), **kwargs)
        made.append(client)
        return client

    yield factory
    for client in made:
        client.close()


@pytest.fixture
def emu():
    with Emulator(fleet=Fleet.demo()) as running:
        yield running


@pytest.fixture
def emulator_with():
    """Factory: an emulator with a given fleet and options, stopped at the end of the test."""
    running = []

    def factory(fleet=None, **kwargs):
        emulator = Emulator(fleet=fleet if fleet is not None else Fleet.demo(), **kwargs).start()
        running.append(emulator)
        return emulator

    yield factory
    for emulator in running:
        emulator.stop()
