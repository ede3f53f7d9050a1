"""API Gateway authentication: IAM token or AK/SK (SDK-HMAC-SHA256).

Signatures are verified with huaweicloudsdkcore's own ``Signer``: the received request
is rebuilt as an SDK request (method, path, query, the headers named in SignedHeaders,
the received X-Sdk-Date and the raw body), signed with the secret key of the received
AK, and the resulting Authorization header is compared in constant time.
"""
from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterator, Mapping, Optional
from urllib.parse import unquote, unquote_plus

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from .credentials import ACCESS_KEYS, IAM_TOKENS, AccessKey
from .wire import ApiRequest

ALGORITHM = "SDK-HMAC-SHA256"
DEFAULT_MAX_SKEW = 15 * 60.0
_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_AUTHORIZATION = re.compile(
    r"^\s*(?P<algorithm>\S+)\s+Access=(?P<ak>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<signature>[0-9A-Fa-f]+)\s*$")
_SECRET_HEADERS = ("x-security-token", "x-auth-token")


class AuthError(Exception):
    """Authentication failed; the message is safe to return (it never holds a secret)."""


@dataclass(frozen=True)
class Principal:
    method: str                        # "aksk" or "token"
    access_key: Optional[str] = None


class _ReceivedOrderSigner(Signer):  # type: ignore[misc]  # the SDK is untyped
    """The SDK signer, except that the canonical query keeps the received parameter order.

    Used only as a fallback (reference §9.4): the SDK sorts on raw values, so a client that
    sorted differently (e.g. numbers) sends its canonical order on the wire.
    """

    @classmethod
    def _process_canonical_query_string(cls, request: SdkRequest) -> str:
        return "&".join(f"{cls._url_encode(k)}={cls._url_encode(str(v))}"
                        for k, v in request.query_params)


@dataclass(frozen=True)
class _Authorization:
    algorithm: str
    access_key: str
    signed_headers: tuple[str, ...]
    signature: str

    @classmethod
    def parse(cls, header: str) -> "_Authorization":
        match = _AUTHORIZATION.match(header)
        if not match:
            raise AuthError("the Authorization header is malformed (expected 'SDK-HMAC-SHA256 "
                            "Access=..., SignedHeaders=..., Signature=...')")
        return cls(match["algorithm"], match["ak"], tuple(match["signed"].lower().split(";")),
                   match["signature"].lower())

    def header(self) -> str:
        """The header in the SDK's exact format."""
        return (f"{self.algorithm} Access={self.access_key}, "
                f"SignedHeaders={';'.join(self.signed_headers)}, Signature={self.signature}")


