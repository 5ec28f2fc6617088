"""Pay in the browser: the annotate page's earnings strip and heartbeats, "my earnings", and the
manager's payout page (period, table, CSV, mark paid with confirmation), in English and Chinese.

The ledger job and the recompute run here in the test's process, as a worker would run them
(the live server shares the test's database)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from browser_ui import shot, sign_in, wait_item

from support.pay_helpers import build, recompute

REPORTS = ["电机过热 motor overheats", "Bearing worn out", "控制柜跳闸 breaker tripped"]


def test_earnings_strip_heartbeats_and_payout_page(page, seed, artifacts):
    items = [{"text": f"{REPORTS[i % 3]} #{i}"} for i in range(4)]
    project = seed.project("text_classification", items, pay={"per_item": "0.05"})
    sign_in(page, seed.annotator)
    page.goto(f"/#/projects/{project['id']}/annotate")
    page.get_by_role("button", name="Start").click()
    current = wait_item(page)
    with page.expect_response(lambda r: "/heartbeat" in r.url) as beat:
        page.keyboard.press("o")  # acting on the item sends a heartbeat (visible page)
    assert beat.value.status == 200, beat.value.text()
    for _ in range(2):
        page.keyboard.press("o")
        page.keyboard.press("Enter")
        current = wait_item(page, after=current)
    page.wait_for_function("() => window.jinbiaoMetrics.submitted >= 2")
    recompute(project["id"])
    build(project["id"])

    page.reload()
    page.get_by_role("button", name="Start").wait_for()
    page.wait_for_selector(".strip[data-pay-loaded='1']")
    # pending / payable: both count the other browser tests' work of this annotator too, so the
    # strip must show what the earnings route says, and this project's two answers are in it
    with seed.client(seed.annotator) as c:
        earned = c.get("/me/earnings").json()
    by_project = {row["project_id"]: row for row in earned["by_project"]}
    assert Decimal(by_project[project["id"]]["payable"]) == Decimal("0.10")
    shown = f" / {Decimal(earned['payable']):.2f} CNY"
    assert page.inner_text("[data-pay='pay_today']").endswith(shown)
    shot(page, artifacts, "pay-strip")

    page.get_by_role("link", name="My earnings").first.click()
    page.wait_for_selector("[data-figure='payable']")
    assert page.inner_text("[data-figure='payable']") == f"{Decimal(earned['payable']):.2f} CNY"
    assert project["name"] in page.inner_text(".figures-table")
    shot(page, artifacts, "my-earnings")

    sign_in(page, seed.manager, lang="zh")
    page.goto(f"/#/orgs/{seed.org_id}/payouts")
    page.wait_for_selector(".payouts-table")
    assert page.locator("h1").inner_text().startswith("结算")
    row = page.locator(".payouts-table tbody tr", has_text=seed.annotator.name)
    with seed.client(seed.manager) as c:  # the period's report, as the route computes it
        report = c.get(f"/orgs/{seed.org_id}/payouts").json()
    amount = next(r["amount"] for r in report["rows"] if r["name"] == seed.annotator.name)
    assert Decimal(amount) >= Decimal("0.10")
    assert row.locator("td").last.inner_text() == f"{Decimal(amount):.2f} CNY"
    shot(page, artifacts, "payouts")
    with page.expect_download() as download:
        page.get_by_role("button", name="下载 CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert seed.annotator.name in text and text.splitlines()[0].startswith("annotator_id")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="标记此期间已支付").click()
    page.wait_for_selector("[data-paid='1']")
    assert page.get_by_role("button", name="标记此期间已支付").is_disabled()
    shot(page, artifacts, "payouts-paid")
