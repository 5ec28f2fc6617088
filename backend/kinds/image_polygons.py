"""Defect outlines: polygons with optional holes in pixels of the original image.

``{"polygons": [{"label": "scratch", "points": [[x, y], ...], "holes"?: [[[x, y], ...]]}],
"ok"?: bool}``, origin top-left, pixel ``(c, r)`` the square ``[c, c+1] x [r, r+1]``; an empty
list or ``{"ok": true}`` alone is a valid answer ("no defect", ``ok_flag``).

Validation (``quality.polygons.validate_polygons``): at least 3 distinct points, every
coordinate a finite number inside the image, no ring crossing itself, holes inside their polygon
and apart, at most 1,000 points per ring and 500 polygons per answer; the error names the
polygon, the hole and the point (``result.polygons.2.points.5``).

Consensus is a reliability-weighted pixel vote (``quality.polygons.fuse_polygons``: a pixel is
kept where the annotators covering it hold more than half the weight of the image's annotators,
after Warfield et al. 2004's STAPLE decision rule) traced back to polygons, each with its
confidence (the weighted mean IoU of each annotator's best match). An image's confidence, an
answer's score and a gold answer's score are polygon F1 at mask IoU >= 0.5, as boxes at box IoU;
two answers without polygons agree when their OK/NG flags do. Masks are COCO's pixels
(pycocotools' rasteriser reproduced exactly), so figures here and exported masks agree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from backend.kinds.answers import AnswerTable
from backend.kinds.consensus import Inferred
from backend.kinds.kind import Kind, Vote
from backend.kinds.marks import MarksConsensus, last_answers, marks_labels, marks_pattern
from backend.kinds.ok_flag import accepts_ok
from backend.kinds.results import ItemShape, ResultInvalid
from quality import polygons

FIELD = "polygons"

Point = Annotated[list[float], Field(min_length=2, max_length=2)]  # [x, y]


class Polygon(BaseModel):
    """One outline in image pixels (the API reference's shape; ``validate_polygons`` checks it)."""

    model_config = ConfigDict(extra="forbid")

    label: str
    points: list[Point] = Field(min_length=3)
    # Optional; left out of a dump when absent, so the example stays the smallest answer.
    holes: list[list[Point]] | None = Field(default=None, exclude=True)


class PolygonsResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    polygons: list[Polygon]
    ok: bool | None = Field(default=None, exclude=True)  # {"ok": true}: no defect


POLYGON_KEYS = frozenset({"label", "points", "holes"})
# Browsers convert zoomed screen coordinates with float rounding; a point may touch the edge.
EDGE_TOLERANCE = 0.01
IOU = 0.5


def _number(value: Any) -> bool:
    return type(value) in (int, float)


def _ring(points: list[Any]) -> list[list[float]]:
    return [[float(x), float(y)] for x, y in points]


def _check_shape(polygon: Any, p: int) -> None:
    """What the geometry check leaves to the caller: the keys, the label's type, numbers."""
    if not isinstance(polygon, dict):
        return  # validate_polygons names it
    extra = sorted(set(polygon) - POLYGON_KEYS)
    if extra:
        raise ResultInvalid((FIELD, p, extra[0]), f"polygon {p}: unknown key {extra[0]!r}")
    label = polygon.get("label")
    if not isinstance(label, str) or not 1 <= len(label) <= 64:
        raise ResultInvalid((FIELD, p, "label"), f"polygon {p}: label must be 1-64 characters")
    holes = polygon.get("holes", [])
    if not isinstance(holes, list):
        raise ResultInvalid((FIELD, p, "holes"), f"polygon {p}: holes must be a list of rings")
    rings = [("points", None, polygon.get("points"))]
    rings += [("holes", h, ring) for h, ring in enumerate(holes)]
    for key, h, ring in rings:
        if not isinstance(ring, list) or len(ring) > polygons.validation.MAX_POINTS:
            continue  # validate_polygons names it
        for i, point in enumerate(ring):
            if isinstance(point, list) and len(point) == 2 and not all(map(_number, point)):
                loc = (FIELD, p, key, i) if h is None else (FIELD, p, key, h, i)
                where = (
                    f"polygon {p}, point {i}" if h is None else f"polygon {p}, hole {h}, point {i}"
                )
                raise ResultInvalid(loc, f"{where}: coordinates must be numbers")


def validate_polygons(result: Any, *, labels: Iterable[str], item: ItemShape) -> dict[str, Any]:
    if not isinstance(result, dict):
        raise ResultInvalid((), "a result must be a JSON object")
    extra = sorted(set(result) - {FIELD})
    if extra:
        raise ResultInvalid((extra[0],), f"unknown key {extra[0]!r}; a result holds polygons")
    if FIELD not in result:
        raise ResultInvalid((FIELD,), "Field required")
    given = result[FIELD]
    if isinstance(given, list) and len(given) <= polygons.validation.MAX_POLYGONS:
        for p, polygon in enumerate(given):
            _check_shape(polygon, p)
    errors = polygons.validate_polygons(
        given,
        width=math.inf if item.width is None else float(item.width),
        height=math.inf if item.height is None else float(item.height),
        labels=list(labels),
        tolerance=EDGE_TOLERANCE,
    )
    if errors:
        raise ResultInvalid(errors[0].loc, errors[0].message)
    out = []
    for polygon in given:
        clean: dict[str, Any] = {"label": polygon["label"], "points": _ring(polygon["points"])}
        if polygon.get("holes"):
            clean["holes"] = [_ring(hole) for hole in polygon["holes"]]
        out.append(clean)
    return {FIELD: out}


class PolygonsConsensus(MarksConsensus):
    method = "pixel_vote"
    needs_text = False
    label_field = None
    field = FIELD

    def infer(
        self,
        answers: AnswerTable,
        *,
        gold: Mapping[int, dict[str, Any]],
        labels: Sequence[str],
        weights: Mapping[int, float],
        texts: Mapping[int, str],
    ) -> Inferred:
        """Every image at once: one pixel vote over all answers (``fuse_results``: the dicts
        flattened once, in item order, one compiled pass over every image)."""
        assert answers.results is not None
        users = answers.annotator.tolist()
        # one look-up per annotator, not per answer
        who, of_answer = np.unique(answers.annotator, return_inverse=True)
        w = np.array([weights.get(u, 1.0) for u in who.tolist()], dtype=np.float64)[of_answer]
        fused = polygons.fuse_results(
            answers.results, answers.item, w, iou_threshold=IOU, texts=_texts(answers)
        )
        scores = fused.answer_score.tolist()
        return Inferred(
            item=fused.items,
            # lazy: the store writes their JSON from the arrays, no dict per corner
            results=polygons.ConsensusResults(fused, with_confidence=True),
            confidence=fused.confidence,
            n=fused.n_answers,
            own_scores=dict(
                zip(zip(answers.item.tolist(), users, strict=True), scores, strict=True)
            ),
        )

    def agreement(self, answers: AnswerTable, *, labels: Sequence[str]) -> dict[str, Any]:
        """Every image at once (``quality.polygons.batched_polygon_agreement``): the figures of
        ``pairwise_polygon_agreement`` per image, overall and per label, each annotator's last
        answer to an image counted."""
        assert answers.results is not None
        if len(answers) < 2:
            return {"items_with_2plus": 0}
        rows = last_answers(answers.item, answers.annotator).tolist()
        texts, table = _texts(answers), None
        if texts is not None:
            table = polygons.table_from_json([texts[r] for r in rows], items=answers.item[rows])
        if table is None:
            table = polygons.PolygonTable.from_results(
                [answers.results[r] for r in rows], items=answers.item[rows]
            )
        found = polygons.batched_polygon_agreement(table, iou_threshold=IOU)
        if not len(found.items):
            return {"items_with_2plus": 0}
        code = {name: i for i, name in enumerate(table.labels)}
        return {
            "items_with_2plus": len(found.items),
            "pairwise_f1": float(np.mean(found.f1)),
            "mean_iou": _nanmean(found.mean_iou()),
            "iou_threshold": IOU,
            "per_label": {
                label: _nanmean(found.label_f1[:, code[label]]) if label in code else None
                for label in labels
            },
        }

    def match(self, result: dict[str, Any], reference: dict[str, Any]) -> float:
        return float(polygons.score_polygons(result, reference, iou_threshold=IOU))

    def match_many(
        self, results: Sequence[dict[str, Any]], references: Sequence[dict[str, Any]]
    ) -> NDArray[np.float64]:
        """``match`` of every pair at once (``quality.polygons.batched_score_polygons``):
        the annotator table scores gold answers and paused annotators' answers this way."""
        return polygons.batched_score_polygons(results, references, iou_threshold=IOU)


def _texts(answers: AnswerTable) -> Sequence[str | bytes] | None:
    """The answers' stored JSON text, when the table was read with it (``JsonResults`` of
    ``backend/assignments/answers_query.py``): polygons are read from it into arrays, the dicts
    are never built."""
    return getattr(answers.results, "texts", None)


def _nanmean(values: NDArray[np.float64]) -> float | None:
    finite = values[~np.isnan(values)]
    return float(np.mean(finite)) if len(finite) else None


def polygons_vote(results: Sequence[dict[str, Any]]) -> Vote:
    """The exports' floor: the equal-weight pixel majority of the answers."""
    table = polygons.PolygonTable.from_results(list(results), items=np.zeros(len(results), int))
    fused = polygons.fuse_polygons(table, iou_threshold=IOU)
    if not len(fused.items):
        return Vote({FIELD: [], "ok": True}, 1.0, 1.0)
    confidence = float(fused.confidence[0])
    return Vote(fused.results()[0], confidence, confidence)


POLYGONS = PolygonsConsensus()
IMAGE_POLYGONS = Kind(
    name="image_polygons",
    media="image",
    validate=accepts_ok(validate_polygons, FIELD),
    gold_score=POLYGONS.match,
    consensus=POLYGONS,
    fallback_vote=polygons_vote,
    labels_of=marks_labels(FIELD),
    formats=("coco", "yolo_seg", "masks_png", "mvtec", "raw_jsonl"),
    tool="polygons",
    needs_image_size=True,  # masks are drawn at the image's size, YOLO normalises by it
    label_pattern=marks_pattern(FIELD),
    result_model=PolygonsResult,
    example={"polygons": [{"label": "scratch", "points": [[10, 10], [60, 12], [40, 50]]}]},
    point_prompts=True,
)
