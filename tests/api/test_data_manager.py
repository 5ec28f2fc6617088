"""The data manager: every filter (alone and combined) answers exactly the items a direct query of
the tables says, cursor pages visit every item once under every sort, and bulk actions are all or
nothing. Runs on SQLite and on PostgreSQL (JINBIAO_TEST_DATABASE_URL)."""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlmodel import Session

from backend import clock
from backend.assignments.models import Annotation, Assignment
from backend.audit.models import AuditEvent
from backend.consensus.models import Consensus, ProjectQuality
from backend.db import get_engine
from backend.items.final_models import FinalItem
from backend.items.models import GoldAnswer, Item
from backend.kinds import get_kind
from backend.review.models import ReviewItem
from support.factories import add_member, new_project, new_team, new_user
from support.fixtures import start_worker, stop_process

SORTS = ["id", "-id", "confidence", "-confidence", "annotations", "-annotations"]
LABELS = ["electrical_fault", "mechanical_wear", "other"]


def items_url(project_id: int) -> str:
    return f"/api/v1/projects/{project_id}/items"


def import_texts(client, team, project_id: int, rows: list[tuple[str, str]]) -> None:
    body = {"items": [{"external_id": e, "text": t} for e, t in rows]}
    answer = client.post(items_url(project_id), json=body, headers=team.manager.headers)
    assert answer.status_code == 201, answer.text


def walk(client, who, project_id: int, limit: int = 3, **params: Any) -> list[dict]:
    """Every row of the listing, page by page through ``next_cursor``."""
    rows: list[dict] = []
    cursor = None
    for _ in range(1000):
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        answer = client.get(items_url(project_id), params=query, headers=who.headers)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert len(page["items"]) <= limit
        rows += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return rows
        assert len(page["items"]) == limit  # only the last page is short
    raise AssertionError("the cursor never ended")


@dataclass
class Fixture:
    team: Any
    project: dict
    batches: list[int]
    gold_ids: list[int]


def settle(project_id: int, *, annotations: int, timeout: float = 90) -> None:
    """Wait until the quality worker has computed consensus from every annotation and has no
    run pending or running (a run that started before the last submit would otherwise rewrite
    consensus while the test compares it)."""
    deadline = time.monotonic() + timeout
    while True:
        with Session(get_engine()) as session:
            quality = session.get(ProjectQuality, project_id)
            if (
                quality is not None
                and quality.requested_at is None
                and quality.computed_at is not None
                and (quality.started_at is None or quality.started_at <= quality.computed_at)
                and quality.n_annotations == annotations
            ):
                return
        assert time.monotonic() < deadline, "the quality worker did not settle"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def module_worker():
    """A quality worker for this module only: stopped at its end, so that the API tests after it
    (which run recomputes themselves) never race a worker that stays alive for the session."""
    from backend.queue import enqueue_for_result

    process = start_worker(name="data-manager")
    try:
        enqueue_for_result("jinbiao.system.ping", "ready").get(timeout=60)
        yield process
    finally:
        stop_process(process)


