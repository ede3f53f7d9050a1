# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Glue shared by the collection's modules: dependency checks, connection set-up, error translation."""

from __future__ import annotations

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.hwcloud.maintenance.plugins.module_utils import client as client_mod
from ansible_collections.hwcloud.maintenance.plugins.module_utils import models
from ansible_collections.hwcloud.maintenance.plugins.module_utils.auth import Credentials
from ansible_collections.hwcloud.maintenance.plugins.module_utils.errors import ApiError, HwcloudError, OptionError
from ansible_collections.hwcloud.maintenance.plugins.module_utils.fleet import make_client
from ansible_collections.hwcloud.maintenance.plugins.module_utils.query import Settings


def check_libraries(module):
    if not client_mod.HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=client_mod.REQUESTS_IMPORT_ERROR)
    if not models.HAS_PYDANTIC:
        module.fail_json(msg=missing_required_lib("pydantic"), exception=models.PYDANTIC_IMPORT_ERROR)


def connect(module):
    """Credentials, settings and a client from the module's parameters. Raises OptionError."""
    credentials = Credentials.resolve(module.params)
    module.no_log_values.update(credentials.secrets())
    settings = Settings.from_options(module.params)
    if not settings.validate_certs:
        module.warn("validate_certs is false: TLS certificates are not verified")
    return credentials, settings, make_client(credentials, settings)


def call(module, function, *args, **kwargs):
    """``function(*args, **kwargs)``, or fail the module with a clear message on an error of the collection.

    The module fails after the ``except`` block, not in it: before 2.19, ansible-core adds the traceback of the
    exception being handled to ``fail_json`` at -vvv, and bad input or an API error is not a crash.
    """
    try:
        return function(*args, **kwargs)
    except HwcloudError as exc:
        error = exc
    fail(module, error, **error.result())
    return None  # not reached: fail_json exits


def fail(module, exc, **result):
    """Fail the module with a clear message for any error of the collection."""
    if isinstance(exc, OptionError):
        module.fail_json(msg=str(exc), option=exc.option, allowed=exc.allowed, **result)
    if isinstance(exc, ApiError):
        module.fail_json(msg=str(exc), error=exc.to_dict(), **result)
    module.fail_json(msg=str(exc), **result)
