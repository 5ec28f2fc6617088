"""The calls of ``jinbiao_next`` and ``jinbiao_submit``: arguments from Python, outcomes as values.

The functions' source is ``sql/jinbiao_next.sql``, ``sql/jinbiao_submit.sql`` and
``sql/jinbiao_mark_requested.sql`` beside this module (installed by a frozen copy in revision
0009; ``tests/api/test_pg_function_source.py`` checks the database runs exactly these files). They
run the statements of the Python path (``leasing``, ``picking``, ``submitting``) with the same
locks inside PostgreSQL, so each is one round trip. What Python owns is passed in, never copied
into the SQL: the stage and its roles (``stages``), ``RECHECKS`` (``picking``); rule 5 is applied
by the caller to the counts ``jinbiao_submit`` returns. ``GOLD_WINDOW`` is the one literal, for
the planner's sake (see ``sql/jinbiao_next.sql``), checked equal by a test.

* ``next``: ``lease``, ``held`` and ``none`` are answered here; ``paused`` and ``refused`` (a
  caller who may not work here) are handed back. A caller's first ``next`` in a project finds no
  state row (``refused``): the row is created here (``_CREATE_STATE``, guarded by the same rule
  of who may work as the function's lock) and the function called again, so the first ``next`` of
  every annotator does not take the thread-pool path (at 500 annotators starting together those
  first calls were the ``next`` p99: ``tests/benchmarks/results/load.md``).
* ``submit``: a live lease whose result is valid is stored here, gold items included (scored
  here against the known answer, counted on the annotator's state row by the function); a
  repeat, a skipped, foreign or late assignment is handed back. The result is validated in
  Python first (``submitting.validate_result``) against the lease's context: kept from its
  ``next`` in this process (``lease_memo``), or else read without locks. The function then locks
  the assignment and the item and rechecks what Python relied on (whether the item is gold, the
  project's labels, the gold answer); the kind and the item's size and text never change.

Why: on 2 CPUs a cycle (``next`` + ``submit``) cost the API about 8 ms of CPU through a thread
hop, a SQLAlchemy session and eleven round trips, against about 3 ms in PostgreSQL
(``tests/benchmarks/results/distribution.md``). A gold submit on the thread-pool path cost about
ten times a normal one, so at a gold rate of 0.1 it alone added 40% to the API's CPU per cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from types import SimpleNamespace

from psycopg import AsyncConnection, sql
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from backend.assignments import lease_memo
from backend.assignments.lease_memo import SubmitContext
from backend.assignments.outcomes import (
    GoldFeedback,
    HandBack,
    HandBackReason,
    Leased,
    NothingLeft,
    Stored,
)
from backend.assignments.picking import RECHECKS
from backend.assignments.stages import StageRules
from backend.assignments.submitting import Answer, validate_result
from backend.kinds import ItemShape, ResultInvalid
from backend.kinds.gold import gold_score, is_correct
from backend.projects.access import work_condition_sql

SOURCES = Path(__file__).with_name("sql")  # one <function name>.sql per function

# What is constant for a stage (its name, its roles, RECHECKS) is written into the statements
# once (``_statements``): a list argument alone cost psycopg about 13 µs to adapt on every call.
_NEXT = "SELECT * FROM jinbiao_next({stage}, %s, %s, %s, {roles}, {rechecks}, %s)"
_SUBMIT = "SELECT * FROM jinbiao_submit({stage}, %s, %s, %s, %s, %s, {roles}, %s, %s, %s, %s, %s)"
_SUBMIT_CONTEXT = """
SELECT a.status, m.role, i.is_gold, p.kind, p.labels, i.width, i.height, char_length(i.text),
       g.answer
FROM assignments a
JOIN items i ON i.id = a.item_id
JOIN projects p ON p.id = a.project_id
JOIN memberships m ON m.org_id = p.org_id AND m.user_id = a.annotator_id
JOIN users u ON u.id = a.annotator_id AND u.is_active AND u.token_generation = %s
LEFT JOIN gold_answers g ON g.item_id = i.id
WHERE a.id = %s AND a.annotator_id = %s AND a.stage = {stage}
"""

# The caller's state row, created only for a caller the function's lock would accept: an active
# user whose sign-in is current, a member in one of the stage's roles, allowed by the project's
# access lists (``work_condition_sql``, the rule the function writes out). The same values as
# ``annotator_states.lock_state`` inserts; a row another request created first is left alone.
_CREATE_STATE = """
INSERT INTO annotator_states (project_id, user_id, status, gold_answered, gold_correct,
                              review_answered, review_correct, updated_at)
SELECT p.id, m.user_id, 'active', 0, 0, 0, 0, %s
FROM projects p
JOIN memberships m ON m.org_id = p.org_id AND m.user_id = %s
JOIN users u ON u.id = m.user_id AND u.is_active AND u.token_generation = %s
WHERE p.id = %s AND m.role = ANY ({roles})
  AND {access}
