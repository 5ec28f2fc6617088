"""The ``/api/v1`` routes: only collects the domain routers."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from backend.accounts.routes import router as accounts_router
from backend.assignments.routes import router as assignments_router
from backend.bounded_ids import check_path_ids
from backend.consensus.routes import router as consensus_router
from backend.corrections.routes import router as corrections_router
from backend.datamanager.routes import router as datamanager_router
from backend.errors import COMMON_ERROR_RESPONSES
from backend.exports.routes import router as exports_router
from backend.invites.routes import router as invites_router
from backend.items.reference_routes import router as item_references_router
from backend.items.routes import router as items_router
from backend.labels.routes import router as labels_router
from backend.lots.routes import router as lots_router
from backend.models.routes import router as models_router
from backend.orgs.audit_routes import router as audit_router
from backend.orgs.me import router as me_router
from backend.orgs.routes import router as orgs_router
from backend.orgs.team_routes import router as teams_router
from backend.pay.routes import router as pay_router
from backend.projects.access_routes import router as project_access_router
from backend.projects.kind_routes import router as kinds_router
from backend.projects.routes import router as projects_router
from backend.review.routes import router as review_router

# The domain routers, in the order FastAPI tries them: route by route, stopping at the first full
# match. The distribution routes (next, submit: most of the traffic) go first, then review's (its
# next and submit: the reviewers' traffic). (Measured in process: 2% of the API's CPU per next +
# submit cycle; review's router last cost a review cycle more: tests/benchmarks/results/review.md.)
DOMAIN_ROUTERS: tuple[APIRouter, ...] = (
    assignments_router,
    review_router,
    me_router,
    accounts_router,
    orgs_router,
    teams_router,
    audit_router,
    invites_router,
    projects_router,
    project_access_router,
    items_router,
    datamanager_router,
    item_references_router,
    consensus_router,
    exports_router,
    kinds_router,
    labels_router,
    corrections_router,
    lots_router,
    pay_router,
    models_router,
)


def include_api(app: FastAPI) -> None:
    """Every domain router straight into the app under ``/api/v1``, not through one ``/api/v1``
    router included in turn: FastAPI (0.165) re-checks on every request, each time it enters an
    included router, whether any router below it changed, by walking all their routes; one
    level instead of two walks a domain router's dozen routes instead of all ~130, four times a
    request."""
    for router in DOMAIN_ROUTERS:
        app.include_router(
            router,
            prefix="/api/v1",
            responses=COMMON_ERROR_RESPONSES,
            # a number no row can have: 422, never a 500
            dependencies=[Depends(check_path_ids)],
        )
