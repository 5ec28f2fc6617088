"""Assemble manufacturing texts with exact entity spans from the templates in ``text_vocab.py``.

A text is built piece by piece, so the offset of every entity is known when it is written rather
than searched for afterwards (a search would find the first "轴承" when the second was meant).
Offsets are Python string indices, i.e. Unicode code points, end exclusive, as the SPEC asks;
every span is checked against the finished text before the record is returned.
"""

from __future__ import annotations

import importlib.util
import re
import string
import sys
from pathlib import Path
from typing import Any

import numpy as np


def _sibling(name: str) -> Any:
    """Load a module next to this file by path: ``datasets/`` is deliberately not a package."""
    mod_name = f"jinbiao_datasets_{name}"
    if mod_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            mod_name, Path(__file__).with_name(f"{name}.py")
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = module
        spec.loader.exec_module(module)
    return sys.modules[mod_name]


V = _sibling("text_vocab")

_NUMBER = re.compile(r"<(n|m|nn|d|f|big)>")
_FORMATTER = string.Formatter()


def _pick(seq: Any, rng: np.random.Generator) -> Any:
    return seq[int(rng.integers(len(seq)))]


def _numbers(value: str, rng: np.random.Generator) -> str:
    """Replace the number placeholders of a vocabulary value with random numbers."""

    def one(match: re.Match[str]) -> str:
        kind = match.group(1)
        if kind == "n":
            return str(int(rng.integers(1, 13)))
        if kind == "m":
            return str(int(rng.integers(2, 10)))
        if kind == "nn":
            return f"{int(rng.integers(1, 25)):02d}"
        if kind == "d":
            return f"0.{int(rng.integers(1, 10))}"
        if kind == "f":
            return f"{int(rng.integers(10, 100)) / 10:.1f}"
        return str(int(rng.integers(10, 481)))

    return _NUMBER.sub(one, value)


class _Writer:
    """Concatenates pieces and records a span for every entity piece as it is written."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.spans: list[dict[str, Any]] = []
        self.values: list[str] = []
        self.length = 0

    def write(self, text: str, label: str | None = None) -> None:
        if label is not None and text:
            self.spans.append(
                {"label": label, "start": self.length, "end": self.length + len(text)}
            )
            self.values.append(text)
        self.pieces.append(text)
        self.length += len(text)

    def text(self) -> str:
        return "".join(self.pieces)


def _expand(template: str, slots: dict[str, str], nested: dict[str, str], out: _Writer) -> None:
    for literal, field, _spec, _conv in _FORMATTER.parse(template):
        if literal:
            out.write(literal)
        if field is None:
            continue
        if field in V.ENTITY_SLOTS:
            out.write(slots[field], V.ENTITY_SLOTS[field])
        elif field in nested:
            _expand(nested[field], slots, nested, out)
        else:
            out.write(slots[field])


def _date(lang: str, rng: np.random.Generator) -> str:
    month, day = int(rng.integers(1, 13)), int(rng.integers(1, 29))
    return f"{month}月{day}日" if lang == "zh" else f"2024-{month:02d}-{day:02d}"


def _work_order(lang: str, rng: np.random.Generator) -> str:
    number = f"2024-{int(rng.integers(1, 10000)):04d}"
    return f"WO-{number}" if lang == "zh" else f"#{number}"


def _slots(label: str, lang: str, rng: np.random.Generator) -> tuple[dict, dict, list[str]]:
    """Choose every slot value of one text: entities, nested phrases and the template list."""
    common, vocab = V.COMMON[lang], V.CLASSES[lang][label]
    slots = {
        "machine": _numbers(_pick(common["machine"], rng), rng),
        "location": _numbers(_pick(common["location"], rng), rng),
        "person": _pick(common["person"], rng),
        "shift": _pick(common["shift"], rng),
        "tail": _pick(common["tail"], rng),
        "date": _date(lang, rng),
        "wo": _work_order(lang, rng),
    }
    if label == "other":
        part, patterns = _pick(vocab["part"], rng)
        nested = {"detail": _pick(vocab["detail"], rng)}
        templates = V.OTHER_TEMPLATES[lang]
    else:
        part = _pick(vocab["part"], rng)
        detail, patterns = _pick(vocab["detail"], rng)
        slots["defect"] = _pick(vocab["defect"], rng)
        nested = {
            "detail": detail,
            "action": _pick(vocab["action"], rng),
            "fix": _pick(vocab["fix"], rng),
        }
        templates = V.FAULT_TEMPLATES[lang]
    slots["part"] = part
    slots["quantity"] = _numbers(_pick(patterns, rng), rng)
    return slots, nested, templates


def check_spans(text: str, spans: list[dict[str, Any]], values: list[str] | None = None) -> None:
    """Raise ValueError unless the spans are sorted, disjoint, inside the text and exact."""
    previous_end = 0
    for i, span in enumerate(spans):
        start, end = span["start"], span["end"]
        if not (previous_end <= start < end <= len(text)):
            raise ValueError(f"span {span} out of order or outside the text {text!r}")
        if values is not None and text[start:end] != values[i]:
            raise ValueError(f"span {span} covers {text[start:end]!r}, expected {values[i]!r}")
        previous_end = end


def make_text(index: int, rng: np.random.Generator) -> dict[str, Any]:
    """One text record: class, language and document type drawn uniformly, then the slots."""
    label = _pick(V.TEXT_CLASSES, rng)
    lang = _pick(("zh", "en"), rng)
    doc_type = _pick(V.DOC_TYPES, rng)
    slots, nested, templates = _slots(label, lang, rng)
    out = _Writer()
    _expand(_pick(templates[doc_type], rng), slots, nested, out)
    text = out.text()
    check_spans(text, out.spans, out.values)
    return {
        "external_id": f"txt_{index:05d}",
        "lang": lang,
        "doc_type": doc_type,
        "text": text,
        "label": label,
        "spans": out.spans,
    }
