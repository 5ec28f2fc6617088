"""The demo's projects each tell the annotator what their kind asks, in English and Chinese."""

from __future__ import annotations

import re

from backend.demo import INSTRUCTIONS, PROJECT_NAMES

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_every_demo_project_has_instructions_of_its_own_in_both_languages():
    assert set(INSTRUCTIONS) == set(PROJECT_NAMES)
    assert len(set(INSTRUCTIONS.values())) == len(INSTRUCTIONS)  # none shared between kinds
    for text in INSTRUCTIONS.values():
        english, chinese = text.split("\n")
        assert re.search(r"[A-Za-z]{4}", english) and CHINESE.search(chinese)
    assert "box" in INSTRUCTIONS["image_boxes"]
    assert "Select" in INSTRUCTIONS["text_spans"]
