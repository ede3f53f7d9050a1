# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP client: a pooled ``requests`` session, request signing, bounded retries, one error type.

Retries cover 429, 500, 502, 503, 504 and connection failures, with exponential backoff and full jitter,
honour ``Retry-After``, and are bounded both by a number of attempts and by an overall deadline per call.
Transport (connection pooling, keep-alive, TLS) is ``requests``/``urllib3``; the retry loop lives here rather
than in ``urllib3.Retry`` because it needs a wall-clock deadline per call, re-signs each attempt (fresh
``X-Sdk-Date``), and keeps the last error body and request id when retries run out (``urllib3`` discards them).
"""

from __future__ import annotations

import json
import random
import threading
import time
import traceback
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlsplit

from ansible_collections.hwcloud.maintenance.plugins.module_utils.auth import auth_headers, canonical_query
from ansible_collections.hwcloud.maintenance.plugins.module_utils.errors import ApiError

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.exceptions import NewConnectionError
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported by the front doors with missing_required_lib
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

USER_AGENT = "hwcloud.maintenance/0.1.0"
RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
# POST (accept) is not guaranteed to be idempotent: retried only when the service certainly did not act.
POST_RETRY_STATUSES = frozenset((429, 503))
REQUEST_ID_HEADERS = ("x-request-id", "x-openstack-request-id")


def path(template, **params):
    """A URL path with each parameter percent-encoded as one segment."""
    return template.format(**dict((k, quote(str(v), safe="")) for k, v in params.items()))


class RetryPolicy(object):
    """How often and how long to retry. ``clock``/``sleep``/``rng`` are injectable for tests."""

    def __init__(self, retries=4, deadline=120.0, backoff_base=0.5, backoff_max=20.0,
                 clock=time.monotonic, sleep=time.sleep, rng=None):
        self.retries = retries
        self.deadline = deadline
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()

    def backoff(self, attempt, retry_after=None):
        """Seconds to wait before retry number ``attempt`` (1-based): full jitter, at least ``Retry-After``."""
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        delay = self.rng.uniform(0, ceiling)
        if retry_after is not None:
            delay = retry_after + self.rng.uniform(0, min(1.0, ceiling))
        return delay


def parse_retry_after(value, now=None):
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class Response(object):
    """A successful response: status, headers, decoded JSON body (or None), request id."""

    def __init__(self, status, headers, data, request_id):
        self.status = status
        self.headers = headers
        self.data = data
        self.request_id = request_id


def request_id_of(headers, body=None):
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    if isinstance(body, dict) and isinstance(body.get("request_id"), str):
        return body["request_id"]
    return None


def error_fields(body):
    """(code, message) from any of the error shapes of the gateway, ECS and ModelArts."""
    if not isinstance(body, dict):
        return None, None
    for code_key, msg_key in (("error_code", "error_msg"), ("errorCode", "errorMsg"), ("code", "message")):
        if code_key in body or msg_key in body:
            return body.get(code_key), body.get(msg_key)
    for value in body.values():
        if isinstance(value, dict):
            code, message = error_fields(value)
            if code or message:
                return code, message
    return None, None


def _decode(text):
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


class Client(object):
    """Signed, retried JSON requests to Huawei Cloud endpoints. Thread safe; share one per run."""

    def __init__(self, credentials, timeout=30.0, policy=None, validate_certs=True, ca_path=None,
                 pool_size=10, user_agent=USER_AGENT, now=None):
        self.credentials = credentials
        self.timeout = timeout
        self.policy = policy or RetryPolicy()
        self.user_agent = user_agent
        self.now = now
        self.session = requests.Session()
        self.session.verify = ca_path if (validate_certs and ca_path) else bool(validate_certs)
        self.session.trust_env = False
        adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        # The status line and headers of the response being read, per thread: when the body then breaks off
        # (truncated, reset), the error still names the HTTP status and the request id the service sent.
        self._received = threading.local()
        self.session.hooks["response"].append(self._remember_response)

    def _remember_response(self, resp, *args, **kwargs):  # pylint: disable=unused-argument  # requests hook
        self._received.response = resp

    def close(self):
        self.session.close()

    def _scrub(self, text):
        """``text`` with every secret of the credentials masked: a gateway may echo what it received."""
        for secret in self.credentials.secrets():
            text = text.replace(secret, "********")
        return text

    def request(self, method, endpoint, url_path, params=None, body=None, project_id=None, service=None,
                expect_json=True):
        """One API call with retries. Returns :class:`Response`; raises :class:`ApiError`."""
        query = canonical_query(params or {})
        url = endpoint.rstrip("/") + url_path + ("?" + query if query else "")
        payload = json.dumps(body).encode("utf-8") if body is not None else b""
        headers = {"User-Agent": self.user_agent,
                   "Content-Type": "application/json;charset=utf-8" if body is not None else "application/json"}
        if project_id:
            headers["X-Project-Id"] = project_id
        host = urlsplit(endpoint).netloc
        shown_url = endpoint.rstrip("/") + url_path
        retry_statuses = POST_RETRY_STATUSES if method == "POST" else RETRY_STATUSES
        policy = self.policy
        give_up_at = policy.clock() + policy.deadline
        attempt = 0
        while True:
            attempt += 1
            signed = auth_headers(self.credentials, method, host, url_path, query, headers, payload,
                                  now=self.now() if self.now else None)
            timeout = max(0.001, min(self.timeout, give_up_at - policy.clock()))
            error, retry_after = None, None
            self._received.response = None
            try:
                resp = self.session.request(method, url, data=payload or None, headers=signed, timeout=timeout,
                                            allow_redirects=False)
                text = resp.text
            except requests.exceptions.RequestException as exc:
                resp = None
                sent = not _never_sent(exc)
                received = getattr(self._received, "response", None)
                if received is not None:
                    # Headers arrived, the body did not (cut short, connection reset, read timeout).
                    error = ApiError("connection failed while reading the response body: %s" % self._scrub(_short(exc)),
                                     status=received.status_code, request_id=request_id_of(received.headers),
                                     method=method, url=shown_url, service=service, retryable=(method != "POST"))
                else:
                    error = ApiError("connection failed: %s" % self._scrub(_short(exc)), method=method, url=shown_url,
                                     service=service, retryable=(method != "POST" or not sent))
            if resp is not None:
                data = _decode(text)
                rid = request_id_of(resp.headers, data)
                if 200 <= resp.status_code < 300:
                    if expect_json and (text or resp.status_code == 200) and not isinstance(data, dict):
                        raise ApiError("malformed response: expected a JSON object, got %s" % _excerpt(self._scrub(text)),
                                       status=resp.status_code, request_id=rid, method=method, url=shown_url,
                                       service=service)
                    return Response(resp.status_code, resp.headers, data if isinstance(data, dict) else None, rid)
                code, message = error_fields(data)
                message = message if isinstance(message, str) else None
                error = ApiError(self._scrub(message or ("unexpected response: %s" % _excerpt(self._scrub(text)))),
                                 status=resp.status_code, code=code, request_id=rid, method=method, url=shown_url,
                                 service=service, retryable=resp.status_code in retry_statuses)
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
            if not error.retryable or attempt > policy.retries:
                raise error
            delay = policy.backoff(attempt, retry_after)
            if policy.clock() + delay >= give_up_at:
                error.message += " (gave up after %d attempts: the %ss retry deadline would pass)" % (
                    attempt, policy.deadline)
                raise ApiError(error.message, status=error.status, code=error.code, request_id=error.request_id,
                               method=method, url=shown_url, service=service)
            policy.sleep(delay)


def _never_sent(exc):
    """True when the request certainly did not reach the service: the connection could not be opened."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.exceptions.ConnectionError) and isinstance(reason, NewConnectionError)


def _short(exc):
    text = "%s: %s" % (type(exc).__name__, exc)
    return text if len(text) <= 300 else text[:297] + "..."


def _excerpt(text):
    text = (text or "").strip().replace("\n", " ")
    if not text:
        return "an empty body"
    return repr(text[:120] + ("..." if len(text) > 120 else ""))
