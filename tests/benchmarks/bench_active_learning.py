"""Benchmark of the built-in models in the loop (issue 21): pre-labels, uncertainty ordering.

Run on demand (not collected by pytest)::

    .venv/bin/python tests/benchmarks/bench_active_learning.py [--items 5000] [--seeds 1]
        [--skip-spans-timing] [--out tests/benchmarks/results/active_learning.md]

On generated data (``datasets/``: maintenance texts, surface images; ``--items`` of each) a crowd
of 20 simulated annotators (4 expert, 12 average, 2 careless, 2 who accept pre-labels blindly;
tests/support/crowd_simulator.py) labels the pool under the platform's rules
(``active_learning_sim.py``) in six arms: ordering default / uncertainty / mixed, with and without
pre-labels, and one where gold shows no pre-labels. It reports paid annotations, annotator
seconds and the delivered accuracy, the learning curve of pre-label accuracy as final answers
grow (PNG), the paid annotations after which "consensus where final, model elsewhere" is 95 %
right, and training time per 10,000 items. Method references: B. Settles, "Active Learning
Literature Survey", CS TR 1648, University of Wisconsin-Madison, 2009; D. D. Lewis and W. A.
Gale, "A Sequential Algorithm for Training Text Classifiers", SIGIR 1994.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import platform
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(Path(__file__).resolve().parent)]

from active_learning_report import (  # noqa: E402
    RESULTS,
    SAVING,
    kind_table,
    learning_table,
    plots,
)
from active_learning_sim import ARMS, Member, Run, simulate  # noqa: E402
from PIL import Image  # noqa: E402

from quality.models import ImageClassifier, TextClassifier, TextSpanTagger  # noqa: E402
from support.crowd_simulator import AnnotatorProfile, crowd_profiles  # noqa: E402

CACHE = REPO / "var" / "bench_active_learning"
SETUP = """{items:,} generated items per kind (data seed {data_seed}) plus held-out items, 60 gold
items, {seeds} crowd seed(s) per arm; 20 annotators (4 expert, 12 average, 2 careless, 2 blind
acceptors); overlap 2, max 5, agreement target 0.7, gold rate 5 %, pause below 0.7 gold accuracy
or on accepting >= 3 wrong pre-labels on gold at >= 50 %. Timing: the crowd simulator's medians
(expert 8 s, average 6 s, careless 3 s) x 0.35 for accepting a pre-label, x 1.1 for changing it,
x 0.25 for a blind acceptance. An honest annotator's accuracy is NOT raised by a correct
pre-label (no anchoring gain credited). The model retrains at 0, 50, 100, 150, 200, 300, 400,
500, 700, 1,000, 1,400, 2,000, 2,800 and 4,000 final items, on consensus + gold.

