"""Built-in models in the platform: trained on a project's final answers (here gold answers of
the generated sample data), pre-labels on the open items better than the majority class by a
stated margin for each built-in kind, a clear state when there are too few answers, and a
model that never sees another organization's items. SQLite and PostgreSQL alike.

The training job's body runs in the test process (``support.models_data.train_now``), as the
worker runs it; ``tests/workers/test_models_worker.py`` runs it in a real worker.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from sqlmodel import Session, select

from backend.consensus.models import Consensus
from backend.db import get_engine
from backend.items.models import Item
from backend.models.models import ModelVersion, VersionStatus
from backend.models.training import load_current
from backend.models.training_data import final_answers
from backend.models.versions import waiting_version
from backend.projects.models import Project
from quality.models import micro_box_f1, micro_span_f1
from support.factories import new_project, new_team
from support.models_data import load_project, prelabels_of, sample, train_now
from support.seed import seed_items

N_TEXTS, N_IMAGES = 300, 150  # generated once per test process (support.models_data.sample)
# (items, of which gold) per kind: small enough for a shared 2-CPU machine, big enough for the
# margins below (the span tagger and the box detector are the slow ones to fit)
SIZES = {
    "text_classification": (200, 120),
    "text_spans": (110, 60),
    "image_classification": (120, 80),
    "image_boxes": (100, 70),
}


def _majority(train: list[str], test: list[str]) -> float:
    top = Counter(train).most_common(1)[0][0]
    return float(np.mean([t == top for t in test]))


def _loaded(client, kind: str, **settings):
    data = sample(N_TEXTS, N_IMAGES)
    n_items, n_gold = SIZES[kind]
    records = (data["texts"] if kind.startswith("text") else data["images"])[:n_items]
    team = new_team(client, annotators=1)
    settings.setdefault("prelabels", True)
    loaded = load_project(client, team, kind, records, n_gold=n_gold, out=data["out"], **settings)
    return team, loaded


@pytest.mark.parametrize(
    "kind", ["text_classification", "text_spans", "image_classification", "image_boxes"]
)
def test_prelabels_beat_the_majority_class(client, kind):
    team, loaded = _loaded(client, kind)
    summary = train_now(client, team, loaded.project["id"])
    assert summary["status"] == "ready", summary
    versions = client.get(
        f"/api/v1/projects/{loaded.project['id']}/models", headers=team.manager.headers
    ).json()
    assert versions[0]["status"] == "ready" and versions[0]["kind"] == kind
    assert versions[0]["trained_on"] == len(loaded.gold_ids)
    assert 0.0 <= versions[0]["accuracy"] <= 1.0
    pre = prelabels_of(loaded.open_ids + loaded.gold_ids)
    # gold items are pre-labelled like every other open item (so blind accepting shows on gold)
    assert all(pre[i] and pre[i]["model_version"] == 1 for i in loaded.gold_ids)
    assert all(0.0 <= pre[i]["score"] <= 1.0 for i in loaded.open_ids)
    predicted = [pre[i]["result"] for i in loaded.open_ids]
    truth = [loaded.truth_by_item[i] for i in loaded.open_ids]
    if kind.endswith("classification"):
        hits = [p["label"] == t["label"] for p, t in zip(predicted, truth, strict=True)]
        accuracy = float(np.mean(hits))
        train = [loaded.truth_by_item[i]["label"] for i in loaded.gold_ids]
        majority = _majority(train, [t["label"] for t in truth])
        print(f"{kind}: accuracy {accuracy:.3f}, majority {majority:.3f}")
        margin = 0.5 if kind == "text_classification" else 0.2
        assert accuracy >= majority + margin, (accuracy, majority)
    elif kind == "text_spans":
        f1 = micro_span_f1([p["spans"] for p in predicted], [t["spans"] for t in truth])
        print(f"text_spans: span F1 {f1:.3f} (the majority tag, O everywhere: 0)")
        assert f1 >= 0.5, f1  # seen: 0.78 trained on 75 texts
    else:
        f1 = micro_box_f1([p["boxes"] for p in predicted], [t["boxes"] for t in truth], 0.3)
        print(f"image_boxes: box F1 at IoU 0.3 {f1:.3f} (no box or a prior box: 0)")
        assert f1 >= 0.25, f1  # seen: 0.54 trained on 70 images


def test_too_few_final_answers_is_a_clear_state_not_a_model(client):
    data = sample(N_TEXTS, N_IMAGES)
    team = new_team(client, annotators=1)
    loaded = load_project(
        client, team, "text_classification", data["texts"][:40], n_gold=20, prelabels=True
    )
    summary = train_now(client, team, loaded.project["id"])
    assert summary["status"] == "needs_data" and summary["needed"] >= 30
    path = f"/api/v1/projects/{loaded.project['id']}/models"
    version = client.get(path, headers=team.manager.headers).json()[0]
    assert version["status"] == "needs_data"
    assert version["needed"] == summary["needed"] and version["accuracy"] is None
    page = client.get(f"{path}/summary", headers=team.manager.headers).json()
    assert page["needed"] == summary["needed"] and page["current"] is None
    assert page["prelabelled_items"] == 0
    assert all(p is None for p in prelabels_of(loaded.open_ids).values())


def test_train_asks_are_role_checked_and_coalesced(client):
    team = new_team(client, annotators=1)
    project = new_project(client, team, "text_classification")
    path = f"/api/v1/projects/{project['id']}/models/train"
    first = client.post(path, headers=team.manager.headers)
    assert first.status_code == 202 and first.json() == {
        "version": 1,
        "status": "queued",
        "created": True,
    }
    again = client.post(path, headers=team.owner.headers)
    assert again.json() == {"version": 1, "status": "queued", "created": False}
    assert client.post(path, headers=team.annotators[0].headers).status_code == 403
    assert client.post(path, headers=team.reviewer.headers).status_code == 403
    stranger = new_team(client, annotators=0).owner
    assert client.post(path, headers=stranger.headers).status_code == 404
    listing = f"/api/v1/projects/{project['id']}/models"
    assert client.get(listing, headers=team.reviewer.headers).status_code == 200
    assert client.get(listing, headers=team.annotators[0].headers).status_code == 403
    assert client.get(listing, headers=stranger.headers).status_code == 404


def test_a_model_never_sees_another_organizations_items(client):
    data = sample(N_TEXTS, N_IMAGES)
    texts = data["texts"][:120]
    team_a, team_b = new_team(client, annotators=1), new_team(client, annotators=1)
    mine = load_project(client, team_a, "text_classification", texts, n_gold=80, prelabels=True)
    # another organization with the same texts, pre-labels on, no final answers of its own
    theirs = load_project(client, team_b, "text_classification", texts, n_gold=0, prelabels=True)
    with Session(get_engine()) as session:
        their_items = session.exec(
            select(Item.id).where(Item.project_id == theirs.project["id"])
        ).all()
        # a row that points across organizations (it should never exist) is never read
        session.add(
            Consensus(
                item_id=their_items[0],
                project_id=mine.project["id"],
                result={"label": "other"},
                confidence=1.0,
                n_annotations=3,
            )
        )
        session.commit()
        project = session.get(Project, mine.project["id"])
        answers = final_answers(session=session, project=project)
    assert set(answers.item_ids) == set(mine.gold_ids)
    assert train_now(client, team_a, mine.project["id"])["trained_on"] == 80
    with Session(get_engine()) as session:
        model, _ = load_current(session=session, project=session.get(Project, mine.project["id"]))
    assert set(model.classes_) <= {label["name"] for label in mine.project["labels"]}
    assert all(p is None for p in prelabels_of(list(their_items)).values())


def test_an_unloadable_model_is_retrained_not_a_crash(client):
    data = sample(N_TEXTS, N_IMAGES)
    team = new_team(client, annotators=1)
    loaded = load_project(
        client, team, "text_classification", data["texts"][:100], n_gold=80, prelabels=True
    )
    assert train_now(client, team, loaded.project["id"])["status"] == "ready"
    with Session(get_engine(), expire_on_commit=False) as session:
        version = session.exec(
            select(ModelVersion).where(ModelVersion.project_id == loaded.project["id"])
        ).one()
        version.blob = version.blob[:-40] + b"\0" * 40  # damaged bytes
        session.add(version)
        session.commit()
        project = session.get(Project, loaded.project["id"])
        assert load_current(session=session, project=project) is None
        session.refresh(version)
        assert version.status == VersionStatus.unloadable
        waiting = waiting_version(session=session, project_id=project.id)
        assert waiting is not None and waiting.trigger == "retrain" and waiting.version == 2


def test_enough_new_final_answers_queue_a_training(client):
    """Final answers count (review off: a finished item is final at once, ``ItemsFinal`` from
    review's entry); at ``train_every`` a project that uses its model gets a queued version
    (once per burst); a project that does not use it never does."""
    from backend import events

    team = new_team(client, annotators=1)
    used = new_project(client, team, prelabels=True, train_every=5)
    unused = new_project(client, team, train_every=5)
    # real items: other listeners of ItemsFinished store rows that point at them (final_items)
    fresh = {
        p["id"]: iter(seed_items(project_id=p["id"], count=8).item_ids) for p in (used, unused)
    }

    def finished(project_id: int, n: int) -> events.ItemsFinished:
        ids = [next(fresh[project_id]) for _ in range(n)]
        return events.ItemsFinished(session=session, project_id=project_id, item_ids=ids)

    with Session(get_engine()) as session:
        for burst in (3, 1):
            events.emit(finished(used["id"], burst))
        session.commit()
        assert waiting_version(session=session, project_id=used["id"]) is None
        for project in (used, unused, used):
            events.emit(finished(project["id"], 2))
        session.commit()
        waiting = waiting_version(session=session, project_id=used["id"])
        assert waiting is not None and waiting.trigger == "answers" and waiting.version == 1
        assert waiting_version(session=session, project_id=unused["id"]) is None


def test_items_that_go_on_into_review_do_not_count_until_final(client):
    """``ItemsFinished`` of items review takes is no final answer yet; ``ItemsFinal`` (the
    verdict, or an accepted lot) is what counts towards ``train_every``."""
    from backend import events

    team = new_team(client, annotators=1)
    project = new_project(client, team, prelabels=True, train_every=3, review_mode="all")
    pid = project["id"]
    ids = seed_items(project_id=pid, count=6).item_ids
    with Session(get_engine()) as session:
        events.emit(events.ItemsFinished(session=session, project_id=pid, item_ids=ids))
        session.commit()
        assert waiting_version(session=session, project_id=pid) is None  # all in review
        events.emit(events.ItemsFinal(session=session, project_id=pid, item_ids=ids[:2]))
        session.commit()
        assert waiting_version(session=session, project_id=pid) is None  # 2 of 3
        events.emit(events.ItemsFinal(session=session, project_id=pid, item_ids=ids[2:3]))
        session.commit()
        waiting = waiting_version(session=session, project_id=pid)
        assert waiting is not None and waiting.trigger == "answers"
