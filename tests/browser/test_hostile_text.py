"""Text that people type is shown as text, never run (issue 23): item text, label names, project
name and instructions carrying ``<img onerror>`` and ``<script>`` payloads stay inert in Chromium,
under the Content-Security-Policy, with no policy violation reported by the UI's own code. The
owner's audit log shows what was done, in English and Chinese."""

from __future__ import annotations

from browser_ui import open_annotate, sign_in

IMG = '<img src=x onerror="window.__pwned=1">'
SCRIPT = "<script>window.__pwned=2</script>"


def test_payloads_in_every_user_field_stay_text(page, seed):
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    project = seed.project(
        "text_classification",
        [{"text": f"bearing noise {IMG} {SCRIPT}", "external_id": f"x-{IMG}"}],
        name=f"Line 3 {IMG}",
        instructions=f"Read carefully {SCRIPT} {IMG}",
        labels=[{"name": f"ok{IMG}", "hotkey": "1"}, {"name": f"ng{SCRIPT}", "hotkey": "2"}],
    )
    sign_in(page, seed.annotator)
    page.wait_for_selector(".project-row")
    assert IMG in page.locator("main").inner_text()
    open_annotate(page, project)
    shown = page.locator("main").inner_text()
    assert "bearing noise" in shown and IMG in shown and SCRIPT in shown
    assert f"ok{IMG}" in shown
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("main script").count() == 0
    assert not violations, violations


def test_the_owner_reads_the_audit_log_in_both_languages(page, seed):
    seed.project("text_classification", [{"text": "audit me"}])
    sign_in(page, seed.manager)  # the seed's manager made the organization: its owner
    page.goto(f"/#/orgs/{seed.org_id}/members")
    page.locator("#audit-link").click()
    page.wait_for_selector(".audit-table tbody tr")
    rows = page.locator(".audit-table tbody tr")
    assert any("project created" in text for text in rows.all_inner_texts())
    page.locator("#audit-action").select_option("project.create")
    page.wait_for_function("() => location.hash.includes('action=project.create')")
    page.wait_for_selector(".audit-table tbody tr")
    texts = page.locator(".audit-table tbody tr").all_inner_texts()
    assert texts and all("project created" in text for text in texts)
    page.evaluate("() => localStorage.setItem('jinbiao.lang', 'zh')")
    page.reload()
    page.wait_for_selector(".audit-table tbody tr")
    assert page.get_by_role("heading", level=1).inner_text().startswith("审计日志")
    assert all(
        "创建项目" in text for text in page.locator(".audit-table tbody tr").all_inner_texts()
    )
