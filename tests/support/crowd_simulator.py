"""A simulated annotation crowd: noisy answers around a known truth, submitted through the API.

Quality tests and benchmarks need many annotators of known skill. Two layers:

* the noise model (pure, NumPy only): ``AnnotatorProfile`` and ``noisy_result`` turn the true
  ``result`` of an item into what an expert, an average or a careless annotator, a spammer or an
  adversary would submit. Every answer is valid for the platform (see ``validate_result``): labels
  from the label set, boxes inside the image with w, h > 0, spans with 0 <= start < end <= len(text)
  that do not overlap. Only the content is wrong, as with a real crowd.
* the HTTP driver: ``SimulatedAnnotator`` logs in, asks ``/next``, looks the truth up through a
  caller-supplied ``truth_for(item_id)`` (the API never reveals it), answers with noise and
  submits; ``run_crowd`` runs many of them on a thread pool. It works with any ``httpx.Client``
  (a real server's URL or FastAPI's ``TestClient``).

Example::

    crowd = make_crowd(client, accounts, crowd_profiles(expert=2, average=4, spammer=1),
                       project_id=pid, truth_for=lambda item_id: truths[item_id], seed=3)
    report = run_crowd(crowd, threads=4)
    assert report.totals()["created"] == n_items * overlap
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import numpy as np

KINDS = ("image_classification", "image_boxes", "text_classification", "text_spans")
PROFILE_KINDS = ("expert", "average", "careless", "spammer", "adversarial")
MIN_BOX_SIZE = 1.0  # pixels; a box thinner than this cannot be drawn in the UI

# --------------------------------------------------------------------------------------------
# Noise model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnnotatorProfile:
    """How one simulated annotator errs.

    ``kind`` picks the behaviour: expert, average and careless answer around the truth with the
    rates below; a spammer ignores the truth (uniform labels, random boxes and spans); an
    adversary is systematically wrong (each label mapped to the next one in the label set,
    boxes moved off their defect), right only with probability ``accuracy``.
    """

    name: str
    kind: str = "average"
    accuracy: float = 0.85  # P(label right): class labels and the label of each box or span
    box_jitter: float = 0.08  # sd of each box edge as a fraction of the box width or height
    miss_rate: float = 0.08  # P(a true box or span is left out)
    spurious_rate: float = 0.08  # expected number of made-up boxes or spans per item (Poisson)
    span_shift_rate: float = 0.15  # P(a span boundary is moved), for start and end separately
    max_shift: int = 2  # largest boundary move in code points
    seconds_per_item: float = 6.0  # median simulated labelling time, reported as duration_ms

    def __post_init__(self) -> None:
        if self.kind not in PROFILE_KINDS:
            raise ValueError(f"kind must be one of {PROFILE_KINDS}, not {self.kind!r}")
        for name in ("accuracy", "miss_rate", "span_shift_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be within [0, 1]")
        if self.box_jitter < 0 or self.spurious_rate < 0 or self.max_shift < 1:
            raise ValueError("box_jitter and spurious_rate must be >= 0, max_shift >= 1")
        if self.seconds_per_item <= 0:
            raise ValueError("seconds_per_item must be > 0")

    @classmethod
    def preset(cls, kind: str, name: str | None = None, **overrides: Any) -> AnnotatorProfile:
        """The preset of a kind (see ``PRESETS``), renamed and with fields overridden."""
        if kind not in PRESETS:
            raise ValueError(f"no preset {kind!r}; choose from {PROFILE_KINDS}")
        return replace(PRESETS[kind], name=name or kind, **overrides)


PRESETS: dict[str, AnnotatorProfile] = {
    "expert": AnnotatorProfile(
        "expert",
        "expert",
        accuracy=0.97,
        box_jitter=0.03,
        miss_rate=0.02,
        spurious_rate=0.02,
        span_shift_rate=0.04,
        max_shift=1,
        seconds_per_item=8.0,
    ),
    "average": AnnotatorProfile(
        "average",
        "average",
        accuracy=0.85,
        box_jitter=0.08,
        miss_rate=0.08,
        spurious_rate=0.08,
        span_shift_rate=0.15,
        max_shift=2,
        seconds_per_item=6.0,
    ),
    "careless": AnnotatorProfile(
        "careless",
        "careless",
        accuracy=0.65,
        box_jitter=0.2,
        miss_rate=0.25,
        spurious_rate=0.3,
        span_shift_rate=0.35,
        max_shift=3,
        seconds_per_item=3.0,
    ),
    "spammer": AnnotatorProfile(
        "spammer",
        "spammer",
        accuracy=0.0,
        box_jitter=0.0,
        miss_rate=0.0,
        spurious_rate=1.0,
        span_shift_rate=0.0,
        max_shift=1,
        seconds_per_item=1.0,
    ),
    "adversarial": AnnotatorProfile(
        "adversarial",
        "adversarial",
        accuracy=0.05,
        box_jitter=0.05,
        miss_rate=0.05,
        spurious_rate=0.05,
        span_shift_rate=0.1,
        max_shift=2,
        seconds_per_item=4.0,
    ),
}


def crowd_profiles(**counts: int) -> list[AnnotatorProfile]:
    """Profiles named ``expert-1``, ``average-1``… e.g. ``crowd_profiles(expert=2, spammer=1)``."""
    return [
        AnnotatorProfile.preset(kind, f"{kind}-{i + 1}")
        for kind, n in counts.items()
        for i in range(n)
    ]


def expected_label_accuracy(profile: AnnotatorProfile, n_labels: int) -> float:
    """P(a class label is right) for this profile with ``n_labels`` labels to choose from."""
    if n_labels <= 1:
        return 1.0
    if profile.kind == "spammer":
        return 1.0 / n_labels
    return profile.accuracy


def adversarial_label(label: str, labels: Sequence[str]) -> str:
    """The adversary's systematic confusion: every label becomes the next one in the set."""
    return labels[(list(labels).index(label) + 1) % len(labels)]


