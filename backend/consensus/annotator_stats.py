"""Each annotator's figures in a project, stored by every recompute for the quality report.

Per annotator: answers, gold answered and correct (with the Beta-smoothed gold accuracy of rule
5), agreement with the consensus on items with two or more answers, and a confusion table for
the kinds that have one. Paused annotators get their figures too, so a manager can see why they
were paused.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy import delete, insert
from sqlmodel import Session

from backend import clock
from backend.consensus.answers import AnswerTable
from backend.consensus.models import AnnotatorStat
from backend.kinds.consensus import ConsensusStrategy, Inferred
from backend.projects.models import Project
from quality import gold as gold_rules


def store_annotator_stats(
    *,
    session: Session,
    project: Project,
    answers: AnswerTable,
    consensus: Inferred,
    gold: Inferred,
    kind: ConsensusStrategy,
    labels: Sequence[str],
) -> None:
    """Per annotator: answers, gold answered and correct, agreement with the consensus.

    Sums run per annotator in answer order (``np.bincount`` adds its weights in input order), so
    the figures are the ones a loop over each annotator's answers gives.
    """
    users, user_index = np.unique(answers.annotator, return_inverse=True)
    n_users = len(users)
    count = np.bincount(user_index, minlength=n_users)

    gold_at = gold.positions(answers.item)
    on_gold = np.flatnonzero(gold_at >= 0)
    gold_scores = answers.gold_score[on_gold].copy()
    unscored = np.isnan(gold_scores)
    if unscored.any():
        rows = on_gold[unscored]
        gold_scores[unscored] = kind.scores(answers, rows, gold, gold_at[rows])
    gold_answered = np.bincount(user_index[on_gold], minlength=n_users)
    gold_correct = np.bincount(user_index[on_gold], weights=gold_scores, minlength=n_users)

    at = consensus.positions(answers.item)
    found = at >= 0  # indexing only found rows: a consensus may be empty (every one paused)
    enough = np.zeros(len(at), dtype=bool)
    enough[found] = consensus.n[at[found]] >= 2
    compared = np.flatnonzero((gold_at < 0) & enough)
    matched = kind.scores(answers, compared, consensus, at[compared])
    n_compared = np.bincount(user_index[compared], minlength=n_users)
    agreed = np.bincount(user_index[compared], weights=matched, minlength=n_users)
    confusions = kind.confusions(answers, consensus, labels)

    now = clock.now()
    rows_out = []
    for j, user_id in enumerate(users.tolist()):
        answered, correct = int(gold_answered[j]), float(gold_correct[j])
        rows_out.append(
            {
                "project_id": project.id,
                "user_id": user_id,
                "answers": int(count[j]),
                "gold_answered": answered,
                "gold_correct": correct,
                "gold_accuracy": (
                    gold_rules.smoothed_accuracy(correct, answered) if answered else None
                ),
                "agreement": float(agreed[j] / n_compared[j]) if n_compared[j] else None,
                "confusion": confusions.get(user_id),
                "updated_at": now,
            }
        )
    session.execute(delete(AnnotatorStat).where(AnnotatorStat.project_id == project.id))
    if rows_out:
        session.execute(insert(AnnotatorStat), rows_out)
