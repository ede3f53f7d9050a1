"""The HTTP client: retries, Retry-After, deadlines, error bodies, request ids, secrets.

Driven against the real emulator over HTTP with an injected clock, sleep and random source (no real sleeps);
a tiny fake transport is used only for responses the emulator cannot produce.
"""
from __future__ import annotations

import json
import random
import re
import socket
import time
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator import Emulator, Fleet
from emulator import credentials as emu_creds

from ansible_collections.hwcloud.maintenance.plugins.module_utils import client as client_mod
from ansible_collections.hwcloud.maintenance.plugins.module_utils.auth import Credentials
from ansible_collections.hwcloud.maintenance.plugins.module_utils.client import (
    POST_RETRY_STATUSES, RETRY_STATUSES, Client, RetryPolicy, error_fields, parse_retry_after, path,
    request_id_of,
)
from ansible_collections.hwcloud.maintenance.plugins.module_utils.errors import ApiError

REGION = "cn-north-4"
ECS_LIST = "/v3/{project_id}/instance-scheduled-events"
MA_LIST = "/v1/{project_id}/scheduled-events"
INQUIRING_ECS = "3f6c2b8e-91d4-4e7a-b0c5-7a2e4d19f6b3"     # demo fleet, cn-north-4
SCHEDULED_ECS = "a71d5e92-4c08-4b3f-9e6a-2d8c1f7b5e40"     # demo fleet, cn-north-4, deadline +7d
REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


def ecs_list(client, emu, **params):
    pid = emu.project_id(REGION)
    return client.request("GET", emu.url, path(ECS_LIST, project_id=pid), params=dict({"limit": 100}, **params),
                          project_id=pid, service="ecs")


def ma_list(client, emu, **params):
    pid = emu.project_id(REGION)
    return client.request("GET", emu.url, path(MA_LIST, project_id=pid), params=params, project_id=pid,
                          service="modelarts")


def ecs_accept(client, emu, event_id=INQUIRING_ECS):
    pid = emu.project_id(REGION)
    url_path = path(ECS_LIST + "/{event_id}/actions/accept", project_id=pid, event_id=event_id)
    return client.request("POST", emu.url, url_path, body={}, project_id=pid, service="ecs", expect_json=False)


