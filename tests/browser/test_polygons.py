"""Polygons: click points with the mouse, close, label by hotkey, submit; the stored points are the
clicked image pixels within 1 px, also after zooming in. "H" cuts a hole in the selected polygon
(and refuses one outside it). "O" answers OK in one key; an item with a template shows it side by
side, flickering or as a difference, and drawing goes on meanwhile."""

from __future__ import annotations

import base64

import pytest
from browser_pngs import part_image, png
from browser_ui import open_annotate, shot, sign_in, submit_and_capture
from sqlmodel import Session
from test_people import new_account

from backend.consensus.recompute import recompute_project
from backend.db import get_engine

WIDTH, HEIGHT = 1600, 1200  # larger than the stage: shown scaled down, so screen ≠ image pixels
PENTAGON = [(300.0, 200.0), (700.0, 220.0), (760.0, 520.0), (480.0, 700.0), (260.0, 480.0)]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def polygons_project(seed):
    items = [
        {"image_base64": _b64(part_image(i, WIDTH, HEIGHT)), "external_id": f"part-{i}.png"}
        for i in range(3)
    ]
    return seed.project("image_polygons", items)


def image_point(page, x: float, y: float) -> tuple[float, float]:
    """Screen coordinates of image pixel (x, y), from the image element's box and natural size."""
    return page.evaluate(
        """([x, y]) => { const img = document.querySelector('#stage .boxes-image');
            const r = img.getBoundingClientRect();
            return [r.left + x * r.width / img.naturalWidth,
                    r.top + y * r.height / img.naturalHeight]; }""",
        [x, y],
    )


def click_polygon(page, points: list[tuple[float, float]]) -> None:
    """Click each point, then the first one again to close. Clicks are spaced so the browser never
    sees a double-click (which closes the outline early)."""
    for x, y in [*points, points[0]]:
        page.mouse.click(*image_point(page, x, y))
        page.wait_for_timeout(650)


def assert_points(stored: list[list[float]], expected: list[tuple[float, float]]) -> None:
    assert len(stored) == len(expected), stored
    for got, want in zip(stored, expected, strict=True):
        assert abs(got[0] - want[0]) <= 1.0 and abs(got[1] - want[1]) <= 1.0, (got, want)


def test_click_a_polygon_label_by_hotkey_and_submit(page, seed, polygons_project, artifacts):
    sign_in(page, seed.annotator)
    open_annotate(page, polygons_project)
    zoom = page.evaluate("parseFloat(document.querySelector('.zoom-value').textContent) / 100")
    assert zoom < 1, "the 1600 px image should be shown scaled down"
    click_polygon(page, PENTAGON)
    page.wait_for_selector(".mark-list li[data-polygon-id]")
    page.keyboard.press("2")  # hotkey of "dent": relabels the new (selected) polygon
    assert page.locator(".label-button[data-label='dent']").get_attribute("aria-pressed") == "true"
    shot(page, artifacts, "annotate-polygons")
    annotation = submit_and_capture(page)
    (polygon,) = annotation["result"]["polygons"]
    assert polygon["label"] == "dent"
    assert_points(polygon["points"], PENTAGON)


def test_polygon_after_zooming_in_is_stored_in_original_pixels(page, seed, polygons_project):
    sign_in(page, seed.annotator)
    open_annotate(page, polygons_project)
    for _ in range(6):
        page.get_by_role("button", name="Zoom in").click()  # 1.25^6 ≈ 3.8 × the fitted size
    zoom = page.evaluate("parseFloat(document.querySelector('.zoom-value').textContent) / 100")
    assert zoom > 1.5
    page.evaluate(
        """z => { const s = document.querySelector('.zoom-scroller');
                     s.scrollLeft = 700 * z - 40; s.scrollTop = 500 * z - 40; }""",
        zoom,
    )
    target = [(700.5, 500.25), (790.0, 505.0), (770.75, 560.0), (712.0, 548.5)]
    click_polygon(page, target)
    page.wait_for_selector(".mark-list li[data-polygon-id]")
    page.keyboard.press("3")  # crack
    annotation = submit_and_capture(page)
    (polygon,) = annotation["result"]["polygons"]
    assert polygon["label"] == "crack"
    assert_points(polygon["points"], target)


