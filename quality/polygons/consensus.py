"""Consensus polygons of many items at once by reliability-weighted pixel vote.

Model: for every item and label, a pixel belongs to the consensus when the annotators whose
polygons of that label cover it hold more than ``threshold`` (one half) of the weight of all
the item's annotators — an answer without such polygons, or ``{"ok": true}``, votes "not
here". Weights are the annotators' reliabilities (gold accuracy, a skill estimate); an item
whose annotators all weigh 0 or less counts them equally. This is weighted majority voting of
segmentations, the per-pixel decision rule that STAPLE refines with estimated sensitivities and
specificities (S. K. Warfield, K. H. Zou and W. M. Wells, "Simultaneous truth and performance
level estimation (STAPLE): an algorithm for the validation of image segmentation", IEEE
Transactions on Medical Imaging 23(7):903-921, 2004, https://doi.org/10.1109/TMI.2004.828354);
here the reliabilities come from gold and the other inference methods of the platform.

Pixels are COCO's (``pycocotools`` rasterisation, see ``raster``); the consensus pixel set is
traced back to polygons with holes along pixel edges, so that rasterising them again gives the
voted pixels exactly. Objects are its 4-connected components.

The pixel stage (COCO rasterisation, vote, objects, overlaps, tracing) runs compiled, one
cluster of touching polygons at a time (``_kernel``, Numba); the NumPy path it replaced
(``_raster``, ``_runs``, ``_vote``, ``_overlap``, ``_trace``) stays as the reference,
``fuse_polygons(..., kernel=False)``, and the tests hold the two equal column by column. The
compiled stage works on column runs, but fills a polygon with holes densely on its box, so
large regions of large images still go to the NumPy path (``_compiled_is_cheaper``).
``fuse_results`` is the entry point for platform results: flattened once, in item order.

Confidence of an object: the weighted mean over the item's annotators of the IoU between the
object and that annotator's best-matching polygon of the label (0 for an annotator with none).
Each answer's score against the consensus is the polygon F1 at ``iou_threshold`` (one-to-one
matching of same-label objects, as for boxes; two answers without polygons agree when their
OK/NG flags do), and an item's confidence is the weighted mean of its answers' scores — the
same definition as for boxes and spans.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._bulk import collector_paused
from ._overlap import best_iou_per_answer, f1_against, polygon_object_iou
from ._raster import polygon_columns, polygon_runs
from ._runs import Lines, Runs, merge_touching, sweep, union
from ._table import PolygonTable, table_from_json
from ._trace import Traced, trace

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
Ints = NDArray[np.int64] | NDArray[np.int32]  # corners: int32 from the compiled tracing


@dataclass(frozen=True)
class PolygonConsensus:
    """Consensus of every item, as columns.

    Per item (``items`` sorted): ``ok`` (no consensus polygon and no weighted majority for
    "defect"), ``confidence``, ``n_answers``. Per input answer: ``answer_score``. Per object:
    ``object_item`` (index into ``items``), ``object_label`` (code into ``labels``),
    ``object_confidence``, ``object_area`` (pixels). Rings: ``ring_object``, ``ring_hole``,
    vertices ``x, y`` (pixel corners) at ``ring_offsets[r]:ring_offsets[r + 1]``, outer ring
    of each object first.
    """

    items: I64
    ok: NDArray[np.bool_]
    confidence: F64
    n_answers: I64
    answer_score: F64
    object_item: I64
    object_label: I64
    object_confidence: F64
    object_area: I64
    ring_object: I64
    ring_hole: NDArray[np.bool_]
    ring_offsets: I64
    x: Ints
    y: Ints
    labels: tuple[str, ...]

    def results(self, *, with_confidence: bool = False) -> list[dict[str, Any]]:
        """One platform result per item: ``{"polygons": [...], "ok": bool}``."""
        with collector_paused():
            return self._results(with_confidence)

    def _results(self, with_confidence: bool) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = [{"polygons": [], "ok": bool(ok)} for ok in self.ok.tolist()]
        points = np.stack([self.x, self.y], axis=1).tolist()
        offsets = self.ring_offsets.tolist()
        conf = self.object_confidence.tolist()
        labels = [self.labels[c] for c in self.object_label.tolist()]
        where = self.object_item.tolist()
        current: dict[str, Any] = {}
        for r, (obj, hole) in enumerate(
            zip(self.ring_object.tolist(), self.ring_hole.tolist(), strict=True)
        ):
            ring = points[offsets[r] : offsets[r + 1]]
            if hole:
                current.setdefault("holes", []).append(ring)
                continue
            current = {"label": labels[obj], "points": ring}
            if with_confidence:
                current["confidence"] = conf[obj]
            out[where[obj]]["polygons"].append(current)
        return out


def fuse_polygons(
    table: PolygonTable,
    weights: F64 | None = None,
    *,
    height: I64 | int | None = None,
    width: I64 | int | None = None,
    threshold: float = 0.5,
    iou_threshold: float = 0.5,
    prior_weight: float = 1.0,
    kernel: bool | None = None,
) -> PolygonConsensus:
    """Consensus polygons of every item of ``table`` by reliability-weighted pixel vote.

    ``weights``: one per answer row of ``table`` (all 1 when None; NaN, an annotator without
    evidence, weighs ``prior_weight``); ``height``, ``width``: the
    image size, one per answer row or one for all (None: large enough for every point, which
    gives the same pixels for points inside the image, see ``raster.canvas``). ``threshold``:
    the share of the weight a pixel needs to exceed. ``iou_threshold``: for the answers' F1
    against the consensus. ``kernel``: the compiled pixel stage (``_kernel``), False: the NumPy
    reference path, None: whichever ``_compiled_is_cheaper`` (both give the same result).
    """
    n_ans = table.n_answers
    by_item = np.argsort(table.answer_item, kind="stable")
    if np.any(by_item != np.arange(n_ans)):
        # answers come in submission order; an item's polygons together keep every look-up
        # below local in memory. Same consensus, scores mapped back to the caller's rows.
        fused = fuse_polygons(
            table.take_answers(by_item),
            None if weights is None else np.asarray(weights, dtype=np.float64)[by_item],
            height=height
            if height is None or np.ndim(height) == 0
            else np.asarray(height)[by_item],
            width=width if width is None or np.ndim(width) == 0 else np.asarray(width)[by_item],
            threshold=threshold,
            iou_threshold=iou_threshold,
            prior_weight=prior_weight,
            kernel=kernel,
        )
        score = np.empty(n_ans)
        score[by_item] = fused.answer_score
        return replace(fused, answer_score=score)
    # answers are in item order here: the distinct items and each answer's index among them
    # without the sort of ``np.unique``
    new_item = np.r_[True, table.answer_item[1:] != table.answer_item[:-1]][:n_ans]
    items = table.answer_item[new_item]
    item_of = (np.cumsum(new_item) - 1).astype(np.int64)
    n_items = len(items)
    given = np.ones(n_ans) if weights is None else np.asarray(weights, dtype=np.float64)
    w: F64 = np.clip(np.where(np.isnan(given), prior_weight, given), 0.0, None)
    w = np.where(_sums(item_of, w, n_items)[item_of] > 0, w, 1.0)
    total = _sums(item_of, w, n_items)
    # one compiled pass for the points' extents (``_extents``); the NumPy passes when the
    # reference path is asked for or the points are outside what that pass takes
    extents = None if kernel is False else _extents(table)
    if height is None:
        y_max = np.nanmax(table.xy[:, 1], initial=0.0) if extents is None else extents[5]
        height = int(np.ceil(y_max)) + 1
    if width is None:
        x_max = np.nanmax(table.xy[:, 0], initial=0.0) if extents is None else extents[4]
        width = int(np.ceil(x_max)) + 1
    h = np.broadcast_to(np.asarray(height, dtype=np.int64), (n_ans,))
    wd = np.broadcast_to(np.asarray(width, dtype=np.int64), (n_ans,))

    poly_answer = table.polygon_answer
    n_labels = max(len(table.labels), 1)
    plines = polygon_columns(
        table.xy,
        table.ring_offsets,
        table.ring_polygon,
        table.n_polygons,
        wd[poly_answer],
        None if extents is None else extents[:2],
    )
    # groups: (item, label); their lines cover the columns of all their polygons
    gkey = item_of[poly_answer] * n_labels + table.polygon_label
    if n_items * n_labels <= 4 * len(gkey) + 1024:  # ``np.unique`` without its sort
        present = np.zeros(n_items * n_labels + 1, dtype=np.int64)
        present[gkey] = 1
        gkeys = np.flatnonzero(present[:-1])
        poly_group = (np.cumsum(present) - 1)[gkey]
    else:
        gkeys, poly_group = np.unique(gkey, return_inverse=True)
        poly_group = poly_group.astype(np.int64)
    p_width = np.diff(np.r_[plines.base, plines.total])
    has = p_width > 0
    gfirst = np.full(len(gkeys), np.iinfo(np.int64).max, dtype=np.int64)
    glast = np.full(len(gkeys), -1, dtype=np.int64)
    np.minimum.at(gfirst, poly_group[has], plines.first[has])
    np.maximum.at(glast, poly_group[has], plines.first[has] + p_width[has] - 1)
    gfirst[glast < 0] = 0
    glines = Lines.of(gfirst, glast)
    # the compiled stage holds lines and rows in int32 (``_kernel``): beyond, the NumPy path
    fits = int(glines.total) < 2**31 and int(h.max(initial=0)) < 2**31
    if kernel is None:
        kernel = fits and _compiled_is_cheaper(table, None if extents is None else extents[2:4])
    elif kernel and not fits:
        raise ValueError("too many pixel lines for the compiled stage: use kernel=False")
    pixels = _pixels_compiled if kernel else _pixels_numpy
    consensus, run_group, traced, pair_poly, pair_obj, pair_iou, obj_area = pixels(
        table, h, wd, item_of, w, total, gkeys // n_labels, poly_group, glines, threshold
    )

    # objects: components of the consensus runs, numbered by their first run
    n_obj = traced.n_components
    if kernel:  # one compiled pass; ``np.minimum.at`` over 2.7 million runs took 0.03 CPU s
        from ._kernel import first_index

        first_run = first_index(traced.run_component, n_obj)
    else:
        first_run = np.full(n_obj, len(consensus), dtype=np.int64)
        np.minimum.at(first_run, traced.run_component, np.arange(len(consensus)))
    obj_group = run_group[first_run] if n_obj else np.zeros(0, dtype=np.int64)
    obj_item = gkeys[obj_group] // n_labels
    obj_label = gkeys[obj_group] % n_labels

    best_answer, best_obj, best = best_iou_per_answer(poly_answer[pair_poly], pair_obj, pair_iou)
    obj_conf = _sums(best_obj, w[best_answer] * best, n_obj)
    obj_conf = obj_conf / total[obj_item] if n_obj else obj_conf

    n_poly_answer = np.bincount(poly_answer, minlength=n_ans)
    n_obj_item = np.bincount(obj_item, minlength=n_items)
    flagged = table.answer_ok >= 0
    answer_ok = np.where(flagged, table.answer_ok == 1, n_poly_answer == 0)
    ng_share = np.bincount(item_of, weights=w * ~answer_ok, minlength=n_items) / total
    item_ok = (n_obj_item == 0) & ~(ng_share > threshold)

    matches = f1_against(
        pair_poly,
        pair_obj,
        pair_iou,
        poly_answer,
        poly_group,
        obj_group,
        n_ans,
        iou_threshold,
        poly_label=table.polygon_label,
        n_labels=n_labels,
    )
    denominator = n_poly_answer + n_obj_item[item_of]
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(
            denominator > 0,
            2 * matches / np.maximum(denominator, 1),
            (answer_ok == item_ok[item_of]).astype(float),
        )
    confidence = np.bincount(item_of, weights=w * score, minlength=n_items) / total

    ring_order = np.lexsort((traced.area < 0, traced.ring_component))
    ring_offsets, x, y = _rings_in_order(traced, ring_order)
    return PolygonConsensus(
        items=items.astype(np.int64),
        ok=item_ok,
        confidence=confidence,
        n_answers=np.bincount(item_of, minlength=n_items).astype(np.int64),
        answer_score=score,
        object_item=obj_item.astype(np.int64),
        object_label=obj_label.astype(np.int64),
        object_confidence=obj_conf,
        object_area=obj_area.astype(np.int64),
        ring_object=traced.ring_component[ring_order],
        ring_hole=traced.area[ring_order] < 0,
        ring_offsets=ring_offsets,
        x=x,
        y=y,
        labels=table.labels,
    )


Pixels = tuple[Runs, I64, Traced, I64, I64, F64, I64]


def _pixels_numpy(
    table: PolygonTable,
    h: I64,
    wd: I64,
    item_of: I64,
    w: F64,
    total: F64,
    group_item: I64,
    poly_group: I64,
    glines: Lines,
    threshold: float,
) -> Pixels:
    """The NumPy reference of the pixel stage: consensus runs on the groups' lines and the
    group of each, their rings and objects, the IoU of every (polygon, object) pair sharing
    a pixel, sorted by polygon then object, and each object's area (pixels)."""
    poly_answer = table.polygon_answer
    runs, plines = polygon_runs(
        table.xy,
        table.ring_offsets,
        table.ring_polygon,
        table.ring_hole,
        table.n_polygons,
        h[poly_answer],
        wd[poly_answer],
    )
    line_group = np.repeat(
        np.arange(len(group_item), dtype=np.int64), np.diff(np.r_[glines.base, glines.total])
    )
    p_width = np.diff(np.r_[plines.base, plines.total])
    run_poly = np.repeat(np.arange(table.n_polygons, dtype=np.int64), p_width)[runs.line]
    col = plines.col_of(runs.line, run_poly)
    gruns = Runs(glines.line(poly_group[run_poly], col), runs.start, runs.end)
    deepest = int(np.bincount(poly_answer).max()) if len(poly_answer) else 1
    consensus = _vote(
        gruns,
        poly_answer[run_poly],
        item_of,
        w,
        total,
        group_item,
        glines,
        line_group,
        threshold,
        deepest,
    )
    components = trace(consensus, glines, line_group)
    obj_area = _sums(components.run_component, consensus.length, components.n_components)
    poly_area = _sums(run_poly, runs.length, table.n_polygons)
    pair_poly, pair_obj, pair_iou = polygon_object_iou(
        gruns, run_poly, poly_area, consensus, components.run_component, obj_area
    )
    return (
        consensus,
        line_group[consensus.line],
        components,
        pair_poly,
        pair_obj,
        pair_iou,
        obj_area.astype(np.int64),
    )