@pytest.fixture
def labelled(client, module_worker) -> Fixture:
    """A text project: two import batches, answers by three annotators (some items done, some
    in progress, one only leased, some new), consensus computed by the real quality worker, two
    gold items."""
    team = new_team(client, annotators=3)
    project = new_project(client, team, overlap=2, max_overlap=2, gold_rate=0.0)
    pid = project["id"]
    import_texts(
        client,
        team,
        pid,
        [(f"a-{i}", f"Pump {i} leaks oil" if i % 3 == 0 else f"Motor {i} hums") for i in range(9)],
    )
    import_texts(client, team, pid, [(f"b-{i}", f"Belt {i} is PUMPED") for i in range(5)])
    for annotator, count in zip(team.annotators, (7, 5, 3), strict=True):
        for n in range(count):
            lease = client.post(f"/api/v1/projects/{pid}/next", headers=annotator.headers)
            assert lease.status_code == 200, lease.text
            label = LABELS[(lease.json()["item"]["id"] + n) % 3]
            done = client.post(
                f"/api/v1/assignments/{lease.json()['assignment_id']}/submit",
                json={"result": {"label": label}, "duration_ms": 900},
                headers=annotator.headers,
            )
            assert done.status_code == 201, done.text
    held = client.post(f"/api/v1/projects/{pid}/next", headers=team.annotators[2].headers)
    assert held.status_code == 200  # a live lease, never submitted
    settle(pid, annotations=7 + 5 + 3)
    with Session(get_engine(), expire_on_commit=False) as session:
        ids = session.execute(
            select(Item.id).where(Item.project_id == pid, Item.annotation_count == 0)
        ).scalars()
        fresh = sorted(ids)
    gold_ids = fresh[-2:]
    answer = client.post(
        f"/api/v1/projects/{pid}/gold",
        json={"items": [{"item_id": i, "answer": {"label": "other"}} for i in gold_ids]},
        headers=team.manager.headers,
    )
    assert answer.status_code == 200, answer.text
    batches = client.get(f"/api/v1/projects/{pid}/batches", headers=team.manager.headers)
    assert batches.status_code == 200
    return Fixture(team, project, sorted(b["id"] for b in batches.json()), gold_ids)


@dataclass
class Truth:
    """The project's rows read straight from the tables: what every filter is checked against."""

    items: dict[int, Item]
    consensus: dict[int, Consensus]
    annotators: dict[int, set[int]]
    leased: set[int]
    final: set[int]
    in_review: dict[int, str]  # review's stored state of the item (in_review, reviewed, rework)

    def status(self, item: Item) -> str:
        if item.id in self.final:
            return "final"
        if item.id in self.in_review:
            return self.in_review[item.id]
        if item.wanted > 0 and item.annotation_count >= item.wanted:
            return "done"
        if item.annotation_count > 0 or item.id in self.leased:
            return "in_progress"
        return "new"

    def labels(self, item_id: int, kind: str) -> list[str]:
        found = self.consensus.get(item_id)
        return get_kind(kind).labels_of(found.result) if found else []

    def confidence(self, item_id: int) -> float | None:
        found = self.consensus.get(item_id)
        return found.confidence if found else None

    def matching(self, keep: Callable[[Item], bool]) -> list[int]:
        return sorted(i for i, item in self.items.items() if keep(item))


def truth(project_id: int) -> Truth:
    now = clock.now()
    with Session(get_engine()) as session:
        items = session.execute(select(Item).where(Item.project_id == project_id)).scalars().all()
        consensus = session.execute(
            select(Consensus).where(Consensus.project_id == project_id)
        ).scalars()
        annotations = session.execute(
            select(Annotation.item_id, Annotation.annotator_id).where(
                Annotation.project_id == project_id
            )
        ).all()
        leased = session.execute(
            select(Assignment.item_id).where(
                Assignment.project_id == project_id,
                Assignment.status == "leased",
                Assignment.expires_at > now,
            )
        ).scalars()
        final = session.execute(
            select(FinalItem.item_id).where(FinalItem.project_id == project_id)
        ).scalars()
        in_review = session.execute(
            select(ReviewItem.item_id, ReviewItem.state).where(
                ReviewItem.project_id == project_id,
                ReviewItem.state.in_(["in_review", "reviewed", "rework"]),
            )
        ).all()
        annotators: dict[int, set[int]] = {}
        for item_id, annotator_id in annotations:
            annotators.setdefault(item_id, set()).add(annotator_id)
        return Truth(
            items={item.id: item for item in items},
            consensus={c.item_id: c for c in consensus},
            annotators=annotators,
            leased=set(leased),
            final=set(final),
            in_review=dict(in_review),
        )


