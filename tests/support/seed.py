"""Bulk item seeding for distribution tests and benchmarks, straight into the database.

The import endpoint validates and stores real files; distribution only needs rows. Here a project
gets ``count`` items in one go (PostgreSQL ``COPY``, SQLite ``executemany``), the first ``gold``
of them gold with a known answer. Image items get a size and a ``media_key`` but no file.

Every item's true answer is a pure function of its id (``truth``), valid for every seeded item
of the kind, so a simulated annotator can look the truth up from the ``next`` answer alone.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, text

from backend.db import get_engine
from backend.items.models import GoldAnswer

WIDTH, HEIGHT = 640, 480
TEXT = "motor bearing overheating on line {n}, 电机轴承过热"
COLUMNS = (
    "project_id, org_id, external_id, text, media_key, media_type, width, height, content_hash, "
    "meta, is_gold, priority, random_key, annotation_count, wanted, created_at"
)


def truth(item_id: int, kind: str, labels: Sequence[str]) -> dict[str, Any]:
    """The true result of a seeded item: valid for any seeded item of ``kind``."""
    label = labels[item_id % len(labels)]
    if kind in ("image_classification", "text_classification"):
        return {"label": label}
    if kind == "image_boxes":
        x = float(10 + item_id % 50)
        return {"boxes": [{"label": label, "x": x, "y": 20.0, "w": 100.0, "h": 80.0}]}
    if kind == "text_spans":
        return {"spans": [{"label": label, "start": 0, "end": 5}]}
    raise ValueError(f"unknown kind {kind!r}")


@dataclass(frozen=True)
class Seeded:
    project_id: int
    kind: str
    labels: list[str]
    item_ids: list[int]  # normal items, by id
    gold_ids: list[int]

    def truth_for(self, item_id: int) -> dict[str, Any]:
        return truth(item_id, self.kind, self.labels)


def _rows(
    *,
    project_id: int,
    org_id: int,
    kind: str,
    count: int,
    gold: int,
    wanted: int,
    priority: Callable[[int], float] | None,
    seed: int,
) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(seed)
    tag = uuid.uuid4().hex[:16]
    image = kind.startswith("image")
    now = datetime.now(UTC)
    for n in range(count):
        yield (
            project_id,
            org_id,
            f"seed-{n}",
            None if image else TEXT.format(n=n),
            f"seed/{tag}/{n}.jpg" if image else None,
            "image/jpeg" if image else None,
            WIDTH if image else None,
            HEIGHT if image else None,
            f"{tag}{n:016x}",
            "{}",
            n < gold,
            priority(n) if priority else 0.0,
            rng.getrandbits(62),
            0,
            wanted,
            now,
        )


def _copy_postgres(engine: Engine, rows: Iterator[tuple[Any, ...]]) -> None:
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor, cursor.copy(f"COPY items ({COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def _insert_sqlite(engine: Engine, rows: Iterator[tuple[Any, ...]], batch: int = 20_000) -> None:
    marks = ", ".join("?" * len(COLUMNS.split(",")))
    sql = f"INSERT INTO items ({COLUMNS}) VALUES ({marks})"

    def stored(row: tuple[Any, ...]) -> tuple[Any, ...]:
        *head, created_at = row
        return (*head, created_at.strftime("%Y-%m-%d %H:%M:%S.%f"))

    with engine.begin() as conn:
        chunk: list[tuple[Any, ...]] = []
        for row in rows:
            chunk.append(stored(row))
            if len(chunk) >= batch:
                conn.exec_driver_sql(sql, chunk)
                chunk = []
        if chunk:
            conn.exec_driver_sql(sql, chunk)


def seed_items(
    *,
    project_id: int,
    count: int,
    gold: int = 0,
    wanted: int | None = None,
    priority: Callable[[int], float] | None = None,
    engine: Engine | None = None,
    seed: int = 0,
) -> Seeded:
    """Add ``count`` items (the first ``gold`` of them gold, with answers) to a project."""
    engine = engine or get_engine()
    with engine.connect() as conn:
        org_id, kind, labels, overlap = conn.execute(
            text("SELECT org_id, kind, labels, overlap FROM projects WHERE id = :id"),
            {"id": project_id},
        ).one()
        conn.rollback()
    if isinstance(labels, str):
        labels = json.loads(labels)
    names = [label["name"] for label in labels]
    rows = _rows(
        project_id=project_id,
        org_id=org_id,
        kind=kind,
        count=count,
        gold=gold,
        wanted=overlap if wanted is None else wanted,
        priority=priority,
        seed=seed,
    )
    if engine.dialect.name == "postgresql":
        _copy_postgres(engine, rows)
    else:
        _insert_sqlite(engine, rows)
    with engine.begin() as conn:
        ids = conn.execute(
            text("SELECT id, is_gold FROM items WHERE project_id = :p ORDER BY id"),
            {"p": project_id},
        ).all()
        gold_ids = [i for i, is_gold in ids if is_gold]
        now = datetime.now(UTC)
        for start in range(0, len(gold_ids), 10_000):
            conn.execute(
                insert(GoldAnswer.__table__),
                [
                    {
                        "item_id": i,
                        "project_id": project_id,
                        "answer": truth(i, kind, names),
                        "created_at": now,
                    }
                    for i in gold_ids[start : start + 10_000]
                ],
            )
    return Seeded(
        project_id=project_id,
        kind=kind,
        labels=names,
        item_ids=[i for i, is_gold in ids if not is_gold],
        gold_ids=gold_ids,
    )
