"""Review (质检): the reviewer's queue, verdicts, and what they change (SQLite and PostgreSQL).

Items enter review when a recompute finishes them (``ItemsFinished``); a reviewer leases one
through the one lease machinery (never one they annotated, never one another reviewer holds) and
accepts, fixes or rejects it. A fix is the final answer in consensus and exports; a reject sends
the item back for rework with the reasons, and the annotations it rejected stop counting.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from sqlmodel import Session, select

from backend import clock
from backend.assignments.models import Annotation, AnnotatorState
from backend.consensus.models import AnnotatorStat
from backend.db import get_engine
from backend.review.entering import enter_review
from backend.review.models import Review
from support.export_seed import build_now, create_version, download
from support.factories import new_project, new_team
from support.review_flow import (
    consensus_of,
    label_all,
    recompute,
    review_next,
    review_states,
    verdict,
)
from support.seed import seed_items

REASONS = ["漏标", "错标", "框不准"]


def _reviewed_project(client, *, items: int = 2, annotators: int = 2, **settings):
    team = new_team(client, annotators=annotators)
    body = {
        "gold_rate": 0.0,
        "overlap": 2,
        "max_overlap": 2,
        "review_mode": "all",
        "review_reasons": REASONS,
        **settings,
    }
    project = new_project(client, team, **body)
    seed_items(project_id=project["id"], count=items)
    return team, project


def _label_everything(client, team, project, answer_for=None):
    answer_for = answer_for or (lambda item_id, lease: {"label": "other"})
    for annotator in team.annotators:
        label_all(client, annotator, project["id"], answer_for)
    recompute(project["id"])


def _export_lines(client, team, project) -> dict[int, dict]:
    version = create_version(
        client, project, team.manager.headers, format="raw_jsonl", source="raw"
    )
    build_now(client, version["id"], team.manager.headers)
    data = download(client, version["id"], team.manager.headers)
    lines: dict[int, dict] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.endswith(".jsonl") and name != "index.jsonl":
                for raw in archive.read(name).splitlines():
                    line = json.loads(raw)
                    lines[line["item"]["id"]] = line
    return lines


def test_settings_are_stored_and_validated(client):
    team = new_team(client, annotators=0)
    project = new_project(
        client,
        team,
        review_mode="sample",
        review_rate=0.25,
        review_confidence_below=0.7,
        review_annotators_below=0.8,
        rework_to="pool",
        review_reasons=[" 漏标 ", "错标"],
    )
    assert (project["review_mode"], project["review_rate"], project["rework_to"]) == (
        "sample",
        0.25,
        "pool",
    )
    assert project["review_reasons"] == ["漏标", "错标"]
    assert project["review_annotators_below"] == 0.8
    bad = client.patch(
        f"/api/v1/projects/{project['id']}",
        json={"review_mode": "some"},
        headers=team.manager.headers,
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "review_mode"
    twice = client.patch(
        f"/api/v1/projects/{project['id']}",
        json={"review_reasons": ["a", "a"]},
        headers=team.manager.headers,
    )
    assert twice.status_code == 422
    changed = client.patch(
        f"/api/v1/projects/{project['id']}",
        json={"review_mode": "low_confidence", "rework_to": "same"},
        headers=team.manager.headers,
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["review_mode"], changed.json()["rework_to"]) == (
        "low_confidence",
        "same",
    )


def test_next_shows_the_item_its_annotations_and_consensus_then_accept(client):
    team, project = _reviewed_project(client, items=1)
    pid = project["id"]
    _label_everything(client, team, project)
    [item_id] = review_states(pid)
    assert review_states(pid) == {item_id: ("in_review", 0)}

    lease = review_next(client, team.reviewer, pid)
    assert lease.status_code == 200, lease.text
    body = lease.json()
    assert body["mode"] == "review"
    assert body["item"]["id"] == item_id
    assert sorted(a["annotator_id"] for a in body["annotations"]) == sorted(
        a.id for a in team.annotators
    )
    assert all(a["result"] == {"label": "other"} for a in body["annotations"])
    assert body["consensus"]["result"] == {"label": "other"}
    assert body["reasons"] == REASONS
    # a reload hands back the same lease
    assert review_next(client, team.reviewer, pid).json()["review_id"] == body["review_id"]

    stored = verdict(client, team.reviewer, body["review_id"], decision="accept")
    assert stored.status_code == 201, stored.text
    assert stored.json()["decision"] == "accept"
    retried = verdict(client, team.reviewer, body["review_id"], decision="accept")
    assert retried.status_code == 200
    assert retried.json() == stored.json()  # a retry: the stored verdict
    other = verdict(client, team.reviewer, body["review_id"], decision="reject", reasons=["错标"])
    assert other.status_code == 409  # another verdict is refused, never answered as taken
    assert other.json()["code"] == "already_judged"
    assert other.json()["decision"] == "accept"
    assert review_states(pid) == {item_id: ("reviewed", 0)}
    assert review_next(client, team.reviewer, pid).status_code == 204

    listed = client.get(f"/api/v1/projects/{pid}/reviews", headers=team.manager.headers)
    assert listed.status_code == 200
    assert listed.headers["X-Total-Count"] == "1"
    assert [r["review_id"] for r in listed.json()] == [body["review_id"]]
    figures = client.get(f"/api/v1/projects/{pid}/review/figures", headers=team.reviewer.headers)
    assert figures.status_code == 200, figures.text
    figures = figures.json()
    assert (figures["reviewed"], figures["in_review"], figures["rework"]) == (1, 0, 0)
    [mine] = figures["reviewers"]
    assert (mine["reviewer_id"], mine["reviewed"], mine["accepted"]) == (team.reviewer.id, 1, 1)
    assert sorted(a["annotator_id"] for a in figures["annotators"]) == sorted(
        a.id for a in team.annotators
    )
    assert all(a["judged"] == 1 and a["correct"] == 1.0 for a in figures["annotators"])
    assert {a["name"] for a in figures["annotators"]} == {f"Annotator {i}" for i in range(2)}


def test_who_may_review_and_never_their_own_work(client):
    team, project = _reviewed_project(client, items=2, annotators=1, overlap=1, max_overlap=1)
    pid = project["id"]
    annotator = team.annotators[0]
    # the manager labels one item, the annotator the other
    lease = client.post(f"/api/v1/projects/{pid}/next", headers=team.manager.headers).json()
    done = client.post(
        f"/api/v1/assignments/{lease['assignment_id']}/submit",
        json={"result": {"label": "other"}, "duration_ms": 500},
        headers=team.manager.headers,
    )
    assert done.status_code == 201
    label_all(client, annotator, pid, lambda item_id, lease: {"label": "other"})
    recompute(pid)
    by_manager = {a.item_id for a in _annotations(pid) if a.annotator_id == team.manager.id}
    assert len(review_states(pid)) == 2 and len(by_manager) == 1

    refused = review_next(client, annotator, pid)
    assert refused.status_code == 403
    manager_lease = review_next(client, team.manager, pid)
    assert manager_lease.status_code == 200
    assert manager_lease.json()["item"]["id"] not in by_manager
    # the only other item is the manager's own: the reviewer gets it, the manager nothing more
    reviewer_lease = review_next(client, team.reviewer, pid)
    assert reviewer_lease.json()["item"]["id"] in by_manager
    stored = verdict(client, team.manager, manager_lease.json()["review_id"], decision="accept")
    assert stored.status_code == 201
    assert review_next(client, team.manager, pid).status_code == 204
    outsider = new_team(client, annotators=0)
    assert review_next(client, outsider.reviewer, pid).status_code == 404


def _annotations(project_id: int) -> list[Annotation]:
    with Session(get_engine()) as session:
        return list(
            session.exec(select(Annotation).where(Annotation.project_id == project_id)).all()
        )


def test_two_reviewers_never_share_an_item_and_expiry_frees_it(client, monkeypatch):
    team, project = _reviewed_project(client, items=1)
    pid = project["id"]
    _label_everything(client, team, project)
    first = review_next(client, team.reviewer, pid)
    assert first.status_code == 200
    assert review_next(client, team.manager, pid).status_code == 204  # held by the reviewer

    later = clock.now() + timedelta(seconds=project["lease_seconds"] + 5)
    monkeypatch.setattr(clock, "now", lambda: later)
    second = review_next(client, team.manager, pid)
    assert second.status_code == 200
    assert second.json()["item"]["id"] == first.json()["item"]["id"]
    late = verdict(client, team.reviewer, first.json()["review_id"], decision="accept")
    assert late.status_code == 409
    assert late.json()["code"] == "review_expired"
    foreign = verdict(client, team.annotators[0], second.json()["review_id"], decision="accept")
    assert (foreign.status_code, foreign.json()["code"]) == (404, "not_found")
    missing = verdict(client, team.reviewer, 2**31 - 2, decision="accept")
    assert missing.status_code == 404
    with Session(get_engine()) as session:
        assert session.exec(select(Review).where(Review.project_id == pid)).all() == []
    assert (
        verdict(client, team.manager, second.json()["review_id"], decision="accept").status_code
        == 201
    )


def test_fix_needs_a_valid_result_and_becomes_the_final_answer(client):
    team, project = _reviewed_project(client, items=2)
    pid = project["id"]
    _label_everything(client, team, project)
    lease = review_next(client, team.reviewer, pid).json()
    item_id = lease["item"]["id"]

    missing = verdict(client, team.reviewer, lease["review_id"], decision="fix")
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "result"]
    wrong = verdict(
        client, team.reviewer, lease["review_id"], decision="fix", result={"label": "nope"}
    )
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["body", "result", "label"]
    unknown_reason = verdict(
        client, team.reviewer, lease["review_id"], decision="accept", reasons=["其他"]
    )
    assert unknown_reason.status_code == 422
    assert unknown_reason.json()["detail"][0]["loc"] == ["body", "reasons", 0]
    assert review_states(pid)[item_id] == ("in_review", 0)  # nothing stored

    fixed = verdict(
        client,
        team.reviewer,
        lease["review_id"],
        decision="fix",
        result={"label": "electrical_fault"},
        reasons=["错标"],
        comment="bearing noise is electrical here",
    )
    assert fixed.status_code == 201, fixed.text
    assert fixed.json()["result"] == {"label": "electrical_fault"}
    assert consensus_of(pid)[item_id][:2] == ({"label": "electrical_fault"}, 1.0)
    recompute(pid)  # the next recompute keeps the fix
    assert consensus_of(pid)[item_id][0] == {"label": "electrical_fault"}
    lines = _export_lines(client, team, project)
    assert lines[item_id]["consensus"]["result"] == {"label": "electrical_fault"}
    # both annotators answered "other": the fix counts against them
    with Session(get_engine()) as session:
        states = session.exec(select(AnnotatorState).where(AnnotatorState.project_id == pid)).all()
    judged = {s.user_id: (s.review_answered, s.review_correct) for s in states}
    for annotator in team.annotators:
        assert judged[annotator.id] == (1, 0.0)


def test_reject_sends_the_item_back_to_the_same_annotators(client):
    team, project = _reviewed_project(client, items=2)
    pid = project["id"]
    _label_everything(client, team, project)
    lease = review_next(client, team.reviewer, pid).json()
    item_id = lease["item"]["id"]
    rejected_ids = sorted(a["annotation_id"] for a in lease["annotations"])

    sent = verdict(
        client,
        team.reviewer,
        lease["review_id"],
        decision="reject",
        reasons=["错标"],
        comment="read the manual, section 3",
    )
    assert sent.status_code == 201, sent.text
    assert review_states(pid)[item_id] == ("rework", 1)
    # the item's page shows the verdict, with the reviewer's name to a manager only
    for who, named in ((team.manager, True), (team.reviewer, False)):
        detail = client.get(f"/api/v1/items/{item_id}", headers=who.headers)
        assert detail.status_code == 200, detail.text
        [shown] = detail.json()["reviews"]
        assert shown["review_id"] == lease["review_id"]
        assert (shown["stage"], shown["decision"], shown["rework_round"]) == ("review", "reject", 0)
        assert shown["reasons"] == ["错标"] and shown["comment"] == "read the manual, section 3"
        assert shown["reviewer_id"] == team.reviewer.id
        assert (shown["reviewer_name"] is not None) is named
    assert item_id not in consensus_of(pid)
    recompute(pid)
    assert item_id not in consensus_of(pid)  # the rejected answers no longer count

    for annotator in team.annotators:
        again = client.post(f"/api/v1/projects/{pid}/next", headers=annotator.headers)
        assert again.status_code == 200, again.text
        body = again.json()
        assert body["item"]["id"] == item_id
        assert body["rework"] == {"reasons": ["错标"], "comment": "read the manual, section 3"}
        done = client.post(
            f"/api/v1/assignments/{body['assignment_id']}/submit",
            json={"result": {"label": "mechanical_wear"}, "duration_ms": 900},
            headers=annotator.headers,
        )
        assert done.status_code == 201, done.text
        assert (
            client.post(f"/api/v1/projects/{pid}/next", headers=annotator.headers).status_code
            == 204
        )
    recompute(pid)
    assert consensus_of(pid)[item_id][0] == {"label": "mechanical_wear"}
    assert consensus_of(pid)[item_id][2] == 2  # only the reworked answers count
    assert review_states(pid)[item_id] == ("in_review", 1)

    lines = _export_lines(client, team, project)
    exported = sorted(a["id"] for a in lines[item_id]["annotations"])
    assert not set(exported) & set(rejected_ids)
    assert len(exported) == 2

    # the second review sees only the reworked answers; it may be the same reviewer
    second = review_next(client, team.reviewer, pid).json()
    if second["item"]["id"] != item_id:  # the other item waited longer
        verdict(client, team.reviewer, second["review_id"], decision="accept")
        second = review_next(client, team.reviewer, pid).json()
    assert second["item"]["id"] == item_id
    assert second["rework_round"] == 1
    assert sorted(a["annotation_id"] for a in second["annotations"]) == exported
    assert verdict(client, team.reviewer, second["review_id"], decision="accept").status_code == 201
    assert review_states(pid)[item_id] == ("reviewed", 1)


def test_reject_to_the_pool_goes_to_annotators_who_had_not_answered(client):
    team, project = _reviewed_project(client, items=1, annotators=3, rework_to="pool")
    pid = project["id"]
    first, second, third = team.annotators
    for annotator in (first, second):
        label_all(client, annotator, pid, lambda item_id, lease: {"label": "other"})
    recompute(pid)
    lease = review_next(client, team.reviewer, pid).json()
    assert (
        verdict(
            client, team.reviewer, lease["review_id"], decision="reject", reasons=["漏标"]
        ).status_code
        == 201
    )
    for annotator in (first, second):
        assert (
            client.post(f"/api/v1/projects/{pid}/next", headers=annotator.headers).status_code
            == 204
        )
    fresh = client.post(f"/api/v1/projects/{pid}/next", headers=third.headers)
    assert fresh.status_code == 200
    assert fresh.json()["item"]["id"] == lease["item"]["id"]
    assert fresh.json()["rework"]["reasons"] == ["漏标"]


def test_rejections_count_in_the_review_record_and_pause(client):
    team, project = _reviewed_project(
        client,
        items=3,
        annotators=2,
        overlap=1,
        max_overlap=1,
        gold_min_count=2,
        min_gold_accuracy=0.6,
    )
    pid = project["id"]
    spammer = team.annotators[0]
    label_all(client, spammer, pid, lambda item_id, lease: {"label": "other"})
    recompute(pid)
    for _ in range(3):
        lease = review_next(client, team.reviewer, pid).json()
        stored = verdict(client, team.reviewer, lease["review_id"], decision="reject")
        assert stored.status_code == 201
    with Session(get_engine()) as session:
        state = session.get(AnnotatorState, (pid, spammer.id))
    assert state.status == "paused"
    assert "review accuracy" in state.paused_reason
    paused = client.post(f"/api/v1/projects/{pid}/next", headers=spammer.headers)
    assert paused.status_code == 403
    # the page is told which record paused them, with the figures as at the pause (after two
    # rejections, Beta(1, 1): 1 / 4 = 25%)
    body = paused.json()
    assert body["code"] == "paused_low_review_accuracy"
    assert (body["accuracy"], body["answered"], body["minimum"]) == (0.25, 2, 0.6)
    mine = client.get(f"/api/v1/projects/{pid}/my-stats", headers=spammer.headers).json()
    assert mine["pause"] == {
        "code": "paused_low_review_accuracy",
        "reason": state.paused_reason,
        "accuracy": 0.25,
        "answered": 2,
        "minimum": 0.6,
    }


def test_verdicts_on_doubtful_items_are_marked_but_do_not_pause(client):
    """Items the per-annotator rule (or low confidence) sent are where annotators err: their
    verdicts show in the figures, but only unbiased picks (all, sample) feed rule 5."""
    team, project = _reviewed_project(
        client,
        items=3,
        annotators=1,
        overlap=1,
        max_overlap=1,
        review_mode="none",
        review_annotators_below=0.7,
        gold_min_count=2,
    )
    pid = project["id"]
    weak = team.annotators[0]
    items = label_all(client, weak, pid, lambda item_id, lease: {"label": "other"})
    with Session(get_engine()) as session:
        session.add(AnnotatorStat(project_id=pid, user_id=weak.id, gold_accuracy=0.5))
        session.commit()
        assert sorted(enter_review(session=session, project_id=pid, item_ids=items)) == sorted(
            items
        )
        session.commit()
    for _ in items:
        lease = review_next(client, team.reviewer, pid).json()
        assert (
            verdict(client, team.reviewer, lease["review_id"], decision="reject").status_code == 201
        )
    with Session(get_engine()) as session:
        state = session.get(AnnotatorState, (pid, weak.id))
    assert (state.status, state.review_answered) == ("active", 0)
    figures = client.get(f"/api/v1/projects/{pid}/review/figures", headers=team.manager.headers)
    [record] = figures.json()["annotators"]
    assert (record["annotator_id"], record["judged"], record["correct"]) == (weak.id, 3, 0.0)
