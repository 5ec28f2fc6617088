"""A kind that only the test suite knows: a rating of a text from 1 to 5, ``{"rating": 4}``.

It is everything a new kind is, written outside ``backend/`` and made known with one
``register_kind`` call: its validation, gold scoring, consensus strategy, fallback vote, labels,
export formats and tool name. No other file names it, so a test that takes it through import,
next, submit, recompute and export shows that the kind registry is the only place a kind lives.

The statistics are ``quality``'s: the consensus of an item is the median rating
(``MedianAggregator``) and agreement is Krippendorff's alpha at the interval level. An answer
agrees with a reference by ``1 - |difference| / 4`` (1 for the same rating, 0 for 1 against 5).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from backend.kinds import ItemShape, Kind, Vote
from backend.kinds.answers import AnswerTable
from backend.kinds.consensus import Inferred, empty_inferred
from backend.kinds.relabel import keep_labels
from backend.kinds.results import parse_strict
from quality import agreement
from quality.inference import MedianAggregator

LOWEST, HIGHEST = 1, 5


class RatingResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: int = Field(ge=LOWEST, le=HIGHEST)


def validate_rating(result: Any, *, labels: Iterable[str], item: ItemShape) -> dict[str, Any]:
    return parse_strict(RatingResult, result).model_dump()


def closeness(result: Mapping[str, Any], reference: Mapping[str, Any]) -> float:
    return 1.0 - abs(result["rating"] - reference["rating"]) / (HIGHEST - LOWEST)


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() else float(value)


class MedianRating:
    method = "median"
    needs_text = False
    label_field = None

    def infer(
        self,
        answers: AnswerTable,
        *,
        gold: Mapping[int, dict[str, Any]],
        labels: Sequence[str],
        weights: Mapping[int, float],
        texts: Mapping[int, str],
    ) -> Inferred:
        if not len(answers):
            return empty_inferred()
        assert answers.results is not None
        values = np.asarray([r["rating"] for r in answers.results], dtype=np.float64)
        fitted = MedianAggregator().fit(
            list(zip(answers.item.tolist(), answers.annotator.tolist(), values, strict=True))
        )
        items = np.asarray(fitted.items_, dtype=np.int64)
        medians = np.asarray(fitted.labels_)
        at = np.searchsorted(items, answers.item)
        close = 1.0 - np.abs(values - medians[at]) / (HIGHEST - LOWEST)
        n = np.bincount(at, minlength=len(items))
        return Inferred(
            item=items,
            results=[{"rating": _plain(m)} for m in medians.tolist()],
            confidence=np.bincount(at, weights=close, minlength=len(items)) / n,
            n=n.astype(np.int64),
        )

    def agreement(self, answers: AnswerTable, *, labels: Sequence[str]) -> dict[str, Any]:
        assert answers.results is not None
        items, item_at = np.unique(answers.item, return_inverse=True)
        users, user_at = np.unique(answers.annotator, return_inverse=True)
        ratings = np.full((len(users), len(items)), np.nan)
        ratings[user_at, item_at] = [r["rating"] for r in answers.results]
        multi = (~np.isnan(ratings)).sum(axis=0) >= 2
        if not multi.any():
            return {"items_with_2plus": 0}
        alpha = agreement.krippendorff_alpha(ratings[:, multi], level="interval")
        return {"items_with_2plus": int(multi.sum()), "krippendorff_alpha_interval": alpha}

    def match(self, result: dict[str, Any], reference: dict[str, Any]) -> float:
        return closeness(result, reference)

    def scores(
        self,
        answers: AnswerTable,
        rows: NDArray[np.intp],
        reference: Inferred,
        ref_rows: NDArray[np.intp],
    ) -> NDArray[np.float64]:
        assert answers.results is not None
        return np.asarray(
            [
                closeness(answers.results[r], reference.results[k])
                for r, k in zip(rows.tolist(), ref_rows.tolist(), strict=True)
            ],
            dtype=np.float64,
        )

    def confusions(
        self, answers: AnswerTable, consensus: Inferred, labels: Sequence[str]
    ) -> dict[int, dict[str, Any] | None]:
        return {}


def median_vote(results: Sequence[dict[str, Any]]) -> Vote:
    fitted = MedianAggregator().fit([(0, n, r["rating"]) for n, r in enumerate(results)])
    median = {"rating": _plain(fitted.labels_[0])}
    mean_closeness = float(np.mean([closeness(r, median) for r in results]))
    return Vote(median, mean_closeness, mean_closeness)


def rating_of(result: dict[str, Any] | None) -> list[str]:
    return [str(result["rating"])] if result else []


TEXT_RATING = Kind(
    name="text_rating",
    media="text",
    validate=validate_rating,
    gold_score=closeness,
    consensus=MedianRating(),
    fallback_vote=median_vote,
    labels_of=rating_of,
    formats=("raw_jsonl",),
    tool="rating",
    rename_label=keep_labels,  # a rating holds no project label
    result_model=RatingResult,
    example={"rating": 4},
)
