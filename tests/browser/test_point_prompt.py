"""Point prompts in the box and polygon tools: the annotator turns on "Point → box", clicks the
defect, and the project's outside model (the reference adapter, ``examples/point_adapter``, a
real HTTP server) answers a box around it that is drawn as an editable mark and submitted."""

from __future__ import annotations

import base64
import io
import threading

import pytest
import uvicorn
from browser_ui import open_annotate, shot, sign_in, submit_and_capture
from PIL import Image, ImageDraw

from support.fixtures import free_port

WIDTH, HEIGHT = 1200, 900  # shown scaled down: screen pixels are not image pixels
DEFECT = (700, 300, 160, 90)  # x, y, w, h of the dark defect in image pixels


def _plate(i: int) -> str:
    picture = Image.new("RGB", (WIDTH, HEIGHT), (205, 208, 210 - i))  # each plate its own file
    x, y, w, h = DEFECT
    ImageDraw.Draw(picture).rectangle([x, y, x + w - 1, y + h - 1], fill=(40, 35, 30))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


@pytest.fixture
def point_adapter(seed) -> str:
    from examples.point_adapter import app as adapter

    adapter.JINBIAO_URL = seed.base_url  # the platform's media links are relative here
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(adapter.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(timeout=0.05)
    yield f"http://127.0.0.1:{port}/predict"
    server.should_exit = True
    thread.join(timeout=10)


def _image_point(page, x: float, y: float) -> tuple[float, float]:
    return page.evaluate(
        """([x, y]) => { const img = document.querySelector('#stage .boxes-image');
            const r = img.getBoundingClientRect();
            return [r.left + x * r.width / img.naturalWidth,
                    r.top + y * r.height / img.naturalHeight]; }""",
        [x, y],
    )


def _project(seed, kind: str, url: str) -> dict:
    items = [{"image_base64": _plate(i), "external_id": f"plate-{i}.png"} for i in range(2)]
    return seed.project(kind, items, model_endpoint={"url": url, "timeout_s": 10})


def test_click_a_point_and_get_a_box(page, seed, point_adapter, artifacts):
    project = _project(seed, "image_boxes", point_adapter)
    sign_in(page, seed.annotator)
    open_annotate(page, project)
    page.keyboard.press("2")  # "dent" for the marks to come
    toggle = page.get_by_role("button", name="Point → box")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    x, y, w, h = DEFECT
    with page.expect_response(lambda r: r.url.endswith("/suggest")) as got:
        page.mouse.click(*_image_point(page, x + w / 2, y + h / 2))
    assert got.value.status == 200, got.value.text()
    page.wait_for_selector(".mark-list li[data-box-id]")
    page.wait_for_selector("#stage:not([aria-busy]) .zoom-scroller:not([data-suggesting])")
    shot(page, artifacts, "annotate-point-prompt")
    page.keyboard.press("p")  # off again: a drag draws by hand as before
    assert toggle.get_attribute("aria-pressed") == "false"
    [box] = submit_and_capture(page)["result"]["boxes"]
    assert box == {"label": "dent", "x": x, "y": y, "w": w, "h": h}


def test_click_a_point_and_get_a_polygon_in_chinese(page, seed, point_adapter):
    project = _project(seed, "image_polygons", point_adapter)
    sign_in(page, seed.annotator, lang="zh")
    page.goto(f"/#/projects/{project['id']}/annotate")
    page.get_by_role("button", name="开始").click()
    page.wait_for_selector("#stage[data-ready='1']")
    page.get_by_role("button", name="点选 → 多边形").click()
    x, y, w, h = DEFECT
    with page.expect_response(lambda r: r.url.endswith("/suggest")) as got:
        page.mouse.click(*_image_point(page, x + w / 2, y + h / 2))
    assert got.value.status == 200, got.value.text()
    page.wait_for_selector(".mark-list li[data-polygon-id]")
    [polygon] = submit_and_capture(page)["result"]["polygons"]
    xs = [p[0] for p in polygon["points"]]
    ys = [p[1] for p in polygon["points"]]
    assert (min(xs), max(xs), min(ys), max(ys)) == (x, x + w, y, y + h)
    assert polygon["label"] == "scratch"  # the tool's first label