def ecs_reschedule(client, emu, event_id=SCHEDULED_ECS):
    pid = emu.project_id(REGION)
    when = (datetime.now(timezone.utc) + timedelta(days=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return client.request("PUT", emu.url, path(ECS_LIST + "/{event_id}", project_id=pid, event_id=event_id),
                          body={"not_before": when}, project_id=pid, service="ecs", expect_json=False)


def requests_to(emu, route):
    return emu.stats()["by_route"].get(route, 0)


def assert_no_secret(error, creds):
    texts = [str(error), repr(error), json.dumps(error.to_dict()), error.message, str(error.url)]
    for secret in creds.secrets:
        for text in texts:
            assert secret not in text


def closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


# --------------------------------------------------------------------------- success and auth kinds
@pytest.mark.parametrize("kind", ["aksk", "temp", "token"])
def test_every_credential_kind_is_accepted(emu, client_factory, creds, kind):
    response = ecs_list(client_factory(credentials=getattr(creds, kind)), emu)
    assert response.status == 200
    assert REQUEST_ID.match(response.request_id)
    assert len(response.data["events"]) == 6


def test_modelarts_request_id_header_spelling(emu, client_factory):
    response = ma_list(client_factory(), emu)
    assert response.status == 200 and REQUEST_ID.match(response.request_id)
    assert response.data["count"] == 3


# --------------------------------------------------------------------------- retries
def test_429_then_ok_honours_retry_after_seconds(emu, client_factory, clock):
    emu.add_fault(route="ecs.list", status=429, retry_after="3", count=1)
    response = ecs_list(client_factory(), emu)
    assert response.status == 200
    assert requests_to(emu, "ecs.list") == 2
    assert len(clock.sleeps) == 1 and 3.0 <= clock.sleeps[0] <= 4.0


def test_retry_after_http_date_is_honoured(emu, client_factory, clock):
    when = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=30)
    emu.add_fault(route="ecs.list", status=503, retry_after=format_datetime(when, usegmt=True), count=1)
    assert ecs_list(client_factory(), emu).status == 200
    assert len(clock.sleeps) == 1 and 27.0 <= clock.sleeps[0] <= 31.0


def test_parse_retry_after_forms():
    now = time.time()
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 0 ") == 0.0
    when = datetime.fromtimestamp(int(now) + 10, timezone.utc)
    assert parse_retry_after(format_datetime(when, usegmt=True), now=int(now)) == pytest.approx(10.0)
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0       # in the past: no wait
    for garbage in (None, "", "soon", "-5", "1.5e9x", "Mon, 99 Foo 2015"):
        assert parse_retry_after(garbage) is None


@pytest.mark.parametrize("status", sorted(RETRY_STATUSES))
def test_retryable_statuses_are_retried_with_backoff(emu, client_factory, clock, status):
    emu.add_fault(route="ecs.list", status=status, count=2)
    assert ecs_list(client_factory(), emu).status == 200
    assert requests_to(emu, "ecs.list") == 3
    # Full jitter with the random source at its top: base 0.5 s doubling.
    assert clock.sleeps == [0.5, 1.0]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_client_errors_are_not_retried(emu, client_factory, clock, status):
    emu.add_fault(route="ecs.list", status=status)
    with pytest.raises(ApiError) as info:
        ecs_list(client_factory(), emu)
    assert info.value.status == status
    assert requests_to(emu, "ecs.list") == 1 and clock.sleeps == []


@pytest.mark.parametrize("kind", ["drop", "truncate"])
def test_broken_responses_to_get_are_retried(emu, client_factory, clock, kind):
    emu.add_fault(route="ecs.list", kind=kind, count=2)
    assert ecs_list(client_factory(), emu).status == 200
    assert requests_to(emu, "ecs.list") == 3 and len(clock.sleeps) == 2


def test_put_is_retried_on_500(emu, client_factory):
    emu.add_fault(route="ecs.update", status=500, count=1)
    assert ecs_reschedule(client_factory(), emu).status == 204
    assert requests_to(emu, "ecs.update") == 2


@pytest.mark.parametrize("status", sorted(POST_RETRY_STATUSES))
def test_post_is_retried_on_429_and_503(emu, client_factory, status):
    emu.add_fault(route="ecs.accept", status=status, count=1)
    assert ecs_accept(client_factory(), emu).status == 204
    assert requests_to(emu, "ecs.accept") == 2


@pytest.mark.parametrize("status", sorted(RETRY_STATUSES - POST_RETRY_STATUSES))
def test_post_is_not_retried_on_other_5xx(emu, client_factory, clock, status):
    emu.add_fault(route="ecs.accept", status=status, count=1)
    with pytest.raises(ApiError) as info:
        ecs_accept(client_factory(), emu)
    assert info.value.status == status
    assert requests_to(emu, "ecs.accept") == 1 and clock.sleeps == []


@pytest.mark.parametrize("kind", ["drop", "truncate"])
def test_post_is_not_retried_once_the_request_may_have_arrived(emu, client_factory, clock, kind):
    emu.add_fault(route="ecs.accept", kind=kind, count=1)
    with pytest.raises(ApiError) as info:
        ecs_accept(client_factory(), emu)
    # A truncated body still names the status and request id of the headers that arrived.
    assert info.value.status == (200 if kind == "truncate" else None) and "connection failed" in str(info.value)
    assert (info.value.request_id is not None) is (kind == "truncate")
    assert requests_to(emu, "ecs.accept") == 1 and clock.sleeps == []


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_connect_errors_are_retried_for_every_method(client_factory, clock, method):
    client = client_factory(retries=3)
    with pytest.raises(ApiError) as info:
        client.request(method, "http://127.0.0.1:%d" % closed_port(), "/v3/p/instance-scheduled-events",
                       body={} if method == "POST" else None, expect_json=method == "GET")
    assert info.value.status is None and "connection failed" in str(info.value)
    assert len(clock.sleeps) == 3


@pytest.mark.parametrize("retries", [0, 1, 3, 6])
def test_attempts_are_bounded_by_retries(emu, client_factory, clock, retries):
    emu.add_fault(route="ecs.list", status=503)
    with pytest.raises(ApiError) as info:
        ecs_list(client_factory(retries=retries, deadline=3600), emu)
    assert info.value.status == 503
    assert requests_to(emu, "ecs.list") == retries + 1
    assert len(clock.sleeps) == retries


def test_deadline_stops_retries_before_it_passes(emu, client_factory, clock):
    emu.add_fault(route="ecs.list", status=503)
    with pytest.raises(ApiError) as info:
        ecs_list(client_factory(retries=20, deadline=5.0), emu)
    assert clock.slept <= 5.0
    assert "gave up after" in str(info.value) and "5.0s retry deadline" in str(info.value)
    assert info.value.status == 503 and REQUEST_ID.match(info.value.request_id)
    assert requests_to(emu, "ecs.list") == len(clock.sleeps) + 1 < 21


def test_retry_after_beyond_the_deadline_fails_at_once(emu, client_factory, clock):
    emu.add_fault(route="ecs.list", status=429, retry_after="600")
    with pytest.raises(ApiError) as info:
        ecs_list(client_factory(deadline=60.0), emu)
    assert clock.sleeps == [] and requests_to(emu, "ecs.list") == 1
    assert info.value.status == 429 and info.value.code == "APIGW.0308"


@pytest.fixture(scope="module")
def shared_emulator():
    with Emulator(fleet=Fleet.demo()) as running:
        yield running


class _SlowClock(object):
    """Simulated time: advanced by sleeps and by the (simulated) duration of each request."""

    def __init__(self):
        self.now, self.slept, self.sleeps = 0.0, 0.0, 0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        assert seconds >= 0
        self.now += seconds
        self.slept += seconds
        self.sleeps += 1


_DEADLINE_CASES = {"examples": 0, "requests": 0, "gave_up_on_deadline": 0}


@settings(max_examples=150, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(retries=st.integers(0, 8), deadline=st.floats(0.1, 120.0), latency=st.floats(0.0, 40.0),
       timeout=st.floats(0.1, 60.0), retry_after=st.one_of(st.none(), st.integers(0, 90).map(str)),
       status=st.sampled_from(sorted(RETRY_STATUSES)), base=st.floats(0.01, 5.0), cap=st.floats(0.1, 60.0),
       seed=st.integers(0, 2 ** 32 - 1))
def _deadline_property(emu, retries, deadline, latency, timeout, retry_after, status, base, cap, seed):
    emu.clear_faults()
    emu.reset_stats()
    emu.add_fault(route="ecs.list", status=status, retry_after=retry_after)
    clock = _SlowClock()
    policy = RetryPolicy(retries=retries, deadline=deadline, backoff_base=base, backoff_max=cap, clock=clock,
                         sleep=clock.sleep, rng=random.Random(seed))
    client = Client(Credentials(emu_creds.AK, emu_creds.SK), timeout=timeout, policy=policy)
    real_request = client.session.request

    def timed_request(method, url, **kwargs):
        # Each request lasts `latency` simulated seconds, or times out after the timeout the client asked for.
        assert kwargs["timeout"] > 0
        if latency > kwargs["timeout"]:
            clock.now += kwargs["timeout"]
            raise requests.exceptions.ReadTimeout("simulated read timeout")
        clock.now += latency
        return real_request(method, url, **kwargs)

    client.session.request = timed_request
    try:
        with pytest.raises(ApiError) as info:
            ecs_list(client, emu)
    finally:
        client.close()
    attempts = clock.sleeps + 1
    assert attempts <= retries + 1
    assert clock.slept <= deadline
    # The whole call, requests included, ends within the deadline (plus the 1 ms minimum request timeout).
    assert clock.now <= deadline + 0.001 + 1e-9
    assert info.value.status in (status, None)
    _DEADLINE_CASES["examples"] += 1
    _DEADLINE_CASES["requests"] += attempts
    _DEADLINE_CASES["gave_up_on_deadline"] += "gave up after" in str(info.value)


def test_total_time_never_exceeds_the_deadline(shared_emulator, recorder):
    for key in _DEADLINE_CASES:
        _DEADLINE_CASES[key] = 0
    _deadline_property(shared_emulator)
    shared_emulator.clear_faults()
    recorder("client deadline property: generated cases", _DEADLINE_CASES["examples"])
    assert _DEADLINE_CASES["examples"] >= 150
    assert _DEADLINE_CASES["gave_up_on_deadline"] > 10


# --------------------------------------------------------------------------- error bodies
def test_gateway_error_shape(emu, client_factory, creds):
    with pytest.raises(ApiError) as info:
        ecs_list(client_factory(credentials=creds.wrong), emu)
    err = info.value
    assert (err.status, err.code, err.service) == (401, "APIGW.0301", "ecs")
    assert REQUEST_ID.match(err.request_id)
    assert "HTTP 401" in str(err) and "APIGW.0301" in str(err) and err.request_id in str(err)
    assert_no_secret(err, creds)


def test_ecs_nested_error_shape(emu, client_factory):
    with pytest.raises(ApiError) as info:
        ecs_list(client_factory(), emu, marker="no-such-event")
    err = info.value
    assert (err.status, err.code) == (400, "Ecs.0007")
    assert "invalid marker" in err.message and REQUEST_ID.match(err.request_id)
    assert err.to_dict()["request_id"] == err.request_id


def test_modelarts_error_shape(emu, client_factory):
    with pytest.raises(ApiError) as info:
        ma_list(client_factory(), emu, limit=0)
    err = info.value
    assert (err.status, err.code, err.service) == (400, "ModelArts.0101", "modelarts")
    assert REQUEST_ID.match(err.request_id) and err.request_id in str(err)


def test_service_shaped_fault_bodies(emu, client_factory):
    emu.add_fault(route="ecs.list", status=500)
    emu.add_fault(route="modelarts.list", status=500)
    emu.add_fault(route="iam.projects", status=500)
    client = client_factory(retries=0)
    with pytest.raises(ApiError) as ecs_err:
        ecs_list(client, emu)
    with pytest.raises(ApiError) as ma_err:
        ma_list(client, emu)
    with pytest.raises(ApiError) as iam_err:
        client.request("GET", emu.url, "/v3/projects", params={"name": REGION}, service="iam")
    assert ecs_err.value.code == "Ecs.0000" and ma_err.value.code == "ModelArts.0000"
    assert iam_err.value.code == 500 and iam_err.value.status == 500
    for err in (ecs_err.value, ma_err.value, iam_err.value):
        assert REQUEST_ID.match(err.request_id)


def test_throttling_error_keeps_the_last_body_when_retries_run_out(emu, client_factory, creds):
    emu.add_fault(route="ecs.list", status=429, retry_after="1")
    with pytest.raises(ApiError) as info:
        ecs_list(client_factory(retries=2), emu)
    err = info.value
    assert (err.status, err.code) == (429, "APIGW.0308") and REQUEST_ID.match(err.request_id)
    assert requests_to(emu, "ecs.list") == 3
    assert_no_secret(err, creds)


def test_non_json_200_is_an_error_with_status_and_request_id(emu, client_factory, clock):
    emu.add_fault(route="ecs.list", kind="non_json", count=1)
    with pytest.raises(ApiError) as info:
        ecs_list(client_factory(), emu)
    err = info.value
    assert err.status == 200 and REQUEST_ID.match(err.request_id)
    assert "malformed response" in err.message and "Service Unavailable" in err.message
    assert clock.sleeps == []


def test_connection_errors_carry_no_status_and_no_secret(emu, client_factory, creds):
    emu.add_fault(route="ecs.list", kind="drop")
    with pytest.raises(ApiError) as info:
        ecs_list(client_factory(retries=1, credentials=creds.temp), emu)
    assert info.value.status is None and "request id none" in str(info.value)
    assert_no_secret(info.value, creds)


# --------------------------------------------------------------------------- fake transport (edge cases)
class _FakeSession(object):
    """Answers every request with one canned response; records the requests."""

    def __init__(self, status, body, headers=None):
        self.status, self.body, self.headers = status, body, headers or {}
        self.calls = []

    def request(self, method, url, data=None, headers=None, timeout=None, allow_redirects=True):
        self.calls.append((method, url, headers))
        resp = requests.Response()
        resp.status_code = self.status
        resp._content = self.body if isinstance(self.body, bytes) else self.body.encode("utf-8")
        resp.headers.update(self.headers)
        resp.encoding = "utf-8"
        return resp

    def close(self):
        pass


def _fake_client(client_factory, status, body, headers=None, **kwargs):
    client = client_factory(**kwargs)
    client.session.close()
    client.session = _FakeSession(status, body, headers)
    return client


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "", "{truncated", "null", "42"])
def test_200_body_that_is_not_a_json_object(client_factory, body):
    client = _fake_client(client_factory, 200, body, {"X-Request-Id": "rid-200"})
    with pytest.raises(ApiError) as info:
        client.request("GET", "https://ecs.example", "/v3/p/instance-scheduled-events")
    assert info.value.status == 200 and info.value.request_id == "rid-200"
    assert "malformed response" in str(info.value)
    assert len(client.session.calls) == 1


