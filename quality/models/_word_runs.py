"""Words inside a character sequence: runs of letters or of digits, for the span tagger.

English entities are words ("bearing", "hydraulic pump"), and a window of a few characters sees
only part of one; Chinese has no spaces and each character stands alone. So a character that sits
in a run of Latin letters or of digits also carries the identity of that run (lower-cased), of
the word runs before and after it, and its place in the run (the word features of Ratinov and
Roth, CoNLL 2009, recovered from characters). Runs are hashed (64-bit polynomial, wrapping) so
that the vocabulary is one sorted integer array.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

NONE = -1  # no word here / no word before or after in the text
_P = np.uint64(1_000_003)


def word_runs(
    codes: NDArray[np.int64], kind: NDArray[np.int64], local: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Per character: hash of its word, of the previous and the next word (NONE when absent),
    and its place in the word (0 no word, 1 first, 2 inside, 3 last, 4 single).

    ``kind`` is 1 for a letter, 2 for a digit, 0 otherwise; ``local`` is each character's index
    in its text (0 starts a text)."""
    n = len(codes)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    merged = kind
    starts = (local == 0) | np.r_[True, merged[1:] != merged[:-1]]
    run = np.cumsum(starts) - 1
    run_start = np.flatnonzero(starts)
    run_len = np.diff(np.r_[run_start, n])
    is_word = merged[run_start] > 0
    lower = np.where((codes >= 65) & (codes <= 90), codes + 32, codes).astype(np.uint64)
    offset = np.arange(n) - run_start[run]
    powers = np.cumprod(np.r_[np.uint64(1), np.full(int(run_len.max()), _P, dtype=np.uint64)])
    with np.errstate(over="ignore"):
        mixed = lower * powers[offset]
        run_hash = np.add.reduceat(mixed, run_start) ^ run_len.astype(np.uint64)
    run_hash = run_hash.view(np.int64) & np.int64(0x7FFF_FFFF_FFFF_FFFF)  # non-negative
    text_of_run = np.cumsum(local[run_start] == 0) - 1
    runs = np.arange(len(run_start))
    last_word = np.maximum.accumulate(np.where(is_word, runs, -1))
    prev = np.r_[-1, last_word[:-1]]
    next_word = np.minimum.accumulate(np.where(is_word, runs, len(runs))[::-1])[::-1]
    nxt = np.r_[next_word[1:], len(runs)]
    prev_ok = (prev >= 0) & (text_of_run[np.maximum(prev, 0)] == text_of_run)
    next_ok = (nxt < len(runs)) & (text_of_run[np.minimum(nxt, len(runs) - 1)] == text_of_run)
    own = np.where(is_word, run_hash, NONE)
    before = np.where(prev_ok, run_hash[np.maximum(prev, 0)], NONE)
    after = np.where(next_ok, run_hash[np.minimum(nxt, len(runs) - 1)], NONE)
    place = np.where(
        run_len[run] == 1, 4, np.where(offset == 0, 1, np.where(offset == run_len[run] - 1, 3, 2))
    )
    return own[run], before[run], after[run], np.where(is_word[run], place, 0)
