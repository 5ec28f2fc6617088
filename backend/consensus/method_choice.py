"""Which inference method a project's recompute uses, and why (shown on the quality page).

* a project whose ``inference_method`` names a method uses it;
* ``auto`` with at least ``method_choice_min_gold`` counted answers on gold items: every
  candidate, fitted without the gold, is scored on it (``quality.confidence.choose_by_gold``),
  and the default is kept unless another beats it by more than one standard error;
* otherwise the kind's default (Dawid-Skene).

Scoring fits every candidate, so a choice is kept until it may have changed: until the counted
gold answers *or* all counted answers have grown by a quarter (or the candidates changed); the
figures of the previous recompute carry it. Both, because the gold scores the candidates' fits
of every answer, not of the gold's alone: a choice made early in a job (two answers per item)
judged fits that adaptive overlap then grows several times over, while the gold answers may not
grow at all (``gold_rate`` 0, or every annotator has seen every gold item). With growth by a
quarter the candidates are fitted O(log n) times over a job of n answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from backend.kinds.answers import AnswerTable
from backend.projects.models import Project

REUSE_GROWTH = 1.25
"""A gold choice is made again once the counted gold answers, or all counted answers, reach
this multiple of those it was made with."""


def pick_method(
    *,
    project: Project,
    kind: Any,
    answers: AnswerTable,
    gold: Mapping[int, dict[str, Any]],
    labels: Sequence[str],
    previous: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """``{"method", "chosen_by", "reason", "gold_answers", "answers"?, "method_scores"?}`` for
    the report (``answers``: the counted answers a gold choice was made on)."""
    candidates: Sequence[str] = getattr(kind, "methods", ())
    if not candidates:
        return {"method": kind.method, "chosen_by": "kind", "reason": "the kind's only method"}
    gold_items = np.fromiter(gold, dtype=np.int64, count=len(gold))
    n_gold = int(np.isin(answers.item, gold_items).sum()) if len(gold_items) else 0
    setting = project.inference_method
    if setting != "auto" and setting in candidates:
        return {
            "method": setting,
            "chosen_by": "setting",
            "reason": f"the project's inference_method is {setting}",
            "gold_answers": n_gold,
        }
    if n_gold < project.method_choice_min_gold:
        return {
            "method": kind.method,
            "chosen_by": "default",
            "reason": f"{n_gold} gold answers, fewer than the {project.method_choice_min_gold} "
            "needed to choose by gold",
            "gold_answers": n_gold,
        }
    if (
        previous
        and previous.get("chosen_by") == "gold"
        and previous.get("method") in candidates
        and set(previous.get("method_scores", {})) == set(candidates)
        and n_gold < REUSE_GROWTH * int(previous.get("gold_answers", 0))
        and len(answers) < REUSE_GROWTH * int(previous.get("answers", 0))
    ):
        return dict(previous)
    choice = kind.choose_method(answers, gold=gold, labels=labels, candidates=candidates)
    return {
        "method": choice.method,
        "chosen_by": "gold",
        "reason": choice.reason,
        "gold_answers": n_gold,
        "answers": len(answers),
        "gold_items": choice.n_gold,
        "folds": choice.folds,
        "method_scores": {name: round(score, 6) for name, score in choice.scores.items()},
    }
