"""Request/response value types shared by the gateway and the service handlers."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional, Protocol
from urllib.parse import unquote_plus

JSON_TYPE = "application/json;charset=UTF-8"


class Headers(Protocol):
    """Case-insensitive received headers (http.server's Message, or any such mapping)."""

    def get(self, name: str, default: None = None, /) -> Optional[str]: ...

    def __getitem__(self, name: str, /) -> Optional[str]: ...


class ApiError(Exception):
    """A service-level error; the route's service decides the body shape."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class ApiRequest:
    method: str
    path: str                          # raw path, without the query
    raw_query: str                     # raw query string, as received
    headers: Headers
    body: bytes
    request_id: str
    params: dict[str, str] = field(default_factory=dict)   # path parameters of the route
    client_host: str = "127.0.0.1"

    @property
    def query(self) -> list[tuple[str, str]]:
        """Decoded (key, value) pairs in received order (``+`` decodes to a space)."""
        return parse_query(self.raw_query)

    def values(self, key: str) -> list[str]:
        """All values of a list parameter: repeated keys, comma-joined values or a mix."""
        return [part for k, v in self.query if k == key for part in v.split(",") if part]

    def single(self, key: str) -> Optional[str]:
        """The first value of a scalar parameter, or None when absent."""
        return next((v for k, v in self.query if k == key), None)

    def json_body(self) -> Any:
        """The body as JSON; an empty body gives None; raises ValueError when malformed."""
        if not self.body.strip():
            return None
        return json.loads(self.body.decode("utf-8"))


@dataclass
class ApiResponse:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, headers: Optional[dict[str, str]] = None) -> "ApiResponse":
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return cls(status, body, {"Content-Type": JSON_TYPE, **(headers or {})})

    @classmethod
    def empty(cls, status: int = 204) -> "ApiResponse":
        return cls(status)


def parse_query(raw_query: str) -> list[tuple[str, str]]:
    pairs = []
    for part in raw_query.split("&"):
        if not part:
            continue
        key, value = part.partition("=")[::2]
        pairs.append((unquote_plus(key), unquote_plus(value)))
    return pairs
