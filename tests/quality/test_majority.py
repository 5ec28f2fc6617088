"""The plain majority votes an export falls back on: boxes grouped greedily at IoU >= 0.5, spans
matched exactly; a mark is kept when more than half of the annotations gave it."""

from __future__ import annotations

import pytest

from quality.boxes import majority_boxes
from quality.spans import majority_spans


def box(label: str, x: float, y: float, w: float, h: float) -> dict:
    return {"label": label, "x": x, "y": y, "w": w, "h": h}


def span(label: str, start: int, end: int) -> dict:
    return {"label": label, "start": start, "end": end}


def test_boxes_kept_by_a_strict_majority_at_their_mean():
    dent = [box("dent", 0, 0, 10, 10), box("dent", 2, 0, 10, 10), box("dent", 1, 1, 10, 10)]
    scratch = box("scratch", 50, 5, 4, 4)  # one annotation of three: left out
    kept = majority_boxes([[dent[0], scratch], [dent[1]], [dent[2]]])
    assert kept == [(box("dent", 1.0, 0.33, 10.0, 10.0), 1.0)]
    two_of_four = majority_boxes([[dent[0]], [dent[1]], [], []])
    assert two_of_four == []  # half is not a majority


def test_boxes_of_one_annotation_never_share_a_group():
    a, b = box("dent", 0, 0, 10, 10), box("dent", 1, 0, 10, 10)  # IoU 0.818
    kept = majority_boxes([[a, b], [a]])
    assert kept == [(box("dent", 0.0, 0.0, 10.0, 10.0), 1.0)]  # b opens a group of its own


def test_boxes_below_the_threshold_or_of_another_label_do_not_group():
    a = box("dent", 0, 0, 10, 10)
    apart = box("dent", 6, 0, 10, 10)  # IoU 4/16 = 0.25
    relabelled = box("stain", 0, 0, 10, 10)
    assert majority_boxes([[a], [apart]]) == []
    assert majority_boxes([[a], [relabelled]]) == []
    assert majority_boxes([[a], [apart]], iou_threshold=0.25) == [
        (box("dent", 3.0, 0.0, 10.0, 10.0), 1.0)
    ]


def test_a_box_joins_the_group_it_overlaps_most_and_the_later_one_on_a_tie():
    left, right = box("dent", 0, 0, 10, 10), box("dent", 4, 0, 10, 10)
    middle = box("dent", 2, 0, 10, 10)  # IoU 8/12 with both
    # the first annotation opens two groups; the second joins the later of the two tied ones
    kept = majority_boxes([[left, right], [middle], []])
    assert kept == [(box("dent", 3.0, 0.0, 10.0, 10.0), pytest.approx(2 / 3))]
    nearer = box("dent", 3, 0, 10, 10)  # IoU 7/13 with left, 9/11 with right
    assert majority_boxes([[left, right], [nearer], []])[0][0]["x"] == 3.5


def test_boxes_come_sorted_top_to_bottom_then_left_to_right():
    low, high = box("a", 0, 50, 5, 5), box("b", 30, 0, 5, 5)
    kept = majority_boxes([[low, high], [low, high]])
    assert [b["label"] for b, _ in kept] == ["b", "a"]


def test_boxes_empty_input():
    assert majority_boxes([]) == []
    assert majority_boxes([[], []]) == []


def test_spans_kept_by_a_strict_majority_in_text_order():
    part, defect = span("PART", 4, 9), span("DEFECT", 0, 3)
    shifted = span("PART", 4, 8)  # not the same span
    kept = majority_spans([[part, defect], [part], [shifted, defect]])
    assert kept == [(defect, pytest.approx(2 / 3)), (part, pytest.approx(2 / 3))]
    assert majority_spans([[part], [shifted]]) == []


def test_a_span_given_twice_by_one_annotation_counts_once():
    part = span("PART", 0, 4)
    assert majority_spans([[part, part], [], []]) == []


def test_spans_empty_input():
    assert majority_spans([]) == []
    assert majority_spans([[], [], []]) == []
