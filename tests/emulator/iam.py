"""IAM: the project list the SDK uses to resolve a region's project id."""
from __future__ import annotations

from .credentials import DOMAIN_ID
from .store import EventStore
from .wire import ApiRequest, ApiResponse


def list_projects(store: EventStore, req: ApiRequest) -> ApiResponse:
    name = req.single("name")
    projects = [
        {"id": pid, "name": region, "domain_id": DOMAIN_ID, "enabled": True, "is_domain": False,
         "parent_id": DOMAIN_ID, "description": "", "links": {"self": f"/v3/projects/{pid}"}}
        for region, pid in sorted(store.regions().items()) if name in (None, region)
    ]
    return ApiResponse.json(200, {"projects": projects,
                                  "links": {"self": "/v3/projects", "previous": None, "next": None}})