def _pixels_compiled(
    table: PolygonTable,
    h: I64,
    wd: I64,
    item_of: I64,
    w: F64,
    total: F64,
    group_item: I64,
    poly_group: I64,
    glines: Lines,
    threshold: float,
) -> Pixels:
    """The pixel stage in one compiled pass per cluster of polygons (``_kernel``), the same
    result as ``_pixels_numpy``."""
    from ._kernel import trace_runs, vote_pixels  # Numba is imported on first use

    slot = _slots(item_of)
    n_slots = int(slot.max()) + 1 if len(slot) else 1
    if n_slots > 62:
        raise ValueError("at most 62 answers per item can vote on pixels")
    n_items = int(item_of.max()) + 1 if len(item_of) else 1
    by_slot = np.zeros((n_items, n_slots))
    by_slot[item_of, slot] = w
    use_table = n_slots <= 10
    if use_table:  # the share of every set of answers, computed as ``_vote`` computes it
        sets = np.arange(1 << n_slots)
        members = (sets[:, None] >> np.arange(n_slots)) & 1
        share = (by_slot @ members.T) / np.maximum(total[:, None], 1e-300)
    else:
        share = np.zeros((1, 1))
    n_poly = table.n_polygons
    poly_answer = table.polygon_answer
    ring_count = np.bincount(table.ring_polygon, minlength=n_poly)
    order = np.argsort(poly_group, kind="stable").astype(np.int64, copy=False)
    group_offsets = np.r_[0, np.cumsum(np.bincount(poly_group, minlength=len(group_item)))]
    line, start, end, run_obj, obj_area, poly_area, pair_poly, pair_obj, pair_n, run_group = (
        vote_pixels(
            np.ascontiguousarray(table.xy, dtype=np.float64),
            table.ring_offsets.astype(np.int64, copy=False),
            (np.cumsum(ring_count) - ring_count).astype(np.int64, copy=False),
            ring_count.astype(np.int64, copy=False),
            h[poly_answer].astype(np.int64, copy=False),
            wd[poly_answer].astype(np.int64, copy=False),
            slot[poly_answer].astype(np.int64, copy=False),
            order,
            group_offsets.astype(np.int64, copy=False),
            np.asarray(group_item, dtype=np.int64),
            glines.first.astype(np.int64, copy=False),
            glines.base.astype(np.int64, copy=False),
            share,
            by_slot,
            np.asarray(total, dtype=np.float64),
            use_table,
            float(threshold),
        )
    )
    by_pair = np.lexsort((pair_obj, pair_poly))
    pair_poly, pair_obj, inter = pair_poly[by_pair], pair_obj[by_pair], pair_n[by_pair]
    union = poly_area.astype(np.float64)[pair_poly] + obj_area.astype(np.float64)[pair_obj] - inter
    # no line -> group table: the groups' lines number millions (a group spans the columns
    # from its leftmost to its rightmost polygon), the runs' own groups come from the vote
    g_last = glines.first + np.diff(np.r_[glines.base, glines.total]) - 1
    if 2 * len(line) >= 2**31:  # ``trace_runs`` numbers edges in int32
        raise ValueError("too many consensus runs for one call: split the items")
    x, y, offsets, area, ring_obj = trace_runs(
        line,
        start,
        end,
        run_group,
        glines.first.astype(np.int64, copy=False),
        glines.base.astype(np.int64, copy=False),
        g_last.astype(np.int64, copy=False),
        run_obj,
    )
    traced = Traced(x, y, offsets, area, ring_obj, run_obj, len(obj_area))
    return Runs(line, start, end), run_group, traced, pair_poly, pair_obj, inter / union, obj_area


