"""crowd-kit's labels on the real crowds, computed once and kept as a results file.

    .venv/bin/python tests/benchmarks/crowdkit_cache.py [--sets a,b] [--methods MV,OCDS,DS]

crowd-kit 1.4.2's GLAD and MACE take minutes per set on a shared machine, so ``bench_replay.py``
reads their labels from ``tests/benchmarks/results/crowdkit_labels/<set>.json.gz`` (the labels
of the gold items only, per method, every recorded answer in the fit, no gold given) instead of
re-running them. This script writes those files; a method already in a file is not re-run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.support import crowd_truth  # noqa: E402

FOLDER = REPO / "tests" / "benchmarks" / "results" / "crowdkit_labels"
METHODS = ("MV", "OCDS", "DS", "GLAD", "MACE")


def read(name: str) -> dict[str, dict[str, str]]:
    """Cached labels per crowd-kit method (gold items only); empty when none."""
    path = FOLDER / f"{name}.json.gz"
    if not path.exists():
        return {}
    return json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))


def write(name: str, labels: dict[str, dict[str, str]]) -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    text = json.dumps(labels, sort_keys=True, separators=(",", ":"))
    (FOLDER / f"{name}.json.gz").write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))


def compute(name: str, methods: tuple[str, ...]) -> dict[str, dict[str, str]]:
    import pandas as pd
    from crowdkit import aggregation as ck

    makers = {
        "MV": ck.MajorityVote,
        "OCDS": lambda: ck.OneCoinDawidSkene(n_iter=100, tol=1e-5),
        "DS": lambda: ck.DawidSkene(n_iter=100, tol=1e-5),
        "GLAD": ck.GLAD,
        "MACE": ck.MACE,
    }
    cached = read(name)
    missing = [m for m in methods if m not in cached]
    if not missing:
        return cached
    answers, gold = crowd_truth.load(name)
    frame = pd.DataFrame(answers, columns=["task", "worker", "label"])
    for method in missing:
        started = time.perf_counter()
        labels = makers[method]().fit_predict(frame)
        cached[method] = {str(k): str(v) for k, v in labels.items() if str(k) in gold}
        write(name, cached)
        print(f"crowd-kit {method} on {name}: {time.perf_counter() - started:.1f}s", flush=True)
    return cached


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="")
    parser.add_argument("--methods", default=",".join(METHODS))
    args = parser.parse_args()
    sets = [s for s in args.sets.split(",") if s] or crowd_truth.set_names()
    methods = tuple(m for m in args.methods.split(",") if m)
    for name in sets:
        compute(name, methods)


if __name__ == "__main__":
    main()
