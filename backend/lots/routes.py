"""Lot endpoints (验收): the plan, lots, inspecting their samples, rework and a new round."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response, status
from sqlmodel import select

from backend.accounts.deps import CurrentUser, SessionDep
from backend.assignments.stages import ACCEPTANCE
from backend.errors import conflict, invalid
from backend.lots import inspection, rework, service, switching
from backend.lots.answers import lot_public, sample_answer
from backend.lots.deps import LOT_DECIDERS, LOT_READERS, load_lot
from backend.lots.models import LotSample
from backend.lots.plans import plan_fields, plan_for
from backend.lots.schemas import (
    AcceptanceNext,
    LotCreate,
    LotList,
    LotPublic,
    LotSourceBody,
    LotSourceCount,
    PlanPublic,
    ReworkBody,
    SamplePublic,
    SwitchingPublic,
)
from backend.orgs.models import MANAGERS
from backend.orgs.pseudonyms import shows_people
from backend.pagination import Page
from backend.projects.deps import load_project_access
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["lots"], route_class=TransactionEndingRoute)


@router.get("/acceptance/plan", response_model=PlanPublic)
def acceptance_plan(
    user: CurrentUser,
    lot_size: int = Query(description="items in the lot"),
    level: str = Query(default="II", max_length=8),
    aql: str = Query(default="1.0", max_length=8),
    severity: str = Query(default="normal", max_length=16),
) -> PlanPublic:
    """Anyone signed in: the ISO 2859-1 single sampling plan; 422 ``invalid_plan`` with the
    allowed values for a level, AQL or severity outside the tables."""
    del user
    plan = plan_for(lot_size=lot_size, level=level, aql=aql, severity=severity, where="query")
    return PlanPublic(**plan_fields(plan))


@router.post(
    "/projects/{project_id}/lots", status_code=status.HTTP_201_CREATED, response_model=LotPublic
)
def create_lot(
    project_id: int, body: LotCreate, user: CurrentUser, session: SessionDep
) -> LotPublic:
    """Owners, managers and the client of the project's organization. ``filter`` takes the data
    manager's filters (422 ``unknown_filter`` for any other name); only finished items in no
    open lot go in (409 ``lot_empty`` when none is left)."""
    access = load_project_access(
        session=session, project_id=project_id, user_id=user.id, allowed=LOT_DECIDERS
    )
    _refuse_people_filter(body, access.membership.role)
    lot = service.create_lot(
        session=session,
        project=access.project,
        source=service.LotSource(body.item_ids, body.batch_id, body.all_finished, body.filter),
        aql=body.aql,
        level=body.level,
        actor_id=user.id,
    )
    return lot_public(lot)


@router.post("/projects/{project_id}/lots/count", response_model=LotSourceCount)
def count_lot_source(
    project_id: int, body: LotSourceBody, user: CurrentUser, session: SessionDep
) -> LotSourceCount:
    """Owners, managers and the client (who may make a lot): how many items a lot made now from
    this source would hold, so the new-lot form previews the real plan. Nothing is written; a
    POST because a source may be a ``filter`` object. 0 when nothing is left (where making the
    lot answers 409 ``lot_empty``); 422 ``unknown_filter`` as for making the lot."""
    access = load_project_access(
        session=session, project_id=project_id, user_id=user.id, allowed=LOT_DECIDERS
    )
    _refuse_people_filter(body, access.membership.role)
    source = service.LotSource(body.item_ids, body.batch_id, body.all_finished, body.filter)
    return LotSourceCount(
        count=service.source_size(session=session, project=access.project, source=source)
    )


def _refuse_people_filter(body: LotSourceBody, role: str) -> None:
    """A client sees annotators by pseudonym: a lot selected by an annotator's id, whose items
    then show that pseudonym, would tell who it is (as the data manager's filter would)."""
    if body.filter is not None and "annotator_id" in body.filter and not shows_people(role):
        raise invalid(
            ("filter", "annotator_id"),
            "the client role sees annotators by pseudonym only and cannot select by their id",
            code="filter_not_allowed",
        )


@router.get("/projects/{project_id}/lots", response_model=LotList)
def list_lots(
    project_id: int, user: CurrentUser, session: SessionDep, page: Page = Query()
) -> LotList:
    """Owners, managers, reviewers and the client; newest first, with the switching state."""
    access = load_project_access(
        session=session, project_id=project_id, user_id=user.id, allowed=LOT_READERS
    )
    lots, total = service.list_lots(
        session=session, project_id=access.project.id, offset=page.offset, limit=page.limit
    )
    state = switching.current(session=session, project_id=access.project.id)
    return LotList(
        lots=[lot_public(lot) for lot in lots],
        total=total,
        switching=SwitchingPublic(**state.to_dict()),
    )


@router.get("/lots/{lot_id}", response_model=LotPublic)
def get_lot(lot_id: int, user: CurrentUser, session: SessionDep) -> LotPublic:
    """Owners, managers, reviewers and the client of the lot's organization."""
    found = load_lot(session=session, lot_id=lot_id, user_id=user.id, allowed=LOT_READERS)
    return lot_public(found.lot)


@router.get("/lots/{lot_id}/samples", response_model=list[SamplePublic])
def lot_samples(lot_id: int, user: CurrentUser, session: SessionDep) -> list[SamplePublic]:
    """Owners, managers, reviewers and the client: every sampled item and what was found, by
    round and draw order."""
    found = load_lot(session=session, lot_id=lot_id, user_id=user.id, allowed=LOT_READERS)
    rows = session.exec(
        select(LotSample)
        .where(LotSample.lot_id == found.lot.id)
        .order_by(LotSample.round, LotSample.position)
    ).all()
    return [SamplePublic.model_validate(row, from_attributes=True) for row in rows]


@router.post(
    "/lots/{lot_id}/next",
    response_model=AcceptanceNext,
    responses={204: {"description": "the sample is done (or nothing is left for this caller)"}},
)
def next_sample(lot_id: int, user: CurrentUser, session: SessionDep) -> Response:
    """The client, owners, managers and reviewers: the next sampled item to judge, leased; judged
    with ``POST /reviews/{review_id}/submit``. 204 once the sample is done (or the lot decided)."""
    found = load_lot(session=session, lot_id=lot_id, user_id=user.id, allowed=ACCEPTANCE.roles)
    lease = inspection.next_sample(
        session=session, lot=found.lot, project=found.access.project, user_id=user.id
    )
    if lease is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    answer = sample_answer(session=session, lease=lease, found=found)
    return Response(answer.model_dump_json(), media_type="application/json")


@router.post("/lots/{lot_id}/rework", response_model=LotPublic)
def rework_lot(lot_id: int, body: ReworkBody, user: CurrentUser, session: SessionDep) -> LotPublic:
    """Owners, managers and the client: a rejected lot's items (``all``, or the ``defective``
    ones of the sample) go back for rework with the inspector's reasons and comments; 409
    ``lot_decided`` for an accepted lot, ``lot_not_decided`` while it is inspected."""
    found = load_lot(session=session, lot_id=lot_id, user_id=user.id, allowed=LOT_DECIDERS)
    rework.send_back(session=session, lot=found.lot, scope=body.scope, actor_id=user.id)
    return lot_public(found.lot)


@router.post("/lots/{lot_id}/reinspect", response_model=LotPublic)
def reinspect(lot_id: int, user: CurrentUser, session: SessionDep) -> LotPublic:
    """Owners, managers and the client: a rejected lot whose reworked items are finished again
    is inspected again on a fresh sample (409 ``lot_decided``, ``lot_not_ready``)."""
    found = load_lot(session=session, lot_id=lot_id, user_id=user.id, allowed=LOT_DECIDERS)
    return lot_public(service.reinspect(session=session, lot=found.lot, actor_id=user.id))


@router.post("/projects/{project_id}/acceptance/resume", response_model=SwitchingPublic)
def resume_acceptance(project_id: int, user: CurrentUser, session: SessionDep) -> SwitchingPublic:
    """Owners and managers: after inspection was discontinued (ISO 2859-1, 9.4), resume on
    tightened inspection once the work was corrected; 409 when it is not discontinued."""
    access = load_project_access(
        session=session, project_id=project_id, user_id=user.id, allowed=MANAGERS
    )
    try:
        state = switching.resume_inspection(session=session, project_id=access.project.id)
    except ValueError:
        session.rollback()
        raise conflict(
            "acceptance inspection is not discontinued", code="not_discontinued"
        ) from None
    session.commit()
    return SwitchingPublic(**state.to_dict())