def _extents(table: PolygonTable) -> tuple[I64, I64, F64, F64, float, float] | None:
    """``_extents.ring_extents`` of the table's rings (each ring's lowest and highest COCO grid
    column, each outer ring's box width and height with its holes, the largest x and y), or
    None where it is not exact and the NumPy passes decide."""
    from ._extents import ring_extents  # Numba is imported on first use

    exact, gx_lo, gx_hi, box_w, box_h, x_max, y_max = ring_extents(
        np.ascontiguousarray(table.xy, dtype=np.float64),
        table.ring_offsets.astype(np.int64, copy=False),
        table.ring_hole.astype(np.bool_, copy=False),
    )
    if not exact:
        return None
    return gx_lo, gx_hi, box_w, box_h, float(x_max), float(y_max)


def _compiled_is_cheaper(table: PolygonTable, boxes: tuple[F64, F64] | None = None) -> bool:
    """The compiled stage works on every pixel of each polygon's box, the NumPy path on each
    of its columns (about a hundred passes over the column runs): per polygon about 9 ns per
    pixel against 1.8 us per column on the benchmark's machine (``results/polygons.md``), so
    the compiled stage wins while the polygons are on average (weighted by width) less than
    about 200 pixels tall — defect outlines — and loses on large regions of large images.

    Measured on the dense kernel. The run-based kernel that replaced it fills only polygons
    with holes densely: three 200-point regions of radius 1,200-1,360 px on a 4,000 x 3,000
    image with 20 small polygons each took 0.003 CPU s compiled against 0.005 s NumPy without
    holes, 0.092 against 0.007 s with a hole each; the rule is kept (it errs towards the NumPy
    path, which is exact too)."""
    if boxes is not None:  # each outer ring's box with its holes, from ``_extents``
        width, height = boxes
        if not len(width) or not len(table.xy):
            return True
        return bool(np.sum(width * height) <= 200.0 * np.sum(width))
    outer = np.flatnonzero(~table.ring_hole)
    if not len(outer) or not len(table.xy):
        return True
    starts = table.ring_offsets[:-1][outer]
    x, y = table.xy[:, 0], table.xy[:, 1]
    width = np.maximum.reduceat(x, starts) - np.minimum.reduceat(x, starts) + 1
    height = np.maximum.reduceat(y, starts) - np.minimum.reduceat(y, starts) + 1
    return bool(np.sum(width * height) <= 200.0 * np.sum(width))


