"""The project page's models section: versions, learning curve, pre-label share and use.

Everything is read from stored rows (versions, ``annotation_prelabel_use``, drops); nothing is
trained or predicted on a request.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, case, cast, func
from sqlmodel import Session, select

from backend.accounts.models import User
from backend.items.models import Item
from backend.models.models import (
    AnnotationPrelabelUse,
    ModelVersion,
    PrelabelDrop,
    ProjectModelState,
    VersionStatus,
)
from backend.models.schemas import (
    AnnotatorPrelabelUse,
    CurvePoint,
    DropPublic,
    EndpointPublic,
    ModelsSummary,
    ModelVersionPublic,
)
from backend.models.versions import current_version
from backend.projects.models import Project

CURVE_POINTS = 50
DROPS_SHOWN = 20
# A stored pre-label: a JSON value that is not JSON null (``items.prelabel`` may hold either).
_HAS_PRELABEL = func.coalesce(cast(Item.prelabel, Text), "null") != "null"


def models_summary(*, session: Session, project: Project) -> ModelsSummary:
    current = current_version(session=session, project_id=project.id)
    last = session.exec(
        select(ModelVersion)
        .where(ModelVersion.project_id == project.id)
        .order_by(ModelVersion.version.desc())
        .limit(1)
    ).first()
    items, prelabelled = session.execute(
        select(func.count(), func.count(case((_HAS_PRELABEL, 1)))).where(
            Item.project_id == project.id, Item.is_gold.is_(False)
        )
    ).one()
    used, accepted, mean_changed = session.execute(
        select(
            func.count(),
            func.count(case((AnnotationPrelabelUse.accepted, 1))),
            func.avg(AnnotationPrelabelUse.changed),
        ).where(AnnotationPrelabelUse.project_id == project.id)
    ).one()
    return ModelsSummary(
        current=_public(current),
        last_training=_public(last),
        needed=last.needed if last and last.status == VersionStatus.needs_data else None,
        items=items,
        prelabelled_items=prelabelled,
        share_prelabelled=prelabelled / items if items else None,
        annotations_from_prelabel=used,
        acceptance_rate=accepted / used if used else None,
        mean_changed=float(mean_changed) if mean_changed is not None else None,
        learning_curve=learning_curve(session=session, project_id=project.id),
        annotators=annotator_use(session=session, project_id=project.id),
        endpoint=_endpoint(session=session, project=project),
        drops=[
            DropPublic.model_validate(d)
            for d in session.exec(
                select(PrelabelDrop)
                .where(PrelabelDrop.project_id == project.id)
                .order_by(PrelabelDrop.id.desc())
                .limit(DROPS_SHOWN)
            ).all()
        ],
    )


def learning_curve(*, session: Session, project_id: int) -> list[CurvePoint]:
    """Held-out accuracy of the ready versions against the final answers they learnt from."""
    rows = session.exec(
        select(ModelVersion.version, ModelVersion.trained_on, ModelVersion.accuracy)
        .where(
            ModelVersion.project_id == project_id,
            ModelVersion.accuracy.is_not(None),
        )
        .order_by(ModelVersion.version.desc())
        .limit(CURVE_POINTS)
    ).all()
    return [CurvePoint(version=v, trained_on=n, accuracy=a) for v, n, a in reversed(rows)]


def annotator_use(*, session: Session, project_id: int) -> list[AnnotatorPrelabelUse]:
    """Per annotator: annotations started from a pre-label, accepted ones, and on gold items
    with a wrong pre-label, how many they accepted anyway."""
    use = AnnotationPrelabelUse
    wrong_gold = use.is_gold & (use.prelabel_correct.is_(False))
    rows = session.execute(
        select(
            use.annotator_id,
            User.name,
            func.count(),
            func.count(case((use.accepted, 1))),
            func.count(case((wrong_gold, 1))),
            func.count(case((wrong_gold & use.accepted, 1))),
        )
        .join(User, User.id == use.annotator_id)
        .where(use.project_id == project_id)
        .group_by(use.annotator_id, User.name)
        .order_by(use.annotator_id)
    ).all()
    return [
        AnnotatorPrelabelUse(
            annotator_id=annotator_id,
            name=name,
            started_from_prelabel=n,
            accepted=n_accepted,
            gold_wrong_prelabels=n_wrong,
            wrong_accepted=n_wrong_accepted,
            wrong_accepted_rate=n_wrong_accepted / n_wrong if n_wrong else None,
        )
        for annotator_id, name, n, n_accepted, n_wrong, n_wrong_accepted in rows
    ]


def _endpoint(*, session: Session, project: Project) -> EndpointPublic | None:
    endpoint: dict[str, Any] | None = project.model_endpoint
    if not endpoint:
        return None
    state = session.get(ProjectModelState, project.id)
    return EndpointPublic(
        url=str(endpoint.get("url", "")),
        timeout_s=float(endpoint.get("timeout_s", 0)),
        last_run_at=state.endpoint_run_at if state else None,
        accepted=state.endpoint_accepted if state else 0,
        dropped=state.endpoint_dropped if state else 0,
    )


def _public(version: ModelVersion | None) -> ModelVersionPublic | None:
    return None if version is None else ModelVersionPublic.model_validate(version)
