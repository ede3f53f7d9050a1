"""Sign requests for the emulator with huaweicloudsdkcore's own signer (test helper)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping, Optional, Sequence, Union
from urllib.parse import parse_qsl, urlsplit

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from .credentials import AK, SK

Query = Union[Mapping[str, Any], Sequence[tuple[str, Any]]]


def sign(method: str, url: str, *, query: Optional[Query] = None, body: Union[bytes, str] = b"",
         headers: Optional[Mapping[str, str]] = None, ak: str = AK, sk: str = SK,
         security_token: Optional[str] = None, date: Optional[datetime] = None,
         content_type: Optional[str] = "application/json") -> tuple[str, dict[str, str]]:
    """Return ``(url, headers)`` to send: the URL carries the SDK's canonical query string.

    ``query`` values may be lists (sent as repeated keys, like the SDK does); without
    ``query`` the URL's own query is used. ``date`` overrides X-Sdk-Date.
    """
    parts = urlsplit(url)
    pairs = list(query.items() if isinstance(query, Mapping) else query or parse_qsl(parts.query))
    all_headers = {"Content-Type": content_type} if content_type else {}
    all_headers.update(headers or {})
    if security_token is not None:
        all_headers["X-Security-Token"] = security_token
    if date is not None:
        all_headers["X-Sdk-Date"] = date.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    request = SdkRequest(method=method.upper(), schema=parts.scheme, host=parts.netloc,
                         resource_path=parts.path or "/", query_params=pairs,
                         header_params=all_headers, body=body.encode() if isinstance(body, str) else body)
    signed = Signer(BasicCredentials(ak, sk)).sign(request)
    return f"{parts.scheme}://{parts.netloc}{signed.uri}", dict(signed.header_params)
