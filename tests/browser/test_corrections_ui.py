"""Corrections and label changes in the browser: an annotator labels two texts, opens "My recent
submissions", changes the first answer with the same tool and sees it saved; a manager renames a
label in use and sees a removal refused with its count (in Chinese)."""

from __future__ import annotations

from browser_ui import open_annotate, shot, sign_in, submit_and_capture, wait_item

TEXTS = [
    "液压泵漏油，密封圈老化。",
    "Conveyor motor overheats after 2 h.",
    "焊接机器人报警 E-104。",
]


def test_an_annotator_corrects_an_earlier_answer(page, seed, artifacts):
    project = seed.project("text_classification", [{"text": text} for text in TEXTS])
    sign_in(page, seed.annotator)
    open_annotate(page, project)
    first_text = page.locator("#stage .item-text").inner_text()
    page.keyboard.press("e")
    first = submit_and_capture(page)
    current = wait_item(page, after=str(first["assignment_id"]))
    page.keyboard.press("m")
    submit_and_capture(page)
    wait_item(page, after=current)

    page.get_by_text("My recent submissions").click()
    row = page.locator(f"#my-history li[data-annotation-id='{first['id']}']")
    row.get_by_text("electrical_fault").wait_for()
    row.get_by_role("button", name="Change").click()
    page.wait_for_selector("#stage[data-mode='correct'][data-ready='1']")
    assert page.locator("#stage .item-text").inner_text() == first_text
    page.get_by_role("status").filter(has_text="Changing your answer").wait_for()
    page.keyboard.press("o")
    with page.expect_response(
        lambda r: f"/annotations/{first['id']}" in r.url and r.request.method == "PATCH"
    ) as info:
        page.keyboard.press("Enter")
    assert info.value.status == 200, info.value.text()
    assert info.value.json()["result"] == {"label": "other"}
    page.get_by_text("Your answer was changed.").wait_for()
    row.get_by_text("corrected 1×").wait_for()
    assert "other" in row.inner_text()
    page.wait_for_selector("#stage[data-mode='lease'][data-ready='1']")  # the lease is back
    shot(page, artifacts, "annotate-correction")

    with seed.client(seed.annotator) as c:
        history = c.get(f"/annotations/{first['id']}/history").json()
    assert history["current"] == {"label": "other"}
    assert [h["result"] for h in history["history"]] == [{"label": "electrical_fault"}]


def test_a_manager_renames_a_label_and_sees_a_removal_refused(page, seed, artifacts):
    project = seed.project("text_classification", [{"text": TEXTS[0]}])
    with seed.client(seed.annotator) as c:
        lease = c.post(f"/projects/{project['id']}/next").json()
        r = c.post(
            f"/assignments/{lease['assignment_id']}/submit",
            json={"result": {"label": "other"}},
        )
        assert r.status_code == 201, r.text
    sign_in(page, seed.manager, lang="zh")
    page.goto(f"/#/projects/{project['id']}/edit")
    row = page.locator("tr.label-row[data-stored='other']")
    row.get_by_role("button", name="改名").click()
    page.get_by_label("other 的新名称").fill("misc")
    page.locator("tr.rename-row").get_by_role("button", name="改名").click()
    page.get_by_text("other 已改名为 misc（改写了 1 条答案）。").wait_for()
    with seed.client(seed.manager) as c:
        labels = [label["name"] for label in c.get(f"/projects/{project['id']}").json()["labels"]]
    assert labels == ["electrical_fault", "mechanical_fault", "misc"]

    page.locator("tr.label-row[data-stored='misc'] button.danger").click()
    page.get_by_role("button", name="保存", exact=True).click()
    page.get_by_text("要删除的标签被 1 条标注").wait_for()
    page.get_by_text("被删除标签的答案归到哪里？").wait_for()
    shot(page, artifacts, "label-removal-refused")
    page.locator("select.map-select[data-from='misc']").select_option("electrical_fault")
    page.get_by_role("button", name="保存", exact=True).click()
    page.get_by_text("已保存").wait_for()
    with seed.client(seed.manager) as c:
        labels = [label["name"] for label in c.get(f"/projects/{project['id']}").json()["labels"]]
    assert labels == ["electrical_fault", "mechanical_fault"]