def _rings_in_order(traced: Traced, ring_order: I64) -> tuple[I64, Ints, Ints]:
    """The traced corners with their rings in ``ring_order`` (each object's outer ring first,
    objects in order), moved in place in ``traced.x`` and ``traced.y``. Tracing meets almost
    every ring in that order already — a hole can come after a later object's outer ring (216
    of 103,000 rings at the benchmark's 20,000 images) — so only the few short stretches of
    rings that ``ring_order`` permutes among themselves are rewritten, each within its own
    corners; a gather of every corner into new arrays cost 0.2 CPU s there, most of it the
    page faults of 100 MB of fresh memory (``results/polygons.md``)."""
    offsets = traced.offsets.astype(np.int64, copy=False)
    n = len(ring_order)
    # stretch ends: where every ring up to here comes from up to here
    ends = np.flatnonzero(np.maximum.accumulate(ring_order) == np.arange(n))
    starts = np.r_[0, ends[:-1] + 1]
    moved = ends > starts  # a stretch of one ring stays where it is
    if not moved.any():  # the usual case: already in order, nothing to move
        return offsets, traced.x, traced.y
    sizes = np.diff(offsets)[ring_order]
    ring_offsets = np.r_[0, np.cumsum(sizes)].astype(np.int64)
    x, y = traced.x, traced.y
    if np.count_nonzero(moved) > n // 64:  # scattered: one gather of every corner
        take = (
            np.repeat(offsets[:-1][ring_order], sizes)
            + np.arange(int(sizes.sum()))
            - np.repeat(ring_offsets[:-1], sizes)
        )
        return ring_offsets, x[take], y[take]
    order = ring_order.tolist()
    at = offsets.tolist()
    for first, last in zip(starts[moved].tolist(), ends[moved].tolist(), strict=True):
        rings = order[first : last + 1]
        span = slice(at[first], at[last + 1])
        x[span] = np.concatenate([x[at[r] : at[r + 1]] for r in rings])
        y[span] = np.concatenate([y[at[r] : at[r + 1]] for r in rings])
    return ring_offsets, x, y


