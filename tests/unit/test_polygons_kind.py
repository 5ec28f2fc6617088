"""The ``image_polygons`` kind is one module plus one registry line: nothing else in the platform
imports it or names it, and no other kind's module knows about polygons. Its gold score,
fallback vote and labels come from ``quality.polygons``."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from backend.kinds import get_kind
from backend.kinds.ok_flag import split_ok
from backend.kinds.results import ItemShape, ResultInvalid
from quality.polygons import rasterize

REPO = Path(__file__).resolve().parents[2]
KINDS = REPO / "backend" / "kinds"
SQUARE = {"label": "dent", "points": [[0, 0], [4, 0], [4, 4], [0, 4]]}
WIDE = {"label": "dent", "points": [[0, 0], [6, 0], [6, 4], [0, 4]]}


def test_the_registry_is_the_only_file_that_imports_the_kind():
    pattern = re.compile(r"kinds\.image_polygons|\bIMAGE_POLYGONS\b")
    importing = sorted(
        str(path.relative_to(REPO))
        for folder in ("backend", "workers", "quality")
        for path in (REPO / folder).rglob("*.py")
        if path != KINDS / "image_polygons.py" and pattern.search(path.read_text(encoding="utf-8"))
    )
    assert importing == ["backend/kinds/__init__.py"]


def test_no_other_kind_module_knows_polygons():
    others = [
        p
        for p in KINDS.glob("*.py")
        if p.name not in {"__init__.py", "image_polygons.py", "ok_flag.py"}
    ]
    knows = re.compile(r"image_polygons|IMAGE_POLYGONS|quality\.polygons|import polygons")
    assert others and not [p.name for p in others if knows.search(p.read_text(encoding="utf-8"))]


def test_gold_score_fallback_vote_and_labels():
    kind = get_kind("image_polygons")
    assert kind.gold_score({"polygons": [SQUARE]}, {"polygons": [SQUARE]}) == 1.0
    assert kind.gold_score({"polygons": [], "ok": True}, {"polygons": [SQUARE]}) == 0.0
    assert kind.gold_score({"polygons": [], "ok": True}, {"polygons": []}) == 1.0
    vote = kind.fallback_vote([{"polygons": [SQUARE]}, {"polygons": [WIDE]}, {"polygons": []}])
    assert rasterize(vote.result["polygons"], height=8, width=8).sum() == 16  # 2 of 3 cover it
    assert vote.confidence == pytest.approx((1 + 1 + 0) / 3)
    assert kind.fallback_vote([{"polygons": []}, {"ok": True, "polygons": []}]).result == {
        "polygons": [],
        "ok": True,
    }
    assert kind.labels_of({"polygons": [SQUARE, {**WIDE, "label": "scratch"}]}) == [
        "dent",
        "scratch",
    ]
    assert kind.formats[0] == "coco" and kind.tool == "polygons" and kind.needs_image_size


def test_validation_normalises_numbers_and_the_flag():
    validate = get_kind("image_polygons").validate
    shape = ItemShape(width=10, height=10)
    out = validate(
        {
            "polygons": [{"label": "dent", "points": [[0, 0], [4, 0], [4, 4]], "holes": []}],
            "ok": False,
        },
        labels=["dent"],
        item=shape,
    )
    assert out == {
        "polygons": [{"label": "dent", "points": [[0.0, 0.0], [4.0, 0.0], [4.0, 4.0]]}],
        "ok": False,
    }
    assert validate({"ok": True}, labels=["dent"], item=shape) == {"polygons": [], "ok": True}
    edge = validate(
        {"polygons": [{"label": "dent", "points": [[0, 0], [10.005, 0], [10, 10]]}]},
        labels=["dent"],
        item=shape,
    )
    assert edge["polygons"][0]["points"][1] == [10.005, 0.0]  # browser rounding at the edge
    with pytest.raises(ResultInvalid) as caught:
        validate({"polygons": "x"}, labels=["dent"], item=shape)
    assert caught.value.loc == ("polygons",)
    assert split_ok({"ok": False}, "boxes") == ({"boxes": []}, False)
    assert split_ok({"boxes": []}, "boxes") == ({"boxes": []}, None)


def test_consensus_strategy_scores_each_answer_like_match():
    from backend.kinds.answers import AnswerTable

    kind = get_kind("image_polygons").consensus
    results = [{"polygons": [SQUARE]}, {"polygons": [WIDE]}, {"ok": True, "polygons": []}]
    table = AnswerTable(
        item=np.array([7, 7, 7]),
        annotator=np.array([1, 2, 3]),
        is_gold=np.zeros(3, bool),
        gold_score=np.full(3, np.nan),
        label=None,
        vocab=[],
        results=results,
    )
    inferred = kind.infer(table, gold={}, labels=["dent"], weights={}, texts={})
    (result,) = inferred.results
    for user, own in zip((1, 2, 3), results, strict=True):
        assert inferred.own_scores[7, user] == kind.match(own, result)
    assert inferred.confidence[0] == pytest.approx(
        np.mean([kind.match(r, result) for r in results])
    )
