"""The stage of a lease: what the person holding it is asked to do with the item.

A lease is a row of ``assignments``: one item, one person, until ``expires_at``. The second
release hands out three kinds of work through the same machinery, told apart by ``stage``:

* ``annotate``: label the item (rules 1-5 of the spec). Built.
* ``review`` (质检): accept, fix or reject a finished item's annotations. Built: its pick is
  ``backend/review/picking.py`` (registered with ``leasing.register_chooser``), its submit
  ``backend/review/submitting.py``; on PostgreSQL the review domain's own one-call functions
  (``sql/jinbiao_review_next.sql``, ``jinbiao_review_submit.sql``, called by
  ``backend/review/pg_review.py``) run the same statements first, and hand back to these.
* ``acceptance`` (验收): check a sample of a lot before it is accepted. Issue 19.

Every stage shares what makes leasing safe: the person's state row as the lock that serialises
their requests (``annotator_states.lock_state``, ``FOR NO KEY UPDATE`` in ``jinbiao_next``),
``FOR NO KEY UPDATE SKIP LOCKED`` on the item picked, the free-slot recheck after that lock, the
unique (item, person) pair, expiry by time with no sweeper, an idempotent submit under the
assignment's row lock, and the three paths of ``dispatch`` (PostgreSQL function, fast, general).
What a stage adds is listed in ``StageRules``; only its pick and what its submit stores differ.

How review and acceptance plug in (issue 19), without a fourth or fifth copy of the paths:

1. ``StageRules`` for the stage below (``REVIEW = StageRules(Stage.review, roles=STAFF)``) and
   one line in ``_BUILT``; routes call ``dispatch.next_lease`` / ``dispatch.submit`` with it.
2. The pick: a chooser beside ``leasing.choose_item`` registered in ``leasing._CHOOSERS``, and the
   same pick as a branch of ``sql/jinbiao_next.sql`` (``IF p_stage = 'review' THEN …``), which
   today raises for any stage but ``annotate``. Items to review no longer want annotations, so
   they never meet the open-item walk; a stage that reopens items (rework) must teach the
   live-lease probes the stage (and add ``stage`` to ``ix_assignment_item_status``).
3. The submit: what the stage stores (a review verdict, an acceptance check) as a branch of
   ``sql/jinbiao_submit.sql`` and of ``submitting.submit_annotation``'s store step; the lock
   order, the idempotent repeat and the late-submit rule stay as they are.
4. A new revision that installs the changed ``.sql`` files (``tests/api/test_pg_function_source``
   fails until it exists).

The unique key is (item, person, rework round) since revision 0014: a rejected item's next
round can go back to the same annotators, and be reviewed again, while within a round one person
still holds an item once. The review pick keeps a reviewer away from any item they annotated in
any round. If acceptance must let a reviewer of an item also accept it, its pick says so the
same way (a lease of another round, or a key widened by stage).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from backend.orgs.models import MANAGERS, Role


class Stage(StrEnum):
    annotate = "annotate"
    review = "review"
    acceptance = "acceptance"


class StageNotBuilt(LookupError):
    """A stage that has no rules yet (review and acceptance: issue 19)."""


@dataclass(frozen=True, eq=False)  # one object per stage: compared and hashed by identity
class StageRules:
    """What differs between stages on the shared paths.

    ``roles``: who may take a lease of this stage and submit it (checked by the first statement
    of every path, and passed to the PostgreSQL functions as ``p_roles``). ``unlisted``: those of
    them whom a project's access lists do not restrict (``projects.access.work_condition_sql``).
    """

    stage: Stage
    roles: frozenset[Role]
    unlisted: frozenset[Role] = frozenset(MANAGERS)
    role_names: tuple[str, ...] = field(init=False)
    unlisted_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "role_names", tuple(sorted(role.value for role in self.roles)))
        object.__setattr__(
            self, "unlisted_names", tuple(sorted(role.value for role in self.unlisted))
        )


ANNOTATE = StageRules(Stage.annotate, roles=frozenset({Role.annotator, *MANAGERS}))
# The access lists name who annotates: a reviewer reviews any project of the organization.
REVIEW = StageRules(
    Stage.review,
    roles=frozenset({Role.reviewer, *MANAGERS}),
    unlisted=frozenset({Role.reviewer, *MANAGERS}),
)
# 验收: the client inspects a lot's sample; staff may inspect too. Its pick is per lot
# (``backend/lots/inspection.py``: ``POST /lots/{id}/next``, the sample's rows as the lock) rather
# than a chooser of ``dispatch``'s project-wide ``next``; its verdicts go through the review
# submit (``backend/review/submitting.py``) like review's. The rows, the unique key, expiry and
# ``access.own_assignment`` are the same.
ACCEPTANCE = StageRules(Stage.acceptance, roles=frozenset({Role.client, Role.reviewer, *MANAGERS}))

_BUILT = {Stage.annotate: ANNOTATE, Stage.review: REVIEW, Stage.acceptance: ACCEPTANCE}


def rules_for(stage: Stage) -> StageRules:
    """The rules of a built stage; ``StageNotBuilt`` for the others."""
    try:
        return _BUILT[stage]
    except KeyError:
        raise StageNotBuilt(f"the {stage} stage is not built yet") from None
