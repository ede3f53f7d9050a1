"""Our SDK-HMAC-SHA256 signer against the official one (``huaweicloudsdkcore.signer.signer.Signer``).

Thousands of generated requests (methods, reserved and non-ASCII characters in paths and queries, repeated keys,
comma-joined lists, empty values, bodies, extra headers, temporary credentials, dates) must give the same
``Authorization`` header and the same URL query as the SDK; Huawei's published vectors are fixed tests.
"""
from __future__ import annotations

import json
from collections import OrderedDict
from datetime import datetime, timezone
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# The oracle is required (requirements-dev.txt pins it): a missing SDK must fail the run, not skip it.
from huaweicloudsdkcore import sdk_request
from huaweicloudsdkcore.auth import credentials as sdk_credentials
from huaweicloudsdkcore.signer import signer as sdk_signer

from ansible_collections.hwcloud.maintenance.plugins.module_utils import auth
from ansible_collections.hwcloud.maintenance.plugins.module_utils.client import path as url_path

MAX_EXAMPLES = 3000
_ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."
RESERVED = "/%+ ~,:?=&#;@!$'()*[]\"<>\\^`{|}\t"
EXOTIC = ("\u00e9\u00fc\u00df\u4e2d\u6587\u6771\u4eac\U0001F600\U0001F680\u200b\u00a0\u0131\u212a\uff0f\u0000"
          "\u00ff\u0100\u07ff\u0800\uffff\U00010000\U0010FFFF")
PIECES = ["%2F", "%20", "%zz", "%C3%A9", "%", "a%2Cb", "+", "~", "", "inquiring,scheduled", "2025-01-01T00:00:00Z"]
SIGNER_ADDED = ("host", "x-sdk-date", "authorization", "x-security-token", "content-type",
                "x-sdk-content-sha256")

# Strings made of reserved characters, non-ASCII characters (CJK, emoji, astral) and ASCII, possibly empty.
_alphabet = st.sampled_from(list(_ASCII + RESERVED + EXOTIC))
texts = st.one_of(st.text(alphabet=_alphabet, max_size=10), st.sampled_from(PIECES),
                  st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=4))
nonempty_texts = st.one_of(st.text(alphabet=_alphabet, min_size=1, max_size=8), st.sampled_from(PIECES[:-3]))

methods = st.sampled_from(["GET", "PUT", "POST", "DELETE", "PATCH"])
_label = st.text(alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyz0123456789-")), min_size=1, max_size=8)
hosts = st.one_of(
    st.sampled_from(["ecs.cn-north-4.myhuaweicloud.com", "modelarts.ap-southeast-1.myhuaweicloud.cn",
                     "iam.myhuaweicloud.com", "127.0.0.1:18080", "ecs.cn-north-4.myhuaweicloud.com:443",
                     "[::1]:8443"]),
    st.builds(lambda labels, port: ".".join(labels) + (":%d" % port if port else ""),
              st.lists(_label, min_size=1, max_size=4), st.one_of(st.none(), st.integers(1, 65535))))


@st.composite
def paths(draw):
    """A request path: segments either encoded as the client does (``client.path``) or given raw."""
    segments = draw(st.lists(texts, min_size=1, max_size=5))
    if draw(st.booleans()):
        template = "/" + "/".join("{s%d}" % i for i in range(len(segments)))
        built = url_path(template, **dict(("s%d" % i, seg) for i, seg in enumerate(segments)))
    else:
        built = "/" + "/".join(segments)
    return built + ("/" if draw(st.booleans()) else "")


@st.composite
def queries(draw):
    """A list of (key, value) string pairs: repeated keys, comma-joined list values, empty values."""
    pool = draw(st.lists(texts, min_size=1, max_size=3))
    keys = st.one_of(st.sampled_from(pool), texts,
                     st.sampled_from(["state", "type", "instance_id", "limit", "marker", "workspaceId"]))
    values = st.one_of(texts, st.just(""), st.lists(nonempty_texts, min_size=2, max_size=4).map(",".join))
    return draw(st.lists(st.tuples(keys, values), max_size=8))


_name_chars = st.sampled_from(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"))
header_names = st.one_of(
    st.builds(lambda first, rest: first + rest, st.sampled_from(list("aXyZkQ")), st.text(_name_chars, max_size=14)),
    st.sampled_from(["User-Agent", "X-Project-Id", "X-Domain-Id", "Accept", "X_Custom_Unsigned",
                     "x-request-id", "X-Language", "X_Auth_Thing", "Under_Score"]))
_ws = st.sampled_from(["", " ", "  ", "\t", " \t ", "\u00a0", "\u3000"])
_value_alphabet = st.sampled_from(list(_ASCII + " ,;=:/\"'()" + "\u00e9\u4e2d\U0001F600\u00a0"))
header_values = st.builds(lambda a, v, b: a + v + b, _ws, st.text(_value_alphabet, max_size=20), _ws)


@st.composite
def extra_headers(draw):
    headers = OrderedDict()
    for name, value in draw(st.lists(st.tuples(header_names, header_values), max_size=6)):
        lowered = name.lower()
        if lowered in SIGNER_ADDED or any(k.lower() == lowered for k in headers):
            continue
        headers[name] = value
    return headers


bodies = st.one_of(
    st.just(b""),
    st.dictionaries(texts, st.one_of(texts, st.integers(), st.none(), st.booleans()), max_size=4)
      .map(lambda d: json.dumps(d, ensure_ascii=bool(len(d) % 2)).encode("utf-8")),
    st.just(b'{"not_before": "2025-01-02T03:00:00Z"}'),
    st.binary(min_size=1, max_size=64))
dates = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2099, 12, 31, 23, 59, 59),
                     timezones=st.just(timezone.utc))
