"""Spans on Chinese text: select with the mouse, label by hotkey; offsets stored in code points."""

from __future__ import annotations

import pytest
from browser_ui import open_annotate, shot, sign_in, submit_and_capture

# "𠀋" (U+2000B, CJK Extension B) is outside the BMP: one code point, two UTF-16 code units,
# so every offset after it differs between the DOM and the stored result.
LABEL_OF_SPAN = """([start, label]) =>
    document.querySelector(`.mark-list li[data-span-start='${start}'] select`)?.value === label"""
TEXT = "2024年𠀋号产线工单：3号机床主轴轴承磨损严重，已更换轴承并校准。"


@pytest.fixture
def spans_project(seed):
    return seed.project(
        "text_spans", [{"text": TEXT}, {"text": "设备巡检：冷却泵异响，建议停机检查。"}]
    )


def select_chars(page, start_cp: int, end_cp: int) -> None:
    """Drag the mouse over the characters [start_cp, end_cp) of the shown text."""
    box = page.evaluate(
        """([s, e]) => {
            const el = document.querySelector('#stage .spans-text');
            const node = el.firstChild; const text = node.textContent;
            const u16 = (cp) => {
                let i = 0;
                for (let c = 0; c < cp; c++) i += text.codePointAt(i) > 0xffff ? 2 : 1;
                return i;
            };
            const rect = (a, b) => {
                const r = document.createRange(); r.setStart(node, a); r.setEnd(node, b);
                return r.getBoundingClientRect();
            };
            const first = rect(u16(s), u16(s + 1)); const last = rect(u16(e - 1), u16(e));
            return { x0: first.left + 2, y0: first.top + first.height / 2,
                     x1: last.right - 2, y1: last.top + last.height / 2 };
        }""",
        [start_cp, end_cp],
    )
    page.mouse.move(box["x0"], box["y0"])
    page.mouse.down()
    for i in range(1, 9):
        page.mouse.move(
            box["x0"] + (box["x1"] - box["x0"]) * i / 8, box["y0"] + (box["y1"] - box["y0"]) * i / 8
        )
    page.mouse.up()


def test_chinese_spans_are_stored_in_code_points(page, seed, spans_project, artifacts):
    sign_in(page, seed.annotator)
    open_annotate(page, spans_project)
    part = TEXT.index("主轴轴承")  # Python indexes by code point
    defect = TEXT.index("磨损")
    assert (
        len(TEXT[:part].encode("utf-16-le")) // 2 == part + 1
    )  # the astral character shifts UTF-16 by one

    page.keyboard.press("a")  # ACTION becomes the label for new spans
    select_chars(page, part, part + 4)
    page.wait_for_selector(f".mark-list li[data-span-start='{part}']")  # the highlight is there
    page.keyboard.press("p")  # relabel the selected span: PART
    page.wait_for_function(LABEL_OF_SPAN, arg=[part, "PART"])
    select_chars(page, defect, defect + 2)
    page.wait_for_selector(f".mark-list li[data-span-start='{defect}']")
    page.keyboard.press("d")  # DEFECT
    page.wait_for_function(LABEL_OF_SPAN, arg=[defect, "DEFECT"])
    page.mouse.click(5, 400)  # click outside the text, nothing selected
    shot(page, artifacts, "annotate-spans")
    annotation = submit_and_capture(page)
    spans = annotation["result"]["spans"]
    assert spans == [
        {"label": "PART", "start": part, "end": part + 4},
        {"label": "DEFECT", "start": defect, "end": defect + 2},
    ]
    assert [TEXT[s["start"] : s["end"]] for s in spans] == ["主轴轴承", "磨损"]


def test_remove_a_span_with_delete(page, seed, spans_project):
    sign_in(page, seed.annotator)
    open_annotate(page, spans_project)
    text = page.inner_text("#stage .spans-text")
    start = text.index("冷却泵") if "冷却泵" in text else TEXT.index("机床")
    select_chars(page, start, start + 3)
    page.wait_for_selector(".mark-list li[data-span-start]")
    page.keyboard.press("Delete")
    page.wait_for_selector(".mark-list li.muted")
    annotation = submit_and_capture(page)
    assert annotation["result"] == {"spans": []}
