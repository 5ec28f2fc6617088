"""The kind registry: each built-in kind is whole (formats that exist, a tool the browser has),
and every kind question (gold score, fallback vote, labels) is answered by the kind object."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from backend.exports.formats import FORMATS
from backend.kinds import BUILT_IN_KINDS, KINDS, UnknownKind, get_kind
from backend.kinds.gold import gold_score, is_correct

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "labeling_ui" / "js" / "tools"
BOX = {"label": "dent", "x": 10.0, "y": 10.0, "w": 20.0, "h": 20.0}


def test_the_built_in_kinds_in_registration_order():
    assert BUILT_IN_KINDS == (
        "image_classification",
        "image_boxes",
        "text_classification",
        "text_spans",
        "image_polygons",
    )
    assert [get_kind(name).media for name in BUILT_IN_KINDS] == [
        "image",
        "image",
        "text",
        "text",
        "image",
    ]


def test_every_format_a_kind_names_exists_and_every_format_serves_a_kind():
    named = {f for name in BUILT_IN_KINDS for f in get_kind(name).formats}
    assert named == set(FORMATS)
    assert all("raw_jsonl" in get_kind(name).formats for name in BUILT_IN_KINDS)


def _exported(source: str) -> set[str]:
    """The names an ES module exports: ``export const|function x`` and ``export { a, b } from``."""
    names = set(re.findall(r"^export (?:const|function) (\w+)", source, re.MULTILINE))
    for group in re.findall(r"^export \{([^}]*)\}", source, re.MULTILINE):
        names.update(name.strip() for name in group.split(","))
    return names


@pytest.mark.parametrize("name", BUILT_IN_KINDS)
def test_every_kind_has_its_tool_with_the_result_functions(name):
    source = (TOOLS / f"tool_{get_kind(name).tool}.js").read_text(encoding="utf-8")
    assert {"mount", "initialResult", "complete", "toSubmit", "describe"} <= _exported(source)


def test_no_file_outside_the_kind_modules_names_a_built_in_kind():
    """The registry is the only place a kind lives (the demo's sample data and the UI's
    translations name them as data)."""
    allowed = {"backend/demo.py", "labeling_ui/js/i18n.js"}
    pattern = re.compile("|".join(BUILT_IN_KINDS))
    found = sorted(
        str(path.relative_to(REPO))
        for folder in ("backend", "workers", "labeling_ui/js")
        for path in (REPO / folder).rglob("*")
        if path.suffix in {".py", ".js", ".sql"}
        and not path.is_relative_to(REPO / "backend" / "kinds")
        and pattern.search(path.read_text(encoding="utf-8"))
    )
    assert [path for path in found if path not in allowed] == []


def test_a_kind_refuses_a_name_the_database_or_the_ui_cannot_hold():
    kind = get_kind("text_spans")
    for bad in ("Text", "a" * 33, "text-spans", ""):
        with pytest.raises(ValueError, match="a kind's name"):
            replace(kind, name=bad)
    with pytest.raises(ValueError, match="labels one of"):
        replace(kind, media="video")
    with pytest.raises(ValueError, match="names no export format"):
        replace(kind, formats=())
    assert replace(kind, name="a" * 32).name == "a" * 32


def test_an_unknown_kind_is_named_in_the_error():
    with pytest.raises(UnknownKind, match="no kind named 'video'"):
        get_kind("video")
    assert "video" not in KINDS


def test_gold_scores_of_the_built_in_kinds():
    assert gold_score("text_classification", {"label": "a"}, {"label": "a"}) == 1.0
    assert gold_score("image_classification", {"label": "a"}, {"label": "b"}) == 0.0
    moved = {**BOX, "x": 12.0}  # IoU 360 / 440 = 0.82: a match
    far = {**BOX, "x": 200.0}
    assert gold_score("image_boxes", {"boxes": [moved, far]}, {"boxes": [BOX]}) == 2 / 3
    assert gold_score("image_boxes", {"boxes": []}, {"boxes": []}) == 1.0  # nothing to label
    assert gold_score("image_boxes", {"boxes": []}, {"boxes": [BOX]}) == 0.0
    part = {"label": "PART", "start": 0, "end": 4}
    spans = {"spans": [part, {"label": "PART", "start": 6, "end": 9}]}
    assert gold_score("text_spans", spans, {"spans": [part]}) == 2 / 3
    assert gold_score("text_spans", {"spans": []}, {"spans": []}) == 1.0
    assert [is_correct(s) for s in (1.0, 1.0 - 1e-12, 2 / 3)] == [True, True, False]


def test_fallback_votes_of_the_built_in_kinds():
    labels = get_kind("text_classification").fallback_vote
    vote = labels([{"label": "other"}, {"label": "fault"}, {"label": "other"}])
    assert (vote.result, vote.confidence, vote.agreement) == ({"label": "other"}, 2 / 3, 2 / 3)
    tie = labels([{"label": "wear"}, {"label": "fault"}])
    assert (tie.result, tie.confidence) == ({"label": "fault"}, 0.5)  # ties: first by name

    boxes = get_kind("image_boxes").fallback_vote
    vote = boxes([{"boxes": [BOX]}, {"boxes": [{**BOX, "x": 12.0}]}, {"boxes": []}])
    assert vote.result == {"boxes": [{**BOX, "x": 11.0}]}
    assert vote.confidence == pytest.approx(2 / 3)
    assert boxes([{"boxes": []}, {"boxes": []}]).confidence == 1.0  # agreed: nothing here
    assert boxes([{"boxes": [BOX]}, {"boxes": []}, {"boxes": []}]).confidence == 0.0

    spans = get_kind("text_spans").fallback_vote
    part = {"label": "PART", "start": 0, "end": 4}
    vote = spans([{"spans": [part]}, {"spans": [part]}, {"spans": []}])
    assert (vote.result, vote.confidence) == ({"spans": [part]}, pytest.approx(2 / 3))


def test_labels_of_a_result_by_kind():
    assert get_kind("image_classification").labels_of({"label": "dent"}) == ["dent"]
    two = {"boxes": [BOX, {**BOX, "label": "stain"}]}
    assert get_kind("image_boxes").labels_of(two) == ["dent", "stain"]
    spans = {"spans": [{"label": "PART", "start": 0, "end": 1}]}
    assert get_kind("text_spans").labels_of(spans) == ["PART"]
    assert all(get_kind(name).labels_of(None) == [] for name in BUILT_IN_KINDS)


def test_kinds_endpoint_for_signed_in_users_only(client, team):
    assert client.get("/api/v1/kinds").status_code == 401
    listed = client.get("/api/v1/kinds", headers=team.annotators[0].headers).json()
    assert listed[:5] == [
        {
            "name": name,
            "media": get_kind(name).media,
            "tool": get_kind(name).tool,
            "formats": list(get_kind(name).formats),
            "whole_label": name.endswith("_classification"),  # a removed label must be mapped
            "mark_rate": {"image_boxes": "per_box", "text_spans": "per_span"}.get(name),
        }
        for name in BUILT_IN_KINDS
    ]
    assert [k["tool"] for k in listed[:5]] == [
        "image_class",
        "boxes",
        "text_class",
        "spans",
        "polygons",
    ]


def test_the_openapi_lists_the_built_in_kinds(client):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    for model in ("ProjectCreate", "ProjectPublic"):
        assert schemas[model]["properties"]["kind"]["enum"] == list(BUILT_IN_KINDS)