def _sums(index: I64, values: NDArray[Any], size: int) -> F64:
    """``np.bincount`` with weights, typed as floats."""
    return np.bincount(index, weights=values, minlength=size).astype(np.float64)


def _slots(item_of: I64) -> I64:
    """Rank of each answer among its item's answers (in input order)."""
    order = np.argsort(item_of, kind="stable")
    first = np.searchsorted(item_of[order], item_of[order], side="left")
    slot = np.empty(len(item_of), dtype=np.int64)
    slot[order] = np.arange(len(item_of)) - first
    return slot


def _vote(
    runs: Runs,
    run_answer: I64,
    item_of: I64,
    w: F64,
    total: F64,
    group_item: I64,
    lines: Lines,
    line_group: I64,
    threshold: float,
    deepest: int,
) -> Runs:
    """Consensus runs per (item, label) line: where the covering answers' weight share exceeds
    ``threshold``. Each answer of an item owns ``bits`` bits of one int64 counting how many of
    its polygons cover a stretch, so a single sweep serves every answer of every item."""
    if not len(runs):
        return runs
    slot = _slots(item_of)
    n_slots = int(slot.max()) + 1
    if n_slots > 62:
        raise ValueError("at most 62 answers per item can vote on pixels")
    bits = max(1, deepest.bit_length())
    if bits * n_slots > 62:  # overlapping polygons counted would not fit: union them first
        runs, run_answer = _union_per_answer(runs, run_answer, slot, n_slots)
        bits = 1
    delta = np.left_shift(np.int64(1), (bits * slot[run_answer]).astype(np.int64))
    line, start, end, state = sweep(runs.line, runs.start, runs.end, delta, lines.total)
    seg_item = group_item[line_group[line]]
    by_slot = np.zeros((int(item_of.max()) + 1, n_slots))
    by_slot[item_of, slot] = w
    mask = np.int64((1 << bits) - 1)
    covered = [((state >> np.int64(bits * s)) & mask) > 0 for s in range(n_slots)]
    if n_slots <= 10:  # which answers cover a stretch -> a bit set -> one look-up per stretch
        sets = np.arange(1 << n_slots)
        members = (sets[:, None] >> np.arange(n_slots)) & 1  # (sets, slots)
        share = (by_slot @ members.T) / np.maximum(total[:, None], 1e-300)
        which = np.zeros(len(line), dtype=np.int64)
        for s, cov in enumerate(covered):
            which |= cov.astype(np.int64) << np.int64(s)
        on = share.ravel()[seg_item * (1 << n_slots) + which] > threshold
    else:
        vote = np.zeros(len(line))
        for s, cov in enumerate(covered):
            vote += np.where(cov, by_slot[seg_item, s], 0.0)
        on = vote / total[seg_item] > threshold
    return merge_touching(line[on], start[on], end[on])