Two readings of "annotations to a 95 %-accurate delivered set": (1) the platform's rules: every
item is delivered with human consensus (a pre-label is never an answer), so the model saves
annotator seconds and ordering only changes which items come first; (2) "consensus where final,
the model's pre-label elsewhere" (the pool-based reading of Settles 2009): the paid annotations
after which that set is 95 % right, which ordering does change. The product delivers (1).
"""


def generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "jinbiao_sample_data", REPO / "datasets" / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_texts(n: int, seed: int) -> list[dict[str, Any]]:
    texts = generator()._sibling("texts")
    return [texts.make_text(i, np.random.default_rng([seed, 2, i])) for i in range(n)]


def image_features(n: int, seed: int) -> tuple[np.ndarray, list[str], float]:
    """Features and labels of ``n`` generated images (cached under var/), ms per image."""
    path = CACHE / f"images_{n}_{seed}.npz"
    if path.exists():
        data = np.load(path)
        return data["features"], [str(v) for v in data["labels"]], float(data["ms"])
    images = generator()._sibling("images")
    model, rows, labels, spent = ImageClassifier(), [], [], 0.0
    for i in range(n):
        record, data = images.make_image(i, np.random.default_rng([seed, 1, i]))
        started = time.perf_counter()
        with Image.open(io.BytesIO(data)) as picture:
            rows.append(model.features([picture])[0])
        spent += time.perf_counter() - started
        labels.append(record["label"])
        if (i + 1) % 500 == 0:
            print(f"  images: {i + 1}/{n}", flush=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    ms = spent / n * 1000
    np.savez(path, features=np.vstack(rows), labels=np.asarray(labels), ms=ms)
    return np.vstack(rows), labels, ms


def full_proba(model: Any, proba: np.ndarray, labels: list[str]) -> np.ndarray:
    """Columns in ``labels`` order (a class missing from training stays 0)."""
    out = np.zeros((len(proba), len(labels)))
    out[:, [labels.index(c) for c in model.classes_]] = proba
    return out


def crowd() -> list[Member]:
    honest = crowd_profiles(expert=4, average=12, careless=2)
    blind = [AnnotatorProfile.preset("average", f"blind-{i + 1}") for i in range(2)]
    return [Member(p) for p in honest] + [Member(p, blind=True) for p in blind]


def run_kind(
    kind: str, data: Any, labels: list[str], truth: np.ndarray, seeds: int, n: int
) -> list[Run]:
    """Every arm on the first ``n`` items; the items after them are the held-out set."""
    held_truth = truth[n:]
    if kind == "text_classification":
        texts = data

        def fit(idx: np.ndarray, y: np.ndarray) -> Any:
            return TextClassifier().fit([texts[i] for i in idx], [labels[j] for j in y])

        def proba_of(model: Any, idx: np.ndarray) -> np.ndarray:
            return full_proba(model, model.predict_proba([texts[i] for i in idx]), labels)

        def holdout(model: Any) -> float:
            held = np.arange(n, len(texts))
            return float(np.mean(proba_of(model, held).argmax(axis=1) == held_truth))
    else:
        features = data

        def fit(idx: np.ndarray, y: np.ndarray) -> Any:
            return ImageClassifier().fit_features(features[idx], [labels[j] for j in y])

        def proba_of(model: Any, idx: np.ndarray) -> np.ndarray:
            return full_proba(model, model.predict_proba_features(features[idx]), labels)

        def holdout(model: Any) -> float:
            held = np.arange(n, len(features))
            return float(np.mean(proba_of(model, held).argmax(axis=1) == held_truth))

    pool_truth = truth[:n]
    gold = np.random.default_rng(99).choice(n, 60, replace=False)
    runs = []
    for arm in ARMS:
        for seed in range(seeds):
            started = time.perf_counter()
            run = simulate(
                arm,
                truth=pool_truth,
                gold=gold,
                labels=labels,
                crowd=crowd(),
                fit=fit,
                proba_of=proba_of,
                holdout=holdout,
                seed=seed,
            )
            spent = time.perf_counter() - started
            print(
                f"  {kind} / {arm.name} / seed {seed}: paid {run.paid},"
                f" {run.seconds / 3600:.1f} h, delivered {run.delivered_accuracy:.4f}"
                f" ({spent:.0f} s)",
                flush=True,
            )
            runs.append(run)
    return runs


def training_times(
    texts10k: list[dict[str, Any]],
    features: np.ndarray,
    image_labels: list[str],
    ms: float,
    spans: bool,
) -> list[str]:
    lines = ["| model | items | fit seconds | note |", "|---|---:|---:|---|"]
    started = time.perf_counter()
    TextClassifier().fit([r["text"] for r in texts10k], [r["label"] for r in texts10k])
    spent = time.perf_counter() - started
    lines.append(f"| text_classification | {len(texts10k):,} | {spent:.1f} | TF-IDF + LR |")
    if spans:
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            TextSpanTagger().fit([r["text"] for r in texts10k], [r["spans"] for r in texts10k])
        spent = time.perf_counter() - started
        lines.append(f"| text_spans | {len(texts10k):,} | {spent:.1f} | a row per character |")
    tiled = np.vstack([features, features])[:10_000]
    started = time.perf_counter()
    ImageClassifier().fit_features(tiled, (image_labels * 2)[:10_000])
    fit_s = time.perf_counter() - started
    note = (
        f"fit on feature rows ({len(features):,} images' rows, repeated); features {ms:.0f} ms"
        f" per image = {ms * 10:.0f} s per 10,000 images, once per image"
    )
    lines.append(f"| image_classification | {len(tiled):,} | {fit_s:.1f} | {note} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--holdout", type=int, default=1000, help="held-out items per kind")
    parser.add_argument("--data-seed", type=int, default=7)
    parser.add_argument("--skip-spans-timing", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS / "active_learning.md")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=UserWarning)
    load = os.getloadavg()
    print("texts ...", flush=True)
    texts10k = make_texts(max(10_000, args.items + args.holdout), args.data_seed)
    text_labels = generator().label_names("text_classification")
    texts = texts10k[: args.items + args.holdout]
    print("images ...", flush=True)
    features, image_label_list, ms = image_features(args.items + args.holdout, args.data_seed)
    image_labels = generator().label_names("image_classification")
    all_runs = {
        "text_classification": run_kind(
            "text_classification",
            [r["text"] for r in texts],
            text_labels,
            np.asarray([text_labels.index(r["label"]) for r in texts]),
            args.seeds,
            args.items,
        ),
        "image_classification": run_kind(
            "image_classification",
            features,
            image_labels,
            np.asarray([image_labels.index(v) for v in image_label_list]),
            args.seeds,
            args.items,
        ),
    }
    host = (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.platform()} · {os.cpu_count()} CPUs"
        f" (shared, load average {load[0]:.1f} at start) · Python {platform.python_version()}"
    )
    setup = SETUP.format(items=args.items, data_seed=args.data_seed, seeds=args.seeds)
    out = ["# Active learning and pre-labels (issue 21)", "", host, "", setup]
    verdicts = []
    for kind, runs in all_runs.items():
        lines, figures = kind_table(kind, runs)
        out += [*lines, ""]
        best = ARMS[3].name
        saved, acc = figures[best], figures[best + " acc"]
        same = acc >= -0.005
        verdicts.append(
            f"{'PASS' if saved >= SAVING and same else 'FAIL'}: {kind}: {best} needs {saved:.1%}"
            f" fewer annotator seconds than A, delivered accuracy {acc:+.4f} vs A"
            " (target: >= 30 % fewer for the same accuracy, within 0.005)"
        )
        a_reach, d_reach = figures[ARMS[0].name + " reach"], figures[best + " reach"]
        if np.isfinite(a_reach) and np.isfinite(d_reach):
            fewer = 1 - d_reach / a_reach
            verdicts.append(
                f"{'PASS' if fewer >= SAVING else 'FAIL'}: {kind}: model-filled reading: D is 95 %"
                f" right after {d_reach:,.0f} paid annotations, A after {a_reach:,.0f}"
                f" ({fewer:.1%} fewer)"
            )
        else:
            verdicts.append(
                f"FAIL: {kind}: model-filled reading: A {a_reach}, D {d_reach} (95 % not reached)"
            )
    out += ["## Verdict", ""] + [f"    {v}" for v in verdicts] + [""]
    out += ["## Learning curve", ""]
    for kind, runs in all_runs.items():
        out += learning_table(kind, runs)
    out += [*plots(all_runs), "", "## Training time per 10,000 items", ""]
    out += training_times(
        texts10k[:10_000], features, image_label_list, ms, not args.skip_spans_timing
    )
    report = "\n".join(out) + "\n"
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
