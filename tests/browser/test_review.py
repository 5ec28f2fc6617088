"""Review (质检) by keyboard only: Enter starts, A accepts, 2 + R rejects with a reason, F fixes
with the label hotkey and Enter; then the annotator sees the rejected item marked as rework."""

from __future__ import annotations

import pytest
from browser_ui import shot, sign_in, wait_item
from sqlmodel import Session
from test_people import new_account

from backend.consensus.recompute import recompute_project
from backend.db import get_engine

TEXTS = [{"text": f"主轴振动异常，更换轴承（#{i}）"} for i in range(3)]


def _label_all(seed, project: dict, label: str = "other") -> None:
    """The seed's annotator answers ``label`` to every item of the project."""
    with seed.client(seed.annotator) as c:
        while True:
            lease = c.post(f"/projects/{project['id']}/next")
            if lease.status_code == 204:
                return
            body = lease.json()
            done = c.post(
                f"/assignments/{body['assignment_id']}/submit",
                json={"result": {"label": label}, "duration_ms": 800},
            )
            assert done.status_code == 201, done.text


def test_review_by_keyboard_only_then_rework_is_marked(page, seed, artifacts, ui_base_url):
    if ui_base_url != seed.base_url:  # pragma: no cover - a remote server recomputes itself
        pytest.skip("the recompute runs in this process")
    project = seed.project(
        "text_classification", TEXTS, review_mode="all", review_reasons=["漏标", "错标"]
    )
    _label_all(seed, project)
    with Session(get_engine(), expire_on_commit=False) as session:
        recompute_project(session=session, project_id=project["id"])
    reviewer = new_account(seed, "质检员 Reviewer", "reviewer")

    sign_in(page, reviewer)
    asked: list[str] = []  # one request per item: each verdict's answer carries the next lease
    page.on("request", lambda r: asked.append(r.url) if "review" in r.url else None)
    row = page.locator(f".project-row[data-project-id='{project['id']}']")
    assert row.locator(".actions a").first.inner_text().strip() == "Review"
    page.goto(f"/#/projects/{project['id']}/review")
    start = page.get_by_role("button", name="Start reviewing")
    start.wait_for()
    page.keyboard.press("Enter")
    page.wait_for_selector("#stage[data-ready='1']")
    first = page.get_attribute("#stage", "data-review-id")
    assert page.locator(".review-annotation").count() == 1
    shot(page, artifacts, "review-item")

    page.keyboard.press("a")  # accept → the next item at once
    page.wait_for_function(
        "prev => { const s = document.getElementById('stage');"
        " return s.dataset.ready === '1' && s.dataset.reviewId !== prev; }",
        arg=first,
    )
    second = page.get_attribute("#stage", "data-review-id")
    rejected_item = int(page.get_attribute("#stage", "data-item-id"))
    page.keyboard.press("2")  # toggle the reason 错标
    assert page.locator("[data-reason='错标']").get_attribute("aria-pressed") == "true"
    page.keyboard.press("r")
    page.wait_for_function(
        "prev => { const s = document.getElementById('stage');"
        " return s.dataset.ready === '1' && s.dataset.reviewId !== prev; }",
        arg=second,
    )
    page.keyboard.press("f")  # fix with the annotators' tool: hotkey e, then Enter
    page.wait_for_selector("#stage[data-state='fix']")
    page.keyboard.press("e")
    page.keyboard.press("Enter")
    page.wait_for_selector("#stage[data-state='empty']")
    shot(page, artifacts, "review-done")
    assert sum(url.endswith("/review/next") for url in asked) == 1, asked
    assert sum(url.endswith("/submit?next=true") for url in asked) == 3, asked

    with seed.client(seed.manager) as c:
        reviews = c.get(f"/projects/{project['id']}/reviews").json()
    by_decision = {r["decision"]: r for r in reviews}
    assert sorted(by_decision) == ["accept", "fix", "reject"]
    assert by_decision["reject"]["reasons"] == ["错标"]
    assert by_decision["reject"]["item_id"] == rejected_item
    assert by_decision["fix"]["result"] == {"label": "electrical_fault"}

    # the annotator gets the rejected item back, marked as rework with the reason
    page.context.clear_cookies()
    page.evaluate("localStorage.clear()")
    sign_in(page, seed.annotator)
    page.goto(f"/#/projects/{project['id']}/annotate")
    page.get_by_role("button", name="Start").wait_for()
    page.keyboard.press("Enter")
    wait_item(page)
    assert int(page.get_attribute("#stage", "data-item-id")) == rejected_item
    note = page.locator(".rework-note")
    note.wait_for()
    assert "错标" in note.inner_text()
    shot(page, artifacts, "annotate-rework")


def test_a_second_verdict_on_a_judged_item_is_told_in_chinese(page, seed, ui_base_url):
    """The same reviewer judged the item elsewhere (another tab, a script): the page's own verdict
    is refused (409 ``already_judged``) and says so in the reader's language, then moves on."""
    if ui_base_url != seed.base_url:  # pragma: no cover - a remote server recomputes itself
        pytest.skip("the recompute runs in this process")
    project = seed.project("text_classification", TEXTS[:2], review_mode="all")
    _label_all(seed, project)
    with Session(get_engine(), expire_on_commit=False) as session:
        recompute_project(session=session, project_id=project["id"])
    reviewer = new_account(seed, "质检员 二号", "reviewer")

    sign_in(page, reviewer, lang="zh")
    page.goto(f"/#/projects/{project['id']}/review")
    page.get_by_role("button", name="开始质检").wait_for()
    page.keyboard.press("Enter")
    page.wait_for_selector("#stage[data-ready='1']")
    held = int(page.get_attribute("#stage", "data-review-id"))
    with seed.client(reviewer) as c:  # judged in another tab
        other = c.post(f"/reviews/{held}/submit", json={"decision": "accept"})
        assert other.status_code == 201, other.text

    page.keyboard.press("r")
    page.get_by_text("此条已经判定过（通过），第二次判定未保存。").wait_for()
    page.wait_for_function(  # and the next item is on screen
        "prev => { const s = document.getElementById('stage');"
        " return s.dataset.ready === '1' && s.dataset.reviewId !== String(prev); }",
        arg=held,
    )
    with seed.client(seed.manager) as c:
        (stored,) = [r for r in c.get(f"/projects/{project['id']}/reviews").json()]
    assert (stored["review_id"], stored["decision"]) == (held, "accept")
