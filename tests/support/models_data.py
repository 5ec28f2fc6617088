"""Sample data of ``datasets/generate.py`` imported into a project through the API, with part
of it marked gold (final answers a model can learn from), for the models tests."""

from __future__ import annotations

import base64
import importlib.util
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

from sqlmodel import Session, select

from backend.db import get_engine
from backend.items.models import Item
from backend.models.training import train_version
from backend.models.versions import waiting_version
from support.factories import Team, new_project

REPO = Path(__file__).resolve().parents[2]
SEED = 21


def _generator() -> Any:
    name = "jinbiao_sample_data_generate"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "datasets" / "generate.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@lru_cache(maxsize=4)
def sample(n_texts: int, n_images: int) -> dict[str, Any]:
    """Generated texts and images (records with their truth), made once per test process."""
    gen = _generator()
    out = Path(mkdtemp(prefix="jinbiao-models-sample-"))
    summary = gen.generate(out, n_images=n_images, n_texts=n_texts, seed=SEED)
    return {
        "out": out,
        "texts": gen.read_manifest(summary["texts_manifest"]),
        "images": gen.read_manifest(summary["images_manifest"]),
    }


def labels_of(kind: str) -> list[dict[str, Any]]:
    return _generator().load_labels()[kind]


def truth(record: dict[str, Any], kind: str) -> dict[str, Any]:
    return _generator().truth(record, kind)


@dataclass
class Loaded:
    project: dict[str, Any]
    truth_by_item: dict[int, dict[str, Any]]
    gold_ids: list[int]
    open_ids: list[int]


def load_project(
    client: Any,
    team: Team,
    kind: str,
    records: list[dict[str, Any]],
    *,
    n_gold: int,
    out: Path | None = None,
    **settings: Any,
) -> Loaded:
    """A project of ``kind`` with ``records`` imported and the first ``n_gold`` marked gold."""
    settings.setdefault("gold_rate", 0.0)
    project = new_project(client, team, kind, labels=labels_of(kind), **settings)
    rows = []
    for i, record in enumerate(records):
        if kind.startswith("image"):
            data = (out / record["file"]).read_bytes()  # type: ignore[operator]
            rows.append({"image_base64": base64.b64encode(data).decode(), "external_id": f"r{i}"})
        else:
            rows.append({"text": record["text"], "external_id": f"r{i}"})
    for start in range(0, len(rows), 500):
        answer = client.post(
            f"/api/v1/projects/{project['id']}/items",
            json={"items": rows[start : start + 500]},
            headers=team.manager.headers,
        )
        assert answer.status_code == 201, answer.text
        assert not answer.json()["errors"], answer.json()["errors"][:3]
    with Session(get_engine()) as session:
        ids = dict(
            session.exec(
                select(Item.external_id, Item.id).where(Item.project_id == project["id"])
            ).all()
        )
    truth_by_item = {ids[f"r{i}"]: truth(r, kind) for i, r in enumerate(records)}
    gold = [{"external_id": f"r{i}", "answer": truth(r, kind)} for i, r in enumerate(records)]
    if n_gold:
        answer = client.post(
            f"/api/v1/projects/{project['id']}/gold",
            json={"items": gold[:n_gold]},
            headers=team.manager.headers,
        )
        assert answer.status_code in (200, 201), answer.text
        assert not answer.json()["errors"], answer.json()["errors"][:3]
    order = [ids[f"r{i}"] for i in range(len(records))]
    return Loaded(project, truth_by_item, order[:n_gold], order[n_gold:])


def train_now(client: Any, team: Team, project_id: int) -> dict[str, Any]:
    """``POST …/models/train``, then the job's body in this process, as a worker would run it."""
    answer = client.post(
        f"/api/v1/projects/{project_id}/models/train", headers=team.manager.headers
    )
    assert answer.status_code == 202, answer.text
    with Session(get_engine(), expire_on_commit=False) as session:
        version = waiting_version(session=session, project_id=project_id)
        assert version is not None
        return train_version(session=session, version_id=version.id)


def prelabels_of(item_ids: list[int]) -> dict[int, Any]:
    with Session(get_engine()) as session:
        rows = session.exec(select(Item.id, Item.prelabel).where(Item.id.in_(item_ids))).all()
    return dict(rows)