def _union_per_answer(runs: Runs, run_answer: I64, slot: I64, n_slots: int) -> tuple[Runs, I64]:
    """Each answer's runs merged (its overlapping polygons counted once)."""
    key = runs.line * n_slots + slot[run_answer]
    keys, dense = np.unique(key, return_inverse=True)
    answer_of_key = np.zeros(len(keys), dtype=np.int64)
    answer_of_key[dense] = run_answer
    merged = union(Runs(dense.astype(np.int64), runs.start, runs.end), len(keys))
    return Runs(keys[merged.line] // n_slots, merged.start, merged.end), answer_of_key[merged.line]


def fuse_results(
    results: Sequence[Mapping[str, Any] | None],
    items: Sequence[int] | I64,
    weights: F64 | None = None,
    *,
    height: I64 | int | None = None,
    width: I64 | int | None = None,
    threshold: float = 0.5,
    iou_threshold: float = 0.5,
    prior_weight: float = 1.0,
    kernel: bool | None = None,
    texts: Sequence[str | bytes] | None = None,
) -> PolygonConsensus:
    """``fuse_polygons`` of platform results as the recompute holds them (submission order,
    items interleaved), flattened once in item order: ``answer_score`` follows ``results``.

    ``texts``: the same results as their stored JSON text, read straight into the table
    (``table_from_json``) without building dicts; ``results`` are read only when some text is
    outside what that reader takes.

    Why not ``fuse_polygons(PolygonTable.from_results(results, items))``: the same consensus,
    but that table is in submission order and ``fuse_polygons`` would reorder its millions of
    points by item (``take_answers``, 0.5 CPU s at 20,000 images x 3 x 5 polygons); ordering
    the answers' dicts before flattening costs a list of references."""
    item = np.asarray(items, dtype=np.int64)
    order = np.argsort(item, kind="stable")
    table = None
    if texts is not None:  # read in item order where they lie, no reordered list of texts
        table = table_from_json(texts, items=item[order], order=order)
    if table is None:
        table = PolygonTable.from_results([results[r] for r in order.tolist()], items=item[order])

    def by_item(values: I64 | int | None) -> I64 | int | None:
        return values if values is None or np.ndim(values) == 0 else np.asarray(values)[order]

    fused = fuse_polygons(
        table,
        None if weights is None else np.asarray(weights, dtype=np.float64)[order],
        height=by_item(height),
        width=by_item(width),
        threshold=threshold,
        iou_threshold=iou_threshold,
        prior_weight=prior_weight,
        kernel=kernel,
    )
    score = np.empty(len(order))
    score[order] = fused.answer_score
    return replace(fused, answer_score=score)


def consensus_polygons(
    annotations: Mapping[Any, Mapping[str, Any] | None],
    weights: Mapping[Any, float] | None = None,
    *,
    height: int | None = None,
    width: int | None = None,
    threshold: float = 0.5,
) -> dict[str, Any]:
    """Consensus result of one image from annotator -> result, weighted by reliability
    (missing annotators weigh 1), with each polygon's ``confidence``.

    Example:
        >>> sq = {"label": "dent", "points": [[0, 0], [4, 0], [4, 4], [0, 4]]}
        >>> wide = {"label": "dent", "points": [[0, 0], [6, 0], [6, 4], [0, 4]]}
        >>> out = consensus_polygons({"a": {"polygons": [sq]}, "b": {"polygons": [wide]},
        ...                           "c": {"ok": True}}, height=8, width=8)
        >>> out["polygons"][0]["points"], round(out["polygons"][0]["confidence"], 3), out["ok"]
        ([[0, 0], [4, 0], [4, 4], [0, 4]], 0.556, False)
    """
    names = list(annotations)
    if not names:
        return {"polygons": [], "ok": True}
    table = PolygonTable.from_results(
        [annotations[n] for n in names], items=np.zeros(len(names), dtype=np.int64)
    )
    w = np.asarray([1.0 if weights is None else float(weights.get(n, 1.0)) for n in names])
    fused = fuse_polygons(table, w, height=height, width=width, threshold=threshold)
    return fused.results(with_confidence=True)[0]
