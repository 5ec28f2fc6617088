"""Box fusion (per-item path vs the batched one) and polygon consensus at the same counts.

Run on demand (pytest does not collect it)::

    .venv/bin/python tests/benchmarks/bench_polygon_consensus.py
    .venv/bin/python tests/benchmarks/bench_polygon_consensus.py --items 2000 --runs 1

Data (synthetic, seeded): ``--items`` images of 512 x 512 pixels, ``--annotators`` answers per
image from a crowd of 60 annotators with reliabilities in [0.5, 0.95], ``--objects`` true
objects per image with one of 3 labels. Each annotator draws every object: a box jittered by a
few pixels (coordinates to 0.1 px), or a polygon of 12 clicked points (0.1 px) around the
object's centre at radius ``--radius`` (uniform) +-20 %, the centre shifted by ~1.5 px; one
label in twenty is wrong.

Measured, wall-clock seconds (median of ``--runs``, the paths interleaved):

* box fusion, per-item path: what ``ScoresByMatch.infer`` of ``backend/consensus/kinds/boxes.py``
  does — group the answers by item, ``fuse_boxes`` each, ``box_f1`` of each answer against the
  fused boxes, their weighted mean (``np.average``);
* box fusion, batched: ``flatten_boxes`` of the result dicts, ``fuse_boxes_batched``, and the
  fused boxes back to dicts (``FusedBoxes.results``); the answers are checked equal to the
  per-item path's (fused boxes, scores, confidences to 1e-9);
* polygon consensus: ``fuse_results`` as the kind's ``infer`` runs it — the result dicts
  flattened once in item order (``PolygonTable.from_results``), ``fuse_polygons`` (pixel vote,
  tracing, confidences, each answer's F1) — and ``PolygonConsensus.results``; with
  the compiled pixel stage (the default) and, for comparison on the same machine load, the
  NumPy reference path (``kernel=False``, skipped with ``--skip-reference``); their results are
  checked equal. Before the runs one small call imports Numba and loads (or, on a fresh cache,
  compiles) the kernels: its CPU seconds are reported on their own.

* the platform's path, both kinds (``--platform``): what a recompute runs from the stored answers
  to the rows it writes — the answers' JSON text as PostgreSQL's ``result::text`` gives it
  (``jsonb`` key order) in a ``JsonResults`` (``backend/assignments/answers_query.py``), the
  kind's ``infer`` (``image_boxes``: parse with orjson, flatten, ``fuse_boxes_batched``,
  calibration, dicts; ``image_polygons``: the text read straight into arrays, ``fuse_polygons``,
  lazy results) and the consensus store's COPY text (``backend/consensus/store.py``
  ``_copy_text``: ``json.dumps`` of the boxes' dicts, the polygons' JSON written from arrays).

Results: a markdown table on stdout and in ``tests/benchmarks/results/polygons.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from quality.boxes import box_f1, flatten_boxes, fuse_boxes, fuse_boxes_batched  # noqa: E402
from quality.polygons import PolygonTable, fuse_polygons  # noqa: E402

RESULTS = REPO / "tests" / "benchmarks" / "results" / "polygons.md"
EXPORT_SECTION = "<!-- polygon-export -->"
LABELS = ["scratch", "dent", "stain"]
SIZE = 512


def crowd(args: argparse.Namespace, seed: int = 0) -> dict[str, Any]:
    """Answers as the platform stores them: (item, annotator, result) rows, and weights."""
    rng = np.random.default_rng(seed)
    n, a, k, m = args.items, args.annotators, args.objects, 12
    lo, hi = args.radius
    cx = rng.uniform(hi + 5, SIZE - hi - 5, (n, 1, k))
    cy = rng.uniform(hi + 5, SIZE - hi - 5, (n, 1, k))
    radius = rng.uniform(lo, hi, (n, 1, k))
    label = np.broadcast_to(rng.integers(0, 3, (n, 1, k)), (n, a, k)).copy()
    wrong = rng.random((n, a, k)) < 0.05
    label[wrong] = (label[wrong] + 1) % 3
    shift = rng.normal(0, 1.5, (n, a, k, 2))
    # boxes: the object's square, jittered
    jitter = rng.normal(0, 2.0, (n, a, k, 4))
    bx = np.round(cx[..., None] - radius[..., None] + shift[..., :1] + jitter[..., :1], 1)
    by = np.round(cy[..., None] - radius[..., None] + shift[..., 1:] + jitter[..., 1:2], 1)
    bw = np.round(2 * radius[..., None] + jitter[..., 2:3], 1)
    bh = np.round(2 * radius[..., None] + jitter[..., 3:], 1)
    # polygons: 12 clicked points around the centre
    angle = np.sort(rng.uniform(0, 2 * np.pi, (n, a, k, m)), axis=-1)
    r = radius[..., None] * rng.uniform(0.8, 1.2, (n, a, k, m))
    px = np.clip(np.round(cx[..., None] + shift[..., :1] + r * np.cos(angle), 1), 0, SIZE)
    py = np.clip(np.round(cy[..., None] + shift[..., 1:] + r * np.sin(angle), 1), 0, SIZE)
    annotators = np.stack([rng.choice(60, a, replace=False) for _ in range(n)])
    weights = {u: float(w) for u, w in enumerate(rng.uniform(0.5, 0.95, 60))}
    box_rows, polygon_rows = [], []
    for i in range(n):
        for j in range(a):
            user = int(annotators[i, j])
            names = [LABELS[c] for c in label[i, j].tolist()]
            boxes = [
                {"label": names[o], "x": x, "y": y, "w": w, "h": h}
                for o, (x, y, w, h) in enumerate(
                    zip(
                        bx[i, j, :, 0].tolist(),
                        by[i, j, :, 0].tolist(),
                        bw[i, j, :, 0].tolist(),
                        bh[i, j, :, 0].tolist(),
                        strict=True,
                    )
                )
            ]
            polygons = [
                {"label": names[o], "points": np.stack([px[i, j, o], py[i, j, o]], 1).tolist()}
                for o in range(k)
            ]
            box_rows.append((i, user, {"boxes": boxes}))
            polygon_rows.append((i, user, {"polygons": polygons}))
    # the recompute reads answers in annotation id order: items interleave
    order = rng.permutation(len(box_rows)).tolist()
    return {
        "boxes": [box_rows[i] for i in order],
        "polygons": [polygon_rows[i] for i in order],
        "weights": weights,
    }


def boxes_per_item(rows: list, weights: dict) -> dict[int, tuple]:
    """``ScoresByMatch.infer`` with ``BoxesConsensus.combine``/``match``, item by item."""
    grouped: dict[int, dict[int, list]] = {}
    for item, user, result in rows:
        grouped.setdefault(item, {})[user] = result["boxes"]
    out = {}
    for item, by_user in grouped.items():
        fused = fuse_boxes(by_user, weights, iou_threshold=0.5)
        plain = [{k: b[k] for k in ("label", "x", "y", "w", "h")} for b in fused]
        scores = [box_f1(own, plain, 0.5)["f1"] for own in by_user.values()]
        w = [weights.get(user, 1.0) for user in by_user]
        out[item] = (plain, float(np.average(scores, weights=w)), scores)
    return out


def boxes_batched(rows: list, weights: dict) -> tuple[Any, list, dict[str, float]]:
    seconds = {}
    t = time.perf_counter()
    box_answer, label, xywh, labels = flatten_boxes([r[2] for r in rows])
    item = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    weight = np.fromiter((weights.get(r[1], 1.0) for r in rows), dtype=np.float64, count=len(rows))
    seconds["flatten"] = time.perf_counter() - t
    t = time.perf_counter()
    fused = fuse_boxes_batched(
        answer_item=item,
        answer_weight=weight,
        box_answer=box_answer,
        box_label=label,
        box_xywh=xywh,
        iou_threshold=0.5,
    )
    seconds["fuse"] = time.perf_counter() - t
    t = time.perf_counter()
    results = fused.results(labels)
    seconds["to_dicts"] = time.perf_counter() - t
    return fused, results, seconds


def polygons_batched(
    rows: list, weights: dict, kernel: bool = True
) -> tuple[Any, list, dict[str, float]]:
    """``fuse_results`` (what the kind's ``infer`` runs) step by step, to time its parts: the
    dicts flattened once in item order, ``fuse_polygons``, the scores back in row order."""
    seconds = {}
    t = time.perf_counter()
    item = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    weight = np.fromiter((weights.get(r[1], 1.0) for r in rows), dtype=np.float64, count=len(rows))
    order = np.argsort(item, kind="stable")
    table = PolygonTable.from_results([rows[i][2] for i in order.tolist()], items=item[order])
    seconds["flatten"] = time.perf_counter() - t
    t = time.perf_counter()
    fused = fuse_polygons(table, weight[order], height=SIZE, width=SIZE, kernel=kernel)
    score = np.empty(len(order))
    score[order] = fused.answer_score
    fused = replace(fused, answer_score=score)
    seconds["fuse"] = time.perf_counter() - t
    t = time.perf_counter()
    results = fused.results()
    seconds["to_dicts"] = time.perf_counter() - t
    return fused, results, seconds


def platform_path(kind: str, texts: list, item: Any, user: Any, weights: dict) -> dict:
    """Stored text -> the kind's ``infer`` -> the store's COPY text, as a recompute runs them
    (with the cyclic collector paused, as ``recompute_project`` runs)."""
    from quality._bulk import collector_paused

    with collector_paused():
        return _platform_path(kind, texts, item, user, weights)


def _platform_path(kind: str, texts: list, item: Any, user: Any, weights: dict) -> dict:
    from backend.assignments.answers_query import JsonResults
    from backend.consensus.store import _copy_text
    from backend.kinds import get_kind
    from backend.kinds.answers import AnswerTable

    seconds = {}
    t = time.perf_counter()
    table = AnswerTable(
        item=item,
        annotator=user,
        is_gold=np.zeros(len(item), dtype=bool),
        gold_score=np.full(len(item), np.nan),
        label=None,
        vocab=[],
        results=JsonResults(texts),  # type: ignore[arg-type]
    )
    inferred = get_kind(kind).consensus.infer(
        table, gold={}, labels=LABELS, weights=weights, texts={}
    )
    seconds["infer"] = time.perf_counter() - t
    t = time.perf_counter()
    copy = b"".join(_copy_text(inferred))
    seconds["serialise"] = time.perf_counter() - t
    seconds["bytes"] = len(copy)
    return seconds


def jsonb_text(result: dict) -> str:
    """``result::text`` of a ``jsonb`` value: keys shorter first, then by bytes."""

    def order(value: Any) -> Any:
        if isinstance(value, dict):
            keys = sorted(value, key=lambda k: (len(k.encode()), k.encode()))
            return {k: order(value[k]) for k in keys}
        if isinstance(value, list):
            return [order(v) for v in value]
        return value

    return json.dumps(order(result))


def check_equal(per_item: dict, fused: Any, results: list, rows: list) -> int:
    """Differences between the two box paths beyond 1e-9 (0 expected)."""
    bad = 0
    for k, item in enumerate(fused.items.tolist()):
        boxes, confidence, _ = per_item[item]
        same = len(boxes) == len(results[k]) and all(
            a["label"] == b["label"] and max(abs(a[c] - b[c]) for c in "xywh") <= 1e-9
            for a, b in zip(boxes, results[k], strict=True)
        )
        bad += (not same) + (abs(confidence - fused.confidence[k]) > 1e-9)
    n_seen: dict[int, int] = {}
    for row, (item, _, _) in enumerate(rows):
        at = n_seen.get(item, 0)
        n_seen[item] = at + 1
        bad += abs(per_item[item][2][at] - fused.answer_score[row]) > 1e-9
    return bad


def timed(fn: Callable[[], Any], cpu: list[float]) -> tuple[float, Any]:
    """Wall-clock seconds of ``fn()`` (its CPU seconds appended to ``cpu``) and its result."""
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    cpu.append(time.process_time() - c)
    return time.perf_counter() - t, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--objects", type=int, default=5)
    parser.add_argument("--radius", type=float, nargs=2, default=(8.0, 20.0))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-per-item", action="store_true", help="skip the slow old path")
    parser.add_argument("--skip-reference", action="store_true", help="skip the NumPy polygon path")
    parser.add_argument("--platform", action="store_true", help="also text -> infer -> COPY")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    load = os.getloadavg()
    small = argparse.Namespace(**{**vars(args), "items": 2})
    c = time.process_time()
    polygons_batched(crowd(small)["polygons"], {})
    if args.platform:
        few = crowd(small)
        for kind, key in (("image_boxes", "boxes"), ("image_polygons", "polygons")):
            platform_path(
                kind,
                [jsonb_text(r[2]) for r in few[key]],
                np.array([r[0] for r in few[key]]),
                np.array([r[1] for r in few[key]]),
                {},
            )
    first_call = time.process_time() - c
    data = crowd(args)
    rows_b, rows_p, weights = data["boxes"], data["polygons"], data["weights"]
    old, new, poly, ref = [], [], [], []
    cpu_ref: list[float] = []
    parts_r: list[dict[str, float]] = []
    same_as_reference = None
    cpu_old: list[float] = []
    cpu_new: list[float] = []
    cpu_poly: list[float] = []
    parts_b: list[dict[str, float]] = []
    parts_p: list[dict[str, float]] = []
    mismatches = None
    plat: dict[str, list[dict[str, float]]] = {"image_boxes": [], "image_polygons": []}
    cpu_plat: dict[str, list[float]] = {"image_boxes": [], "image_polygons": []}
    if args.platform:
        texts = {
            "image_boxes": [jsonb_text(r[2]) for r in rows_b],
            "image_polygons": [jsonb_text(r[2]) for r in rows_p],
        }
        p_item = np.array([r[0] for r in rows_p], dtype=np.int64)
        p_user = np.array([r[1] for r in rows_p], dtype=np.int64)
    for _ in range(args.runs):
        if args.platform:
            for kind in ("image_boxes", "image_polygons"):
                _, found = timed(
                    lambda kind=kind: platform_path(kind, texts[kind], p_item, p_user, weights),
                    cpu_plat[kind],
                )
                plat[kind].append(found)
        if not args.skip_per_item:
            seconds, reference = timed(lambda: boxes_per_item(rows_b, weights), cpu_old)
            old.append(seconds)
        seconds, (fused, results, parts) = timed(lambda: boxes_batched(rows_b, weights), cpu_new)
        new.append(seconds)
        parts_b.append(parts)
        if not args.skip_per_item and mismatches is None:
            mismatches = check_equal(reference, fused, results, rows_b)
        seconds, (pfused, presults, parts) = timed(
            lambda: polygons_batched(rows_p, weights), cpu_poly
        )
        poly.append(seconds)
        parts_p.append(parts)
        if not args.skip_reference:
            seconds, (rfused, rresults, parts) = timed(
                lambda: polygons_batched(rows_p, weights, kernel=False), cpu_ref
            )
            ref.append(seconds)
            parts_r.append(parts)
            if same_as_reference is None:
                same_as_reference = rresults == presults and all(
                    np.array_equal(getattr(pfused, f), getattr(rfused, f))
                    for f in ("answer_score", "confidence", "object_confidence", "x", "y")
                )

    def med(values: list[float]) -> str:
        return f"{statistics.median(values):.2f}" if values else "–"

    def part(parts: list[dict[str, float]], key: str) -> str:
        return med([p[key] for p in parts])

    n_answers = len(rows_b)
    n_boxes = sum(len(r[2]["boxes"]) for r in rows_b)
    n_polygons = sum(len(r[2]["polygons"]) for r in rows_p)
    lines = [
        "# Box fusion and polygon consensus (issue 22)",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M')} · {platform.platform()} · {os.cpu_count()} CPUs "
        f"(shared; load average {load[0]:.1f} at start, {os.getloadavg()[0]:.1f} at the end) · "
        f"Python {platform.python_version()} · NumPy {np.__version__}",
        "",
        f"{args.items:,} images of {SIZE} x {SIZE} px, {args.annotators} annotators each "
        f"({n_answers:,} answers), {args.objects} objects per image: {n_boxes:,} boxes, "
        f"{n_polygons:,} polygons of 12 points, radius {args.radius[0]:g}-{args.radius[1]:g} px. "
        f"Answers in random (submission) order. Wall-clock seconds, median of {args.runs} "
        "interleaved runs (all runs in brackets); CPU: the process's CPU seconds (median), less "
        "sensitive to other jobs on the shared CPUs.",
        "",
        "| path | total | CPU | flatten dicts | fuse | back to dicts | consensus objects |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| box fusion, batched (`fuse_boxes_batched`) | {med(new)} "
        f"({', '.join(f'{v:.2f}' for v in new)}) | {med(cpu_new)} | {part(parts_b, 'flatten')} | "
        f"{part(parts_b, 'fuse')} | {part(parts_b, 'to_dicts')} | {len(fused.label):,} |",
        f"| polygon consensus (`fuse_results`) | {med(poly)} "
        f"({', '.join(f'{v:.2f}' for v in poly)}) | {med(cpu_poly)} | {part(parts_p, 'flatten')} | "
        f"{part(parts_p, 'fuse')} | {part(parts_p, 'to_dicts')} | {len(pfused.object_item):,} |",
    ]
    if old:  # the per-item path, when it ran, as the table's first row
        lines.insert(
            lines.index("|---|---:|---:|---:|---:|---:|---:|") + 1,
            "| box fusion, per-item (`fuse_boxes` + `box_f1` per answer, today's recompute) | "
            f"{med(old)} ({', '.join(f'{v:.2f}' for v in old)}) | {med(cpu_old)} | – | – | – | – |",
        )
    if ref:
        lines.append(
            f"| polygon consensus, NumPy reference (`kernel=False`) | {med(ref)} "
            f"({', '.join(f'{v:.2f}' for v in ref)}) | {med(cpu_ref)} | "
            f"{part(parts_r, 'flatten')} | {part(parts_r, 'fuse')} | "
            f"{part(parts_r, 'to_dicts')} | {len(rfused.object_item):,} |"
        )
    lines += [
        "",
        f"First call in the process (import Numba, load the cached kernels or compile them): "
        f"{first_call:.2f} CPU s.",
    ]
    if ref:
        lines.append(
            "Compiled vs NumPy reference: "
            f"{statistics.median(cpu_ref) / statistics.median(cpu_poly):.1f}x less CPU; "
            f"results equal: {same_as_reference}."
        )
    if old:
        speedup = statistics.median(old) / statistics.median(new)
        lines.append(
            f"Batched box fusion vs per-item: {speedup:.0f}x faster; "
            f"answers differing beyond 1e-9: {mismatches}."
        )
    ratio_new = statistics.median(poly) / statistics.median(new)
    ratio_cpu = statistics.median(cpu_poly) / statistics.median(cpu_new)
    lines.append(
        f"Polygon consensus / batched box fusion: {ratio_cpu:.1f}x by CPU, "
        f"{ratio_new:.1f}x by wall-clock"
        + (
            f"; polygon consensus / per-item box fusion: "
            f"{statistics.median(poly) / statistics.median(old):.2f}x (issue target: <= 2x box "
            "fusion)."
            if old
            else "."
        )
    )
    if args.platform:
        lines += [
            "",
            "The platform's path (`--platform`): stored JSON text (`jsonb` key order) -> the "
            "kind's `infer` -> the consensus store's COPY text, collector paused as in "
            "`recompute_project`; CPU seconds, median of "
            f"{args.runs}, wall-clock in brackets.",
            "",
            "| kind | CPU s | infer (wall) | serialise (wall) | COPY text (MB) |",
            "|---|---:|---:|---:|---:|",
        ]
        for kind in ("image_boxes", "image_polygons"):
            lines.append(
                f"| {kind} | {med(cpu_plat[kind])} | {part(plat[kind], 'infer')} | "
                f"{part(plat[kind], 'serialise')} | "
                f"{statistics.median(p['bytes'] for p in plat[kind]) / 1e6:.1f} |"
            )
        lines.append(
            "Platform path, polygons / boxes: "
            f"{statistics.median(cpu_plat['image_polygons']) / statistics.median(cpu_plat['image_boxes']):.1f}x "  # noqa: E501
            "by CPU."
        )
    lines += [
        "",
        "Why polygons cost more than boxes: box fusion handles four numbers per box, the pixel "
        "vote every polygon's column runs (COCO's rasteriser toggles each pixel column a polygon "
        "spans, so the work grows with the polygons' width), and the consensus polygons follow "
        "pixel edges — exact under COCO's rasteriser, but a staircase of tens of corners per "
        "object, which is also what turning them back into dicts costs. On shared CPUs the "
        "process's CPU seconds are the comparable figure; wall-clock includes waiting for the "
        "other jobs (see the load average).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    previous = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    if EXPORT_SECTION in previous:  # bench_polygon_export.py's figures stay
        text += "\n" + previous[previous.index(EXPORT_SECTION) :]
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
