"""Bounding boxes: IoU, matching two annotators, agreement and fusion into consensus boxes.

Platform format: ``{"label": str, "x": float, "y": float, "w": float, "h": float}`` in pixels of
the original image, origin top-left. Array form: ``(n, 4)`` arrays of ``x, y, w, h``.
"""

from .agreement import BatchedAgreement, batched_box_f1, batched_pairwise_agreement
from .batched import FusedBoxes, flatten_boxes, fuse_boxes_batched
from .fusion import fuse_boxes
from .iou import iou, iou_matrix
from .majority import majority_boxes
from .matching import box_f1, match_boxes, pairwise_box_agreement

__all__ = [
    "BatchedAgreement",
    "FusedBoxes",
    "batched_box_f1",
    "batched_pairwise_agreement",
    "box_f1",
    "flatten_boxes",
    "fuse_boxes",
    "fuse_boxes_batched",
    "iou",
    "iou_matrix",
    "majority_boxes",
    "match_boxes",
    "pairwise_box_agreement",
]
