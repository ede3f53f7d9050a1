"""Helpers for the emulator tests: a signing HTTP client and small assertions."""
from __future__ import annotations

import json
from typing import Any, Optional, Union

import requests

from emulator import Emulator
from emulator.signing import Query, sign

CN, AP = "cn-north-4", "ap-southeast-1"

# Demo fleet (tests/emulator/fleets/demo.yml), ECS events of cn-north-4 in listing order.
ECS_COMPLETED = "9e4b1f73-2a6c-4d85-b8f0-5c3e7a1d9b62"      # instance-migrate, publish -4d
ECS_CANCELED = "d28f6a4c-5e1b-4a97-8c3d-0f7e2b9a6d15"       # instance-stop, -3d
ECS_EXECUTING = "5c2e8a17-d93b-4f60-a1e4-7b9d3c5f8e21"      # localdisk-recovery, -2d
ECS_EXAMPLE = "0ead944a-72e8-494f-89ba-5846fb7ac5c0"        # the API document's event, scheduled, -1d
ECS_REBOOT = "a71d5e92-4c08-4b3f-9e6a-2d8c1f7b5e40"         # instance-reboot, scheduled, -1d
ECS_INQUIRING = "3f6c2b8e-91d4-4e7a-b0c5-7a2e4d19f6b3"      # system-maintenance, inquiring, -2h
ECS_CN_ORDER = [ECS_COMPLETED, ECS_CANCELED, ECS_EXECUTING, ECS_EXAMPLE, ECS_REBOOT, ECS_INQUIRING]
ECS_AP_INQUIRING = "2b9d4e7a-6f1c-4a38-95e2-d0c7b3f8a164"   # ap-southeast-1
EXAMPLE_INSTANCE = "c51b9e4f-0469-4c6f-ad03-22b23247b7a8"
REBOOT_INSTANCE = "1e9b7d42-6f3a-4c81-b2d5-8a0e4c6f3b97"

# ModelArts events of cn-north-4, workspace "0", in listing order.
MA_COMPLETED = "c6d1b8e4-9a2f-4e37-a5c0-1f4d7b3e9a82"       # node_reboot, lite-cluster
MA_SCHEDULED = "4a7e2c9f-3b6d-4f18-8e51-c9d0a2b7f364"       # system-maintenance, lite-cluster
MA_INQUIRING = "8f3a6c2d-1e7b-4d95-a0c4-6b2e9f5d3a17"       # node_redeploy, devserver
MA_CN_ORDER = [MA_COMPLETED, MA_SCHEDULED, MA_INQUIRING]


class Api:
    """Real HTTP calls against the emulator, signed with huaweicloudsdkcore's signer."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.session = requests.Session()

    def call(self, method: str, path: str, query: Optional[Query] = None,
             body: Union[None, bytes, dict[str, Any]] = None, *, edit_url: Any = None,
             **sign_options: Any) -> requests.Response:
        payload = json.dumps(body).encode() if isinstance(body, dict) else (body or b"")
        content_type = "application/json;charset=utf-8" if method != "GET" else "application/json"
        url, headers = sign(method, self.emu.url + path, query=query or [], body=payload,
                            content_type=content_type, **sign_options)
        if edit_url is not None:
            url = edit_url(url)
        return self.session.request(method, url, headers=headers, data=payload)

    def ecs(self, method: str, suffix: str = "", region: str = CN, **kwargs: Any) -> requests.Response:
        path = f"/v3/{self.emu.project_id(region)}/instance-scheduled-events{suffix}"
        return self.call(method, path, **kwargs)

    def ecs_list(self, query: Optional[Query] = None, region: str = CN, **kwargs: Any) -> requests.Response:
        return self.ecs("GET", "", region, query=query, **kwargs)

    def modelarts(self, method: str, suffix: str = "", region: str = CN, **kwargs: Any) -> requests.Response:
        path = f"/v1/{self.emu.project_id(region)}/scheduled-events{suffix}"
        return self.call(method, path, **kwargs)

    def control(self, method: str, path: str, body: Any = None) -> requests.Response:
        return self.session.request(method, f"{self.emu.url}/_emulator/{path}",
                                    json=body if body is not None else None)


def ids(response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [e["id"] for e in response.json()["events"]]


def request_id_headers(response: requests.Response) -> list[str]:
    """Names of the request id headers exactly as sent (case preserved)."""
    return [name for name in response.raw.headers.keys() if name.lower() == "x-request-id"]