def test_every_filter_and_combination_matches_a_direct_query(client, labelled):
    team, pid, kind = labelled.team, labelled.project["id"], labelled.project["kind"]
    known = truth(pid)
    assert len(known.items) == 14
    # Review is off: a finished item is final at once (ItemsFinal), and listed as such.
    assert {known.status(i) for i in known.items.values()} == {"new", "in_progress", "final"}
    assert known.consensus, "the recompute made no consensus"

    def check(params: dict[str, Any], keep: Callable[[Item], bool]) -> None:
        got = sorted(row["id"] for row in walk(client, team.manager, pid, **params))
        assert got == known.matching(keep), params

    check({}, lambda i: True)
    for state in ("new", "in_progress", "done", "in_review", "reviewed", "rework", "final"):
        check({"status": state}, lambda i, s=state: known.status(i) == s)
    for label in LABELS:
        check({"label": label}, lambda i, lb=label: lb in known.labels(i.id, kind))
    for low, high in ((0.0, 0.5), (0.5, 1.0), (0.6, 0.9), (1.0, 1.0)):
        check(
            {"confidence_min": low, "confidence_max": high},
            lambda i, a=low, b=high: (c := known.confidence(i.id)) is not None and a <= c <= b,
        )
    check({"confidence_min": 0.7}, lambda i: (known.confidence(i.id) or -1) >= 0.7)
    for annotator in team.annotators:
        check(
            {"annotator_id": annotator.id},
            lambda i, a=annotator.id: a in known.annotators.get(i.id, set()),
        )
    check({"gold": "true"}, lambda i: i.is_gold)
    check({"gold": "false"}, lambda i: not i.is_gold)
    assert known.matching(lambda i: i.is_gold) == labelled.gold_ids
    for batch in labelled.batches:
        check({"batch_id": batch}, lambda i, b=batch: i.batch_id == b)
    check({"q": "pump"}, lambda i: "pump" in (i.text or "").lower())
    check({"q": "B-3"}, lambda i: "b-3" in (i.external_id or "").lower())
    check({"q": "100%_"}, lambda i: False)  # LIKE wildcards are searched for literally
    label = LABELS[0]
    check(
        {"label": label, "confidence_min": 0.5, "confidence_max": 1.0},
        lambda i: label in known.labels(i.id, kind) and 0.5 <= known.confidence(i.id) <= 1.0,
    )
    first = team.annotators[0].id
    check(
        {"status": "final", "annotator_id": first},
        lambda i: known.status(i) == "final" and first in known.annotators.get(i.id, set()),
    )
    check(
        {"gold": "false", "batch_id": labelled.batches[0], "q": "pump"},
        lambda i: (
            not i.is_gold and i.batch_id == labelled.batches[0] and "pump" in (i.text or "").lower()
        ),
    )


def test_rows_carry_what_the_table_shows(client, labelled):
    team, pid = labelled.team, labelled.project["id"]
    known = truth(pid)
    rows = walk(client, team.reviewer, pid, limit=50)
    for row in rows:
        item = known.items[row["id"]]
        assert row["external_id"] == item.external_id
        assert row["status"] == known.status(item)
        assert row["is_gold"] == item.is_gold
        assert row["text_preview"] == item.text
        assert row["media_url"] is None and row["thumbnail_url"] is None
        assert row["annotation_count"] == item.annotation_count
        assert row["batch_id"] == item.batch_id
        assert item.batch_id in labelled.batches
        found = known.consensus.get(item.id)
        if found is None:
            assert row["consensus"] is None
        else:
            assert row["consensus"]["labels"] == [found.result["label"]]
            assert row["consensus"]["confidence"] == pytest.approx(found.confidence)


