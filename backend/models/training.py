"""Training a project's built-in model on its final answers, in a worker.

One queued ``ModelVersion`` per run (``versions``). The run reads the final answers
(``training_data``), refuses politely when there are too few (``needs_data`` with how many more,
``quality.models.answers_needed``), measures the held-out accuracy by K-fold cross-validation
(``quality.models.cross_val_accuracy``: the figure the UI shows), fits on every final answer,
stores the model as bytes in the database (signed with the platform's secret, so a blob not
written by the platform is never unpickled) and then pre-labels and ranks the open items
(``prelabels``). Anything that goes wrong ends the version as ``failed`` with the reason; the
worker goes on.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from backend import clock
from backend.items.models import Item
from backend.kinds import UnknownKind, get_kind
from backend.kinds.models import BuiltInModel
from backend.models.models import ModelVersion, ProjectModelState, VersionStatus
from backend.models.prelabels import refresh_from_model
from backend.models.training_data import FinalAnswers, final_answers, read_input
from backend.models.versions import claim, current_version, request_training
from backend.projects.models import Project
from backend.settings import get_settings
from quality.models import ModelLoadError, cross_val_accuracy, dump_model, load_model

log = logging.getLogger(__name__)
ID_CHUNK = 500  # ids per IN list (SQLite's bound-parameter limit)


def model_key() -> bytes:
    """The key model blobs are signed with (``quality.models.serialization``)."""
    return get_settings().secret_key.encode()


def builtin_model(kind: str) -> BuiltInModel | None:
    """The kind's built-in model (``Kind.model``), None for a kind without one."""
    try:
        return get_kind(kind).model
    except UnknownKind:
        return None


def has_builtin_model(kind: str) -> bool:
    return builtin_model(kind) is not None


def train_version(*, session: Session, version_id: int) -> dict[str, Any]:
    """Train the queued version ``version_id``; a summary for the job's result."""
    version = claim(session=session, version_id=version_id)
    if version is None:
        return {"version_id": version_id, "skipped": "not queued"}
    project = session.get(Project, version.project_id)
    # the answers counted so far are this run's; those finished from now on count for the next
    session.execute(
        update(ProjectModelState)
        .where(ProjectModelState.project_id == version.project_id)
        .values(new_final=0, updated_at=clock.now())
    )
    session.commit()
    started = time.perf_counter()
    try:
        if project is None or project.org_id != version.org_id:
            raise LookupError("the project is gone")
        summary = _train(session=session, project=project, version=version)
    except Exception as exc:  # any failure ends this version, never the worker
        session.rollback()
        log.exception("training model version %s failed", version_id)
        _finish(session, version_id, status=VersionStatus.failed, error=str(exc)[:2000])
        return {"version_id": version_id, "status": "failed", "error": str(exc)[:200]}
    summary["duration_ms"] = int((time.perf_counter() - started) * 1000)
    return summary


def _train(*, session: Session, project: Project, version: ModelVersion) -> dict[str, Any]:
    spec = builtin_model(project.kind)
    if spec is None:
        raise ValueError(f"there is no built-in model for {project.kind!r} items")
    answers = final_answers(session=session, project=project)
    needed = spec.needed(answers.results)
    version_id, number = version.id, version.version
    if needed > 0:
        _finish(
            session,
            version_id,
            status=VersionStatus.needs_data,
            needed=needed,
            trained_on=len(answers.results),
        )
        return {"version_id": version_id, "status": "needs_data", "needed": needed}
    rows = [
        row
        for start in range(0, len(answers.item_ids), ID_CHUNK)
        for row in session.exec(
            _inputs_query(project, answers.item_ids[start : start + ID_CHUNK])
        ).all()
    ]
    session.commit()  # nothing held open while the model trains
    inputs, targets = _readable(rows, answers, spec)
    started = time.perf_counter()
    model = spec.new()
    X: Any = model.features(inputs) if spec.fit_on_features else inputs
    accuracy = cross_val_accuracy(model, X, targets, folds=spec.folds)
    model.fit(X, targets)
    blob = dump_model(model, key=model_key())
    fit_ms = int((time.perf_counter() - started) * 1000)
    session.execute(  # kept first: the model is stored even if pre-labelling fails below
        update(ModelVersion)
        .where(ModelVersion.id == version_id)
        .values(blob=blob, accuracy=float(accuracy), trained_on=len(targets), duration_ms=fit_ms)
    )
    session.commit()
    try:
        written = refresh_from_model(session=session, project=project, model=model, version=number)
    except Exception:  # the version is trained and becomes ready; the next refresh tries again
        session.rollback()
        log.exception("pre-labelling with model version %s failed", version_id)
        written = 0
    # ready once its pre-labels are written: whoever sees "ready" sees them too
    _finish(session, version_id, status=VersionStatus.ready, prelabelled=written)
    return {
        "version_id": version_id,
        "status": "ready",
        "accuracy": accuracy,
        "trained_on": len(targets),
        "prelabelled": written,
    }


def _inputs_query(project: Project, item_ids: list[int]) -> Any:
    return select(Item.id, Item.text, Item.media_key).where(
        Item.project_id == project.id, Item.org_id == project.org_id, Item.id.in_(item_ids)
    )


def _readable(rows: Any, answers: FinalAnswers, spec: BuiltInModel) -> tuple[list[Any], list[Any]]:
    """Inputs and targets of the final answers whose item can be read (a lost file is left
    out and logged)."""
    by_id = {row[0]: row for row in rows}
    inputs, results = [], []
    for item_id, result in zip(answers.item_ids, answers.results, strict=True):
        row = by_id.get(item_id)
        if row is None:
            continue
        try:
            inputs.append(read_input(row[1], row[2]))
        except OSError:
            log.warning("item %s has no readable input; left out of training", item_id)
            continue
        results.append(result)
    return inputs, spec.targets(results)


def _finish(session: Session, version_id: int, **values: Any) -> None:
    status = values.pop("status")
    session.execute(
        update(ModelVersion)
        .where(ModelVersion.id == version_id)
        .values(status=status, finished_at=clock.now(), **values)
    )
    session.commit()


def load_current(*, session: Session, project: Project) -> tuple[Any, int] | None:
    """The current model and its version number; None without one. A blob that cannot be
    loaded (another scikit-learn, damaged, signed with another key) marks its version
    ``unloadable`` and asks for a new training instead of raising."""
    version = current_version(session=session, project_id=project.id)
    if version is None or version.blob is None:
        return None
    try:
        return load_model(version.blob, kind=project.kind, key=model_key()), version.version
    except ModelLoadError as exc:
        log.warning("model version %s cannot be loaded (%s); retraining", version.id, exc)
        version.status = VersionStatus.unloadable
        version.error = f"cannot be loaded: {exc}"[:2000]
        session.add(version)
        request_training(session=session, project=project, trigger="retrain")
        session.commit()
        return None
