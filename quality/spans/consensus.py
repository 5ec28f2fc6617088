"""Consensus spans by weighted vote over code points or tokens."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

Span = Mapping[str, Any]

_TOKEN = re.compile(r"[A-Za-z0-9_]+(?:[.'-][A-Za-z0-9_]+)*|\S")


def tokenize(text: str) -> list[tuple[int, int]]:
    """Token boundaries (code points, end exclusive) without a language model.

    A run of ASCII letters/digits (with inner ``.``, ``'`` or ``-``) is one token; every other
    non-space character — each Chinese character, each punctuation mark — is a token of its own,
    which is the usual character-level treatment of Chinese.

    Example:
        >>> text = "M6螺栓松动"
        >>> [text[s:e] for s, e in tokenize(text)]
        ['M6', '螺', '栓', '松', '动']
    """
    return [(m.start(), m.end()) for m in _TOKEN.finditer(text)]


def consensus_spans(
    annotations: Mapping[Any, Sequence[Span]],
    weights: Mapping[Any, float] | None = None,
    *,
    text: str | None = None,
    length: int | None = None,
    unit: str = "char",
    threshold: float = 0.5,
) -> list[dict[str, Any]]:
    """Consensus spans of one text by weighted vote per code point (or per token).

    Every annotator votes, for each unit (code point, or token with ``unit="token"`` and
    ``text``), for the label of the span covering it or for "nothing" (an empty answer votes
    "nothing" everywhere). A unit takes a label when that label's share of the total weight
    exceeds ``threshold`` (default: strict weighted majority). Runs of consecutive units with
    the same label become spans; with tokens, a span runs from its first token's start to its
    last token's end, and a token counts as covered when a span overlaps it. Why voting per
    unit: it needs no matching of whole spans, handles boundary disagreement gracefully (the
    consensus boundary is where most annotators put it), and reduces to majority vote per token
    as in sequence-label aggregation (e.g. A. Rodrigues, F. Pereira and B. Ribeiro, "Sequence
    labeling with multiple annotators", Machine Learning 95:165-181, 2014,
    https://doi.org/10.1007/s10994-013-5411-2, majority-vote baseline).

    Returns ``[{"label", "start", "end", "confidence"}]`` sorted by start; ``confidence`` is the
    mean winning share over the span's units. ``weights``: annotator -> reliability (default 1).

    Example:
        >>> text = "更换M6螺栓"
        >>> votes = {"a": [{"label": "PART", "start": 2, "end": 6}],
        ...          "b": [{"label": "PART", "start": 2, "end": 6}],
        ...          "c": [{"label": "PART", "start": 4, "end": 6}]}
        >>> [(s["label"], text[s["start"]:s["end"]]) for s in consensus_spans(votes, text=text)]
        [('PART', 'M6螺栓')]
    """
    if unit not in ("char", "token"):
        raise ValueError("unit must be 'char' or 'token'")
    names = list(annotations)
    w = np.asarray([float(weights.get(n, 1.0)) if weights is not None else 1.0 for n in names])
    total = float(np.clip(w, 0, None).sum())
    all_spans = [s for n in names for s in annotations[n]]
    if not names or total <= 0 or not all_spans:
        return []
    n_chars = (
        length
        if length is not None
        else (len(text) if text is not None else max(int(s["end"]) for s in all_spans))
    )
    labels = list(dict.fromkeys(s["label"] for s in all_spans))
    label_index = {lab: k for k, lab in enumerate(labels)}
    if unit == "token":
        if text is None:
            raise ValueError("unit='token' needs the text")
        bounds = np.asarray(tokenize(text), dtype=np.intp).reshape(-1, 2)
    else:
        bounds = np.column_stack([np.arange(n_chars), np.arange(1, n_chars + 1)])
    n_units = len(bounds)
    # votes[unit, label]: weight of the annotators whose span with that label covers the unit
    votes = np.zeros((n_units, len(labels)))
    for weight, name in zip(w, names, strict=True):
        if weight <= 0:
            continue
        covered = np.zeros((n_units, len(labels)), dtype=bool)
        for s in annotations[name]:
            start, end = int(s["start"]), int(s["end"])
            hit = (bounds[:, 0] < end) & (bounds[:, 1] > start)
            covered[hit, label_index[s["label"]]] = True
        votes += weight * covered
    share = votes / total
    best = np.argmax(share, axis=1)
    best_share = share[np.arange(n_units), best]
    chosen = np.where(best_share > threshold, best, -1)
    out: list[dict[str, Any]] = []
    i = 0
    while i < n_units:
        if chosen[i] < 0:
            i += 1
            continue
        j = i
        while j + 1 < n_units and chosen[j + 1] == chosen[i]:
            j += 1
        out.append(
            {
                "label": labels[chosen[i]],
                "start": int(bounds[i, 0]),
                "end": int(bounds[j, 1]),
                "confidence": float(best_share[i : j + 1].mean()),
            }
        )
        i = j + 1
    return out
