"""Fixtures: a running emulator with the demo fleet and a signing HTTP client."""
from __future__ import annotations

from typing import Iterator

import pytest

from emulator import Emulator, Fleet
from emulator_testkit import Api


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(fleet=Fleet.demo()) as running:
        yield running


@pytest.fixture
def api(emu: Emulator) -> Iterator[Api]:
    client = Api(emu)
    yield client
    client.session.close()