def _other_label(label: str, labels: Sequence[str], rng: np.random.Generator) -> str:
    others = [x for x in labels if x != label]
    return others[int(rng.integers(len(others)))] if others else label


def noisy_label(
    label: str, labels: Sequence[str], profile: AnnotatorProfile, rng: np.random.Generator
) -> str:
    """One class label as this annotator would give it; always a member of ``labels``."""
    labels = list(labels)
    if not labels:
        raise ValueError("the label set is empty")
    if profile.kind == "spammer" or label not in labels:
        return labels[int(rng.integers(len(labels)))]
    if rng.random() < profile.accuracy:
        return label
    if profile.kind == "adversarial":
        return adversarial_label(label, labels)
    return _other_label(label, labels, rng)


def _box(
    x0: float, y0: float, x1: float, y1: float, width: float, height: float, label: str
) -> dict[str, Any]:
    """A box clipped inside the image, at least MIN_BOX_SIZE wide and high, 2 decimals."""
    x0, x1 = sorted((x0, x1))
    y0, y1 = sorted((y0, y1))
    size_x, size_y = min(MIN_BOX_SIZE, width), min(MIN_BOX_SIZE, height)
    x0 = min(max(x0, 0.0), width - size_x)
    y0 = min(max(y0, 0.0), height - size_y)
    x1 = min(max(x1, x0 + size_x), width)
    y1 = min(max(y1, y0 + size_y), height)
    x, y = math.floor(x0 * 100) / 100, math.floor(y0 * 100) / 100
    w, h = math.floor((x1 - x) * 100) / 100, math.floor((y1 - y) * 100) / 100
    while x + w > width:
        w = round(w - 0.01, 2)
    while y + h > height:
        h = round(h - 0.01, 2)
    return {"label": label, "x": x, "y": y, "w": w, "h": h}


def _random_box(
    width: float, height: float, labels: Sequence[str], rng: np.random.Generator
) -> dict[str, Any]:
    w, h = width * rng.uniform(0.05, 0.3), height * rng.uniform(0.05, 0.3)
    x, y = rng.uniform(0, width - w), rng.uniform(0, height - h)
    label = labels[int(rng.integers(len(labels)))]
    return _box(x, y, x + w, y + h, width, height, label)


def _displaced(
    b: Mapping[str, Any], width: float, height: float, rng: np.random.Generator
) -> tuple[float, float]:
    """Top-left corner of the box moved next to where it was (no overlap), inside the image."""
    x, y, w, h = b["x"], b["y"], b["w"], b["h"]
    gap_x, gap_y = w * rng.uniform(0.2, 1.0), h * rng.uniform(0.2, 1.0)
    moves = [(x + w + gap_x, y), (x - w - gap_x, y), (x, y + h + gap_y), (x, y - h - gap_y)]
    for i in rng.permutation(len(moves)):
        nx, ny = moves[i]
        if nx >= 0 and ny >= 0 and nx + w <= width and ny + h <= height:
            return nx, ny
    return width - x - w, height - y - h  # mirrored: the best a crowded image allows


