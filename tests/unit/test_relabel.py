"""``Kind.rename_label``: every kind renames and drops labels in its own results."""

from __future__ import annotations

import pytest

from backend.kinds import KINDS, ItemShape
from backend.kinds.relabel import keep_labels, relabel_result
from support.rating_kind import TEXT_RATING


@pytest.mark.parametrize("name", ["image_classification", "text_classification"])
def test_classification_renames_and_cannot_drop_its_only_label(name):
    kind = KINDS[name]
    assert kind.rename_label({"label": "a"}, "a", "b") == {"label": "b"}
    untouched = {"label": "c"}
    assert kind.rename_label(untouched, "a", "b") is untouched
    assert kind.rename_label({"label": "a"}, "a", None) is None


@pytest.mark.parametrize("name,field", [("image_boxes", "boxes"), ("text_spans", "spans")])
def test_marks_are_renamed_dropped_and_merged_once(name, field):
    kind = KINDS[name]
    example = kind.example
    assert example is not None
    mark = example[field][0]
    other = {**mark, "label": "B"}
    result = {field: [{**mark, "label": "A"}, other, {**mark, "label": "C"}]}
    merged = kind.rename_label(result, "A", "B")
    assert merged == {field: [other, {**mark, "label": "C"}]}
    kind.validate(merged, labels=["B", "C"], item=ItemShape())  # still a valid answer
    dropped = kind.rename_label(result, "C", None)
    assert dropped == {field: result[field][:2]}
    assert kind.rename_label({field: []}, "A", "B") == {field: []}


def test_a_rating_holds_no_label():
    assert TEXT_RATING.rename_label is keep_labels
    assert TEXT_RATING.rename_label({"rating": 4}, "4", "5") == {"rating": 4}


def test_only_label_keys_are_renamed():
    result = {"label": "x", "note": "x", "marks": [{"label": "x", "tag": "x"}]}
    assert relabel_result(result, "x", "y") == {
        "label": "y",
        "note": "x",
        "marks": [{"label": "y", "tag": "x"}],
    }
