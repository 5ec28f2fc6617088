"""The crowd simulator: its noise model, and its HTTP driver against a fake server.

The noise tests draw many answers and check them against the rates of each preset with explicit
tolerances. The driver tests use a small in-test server on ``httpx.MockTransport`` that
implements only ``/auth/token``, ``/projects/{id}/next``, ``/assignments/{id}/submit`` and
``GET /projects/{id}`` from the core API contract: the real endpoints are being built at the same
time, so the driver is checked against the contract here and end-to-end by the API suites later.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import Counter
from typing import Any
from urllib.parse import parse_qs

import httpx
import numpy as np
import pytest

from support.crowd_simulator import (
    PRESETS,
    PROFILE_KINDS,
    AnnotatorProfile,
    SimulatedAnnotator,
    adversarial_label,
    crowd_profiles,
    expected_label_accuracy,
    make_crowd,
    noisy_boxes,
    noisy_label,
    noisy_result,
    noisy_spans,
    run_crowd,
    simulated_duration_ms,
    validate_result,
)

CLASSES = ["electrical_fault", "mechanical_wear", "surface_defect", "leak", "calibration", "other"]
BOX_LABELS = ["scratch", "dent", "stain", "crack", "hole", "missing_component"]
SPAN_LABELS = ["MACHINE", "PART", "DEFECT", "LOCATION", "QUANTITY"]
ZH_TEXT = "3号冲压机的左侧导轨出现2处划痕，需更换轴承𠀀"  # ends in a character outside the BMP
ZH_SPANS = [
    {"label": "MACHINE", "start": 0, "end": 5},
    {"label": "LOCATION", "start": 6, "end": 8},
    {"label": "PART", "start": 8, "end": 10},
    {"label": "QUANTITY", "start": 12, "end": 14},
    {"label": "DEFECT", "start": 14, "end": 16},
    {"label": "PART", "start": 20, "end": 22},
]
BOXES = [
    {"label": "scratch", "x": 0.0, "y": 0.0, "w": 40.0, "h": 3.0},  # on the image corner
    {"label": "dent", "x": 200.0, "y": 120.0, "w": 60.0, "h": 50.0},
    {"label": "hole", "x": 630.0, "y": 470.0, "w": 10.0, "h": 10.0},  # on the opposite corner
]
WIDTH, HEIGHT = 640, 480


def _iou(a: dict, b: dict) -> float:
    ix = max(0.0, min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"]))
    iy = max(0.0, min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"]))
    inter = ix * iy
    return inter / (a["w"] * a["h"] + b["w"] * b["h"] - inter)


def _box_recall(truth: list[dict], answer: list[dict]) -> int:
    """True boxes found with the right label at IoU >= 0.5 (greedy, one answer per truth)."""
    free = list(answer)
    found = 0
    for t in truth:
        best = max(free, key=lambda a: _iou(t, a) if a["label"] == t["label"] else -1, default=None)
        if best is not None and best["label"] == t["label"] and _iou(t, best) >= 0.5:
            free.remove(best)
            found += 1
    return found


def _spans_exact(truth: list[dict], answer: list[dict]) -> int:
    keys = {(s["label"], s["start"], s["end"]) for s in answer}
    return sum((s["label"], s["start"], s["end"]) in keys for s in truth)


# ----------------------------------------------------------------------------- noise model --


def test_presets_cover_every_kind_and_validate() -> None:
    assert set(PRESETS) == set(PROFILE_KINDS)
    assert AnnotatorProfile.preset("expert", "e1").name == "e1"
    assert AnnotatorProfile.preset("average", accuracy=0.7).accuracy == 0.7
    crowd = crowd_profiles(expert=2, spammer=1)
    assert [p.name for p in crowd] == ["expert-1", "expert-2", "spammer-1"]
    with pytest.raises(ValueError):
        AnnotatorProfile("x", kind="genius")
    with pytest.raises(ValueError):
        AnnotatorProfile("x", accuracy=1.2)
    with pytest.raises(ValueError):
        AnnotatorProfile.preset("oracle")


@pytest.mark.parametrize("kind", PROFILE_KINDS)
def test_same_seed_same_answers(kind: str) -> None:
    profile = AnnotatorProfile.preset(kind)

    def draw(seed: int) -> list[Any]:
        rng = np.random.default_rng(seed)
        return [
            noisy_result("text_classification", {"label": "leak"}, CLASSES, profile, rng),
            noisy_result(
                "image_boxes",
                {"boxes": BOXES},
                BOX_LABELS,
                profile,
                rng,
                width=WIDTH,
                height=HEIGHT,
            ),
            noisy_result(
                "text_spans", {"spans": ZH_SPANS}, SPAN_LABELS, profile, rng, text=ZH_TEXT
            ),
            simulated_duration_ms(profile, rng),
        ]

    assert draw(5) == draw(5)
    assert any(draw(5) != draw(s) for s in range(6, 12))


@pytest.mark.parametrize("kind", PROFILE_KINDS)
def test_every_answer_is_valid(kind: str) -> None:
    profile = AnnotatorProfile.preset(kind)
    rng = np.random.default_rng(1)
    texts = [
        (ZH_TEXT, ZH_SPANS),
        ("a", [{"label": "PART", "start": 0, "end": 1}]),
        ("", []),
        ("pump P-3 leaks", [{"label": "MACHINE", "start": 0, "end": 8}]),
    ]
    for _ in range(400):
        for k in ("image_classification", "text_classification"):
            result = noisy_result(k, {"label": "leak"}, CLASSES, profile, rng)
            validate_result(k, result, CLASSES)
        for width, height in ((WIDTH, HEIGHT), (641, 481), (3, 2)):
            truth = {"boxes": [b for b in BOXES if b["x"] + b["w"] <= width]}
            result = noisy_result(
                "image_boxes", truth, BOX_LABELS, profile, rng, width=width, height=height
            )
            validate_result("image_boxes", result, BOX_LABELS, width=width, height=height)
        for text, spans in texts:
            result = noisy_result(
                "text_spans", {"spans": spans}, SPAN_LABELS, profile, rng, text=text
            )
            validate_result("text_spans", result, SPAN_LABELS, text=text)
        one = noisy_result("text_classification", {"label": "leak"}, ["leak"], profile, rng)
        assert one == {"label": "leak"}


@pytest.mark.parametrize("kind", PROFILE_KINDS)
def test_answers_pass_the_platform_validators(kind: str) -> None:
    """The same answers through ``backend.kinds``, the validators the submit endpoint uses."""
    from backend.kinds import ItemShape, get_kind

    profile = AnnotatorProfile.preset(kind)
    rng = np.random.default_rng(8)
    cases = [
        ("text_classification", {"label": "leak"}, CLASSES, ItemShape()),
        ("image_classification", {"label": "dent"}, BOX_LABELS, ItemShape(WIDTH, HEIGHT)),
        ("image_boxes", {"boxes": BOXES}, BOX_LABELS, ItemShape(WIDTH, HEIGHT)),
        ("text_spans", {"spans": ZH_SPANS}, SPAN_LABELS, ItemShape(text=ZH_TEXT)),
    ]
    for _ in range(200):
        for project_kind, truth, labels, item in cases:
            result = noisy_result(
                project_kind,
                truth,
                labels,
                profile,
                rng,
                width=item.width,
                height=item.height,
                text=item.text,
            )
            assert get_kind(project_kind).validate(result, labels=labels, item=item) == result


def test_validate_result_rejects_what_the_platform_rejects() -> None:
    bad = [
        ("text_classification", {"label": "unknown"}, {}),
        (
            "image_boxes",
            {"boxes": [{"label": "dent", "x": 630, "y": 0, "w": 20, "h": 5}]},
            {"width": WIDTH, "height": HEIGHT},
        ),
        (
            "image_boxes",
            {"boxes": [{"label": "dent", "x": 0, "y": 0, "w": 0, "h": 5}]},
            {"width": WIDTH, "height": HEIGHT},
        ),
        ("text_spans", {"spans": [{"label": "PART", "start": 20, "end": 24}]}, {"text": ZH_TEXT}),
        (
            "text_spans",
            {
                "spans": [
                    {"label": "PART", "start": 0, "end": 3},
                    {"label": "PART", "start": 2, "end": 4},
                ]
            },
            {"text": ZH_TEXT},
        ),
    ]
    for kind, result, item in bad:
        labels = {"text_classification": CLASSES, "image_boxes": BOX_LABELS}.get(kind, SPAN_LABELS)
        with pytest.raises(ValueError):
            validate_result(kind, result, labels, **item)


def test_noise_never_changes_the_truth() -> None:
    boxes, spans = json.loads(json.dumps(BOXES)), json.loads(json.dumps(ZH_SPANS))
    rng = np.random.default_rng(0)
    for kind in PROFILE_KINDS:
        profile = AnnotatorProfile.preset(kind)
        for _ in range(50):
            noisy_boxes(boxes, BOX_LABELS, WIDTH, HEIGHT, profile, rng)
            noisy_spans(spans, SPAN_LABELS, ZH_TEXT, profile, rng)
    assert boxes == BOXES and spans == ZH_SPANS


@pytest.mark.parametrize("kind", PROFILE_KINDS)
def test_label_accuracy_matches_the_preset(kind: str) -> None:
    profile = AnnotatorProfile.preset(kind)
    rng = np.random.default_rng(42)
    n = 6000
    truths = [CLASSES[i % len(CLASSES)] for i in range(n)]
    answers = [noisy_label(t, CLASSES, profile, rng) for t in truths]
    accuracy = np.mean([a == t for a, t in zip(answers, truths, strict=True)])
    assert accuracy == pytest.approx(expected_label_accuracy(profile, len(CLASSES)), abs=0.02)
    wrong = [(t, a) for t, a in zip(truths, answers, strict=True) if a != t]
    if kind == "adversarial":  # systematic: always the same wrong label for a true label
        assert all(a == adversarial_label(t, CLASSES) for t, a in wrong)
    elif kind != "spammer":  # errors spread over the other labels
        counts = Counter(a for t, a in wrong if t == "leak")
        assert len(counts) == len(CLASSES) - 1


def test_spammer_labels_are_uniform() -> None:
    profile = AnnotatorProfile.preset("spammer")
    rng = np.random.default_rng(3)
    counts = Counter(noisy_label("leak", CLASSES, profile, rng) for _ in range(6000))
    assert all(abs(c / 6000 - 1 / len(CLASSES)) < 0.02 for c in counts.values())


def _box_quality(kind: str, draws: int = 600) -> tuple[float, float]:
    """(share of true boxes found at IoU >= 0.5 with the right label, extra boxes per item)."""
    profile = AnnotatorProfile.preset(kind)
    rng = np.random.default_rng(7)
    found = extra = 0
    for _ in range(draws):
        answer = noisy_boxes(BOXES, BOX_LABELS, WIDTH, HEIGHT, profile, rng)
        hits = _box_recall(BOXES, answer)
        found += hits
        extra += len(answer) - hits
    return found / (draws * len(BOXES)), extra / draws


def test_box_quality_follows_the_presets() -> None:
    quality = {kind: _box_quality(kind) for kind in PROFILE_KINDS}
    recall = {kind: q[0] for kind, q in quality.items()}
    assert recall["expert"] > 0.9
    assert recall["expert"] > recall["average"] > recall["careless"] > recall["spammer"]
    assert recall["average"] > 0.65 and recall["careless"] < 0.5
    assert recall["spammer"] < 0.05 and recall["adversarial"] < 0.05
    # missed boxes and spurious boxes at about the preset rates
    assert quality["careless"][1] == pytest.approx(
        0.3 + len(BOXES) * (1 - 0.25) - len(BOXES) * recall["careless"], abs=0.15
    )


def test_box_jitter_is_proportional_to_box_size() -> None:
    profile = AnnotatorProfile.preset("average", miss_rate=0.0, spurious_rate=0.0, accuracy=1.0)
    rng = np.random.default_rng(11)
    big = {"label": "dent", "x": 100.0, "y": 100.0, "w": 200.0, "h": 100.0}
    lefts = [
        noisy_boxes([big], BOX_LABELS, WIDTH, HEIGHT, profile, rng)[0]["x"] for _ in range(3000)
    ]
    assert np.std(lefts) == pytest.approx(0.08 * 200.0, rel=0.1)
    assert np.mean(lefts) == pytest.approx(100.0, abs=1.0)


def _span_quality(kind: str, draws: int = 1000) -> float:
    profile = AnnotatorProfile.preset(kind)
    rng = np.random.default_rng(9)
    exact = sum(
        _spans_exact(ZH_SPANS, noisy_spans(ZH_SPANS, SPAN_LABELS, ZH_TEXT, profile, rng))
        for _ in range(draws)
    )
    return exact / (draws * len(ZH_SPANS))


def test_span_quality_follows_the_presets() -> None:
    exact = {kind: _span_quality(kind) for kind in PROFILE_KINDS}
    assert exact["expert"] > 0.85
    assert exact["expert"] > exact["average"] > exact["careless"] > exact["spammer"]
    assert exact["spammer"] < 0.05 and exact["adversarial"] < 0.1
    # expert: P(no miss, no shift on either side, right label), minus a little for clipping
    expert = PRESETS["expert"]
    expected = (1 - expert.miss_rate) * (1 - expert.span_shift_rate) ** 2 * expert.accuracy
    assert exact["expert"] == pytest.approx(expected, abs=0.04)


def test_chinese_spans_are_clipped_in_code_points() -> None:
    last = {"label": "PART", "start": len(ZH_TEXT) - 3, "end": len(ZH_TEXT)}
    first = {"label": "MACHINE", "start": 0, "end": 5}
    profile = AnnotatorProfile.preset(
        "careless", span_shift_rate=1.0, max_shift=3, miss_rate=0.0, spurious_rate=0.0
    )
    rng = np.random.default_rng(2)
    ends, starts = set(), set()
    for _ in range(500):
        spans = noisy_spans([first, last], SPAN_LABELS, ZH_TEXT, profile, rng)
        validate_result("text_spans", {"spans": spans}, SPAN_LABELS, text=ZH_TEXT)
        ends.add(max(s["end"] for s in spans))
        starts.add(min(s["start"] for s in spans))
    assert max(ends) == len(ZH_TEXT) == 23  # code points; the last character is one of them
    assert len(ZH_TEXT.encode("utf-16-le")) // 2 == 24  # a UTF-16 offset would overrun
    assert min(starts) == 0


def test_spurious_spans_never_overlap_answered_ones() -> None:
    profile = AnnotatorProfile.preset("careless", spurious_rate=3.0)
    rng = np.random.default_rng(4)
    for _ in range(300):
        spans = noisy_spans(ZH_SPANS, SPAN_LABELS, ZH_TEXT, profile, rng)
        validate_result("text_spans", {"spans": spans}, SPAN_LABELS, text=ZH_TEXT)
        assert spans == sorted(spans, key=lambda s: s["start"])


def test_missing_geometry_is_refused() -> None:
    profile = PRESETS["average"]
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError):
        noisy_result("image_boxes", {"boxes": BOXES}, BOX_LABELS, profile, rng)
    with pytest.raises(ValueError):
        noisy_result("text_spans", {"spans": ZH_SPANS}, SPAN_LABELS, profile, rng)
    with pytest.raises(ValueError):
        noisy_result("polygons", {}, BOX_LABELS, profile, rng)


def test_durations_follow_the_profile() -> None:
    rng = np.random.default_rng(0)
    expert = [simulated_duration_ms(PRESETS["expert"], rng) for _ in range(2000)]
    spammer = [simulated_duration_ms(PRESETS["spammer"], rng) for _ in range(2000)]
    assert all(isinstance(d, int) and d >= 200 for d in expert + spammer)
    assert np.median(expert) == pytest.approx(8000, rel=0.1)
    assert np.median(spammer) < np.median(expert) / 4


# ------------------------------------------------------------------------ fake server + driver --


class FakeServer:
    """Just enough of the core API contract to drive annotators: tokens, next, submit.

    Items want ``overlap`` annotations; an annotator never gets an item twice; submits are
    validated with ``validate_result`` (422 otherwise) and idempotent per assignment.
    """

    def __init__(
        self,
        items: dict[int, dict],
        labels: list[str],
        *,
        overlap: int = 2,
        paused: frozenset[str] = frozenset(),
        conflict_items: frozenset[int] = frozenset(),
        label_objects: bool = False,
    ) -> None:
        self.items, self.labels, self.overlap = items, labels, overlap
        self.paused, self.conflict_items = paused, conflict_items
        self.label_objects = label_objects
        self.users = {f"user{i}@example.com": "pw" for i in range(12)}
        self.tokens: dict[str, str] = {}
        self.leases: dict[int, tuple[str, int]] = {}
        self.annotations: dict[int, dict] = {}
        self.served: dict[str, set[int]] = {}
        self.expire_next_token = False
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.transport = httpx.MockTransport(self.handle)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=self.transport, base_url="http://jinbiao.test")

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            path = request.url.path
            if path == "/api/v1/auth/token":
                return self.token(request)
            user = self.tokens.get(request.headers.get("authorization", ""))
            if user is None or self.expire_next_token:
                self.expire_next_token = False
                return httpx.Response(401, json={"detail": "not authenticated"})
            parts = path.split("/")
            if request.method == "GET" and parts[3] == "projects":
                labels = [{"name": x, "color": "#000000"} for x in self.labels]
                return httpx.Response(
                    200, json={"labels": labels if self.label_objects else self.labels}
                )
            if parts[3] == "projects" and parts[5] == "next":
                return self.next(user)
            if parts[3] == "assignments" and parts[5] == "submit":
                return self.submit(user, int(parts[4]), json.loads(request.content))
            return httpx.Response(404, json={"detail": "not found"})

    def token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        username = form["username"]
        if self.users.get(username) != form["password"]:
            return httpx.Response(401, json={"detail": "bad credentials"})
        token = f"Bearer tok-{username}-{next(self.ids)}"
        self.tokens[token] = username
        return httpx.Response(
            200, json={"access_token": token.split(" ")[1], "token_type": "bearer"}
        )

    def next(self, user: str) -> httpx.Response:
        if user in self.paused:
            return httpx.Response(403, json={"detail": "paused"})
        taken = Counter(item_id for _u, item_id in self.leases.values())
        served = self.served.setdefault(user, set())
        for item_id, item in self.items.items():
            if item_id not in served and taken[item_id] < self.overlap:
                served.add(item_id)
                assignment_id = next(self.ids)
                self.leases[assignment_id] = (user, item_id)
                public = {k: v for k, v in item.items() if k != "truth"}
                return httpx.Response(
                    200,
                    json={
                        "assignment_id": assignment_id,
                        "expires_at": "2030-01-01T00:00:00Z",
                        "item": {"id": item_id, **public},
                    },
                )
        return httpx.Response(204)

    def submit(self, user: str, assignment_id: int, body: dict) -> httpx.Response:
        owner, item_id = self.leases[assignment_id]
        assert owner == user and isinstance(body["duration_ms"], int)
        item = self.items[item_id]
        if item_id in self.conflict_items:
            return httpx.Response(409, json={"detail": "lease expired and item full"})
        try:
            validate_result(
                item["kind"],
                body["result"],
                self.labels,
                width=item.get("width"),
                height=item.get("height"),
                text=item.get("text"),
            )
        except ValueError as exc:
            return httpx.Response(422, json={"detail": str(exc)})
        stored = self.annotations.setdefault(assignment_id, {"id": assignment_id, **body})
        answer = dict(stored)
        if item.get("gold"):
            answer["gold_feedback"] = {"correct": body["result"] == item["truth"]}
        return httpx.Response(201, json=answer)


def _span_items(n: int) -> dict[int, dict]:
    return {
        100 + i: {
            "kind": "text_spans",
            "text": ZH_TEXT,
            "truth": {"spans": ZH_SPANS},
            "gold": i == 0,
        }
        for i in range(n)
    }


def _annotator(
    server: FakeServer, i: int, kind: str = "average", **options: Any
) -> SimulatedAnnotator:
    return SimulatedAnnotator(
        server.client(),
        username=f"user{i}@example.com",
        password="pw",
        profile=AnnotatorProfile.preset(kind, f"{kind}-{i}"),
        project_id=7,
        truth_for=lambda item_id: server.items[item_id]["truth"],
        **options,
    )


def test_annotator_works_until_nothing_is_left() -> None:
    server = FakeServer(_span_items(5), SPAN_LABELS)
    annotator = _annotator(server, 0, labels=SPAN_LABELS)
    stats = annotator.run()
    assert stats.done and not stats.paused
    assert (stats.items, stats.submits, stats.created, stats.nexts) == (5, 5, 5, 6)
    assert stats.gold_feedback == 1 and stats.errors == {}
    assert len(stats.next_latencies) == 6 and len(stats.submit_latencies) == 5
    assert all(t >= 0 for t in stats.next_latencies + stats.submit_latencies)
    assert [a.status for a in stats.answers] == [201] * 5


def test_labels_are_fetched_from_the_project_when_not_given() -> None:
    for label_objects in (False, True):
        server = FakeServer(_span_items(2), SPAN_LABELS, label_objects=label_objects)
        annotator = _annotator(server, 0)
        annotator.run()
        assert annotator.labels == SPAN_LABELS and annotator.stats.created == 2


def test_paused_annotator_stops_at_403() -> None:
    server = FakeServer(_span_items(3), SPAN_LABELS, paused=frozenset({"user1@example.com"}))
    stats = _annotator(server, 1, labels=SPAN_LABELS).run()
    assert stats.paused and stats.forbidden == 1 and stats.submits == 0 and not stats.done


def test_conflicts_are_counted_not_fatal() -> None:
    server = FakeServer(_span_items(4), SPAN_LABELS, conflict_items=frozenset({101, 102}))
    stats = _annotator(server, 0, labels=SPAN_LABELS).run()
    assert (stats.submits, stats.created, stats.conflicts) == (4, 2, 2) and stats.done


def test_refused_token_logs_in_again_once() -> None:
    server = FakeServer(_span_items(2), SPAN_LABELS)
    annotator = _annotator(server, 0, labels=SPAN_LABELS)
    annotator.login()
    server.expire_next_token = True
    stats = annotator.run()
    assert stats.created == 2 and stats.errors == {}
    assert len(server.tokens) == 2


def test_bad_password_raises() -> None:
    server = FakeServer(_span_items(1), SPAN_LABELS)
    annotator = _annotator(server, 0)
    annotator.password = "wrong"
    with pytest.raises(RuntimeError, match="login"):
        annotator.run()


def test_max_items_stops_early() -> None:
    server = FakeServer(_span_items(6), SPAN_LABELS)
    stats = _annotator(server, 0, labels=SPAN_LABELS).run(max_items=2)
    assert stats.items == 2 and not stats.done


def test_answers_depend_on_the_item_not_the_order() -> None:
    server = FakeServer(_span_items(2), SPAN_LABELS)
    annotator = _annotator(server, 0, labels=SPAN_LABELS, seed=3)
    item = {"id": 100, **{k: v for k, v in server.items[100].items() if k != "truth"}}
    first = annotator.answer(item)
    annotator.answer({**item, "id": 101})
    assert annotator.answer(item) == first


def _mixed_items() -> tuple[dict[int, dict], list[str]]:
    """Thirty image-box items of one fake project, with one to three true boxes each."""
    items = {}
    for i in range(30):
        boxes = [dict(b) for b in BOXES[: 1 + i % 3]]
        items[i] = {
            "kind": "image_boxes",
            "width": WIDTH,
            "height": HEIGHT,
            "media_url": f"/api/v1/items/{i}/media",
            "truth": {"boxes": boxes},
        }
    return items, BOX_LABELS


def test_run_crowd_fills_every_item_to_its_overlap_with_valid_answers() -> None:
    items, labels = _mixed_items()
    server = FakeServer(items, labels, overlap=3)
    profiles = crowd_profiles(expert=2, average=3, careless=1, spammer=1, adversarial=1)
    accounts = [(f"user{i}@example.com", "pw") for i in range(len(profiles))]
    crowd = make_crowd(
        server.client,
        accounts,
        profiles,
        project_id=7,
        truth_for=lambda item_id: items[item_id]["truth"],
        labels=labels,
        seed=1,
    )
    report = run_crowd(crowd, threads=4)
    totals = report.totals()
    assert totals["created"] == totals["submits"] == len(items) * 3
    assert totals["errors"] == 0 and totals["conflicts"] == 0  # no 422: every answer was valid
    assert all(s.done for s in report.stats)
    assert Counter(item for _u, item in server.leases.values()) == {i: 3 for i in items}
    assert len(report.latencies("next")) == totals["nexts"]
    assert report.submits_per_second > 0
    assert set(report.percentiles("submit")) == {50, 95, 99}
    by_name = {s.name: s for s in report.stats}
    expert_found = sum(
        _box_recall(items[a.item_id]["truth"]["boxes"], a.result["boxes"])
        for a in by_name["expert-1"].answers
    )
    spammer_found = sum(
        _box_recall(items[a.item_id]["truth"]["boxes"], a.result["boxes"])
        for a in by_name["spammer-1"].answers
    )
    assert expert_found > spammer_found


def test_run_crowd_reraises_an_annotator_failure() -> None:
    server = FakeServer(_span_items(2), SPAN_LABELS)
    good = _annotator(server, 0, labels=SPAN_LABELS)
    bad = _annotator(server, 1, labels=SPAN_LABELS)
    bad.password = "wrong"
    with pytest.raises(RuntimeError):
        run_crowd([good, bad], threads=2)
    assert good.stats.done