def noisy_boxes(
    boxes: Sequence[Mapping[str, Any]],
    labels: Sequence[str],
    width: float,
    height: float,
    profile: AnnotatorProfile,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """Boxes as this annotator would draw them: jittered edges, misses, extras, wrong labels."""
    labels = list(labels)
    if not labels:
        raise ValueError("the label set is empty")
    if width <= 0 or height <= 0:
        raise ValueError("the image needs a positive width and height")
    out: list[dict[str, Any]] = []
    if profile.kind == "spammer":
        n_spurious = int(rng.integers(0, 4))
    else:
        n_spurious = int(rng.poisson(profile.spurious_rate))
        for b in boxes:
            if rng.random() < profile.miss_rate:
                continue
            x, y, w, h = float(b["x"]), float(b["y"]), float(b["w"]), float(b["h"])
            if profile.kind == "adversarial":
                x, y = _displaced(b, width, height, rng)
            sx, sy = profile.box_jitter * w, profile.box_jitter * h
            dx0, dx1, dy0, dy1 = rng.normal(0.0, 1.0, 4) * (sx, sx, sy, sy)
            label = noisy_label(b["label"], labels, profile, rng)
            out.append(_box(x + dx0, y + dy0, x + w + dx1, y + h + dy1, width, height, label))
    out.extend(_random_box(width, height, labels, rng) for _ in range(n_spurious))
    return out


def _shift(rng: np.random.Generator, max_shift: int) -> int:
    step = int(rng.integers(1, max_shift + 1))
    return step if rng.random() < 0.5 else -step


def _random_span(length: int, labels: Sequence[str], rng: np.random.Generator) -> list[Any]:
    size = int(rng.integers(1, min(6, length) + 1))
    start = int(rng.integers(0, length - size + 1))
    return [start, start + size, labels[int(rng.integers(len(labels)))]]


def _disjoint(
    candidates: list[list[Any]], extras: list[list[Any]], length: int
) -> list[dict[str, Any]]:
    """Clip spans into the text, trim overlaps among the answered ones, drop overlapping extras."""
    kept: list[list[Any]] = []
    previous_end = 0
    for start, end, label in sorted(candidates, key=lambda s: (s[0], s[1])):
        start = min(max(start, previous_end, 0), length)
        end = min(max(end, start), length)
        if start < end:
            kept.append([start, end, label])
            previous_end = end
    for start, end, label in extras:
        if all(end <= s or e <= start for s, e, _ in kept):
            kept.append([start, end, label])
    kept.sort(key=lambda s: s[0])
    return [{"label": label, "start": start, "end": end} for start, end, label in kept]


def noisy_spans(
    spans: Sequence[Mapping[str, Any]],
    labels: Sequence[str],
    text: str,
    profile: AnnotatorProfile,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """Spans as this annotator would mark them: moved boundaries, misses, extras, wrong labels.

    Offsets are code points of ``text`` (Python string indices), end exclusive; the answer is
    clipped into the text and its spans never overlap.
    """
    labels = list(labels)
    if not labels:
        raise ValueError("the label set is empty")
    length = len(text)
    if length == 0:
        return []
    answered: list[list[Any]] = []
    if profile.kind == "spammer":
        n_spurious = int(rng.integers(0, 4))
    else:
        n_spurious = int(rng.poisson(profile.spurious_rate))
        for s in spans:
            if rng.random() < profile.miss_rate:
                continue
            start, end = int(s["start"]), int(s["end"])
            if rng.random() < profile.span_shift_rate:
                start += _shift(rng, profile.max_shift)
            if rng.random() < profile.span_shift_rate:
                end += _shift(rng, profile.max_shift)
            if end <= start:  # a shift that swallowed a short span keeps one code point
                end = start + 1
            answered.append([start, end, noisy_label(s["label"], labels, profile, rng)])
    extras = [_random_span(length, labels, rng) for _ in range(n_spurious)]
    return _disjoint(answered, extras, length)


def noisy_result(
    kind: str,
    truth: Mapping[str, Any],
    labels: Sequence[str],
    profile: AnnotatorProfile,
    rng: np.random.Generator,
    *,
    width: float | None = None,
    height: float | None = None,
    text: str | None = None,
) -> dict[str, Any]:
    """A noisy ``result`` in the SPEC shape of ``kind``; ``truth`` is the true result.

    Image boxes need ``width`` and ``height``, text spans need ``text``.
    """
    if kind in ("image_classification", "text_classification"):
        return {"label": noisy_label(truth["label"], labels, profile, rng)}
    if kind == "image_boxes":
        if width is None or height is None:
            raise ValueError("image_boxes needs the image width and height")
        return {"boxes": noisy_boxes(truth["boxes"], labels, width, height, profile, rng)}
    if kind == "text_spans":
        if text is None:
            raise ValueError("text_spans needs the item text")
        return {"spans": noisy_spans(truth["spans"], labels, text, profile, rng)}
    raise ValueError(f"unknown project kind {kind!r}")


def simulated_duration_ms(profile: AnnotatorProfile, rng: np.random.Generator) -> int:
    """Labelling time in milliseconds: log-normal around the profile's median."""
    return max(200, int(profile.seconds_per_item * 1000 * math.exp(rng.normal(0.0, 0.4))))


def validate_result(
    kind: str,
    result: Mapping[str, Any],
    labels: Sequence[str],
    *,
    width: float | None = None,
    height: float | None = None,
    text: str | None = None,
) -> None:
    """Raise ValueError unless ``result`` is valid for the item as the SPEC describes it."""
    allowed = set(labels)
    if kind in ("image_classification", "text_classification"):
        if set(result) != {"label"} or result["label"] not in allowed:
            raise ValueError(f"bad class result {result!r}")
    elif kind == "image_boxes":
        if set(result) != {"boxes"} or width is None or height is None:
            raise ValueError(f"bad boxes result {result!r}")
        for b in result["boxes"]:
            if set(b) != {"label", "x", "y", "w", "h"} or b["label"] not in allowed:
                raise ValueError(f"bad box {b!r}")
            if not (
                b["w"] > 0
                and b["h"] > 0
                and b["x"] >= 0
                and b["y"] >= 0
                and b["x"] + b["w"] <= width
                and b["y"] + b["h"] <= height
            ):
                raise ValueError(f"box {b!r} not inside {width}×{height}")
    elif kind == "text_spans":
        if set(result) != {"spans"} or text is None:
            raise ValueError(f"bad spans result {result!r}")
        previous_end = 0
        for s in sorted(result["spans"], key=lambda s: s["start"]):
            if set(s) != {"label", "start", "end"} or s["label"] not in allowed:
                raise ValueError(f"bad span {s!r}")
            if not (
                isinstance(s["start"], int)
                and isinstance(s["end"], int)
                and previous_end <= s["start"] < s["end"] <= len(text)
            ):
                raise ValueError(f"span {s!r} outside the text or overlapping")
            previous_end = s["end"]
    else:
        raise ValueError(f"unknown project kind {kind!r}")


# --------------------------------------------------------------------------------------------
# HTTP driver
# --------------------------------------------------------------------------------------------


def _stable_int(value: Any) -> int:
    """A seed part from any id that does not change between runs (unlike ``hash``)."""
    return int.from_bytes(hashlib.sha256(str(value).encode()).digest()[:8], "big")


@dataclass(frozen=True)
class SubmittedAnswer:
    item_id: Any
    assignment_id: Any
    kind: str
    result: dict[str, Any]
    status: int  # HTTP status of the submit


@dataclass
class AnnotatorStats:
    """What one simulated annotator did; latencies are wall-clock seconds per request."""

    name: str
    nexts: int = 0  # /next requests
    items: int = 0  # /next answered 200
    submits: int = 0  # submit requests
    created: int = 0  # submit answered 201
    accepted: int = 0  # submit answered 200 (an idempotent repeat)
    conflicts: int = 0  # submit answered 409
    forbidden: int = 0  # 403 from /next or submit
    gold_feedback: int = 0  # submits answered with gold_feedback
    done: bool = False  # /next answered 204
    paused: bool = False  # /next or submit answered 403
    errors: dict[str, int] = field(default_factory=dict)  # other statuses, "transport"
    next_latencies: list[float] = field(default_factory=list)
    submit_latencies: list[float] = field(default_factory=list)
    answers: list[SubmittedAnswer] = field(default_factory=list)

    def count_error(self, key: str) -> None:
        self.errors[key] = self.errors.get(key, 0) + 1


class SimulatedAnnotator:
    """One crowd member working a project through the core API.

    The answer to an item depends only on (seed, profile name, item id), not on the order the
    server hands items out, so a run under concurrency is reproducible item by item.
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        username: str,
        password: str,
        profile: AnnotatorProfile,
        project_id: Any,
        truth_for: Callable[[Any], Mapping[str, Any]],
        labels: Sequence[str] | None = None,
        seed: int = 0,
        api_prefix: str = "/api/v1",
        sleep_scale: float = 0.0,
        max_consecutive_errors: int = 5,
    ) -> None:
        self.client = client
        self.username, self.password = username, password
        self.profile = profile
        self.project_id = project_id
        self.truth_for = truth_for
        self.labels = list(labels) if labels is not None else None
        self.seed = seed
        self.api = api_prefix.rstrip("/")
        self.sleep_scale = sleep_scale  # 0: no waiting; 1: sleep the simulated labelling time
        self.max_consecutive_errors = max_consecutive_errors
        self.token: str | None = None
        self.stats = AnnotatorStats(profile.name)

    # -- requests ------------------------------------------------------------------------------

    def login(self) -> str:
        """``POST /auth/token`` with the form fields; keeps and returns the bearer token."""
        response = self.client.post(
            f"{self.api}/auth/token", data={"username": self.username, "password": self.password}
        )
        if response.status_code != 200:
            raise RuntimeError(
                f"login of {self.username} failed: {response.status_code} {response.text[:200]}"
            )
        self.token = response.json()["access_token"]
        return self.token

    def _headers(self) -> dict[str, str]:
        if self.token is None:
            self.login()
        return {"Authorization": f"Bearer {self.token}"}

    def _post(self, path: str, latencies: list[float], **kwargs: Any) -> httpx.Response:
        """POST with the bearer token; logs in again once if the token was refused."""
        for attempt in range(2):
            started = time.perf_counter()
            response = self.client.post(f"{self.api}{path}", headers=self._headers(), **kwargs)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 401 or attempt == 1:
                return response
            self.token = None
        raise AssertionError("unreachable")

    def fetch_labels(self) -> list[str]:
        """Label names from ``GET /projects/{id}`` (a list of names or of {name, …})."""
        response = self.client.get(
            f"{self.api}/projects/{self.project_id}", headers=self._headers()
        )
        response.raise_for_status()
        self.labels = [
            x["name"] if isinstance(x, Mapping) else str(x) for x in response.json()["labels"]
        ]
        return self.labels

    # -- answering -----------------------------------------------------------------------------

    def rng_for(self, item_id: Any) -> np.random.Generator:
        return np.random.default_rng(
            [self.seed, _stable_int(self.profile.name), _stable_int(item_id)]
        )

    def answer(self, item: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
        """The (result, duration_ms) this annotator gives for an item of a ``/next`` answer."""
        labels = self.labels if self.labels is not None else self.fetch_labels()
        rng = self.rng_for(item["id"])
        result = noisy_result(
            item["kind"],
            self.truth_for(item["id"]),
            labels,
            self.profile,
            rng,
            width=item.get("width"),
            height=item.get("height"),
            text=item.get("text"),
        )
        return result, simulated_duration_ms(self.profile, rng)

    def step(self) -> str:
        """Ask for one item and submit it: "submitted", "done", "paused" or "error"."""
        stats = self.stats
        stats.nexts += 1
        try:
            response = self._post(f"/projects/{self.project_id}/next", stats.next_latencies)
        except httpx.TransportError:
            stats.count_error("transport")
            return "error"
        if response.status_code == 204:
            stats.done = True
            return "done"
        if response.status_code == 403:
            stats.forbidden += 1
            stats.paused = True
            return "paused"
        if response.status_code != 200:
            stats.count_error(str(response.status_code))
            return "error"
        stats.items += 1
        assignment = response.json()
        item = assignment["item"]
        result, duration_ms = self.answer(item)
        if self.sleep_scale > 0:
            time.sleep(duration_ms / 1000 * self.sleep_scale)
        return self._submit(assignment["assignment_id"], item, result, duration_ms)

    def _submit(
        self, assignment_id: Any, item: Mapping[str, Any], result: dict[str, Any], duration_ms: int
    ) -> str:
        stats = self.stats
        stats.submits += 1
        try:
            response = self._post(
                f"/assignments/{assignment_id}/submit",
                stats.submit_latencies,
                json={"result": result, "duration_ms": duration_ms},
            )
        except httpx.TransportError:
            stats.count_error("transport")
            return "error"
        status = response.status_code
        stats.answers.append(
            SubmittedAnswer(item["id"], assignment_id, item["kind"], result, status)
        )
        if status in (200, 201):
            if status == 201:
                stats.created += 1
            else:
                stats.accepted += 1
            body = response.json() if response.content else {}
            if isinstance(body, Mapping) and body.get("gold_feedback") is not None:
                stats.gold_feedback += 1
            return "submitted"
        if status == 409:
            stats.conflicts += 1
            return "submitted"
        if status == 403:
            stats.forbidden += 1
            stats.paused = True
            return "paused"
        stats.count_error(str(status))
        return "error"

    def run(self, max_items: int | None = None) -> AnnotatorStats:
        """Work until the project has nothing left (204), a pause (403), ``max_items`` items
        or ``max_consecutive_errors`` failed requests in a row."""
        if self.token is None:
            self.login()
        consecutive_errors = 0
        while max_items is None or self.stats.items < max_items:
            outcome = self.step()
            if outcome in ("done", "paused"):
                break
            consecutive_errors = consecutive_errors + 1 if outcome == "error" else 0
            if consecutive_errors >= self.max_consecutive_errors:
                break
        return self.stats


def make_crowd(
    client: httpx.Client | Callable[[], httpx.Client],
    accounts: Sequence[tuple[str, str]],
    profiles: Sequence[AnnotatorProfile],
    *,
    project_id: Any,
    truth_for: Callable[[Any], Mapping[str, Any]],
    labels: Sequence[str] | None = None,
    seed: int = 0,
    **options: Any,
) -> list[SimulatedAnnotator]:
    """One annotator per (username, password) and profile; ``client`` may be a factory so that
    each annotator gets its own connection pool."""
    if len(accounts) != len(profiles):
        raise ValueError("one account per profile")
    crowd = []
    for (username, password), profile in zip(accounts, profiles, strict=True):
        own_client = client if hasattr(client, "post") else client()  # a client or a factory
        crowd.append(
            SimulatedAnnotator(
                own_client,
                username=username,
                password=password,
                profile=profile,
                project_id=project_id,
                truth_for=truth_for,
                labels=labels,
                seed=seed,
                **options,
            )
        )
    return crowd


@dataclass
class CrowdReport:
    stats: list[AnnotatorStats]
    wall_seconds: float

    def totals(self) -> dict[str, int]:
        keys = (
            "nexts",
            "items",
            "submits",
            "created",
            "accepted",
            "conflicts",
            "forbidden",
            "gold_feedback",
        )
        totals = {k: sum(getattr(s, k) for s in self.stats) for k in keys}
        totals["errors"] = sum(sum(s.errors.values()) for s in self.stats)
        totals["paused"] = sum(s.paused for s in self.stats)
        return totals

    @property
    def submits_per_second(self) -> float:
        return self.totals()["submits"] / self.wall_seconds if self.wall_seconds > 0 else 0.0

    def latencies(self, which: str = "submit") -> np.ndarray:
        """All ``next`` or ``submit`` latencies of the crowd, in seconds."""
        values = [v for s in self.stats for v in getattr(s, f"{which}_latencies")]
        return np.asarray(values, dtype=float)

    def percentiles(
        self, which: str = "submit", qs: Sequence[float] = (50, 95, 99)
    ) -> dict[float, float]:
        values = self.latencies(which)
        return {q: float(np.percentile(values, q)) if len(values) else math.nan for q in qs}


def run_crowd(
    annotators: Sequence[SimulatedAnnotator], *, threads: int = 8, max_items: int | None = None
) -> CrowdReport:
    """Run every annotator's loop on a pool of ``threads`` threads (at most ``threads`` work at
    once; the others start as earlier ones finish) and gather their statistics.

    An exception inside one annotator (e.g. a failed login) is raised here after all have
    stopped, so a test never passes on a half-run crowd.
    """
    if threads < 1:
        raise ValueError("threads must be >= 1")
    started = time.perf_counter()
    lock = threading.Lock()
    failures: list[Exception] = []

    def work(annotator: SimulatedAnnotator) -> None:
        try:
            annotator.run(max_items=max_items)
        except Exception as exc:  # re-raised below, once every annotator has stopped
            with lock:
                failures.append(exc)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(work, annotators))
    report = CrowdReport([a.stats for a in annotators], time.perf_counter() - started)
    if failures:
        raise failures[0]
    return report
