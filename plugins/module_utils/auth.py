# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credentials and the SDK-HMAC-SHA256 request signer (Huawei Cloud API Gateway).

The signer follows Huawei's API request signing guide; ``tests/unit/test_signer_oracle.py`` proves that it
produces the same ``Authorization`` header as the official ``huaweicloudsdkcore`` signer.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import datetime, timezone
from urllib.parse import quote, unquote

from ansible_collections.hwcloud.maintenance.plugins.module_utils.errors import OptionError

ALGORITHM = "SDK-HMAC-SHA256"
SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()

# Option name -> environment variables read when the option is not set, in order: the names Huawei's SDK
# and CLI read first, then Terraform's provider names.
ENV_FALLBACKS = {
    "access_key": ["HUAWEICLOUD_SDK_AK", "HW_ACCESS_KEY"],
    "secret_key": ["HUAWEICLOUD_SDK_SK", "HW_SECRET_KEY"],
    "security_token": ["HUAWEICLOUD_SDK_SECURITY_TOKEN", "HW_SECURITY_TOKEN"],
    "auth_token": ["HW_AUTH_TOKEN"],
    "regions": ["HW_REGION_NAME"],
    "project_id": ["HUAWEICLOUD_SDK_PROJECT_ID", "HW_PROJECT_ID"],
}


def env_value(option, environ=None):
    """The first non-empty environment variable that stands in for ``option``, or None."""
    environ = os.environ if environ is None else environ
    for name in ENV_FALLBACKS.get(option, ()):
        value = environ.get(name)
        if value:
            return value
    return None


class Credentials(object):
    """AK/SK (optionally temporary, with a security token) or an IAM token.

    ``repr`` never shows a secret, so a credentials object can appear in a traceback without leaking.
    """

    def __init__(self, access_key=None, secret_key=None, security_token=None, auth_token=None):
        self.access_key = access_key or None
        self.secret_key = secret_key or None
        self.security_token = security_token or None
        self.auth_token = auth_token or None

    @property
    def kind(self):
        if self.access_key and self.secret_key:
            return "temporary_aksk" if self.security_token else "aksk"
        return "token" if self.auth_token else "none"

    def secrets(self):
        """Every secret value held, for output scrubbing (``AnsibleModule.no_log_values`` and friends)."""
        return [v for v in (self.secret_key, self.security_token, self.auth_token) if v]

    def __repr__(self):
        return "Credentials(kind=%s)" % self.kind

    @classmethod
    def resolve(cls, options, environ=None):
        """Credentials from options first, then the SDK's and Terraform's environment variables.

        A source is used whole: an access key from the options is never paired with a secret key from the
        environment. Raises :class:`OptionError` when no usable credentials are found.
        """
        def pick(name):
            return options.get(name) or None

        if pick("access_key") or pick("secret_key") or pick("auth_token"):
            creds = cls(pick("access_key"), pick("secret_key"), pick("security_token"), pick("auth_token"))
        else:
            creds = cls(env_value("access_key", environ), env_value("secret_key", environ),
                        env_value("security_token", environ), env_value("auth_token", environ))
        if bool(creds.access_key) != bool(creds.secret_key):
            missing = "secret_key" if creds.access_key else "access_key"
            raise OptionError(missing, reason="access_key and secret_key must be given together "
                                              "(options, or HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK, or "
                                              "HW_ACCESS_KEY/HW_SECRET_KEY)")
        if creds.kind == "none":
            raise OptionError("access_key", reason="no credentials: set access_key and secret_key (or auth_token), "
                                                   "or the environment variables HUAWEICLOUD_SDK_AK and "
                                                   "HUAWEICLOUD_SDK_SK (or HW_ACCESS_KEY and HW_SECRET_KEY)")
        return creds


def url_encode(value):
    """RFC 3986 percent-encoding as the gateway canonicalises it: only ``A-Za-z0-9-_.~`` stay as they are."""
    return quote(value, safe="~")


def canonical_uri(path):
    """Each path segment encoded, always ending with ``/``."""
    uri = "/".join(url_encode(seg) for seg in unquote(path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def _query_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def query_pairs(params):
    """Flatten ``params`` (a dict or a list of pairs; list values become repeated keys) into sorted pairs."""
    items = params.items() if isinstance(params, dict) else params
    pairs = []
    for key, value in items:
        if value is None:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        pairs.extend((str(key), _query_value(v)) for v in values)
    return sorted(pairs)


def canonical_query(params):
    """The canonical query string, which is also the query the client sends."""
    return "&".join("%s=%s" % (url_encode(k), url_encode(v)) for k, v in query_pairs(params))


def sdk_date(now=None):
    now = now or datetime.now(timezone.utc)
    return now.strftime(SDK_DATE_FORMAT)


def sign(method, path, query, headers, body, access_key, secret_key):
    """Sign a request: returns the ``Authorization`` header value.

    ``query`` is the canonical query string (see :func:`canonical_query`); ``headers`` must already hold
    ``X-Sdk-Date`` and ``Host``. Every header whose name has no ``_`` is signed.
    """
    names = sorted({k.lower() for k in headers if "_" not in k})
    lowered = dict((k.lower(), str(v).strip()) for k, v in headers.items())
    canonical_headers = "".join("%s:%s\n" % (name, lowered[name]) for name in names)
    signed_headers = ";".join(names)
    payload_hash = hashlib.sha256(body).hexdigest() if body else EMPTY_BODY_SHA256
    canonical_request = "\n".join([method.upper(), canonical_uri(path), query, canonical_headers,
                                   signed_headers, payload_hash])
    date = next(v for k, v in lowered.items() if k == "x-sdk-date")
    string_to_sign = "\n".join([ALGORITHM, date, hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()])
    signature = hmac.new(secret_key.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return "%s Access=%s, SignedHeaders=%s, Signature=%s" % (ALGORITHM, access_key, signed_headers, signature)


def auth_headers(credentials, method, host, path, query, headers, body, now=None):
    """The headers that authenticate one request (added to ``headers``, which is returned)."""
    headers = dict(headers)
    if credentials.kind == "token":
        headers["X-Auth-Token"] = credentials.auth_token
        return headers
    headers["X-Sdk-Date"] = sdk_date(now)
    headers["Host"] = host
    if credentials.security_token:
        headers["X-Security-Token"] = credentials.security_token
    headers["Authorization"] = sign(method, path, query, headers, body, credentials.access_key,
                                    credentials.secret_key)
    return headers
