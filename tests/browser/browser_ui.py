"""What a person does in the UI, as small functions the tests share."""

from __future__ import annotations

import statistics
from pathlib import Path


def sign_in(page, account, lang: str = "en") -> None:
    page.goto("/")
    page.evaluate("lang => localStorage.setItem('jinbiao.lang', lang)", lang)
    page.goto("/#/login")
    page.reload()  # the language is read when the page loads
    page.get_by_label("Email" if lang == "en" else "邮箱").fill(account.email)
    page.get_by_label("Password" if lang == "en" else "密码").fill(account.password)
    page.get_by_role("button", name="Sign in" if lang == "en" else "登录").click()
    page.wait_for_selector(".project-row, .org")


def open_annotate(page, project: dict) -> None:
    page.goto(f"/#/projects/{project['id']}/annotate")
    page.get_by_role("button", name="Start").click()
    wait_item(page)


def wait_item(page, after: str | None = None) -> str:
    """Wait until an item is interactive (and differs from ``after``); returns its assignment id."""
    if after is None:
        page.wait_for_selector("#stage[data-ready='1']")
    else:
        page.wait_for_function(
            "prev => { const s = document.getElementById('stage');"
            " return s && s.dataset.ready === '1' && s.dataset.assignmentId !== prev; }",
            arg=after,
        )
    return page.get_attribute("#stage", "data-assignment-id")


def submit_and_capture(page) -> dict:
    """Press Enter and return the annotation the server answered (what it stored)."""
    with page.expect_response(lambda r: "/submit" in r.url and r.request.method == "POST") as info:
        page.keyboard.press("Enter")
    response = info.value
    assert response.status == 201, response.text()
    return response.json()


def shot(page, artifacts: Path, name: str) -> Path:
    path = artifacts / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def median_ms(values: list[float]) -> float:
    return statistics.median(values)
