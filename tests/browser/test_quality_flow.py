"""Gold feedback toast, paused message, pre-labels, accessible names, laptop-sized screens."""

from __future__ import annotations

import base64
import json

import httpx
from browser_pngs import part_image
from browser_ui import open_annotate, shot, sign_in, submit_and_capture, wait_item

UNLABELLED = """() => [...document.querySelectorAll('button, input, select, textarea, a[href]')]
    .filter(el => el.offsetParent !== null || el.getClientRects().length)
    .filter(el => !(el.getAttribute('aria-label') || el.labels?.length || el.textContent.trim()
                    || el.getAttribute('aria-labelledby') || el.title))
    .map(el => el.outerHTML.slice(0, 120))"""


def test_gold_feedback_toast_then_paused_message(page, seed, artifacts):
    texts = ["主轴电机绝缘击穿。", "齿轮箱断齿。"]
    project = seed.project(
        "text_classification",
        [{"text": t, "external_id": f"gold-{i}"} for i, t in enumerate(texts)],
        gold_rate=0.9,
        qualification_count=2,
        gold_min_count=1,
        min_gold_accuracy=0.99,
    )
    with httpx.Client(
        base_url=f"{seed.base_url}/api/v1",
        headers={"Authorization": f"Bearer {seed.manager.token}"},
    ) as c:
        r = c.post(
            f"/projects/{project['id']}/gold",
            json={
                "items": [
                    {"external_id": "gold-0", "answer": {"label": "electrical_fault"}},
                    {"external_id": "gold-1", "answer": {"label": "mechanical_fault"}},
                ]
            },
        )
        assert r.status_code in (200, 201), r.text
    sign_in(page, seed.annotator)
    open_annotate(page, project)
    shown = page.inner_text("#stage .item-text")
    wrong = "o"  # "other" is never the gold answer here
    page.keyboard.press(wrong)
    annotation = submit_and_capture(page)
    assert annotation["gold_feedback"]["correct"] is False
    toast = page.wait_for_selector(".toast-warn")
    expected = annotation["gold_feedback"]["expected"]["label"]
    assert expected in toast.inner_text()
    assert expected == ("electrical_fault" if shown == texts[0] else "mechanical_fault")
    shot(page, artifacts, "annotate-gold-toast")
    # the wrong gold answer paused the annotator: the submit's answer says so (next is null)
    assert annotation["next"] is None and annotation["paused_reason"]
    assert annotation["pause"]["code"] == "paused_low_gold_accuracy"
    page.wait_for_selector("#stage[data-state='paused'] [data-pause='paused_low_gold_accuracy']")
    text = page.inner_text("#stage")  # one wrong gold answer, Beta(1, 1): (0 + 1) / (1 + 2)
    assert "accuracy on gold (test) items is 33% after 1 of them" in text
    assert "minimum of 99%" in text


def test_paused_message(page, seed, artifacts):
    """What the page shows when /next answers 403 because the annotator is paused.

    Pausing itself is the backend's rule (tested there, and it may run in a worker); here the
    answer is given by the test so the message is checked whatever the gold history.
    """
    project = seed.project("text_classification", [{"text": "不会被看到的条目。"}])
    body = {
        "detail": "you are paused in this project: review accuracy 43% after 5 review answers "
        "is below the project's minimum of 60%",
        "code": "paused_low_review_accuracy",
        "accuracy": 0.43,
        "answered": 5,
        "minimum": 0.6,
    }
    page.route(
        f"**/api/v1/projects/{project['id']}/next",
        lambda route: route.fulfill(
            status=403, content_type="application/json", body=json.dumps(body)
        ),
    )
    sign_in(page, seed.annotator, lang="zh")
    page.goto(f"/#/projects/{project['id']}/annotate")
    page.get_by_role("button", name="开始").click()
    page.wait_for_selector("#stage[data-state='paused']")
    text = page.inner_text("#stage")
    # a review pause says review, in Chinese, with its figures — not "gold", not English
    assert "你在本项目中已被暂停" in text
    assert "你的质检正确率为 43%（共 5 条被质检的答案），低于项目要求的 60%" in text
    assert "金标准" not in text and "review accuracy" not in text
    assert "尚未结算的工作不计入报酬" in text
    assert page.get_by_role("button", name="提交").is_disabled()
    shot(page, artifacts, "annotate-paused")


def test_prelabelled_boxes_are_shown_and_editable(page, seed):
    pre = {"boxes": [{"label": "scratch", "x": 120.0, "y": 80.0, "w": 200.0, "h": 50.0}]}
    project = seed.project(
        "image_boxes",
        [
            {
                "image_base64": base64.b64encode(part_image(7)).decode(),
                "external_id": "pre-7.png",
                "prelabel": pre,
            }
        ],
    )
    sign_in(page, seed.annotator)
    open_annotate(page, project)
    row = page.wait_for_selector(".mark-list li[data-box-id]")
    assert "120,80 200×50" in row.inner_text()
    page.get_by_label("Label 1").select_option("crack")
    annotation = submit_and_capture(page)
    assert annotation["result"] == {"boxes": [{**pre["boxes"][0], "label": "crack"}]}


def test_controls_have_accessible_names(page, seed):
    project = seed.project(
        "image_boxes",
        [{"image_base64": base64.b64encode(part_image(3)).decode(), "external_id": "a.png"}],
    )
    page.goto("/#/login")
    page.wait_for_selector("form")
    assert page.evaluate(UNLABELLED) == []
    sign_in(page, seed.manager)
    assert page.evaluate(UNLABELLED) == []
    for tab in ("edit", "import", "progress", "quality", "exports"):
        page.goto(f"/#/projects/{project['id']}/{tab}")
        page.wait_for_selector("h1")
        page.wait_for_load_state("networkidle")
        assert page.evaluate(UNLABELLED) == [], tab
    open_annotate(page, project)
    assert page.evaluate(UNLABELLED) == []
    # focus is visible: the focused control draws an outline
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_annotate_fits_a_laptop_screen(browser, ui_base_url, seed, artifacts):
    project = seed.project(
        "image_boxes",
        [
            {
                "image_base64": base64.b64encode(part_image(5, 1920, 1080)).decode(),
                "external_id": "hd.png",
            }
        ],
    )
    for width, height, name in ((1366, 768, "laptop"), (1920, 1080, "1080p")):
        context = browser.new_context(
            viewport={"width": width, "height": height}, base_url=ui_base_url
        )
        page = context.new_page()
        sign_in(page, seed.annotator)
        page.goto(f"/#/projects/{project['id']}/annotate")
        page.get_by_role("button", name="Start").click()
        wait_item(page)
        submit = page.get_by_role("button", name="Submit").bounding_box()
        assert submit["y"] + submit["height"] <= height, (name, submit)
        image = page.locator("#stage .boxes-image").bounding_box()
        assert image["width"] <= width and image["x"] >= 0
        shot(page, artifacts, f"annotate-boxes-{name}")
        context.close()
