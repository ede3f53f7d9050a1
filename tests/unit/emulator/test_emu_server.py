"""HTTP transport: keep-alive, framing, concurrency and lifecycle."""
from __future__ import annotations

import http.client
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from emulator import Emulator, Fleet
from emulator.signing import sign
from emulator_testkit import Api


def test_keep_alive_is_fast_and_framed(emu: Emulator) -> None:
    """Many requests on one connection: correct Content-Length, no Nagle delay."""
    host, port = emu.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    path = f"/v3/{emu.project_id('cn-north-4')}/instance-scheduled-events"
    started = time.monotonic()
    for attempt in range(30):
        url, headers = sign("GET", emu.url + path)
        connection.request("GET", url.removeprefix(emu.url), headers=headers)
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200 and int(response.headers["Content-Length"]) == len(body)
    assert time.monotonic() - started < 1.0
    connection.close()


def test_204_has_no_body_and_keeps_the_connection(emu: Emulator) -> None:
    host, port = emu.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    event_id = "3f6c2b8e-91d4-4e7a-b0c5-7a2e4d19f6b3"
    path = f"/v3/{emu.project_id('cn-north-4')}/instance-scheduled-events/{event_id}/actions/accept"
    url, headers = sign("POST", emu.url + path, body=b"{}")
    connection.request("POST", url.removeprefix(emu.url), body=b"{}", headers=headers)
    response = connection.getresponse()
    assert response.status == 204 and response.read() == b""
    connection.request("GET", "/_emulator/health")
    assert connection.getresponse().status == 200
    connection.close()


def test_chunked_request_body(emu: Emulator) -> None:
    host, port = emu.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    chunks = iter([b'{"service": "ecs", ', b'"region": "cn-north-4", "event": {"state": "failed"}}'])
    connection.request("POST", "/_emulator/events", body=chunks, encode_chunked=True,
                       headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"})
    assert connection.getresponse().status == 201
    connection.close()


def test_many_concurrent_connections() -> None:
    fleet = Fleet.generate(ecs_events=300, instances=100, seed=7)
    with Emulator(fleet=fleet, latency=0.25) as emu:
        clients = [Api(emu) for index in range(64)]
        started = time.monotonic()
        with ThreadPoolExecutor(64) as pool:
            results = list(pool.map(lambda c: [c.ecs_list({"limit": 50}).status_code for attempt in range(2)], clients))
        assert all(r == [200, 200] for r in results)
        assert time.monotonic() - started < 8            # serially: 64 * 2 * 0.25 s = 32 s
        assert emu.stats()["max_concurrency"] >= 24


def test_stop_closes_idle_keep_alive_connections() -> None:
    emu = Emulator().start()
    api = Api(emu)
    assert api.control("GET", "health").status_code == 200
    started = time.monotonic()
    emu.stop()
    assert time.monotonic() - started < 2
    emu.stop()                                   # idempotent
    with pytest.raises(RuntimeError):
        assert emu.url


def test_cannot_start_twice() -> None:
    with Emulator() as emu:
        with pytest.raises(RuntimeError):
            emu.start()
