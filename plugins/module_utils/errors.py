# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One exception hierarchy for the collection.

Every front door (module, inventory plugin, EDA source) translates these in exactly one place.
Messages never carry credentials: only options, values, HTTP status, error code and request id.
"""

from __future__ import annotations


class HwcloudError(Exception):
    """Base class of every error raised by the collection's shared code."""

    def result(self):
        """Extra keys for the failed module result."""
        return {}


class OptionError(HwcloudError):
    """An option has a value that is not allowed."""

    def __init__(self, option, value=None, allowed=None, reason=None):
        self.option = option
        self.value = value
        self.allowed = list(allowed) if allowed is not None else None
        self.reason = reason
        super().__init__(self._message())

    def _message(self):
        msg = "Invalid value %r for option '%s'" % (self.value, self.option) if self.value is not None \
            else "Option '%s' is invalid" % self.option
        if self.reason:
            msg += ": %s" % self.reason
        if self.allowed:
            msg += "; allowed values: %s" % ", ".join(str(a) for a in self.allowed)
        return msg


class ApiError(HwcloudError):
    """A call to a Huawei Cloud API failed, or answered something that cannot be used.

    ``status`` is the HTTP status (None when no response arrived), ``code`` the service or gateway error code,
    ``request_id`` the ``X-Request-Id`` of the response (when there was one).
    """

    def __init__(self, message, status=None, code=None, request_id=None, method=None, url=None, service=None,
                 retryable=False):
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.method = method
        self.url = url
        self.service = service
        self.retryable = retryable
        super().__init__(self._message())

    def _message(self):
        parts = []
        if self.method and self.url:
            parts.append("%s %s" % (self.method, self.url))
        parts.append("HTTP %s" % self.status if self.status is not None else "no response")
        if self.code:
            parts.append("error code %s" % self.code)
        parts.append("request id %s" % (self.request_id or "none"))
        return "%s (%s)" % (self.message, ", ".join(parts))

    def to_dict(self):
        """The error as plain data, for results (``targets[].error``) and EDA events."""
        return {
            "msg": str(self),
            "message": self.message,
            "status": self.status,
            "code": self.code,
            "request_id": self.request_id,
            "service": self.service,
        }
