"""What the QA pass found on the pages, as a person sees it (in Chinese where the text matters):
no literal "null" on the members, lots and models pages; a rework lease's time left in hours;
the new-lot form previews the plan of the lot it would really make; the exports page with one
error box, translated names, item counts and a warning for an empty version; the review page
keeps the item, the reasons and the comment across a language switch, the import page its
results.

Finished items and consensus are written in this process (``support.lot_seed``,
``recompute_project``), so this runs against the ``live_server`` of this process only.
"""

from __future__ import annotations

import os
import re

import pytest
from browser_pngs import part_image
from browser_ui import shot, sign_in, wait_item
from sqlmodel import Session
from test_people import new_account
from test_review import _label_all

from backend.consensus.recompute import recompute_project
from backend.db import get_engine
from backend.exports.config import export_settings
from backend.exports.jobs import run_build
from support.lot_seed import finished_items

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("JINBIAO_BROWSER_BASE_URL")), reason="seeds rows in this process's database"
)


def _user_id(seed, account) -> int:
    with seed.client(account) as c:
        return c.get("/me").json()["id"]


def _main_text(page) -> str:
    return page.locator("#main").inner_text()


def _reviewable(seed, texts: list[str], reasons: list[str]) -> dict:
    project = seed.project(
        "text_classification",
        [{"text": t} for t in texts],
        review_mode="all",
        review_reasons=reasons,
    )
    _label_all(seed, project)
    with Session(get_engine(), expire_on_commit=False) as session:
        recompute_project(session=session, project_id=project["id"])
    return project


def test_no_null_on_the_members_lots_and_models_pages(page, seed, artifacts):
    project = seed.project("text_classification", [{"text": "液压泵漏油。"}])
    finished_items(project, 12, [_user_id(seed, seed.annotator)])
    with seed.client(seed.manager) as c:  # one lot: the lots table has one page, no pager
        made = c.post(f"/projects/{project['id']}/lots", json={"all_finished": True, "aql": "1.0"})
        assert made.status_code == 201, made.text
    manager = new_account(seed, "二号经理", role="manager")  # a manager has no audit link

    sign_in(page, manager, lang="zh")
    page.goto(f"/#/orgs/{seed.org_id}/members")
    page.locator(".members-table tbody tr").first.wait_for()
    assert page.locator("#audit-link").count() == 0
    assert "null" not in _main_text(page)

    page.goto(f"/#/projects/{project['id']}/lots")
    page.locator(".lots-table tbody tr").first.wait_for()
    assert page.locator(".pager").count() == 0
    assert "null" not in _main_text(page)

    page.goto(f"/#/projects/{project['id']}/models")
    page.get_by_role("button", name="重新预标注").wait_for()
    page.locator(".models-body .card").first.wait_for()
    assert "null" not in _main_text(page)
    shot(page, artifacts, "models-no-null-zh")

    sign_in(page, seed.manager, lang="en")  # the owner: the audit link, still no "null"
    page.goto(f"/#/orgs/{seed.org_id}/members")
    page.locator("#audit-link").wait_for()
    assert "null" not in _main_text(page)


def test_the_new_lot_form_previews_the_lot_it_would_make(page, seed, artifacts):
    project = seed.project("text_classification", [])
    finished_items(project, 24, [_user_id(seed, seed.annotator)])
    sign_in(page, seed.manager, lang="zh")
    page.goto(f"/#/projects/{project['id']}/lots")
    form = page.locator("#new-lot")
    form.locator(".lot-source-count[data-count='24']").wait_for()
    assert "将有 24 个尚未入批的已完成条目进入此批次" in form.inner_text()
    preview = form.locator(".plan-preview")
    preview.filter(has_text="批量 24：字码 E，抽检 13 个").wait_for()
    shot(page, artifacts, "lots-preview-real-size-zh")
    form.get_by_role("button", name="组批").click()
    row = page.locator(".lots-table tbody tr").first
    row.wait_for()
    assert row.locator("td").nth(1).inner_text() == "24"
    assert "E" in row.locator(".lot-plan").inner_text()
    assert "null" not in _main_text(page)
    # Everything finished is in the lot now: the form says so and previews no plan.
    form.locator(".lot-source-count[data-count='0']").wait_for()
    assert "无法组批" in form.inner_text()
    assert preview.inner_text() == ""


