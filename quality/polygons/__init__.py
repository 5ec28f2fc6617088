"""Polygons and masks: validation, COCO-exact rasterisation, RLE, mask IoU, matching, F1, gold
scoring and consensus by reliability-weighted pixel vote.

Platform format: ``{"polygons": [{"label": str, "points": [[x, y], ...],
"holes"?: [[[x, y], ...], ...]}], "ok"?: bool}`` in pixels of the original image, origin
top-left, pixel ``(c, r)`` the square ``[c, c+1] x [r, r+1]``; ``{"ok": true}`` alone means "no
defect". Pixels are those of COCO's ``pycocotools`` (its polygon rasteriser, reproduced exactly),
so masks, exports and IoU here agree with COCO tools pixel for pixel.
"""

from . import rle
from ._table import PolygonTable, is_ok, polygons_of, table_from_json
from .agreement import batched_polygon_agreement, batched_score_polygons
from .consensus import PolygonConsensus, consensus_polygons, fuse_polygons, fuse_results
from .matching import (
    iou_matrix,
    mask_iou,
    match_polygons,
    pairwise_polygon_agreement,
    polygon_f1,
    score_polygons,
)
from .raster import polygon_areas, rasterize, rasterize_polygon
from .results import ConsensusResults, json_texts
from .validation import PolygonError, validate_polygon, validate_polygons

__all__ = [
    "ConsensusResults",
    "PolygonConsensus",
    "PolygonError",
    "PolygonTable",
    "batched_polygon_agreement",
    "batched_score_polygons",
    "consensus_polygons",
    "fuse_polygons",
    "fuse_results",
    "iou_matrix",
    "is_ok",
    "json_texts",
    "mask_iou",
    "match_polygons",
    "pairwise_polygon_agreement",
    "polygon_areas",
    "polygon_f1",
    "polygons_of",
    "rasterize",
    "rasterize_polygon",
    "rle",
    "score_polygons",
    "table_from_json",
    "validate_polygon",
    "validate_polygons",
]