ON CONFLICT DO NOTHING
"""


@dataclass(frozen=True)
class _Statements:
    next: str
    submit: str
    context: str
    create_state: str


@cache
def _statements(rules: StageRules) -> _Statements:
    """The three statements of a stage, with its constants as literals."""
    constants = {
        "stage": sql.Literal(rules.stage.value),
        "roles": sql.Literal(list(rules.role_names)),
        "rechecks": sql.Literal(RECHECKS),
        # our own SQL names only: work_condition_sql refuses anything else
        "access": sql.SQL(work_condition_sql(user_id="m.user_id", unlisted=rules.unlisted_names)),
    }

    def render(template: str) -> str:
        return sql.SQL(template).format(**constants).as_string(None)

    return _Statements(
        render(_NEXT), render(_SUBMIT), render(_SUBMIT_CONTEXT), render(_CREATE_STATE)
    )


@dataclass(frozen=True)
class GoldRecord:
    """The annotator's gold counts right after this gold answer, and what rule 5 reads."""

    answered: int
    correct: float
    status: str
    gold_min_count: int
    min_gold_accuracy: float


@dataclass(frozen=True)
class FunctionStored:
    """``jinbiao_submit`` stored the annotation; what follows from it is the caller's."""

    stored: Stored
    flagged: bool  # this submit set the project's recompute flag
    started_at: datetime | None  # when the project's last recompute started
    gold_record: GoldRecord | None


async def next_lease(
    pool: AsyncConnectionPool,
    *,
    rules: StageRules,
    project_id: int,
    user_id: int,
    generation: int,
    now: datetime,
) -> Leased | NothingLeft | HandBack:
    """The caller's lease, ``NothingLeft``, or what the Python path must answer.

    ``generation``: the sign-in's token generation (``Bearer.generation``); the function
    refuses a sign-in older than the user's last password change."""
    statements = _statements(rules)
    arguments = (project_id, user_id, now, generation)
    async with pool.connection() as connection:
        cursor = await connection.execute(statements.next, arguments)
        row = await cursor.fetchone()
        if row is None or row[0] == HandBackReason.refused:
            created = await connection.execute(
                statements.create_state, (now, user_id, generation, project_id)
            )
            if created.rowcount == 1:  # a first next: the function now finds the row
                cursor = await connection.execute(statements.next, arguments)
                row = await cursor.fetchone()
    outcome = row[0] if row else HandBackReason.refused
    if outcome == "none":
        return NothingLeft()
    if outcome not in ("lease", "held"):
        return HandBack(HandBackReason(outcome))
    _, assignment_id, expires_at, kind, item_id, text, media_key, width, height, *rest = row
    prelabel, is_gold, labels, gold_answer = rest
    length = len(text) if text is not None else None
    context = SubmitContext(is_gold, kind, labels, width, height, length, gold_answer)
    lease_memo.remember(assignment_id=assignment_id, user_id=user_id, context=context)
    item = SimpleNamespace(
        id=item_id, text=text, media_key=media_key, width=width, height=height, prelabel=prelabel
    )
    return Leased(assignment_id, expires_at, kind, item)


async def submit(
    pool: AsyncConnectionPool,
    *,
    rules: StageRules,
    assignment_id: int,
    user_id: int,
    generation: int,
    answer: Answer,
    now: datetime,
) -> FunctionStored | HandBack:
    """Store a valid result of a live lease, or say what the Python path must answer.

    Raises ``ResultInvalid`` (the caller answers 422) for a result the kind refuses.
    """
    remembered = lease_memo.take(assignment_id=assignment_id, user_id=user_id)
    async with pool.connection() as connection:
        context = remembered or await _read_context(
            connection, assignment_id, user_id, generation, rules
        )
        if isinstance(context, HandBack):
            return context
        try:
            normalised = validate_result(
                project=context,
                item=ItemShape(context.width, context.height, text_length=context.text_length),
                result=answer.result,
            )
        except ResultInvalid:
            if remembered is None:  # read just now: a live lease of an active member
                raise
            return HandBack(HandBackReason.stale_memo)  # the Python path's order of answers
        feedback = None
        expected = context.gold_answer
        if context.is_gold and expected is not None:
            score = gold_score(context.kind, normalised, expected)
            feedback = GoldFeedback(correct=is_correct(score), score=score, expected=expected)
        cursor = await connection.execute(
            _statements(rules).submit,
            (
                assignment_id,
                user_id,
                Jsonb(normalised),
                answer.duration_ms,
                now,
                context.is_gold,
                Jsonb(context.labels),
                Jsonb(expected) if expected is not None else None,
                feedback.score if feedback else None,
                generation,
            ),
        )
        row = await cursor.fetchone()
    if row is None or row[0] != "created":
        return HandBack(HandBackReason(row[0] if row else HandBackReason.refused))
    _, annotation_id, project_id, item_id, flagged, started_at, *gold = row
    answered, correct, state, gold_min_count, min_gold_accuracy = gold
    record = None
    if feedback is not None:
        record = GoldRecord(answered, correct, state, gold_min_count, min_gold_accuracy)
    stored = Stored(
        annotation_id,
        assignment_id,
        project_id,
        item_id,
        normalised,
        answer.duration_ms,
        now,
        feedback,
    )
    return FunctionStored(stored, flagged, started_at, record)


async def _read_context(
    connection: AsyncConnection,
    assignment_id: int,
    user_id: int,
    generation: int,
    rules: StageRules,
) -> SubmitContext | HandBack:
    """The lease's context read without locks, for a live lease of a member who may work here."""
    cursor = await connection.execute(
        _statements(rules).context, (generation, assignment_id, user_id)
    )
    row = await cursor.fetchone()
    if row is None or row[1] not in rules.roles:
        return HandBack(HandBackReason.refused)
    if row[0] != "leased":
        return HandBack(HandBackReason.not_leased)
    return SubmitContext(*row[2:])