def test_a_rework_lease_shows_hours_and_minutes(page, seed, artifacts):
    project = _reviewable(seed, ["主轴振动异常，更换轴承。"], ["错标"])
    reviewer = new_account(seed, "质检员", role="reviewer")
    with seed.client(reviewer) as c:
        lease = c.post(f"/projects/{project['id']}/review/next")
        assert lease.status_code == 200, lease.text
        sent = c.post(
            f"/reviews/{lease.json()['review_id']}/submit",
            json={"decision": "reject", "reasons": ["错标"], "comment": ""},
        )
        assert sent.status_code in (200, 201), sent.text

    sign_in(page, seed.annotator, lang="zh")
    page.goto(f"/#/projects/{project['id']}/annotate")
    page.get_by_role("button", name="开始").click()
    wait_item(page)
    page.locator(".rework-note").wait_for()
    cell = page.locator("[data-stat=lease]")
    text = cell.inner_text()
    assert re.fullmatch(r"4[78]小时\d{1,2}分", text), text
    assert int(cell.get_attribute("data-seconds-left")) > 47 * 3600
    shot(page, artifacts, "annotate-rework-lease-zh")


def test_exports_page_for_the_client(page, seed, artifacts):
    project = seed.project("text_classification", [])
    finished_items(project, 6, [_user_id(seed, seed.annotator)])
    customer = new_account(seed, "验收方客户", role="client")
    sign_in(page, customer, lang="zh")
    page.goto(f"/#/projects/{project['id']}/exports")
    form = page.locator("form.card")
    form.wait_for()
    source = form.locator("select[name=source]")
    assert source.locator("option").all_inner_texts() == [
        "共识（每条目一个答案）",
        "原始标注（全部答案）",
    ]
    assert "CSV 表格" in form.locator("select[name=format]").inner_text()

    # A request the server refuses (the split does not add up to 1), twice: one error box.
    split = form.locator("input[pattern]")
    split.fill("0.5/0.1/0.1")
    for _ in range(2):
        with page.expect_response(
            lambda r: r.url.endswith("/versions") and r.request.method == "POST"
        ):
            form.get_by_role("button", name="生成").click()
        form.locator(".form-errors .error").wait_for()
    assert form.locator(".error").count() == 1
    split.fill("0.8/0.1/0.1")

    # Only accepted lots, with none accepted: said before building, and after it.
    form.locator("input[name=only_accepted_lots]").check()
    form.locator(".no-accepted-lot").wait_for(state="visible")
    assert "还没有已验收的批次" in form.inner_text()
    with page.expect_response(
        lambda r: r.url.endswith("/versions") and r.request.method == "POST"
    ) as got:
        form.get_by_role("button", name="生成").click()
    assert got.value.status == 202, got.value.text()
    assert form.locator(".error").count() == 0  # a success clears the error box
    run_build(engine=get_engine(), version_id=got.value.json()["id"], config=export_settings())
    row = page.locator("tr[data-version-status='ready']")
    row.wait_for()
    assert row.locator("[data-items]").get_attribute("data-items") == "0"
    assert "已就绪" in row.inner_text() and "ready" not in row.inner_text()
    assert "共识（每条目一个答案）" in row.inner_text()
    assert "建立此版本时还没有已验收的批次" in row.inner_text()
    alert = page.locator(".empty-built")
    alert.wait_for()
    assert "没有条目" in alert.inner_text()
    shot(page, artifacts, "exports-empty-version-zh")

    # A version with items says how many.
    form.locator("input[name=only_accepted_lots]").uncheck()
    with page.expect_response(
        lambda r: r.url.endswith("/versions") and r.request.method == "POST"
    ) as got:
        form.get_by_role("button", name="生成").click()
    run_build(engine=get_engine(), version_id=got.value.json()["id"], config=export_settings())
    page.locator("tr[data-version-status='ready'] [data-items='6']").wait_for()


