"""Whether an item's remaining answers could still change its label: what adaptive overlap asks.

Why: the calibrated posterior says whether a label is right. On crowds that err together it
stays below a strict ``agreement_target`` on hard items whatever more answers say (the evidence is
tempered, :func:`~quality.confidence.calibrated.fit_temperature`), so a rule that waits for it
spends every allowed answer on items whose label no further answer would move, and stops early
on easy ones. The question that buys answers is the one of a sequential design: given what the
item has, how likely is it that the answers still allowed (``max_answers`` minus those it has)
end with another label? That is the *predictive probability* of J. J. Lee and D. D. Liu, "A
predictive probability design for phase II cancer clinical trials", Clinical Trials 5(2):93-106,
2008 (doi:10.1177/1740774508089279): the future answers are predicted from the item's own
answers by the Dirichlet-multinomial (Pólya urn) predictive with a uniform prior, so items the
crowd splits on stay open and items it agrees on close, whether or not the crowd is right; and
the label at the end is the consensus model's, each future answer moving the log-odds of the
label against its strongest rival by the evidence of one answer from the crowd's average
annotator, tempered as the posterior is (one-coin model: log(a (K-1) / (1 - a)) / T).

Adaptive overlap stops an item once the larger of its gold-free posterior and this stability
reaches ``agreement_target`` (``ClassConsensus.stop_confidence``): confident that the label is
right, or that no allowed answer would change it. Measured on the real crowds in
``tests/benchmarks/results/replay.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import betaln, gammaln

PRIOR = 1.0
"""Pseudo-answers per class of the Pólya urn's uniform prior on an item's answer distribution."""


def per_answer_evidence(skill: float, n_classes: int, temperature: float) -> float:
    """Log-odds one answer adds for its label against another under the one-coin model of an
    annotator of accuracy ``skill`` (clipped to (1/K, 1)), divided by ``temperature``."""
    k = max(n_classes, 2)
    a = float(np.clip(skill, 1.0 / k + 1e-3, 1.0 - 1e-6))
    return float(np.log(a * (k - 1) / (1.0 - a)) / max(temperature, 1e-9))


def flip_probability(
    log_odds: NDArray[np.float64],
    lead: NDArray[np.float64],
    rival: NDArray[np.float64],
    other: NDArray[np.float64],
    remaining: NDArray[np.int64],
    *,
    evidence: float,
    n_classes: int,
    prior: float = PRIOR,
) -> NDArray[np.float64]:
    """Per item, the predictive probability that after ``remaining`` more answers the label's
    log-odds against its rival (now ``log_odds``) is below 0.

    ``lead``, ``rival`` and ``other`` count the item's answers for its label, for the rival and
    for every other class. The ``remaining`` answers are Dirichlet-multinomial with parameters
    ``counts + prior`` (the other classes together ``other + prior (K - 2)``); each answer for
    the label adds ``evidence``, each for the rival takes it away, the others move neither. Of
    the ``m`` answers that go to the label or the rival, the label's share is beta-binomial,
    and ``m`` itself is beta-binomial: a sum over at most (k + 1)² outcomes per item, vectorised
    over the items that have the same ``k``.
    """
    out = np.zeros(len(log_odds), dtype=np.float64)
    a_lead, a_rival = lead + prior, rival + prior
    a_other = other + prior * max(n_classes - 2, 0)
    for k in np.unique(remaining[remaining > 0]).tolist():
        same = np.flatnonzero(remaining == k)
        step = max(1, CHUNK // (k + 1) ** 2)  # bounded memory: rows × (k + 1)² outcomes
        for start in range(0, len(same), step):
            rows = same[start : start + step]
            out[rows] = _flips(
                log_odds[rows], a_lead[rows], a_rival[rows], a_other[rows], k, evidence
            )
    return out


def _flips(
    log_odds: NDArray[np.float64],
    a_lead: NDArray[np.float64],
    a_rival: NDArray[np.float64],
    a_other: NDArray[np.float64],
    k: int,
    evidence: float,
) -> NDArray[np.float64]:
    """:func:`flip_probability` for items that all have ``k`` answers remaining."""
    m = np.arange(k + 1, dtype=np.float64)  # of the k answers, those for the label or the rival
    if not (a_other > 0).any():  # two classes: all k answers are for the label or the rival
        log_px = _log_beta_binomial(k, m[None, :], a_lead[:, None], a_rival[:, None])
        turned = log_odds[:, None] + evidence * (2 * m - k)[None, :] < 0
        return np.asarray(np.clip((np.exp(log_px) * turned).sum(axis=1), 0.0, 1.0))
    pair = (a_lead + a_rival)[:, None]
    others = a_other[:, None]
    log_pm = _log_beta_binomial(k, m[None, :], pair, np.maximum(others, 1e-12))
    log_pm = np.where(others > 0, log_pm, np.where(m[None, :] == k, 0.0, -np.inf))
    mm, xx = m[:, None], m[None, :]  # (m, x): x of the m answers for the label
    valid = (xx <= mm)[None]
    log_px = _log_beta_binomial(
        mm[None], np.minimum(xx, mm)[None], a_lead[:, None, None], a_rival[:, None, None]
    )
    flips = log_odds[:, None, None] + evidence * (2 * xx - mm)[None] < 0
    weight = np.exp(log_pm[:, :, None] + np.where(valid, log_px, -np.inf))
    return np.asarray(np.clip((weight * flips).sum(axis=(1, 2)), 0.0, 1.0), dtype=np.float64)


CHUNK = 2_000_000
"""Outcomes evaluated at once (items × (k + 1)²): about 16 MB per array."""


def _log_beta_binomial(n: Any, k: Any, a: Any, b: Any) -> Any:
    """log P(K = k) for K ~ BetaBinomial(n, a, b), broadcast."""
    return (
        gammaln(n + 1.0)
        - gammaln(k + 1.0)
        - gammaln(n - k + 1.0)
        + betaln(k + a, n - k + b)
        - betaln(a, b)
    )


def label_stability(
    probas: NDArray[np.float64],
    label: NDArray[np.intp],
    counts: NDArray[np.float64],
    remaining: NDArray[np.int64],
    *,
    evidence: float,
    prior: float = PRIOR,
) -> NDArray[np.float64]:
    """1 minus :func:`flip_probability` per item, from the posteriors ``probas`` (items ×
    classes), each item's ``label`` column, its answer ``counts`` per class (items × classes)
    and the answers it may still get. Items with nothing remaining are stable (1)."""
    n, k = probas.shape
    if n == 0:
        return np.zeros(0, dtype=np.float64)
    if k < 2:
        return np.ones(n, dtype=np.float64)
    rows = np.arange(n)
    masked = probas.copy()
    masked[rows, label] = -np.inf
    rival = masked.argmax(axis=1)
    tiny = 1e-300
    log_odds = np.log(np.maximum(probas[rows, label], tiny)) - np.log(
        np.maximum(probas[rows, rival], tiny)
    )
    lead_n, rival_n = counts[rows, label], counts[rows, rival]
    other_n = counts.sum(axis=1) - lead_n - rival_n
    flip = flip_probability(
        log_odds,
        lead_n,
        rival_n,
        other_n,
        np.asarray(remaining, dtype=np.int64),
        evidence=evidence,
        n_classes=k,
        prior=prior,
    )
    return 1.0 - flip
