"""Bounding boxes: draw with the mouse, label by hotkey, submit; stored pixels equal drawn ones."""

from __future__ import annotations

import base64

import pytest
from browser_pngs import part_image
from browser_ui import open_annotate, shot, sign_in, submit_and_capture, wait_item

WIDTH, HEIGHT = 1600, 1200  # larger than the stage: shown scaled down, so screen ≠ image pixels


@pytest.fixture
def boxes_project(seed):
    items = [
        {
            "image_base64": base64.b64encode(part_image(i, WIDTH, HEIGHT)).decode(),
            "external_id": f"part-{i}.png",
        }
        for i in range(3)
    ]
    return seed.project("image_boxes", items)


def image_point(page, x: float, y: float) -> tuple[float, float]:
    """Screen coordinates of image pixel (x, y), from the image element's box and natural size."""
    return page.evaluate(
        """([x, y]) => { const img = document.querySelector('#stage .boxes-image');
            const r = img.getBoundingClientRect();
            return [r.left + x * r.width / img.naturalWidth,
                    r.top + y * r.height / img.naturalHeight]; }""",
        [x, y],
    )


def drag(page, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(
            start[0] + (end[0] - start[0]) * i / 10, start[1] + (end[1] - start[1]) * i / 10
        )
    page.mouse.up()


def assert_box(box: dict, expected: tuple[float, float, float, float], label: str) -> None:
    assert box["label"] == label
    for key, want in zip(("x", "y", "w", "h"), expected, strict=True):
        assert abs(box[key] - want) <= 1.0, (key, box, expected)


def test_draw_box_label_by_hotkey_and_submit(page, seed, boxes_project, artifacts):
    sign_in(page, seed.annotator)
    open_annotate(page, boxes_project)
    zoom = page.evaluate("parseFloat(document.querySelector('.zoom-value').textContent) / 100")
    assert zoom < 1, "the 1600 px image should be shown scaled down"

    target = (300.0, 200.0, 420.0, 260.0)  # x, y, w, h in original-image pixels
    drag(
        page,
        image_point(page, target[0], target[1]),
        image_point(page, target[0] + target[2], target[1] + target[3]),
    )
    page.keyboard.press("2")  # hotkey of "dent"
    page.wait_for_selector(".mark-list li[data-box-id]")
    assert page.locator(".label-button[data-label='dent']").get_attribute("aria-pressed") == "true"
    shot(page, artifacts, "annotate-boxes")
    annotation = submit_and_capture(page)
    boxes = annotation["result"]["boxes"]
    assert len(boxes) == 1
    # the pointer lands on whole screen pixels: one screen pixel is 1/zoom image pixels
    assert_box(boxes[0], target, "dent")


def test_box_after_zooming_in_is_stored_in_original_pixels(page, seed, boxes_project):
    sign_in(page, seed.annotator)
    open_annotate(page, boxes_project)
    for _ in range(6):
        page.get_by_role("button", name="Zoom in").click()  # 1.25^6 ≈ 3.8 × the fitted size
    zoom = page.evaluate("parseFloat(document.querySelector('.zoom-value').textContent) / 100")
    assert zoom > 1.5
    # scroll so that image pixel (700, 500) is near the top-left of the viewport
    page.evaluate(
        """z => { const s = document.querySelector('.zoom-scroller');
                     s.scrollLeft = 700 * z - 40; s.scrollTop = 500 * z - 40; }""",
        zoom,
    )
    target = (700.0, 500.0, 90.0, 60.0)
    drag(
        page,
        image_point(page, target[0], target[1]),
        image_point(page, target[0] + target[2], target[1] + target[3]),
    )
    page.keyboard.press("3")  # crack
    page.wait_for_selector(".mark-list li[data-box-id]")
    annotation = submit_and_capture(page)
    (box,) = annotation["result"]["boxes"]
    assert_box(box, target, "crack")


def test_delete_and_undo_redo_a_box(page, seed, boxes_project):
    sign_in(page, seed.annotator)
    open_annotate(page, boxes_project)
    drag(page, image_point(page, 100, 100), image_point(page, 400, 300))
    page.wait_for_selector(".mark-list li[data-box-id]")
    page.keyboard.press("Delete")
    page.wait_for_selector(".mark-list li.muted")
    page.keyboard.press("Control+z")
    page.wait_for_selector(".mark-list li[data-box-id]")
    page.keyboard.press("Control+y")
    page.wait_for_selector(".mark-list li.muted")
    page.keyboard.press("Control+z")
    page.wait_for_selector(".mark-list li[data-box-id]")
    annotation = submit_and_capture(page)
    (box,) = annotation["result"]["boxes"]
    assert_box(box, (100, 100, 300, 200), "scratch")  # the first label is the default for new boxes
    wait_item(page, after=str(annotation.get("assignment_id", "")))


def test_move_a_box_and_pan_with_space(page, seed, boxes_project):
    sign_in(page, seed.annotator)
    open_annotate(page, boxes_project)
    drag(page, image_point(page, 200, 200), image_point(page, 600, 500))
    page.wait_for_selector(".mark-list li[data-box-id]")
    # drag the selected box by its middle: +150 px right, +100 px down in image pixels
    drag(page, image_point(page, 400, 350), image_point(page, 550, 450))
    page.keyboard.press("Escape")  # deselect: the edit is finished
    page.wait_for_function(
        "() => document.querySelector('.mark-list li[data-box-id] button')"
        ".textContent.startsWith('#1 350,300')"
    )

    for _ in range(4):
        page.get_by_role("button", name="Zoom in").click()
    scroller = page.locator(".zoom-scroller")
    before = scroller.evaluate("""s => { s.scrollLeft = (s.scrollWidth - s.clientWidth) / 2;
                                        s.scrollTop = (s.scrollHeight - s.clientHeight) / 2;
                                        return [s.scrollLeft, s.scrollTop]; }""")
    box = scroller.bounding_box()
    page.keyboard.down(" ")
    drag(page, (box["x"] + 300, box["y"] + 300), (box["x"] + 200, box["y"] + 220))
    page.keyboard.up(" ")
    after = scroller.evaluate("s => [s.scrollLeft, s.scrollTop]")
    assert after[0] - before[0] == 100 and after[1] - before[1] == 80, (before, after)
    assert page.locator(".mark-list li[data-box-id]").count() == 1  # panning drew nothing

    annotation = submit_and_capture(page)
    (moved,) = annotation["result"]["boxes"]
    assert_box(moved, (350, 300, 400, 300), "scratch")


def test_ok_key_answers_no_defect_and_ng_flag_is_kept(page, seed, boxes_project):
    """The OK/NG flag of the box tool (as in the polygon tool): "O" submits {"ok": true} at once;
    on the next item a box with the NG box ticked is submitted as defective."""
    sign_in(page, seed.annotator)
    open_annotate(page, boxes_project)
    assert page.locator(".ok-button kbd").text_content() == "O"
    shown = page.get_attribute("#stage", "data-assignment-id")
    with page.expect_response(lambda r: "/submit" in r.url and r.request.method == "POST") as info:
        page.keyboard.press("o")
    assert info.value.status == 201, info.value.text()
    first = info.value.json()
    assert first["result"] == {"boxes": [], "ok": True}
    wait_item(page, after=shown)

    drag(page, image_point(page, 100, 100), image_point(page, 300, 250))
    page.wait_for_selector(".mark-list li[data-box-id]")
    page.locator(".ng-flag input").check()
    annotation = submit_and_capture(page)
    assert annotation["result"]["ok"] is False
    (box,) = annotation["result"]["boxes"]
    assert_box(box, (100, 100, 200, 150), "scratch")