def test_h_cuts_a_hole_in_the_selected_polygon(page, seed, polygons_project, artifacts):
    sign_in(page, seed.annotator)
    open_annotate(page, polygons_project)
    click_polygon(page, PENTAGON)
    row = page.locator(".mark-list li[data-polygon-id]")
    row.wait_for()
    page.keyboard.press("2")  # dent; the new polygon stays selected
    page.keyboard.press("h")
    assert page.locator(".hole-button").get_attribute("aria-pressed") == "true"
    hole = [(450.0, 350.0), (560.0, 370.0), (500.0, 470.0)]
    click_polygon(page, hole)
    page.wait_for_function(
        "() => document.querySelector('.mark-list li[data-polygon-id]').textContent"
        ".includes('1 hole')"
    )
    assert page.locator(".hole-button").get_attribute("aria-pressed") == "false"
    shot(page, artifacts, "annotate-polygon-hole")
    page.keyboard.press("h")  # a ring outside the outline is refused, and not kept as a polygon
    click_polygon(page, [(900.0, 900.0), (1000.0, 900.0), (950.0, 1000.0)])
    page.get_by_text("A hole must lie inside its outline").wait_for()
    assert row.count() == 1
    row.locator(".link-button").click()  # select it (again), then Shift+H drops the hole
    page.keyboard.press("Shift+H")
    page.wait_for_function(
        "() => !document.querySelector('.mark-list li[data-polygon-id]').textContent"
        ".includes('hole')"
    )
    page.keyboard.press("Control+z")  # and undo brings it back
    page.wait_for_function(
        "() => document.querySelector('.mark-list li[data-polygon-id]').textContent"
        ".includes('1 hole')"
    )
    row.locator(".link-button").click()
    page.keyboard.press("h")
    assert page.locator(".hole-button").get_attribute("aria-pressed") == "true"
    page.keyboard.press("b")  # the brush ends hole mode: its strokes are outlines, not holes
    assert page.locator(".brush-button").get_attribute("aria-pressed") == "true"
    assert page.locator(".hole-button").get_attribute("aria-pressed") == "false"
    page.keyboard.press("b")
    annotation = submit_and_capture(page)
    (polygon,) = annotation["result"]["polygons"]
    assert polygon["label"] == "dent"
    assert_points(polygon["points"], PENTAGON)
    (stored_hole,) = polygon["holes"]
    assert_points(stored_hole, hole)


def test_ok_key_answers_no_defect_in_one_key(page, seed, polygons_project):
    sign_in(page, seed.annotator)
    open_annotate(page, polygons_project)
    with page.expect_response(lambda r: "/submit" in r.url and r.request.method == "POST") as info:
        page.keyboard.press("o")
    assert info.value.status == 201, info.value.text()
    assert info.value.json()["result"] == {"polygons": [], "ok": True}


def test_template_side_by_side_flicker_difference_while_drawing(page, seed):
    test = part_image(0, 400, 300)
    template = png(400, 300)
    project = seed.project(
        "image_polygons",
        [
            {
                "image_base64": _b64(test),
                "external_id": "pcb-1_test.png",
                "reference_image": "data:image/png;base64," + _b64(template),
            }
        ],
    )
    sign_in(page, seed.annotator)
    open_annotate(page, project)
    control = page.locator(".reference-control")
    control.wait_for(state="visible")
    scroller = page.locator(".zoom-scroller")
    modes = []
    for _ in range(3):
        page.keyboard.press("t")
        page.wait_for_function(
            "n => document.querySelector('.zoom-scroller').dataset.referenceMode !== n",
            arg=modes[-1] if modes else "off",
        )
        modes.append(scroller.get_attribute("data-reference-mode"))
    assert modes == ["side", "flicker", "difference"]
    layer = page.locator(".reference-layer")
    assert layer.get_attribute("src").startswith("data:image/png")
    click_polygon(page, [(50.0, 50.0), (150.0, 60.0), (120.0, 160.0)])  # through the overlay
    page.wait_for_selector(".mark-list li[data-polygon-id]")
    annotation = submit_and_capture(page)
    (polygon,) = annotation["result"]["polygons"]
    assert_points(polygon["points"], [(50.0, 50.0), (150.0, 60.0), (120.0, 160.0)])


