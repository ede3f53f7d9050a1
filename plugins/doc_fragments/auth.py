# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # Credentials, regions, endpoints, TLS and retries: shared by every module and plugin of the collection.
    DOCUMENTATION = r"""
options:
  access_key:
    description:
      - Huawei Cloud access key ID (AK) used to sign requests (SDK-HMAC-SHA256).
      - When not set, the environment variables E(HUAWEICLOUD_SDK_AK) and then E(HW_ACCESS_KEY) are read.
    type: str
    aliases: [ak]
  secret_key:
    description:
      - Secret access key (SK) that belongs to O(access_key). Never shown in output or logs.
      - When not set, the environment variables E(HUAWEICLOUD_SDK_SK) and then E(HW_SECRET_KEY) are read.
    type: str
    aliases: [sk]
  security_token:
    description:
      - Security token of temporary AK/SK credentials; sent as C(X-Security-Token) and signed.
      - When not set, E(HUAWEICLOUD_SDK_SECURITY_TOKEN) and then E(HW_SECURITY_TOKEN) are read.
    type: str
  auth_token:
    description:
      - An IAM token, sent as C(X-Auth-Token) instead of signing requests. Used only when no AK/SK is given.
      - When not set, the environment variable E(HW_AUTH_TOKEN) is read.
    type: str
  regions:
    description:
      - Regions to read, for example V(cn-north-4). One target is read per region and service.
      - When not set, the environment variable E(HW_REGION_NAME) is read.
    type: list
    elements: str
    aliases: [region]
  project_id:
    description:
      - Project ID to use when exactly one region is given.
      - When neither this nor O(project_ids) names a region's project, it is looked up in IAM
        (C(GET /v3/projects?name=<region>)), as Huawei's SDK does.
      - When not set, E(HUAWEICLOUD_SDK_PROJECT_ID) and then E(HW_PROJECT_ID) are read.
    type: str
  project_ids:
    description:
      - Project ID per region, as a dictionary of region name to project ID. Regions not listed are looked up in IAM.
    type: dict
  endpoints:
    description:
      - Endpoint URL per service, overriding the public defaults C(https://ecs.{region}.myhuaweicloud.com),
        C(https://modelarts.{region}.myhuaweicloud.com) and C(https://iam.{region}.myhuaweicloud.com).
      - Keys are V(ecs), V(modelarts) and V(iam); values are http(s) URLs that may contain C({region}).
      - Without this option, Huawei's SDK environment overrides are honoured
        (E(HUAWEICLOUD_SDK_REGION_ECS_CN_NORTH_4) and so on, and E(HUAWEICLOUD_SDK_IAM_ENDPOINT)).
    type: dict
  validate_certs:
    description:
      - Verify TLS certificates. Only turn this off against a test endpoint you trust.
    type: bool
    default: true
  ca_path:
    description:
      - A CA bundle (PEM file) to verify TLS certificates with, for private clouds and proxies.
    type: path
  timeout:
    description:
      - Seconds to wait for one HTTP response (from 0.1 to 600).
    type: float
    default: 30.0
  retries:
    description:
      - How many times a request is retried after HTTP 429, 500, 502, 503, 504 or a connection failure
        (from 0 to 20), with exponential backoff, full jitter and C(Retry-After) honoured.
    type: int
    default: 4
  retry_deadline:
    description:
      - Seconds after which no further retry of one request is started, whatever O(retries) allows
        (from 0.1 to 3600).
    type: float
    default: 120.0
  max_workers:
    description:
      - How many targets (region x project x service) are read at the same time (from 1 to 64).
    type: int
    default: 8
notes:
  - Requires the Python libraries C(requests) and C(pydantic) on the host that runs the code (usually the controller).
"""