def test_empty_bodies_are_fine_when_no_json_is_expected(client_factory):
    client = _fake_client(client_factory, 204, "", {"x-openstack-request-id": "rid-204"})
    response = client.request("PUT", "https://ecs.example", "/v3/p/x", body={}, expect_json=False)
    assert response.status == 204 and response.data is None and response.request_id == "rid-204"


@pytest.mark.parametrize("body, code, message", [
    ({"error_code": "APIGW.0308", "error_msg": "throttled", "request_id": "r1"}, "APIGW.0308", "throttled"),
    ({"error": {"code": "Ecs.0114", "message": "bad"}}, "Ecs.0114", "bad"),
    ({"error_code": "ModelArts.4204", "error_msg": "no"}, "ModelArts.4204", "no"),
    ({"errorCode": "X.1", "errorMsg": "camel"}, "X.1", "camel"),
    ({"error": {"code": 401, "message": "iam", "title": "Unauthorized"}}, 401, "iam"),
    ({"badRequest": {"code": 400, "message": "nova"}}, 400, "nova"),
    ({"unrelated": 1}, None, None),
    ([1, 2], None, None),
    (None, None, None),
])
def test_error_fields_of_every_shape(body, code, message):
    assert error_fields(body) == (code, message)


def test_error_message_that_is_not_a_string(client_factory):
    client = _fake_client(client_factory, 400, json.dumps({"error_code": "X.1", "error_msg": {"en": "nested"}}),
                          {"X-Request-Id": "rid-400"})
    with pytest.raises(ApiError) as info:
        client.request("GET", "https://ecs.example", "/v3/p/x")
    assert (info.value.status, info.value.code, info.value.request_id) == (400, "X.1", "rid-400")


