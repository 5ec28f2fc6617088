"""The quality page's delivered-set card on figures a real quality worker computed: the method
in use and why, the estimated accuracy of the delivered items and the answers spent per item, in
English and in Chinese; then the project's inference method set by hand in the settings form."""

from __future__ import annotations

from browser_ui import shot, sign_in
from test_quality_page import quality_project, quality_state, wait_computed  # noqa: F401


def test_delivered_set_card_names_the_method_and_why(page, seed, quality_project, artifacts):  # noqa: F811
    pid = quality_project["project"]["id"]
    state = quality_state(seed, pid)
    delivered = state["figures"]["delivered"]
    assert state["method"] == "dawid_skene"  # 3 gold items: not enough gold to choose
    sign_in(page, seed.manager)
    page.goto(f"/#/projects/{pid}/quality")
    card = page.locator("section.delivery")
    card.wait_for()
    assert card.get_attribute("data-method") == "dawid_skene"
    assert "Dawid-Skene" in card.locator(".method-name").inner_text()
    why = card.locator(".method-why").inner_text()
    assert f"only {state['figures']['method_choice']['gold_answers']} gold answers" in why
    accuracy = card.locator("[data-figure='estimated_accuracy'] dd").first.inner_text()
    assert accuracy == f"{delivered['estimated_accuracy'] * 100:.1f}%"
    spent = card.locator("[data-figure='answers_per_item'] dd").first.inner_text()
    assert spent == f"{delivered['answers_per_item']:.2f}"
    shot(page, artifacts, "quality-delivery")

    sign_in(page, seed.manager, lang="zh")
    page.goto(f"/#/projects/{pid}/quality")
    card = page.locator("section.delivery")
    card.wait_for()
    assert "交付数据" in card.inner_text() and "预计准确率" in card.inner_text()
    assert "不足以按金标准选择" in card.locator(".method-why").inner_text()
    shot(page, artifacts, "quality-delivery-zh")

    # the manager sets the method by hand; the next recompute uses it and says so
    sign_in(page, seed.manager)
    page.goto(f"/#/projects/{pid}/edit")
    page.get_by_label("Inference method").select_option("majority_vote")
    with page.expect_response(lambda r: r.url.endswith(f"/projects/{pid}")) as saved:
        page.get_by_role("button", name="Save").click()
    assert saved.value.status == 200
    with seed.client(seed.manager) as c:
        assert c.get(f"/projects/{pid}").json()["inference_method"] == "majority_vote"
        assert c.post(f"/projects/{pid}/quality/recompute").status_code == 202
    wait_computed(seed, pid, quality_project["total"])
    page.goto(f"/#/projects/{pid}/quality")
    page.locator("section.delivery[data-method='majority_vote']").wait_for()
    assert "project settings" in page.locator("section.delivery .method-why").inner_text()