_key_chars = st.sampled_from(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
access_keys = st.text(_key_chars, min_size=20, max_size=20)
secret_keys = st.one_of(st.text(st.sampled_from(list(_ASCII)), min_size=40, max_size=40), nonempty_texts)
tokens = st.one_of(st.none(), st.text(st.sampled_from(list(_ASCII + "+/=")), min_size=1, max_size=80))
content_types = st.sampled_from([None, "application/json", "application/json;charset=utf-8",
                                 "application/json;charset=UTF-8", "application/bson"])


def grouped(pairs):
    """The same query as a dict (list values for repeated keys), the form the services pass to the client."""
    out = OrderedDict()
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return OrderedDict((k, v if len(v) > 1 else v[0]) for k, v in out.items())


def sdk_sign(method, host, path, pairs, headers, body, ak, sk, token, use_credentials_class):
    """Sign with the SDK; returns the signed SdkRequest (headers and the URI the SDK would send)."""
    request = sdk_request.SdkRequest(method=method, schema="https", host=host, resource_path=path,
                                     query_params=list(pairs), header_params=dict(headers),
                                     body=body if body else None)
    if use_credentials_class:
        credentials = sdk_credentials.BasicCredentials(ak, sk)
        if token:
            credentials = credentials.with_security_token(token)
        return credentials.sign_request(request)
    if token:
        request.header_params["X-Security-Token"] = token
    return sdk_signer.Signer(SimpleNamespace(ak=ak, sk=sk)).sign(request)


_CASES = {"total": 0, "with_token": 0, "with_body": 0, "repeated_keys": 0, "underscore_headers": 0}


@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(method=methods, host=hosts, path=paths(), pairs=queries(), extra=extra_headers(), body=bodies,
       when=dates, ak=access_keys, sk=secret_keys, token=tokens, content_type=content_types,
       as_dict=st.booleans(), use_credentials_class=st.booleans())
def _agrees_with_sdk(method, host, path, pairs, extra, body, when, ak, sk, token, content_type, as_dict,
                     use_credentials_class):
    headers = OrderedDict(extra)
    if content_type:
        headers["Content-Type"] = content_type
    ours_query = auth.canonical_query(grouped(pairs) if as_dict else pairs)
    ours = auth.auth_headers(auth.Credentials(ak, sk, token), method, host, path, ours_query, headers, body,
                             now=when)

    sdk_headers = OrderedDict(headers)
    sdk_headers["X-Sdk-Date"] = when.strftime("%Y%m%dT%H%M%SZ")
    signed = sdk_sign(method, host, path, pairs, sdk_headers, body, ak, sk, token, use_credentials_class)

    assert ours["Authorization"] == signed.header_params["Authorization"]
    assert path + ("?" + ours_query if ours_query else "") == signed.uri
    assert ours["X-Sdk-Date"] == signed.header_params["X-Sdk-Date"]
    assert ours["Host"] == host
    assert ours.get("X-Security-Token") == token
    # The query string is also what auth.canonical_query gives for the SDK's own list of pairs.
    assert auth.canonical_query(pairs) == ours_query

    _CASES["total"] += 1
    _CASES["with_token"] += bool(token)
    _CASES["with_body"] += bool(body)
    _CASES["repeated_keys"] += len(set(pair[0] for pair in pairs)) < len(pairs)
    _CASES["underscore_headers"] += any("_" in name for name in headers)


def test_signer_agrees_with_sdk_on_generated_requests(recorder):
    for key in _CASES:
        _CASES[key] = 0
    _agrees_with_sdk()
    for key, value in _CASES.items():
        recorder("signer oracle: generated cases %s" % key, value)
    assert _CASES["total"] >= 3000, _CASES
    # The generator really reaches the interesting corners.
    assert _CASES["with_token"] > 300 and _CASES["with_body"] > 300
    assert _CASES["repeated_keys"] > 300 and _CASES["underscore_headers"] > 300


# --------------------------------------------------------------------------- published vectors
# Copies of Huawei's documentation example (T0) and of the scheduled-event vectors (T1, T2)
# from the API reference, section 9.2.
T0_AK, T0_SK = "QTWAOYTTINDUT2QVKYUC", "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
T0_AUTH = ("SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, "
           "Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe")
V_AK, V_SK = "HPUAEXAMPLEAK0000001", "ExampleSecretKey0000000000000000000000001"
V_PROJECT = "0123456789abcdef0123456789abcdef"
V_DATE = datetime(2025, 1, 1, tzinfo=timezone.utc)
V_HOST = "ecs.cn-north-4.myhuaweicloud.com"
V_SIGNED = "content-type;host;x-project-id;x-sdk-date"


def test_vector_t0_documentation_example():
    query = auth.canonical_query({"limit": 2, "marker": "13551d6b-755d-4757-b956-536f674975c0"})
    assert query == "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0"
    assert auth.canonical_uri("/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs") == \
        "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/"
    headers = auth.auth_headers(auth.Credentials(T0_AK, T0_SK), "GET", "service.region.example.com",
                                "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs", query,
                                {"Content-Type": "application/json"}, b"",
                                now=datetime(2019, 11, 15, 3, 36, 55, tzinfo=timezone.utc))
    assert headers["X-Sdk-Date"] == "20191115T033655Z"
    assert headers["Authorization"] == T0_AUTH


def test_vector_t1_repeated_list_params():
    query = auth.canonical_query({"limit": 50, "state": ["scheduled", "inquiring"], "type": ["system-maintenance"]})
    assert query == "limit=50&state=inquiring&state=scheduled&type=system-maintenance"
    headers = auth.auth_headers(auth.Credentials(V_AK, V_SK), "GET", V_HOST,
                                "/v3/%s/instance-scheduled-events" % V_PROJECT, query,
                                {"Content-Type": "application/json", "X-Project-Id": V_PROJECT}, b"", now=V_DATE)
    assert headers["Authorization"] == (
        "SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000001, SignedHeaders=%s, "
        "Signature=0a971cf4e00d17bb0e79878d1e33b971ad62af364fd5bf290ab3e88d1766a22f" % V_SIGNED)


def test_vector_t2_comma_joined_state_and_marker():
    query = auth.canonical_query({"state": "inquiring,scheduled,executing", "limit": 1,
                                  "marker": "3b5ac5bd-0d9a-4d4a-9c1e-0f8f4cdb7a11"})
    assert query == "limit=1&marker=3b5ac5bd-0d9a-4d4a-9c1e-0f8f4cdb7a11&state=inquiring%2Cscheduled%2Cexecuting"
    headers = auth.auth_headers(auth.Credentials(V_AK, V_SK), "GET", V_HOST,
                                "/v3/%s/instance-scheduled-events" % V_PROJECT, query,
                                {"Content-Type": "application/json", "X-Project-Id": V_PROJECT}, b"", now=V_DATE)
    assert headers["Authorization"] == (
        "SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000001, SignedHeaders=%s, "
        "Signature=6291834eb793d3290428e7b4a766f8de1151ea8b386eedbf51bbd999ff0794d6" % V_SIGNED)


def test_vector_t3_put_with_body():
    body = b'{"not_before": "2025-01-02T03:00:00Z"}'
    headers = auth.auth_headers(auth.Credentials(V_AK, V_SK), "PUT", V_HOST,
                                "/v3/%s/instance-scheduled-events/ev-0001" % V_PROJECT, "",
                                {"Content-Type": "application/json;charset=utf-8", "X-Project-Id": V_PROJECT},
                                body, now=V_DATE)
    assert headers["Authorization"].endswith(
        "Signature=b782c7e40b43ca679eb506e0db28724d0f393535dd13016ebdcfc2c1ad511f83")


def test_vector_t4_temporary_credentials():
    body = b'{"notBefore": "2025-01-02T03:00:00Z"}'
    headers = auth.auth_headers(auth.Credentials(V_AK, V_SK, "tok.EXAMPLE=="), "POST",
                                "modelarts.cn-north-4.myhuaweicloud.com",
                                "/v1/%s/scheduled-events/ev-0002/accept" % V_PROJECT,
                                auth.canonical_query({"workspaceId": "0"}),
                                {"Content-Type": "application/json;charset=utf-8", "X-Project-Id": V_PROJECT},
                                body, now=V_DATE)
    assert headers["X-Security-Token"] == "tok.EXAMPLE=="
    assert headers["Authorization"] == (
        "SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000001, "
        "SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token, "
        "Signature=7d17d744b34e110727f0363a65c47725478640724cf89c0e86fb9e7535782f07")


def test_vector_t5_encoding_edge_cases():
    query = auth.canonical_query([("publish_since", "2025-01-01T00:00:00Z"), ("marker", "a b+c/\u00e9~*"), ("id", "")])
    assert query == "id=&marker=a%20b%2Bc%2F%C3%A9~%2A&publish_since=2025-01-01T00%3A00%3A00Z"
    headers = auth.auth_headers(auth.Credentials(V_AK, V_SK), "GET", V_HOST + ":443",
                                "/v3/p1/instance-scheduled-events/", query,
                                {"Content-Type": "application/json", "X_Custom_Unsigned": "x",
                                 "User-Agent": "  demo-agent/1.0  "}, b"", now=V_DATE)
    assert headers["Authorization"] == (
        "SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000001, SignedHeaders=content-type;host;user-agent;x-sdk-date, "
        "Signature=89c3c572f59e76cb7d96e80bae45ef86aa976ee22d3bf2ad7eb66a0b0b516b25")


def test_token_credentials_are_not_signed():
    headers = auth.auth_headers(auth.Credentials(auth_token="tok"), "GET", V_HOST, "/v3/p/x", "", {}, b"")
    assert headers == {"X-Auth-Token": "tok"}


def test_booleans_and_numbers_in_queries_match_the_sdk():
    pairs = [("a", True), ("b", False), ("c", 7), ("d", 0)]
    request = sdk_request.SdkRequest(method="GET", host=V_HOST, resource_path="/x", query_params=list(pairs),
                                     header_params={"X-Sdk-Date": "20250101T000000Z"})
    sdk_signer.Signer.process_request_uri(request)
    assert "/x?" + auth.canonical_query(pairs) == request.uri
    # None means "not sent" for us (the SDK client drops None parameters before signing as well).
    assert auth.canonical_query({"a": None, "b": "1", "c": []}) == "b=1"