def test_request_id_from_headers_or_gateway_body():
    assert request_id_of(requests.structures.CaseInsensitiveDict({"X-REQUEST-ID": "a"})) == "a"
    assert request_id_of(requests.structures.CaseInsensitiveDict({}), {"request_id": "b"}) == "b"
    assert request_id_of(requests.structures.CaseInsensitiveDict({}), {"request_id": 5}) is None


def test_error_body_without_json_is_excerpted(client_factory):
    client = _fake_client(client_factory, 502, "<html>" + "x" * 500 + "</html>", retries=0)
    with pytest.raises(ApiError) as info:
        client.request("GET", "https://ecs.example", "/v3/p/x")
    assert info.value.status == 502 and info.value.code is None
    assert "unexpected response" in str(info.value) and len(str(info.value)) < 400


def test_echoed_secrets_never_reach_the_exception(client_factory, creds):
    # A gateway that echoes what it received (the real one echoes its canonical request on signature errors).
    echo = "verify aksk signature fail: sk=%s token=%s" % (creds.temp.secret_key, creds.temp.security_token)
    client = _fake_client(client_factory, 401, json.dumps({"error_code": "APIGW.0301", "error_msg": echo}),
                          {"X-Request-Id": "rid-401"}, credentials=creds.temp)
    with pytest.raises(ApiError) as info:
        client.request("GET", "https://ecs.example", "/v3/p/x")
    assert info.value.request_id == "rid-401" and info.value.code == "APIGW.0301"
    assert_no_secret(info.value, creds)
    html = _fake_client(client_factory, 200, "<p>%s</p>" % creds.token.auth_token, credentials=creds.token)
    with pytest.raises(ApiError) as info:
        html.request("GET", "https://ecs.example", "/v3/p/x")
    assert_no_secret(info.value, creds)