@pytest.mark.parametrize("sort", SORTS)
def test_cursor_pages_visit_every_item_once_in_order(client, labelled, sort):
    team, pid = labelled.team, labelled.project["id"]
    known = truth(pid)
    name = sort.lstrip("-")

    def key(item: Item) -> tuple:
        if name == "confidence":
            return (known.confidence(item.id), item.id)
        if name == "annotations":
            return (item.annotation_count, item.id)
        return (item.id,)

    items = list(known.items.values())
    if name == "confidence":  # items with consensus by (confidence, id), then the others by id
        parts = [
            [i for i in items if known.confidence(i.id) is not None],
            [i for i in items if known.confidence(i.id) is None],
        ]
        assert all(parts)  # the walk crosses from one part to the other, both ways
    else:
        parts = [items]
    descending = sort[0] == "-"
    expected = [i.id for part in parts for i in sorted(part, key=key, reverse=descending)]
    for limit in (1, 4, 200):
        rows = walk(client, team.manager, pid, limit=limit, sort=sort)
        assert [row["id"] for row in rows] == expected
    # and back again from the last row with ``before``
    back: list[int] = []
    before = rows[-1]["cursor"]
    first = client.get(items_url(pid), params={"sort": sort}, headers=team.manager.headers)
    assert first.json()["prev_cursor"] is None
    while before:
        page = client.get(
            items_url(pid),
            params={"sort": sort, "limit": 4, "before": before},
            headers=team.manager.headers,
        ).json()
        back = [row["id"] for row in page["items"]] + back
        before = page["prev_cursor"]
    assert back == expected[:-1]


def test_unknown_parameter_and_bad_cursor_are_422_naming_them(client, labelled):
    team, pid = labelled.team, labelled.project["id"]
    answer = client.get(items_url(pid), params={"colour": "red"}, headers=team.manager.headers)
    assert answer.status_code == 422
    assert answer.json()["code"] == "unknown_filter"
    assert answer.json()["detail"][0]["loc"] == ["query", "colour"]
    old = client.get(items_url(pid), params={"is_gold": "true"}, headers=team.manager.headers)
    assert old.status_code == 422 and old.json()["detail"][0]["loc"] == ["query", "is_gold"]
    bad = client.get(items_url(pid), params={"cursor": "nope"}, headers=team.manager.headers)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor"
    first = client.get(items_url(pid), params={"limit": 2}, headers=team.manager.headers).json()
    other_sort = client.get(
        items_url(pid),
        params={"sort": "-confidence", "cursor": first["next_cursor"]},
        headers=team.manager.headers,
    )
    assert other_sort.status_code == 422 and other_sort.json()["code"] == "invalid_cursor"
    too_many = client.get(items_url(pid), params={"limit": 201}, headers=team.manager.headers)
    assert too_many.status_code == 422
    wrong = client.get(items_url(pid), params={"status": "lost"}, headers=team.manager.headers)
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["query", "status"]


def _png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (90, 90, 90)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def test_label_filter_finds_labels_inside_boxes(client, team):
    """Boxes keep labels in a list: ``{"boxes": [{"label": ...}]}`` (JSON containment)."""
    project = new_project(client, team, "image_boxes", overlap=1)
    pid = project["id"]
    images = []
    for n in range(4):
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), (n * 40, 10, 10)).save(buffer, format="PNG")
        images.append({"image_base64": base64.b64encode(buffer.getvalue()).decode()})
    answer = client.post(items_url(pid), json={"items": images}, headers=team.manager.headers)
    assert answer.status_code == 201, answer.text
    box = {"x": 1, "y": 1, "w": 5, "h": 5}
    results = [
        {"boxes": [{**box, "label": "scratch"}, {**box, "label": "dent"}]},
        {"boxes": [{**box, "label": "dent"}]},
        {"boxes": []},
    ]
    with Session(get_engine()) as session:
        ids = sorted(session.execute(select(Item.id).where(Item.project_id == pid)).scalars())
        for item_id, result in zip(ids, results, strict=False):
            session.add(Consensus(item_id=item_id, project_id=pid, result=result, confidence=0.8))
        session.commit()
    for label, expected in (("dent", ids[:2]), ("scratch", ids[:1]), ("stain", [])):
        rows = walk(client, team.manager, pid, label=label)
        assert sorted(r["id"] for r in rows) == expected, label
    row = walk(client, team.manager, pid, label="scratch")[0]
    assert row["consensus"]["labels"] == ["scratch", "dent"]
    assert row["thumbnail_url"] == f"/api/v1/items/{row['id']}/thumbnail"


