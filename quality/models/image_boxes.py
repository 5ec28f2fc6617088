"""Image boxes: a baseline sliding-window patch classifier with non-maximum suppression.

Every window of a few sizes and aspect ratios over the image (resized to ``size``) is described
by the region features of :mod:`.image_features` — its own, their departure from the whole image
and from a surrounding ring twice its size — and classified as one of the defect labels or
background by a logistic regression (the sliding-window detector of Dalal and Triggs, CVPR 2005,
with hand-made features instead of HOG alone). Windows whose defect probability (one minus
background) reaches ``score_threshold`` are kept, suppressed across labels (:mod:`.nms`; the
defects of one image seldom overlap) and scaled back to original pixels.

Honest about it: windows are fixed shapes and are not regressed to the defect's edges, so a
match at IoU >= 0.5 needs the defect to be about the size and shape of a window; the tests
measure its box F1 on the sample data at IoU 0.5 and 0.3. It exists so that a project without
an outside detector still gets pre-labels and uncertainty; a real detector (YOLO, SAM) belongs
behind the outside-model endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from ..boxes import iou_matrix
from ._base import fit_quietly
from .evaluation import micro_box_f1
from .image_features import channel_maps, region_features, region_means, summed_area, to_rgb_array
from .nms import non_max_suppression
from .uncertainty import entropy_uncertainty, margin_uncertainty

Boxes = Sequence[Mapping[str, Any]]
BACKGROUND = "__background__"


def window_rects(
    width: int, height: int, sizes: Sequence[int], aspects: Sequence[float], stride: float
) -> NDArray[np.int64]:
    """All windows ``(x0, y0, x1, y1)`` of the given sizes and aspect ratios (w / h) inside."""
    rects = []
    for size in sizes:
        for aspect in aspects:
            w = int(min(width, max(2, round(size * np.sqrt(aspect)))))
            h = int(min(height, max(2, round(size / np.sqrt(aspect)))))
            sx, sy = max(1, round(w * stride)), max(1, round(h * stride))
            xs = np.unique(np.append(np.arange(0, width - w + 1, sx), width - w))
            ys = np.unique(np.append(np.arange(0, height - h + 1, sy), height - h))
            gx, gy = np.meshgrid(xs, ys)
            x0, y0 = gx.ravel(), gy.ravel()
            rects.append(np.stack([x0, y0, x0 + w, y0 + h], axis=1))
    return np.unique(np.concatenate(rects), axis=0).astype(np.int64)


def _xywh(rects: NDArray[np.int64]) -> NDArray[np.float64]:
    return np.stack(
        [rects[:, 0], rects[:, 1], rects[:, 2] - rects[:, 0], rects[:, 3] - rects[:, 1]], axis=1
    ).astype(np.float64)


def _original_size(image: Any) -> tuple[float, float]:
    """(width, height) of a PIL image or an (H, W[, C]) array, in original pixels."""
    if hasattr(image, "size") and not isinstance(image, np.ndarray):
        return float(image.size[0]), float(image.size[1])
    shape = np.shape(image)
    return float(shape[1]), float(shape[0])


class ImageBoxDetector(BaseEstimator):
    """Sliding-window patch classifier (defect label vs background) + NMS; baseline accuracy.

    ``predict`` gives ``[{label, x, y, w, h}, …]`` per image in original pixels.
    """

    kind: ClassVar[str] = "image_boxes"

    def __init__(
        self,
        size: int = 320,
        window_sizes: tuple[int, ...] = (16, 32, 64, 128),
        aspects: tuple[float, ...] = (1.0, 3.0, 1 / 3),
        stride: float = 0.5,
        positive_iou: float = 0.5,
        negative_iou: float = 0.3,
        background_per_image: int = 60,
        score_threshold: float = 0.8,
        nms_iou: float = 0.2,
        max_boxes: int = 5,
        C: float = 0.3,
        random_state: int = 0,
    ) -> None:
        self.size = size
        self.window_sizes = window_sizes
        self.aspects = aspects
        self.stride = stride
        self.positive_iou = positive_iou
        self.negative_iou = negative_iou
        self.background_per_image = background_per_image
        self.score_threshold = score_threshold
        self.nms_iou = nms_iou
        self.max_boxes = max_boxes
        self.C = C
        self.random_state = random_state

    def _windows(
        self, image: Any, truth: NDArray[np.float64] | None = None
    ) -> tuple[NDArray[np.int64], NDArray[np.float64], float]:
        """Windows (working pixels), their features and the scale (working / original).

        With ``truth`` (original-pixel x, y, w, h), the true boxes are windows too, so every
        defect gives at least one positive example whatever its shape.
        """
        rgb, scale = to_rgb_array(image, self.size)
        h, w = rgb.shape[:2]
        rects = window_rects(w, h, self.window_sizes, self.aspects, self.stride)
        if truth is not None and len(truth):
            x0y0 = np.floor(truth[:, :2] * scale)
            x1y1 = np.maximum(np.ceil((truth[:, :2] + truth[:, 2:]) * scale), x0y0 + 1)
            exact = np.column_stack([x0y0, x1y1]).astype(np.int64)
            exact = np.clip(exact, 0, [w - 1, h - 1, w, h])
            rects = np.concatenate([rects, exact])
        table = summed_area(channel_maps(rgb))
        whole = region_features(region_means(table, np.asarray([[0, 0, w, h]])))
        own = region_features(region_means(table, rects))
        bw, bh = rects[:, 2] - rects[:, 0], rects[:, 3] - rects[:, 1]
        ring = np.stack(
            [
                np.maximum(rects[:, 0] - bw // 2, 0),
                np.maximum(rects[:, 1] - bh // 2, 0),
                np.minimum(rects[:, 2] + bw // 2, w),
                np.minimum(rects[:, 3] + bh // 2, h),
            ],
            axis=1,
        )
        around = region_features(region_means(table, ring))
        shape = np.stack([np.log(bw / max(w, h)), np.log(bh / max(w, h))], axis=1)
        return rects, np.hstack([own, own - whole, own - around, shape]), scale

    def fit(self, X: Sequence[Any], y: Sequence[Boxes]) -> ImageBoxDetector:
        """Learn from decoded images and their final boxes (original pixels)."""
        if len(X) != len(y):
            raise ValueError(f"{len(X)} images but {len(y)} box lists")
        self.labels_ = sorted({str(b["label"]) for boxes in y for b in boxes})
        if not self.labels_:
            raise ValueError("a box model needs final answers with at least one box")
        rng = np.random.default_rng(self.random_state)
        rows, targets = [], []
        for image, boxes in zip(X, y, strict=True):
            truth = np.asarray(
                [[b["x"], b["y"], b["w"], b["h"]] for b in boxes], dtype=np.float64
            ).reshape(-1, 4)
            names = np.asarray([str(b["label"]) for b in boxes], dtype=object)
            rects, feats, scale = self._windows(image, truth)
            best = np.zeros(len(rects))
            label = np.full(len(rects), BACKGROUND, dtype=object)
            if len(truth):
                overlap = iou_matrix(_xywh(rects) / scale, truth)
                best = overlap.max(axis=1)
                label = np.where(
                    best >= self.positive_iou, names[overlap.argmax(axis=1)], BACKGROUND
                )
            positive = np.flatnonzero(best >= self.positive_iou)
            chosen = [positive]
            # half the background from windows that touch a defect without framing it (cheap
            # hard negatives: they teach where a box should stop), half from anywhere else
            near = np.flatnonzero((best > 0) & (best < self.negative_iou))
            far = np.flatnonzero(best == 0)
            for pool, share in ((near, self.background_per_image // 2), (far, None)):
                n = self.background_per_image - sum(len(k) for k in chosen[1:])
                n = min(len(pool), n if share is None else share)
                chosen.append(rng.choice(pool, n, replace=False))
            keep = np.concatenate(chosen)
            rows.append(feats[keep])
            targets.append(label[keep])
        self.pipeline_: Pipeline = make_pipeline(
            StandardScaler(), LogisticRegression(C=self.C, max_iter=3000)
        )
        fit_quietly(self.pipeline_, np.vstack(rows), np.concatenate(targets).astype(str))
        self.classes_ = self.pipeline_.classes_
        return self

    def _detect(self, image: Any) -> tuple[list[dict[str, Any]], list[float], NDArray[np.float64]]:
        """Boxes, their scores and all window probabilities of one image."""
        rects, feats, scale = self._windows(image)
        proba = np.asarray(self.pipeline_.predict_proba(feats), dtype=np.float64)
        bg = int(np.flatnonzero(self.classes_ == BACKGROUND)[0])
        defect = np.delete(proba, bg, axis=1)
        names = np.delete(self.classes_, bg)
        score = 1.0 - proba[:, bg]
        label = defect.argmax(axis=1)
        candidates = np.flatnonzero(score >= self.score_threshold)
        kept = candidates[
            non_max_suppression(
                _xywh(rects[candidates]), score[candidates], self.nms_iou, self.max_boxes
            )
        ]
        width, height = _original_size(image)
        boxes = []
        for k in kept:
            x0, y0 = min(rects[k, 0] / scale, width - 1.0), min(rects[k, 1] / scale, height - 1.0)
            x1, y1 = min(rects[k, 2] / scale, width), min(rects[k, 3] / scale, height)
            boxes.append(
                {
                    "label": str(names[label[k]]),
                    "x": float(x0),
                    "y": float(y0),
                    "w": float(x1 - x0),
                    "h": float(y1 - y0),
                }
            )
        return boxes, [float(score[k]) for k in kept], proba

    def predict(self, X: Sequence[Any]) -> list[list[dict[str, Any]]]:
        """Boxes of each image, best first, in original pixels."""
        return [self._detect(image)[0] for image in X]

    def prelabels(self, X: Sequence[Any]) -> list[dict[str, Any]]:
        """``[{"result": {"boxes": [...]}, "score": s, "mark_scores": [...]}]`` per image.

        ``score`` is the mean box score, or for an image with no box the probability that its
        most defect-like window is background (the confidence that the image is clean).
        """
        out = []
        for image in X:
            boxes, scores, proba = self._detect(image)
            bg = int(np.flatnonzero(self.classes_ == BACKGROUND)[0])
            clean = float(proba[:, bg].min()) if len(proba) else 1.0
            score = float(np.mean(scores)) if scores else clean
            out.append({"result": {"boxes": boxes}, "score": score, "mark_scores": scores})
        return out

    def uncertainty(self, X: Sequence[Any], method: str = "margin") -> NDArray[np.float64]:
        """Per image in [0, 1]: the most uncertain window by margin or entropy (max aggregation
        of C.-A. Brust, C. Käding and J. Denzler, "Active Learning for Deep Object Detection",
        VISAPP 2019, https://doi.org/10.5220/0007248601810190)."""
        if method not in ("margin", "entropy"):
            raise ValueError(f"method must be 'margin' or 'entropy', not {method!r}")
        measure = margin_uncertainty if method == "margin" else entropy_uncertainty
        return np.asarray([float(measure(self._detect(image)[2]).max()) for image in X])

    def score(self, X: Sequence[Any], y: Sequence[Boxes], sample_weight: Any = None) -> float:
        """Micro box F1 at IoU >= 0.5 (same label) of :meth:`predict` against ``y``."""
        return micro_box_f1(self.predict(X), y)
