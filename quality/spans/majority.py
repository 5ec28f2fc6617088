"""The spans a strict majority of annotations agree on exactly: a plain vote, without weights."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

Span = Mapping[str, Any]


def majority_spans(annotations: Sequence[Sequence[Span]]) -> list[tuple[dict[str, Any], float]]:
    """Spans (same label, start and end) given by more than half of ``annotations``, each with
    its support (the share of annotations that gave it), in text order.

    Why a second way besides :func:`consensus_spans`: this is the floor an export falls back on
    before any reliability is known, so it weighs every annotation the same and matches exactly,
    as CoNLL scoring does (E. F. Tjong Kim Sang and F. De Meulder, CoNLL 2003,
    https://aclanthology.org/W03-0419). A span given twice by one annotation counts once.

    Example:
        >>> part = {"label": "PART", "start": 0, "end": 4}
        >>> majority_spans([[part], [part], []])
        [({'label': 'PART', 'start': 0, 'end': 4}, 0.6666666666666666)]
    """
    counts: Counter[tuple[Any, int, int]] = Counter()
    for spans in annotations:
        counts.update({(s["label"], s["start"], s["end"]) for s in spans})
    n = len(annotations)
    kept = sorted((k for k, c in counts.items() if c * 2 > n), key=lambda k: (k[1], k[2], k[0]))
    return [
        ({"label": lab, "start": start, "end": end}, counts[lab, start, end] / n)
        for lab, start, end in kept
    ]
