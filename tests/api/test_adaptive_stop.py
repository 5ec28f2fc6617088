"""Adaptive overlap stops on the label's stability as well as its confidence
(``quality.confidence.stability`` through ``backend.consensus.recompute``): at a strict
``agreement_target`` an item whose last allowed answer cannot change its label gets no more
answers, although its confidence is below the target; a split item gets one more."""

from __future__ import annotations

import numpy as np
from sqlalchemy import update
from sqlmodel import Session, select

from backend.consensus.recompute import recompute_project
from backend.consensus.scheduling import claim_recompute
from backend.db import get_engine
from backend.items.models import Item
from support.export_seed import add_item, annotate
from support.factories import new_project, new_team

LABELS = ["electrical_fault", "mechanical_wear", "other"]


def _recompute(project: dict) -> dict:
    with Session(get_engine(), expire_on_commit=False) as session:
        claim_recompute(session=session, project_id=project["id"], force=True)
        return recompute_project(session=session, project_id=project["id"])


def test_an_item_no_allowed_answer_can_turn_stops_below_the_target(client):
    team = new_team(client, annotators=3)
    project = new_project(
        client,
        team,
        "text_classification",
        labels=[{"name": n} for n in LABELS],
        overlap=3,
        max_overlap=4,
        agreement_target=0.999,
        gold_rate=0.0,
    )
    voters = [a.id for a in team.annotators]
    rng = np.random.default_rng(5)
    for n in range(30):  # a crowd of accuracy 0.9, 0.8, 0.7 teaches the annotator models
        item = add_item(project, text=f"report {n}")
        truth = LABELS[int(rng.integers(3))]
        for rank, who in enumerate(voters):
            right = rng.random() < 0.9 - 0.1 * rank
            wrong = [x for x in LABELS if x != truth][int(rng.integers(2))]
            annotate(project, item, who, {"label": truth if right else wrong})
    clear = add_item(project, text="clear")
    split = add_item(project, text="split")
    for who, label in zip(voters, LABELS, strict=True):
        annotate(project, clear, who, {"label": "other"})
        annotate(project, split, who, {"label": label})
    with Session(get_engine()) as session:  # every item has the three answers it wants
        session.execute(
            update(Item)
            .where(Item.project_id == project["id"])
            .values(wanted=3, annotation_count=3)
        )
        session.commit()
    _recompute(project)

    with Session(get_engine()) as session:
        wanted = dict(
            session.exec(select(Item.id, Item.wanted).where(Item.project_id == project["id"])).all()
        )
    rows = client.get(
        f"/api/v1/projects/{project['id']}/consensus",
        params={"limit": 100},
        headers=team.manager.headers,
    ).json()
    confidence = {r["item_id"]: r["confidence"] for r in rows}
    assert confidence[clear] < 0.999  # the posterior alone would ask for a fourth answer
    assert wanted[clear] == 3  # one more answer cannot turn three agreeing ones
    assert wanted[split] == 4  # one more answer can decide a three-way split
