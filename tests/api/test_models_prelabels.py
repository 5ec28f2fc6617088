"""Pre-labels in the platform: what ``next`` answers, never an answer, uncertainty ordering,
and the record of how annotators used them. SQLite and PostgreSQL (on PostgreSQL ``next`` and
``submit`` take the one-call functions, which return ``items.prelabel`` themselves)."""

from __future__ import annotations

from sqlmodel import Session, select

from backend.consensus.models import Consensus, ProjectQuality
from backend.consensus.recompute import recompute_project
from backend.db import get_engine
from backend.items.models import Item
from backend.models import prelabel_use
from backend.models.models import AnnotationPrelabelUse
from backend.models.prelabels import write
from support.factories import new_project, new_team
from support.models_data import load_project, sample, train_now
from support.seed import seed_items


def _next(client, who, project_id):
    return client.post(f"/api/v1/projects/{project_id}/next", headers=who.headers)


def _submit(client, who, assignment_id, result):
    answer = client.post(
        f"/api/v1/assignments/{assignment_id}/submit",
        json={"result": result, "duration_ms": 500},
        headers=who.headers,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_next_orders_by_uncertainty_and_carries_the_prelabel(client):
    data = sample(300, 150)
    texts = data["texts"][:200]
    team = new_team(client, annotators=1)
    ranked = load_project(
        client,
        team,
        "text_classification",
        texts,
        n_gold=120,
        ordering="uncertainty",
        prelabels=True,
        overlap=1,
    )
    plain = load_project(
        client, team, "text_classification", texts, n_gold=120, overlap=1, prelabels=True
    )
    for loaded in (ranked, plain):
        assert train_now(client, team, loaded.project["id"])["status"] == "ready"
    with Session(get_engine()) as session:
        priority = dict(
            session.exec(select(Item.id, Item.priority).where(Item.id.in_(ranked.open_ids))).all()
        )
        plain_priority = session.exec(
            select(Item.priority).where(Item.id.in_(plain.open_ids))
        ).all()
    assert len(set(priority.values())) > 10  # the model set them
    assert set(plain_priority) == {0.0}  # default ordering: left as imported
    expected = sorted(priority, key=lambda i: -priority[i])[:8]
    external = {i: k for k, i in enumerate(ranked.open_ids)}
    plain_external = {i: k for k, i in enumerate(plain.open_ids)}
    ranked_order, plain_order = [], []
    annotator = team.annotators[0]
    for loaded, order, index in (
        (ranked, ranked_order, external),
        (plain, plain_order, plain_external),
    ):
        for _ in range(8):
            lease = _next(client, annotator, loaded.project["id"])
            assert lease.status_code == 200, lease.text
            body = lease.json()
            prelabel = body["prelabel"]
            assert set(prelabel) == {"result", "score", "model_version"}
            assert prelabel["model_version"] == 1 and 0 < prelabel["score"] <= 1
            order.append(index[body["item"]["id"]])
            if loaded is ranked:
                assert body["item"]["id"] == expected[len(order) - 1]
            _submit(client, annotator, body["assignment_id"], prelabel["result"])
    assert ranked_order == [external[i] for i in expected]
    assert ranked_order != plain_order  # the same texts, another order


def _label_all(client, team, project_id, answers):
    """Every annotator labels every item: ``answers[k](item_index)`` for annotator k."""
    with Session(get_engine()) as session:
        ids = session.exec(
            select(Item.id).where(Item.project_id == project_id).order_by(Item.id)
        ).all()
    index = {item_id: k for k, item_id in enumerate(ids)}
    for k, who in enumerate(team.annotators):
        while True:
            lease = _next(client, who, project_id)
            if lease.status_code == 204:
                break
            body = lease.json()
            _submit(client, who, body["assignment_id"], answers[k](index[body["item"]["id"]]))
    return ids


def test_prelabels_never_count_as_answers(client):
    """Two projects with the same answers, one with (wrong) pre-labels on every item while it
    is annotated: the same consensus, the same confidence, the same agreement."""
    team = new_team(client, annotators=2)
    labels = ["electrical_fault", "mechanical_wear", "other"]
    answers = [lambda i: {"label": labels[i % 3]}, lambda i: {"label": labels[(i * i) % 3]}]
    figures = []
    for with_prelabels in (False, True):
        project = new_project(client, team, overlap=2, gold_rate=0.0, prelabels=with_prelabels)
        seeded = seed_items(project_id=project["id"], count=12)
        if with_prelabels:
            wrong = {"label": "other"}
            with Session(get_engine()) as session:
                write(
                    session=session,
                    prelabels=[
                        (i, {"result": wrong, "score": 0.99, "model_version": 1})
                        for i in seeded.item_ids
                    ],
                )
        _label_all(client, team, project["id"], answers)
        with Session(get_engine()) as session:
            recompute_project(session=session, project_id=project["id"])
            rows = session.exec(
                select(Consensus.result, Consensus.confidence, Consensus.n_annotations)
                .where(Consensus.project_id == project["id"])
                .order_by(Consensus.item_id)
            ).all()
            quality = session.get(ProjectQuality, project["id"])
            figures.append(
                (
                    [(r, round(c, 9), n) for r, c, n in rows],
                    quality.figures["agreement"],
                    quality.n_annotations,
                )
            )
    assert figures[0] == figures[1]
    assert figures[1][2] == 24  # 12 items x 2 annotators: no pre-label became an annotation


def test_accepting_a_wrong_prelabel_on_gold_is_recorded(client, is_postgres):
    team = new_team(client, annotators=2)
    project = new_project(client, team, gold_rate=0.9, qualification_count=1, prelabels=True)
    seeded = seed_items(project_id=project["id"], count=2, gold=1)
    gold_id = seeded.gold_ids[0]
    right = seeded.truth_for(gold_id)
    wrong = {"label": next(n for n in seeded.labels if n != right["label"])}
    with Session(get_engine()) as session:
        write(
            session=session,
            prelabels=[(gold_id, {"result": wrong, "score": 0.9, "model_version": 3})],
        )
    blind, careful = team.annotators
    for who, result in ((blind, wrong), (careful, right)):
        lease = _next(client, who, project["id"]).json()
        assert lease["item"]["id"] == gold_id
        assert lease["prelabel"] == {"result": wrong, "score": 0.9, "model_version": 3}
        _submit(client, who, lease["assignment_id"], result)
    with Session(get_engine()) as session:
        recorded = session.exec(
            select(AnnotationPrelabelUse).where(AnnotationPrelabelUse.project_id == project["id"])
        ).all()
        # the Python submit records it in its own transaction; the one-call function's submits
        # are recorded by the worker's catch-up
        assert len(recorded) == (0 if is_postgres else 2)
        prelabel_use.record_missing(session=session, project_id=project["id"])
        prelabel_use.record_missing(session=session, project_id=project["id"])  # idempotent
        rows = {
            r.annotator_id: r
            for r in session.exec(
                select(AnnotationPrelabelUse).where(
                    AnnotationPrelabelUse.project_id == project["id"]
                )
            ).all()
        }
    assert set(rows) == {blind.id, careful.id}
    assert rows[blind.id].accepted and rows[blind.id].changed == 0.0
    assert not rows[careful.id].accepted and rows[careful.id].changed == 1.0
    assert all(r.is_gold and r.prelabel_correct is False for r in rows.values())
    assert rows[blind.id].model_version == 3
    page = client.get(
        f"/api/v1/projects/{project['id']}/models/summary", headers=team.manager.headers
    ).json()
    by_annotator = {a["annotator_id"]: a for a in page["annotators"]}
    assert by_annotator[blind.id]["wrong_accepted_rate"] == 1.0
    assert by_annotator[careful.id]["wrong_accepted_rate"] == 0.0
    assert page["annotations_from_prelabel"] == 2 and page["acceptance_rate"] == 0.5
