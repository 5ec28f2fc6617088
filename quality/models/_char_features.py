"""Character features for the span tagger, built as one sparse matrix with index arrays.

Every character of every text is one row. Its features are one-hot blocks: the character and
its neighbours within ``window`` on each side, the character class (CJK, Latin upper or lower,
digit, space, punctuation, other, text boundary) of a wider neighbourhood, the character
bigrams around it, and the Latin or digit word it sits in with its neighbouring words
(:mod:`._word_runs`). Each row has exactly one non-zero per block, so the matrix is assembled from
integer arrays without a Python loop over characters — the windowed features of Ratinov and
Roth (2009) on characters instead of words, which Chinese needs (no word boundaries).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from ._word_runs import word_runs

BOUNDARY, CJK, UPPER, LOWER, DIGIT, SPACE, PUNCT, OTHER = range(8)
N_CLASSES = 8


def code_points(text: str) -> NDArray[np.int64]:
    """Unicode code points of ``text`` (its Python indices, the SPEC's span offsets)."""
    raw = np.frombuffer(text.encode("utf-32-le", errors="surrogatepass"), dtype="<u4")
    return raw.astype(np.int64)


def char_classes(codes: NDArray[np.int64]) -> NDArray[np.int64]:
    """Character class of each code point (the constants above), vectorised over ranges."""
    out = np.full(len(codes), OTHER, dtype=np.int64)
    uniq, inverse = np.unique(codes, return_inverse=True)
    cls = np.full(len(uniq), OTHER, dtype=np.int64)
    cjk = (
        ((uniq >= 0x4E00) & (uniq <= 0x9FFF))
        | ((uniq >= 0x3400) & (uniq <= 0x4DBF))
        | ((uniq >= 0x20000) & (uniq <= 0x2FA1F))
        | ((uniq >= 0xF900) & (uniq <= 0xFAFF))
    )
    cls[cjk] = CJK
    for i in np.flatnonzero(~cjk):
        category = unicodedata.category(chr(int(uniq[i])))
        if category == "Lu":
            cls[i] = UPPER
        elif category in ("Ll", "Lt", "Lm", "Lo"):
            cls[i] = LOWER
        elif category[0] == "N":
            cls[i] = DIGIT
        elif category[0] == "Z" or chr(int(uniq[i])).isspace():
            cls[i] = SPACE
        elif category[0] in ("P", "S"):
            cls[i] = PUNCT
    out[:] = cls[inverse]
    return out


def _lookup(vocab: NDArray[np.int64], values: NDArray[np.int64]) -> NDArray[np.int64]:
    """Index of each value in the sorted ``vocab`` plus 1; 0 for a value not in it."""
    if len(vocab) == 0:
        return np.zeros(len(values), dtype=np.int64)
    pos = np.clip(np.searchsorted(vocab, values), 0, len(vocab) - 1)
    return np.where(vocab[pos] == values, pos + 1, 0)


class CharFeatures:
    """Fitted vocabularies of characters and bigrams; ``transform`` gives the sparse rows."""

    def __init__(self, window: int = 2, class_window: int = 3, min_count: int = 1) -> None:
        self.window = window
        self.class_window = class_window
        self.min_count = min_count

    @staticmethod
    def _layout(
        texts: Sequence[str],
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """All code points, each position's index in its text, and each position's text length."""
        pieces = [code_points(t) for t in texts]
        lengths = np.asarray([len(p) for p in pieces], dtype=np.int64)
        codes = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
        starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
        local = np.arange(len(codes), dtype=np.int64) - starts
        return codes, local, np.repeat(lengths, lengths)

    def _shift(
        self, values: NDArray[np.int64], local: NDArray[np.int64], length: NDArray[np.int64], o: int
    ) -> NDArray[np.int64]:
        """``values`` of the neighbour at offset ``o``; -1 past either end of the text."""
        idx = np.arange(len(values)) + o
        inside = (local + o >= 0) & (local + o < length)
        return np.where(inside, values[np.clip(idx, 0, max(len(values) - 1, 0))], -1)

    def _bigrams(
        self, codes: NDArray[np.int64], local: NDArray[np.int64], length: NDArray[np.int64]
    ) -> list[NDArray[np.int64]]:
        prev = self._shift(codes, local, length, -1)
        nxt = self._shift(codes, local, length, 1)
        return [(prev + 1) * (1 << 22) + codes, codes * (1 << 22) + (nxt + 1)]

    @staticmethod
    def _words(
        codes: NDArray[np.int64], cls: NDArray[np.int64], local: NDArray[np.int64]
    ) -> tuple[NDArray[np.int64], ...]:
        kind = np.where((cls == UPPER) | (cls == LOWER), 1, np.where(cls == DIGIT, 2, 0))
        return word_runs(codes, kind, local)

    def fit(self, texts: Sequence[str]) -> CharFeatures:
        codes, local, length = self._layout(texts)
        own = self._words(codes, char_classes(codes), local)[0]
        uniq, counts = np.unique(own[own >= 0], return_counts=True)
        self.words_ = uniq[counts >= max(self.min_count, 2)]
        uniq, counts = np.unique(codes, return_counts=True)
        self.chars_ = uniq[counts >= self.min_count]
        grams = np.concatenate(self._bigrams(codes, local, length)) if len(codes) else codes
        uniq, counts = np.unique(grams, return_counts=True)
        self.bigrams_ = uniq[counts >= max(self.min_count, 2)]
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """One row per character of all ``texts`` in order, one non-zero per feature block."""
        codes, local, length = self._layout(texts)
        cls = char_classes(codes)
        n_chars, n_grams = len(self.chars_) + 2, len(self.bigrams_) + 1
        columns, width = [], 0
        char_ids = _lookup(self.chars_, codes) + 1  # 0 boundary, 1 unknown, 2.. known
        for o in range(-self.window, self.window + 1):
            shifted = self._shift(char_ids, local, length, o)
            columns.append(width + np.where(shifted < 0, 0, shifted))
            width += n_chars
        for o in range(-self.class_window, self.class_window + 1):
            shifted = self._shift(cls, local, length, o)
            columns.append(width + np.where(shifted < 0, BOUNDARY, shifted))
            width += N_CLASSES
        for o in (-1, 0):  # class bigrams left and right of the character
            a = self._shift(cls, local, length, o)
            b = self._shift(cls, local, length, o + 1)
            columns.append(width + (np.where(a < 0, 0, a) * N_CLASSES + np.where(b < 0, 0, b)))
            width += N_CLASSES * N_CLASSES
        for gram in self._bigrams(codes, local, length):
            columns.append(width + _lookup(self.bigrams_, gram))
            width += n_grams
        n_words = len(self.words_) + 1
        *hashes, place = self._words(codes, cls, local)
        for value in hashes:  # the word here, the word before, the word after
            columns.append(width + np.where(value < 0, 0, _lookup(self.words_, value)))
            width += n_words
        columns.append(width + place)
        width += 5
        n = len(codes)
        indices = np.stack(columns, axis=1).ravel() if n else np.zeros(0, dtype=np.int64)
        indptr = np.arange(0, n * len(columns) + 1, len(columns), dtype=np.int64)
        data = np.ones(len(indices), dtype=np.float32)
        return sparse.csr_matrix((data, indices, indptr), shape=(n, width))
