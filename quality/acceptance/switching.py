"""Switching between normal, tightened and reduced inspection: ISO 2859-1:1999, clause 9.

Why switching: a single plan protects the client badly against a supplier whose quality drifts;
the scheme tightens after evidence of bad lots and relaxes (optionally) after a run of good ones,
which is what gives the AQL plans their protection over a stream of lots.

Implemented as the clauses say (ISO 2859-1:1999 = GB/T 2828.1-2012):

* 9.2: inspection starts on normal (``SwitchingState()``).
* 9.3.1 normal -> tightened "when 2 out of 5 or fewer consecutive lots are not accepted on
  original inspection": two non-accepted lots among the last five (or fewer) since the last
  switch.
* 9.3.2 tightened -> normal "when 5 consecutive lots have been accepted on original inspection".
* 9.3.3 normal -> reduced when all hold: (a) the switching score is at least 30, (b) production
  is at a steady rate (``production_steady``), (c) the responsible authority considers reduced
  inspection desirable (``reduced_allowed``; reduced inspection is optional).
* 9.3.3.2 switching score, single sampling rules: set to 0 at the start of normal inspection;
  after each lot on original normal inspection, when Ac >= 2 add 3 if the lot would have been
  accepted had the AQL been one step tighter, else reset to 0; when Ac is 0 or 1 add 2 if the lot
  is accepted, else reset to 0.
* 9.3.4 reduced -> normal when (a) a lot is not accepted, (b) production becomes irregular or
  delayed (``production_steady=False``), or (c) other conditions warrant it (we read
  ``reduced_allowed=False`` as the authority withdrawing reduced inspection).
* 9.4 discontinuation: "if the cumulative number of lots not accepted in a sequence of
  consecutive lots on original tightened inspection reaches 5", sampling inspection stops
  (state ``"discontinued"``) until the supplier has acted and the authority agrees; inspection
  then resumes on tightened inspection as if 9.3.1 had been invoked (``resume``).

Simplified or interpreted:

* Single sampling only; the double and multiple sampling score rules of 9.3.3.2 are not built.
* "One step tighter" is read on the sample actually inspected: the same row of Table 2-A (the
  plan's code letter after arrows, hence the same n) under the next smaller AQL column. For a
  plan with Ac >= 2 that cell is always a plan with the same n (checked over the whole table in
  the tests), so the comparison is always defined. AQL 0.010 has no tighter column but has no
  plan with Ac >= 2 either.
* Only lots on *original* inspection may be recorded: a lot inspected again after rework must not
  be passed to ``record_lot`` (the standard ignores resubmitted lots for switching).
* The brief that asked for this module phrased discontinuation as "5 consecutive lots not
  accepted"; the standard counts non-accepted lots cumulatively while on tightened inspection,
  consecutive or not, and that is what is implemented.
* The authority's decisions (reduced desirable, "other conditions", resuming after
  discontinuation) are inputs; nothing here infers them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .plans import PlanOutOfTables, SamplingPlan, resolve_cell
from .tables import AQLS, SEVERITIES

DISCONTINUED = "discontinued"
STATES = (*SEVERITIES, DISCONTINUED)
SWITCHING_SCORE_LIMIT = 30
"""Clause 9.3.3 a): reduced inspection needs a switching score of at least 30."""


def next_severity(
    current: str,
    history: Sequence[bool],
    *,
    reduced_allowed: bool = False,
    switching_score: int | None = None,
    production_steady: bool = True,
) -> str:
    """The severity after the last lot of ``history`` (clauses 9.3-9.4).

    ``history`` holds the verdicts (True = accepted) of the lots on original inspection since the
    last switch, oldest first, including the lot just judged. ``switching_score`` is the score
    after that lot (needed only to leave normal for reduced).

    Example:
        >>> next_severity("normal", [True, False, True, True, False])
        'tightened'
        >>> next_severity("tightened", [True] * 5)
        'normal'
    """
    if current not in STATES:
        raise PlanOutOfTables("severity", current, STATES)
    verdicts = [bool(v) for v in history]
    if current == "normal":
        if verdicts[-5:].count(False) >= 2:
            return "tightened"
        score_ok = switching_score is not None and switching_score >= SWITCHING_SCORE_LIMIT
        if reduced_allowed and production_steady and score_ok:
            return "reduced"
        return "normal"
    if current == "tightened":
        if verdicts.count(False) >= 5:
            return DISCONTINUED
        if len(verdicts) >= 5 and all(verdicts[-5:]):
            return "normal"
        return "tightened"
    if current == "reduced":
        if not all(verdicts) or not production_steady or not reduced_allowed:
            return "normal"
        return "reduced"
    return DISCONTINUED


def switching_score_after(score: int, *, plan: SamplingPlan, nonconforming: int) -> int:
    """Clause 9.3.3.2 (single sampling): the switching score after one lot on normal inspection.

    Example (lot of 1 000 at level II, AQL 1.0: n = 80, Ac = 2; at AQL 0.65 the same 80 items
    would have Ac = 1):
        >>> from quality.acceptance import single_sampling_plan
        >>> plan = single_sampling_plan(1000, aql="1.0")
        >>> switching_score_after(6, plan=plan, nonconforming=1)
        9
        >>> switching_score_after(6, plan=plan, nonconforming=2)
        0
    """
    if plan.severity != "normal":
        raise ValueError("the switching score is kept on normal inspection only (9.3.3.2)")
    accepted = plan.accepts(nonconforming)  # also refuses a negative count
    if plan.accept >= 2:
        tighter_aql = AQLS[AQLS.index(plan.aql) - 1]
        letter, _n, tighter_accept = resolve_cell("normal", plan.code_letter, tighter_aql)
        if letter != plan.code_letter:  # pragma: no cover - excluded by the table, see tests
            raise AssertionError("the tighter AQL has no plan with the same sample size")
        return score + 3 if nonconforming <= tighter_accept else 0
    return score + 2 if accepted else 0


@dataclass(frozen=True)
class SwitchingState:
    """Where a stream of lots stands: severity, verdicts since the last switch, switching score."""

    severity: str = "normal"
    history: tuple[bool, ...] = ()
    switching_score: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "history": list(self.history)}


def record_lot(
    state: SwitchingState,
    *,
    plan: SamplingPlan,
    nonconforming: int,
    reduced_allowed: bool = False,
    production_steady: bool = True,
) -> SwitchingState:
    """Apply one lot judged on original inspection with ``plan`` and return the new state.

    The plan must be the one of the current severity. On a switch the history restarts and the
    switching score is set to 0 (it restarts at the start of normal inspection, 9.3.3.2).

    Example (two rejected lots out of three on normal inspection):
        >>> from quality.acceptance import single_sampling_plan
        >>> plan = single_sampling_plan(1000, aql="1.0")
        >>> state = SwitchingState()
        >>> for found in (3, 0, 5):
        ...     state = record_lot(state, plan=plan, nonconforming=found)
        >>> state.severity, state.history, state.switching_score
        ('tightened', (), 0)
    """
    if state.severity == DISCONTINUED:
        raise ValueError("inspection is discontinued (9.4); resume() after corrective action")
    if plan.severity != state.severity:
        raise ValueError(f"plan is for {plan.severity} inspection, stream is on {state.severity}")
    history = (*state.history, plan.accepts(nonconforming))
    score = state.switching_score
    if state.severity == "normal":
        score = switching_score_after(score, plan=plan, nonconforming=nonconforming)
    severity = next_severity(
        state.severity,
        history,
        reduced_allowed=reduced_allowed,
        switching_score=score,
        production_steady=production_steady,
    )
    if severity != state.severity:
        return SwitchingState(severity=severity)
    return SwitchingState(severity=severity, history=history, switching_score=score)


def between_lots(
    state: SwitchingState, *, reduced_allowed: bool, production_steady: bool
) -> SwitchingState:
    """Clause 9.3.4 b) and c) between lots: on reduced inspection, normal inspection is
    instituted as soon as production becomes irregular or the authority withdraws reduced
    inspection, not only when the next lot is judged. Any other state is returned unchanged.

    Example:
        >>> between_lots(SwitchingState("reduced"), reduced_allowed=True, production_steady=False)
        SwitchingState(severity='normal', history=(), switching_score=0)
    """
    if state.severity == "reduced" and not (reduced_allowed and production_steady):
        return SwitchingState(severity="normal")
    return state


def resume(state: SwitchingState) -> SwitchingState:
    """Clause 9.4: after discontinuation, inspection resumes on tightened inspection."""
    if state.severity != DISCONTINUED:
        raise ValueError("only a discontinued stream is resumed")
    return SwitchingState(severity="tightened")
