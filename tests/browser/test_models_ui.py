"""Pre-labels in the browser: the suggestion is drawn, editable, and accepted with one key; the
Models tab shows the state and queues a training; the quality page shows pre-label use."""

from __future__ import annotations

from browser_ui import shot, sign_in, wait_item

TEXTS = ["主轴轴承磨损，需更换。（#1）", "Gearbox noise after 3 h of operation. (#2)"]


def test_accept_a_prelabel_with_one_key(page, seed, artifacts):
    suggested = {"label": "mechanical_fault"}
    project = seed.project(
        "text_classification", [{"text": text, "prelabel": suggested} for text in TEXTS]
    )
    sign_in(page, seed.annotator)
    page.goto(f"/#/projects/{project['id']}/annotate")
    page.get_by_role("button", name="Start").click()
    first = wait_item(page)
    bar = page.locator(".suggestion")
    bar.wait_for(state="visible")
    assert "Suggested with the item" in bar.inner_text()
    assert page.get_by_role("button", name="Accept suggestion (A)").is_visible()
    shot(page, artifacts, "annotate-suggestion")
    # edit first (another label), then one key takes the suggestion back and submits it
    page.keyboard.press("o")
    with page.expect_response(lambda r: "/submit" in r.url and r.request.method == "POST") as got:
        page.keyboard.press("a")
    assert got.value.status == 201
    assert got.value.json()["result"] == suggested
    wait_item(page, after=first)
    with page.expect_response(lambda r: "/submit" in r.url and r.request.method == "POST") as got:
        page.keyboard.press("a")
    assert got.value.json()["result"] == suggested


def test_models_tab_queues_a_training_in_both_languages(page, seed):
    project = seed.project("text_classification", [{"text": "液压泵漏油。"}])
    sign_in(page, seed.manager)
    page.goto(f"/#/projects/{project['id']}/models")
    page.get_by_role("heading", name=f"Models: {project['name']}").wait_for()
    page.get_by_role("button", name="Train now").click()
    page.get_by_text("Training version 1 was queued.").wait_for()
    page.locator("tr[data-version='1'][data-status='queued']").wait_for()
    assert page.locator(".training-progress").is_visible()  # no worker here: it waits
    page.get_by_label("Order of items").select_option("uncertainty")
    page.get_by_label("Show the model\u2019s suggestions (pre-labels) to annotators").check()
    page.get_by_role("button", name="Save settings").click()
    page.get_by_text("Settings saved.").wait_for()
    with seed.client(seed.manager) as c:
        saved = c.get(f"/projects/{project['id']}").json()
    assert saved["ordering"] == "uncertainty" and saved["prelabels"] is True
    sign_in(page, seed.manager, lang="zh")
    page.goto(f"/#/projects/{project['id']}/models")
    page.get_by_role("heading", name=f"模型：{project['name']}").wait_for()
    assert page.get_by_role("button", name="立即训练").is_visible()
    page.goto(f"/#/projects/{project['id']}/quality")
    page.locator(".prelabel-use h2", has_text="标注员对预标注的使用").wait_for()
