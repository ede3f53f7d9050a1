"""API Gateway authentication: AK/SK signatures (verified by the SDK's signer) and tokens."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict

from emulator import Emulator, credentials
from emulator.auth import Authenticator, AuthError
from emulator.credentials import AccessKey
from emulator.signing import sign
from emulator.wire import ApiRequest
from emulator_testkit import Api, ids, request_id_headers

VECTOR_AK, VECTOR_SK = "HPUAEXAMPLEAK0000001", "ExampleSecretKey0000000000000000000000001"
PID = "0123456789abcdef0123456789abcdef"
SDK_SIGNED = "content-type;host;user-agent;x-project-id;x-sdk-date"


def vector_request(method: str, target: str, headers: dict[str, str], body: bytes = b"") -> ApiRequest:
    path, query = target.partition("?")[::2]
    return ApiRequest(method=method, path=path, raw_query=query, headers=CaseInsensitiveDict(headers),
                      body=body, request_id="r")


def authenticator(ak: str, sk: str, now: datetime, token: Optional[str] = None) -> Authenticator:
    return Authenticator(access_keys={ak: AccessKey(ak, sk, token)}, clock=lambda: now)


def sdk_headers(signature: str, content_type: str = "application/json") -> dict[str, str]:
    return {"User-Agent": "huaweicloud-usdk-python/3.0; vector-test", "Content-Type": content_type,
            "X-Sdk-Date": "20250101T000000Z", "X-Project-Id": PID, "Host": "127.0.0.1:18080",
            "Authorization": f"SDK-HMAC-SHA256 Access={VECTOR_AK}, SignedHeaders={SDK_SIGNED}, "
                             f"Signature={signature}"}


JAN_1 = datetime(2025, 1, 1, 0, 5, tzinfo=timezone.utc)
CAPTURED = [   # reference.md §9.2, E1/E3/E6: requests captured from the official SDK clients
    ("GET", f"/v3/{PID}/instance-scheduled-events?limit=50&state=inquiring&state=scheduled&type=system-maintenance",
     "application/json", b"", "fb38ece62d0e042fb5c4f1f776938f50f61770615ffd6d694d6c012a8a6e21d8"),
    ("PUT", f"/v3/{PID}/instance-scheduled-events/ev-0001", "application/json;charset=utf-8",
     b'{"not_before": "2025-01-02T03:00:00Z"}', "b1a0ba4fad8b97a4acd125500f3ce9658b4ceaa45b624e0631e76ae4e41371d3"),
    ("POST", f"/v1/{PID}/scheduled-events/ev-0002/accept?workspaceId=0", "application/json;charset=utf-8",
     b'{"notBefore": "2025-01-02T03:00:00Z"}', "a39f3269cd0bb0bc9ab68b8c98b9654b2ab14f431f7be0f23d910f41a4ffc95a"),
]


@pytest.mark.parametrize("method,target,content_type,body,signature", CAPTURED)
def test_reference_vectors_captured_from_the_sdk(method: str, target: str, content_type: str,
                                                 body: bytes, signature: str) -> None:
    auth = authenticator(VECTOR_AK, VECTOR_SK, JAN_1)
    request = vector_request(method, target, sdk_headers(signature, content_type), body)
    assert auth.authenticate(request).access_key == VECTOR_AK
    with pytest.raises(AuthError, match="verify aksk signature fail"):
        authenticator(VECTOR_AK, "wrong" + VECTOR_SK, JAN_1).authenticate(request)
    with pytest.raises(AuthError, match="verify aksk signature fail"):
        auth.authenticate(vector_request(method, target, sdk_headers(signature, content_type), body + b" "))


def test_huawei_documentation_vector() -> None:
    auth = authenticator("QTWAOYTTINDUT2QVKYUC", "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc",
                         datetime(2019, 11, 15, 3, 36, 55, tzinfo=timezone.utc))
    request = vector_request(
        "GET", "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0",
        {"Content-Type": "application/json", "X-Sdk-Date": "20191115T033655Z",
         "Host": "service.region.example.com",
         "Authorization": "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;"
                          "x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"})
    assert auth.authenticate(request).method == "aksk"


def test_encoding_edge_case_vector() -> None:
    """T5: trailing slash, empty value, %20, %2B, %2F, UTF-8, '~', unsigned '_' header, port."""
    auth = authenticator(VECTOR_AK, VECTOR_SK, JAN_1)
    request = vector_request(
        "GET", "/v3/p1/instance-scheduled-events/?id=&marker=a%20b%2Bc%2F%C3%A9~%2A"
               "&publish_since=2025-01-01T00%3A00%3A00Z",
        {"Content-Type": "application/json", "X-Sdk-Date": "20250101T000000Z", "X_Custom_Unsigned": "x",
         "User-Agent": "  demo-agent/1.0  ", "Host": "ecs.cn-north-4.myhuaweicloud.com:443",
         "Authorization": f"SDK-HMAC-SHA256 Access={VECTOR_AK}, SignedHeaders=content-type;host;user-agent;"
                          "x-sdk-date, Signature=89c3c572f59e76cb7d96e80bae45ef86aa976ee22d3bf2ad7eb66a0b0b516b25"})
    assert auth.authenticate(request).access_key == VECTOR_AK


# ---------------------------------------------------------------------- over HTTP
def test_permanent_and_temporary_keys(api: Api) -> None:
    assert api.ecs_list().status_code == 200
    temporary = {"ak": credentials.TEMP_AK, "sk": credentials.TEMP_SK}
    assert api.ecs_list(**temporary, security_token=credentials.SECURITY_TOKEN).status_code == 200


def assert_401(response: object, fragment: str) -> dict[str, str]:
    assert response.status_code == 401, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["error_code"] == "APIGW.0301"
    assert body["error_msg"].startswith("Incorrect IAM authentication information: ")
    assert fragment in body["error_msg"], body["error_msg"]
    assert body["request_id"] == response.headers["X-Request-Id"]  # type: ignore[attr-defined]
    assert request_id_headers(response) == ["X-Request-Id"]  # type: ignore[arg-type]
    for secret in (credentials.SK, credentials.TEMP_SK, credentials.SECURITY_TOKEN, credentials.IAM_TOKEN):
        assert secret not in response.text  # type: ignore[attr-defined]
    return body


def test_temporary_key_needs_its_security_token(api: Api) -> None:
    temporary = {"ak": credentials.TEMP_AK, "sk": credentials.TEMP_SK}
    assert_401(api.ecs_list(**temporary), "X-Security-Token")
    assert_401(api.ecs_list(**temporary, security_token="stolen"), "X-Security-Token")


def test_wrong_secret_key_shows_the_canonical_request(emu: Emulator, api: Api) -> None:
    body = assert_401(api.ecs_list({"limit": 2}, sk="not-the-secret"),
                      "verify aksk signature fail,canonicalRequest:GET|")
    pid = emu.project_id("cn-north-4")
    assert f"|/v3/{pid}/instance-scheduled-events/|limit=2|content-type:application/json|" in body["error_msg"]


def test_bad_signature_message_redacts_the_security_token(api: Api) -> None:
    assert_401(api.ecs_list(ak=credentials.TEMP_AK, sk="wrong", security_token=credentials.SECURITY_TOKEN),
               "x-security-token:***|")


def test_tampered_requests_are_rejected(api: Api) -> None:
    assert_401(api.ecs_list({"limit": 2}, edit_url=lambda u: u.replace("limit=2", "limit=3")), "signature fail")
    assert_401(api.ecs_list(edit_url=lambda u: u + "?state=scheduled"), "signature fail")
    cn, ap = api.emu.project_id("cn-north-4"), api.emu.project_id("ap-southeast-1")
    assert_401(api.ecs_list(region="ap-southeast-1", edit_url=lambda u: u.replace(ap, cn)), "signature fail")
    # The canonical URI always ends with '/', so a trailing slash does not change the signature.
    assert api.ecs_list(edit_url=lambda u: u + "/").status_code == 200


def test_tampered_body_is_rejected(emu: Emulator, api: Api) -> None:
    url, headers = sign(
        "PUT", f"{emu.url}/v3/{emu.project_id('cn-north-4')}/instance-scheduled-events/x",
        body=b'{"not_before": "2030-01-01T00:00:00Z"}')
    response = api.session.put(url, headers=headers, data=b'{"not_before": "2031-01-01T00:00:00Z"}')
    assert_401(response, "signature fail")


def test_unknown_access_key(api: Api) -> None:
    assert_401(api.ecs_list(ak="UNKNOWNAK00000000000", sk="x"), "Get secretKey failed")


@pytest.mark.parametrize("minutes,status", [(-14, 200), (14, 200), (-16, 401), (16, 401)])
def test_clock_skew_limit_is_15_minutes(api: Api, minutes: int, status: int) -> None:
    response = api.ecs_list(date=datetime.now(timezone.utc) + timedelta(minutes=minutes))
    assert response.status_code == status
    if status == 401:
        assert_401(response, "X-Sdk-Date")


def test_clock_skew_limit_is_configurable(emu: Emulator, api: Api) -> None:
    emu.max_skew = 60
    assert_401(api.ecs_list(date=datetime.now(timezone.utc) - timedelta(minutes=2)), "limit 60 s")


def test_iam_token(api: Api) -> None:
    url = f"{api.emu.url}/v3/{api.emu.project_id('cn-north-4')}/instance-scheduled-events"
    assert api.session.get(url, headers={"X-Auth-Token": credentials.IAM_TOKEN}).status_code == 200
    assert_401(api.session.get(url, headers={"X-Auth-Token": "forged"}), "decrypt token fail")
    assert_401(api.session.get(url), "neither an AK/SK signature")
    assert_401(api.session.get(url, headers={"Authorization": "Basic dXNlcjpwYXNz"}), "malformed")


def test_other_algorithms_are_rejected(api: Api) -> None:
    url = f"{api.emu.url}/v3/{api.emu.project_id('cn-north-4')}/instance-scheduled-events"
    header = f"SDK-HMAC-SM3 Access={credentials.AK}, SignedHeaders=host;x-sdk-date, Signature={'0' * 64}"
    assert_401(api.session.get(url, headers={"Authorization": header, "X-Sdk-Date": "20250101T000000Z"}),
               "unsupported signing algorithm")


def test_received_query_order_is_a_fallback(api: Api) -> None:
    """The SDK sorts integer values numerically (9 < 10), so 'j=9&j=10' is what it signs."""
    response = api.ecs_list([("j", [9, 10])])
    assert "j=9&j=10" in response.url
    assert response.status_code == 200


def test_plus_as_an_encoded_space(api: Api) -> None:
    response = api.ecs_list({"note": "a b"}, edit_url=lambda u: u.replace("note=a%20b", "note=a+b"))
    assert "note=a+b" in response.url and response.status_code == 200


def test_unknown_route_and_method(api: Api) -> None:
    events = f"/v3/{api.emu.project_id('cn-north-4')}/instance-scheduled-events"
    for response in (api.session.get(api.emu.url + "/v2/servers"),
                     api.session.delete(api.emu.url + events),
                     api.call("GET", f"{events}/x")):
        assert response.status_code == 404
        assert response.json()["error_code"] == "APIGW.0101"
        assert response.json()["request_id"] == response.headers["X-Request-Id"]


def test_unknown_project(api: Api) -> None:
    response = api.call("GET", "/v3/ffffffffffffffffffffffffffffffff/instance-scheduled-events")
    assert response.status_code == 403 and response.json()["error_code"] == "APIGW.0310"
    response = api.call("GET", "/v1/ffffffffffffffffffffffffffffffff/scheduled-events")
    assert response.status_code == 403 and request_id_headers(response) == ["X-request-id"]


def test_modelarts_gateway_errors_use_its_header_spelling(api: Api) -> None:
    response = api.modelarts("GET", sk="wrong")
    assert response.status_code == 401 and request_id_headers(response) == ["X-request-id"]


def test_signed_requests_can_be_listed_by_id(api: Api) -> None:
    assert ids(api.ecs_list({"id": "0ead944a-72e8-494f-89ba-5846fb7ac5c0"})) == ["0ead944a-72e8-494f-89ba-5846fb7ac5c0"]


# ---------------------------------------------------------------------- property
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=150, deadline=None)
@given(query=st.dictionaries(_TEXT.filter(bool), st.one_of(_TEXT, st.lists(_TEXT, min_size=1, max_size=3)),
                             max_size=5),
       body=st.binary(max_size=64), method=st.sampled_from(["GET", "PUT", "POST"]))
def test_any_sdk_signed_request_verifies(query: dict[str, object], body: bytes, method: str) -> None:
    """Whatever the SDK signer signs (any text, encoding, list), the verifier accepts; a changed
    body is refused."""
    now = datetime.now(timezone.utc)
    url, headers = sign(method, "http://127.0.0.1:8080/v3/p/instance-scheduled-events",
                        query=list(query.items()), body=body, ak=VECTOR_AK, sk=VECTOR_SK)
    target = url.removeprefix("http://127.0.0.1:8080")
    auth = authenticator(VECTOR_AK, VECTOR_SK, now)
    assert auth.authenticate(vector_request(method, target, headers, body)).access_key == VECTOR_AK
    with pytest.raises(AuthError):
        auth.authenticate(vector_request(method, target, headers, body + b"!"))
