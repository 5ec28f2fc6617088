"""The boxes kind's batched consensus equals one fusion per image (the generic marks path): the
same boxes and per-answer scores; its confidence never above the generic answers' vote."""

from __future__ import annotations

import numpy as np

from backend.kinds.answers import AnswerTable
from backend.kinds.image_boxes import BOXES
from backend.kinds.marks import MarksConsensus


def _random_answers(seed: int, n_items: int = 60) -> AnswerTable:
    rng = np.random.default_rng(seed)
    items, users, results = [], [], []
    for item in range(1, n_items + 1):
        truth = [
            (rng.choice(["scratch", "dent"]), *rng.uniform(0, 200, 2), *rng.uniform(5, 60, 2))
            for _ in range(rng.integers(0, 4))
        ]
        for user in rng.choice(np.arange(1, 8), size=rng.integers(1, 5), replace=False):
            boxes = [
                {"label": lab, "x": x + rng.normal(0, 3), "y": y + rng.normal(0, 3), "w": w, "h": h}
                for lab, x, y, w, h in truth
                if rng.random() > 0.15
            ]
            items.append(item)
            users.append(int(user))
            results.append({"boxes": boxes})
    n = len(items)
    return AnswerTable(
        item=np.asarray(items, dtype=np.int64),
        annotator=np.asarray(users, dtype=np.int64),
        is_gold=np.zeros(n, dtype=bool),
        gold_score=np.full(n, np.nan),
        label=None,
        vocab=[],
        results=results,
    )


def test_batched_box_consensus_equals_per_image_fusion() -> None:
    for seed in range(5):
        answers = _random_answers(seed)
        weights = {u: 0.5 + 0.07 * u for u in range(1, 8)}
        kwargs = {"gold": {}, "labels": ["scratch", "dent"], "weights": weights, "texts": {}}
        batched = BOXES.infer(answers, **kwargs)
        per_image = MarksConsensus.infer(BOXES, answers, **kwargs)
        order = np.argsort(per_image.item)
        assert batched.item.tolist() == per_image.item[order].tolist()
        # the batched path also bounds the answers' vote by the boxes' own confidences
        assert (batched.confidence <= per_image.confidence[order] + 1e-9).all()
        assert ((batched.confidence >= 0) & (batched.confidence <= 1)).all()
        assert batched.n.tolist() == per_image.n[order].tolist()
        for got, want in zip(batched.results, [per_image.results[i] for i in order], strict=True):
            assert [b["label"] for b in got["boxes"]] == [b["label"] for b in want["boxes"]]
            for a, b in zip(got["boxes"], want["boxes"], strict=True):
                np.testing.assert_allclose(
                    [a[k] for k in "xywh"], [b[k] for k in "xywh"], atol=1e-9
                )
        assert batched.own_scores.keys() == per_image.own_scores.keys()
        for key, value in per_image.own_scores.items():
            assert abs(batched.own_scores[key] - value) < 1e-9