def test_the_review_page_keeps_the_item_across_a_language_switch(page, seed, artifacts):
    project = _reviewable(seed, [f"减速机异响（#{i}）" for i in range(2)], ["漏标", "错标"])
    reviewer = new_account(seed, "质检员二", role="reviewer")
    sign_in(page, reviewer, lang="zh")
    page.goto(f"/#/projects/{project['id']}/review")
    page.get_by_role("button", name="开始质检").wait_for()
    page.keyboard.press("Enter")
    page.wait_for_selector("#stage[data-ready='1']")
    review_id = page.get_attribute("#stage", "data-review-id")
    page.keyboard.press("2")  # the reason 错标
    page.locator("aside textarea").fill("标签与文字不符")

    page.select_option("#lang-select", "en")
    page.get_by_role("button", name=re.compile("^Accept")).wait_for()
    page.wait_for_selector("#stage[data-ready='1']")
    assert page.get_attribute("#stage", "data-review-id") == review_id
    assert page.get_by_role("button", name="Start reviewing").count() == 0
    assert page.locator("[data-reason='错标']").get_attribute("aria-pressed") == "true"
    assert page.locator("aside textarea").input_value() == "标签与文字不符"
    shot(page, artifacts, "review-after-language-switch")

    # An open fix survives too, and the verdict sent afterwards carries the reason and comment.
    page.locator("#stage").focus()
    page.keyboard.press("f")
    page.wait_for_selector("#stage[data-state='fix']")
    page.select_option("#lang-select", "zh")
    page.get_by_role("button", name=re.compile("^保存")).wait_for()
    page.wait_for_selector("#stage[data-state='fix'][data-ready='1']")
    assert page.get_attribute("#stage", "data-review-id") == review_id
    page.keyboard.press("Escape")
    page.wait_for_selector("#stage[data-state='item']")
    page.keyboard.press("r")
    page.wait_for_function(
        "prev => { const s = document.getElementById('stage');"
        " return s.dataset.ready === '1' && s.dataset.reviewId !== prev; }",
        arg=review_id,
    )
    with seed.client(seed.manager) as c:
        reviews = c.get(f"/projects/{project['id']}/reviews").json()
    judged = next(r for r in reviews if str(r["review_id"]) == review_id)
    assert judged["decision"] == "reject"
    assert judged["reasons"] == ["错标"]
    assert judged["comment"] == "标签与文字不符"


def test_the_import_results_stay_across_a_language_switch(page, seed, artifacts):
    project = seed.project("image_classification", [])
    sign_in(page, seed.manager, lang="zh")
    page.goto(f"/#/projects/{project['id']}/import")
    page.get_by_label("文件（图像、zip、JSONL、CSV）").set_input_files(
        [
            {"name": "broken.png", "mimeType": "image/png", "buffer": b"not an image"},
            {"name": "good.png", "mimeType": "image/png", "buffer": part_image(1)},
        ]
    )
    page.get_by_role("button", name="上传").click()
    page.wait_for_selector("[data-upload-done]")
    assert page.inner_text("[data-upload-done]") == "上传完成。"

    page.select_option("#lang-select", "en")
    page.get_by_role("heading", name=re.compile("^Import items")).wait_for()
    assert page.inner_text("[data-upload-done]") == "Upload finished."
    assert page.inner_text("[data-total='created']") == "1"
    assert page.inner_text("[data-total='errors']") == "1"
    assert page.locator(".errors-table").is_visible()
    assert "broken.png" in page.inner_text(".errors-table")
    assert "Created 1" in page.inner_text(".batch-list")
    shot(page, artifacts, "import-after-language-switch")
