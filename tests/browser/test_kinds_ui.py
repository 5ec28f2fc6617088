"""The UI's kinds come from the server (GET /api/v1/kinds): the project form's Kind list, the
export formats and the paste-texts form follow the registry, also for a kind the UI never saw."""

from __future__ import annotations

import os

import pytest
from browser_ui import sign_in

from backend.kinds import register_kind, unregister_kind
from support.rating_kind import TEXT_RATING

OPTIONS = "(select) => [...select.options].map((o) => [o.value, o.textContent])"


def _kinds(seed) -> list[dict]:
    with seed.client(seed.manager) as c:
        return c.get("/kinds").json()


def _check_project_pages(page, project: dict, kind: dict) -> None:
    page.goto(f"/#/projects/{project['id']}/exports")
    formats = page.wait_for_selector("select[name=format]")
    assert [value for value, _ in formats.evaluate(OPTIONS)] == kind["formats"]
    page.goto(f"/#/projects/{project['id']}/import")
    page.wait_for_selector("input[name=files]")
    assert page.locator("textarea").count() == (1 if kind["media"] == "text" else 0)


def test_kind_list_formats_and_text_form_follow_the_server(page, seed):
    kinds = _kinds(seed)
    sign_in(page, seed.manager)
    page.goto(f"/#/orgs/{seed.org_id}/projects/new")
    options = page.wait_for_selector("select[name=kind]").evaluate(OPTIONS)
    assert options == [
        ["image_classification", "Image classification"],
        ["image_boxes", "Bounding boxes"],
        ["text_classification", "Text classification"],
        ["text_spans", "Text spans"],
        ["image_polygons", "Defect outlines (polygons)"],
    ]
    assert [value for value, _ in options] == [k["name"] for k in kinds]
    for kind in kinds:
        _check_project_pages(page, seed.project(kind["name"], []), kind)


@pytest.mark.skipif(
    bool(os.environ.get("JINBIAO_BROWSER_BASE_URL")), reason="registers a kind in this process"
)
def test_a_kind_registered_on_the_server_shows_in_the_ui(page, seed):
    register_kind(TEXT_RATING)
    try:
        kind = next(k for k in _kinds(seed) if k["name"] == "text_rating")
        sign_in(page, seed.manager)
        page.goto(f"/#/orgs/{seed.org_id}/projects/new")
        options = page.wait_for_selector("select[name=kind]").evaluate(OPTIONS)
        assert options[-1] == ["text_rating", "text_rating"]  # no translation: its name
        with seed.client(seed.manager) as c:
            body = {"name": "ratings", "kind": "text_rating", "labels": [{"name": "score"}]}
            project = c.post(f"/orgs/{seed.org_id}/projects", json=body).json()
        _check_project_pages(page, project, kind)
        page.goto("/#/projects")
        row = page.wait_for_selector(f".project-row:has-text('{project['name']}')")
        assert "· text_rating" in row.inner_text()
    finally:
        unregister_kind(TEXT_RATING.name)
