"""An item's page lists its verdicts (质检): a manager opens a reviewed item in Chinese and reads
who judged it, the verdict, its reasons and comment — the QA pass found the section always
empty ("暂无质检记录") while the reviews list had the verdict."""

from __future__ import annotations

import pytest
from browser_ui import shot, sign_in
from sqlmodel import Session
from test_people import new_account
from test_review import _label_all

from backend.consensus.recompute import recompute_project
from backend.db import get_engine


def test_the_item_page_shows_its_verdicts_in_chinese(page, seed, artifacts, ui_base_url):
    if ui_base_url != seed.base_url:  # pragma: no cover - a remote server recomputes itself
        pytest.skip("the recompute runs in this process")
    project = seed.project(
        "text_classification",
        [{"text": "液压站压力波动，检查溢流阀"}],
        review_mode="all",
        review_reasons=["漏标", "错标"],
    )
    _label_all(seed, project)
    with Session(get_engine(), expire_on_commit=False) as session:
        recompute_project(session=session, project_id=project["id"])
    reviewer = new_account(seed, "赵质检", "reviewer")
    with seed.client(reviewer) as c:
        lease = c.post(f"/projects/{project['id']}/review/next").json()
        sent = c.post(
            f"/reviews/{lease['review_id']}/submit",
            json={"decision": "reject", "reasons": ["错标"], "comment": "请对照手册第3节"},
        )
        assert sent.status_code == 201, sent.text
    item_id = lease["item"]["id"]

    sign_in(page, seed.manager, lang="zh")
    page.goto(f"/#/items/{item_id}?project={project['id']}")
    row = page.locator(f"[data-reviews] tr[data-review-id='{lease['review_id']}']")
    row.wait_for()
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert cells[:6] == ["质检", "0", "驳回", "错标", "请对照手册第3节", "赵质检"]
    assert "暂无质检记录" not in page.locator("[data-reviews]").inner_text()
    shot(page, artifacts, "item-view-reviews-zh")
