"""The ``/api/v1`` router: only collects the domain routers."""

from __future__ import annotations

from fastapi import APIRouter

from backend.accounts.routes import router as accounts_router
from backend.assignments.routes import router as assignments_router
from backend.consensus.routes import router as consensus_router
from backend.exports.routes import router as exports_router
from backend.items.routes import router as items_router
from backend.orgs.routes import router as orgs_router
from backend.projects.routes import router as projects_router

api_router = APIRouter(prefix="/api/v1")
for router in (accounts_router, orgs_router, projects_router, assignments_router, items_router):
    api_router.include_router(router)
api_router.include_router(consensus_router)
api_router.include_router(exports_router)