class Authenticator:
    def __init__(self, access_keys: Optional[Mapping[str, AccessKey]] = None,
                 tokens: frozenset[str] = IAM_TOKENS, max_skew: float = DEFAULT_MAX_SKEW,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.access_keys = ACCESS_KEYS if access_keys is None else access_keys
        self.tokens = tokens
        self.max_skew, self.clock = max_skew, clock

    def authenticate(self, req: ApiRequest) -> Principal:
        authorization = req.headers.get("Authorization")
        if authorization:
            return self._verify_signature(req, authorization)
        token = req.headers.get("X-Auth-Token")
        if token:
            if token.strip() not in self.tokens:
                raise AuthError("decrypt token fail")
            return Principal("token")
        raise AuthError("the request carries neither an AK/SK signature (Authorization) "
                        "nor an IAM token (X-Auth-Token)")

    # ------------------------------------------------------------------ AK/SK
    def _verify_signature(self, req: ApiRequest, header: str) -> Principal:
        auth = _Authorization.parse(header)
        if auth.algorithm != ALGORITHM:
            raise AuthError(f"unsupported signing algorithm {auth.algorithm!r} (expected {ALGORITHM})")
        key = self.access_keys.get(auth.access_key)
        if key is None:
            raise AuthError("Get secretKey failed: unknown access key")
        self._check_security_token(req, key)
        self._check_date(req, auth)
        missing = [name for name in auth.signed_headers if req.headers.get(name) is None]
        if missing:
            raise AuthError(f"signed header(s) missing from the request: {', '.join(missing)}")
        received = auth.header()
        for signer_class, pairs in self._candidates(req):
            signed = signer_class(BasicCredentials(key.ak, key.sk)).sign(
                self._sdk_request(req, auth.signed_headers, pairs))
            if hmac.compare_digest(signed.header_params["Authorization"], received):
                return Principal("aksk", key.ak)
        raise AuthError("verify aksk signature fail,canonicalRequest:"
                        + self._canonical_request(req, auth, key).replace("\n", "|"))

    @staticmethod
    def _check_security_token(req: ApiRequest, key: AccessKey) -> None:
        if key.security_token is None:
            return
        sent = req.headers.get("X-Security-Token")
        if not sent or not hmac.compare_digest(sent.strip(), key.security_token):
            raise AuthError("a temporary access key requires a valid X-Security-Token header")

    def _check_date(self, req: ApiRequest, auth: _Authorization) -> None:
        if "x-sdk-date" not in auth.signed_headers:
            raise AuthError("x-sdk-date must be a signed header")
        raw = (req.headers.get("X-Sdk-Date") or "").strip()
        try:
            sent = datetime.strptime(raw, _DATE_FORMAT).replace(tzinfo=timezone.utc)
        except ValueError:
            raise AuthError(f"invalid X-Sdk-Date {raw!r} (expected yyyyMMddTHHmmssZ)") from None
        skew = abs((self.clock() - sent).total_seconds())
        if skew > self.max_skew:
            raise AuthError(f"verify aksk signature fail, the request date X-Sdk-Date {raw} is "
                            f"{int(skew)} s away from the server time (limit {int(self.max_skew)} s)")

    @staticmethod
    def _candidates(req: ApiRequest) -> Iterator[tuple[type[Signer], list[tuple[str, str]]]]:
        """(signer, query pairs) to try: SDK order first, then the received order; ``+``
        is tried as a literal plus and, if present, as an encoded space."""
        decoders = [unquote] + ([unquote_plus] if "+" in req.raw_query else [])
        for decode in decoders:
            pairs = _query_pairs(req.raw_query, decode)
            yield Signer, pairs
            yield _ReceivedOrderSigner, pairs

    @staticmethod
    def _sdk_request(req: ApiRequest, names: tuple[str, ...], pairs: list[tuple[str, str]]) -> SdkRequest:
        headers = {name: _header_value(req.headers.get(name) or "") for name in names}
        return SdkRequest(method=req.method, schema="http", host=req.headers.get("Host") or "",
                          resource_path=req.path, query_params=list(pairs),
                          header_params=headers, body=req.body)

    def _canonical_request(self, req: ApiRequest, auth: _Authorization, key: AccessKey) -> str:
        """The SDK's canonical request for this request, with token values redacted."""
        sdk_request = self._sdk_request(req, auth.signed_headers, _query_pairs(req.raw_query, unquote))
        for name in sdk_request.header_params:
            if name in _SECRET_HEADERS:
                sdk_request.header_params[name] = "***"
        signer = Signer(BasicCredentials(key.ak, key.sk))
        return str(signer._process_canonical_request(  # noqa: SLF001 - the SDK's own canonicaliser
            sdk_request, signer._process_signed_headers(sdk_request)))  # noqa: SLF001


def _query_pairs(raw_query: str, decode: Callable[[str], str]) -> list[tuple[str, str]]:
    pairs = []
    for part in raw_query.split("&"):
        if part:
            key, value = part.partition("=")[::2]
            pairs.append((decode(key), decode(value)))
    return pairs


def _header_value(value: str) -> str:
    """Undo http.server's latin-1 decoding of header bytes (the SDK sends UTF-8)."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value