def test_item_view_shows_every_annotation_and_names_only_to_managers(client, labelled):
    team, pid = labelled.team, labelled.project["id"]
    known = truth(pid)
    item_id = next(i for i, found in known.annotators.items() if len(found) == 2)
    view = client.get(f"/api/v1/items/{item_id}", headers=team.manager.headers)
    assert view.status_code == 200, view.text
    body = view.json()
    assert body["kind"] == "text_classification"
    assert body["text"] == known.items[item_id].text and body["media_url"] is None
    assert {a["annotator_id"] for a in body["annotations"]} == known.annotators[item_id]
    assert all(a["annotator_email"] and a["prelabel_used"] is False for a in body["annotations"])
    assert body["reviews"] == []
    found = known.consensus[item_id]
    assert body["consensus"]["result"] == found.result
    assert body["status"] == "final" and body["gold"] is None  # review is off
    reviewer = client.get(f"/api/v1/items/{item_id}", headers=team.reviewer.headers).json()
    assert all(a["annotator_email"] is None for a in reviewer["annotations"])
    gold = client.get(f"/api/v1/items/{labelled.gold_ids[0]}", headers=team.owner.headers).json()
    assert gold["is_gold"] and gold["gold"]["answer"] == {"label": "other"}
    annotator = team.annotators[0]
    assert client.get(f"/api/v1/items/{item_id}", headers=annotator.headers).status_code == 403
    assert client.get(items_url(pid), headers=annotator.headers).status_code == 403


def _counts(project_id: int) -> tuple[int, int, int, int]:
    with Session(get_engine()) as session:

        def count(model: Any) -> int:
            return session.execute(
                select(func.count()).select_from(model).where(model.project_id == project_id)
            ).scalar_one()

        wanted = session.execute(
            select(func.sum(Item.wanted)).where(Item.project_id == project_id)
        ).scalar_one()
        return count(Item), count(Annotation), count(GoldAnswer), wanted


def test_another_organization_gets_404_and_changes_nothing(client, labelled):
    team, pid = labelled.team, labelled.project["id"]
    stranger = new_team(client, annotators=0)
    theirs = new_project(client, stranger)
    import_texts(client, stranger, theirs["id"], [("s", "their text")])
    ours = sorted(truth(pid).items)
    before = _counts(pid)
    assert client.get(items_url(pid), headers=stranger.owner.headers).status_code == 404
    view = client.get(f"/api/v1/items/{ours[0]}", headers=stranger.owner.headers)
    assert view.status_code == 404
    for action in ("requeue", "delete", "mark_gold"):
        body = {"item_ids": ours, "action": action}
        into_ours = client.post(f"{items_url(pid)}/bulk", json=body, headers=stranger.owner.headers)
        assert into_ours.status_code == 404
        via_theirs = client.post(
            f"{items_url(theirs['id'])}/bulk", json=body, headers=stranger.owner.headers
        )
        assert via_theirs.status_code == 404
        assert via_theirs.json()["code"] == "not_found"
        theirs_id = walk(client, stranger.owner, theirs["id"])[0]["id"]
        mixed = {"item_ids": [ours[0], theirs_id], "action": action}
        answer = client.post(f"{items_url(pid)}/bulk", json=mixed, headers=team.manager.headers)
        assert answer.status_code == 404 and answer.json()["missing"] == [theirs_id]
    assert _counts(pid) == before
    assert len(walk(client, stranger.owner, theirs["id"])) == 1


