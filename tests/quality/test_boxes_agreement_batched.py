"""Batched pairwise box agreement equals ``pairwise_box_agreement`` image by image, overall and
per label, on sparse and on crowded images (where boxes overlap several others and the Hungarian
step is needed), with empty answers and images with one answer."""

from __future__ import annotations

import math

import numpy as np
import pytest

from quality.boxes import (
    batched_box_f1,
    batched_pairwise_agreement,
    box_f1,
    flatten_boxes,
    pairwise_box_agreement,
)

LABELS = ["dent", "scratch", "stain"]


def crowd(rng: np.random.Generator, n_items: int, crowded: bool) -> list:
    answers = []
    for item in range(n_items):
        spread = 60 if crowded else 400
        truth = [
            (str(rng.choice(LABELS)), *rng.uniform(0, spread, 2), *rng.uniform(10, 80, 2))
            for _ in range(int(rng.integers(0, 8)))
        ]
        for _user in range(int(rng.integers(1, 5))):
            boxes = [
                {
                    "label": lab if rng.random() > 0.1 else str(rng.choice(LABELS)),
                    "x": x + rng.normal(0, 4),
                    "y": y + rng.normal(0, 4),
                    "w": w * rng.uniform(0.7, 1.3),
                    "h": h * rng.uniform(0.7, 1.3),
                }
                for lab, x, y, w, h in truth
                if rng.random() > 0.15
            ]
            answers.append((item * 7 + 3, {"boxes": boxes}))
    order = rng.permutation(len(answers))
    return [answers[i] for i in order]


def per_item(answers: list) -> dict:
    grouped: dict = {}
    for item, result in answers:
        grouped.setdefault(item, []).append(result["boxes"])
    out = {}
    for item, lists in grouped.items():
        if len(lists) < 2:
            continue
        whole = pairwise_box_agreement(dict(enumerate(lists)), 0.5)
        labels = {}
        for label in LABELS:
            if any(b["label"] == label for bs in lists for b in bs):
                only = {u: [b for b in bs if b["label"] == label] for u, bs in enumerate(lists)}
                labels[label] = pairwise_box_agreement(only, 0.5)["f1"]
        out[item] = (whole["f1"], whole["mean_iou"], labels)
    return out


@pytest.mark.parametrize("crowded", [False, True])
def test_equals_the_per_image_agreement(crowded):
    rng = np.random.default_rng(5 if crowded else 6)
    answers = crowd(rng, 300, crowded)
    box_answer, label, xywh, names = flatten_boxes([r for _, r in answers])
    found = batched_pairwise_agreement(
        answer_item=np.array([i for i, _ in answers]),
        box_answer=box_answer,
        box_label=label,
        box_xywh=xywh,
        n_labels=len(names),
    )
    want = per_item(answers)
    assert sorted(want) == found.items.tolist()
    mean_iou = found.mean_iou()
    for k, item in enumerate(found.items.tolist()):
        f1, iou, labels = want[item]
        assert found.f1[k] == pytest.approx(f1, abs=1e-12)
        assert (math.isnan(iou) and math.isnan(mean_iou[k])) or mean_iou[k] == pytest.approx(
            iou, abs=1e-12
        )
        for label in LABELS:
            got = found.label_f1[k, names.index(label)] if label in names else math.nan
            if label in labels:
                assert got == pytest.approx(labels[label], abs=1e-12), (item, label)
            else:
                assert math.isnan(got)


@pytest.mark.parametrize("crowded", [False, True])
def test_batched_box_f1_equals_box_f1_pair_by_pair(crowded: bool) -> None:
    """Scoring many answers against references at once (gold answers, paused annotators'
    answers in the annotator table) gives ``box_f1`` of each pair, empty and OK answers too."""
    rng = np.random.default_rng(31 if crowded else 32)
    answers = [result for _, result in crowd(rng, 300, crowded)]
    references = [answers[i] for i in rng.permutation(len(answers))]
    answers[0], references[1] = {"ok": True}, {"boxes": []}
    got = batched_box_f1(answers, references)
    want = [
        box_f1((a or {}).get("boxes", []), (r or {}).get("boxes", []), 0.5)["f1"]
        for a, r in zip(answers, references, strict=True)
    ]
    assert len(got) == len(want) > 500
    assert np.allclose(got, want, rtol=0, atol=1e-12)
    assert 0 < np.mean(got) < 1
    assert batched_box_f1([], []).shape == (0,)