def test_brush_stroke_becomes_a_polygon(page, seed, polygons_project, artifacts):
    """ "B" switches to the brush; a dragged stroke becomes one valid polygon (stored by the
    server) that covers the stroke and stays within the brush's reach of it."""
    sign_in(page, seed.annotator)
    open_annotate(page, polygons_project)
    page.keyboard.press("b")
    assert page.locator(".brush-button").get_attribute("aria-pressed") == "true"
    page.locator(".toolbar select[aria-label='Brush size']").select_option("32")
    path = [(400.0 + 20 * k, 300.0 + 8 * k) for k in range(16)]  # image pixels
    page.mouse.move(*image_point(page, *path[0]))
    page.mouse.down()
    for point in path[1:]:
        page.mouse.move(*image_point(page, *point))
    page.mouse.up()
    page.wait_for_selector(".mark-list li[data-polygon-id]")
    page.keyboard.press("3")  # crack: relabels the new (selected) outline
    shot(page, artifacts, "annotate-polygons-brush")
    annotation = submit_and_capture(page)
    (polygon,) = annotation["result"]["polygons"]
    assert polygon["label"] == "crack"
    xs = [p[0] for p in polygon["points"]]
    ys = [p[1] for p in polygon["points"]]
    # the stroke (x 400-700, y 300-420) widened by half the brush (16 px), within the
    # simplification's tolerance (3.2 px: a tenth of the brush) and a screen pixel (~2 px)
    assert 378 <= min(xs) <= 390 and 710 <= max(xs) <= 722, (min(xs), max(xs))
    assert 278 <= min(ys) <= 290 and 430 <= max(ys) <= 442, (min(ys), max(ys))
    assert 3 <= len(polygon["points"]) <= 100, len(polygon["points"])


def test_a_reviewer_drops_and_restores_a_hole_in_a_fix(page, seed, ui_base_url):
    """The review page's fix uses the same tool: Shift+H drops the consensus outline's hole, the
    list follows, Ctrl+Z brings it back through the page's history (Annotorious' own undo threw
    where the shape changed type), and the fix stores the hole. The consensus outline, traced
    along pixel edges, had more corners than a result may have: the fix could not be saved."""
    if ui_base_url != seed.base_url:  # pragma: no cover - a remote server recomputes itself
        pytest.skip("the recompute runs in this process")
    project = seed.project(
        "image_polygons",
        [{"image_base64": _b64(part_image(0, WIDTH, HEIGHT)), "external_id": "ring.png"}],
        review_mode="all",
    )
    ring = [[450.0, 350.0], [560.0, 370.0], [500.0, 470.0]]
    outline = {"label": "dent", "points": [list(p) for p in PENTAGON], "holes": [ring]}
    with seed.client(seed.annotator) as c:
        lease = c.post(f"/projects/{project['id']}/next").json()
        done = c.post(
            f"/assignments/{lease['assignment_id']}/submit",
            json={"result": {"polygons": [outline]}, "duration_ms": 900},
        )
        assert done.status_code == 201, done.text
    with Session(get_engine(), expire_on_commit=False) as session:
        recompute_project(session=session, project_id=project["id"])
    reviewer = new_account(seed, "质检员 Polygon", "reviewer")

    sign_in(page, reviewer)
    page.goto(f"/#/projects/{project['id']}/review")
    page.get_by_role("button", name="Start reviewing").wait_for()
    page.keyboard.press("Enter")
    page.wait_for_selector("#stage[data-ready='1']")
    page.keyboard.press("f")
    page.wait_for_selector("#stage[data-state='fix']")
    row = page.locator(".mark-list li[data-polygon-id]")
    row.wait_for()
    assert "1 hole" in row.inner_text()
    row.locator(".link-button").click()
    page.keyboard.press("Shift+H")
    page.wait_for_function(
        "() => !document.querySelector('.mark-list li[data-polygon-id]').textContent"
        ".includes('hole')"
    )
    page.keyboard.press("Control+z")
    page.wait_for_function(
        "() => document.querySelector('.mark-list li[data-polygon-id]').textContent"
        ".includes('1 hole')"
    )
    with page.expect_response(lambda r: "/submit" in r.url and r.request.method == "POST") as info:
        page.keyboard.press("Enter")
    assert info.value.status == 201, info.value.text()
    # the consensus outline is traced along pixel edges (thousands of corners on the slanted
    # edges): the fix starts from it simplified to what the backend takes
    (fixed,) = info.value.request.post_data_json["result"]["polygons"]
    assert fixed["label"] == "dent" and 3 <= len(fixed["points"]) <= 1000
    (hole,) = fixed["holes"]
    assert 3 <= len(hole) <= 1000
    xs = [x for x, _ in fixed["points"]]
    assert abs(min(xs) - 260) <= 1 and abs(max(xs) - 760) <= 1  # the pentagon's extent
