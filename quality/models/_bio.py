"""BIO tags for character spans: encoding, constrained Viterbi decoding, spans with scores.

BIO ("begin, inside, outside") turns span marking into one label per character (L. A. Ramshaw
and M. P. Marcus, "Text Chunking using Transformation-Based Learning", WVLC 1995,
https://aclanthology.org/W95-0107; the representation compared in L. Ratinov and D. Roth,
"Design Challenges and Misconceptions in Named Entity Recognition", CoNLL 2009,
https://aclanthology.org/W09-1119). Tag 0 is O; label j has B = 1 + 2j and I = 2 + 2j.

Decoding picks the most probable tag sequence in which every I follows a B or I of the same
label (A. J. Viterbi, "Error bounds for convolutional codes and an asymptotically optimum
decoding algorithm", IEEE Trans. Information Theory 13(2):260-269, 1967,
https://doi.org/10.1109/TIT.1967.1054010), so per-character probabilities from a local
classifier never decode into a broken span.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

_NEG = -1e9


def encode(
    spans: Sequence[Mapping[str, Any]], length: int, labels: Sequence[str]
) -> NDArray[np.int64]:
    """Tags of one text; spans of unknown labels and code points past the text are ignored."""
    tags = np.zeros(length, dtype=np.int64)
    index = {label: j for j, label in enumerate(labels)}
    for span in spans:
        j = index.get(str(span["label"]))
        start, end = max(int(span["start"]), 0), min(int(span["end"]), length)
        if j is None or start >= end:
            continue
        tags[start] = 1 + 2 * j
        tags[start + 1 : end] = 2 + 2 * j
    return tags


def transitions(n_labels: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Log-scores of allowed moves (0) and forbidden ones (-1e9), and of the first tag."""
    k = 1 + 2 * n_labels
    trans = np.zeros((k, k))
    start = np.zeros(k)
    for j in range(n_labels):
        inside = 2 + 2 * j
        allowed_before = (1 + 2 * j, inside)
        for prev in range(k):
            if prev not in allowed_before:
                trans[prev, inside] = _NEG
        start[inside] = _NEG
    return trans, start


def viterbi(
    log_proba: NDArray[np.float64], lengths: NDArray[np.int64], n_labels: int
) -> NDArray[np.int64]:
    """Best allowed tag path of each padded text: ``log_proba`` is (texts, max length, tags)."""
    n, t_max, k = log_proba.shape
    trans, start = transitions(n_labels)
    paths = np.zeros((n, t_max), dtype=np.int64)
    if n == 0 or t_max == 0:
        return paths
    back = np.zeros((n, t_max, k), dtype=np.int16)
    score = log_proba[:, 0, :] + start
    for t in range(1, t_max):
        cand = score[:, :, None] + trans[None, :, :]
        best_prev = np.argmax(cand, axis=1)
        new = np.take_along_axis(cand, best_prev[:, None, :], axis=1)[:, 0, :] + log_proba[:, t, :]
        live = (t < lengths)[:, None]
        score = np.where(live, new, score)
        back[:, t, :] = np.where(live, best_prev, np.arange(k)[None, :])
    last = np.argmax(score, axis=1)
    for t in range(t_max - 1, -1, -1):
        paths[:, t] = last
        last = back[np.arange(n), t, last]
    return paths


def spans_from_tags(
    tags: NDArray[np.int64], tag_proba: NDArray[np.float64], labels: Sequence[str]
) -> tuple[list[dict[str, Any]], list[float]]:
    """Spans ``{label, start, end}`` of a valid tag path and each span's mean tag probability."""
    spans: list[dict[str, Any]] = []
    scores: list[float] = []
    begins = np.flatnonzero((tags > 0) & (tags % 2 == 1))
    for b in begins:
        j = (int(tags[b]) - 1) // 2
        end = b + 1
        while end < len(tags) and tags[end] == 2 + 2 * j:
            end += 1
        spans.append({"label": labels[j], "start": int(b), "end": int(end)})
        scores.append(float(np.mean(tag_proba[b:end])))
    return spans, scores
