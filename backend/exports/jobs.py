"""The life of a build: claim, heartbeat, build into a temp file, rename, mark ready — or fail.

A version moves ``queued → building → ready`` (or ``failed``). The claim is one conditional
UPDATE, so two workers never build the same version at once; it counts an attempt and stamps a
heartbeat that progress updates refresh. A worker killed mid-build leaves ``building`` with a
heartbeat that goes stale: ``recover`` (run when a worker starts, and re-run while builds are in
flight) sends such versions again, or marks them failed after ``max_attempts`` claims.

The zip is written under ``data_dir/exports/tmp`` and renamed into place (``os.replace``, atomic
on one filesystem) before the row says ``ready``; only ``ready`` rows are served, so a reader
never sees half a zip. A crash between rename and commit leaves a complete file that the rebuild
replaces with the same bytes.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, Engine, and_, or_, update
from sqlmodel import Session, select

from backend import clock
from backend.exports.build import build_archive
from backend.exports.config import ExportSettings
from backend.exports.models import DatasetVersion
from backend.settings import get_settings

BUILD_JOB = "jinbiao.exports.build"
RECOVER_JOB = "jinbiao.exports.recover"
FAILED_AFTER_DEATHS = "the build was interrupted {n} times (worker lost); giving up"


def exports_dir() -> Path:
    return get_settings().data_dir / "exports"


def final_path(version: DatasetVersion) -> Path:
    return exports_dir() / str(version.project_id) / f"{version.id}.zip"


@dataclass(frozen=True)
class Claim:
    version_id: int
    attempt: int


def claim(*, engine: Engine, version_id: int, config: ExportSettings) -> Claim | None:
    """Take the build if it is queued or its builder's heartbeat is stale; None otherwise."""
    now = clock.now()
    stale = now - timedelta(seconds=config.stale_seconds)
    with Session(engine) as session:
        taken = session.exec(
            update(DatasetVersion)
            .where(
                DatasetVersion.id == version_id,
                or_(
                    DatasetVersion.status == "queued",
                    and_(
                        DatasetVersion.status == "building",
                        or_(
                            DatasetVersion.heartbeat_at.is_(None),
                            DatasetVersion.heartbeat_at < stale,
                        ),
                    ),
                ),
            )
            .values(
                status="building",
                attempts=DatasetVersion.attempts + 1,
                heartbeat_at=now,
                progress=0.0,
            )
        ).rowcount
        session.commit()
        if not taken:
            return None
        attempts = session.exec(
            select(DatasetVersion.attempts).where(DatasetVersion.id == version_id)
        ).one()
    if attempts > config.max_attempts:
        fail(engine=engine, version_id=version_id, error=FAILED_AFTER_DEATHS.format(n=attempts - 1))
        return None
    return Claim(version_id=version_id, attempt=attempts)


def heartbeat(*, engine: Engine, claim_: Claim, progress: float) -> None:
    with Session(engine) as session:
        session.exec(
            update(DatasetVersion)
            .where(_mine(claim_))
            .values(progress=round(progress, 4), heartbeat_at=clock.now())
        )
        session.commit()


def _mine(claim_: Claim) -> ColumnElement[bool]:
    return and_(
        DatasetVersion.id == claim_.version_id,
        DatasetVersion.status == "building",
        DatasetVersion.attempts == claim_.attempt,
    )


def run_build(*, engine: Engine, version_id: int, config: ExportSettings) -> str:
    """Claim and build a version; answer what happened (for the job's result and logs)."""
    claimed = claim(engine=engine, version_id=version_id, config=config)
    if claimed is None:
        return "skipped"
    with Session(engine) as session:
        version = session.get(DatasetVersion, version_id)
        assert version is not None
        target = final_path(version)
    tmp_dir = exports_dir() / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(tmp_dir, version_id)
    stem = f"{version_id}-{claimed.attempt}-{uuid.uuid4().hex[:8]}"
    tmp_zip, work = tmp_dir / f"{stem}.zip", tmp_dir / f"{stem}.d"
    try:
        try:
            built = build_archive(
                engine=engine,
                version_id=version_id,
                out=tmp_zip,
                work_dir=work,
                config=config,
                on_progress=lambda p: heartbeat(engine=engine, claim_=claimed, progress=p),
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)
        manifest, sha, size = built.manifest, built.sha256, built.size
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_zip, target)
    except BaseException:
        tmp_zip.unlink(missing_ok=True)
        release(engine=engine, claim_=claimed)
        raise
    with Session(engine) as session:
        session.exec(
            update(DatasetVersion)
            .where(_mine(claimed))
            .values(
                status="ready",
                progress=1.0,
                file_key=str(target.relative_to(get_settings().data_dir)),
                sha256=sha,
                size_bytes=size,
                manifest=manifest,
                counts=manifest["counts"],
                error=None,
                finished_at=clock.now(),
                heartbeat_at=None,
            )
        )
        session.commit()
    return "ready"


def release(*, engine: Engine, claim_: Claim) -> None:
    """Give a build back after an error, so the retry can claim it at once."""
    with Session(engine) as session:
        session.exec(
            update(DatasetVersion).where(_mine(claim_)).values(status="queued", heartbeat_at=None)
        )
        session.commit()


def fail(*, engine: Engine, version_id: int, error: str) -> None:
    with Session(engine) as session:
        session.exec(
            update(DatasetVersion)
            .where(DatasetVersion.id == version_id, DatasetVersion.status != "ready")
            .values(status="failed", error=error[:2000], finished_at=clock.now(), heartbeat_at=None)
        )
        session.commit()


@dataclass(frozen=True)
class Recovery:
    resend: list[int]
    check_again_in: float | None  # seconds, while some build is in flight


def recover(*, engine: Engine, config: ExportSettings) -> Recovery:
    """Versions to send again: builds whose heartbeat went stale, and queued versions older than
    the stale delay (their message may have died with a worker). The claim makes a duplicate
    message harmless."""
    now = clock.now()
    stale = now - timedelta(seconds=config.stale_seconds)
    with Session(engine) as session:
        rows = session.exec(
            select(
                DatasetVersion.id,
                DatasetVersion.status,
                DatasetVersion.heartbeat_at,
                DatasetVersion.created_at,
            ).where(DatasetVersion.status.in_(("queued", "building")))
        ).all()
        session.rollback()
    resend, waiting = [], False
    for version_id, status, beat, created in rows:
        since = beat if status == "building" and beat is not None else created
        if since < stale:
            resend.append(version_id)
        else:
            waiting = True
    return Recovery(resend=sorted(resend), check_again_in=config.stale_seconds if waiting else None)


def _remove_leftovers(tmp_dir: Path, version_id: int) -> None:
    """Temp files of earlier, dead attempts at this version (the claim proves they are dead)."""
    for path in tmp_dir.glob(f"{version_id}-*"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
