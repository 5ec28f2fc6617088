"""Batched pairwise polygon agreement equals ``pairwise_polygon_agreement`` image by image,
overall (OK/NG flags included) and per label, with crowded images (polygons overlapping several
others: the Hungarian step), holes, empty answers and images with one answer."""

from __future__ import annotations

import math

import numpy as np
import pytest

from quality.polygons import PolygonTable, batched_polygon_agreement, pairwise_polygon_agreement

LABELS = ["dent", "scratch", "stain"]


def _star(rng, cx, cy, r):
    angles = np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(3, 9))))
    rad = r * rng.uniform(0.7, 1.0, len(angles))
    return np.round(np.stack([cx + rad * np.cos(angles), cy + rad * np.sin(angles)], 1), 1)


def crowd(rng, n_items, crowded):
    answers = []
    for item in range(n_items):
        spread = 30 if crowded else 120
        truth = [
            (str(rng.choice(LABELS)), *rng.uniform(15, 15 + spread, 2), rng.uniform(4, 14))
            for _ in range(int(rng.integers(0, 6)))
        ]
        for _ in range(int(rng.integers(1, 5))):
            polygons = []
            for label, cx, cy, r in truth:
                if rng.random() < 0.15:
                    continue
                points = _star(rng, cx + rng.normal(0, 1.5), cy + rng.normal(0, 1.5), r)
                polygon = {"label": label if rng.random() > 0.1 else str(rng.choice(LABELS))}
                polygon["points"] = points.tolist()
                if r > 10 and rng.random() < 0.3:
                    s = r / 5
                    polygon["holes"] = [[[cx - s, cy - s], [cx + s, cy - s], [cx, cy + s]]]
                polygons.append(polygon)
            result = {"polygons": polygons}
            if not polygons and rng.random() < 0.5:
                result["ok"] = bool(rng.random() < 0.6)
            answers.append((item * 5 + 1, result))
    order = rng.permutation(len(answers))
    return [answers[i] for i in order]


@pytest.mark.parametrize("crowded", [False, True])
def test_equals_the_per_image_agreement(crowded):
    rng = np.random.default_rng(11 if crowded else 12)
    answers = crowd(rng, 120, crowded)
    table = PolygonTable.from_results([r for _, r in answers], items=[i for i, _ in answers])
    found = batched_polygon_agreement(table)
    grouped: dict = {}
    for item, result in answers:
        grouped.setdefault(item, []).append(result)
    want = {i: g for i, g in grouped.items() if len(g) >= 2}
    assert sorted(want) == found.items.tolist()
    mean_iou = found.mean_iou()
    names = list(table.labels)
    for k, item in enumerate(found.items.tolist()):
        results = want[item]
        whole = pairwise_polygon_agreement(dict(enumerate(results)))
        assert found.f1[k] == pytest.approx(whole["f1"], abs=1e-12), item
        if math.isnan(whole["mean_iou"]):
            assert math.isnan(mean_iou[k])
        else:
            assert mean_iou[k] == pytest.approx(whole["mean_iou"], abs=1e-12)
        for label in LABELS:
            got = found.label_f1[k, names.index(label)] if label in names else math.nan
            marks = {
                u: [p for p in r["polygons"] if p["label"] == label] for u, r in enumerate(results)
            }
            if any(marks.values()):
                assert got == pytest.approx(pairwise_polygon_agreement(marks)["f1"], abs=1e-12)
            else:
                assert math.isnan(got)
