# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two scheduled-event services (ECS, ModelArts) and IAM project lookup: paths, paging, parsing.

Each ``list_events`` call walks one sequential page chain and returns every page's events, normalised, or
raises :class:`ApiError`: a partial listing is never returned as if it were complete.
"""

from __future__ import annotations

from ansible_collections.hwcloud.maintenance.plugins.module_utils.client import path
from ansible_collections.hwcloud.maintenance.plugins.module_utils.errors import ApiError
from ansible_collections.hwcloud.maintenance.plugins.module_utils.models import (
    EcsEventList, IamProjectList, ModelArtsEventList, ValidationError, normalise_ecs, normalise_modelarts,
    validation_summary,
)

PAGE_SIZE = 100
MAX_PAGES = 100000


class Chain(object):
    """What one sequential page chain produced: events, the request ids of its pages, the page count."""

    def __init__(self):
        self.events = []
        self.request_ids = []
        self.pages = 0

    def add_page(self, response):
        self.pages += 1
        if response.request_id:
            self.request_ids.append(response.request_id)


def _parse(model, response, what, method, url, service):
    """Validate a response body with ``model``; an unusable body is an ApiError with status and request id."""
    try:
        return model.model_validate(response.data if response.data is not None else {})
    except (ValidationError, ValueError, TypeError) as exc:
        summary = validation_summary(exc)
        raise ApiError("malformed %s: %s" % (what, summary), status=response.status,
                       request_id=response.request_id, method=method, url=url, service=service)


def _normalise_all(normalise, items, response, method, url, service, *args):
    out = []
    for raw in items:
        try:
            out.append(normalise(raw, *args))
        except (ValidationError, ValueError, TypeError) as exc:
            summary = validation_summary(exc)
            event_id = raw.get("id") if isinstance(raw, dict) else None
            raise ApiError("malformed event %s: %s" % (event_id or "(no id)", summary), status=response.status,
                           request_id=response.request_id, method=method, url=url, service=service)
    return out


class EcsService(object):
    """``/v3/{project_id}/instance-scheduled-events`` (list, update, accept)."""

    name = "ecs"
    LIST = "/v3/{project_id}/instance-scheduled-events"
    ONE = "/v3/{project_id}/instance-scheduled-events/{event_id}"
    ACCEPT = "/v3/{project_id}/instance-scheduled-events/{event_id}/actions/accept"

    @staticmethod
    def list_params(query):
        """Server-side filters for an :class:`EventQuery` (the client filters again afterwards)."""
        params = {
            "state": list(query.states) or None,
            "type": list(query.types) or None,
            "instance_id": list(query.instance_ids) or None,
            "id": query.event_ids[0] if len(query.event_ids) == 1 else None,
            "publish_since": query.published_after_text,
            "publish_until": query.published_before_text,
        }
        return dict((k, v) for k, v in params.items() if v)

    def list_events(self, client, endpoint, region, project_id, params, page_size=PAGE_SIZE, workspace_id=None):
        url_path = path(self.LIST, project_id=project_id)
        chain = Chain()
        seen_markers = set()
        marker = None
        while True:
            page_params = dict(params, limit=page_size)
            if marker:
                page_params["marker"] = marker
            response = client.request("GET", endpoint, url_path, params=page_params, project_id=project_id,
                                      service=self.name)
            chain.add_page(response)
            page = _parse(EcsEventList, response, "ECS event list", "GET", endpoint + url_path, self.name)
            chain.events.extend(_normalise_all(normalise_ecs, page.events, response, "GET", endpoint + url_path,
                                               self.name, region, project_id))
            next_marker = page.page_info.next_marker if page.page_info else None
            if not page.events or not next_marker:
                return chain
            if next_marker in seen_markers or next_marker == marker or chain.pages >= MAX_PAGES:
                raise ApiError("paging loop: the service returned next_marker %r again after %d pages; the "
                               "listing is incomplete" % (next_marker, chain.pages), status=response.status,
                               request_id=response.request_id, method="GET", url=endpoint + url_path,
                               service=self.name)
            seen_markers.add(next_marker)
            marker = next_marker

    def accept(self, client, endpoint, project_id, event_id, not_before=None, workspace_id=None):
        body = {"not_before": not_before} if not_before else {}
        return client.request("POST", endpoint, path(self.ACCEPT, project_id=project_id, event_id=event_id),
                              body=body, project_id=project_id, service=self.name, expect_json=False)

    def reschedule(self, client, endpoint, project_id, event_id, not_before, workspace_id=None):
        return client.request("PUT", endpoint, path(self.ONE, project_id=project_id, event_id=event_id),
                              body={"not_before": not_before}, project_id=project_id, service=self.name,
                              expect_json=False)


class ModelArtsService(object):
    """``/v1/{project_id}/scheduled-events`` (list, accept)."""

    name = "modelarts"
    LIST = "/v1/{project_id}/scheduled-events"
    ACCEPT = "/v1/{project_id}/scheduled-events/{event_id}/accept"

    @staticmethod
    def list_params(query):
        params = {
            "workspaceId": query.workspace_id,
            "state": list(query.states) or None,
            "type": list(query.types) or None,
            "id": query.event_ids[0] if len(query.event_ids) == 1 else None,
            "nodeName": query.node_names[0] if len(query.node_names) == 1 else None,
            "poolName": query.pool_names[0] if len(query.pool_names) == 1 else None,
            "publishStartTime": query.published_after_text,
            "publishEndTime": query.published_before_text,
        }
        return dict((k, v) for k, v in params.items() if v)

    def list_events(self, client, endpoint, region, project_id, params, page_size=PAGE_SIZE, workspace_id=None):
        url_path = path(self.LIST, project_id=project_id)
        workspace_id = params.get("workspaceId", workspace_id or "0")
        chain = Chain()
        offset = 0
        while True:
            response = client.request("GET", endpoint, url_path, params=dict(params, offset=offset, limit=page_size),
                                      project_id=project_id, service=self.name)
            chain.add_page(response)
            page = _parse(ModelArtsEventList, response, "ModelArts event list", "GET", endpoint + url_path,
                          self.name)
            chain.events.extend(_normalise_all(normalise_modelarts, page.events, response, "GET",
                                               endpoint + url_path, self.name, region, project_id, workspace_id))
            offset += len(page.events)
            if len(page.events) < page_size or (page.count is not None and offset >= page.count):
                if page.count is not None and offset < page.count:
                    raise ApiError("short listing: the service reported %d events but returned %d" % (
                        page.count, offset), status=response.status, request_id=response.request_id,
                        method="GET", url=endpoint + url_path, service=self.name)
                return chain
            if chain.pages >= MAX_PAGES:
                raise ApiError("paging did not end after %d pages" % chain.pages, status=response.status,
                               request_id=response.request_id, method="GET", url=endpoint + url_path,
                               service=self.name)

    def accept(self, client, endpoint, project_id, event_id, not_before=None, workspace_id=None,
               redeploy_config=None):
        body = {}
        if not_before:
            body["notBefore"] = not_before
        if redeploy_config:
            body["redeployConfig"] = redeploy_config
        return client.request("POST", endpoint, path(self.ACCEPT, project_id=project_id, event_id=event_id),
                              params={"workspaceId": workspace_id or "0"}, body=body, project_id=project_id,
                              service=self.name, expect_json=False)


SERVICE_IMPLS = {"ecs": EcsService(), "modelarts": ModelArtsService()}


def resolve_project_id(client, iam_endpoint, region):
    """The project id named after ``region`` (``GET /v3/projects?name=<region>``), as Huawei's SDK does."""
    url_path = "/v3/projects"
    response = client.request("GET", iam_endpoint, url_path, params={"name": region}, service="iam")
    projects = _parse(IamProjectList, response, "IAM project list", "GET", iam_endpoint + url_path, "iam").projects
    matching = [p for p in projects if p.name in (None, region)]
    if len(matching) != 1:
        raise ApiError("IAM returned %d projects named %r; set project_id or project_ids for this region"
                       % (len(matching), region), status=response.status, request_id=response.request_id,
                       method="GET", url=iam_endpoint + url_path, service="iam")
    return matching[0].id
