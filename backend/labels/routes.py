"""Label endpoints: renaming a label everywhere it is stored."""

from __future__ import annotations

from fastapi import APIRouter

from backend.accounts.deps import SessionDep
from backend.labels import service
from backend.labels.schemas import RenameAnswer, RenameBody, Rewritten
from backend.projects.deps import ProjectManager
from backend.projects.schemas import ProjectPublic
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["projects"], route_class=TransactionEndingRoute)


@router.post(
    "/projects/{project_id}/labels/rename",
    response_model=RenameAnswer,
    responses={
        409: {
            "description": "`label_exists`: the new name is another label (merge with PATCH "
            "and `label_map`)"
        },
        422: {"description": "`from` is not a label of the project, or `to` is the same name"},
    },
)
def rename_label(body: RenameBody, access: ProjectManager, session: SessionDep) -> RenameAnswer:
    """Owners and managers of the project's organization.

    Renames the label in the project and in every stored annotation, gold answer, prelabel and
    consensus row, in one transaction; raises ``labels_revision``, records the change in the
    audit log and asks for a quality recompute. Colour and hotkey stay with the label.
    """
    renamed = service.rename(
        session=session,
        project_id=access.project.id,
        old=body.from_,
        new=body.to,
        actor=access.membership,
    )
    return RenameAnswer(
        project=ProjectPublic.model_validate(renamed.project),
        rewritten=Rewritten(**renamed.rewritten),
    )