def test_signed_requests_carry_fresh_dates_and_no_secret_headers(client_factory, creds):
    client = _fake_client(client_factory, 503, "{}", retries=1, credentials=creds.temp)
    with pytest.raises(ApiError):
        client.request("GET", "https://ecs.example", "/v3/p/x", params={"state": ["b", "a"]}, project_id="p")
    assert len(client.session.calls) == 2
    for method, url, headers in client.session.calls:
        assert url == "https://ecs.example/v3/p/x?state=a&state=b"
        assert headers["X-Security-Token"] == creds.temp.security_token
        assert headers["X-Project-Id"] == "p" and headers["Authorization"].startswith("SDK-HMAC-SHA256 ")
        assert creds.temp.secret_key not in json.dumps(headers)


def test_path_encodes_each_parameter_as_one_segment():
    assert path("/v3/{project_id}/x/{event_id}", project_id="p 1", event_id="a/b?c") == "/v3/p%201/x/a%2Fb%3Fc"


def test_retry_policy_backoff_is_bounded():
    policy = RetryPolicy(backoff_base=0.5, backoff_max=4.0, rng=random.Random(1))
    for attempt in range(1, 30):
        assert 0 <= policy.backoff(attempt) <= 4.0
        assert 10.0 <= policy.backoff(attempt, retry_after=10.0) <= 11.0


def test_requests_library_is_available():
    assert client_mod.HAS_REQUESTS and client_mod.REQUESTS_IMPORT_ERROR is None