def test_bulk_requeue_mark_gold_and_delete(client, labelled):
    team, pid = labelled.team, labelled.project["id"]
    known = truth(pid)
    # finished items (review is off, so they are final): all the answers they want
    done = known.matching(lambda i: i.wanted > 0 and i.annotation_count >= i.wanted)
    new = known.matching(lambda i: known.status(i) == "new" and not i.is_gold)
    assert done and new
    url = f"{items_url(pid)}/bulk"
    requeue = client.post(
        url, json={"item_ids": done + new[:1], "action": "requeue"}, headers=team.manager.headers
    )
    assert requeue.status_code == 200, requeue.text
    assert requeue.json()["changed"] == len(done) and requeue.json()["unchanged"] == new[:1]
    after = truth(pid)
    assert all(after.items[i].wanted == known.items[i].wanted + 1 for i in done)
    assert all(after.items[i].annotation_count < after.items[i].wanted for i in done)
    # a requeue wants one more answer but does not reopen a final item (only a rejected lot
    # does: final → rework), so the data manager still lists it as final
    assert all(after.status(after.items[i]) == "final" for i in done)

    refused = client.post(
        url, json={"item_ids": [done[0], new[0]], "action": "mark_gold"}, headers=team.owner.headers
    )
    assert refused.status_code == 409 and refused.json()["code"] == "no_consensus"
    assert refused.json()["item_ids"] == [new[0]]
    assert not truth(pid).items[done[0]].is_gold
    marked = client.post(
        url, json={"item_ids": done[:2], "action": "mark_gold"}, headers=team.manager.headers
    )
    assert marked.status_code == 200, marked.text
    with Session(get_engine()) as session:
        for item_id in done[:2]:
            gold = session.get(GoldAnswer, item_id)
            assert gold is not None and gold.answer == known.consensus[item_id].result
            assert session.get(Item, item_id).is_gold

    victims = done[-1:] + new[:1]
    annotations = sum(known.items[i].annotation_count for i in victims)
    counts = _counts(pid)
    reviewer = client.post(
        url, json={"item_ids": victims, "action": "delete"}, headers=team.reviewer.headers
    )
    assert reviewer.status_code == 403
    deleted = client.post(
        url, json={"item_ids": victims, "action": "delete"}, headers=team.manager.headers
    )
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["annotations_deleted"] == annotations
    assert "annotations" in deleted.json()["message"]
    items, kept_annotations, _, _ = _counts(pid)
    assert (items, kept_annotations) == (counts[0] - 2, counts[1] - annotations)
    assert (
        client.get(f"/api/v1/items/{victims[0]}", headers=team.manager.headers).status_code == 404
    )
    with Session(get_engine()) as session:
        actions = session.execute(
            select(AuditEvent.action, AuditEvent.data).where(
                AuditEvent.target_type == "project", AuditEvent.target_id == str(pid)
            )
        ).all()
    bulk = {action: data for action, data in actions if action.startswith("items.bulk.")}
    assert set(bulk) == {"items.bulk.requeue", "items.bulk.mark_gold", "items.bulk.delete"}
    assert bulk["items.bulk.delete"]["item_ids"] == sorted(victims)


def test_a_client_cannot_filter_by_an_annotators_id(client):
    """A client sees annotators as pseudonyms; a filter by raw id would map one to the other."""
    team = new_team(client, annotators=1)
    customer = new_user(client, name="Client Person")
    add_member(client, team.org_id, team.owner, customer, "client")
    project = new_project(client, team, "text_classification")
    annotator = team.annotators[0].id
    refused = client.get(
        items_url(project["id"]), params={"annotator_id": annotator}, headers=customer.headers
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "filter_not_allowed"
    assert refused.json()["detail"][0]["loc"] == ["query", "annotator_id"]
    assert client.get(items_url(project["id"]), headers=customer.headers).status_code == 200
    staff = client.get(
        items_url(project["id"]), params={"annotator_id": annotator}, headers=team.manager.headers
    )
    assert staff.status_code == 200
