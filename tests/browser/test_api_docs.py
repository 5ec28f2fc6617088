"""The API reference renders with the network blocked: every asset comes from Jinbiao itself."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest


def _block_the_internet(page) -> list[str]:
    """Abort every request that leaves 127.0.0.1; returns the list of aborted URLs."""
    aborted: list[str] = []

    def handle(route) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            aborted.append(route.request.url)
            route.abort()

    page.route("**/*", handle)
    return aborted


@pytest.mark.parametrize(
    ("path", "ready", "operation"),
    [
        ("/docs", ".swagger-ui .opblock", "/api/v1/projects/{project_id}/next"),
        ("/redoc", "redoc-wrap, .redoc-wrap", "/projects/{project_id}/next"),
    ],
)
def test_reference_renders_offline(page, path: str, ready: str, operation: str) -> None:
    aborted = _block_the_internet(page)
    page.goto(path)
    page.wait_for_selector(ready, timeout=30_000)
    page.get_by_text(operation, exact=False).first.wait_for(timeout=30_000)
    assert page.get_by_text("Jinbiao", exact=False).count() > 0
    assert aborted == []
