"""The lots page (验收) in the browser: a manager makes a lot and reads its ISO 2859-1 plan; the
client (in Chinese) inspects the sample by keyboard on the review page in acceptance mode (seeing
annotators only by pseudonym), reads the verdict, sends the lot to be inspected again, and sees
progress, lots and versions on their home page.

Finished items need a consensus, which the quality worker computes; they are written directly
(``support.lot_seed``), so this runs against the ``live_server`` of this process only.
"""

from __future__ import annotations

import os
import re

import pytest
from browser_ui import shot, sign_in
from test_people import fresh_page, new_account

from support.lot_seed import finished_items

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("JINBIAO_BROWSER_BASE_URL")), reason="seeds rows in this process's database"
)


def _user_id(seed, account) -> int:
    with seed.client(account) as c:
        return c.get("/me").json()["id"]


def test_manager_makes_a_lot_and_the_client_follows_it(browser, page, seed, artifacts):
    project = seed.project("text_classification", [])
    finished_items(project, 60, [_user_id(seed, seed.annotator)])
    customer = new_account(seed, "验收方客户", role="client")

    sign_in(page, seed.manager)
    # The form previews the plan of the lot it would make: the 60 finished items "every finished
    # item" holds now (not a default of 500). Its first plan question (AQL 1.0) is answered last,
    # as a slow network can: the preview must keep the plan of what was asked last.
    held = []

    def hold_the_first_plan(route):
        if "aql=1.0" in route.request.url and not held:
            held.append(route)
        else:
            route.continue_()

    page.route("**/acceptance/plan?*", hold_the_first_plan)
    page.goto(f"/#/projects/{project['id']}/lots")
    page.get_by_role("heading", name=f"Lots: {project['name']}").wait_for()
    page.get_by_text("No lots yet").wait_for()
    form = page.locator("#new-lot")
    form.locator(".lot-source-count[data-count='60']").wait_for()
    assert "60 finished items not yet in a lot would go in" in form.inner_text()
    assert form.get_by_label("Plan preview for a lot of").input_value() == "60"
    form.get_by_label("AQL (%)").select_option("2.5")
    preview = form.locator(".plan-preview")
    preview.filter(has_text="code letter F, inspect 20").wait_for()
    assert "A lot of 60 items" in preview.inner_text()
    assert len(held) == 1 and "lot_size=60" in held[0].request.url
    with page.expect_response(lambda answer: "aql=1.0" in answer.url):
        held[0].continue_()
    page.evaluate("() => new Promise((done) => setTimeout(done, 100))")  # the stale answer lands
    assert "code letter F, inspect 20" in preview.inner_text()
    assert "accept with ≤ 1 defects, reject with ≥ 2" in preview.inner_text()
    page.unroute("**/acceptance/plan?*")
    form.get_by_role("button", name="Make lot").click()
    row = page.locator(".lots-table tbody tr").first
    row.wait_for()
    assert row.get_attribute("data-lot-status") == "inspecting"
    assert "code F: n = 20, Ac = 1, Re = 2" in row.locator(".lot-plan").inner_text()
    assert "0 of 20 inspected" in row.inner_text()
    assert page.locator("#switching-state").get_attribute("data-severity") == "normal"
    shot(page, artifacts, "lots-manager-made")
    lot_id = int(row.get_attribute("data-lot-id"))

    # The client (in Chinese) inspects the sample on the review page in acceptance mode, by
    # keyboard only: R rejects the first two (Re = 2), A accepts the rest.
    client_page, errors = fresh_page(browser, seed.base_url, "zh")
    sign_in(client_page, customer, lang="zh")
    client_page.goto(f"/#/projects/{project['id']}/lots")
    client_page.get_by_role("link", name=f"抽检样本 #{lot_id}").click()
    client_page.get_by_role("button", name="开始抽检").wait_for()
    client_page.keyboard.press("Enter")
    previous = None
    for n in range(20):
        client_page.wait_for_function(
            "prev => { const s = document.getElementById('stage');"
            " return s && s.dataset.ready === '1' && s.dataset.reviewId !== prev; }",
            arg=previous,
        )
        previous = client_page.get_attribute("#stage", "data-review-id")
        if n == 0:
            names = client_page.locator(".review-annotation").all_inner_texts()
            assert names and all(re.search(r"A-[0-9a-f]{4}", name) for name in names), names
            shot(client_page, artifacts, "lots-inspect-zh")
        client_page.keyboard.press("r" if n < 2 else "a")
    client_page.get_by_text("样本已检完").wait_for()
    client_page.get_by_role("link", name="返回验收批").click()
    client_row = client_page.locator(f"tr[data-lot-id='{lot_id}']")
    client_row.wait_for()
    assert client_row.get_attribute("data-lot-status") == "rejected"
    assert "已拒收" in client_row.inner_text() and "已检 20 / 20" in client_row.inner_text()
    assert client_row.locator("[data-defects]").inner_text() == "2"
    shot(client_page, artifacts, "lots-client-rejected-zh")
    client_row.get_by_role("button", name="重新检验").click()
    client_page.locator(f"tr[data-lot-id='{lot_id}'][data-lot-status='inspecting']").wait_for()
    assert "（第 2 轮）" in client_page.locator(f"tr[data-lot-id='{lot_id}']").inner_text()

    client_page.goto("/#/projects")
    summary = client_page.locator(f"[data-summary-for='{project['id']}']")
    summary.locator("[data-part='lots']").wait_for()
    assert "检验中 1" in summary.inner_text()
    assert "尚无版本" in summary.inner_text()
    tabs = client_page.locator(f".project-row[data-project-id='{project['id']}'] .actions a")
    assert tabs.all_inner_texts() == ["进度", "验收批", "导出"]
    shot(client_page, artifacts, "lots-client-home-zh")
    assert not errors, errors
    client_page.context.close()


def test_a_lot_from_a_data_manager_filter_and_the_delivery_settings(browser, page, seed, artifacts):
    """The client (in Chinese) filters the data manager by label, makes a lot of exactly those
    finished items from there; the manager (in English) allows reduced inspection and makes
    answers final only on lot acceptance in the project's settings."""
    project = seed.project("text_classification", [])
    ids = finished_items(project, 9, [_user_id(seed, seed.annotator)])
    other = {item for n, item in enumerate(ids) if n % 3 == 2}  # support.lot_seed.LABELS[2]
    customer = new_account(seed, "验收方客户", role="client")

    client_page, errors = fresh_page(browser, seed.base_url, "zh")
    sign_in(client_page, customer, lang="zh")
    client_page.goto(f"/#/projects/{project['id']}/data?label=other&sort=-id")
    client_page.locator(".dm-table tbody tr").first.wait_for()
    listed = {int(i) for i in client_page.locator(".dm-table tbody tr").evaluate_all(
        "rows => rows.map((r) => r.dataset.itemId)")}  # fmt: skip
    assert listed == other
    client_page.get_by_role("link", name="用此筛选条件组批").click()
    form = client_page.locator("#new-lot")
    form.wait_for()
    assert form.locator("select[name=source]").input_value() == "filter"
    assert "标签 = other" in form.locator("#lot-filter").inner_text()
    shot(client_page, artifacts, "lots-from-filter-zh")
    form.get_by_role("button", name="组批").click()
    row = client_page.locator(".lots-table tbody tr").first
    row.wait_for()
    assert row.locator("td").nth(1).inner_text() == str(len(other))
    kept = row.locator(".lot-row-filter").inner_text()  # the lot keeps its filter
    assert "筛选条件: 标签 = other" in kept
    assert not errors, errors
    client_page.context.close()
    with seed.client(seed.manager) as c:
        (lot,) = c.get(f"/projects/{project['id']}/lots").json()["lots"]
        assert (lot["source"], lot["size"]) == ("filter", len(other))
        assert lot["filter"] == {"label": "other"}

    sign_in(page, seed.manager)
    page.goto(f"/#/projects/{project['id']}/edit")
    settings = page.locator(".delivery-settings")
    settings.wait_for()
    settings.get_by_label("Answers become final").select_option("lot_accepted")
    settings.get_by_label("Allow reduced inspection (ISO 2859-1 9.3.3)").check()
    page.get_by_label("Overlap (annotations per item)").fill("2")  # finished items keep theirs
    page.get_by_label("Maximum overlap").fill("2")
    shot(page, artifacts, "project-delivery-settings")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved. Items still waiting for answers now want 2.").wait_for()
    with seed.client(seed.manager) as c:
        saved = c.get(f"/projects/{project['id']}").json()
        listed = c.get(f"/projects/{project['id']}/items", params={"limit": 100}).json()
    assert (saved["final_when"], saved["reduced_inspection"], saved["production_steady"]) == (
        "lot_accepted",
        True,
        True,
    )
    assert saved["overlap"] == 2
    assert {row["id"]: row["wanted"] for row in listed["items"]} == dict.fromkeys(ids, 1)
