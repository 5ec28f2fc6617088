"""Whether a ledger job is due for a project: one broker message per job run, not per verdict.

PostgreSQL's one-call verdict (``jinbiao_review_submit``) writes pay's ``pay_work`` row inside
the verdict's transaction; sending the ledger job after every such verdict cost the API a
thread-pool hop and a broker message per review cycle (``tests/benchmarks/results/review.md``).
Now the verdict sets the project's ``pay_due`` row when there is none and only that verdict has
the job sent; the job clears the row here before it takes the work, so the next verdict that
writes work sends the next job. The recompute's flag is the same idea
(``consensus/scheduling.py``'s ``mark_requested``).

No work row is left without a job coming: the verdict reads the flag under a shared advisory
lock held to its commit, and ``clear`` deletes the row under the exclusive one, committed before
the job reads the work. A verdict that saw the flag set has so either committed before the clear
(the job that follows sees its row) or waits for the clear and then sets the flag again itself.
A message lost anyway (broker down after the flag was set) leaves the flag set: the sweep on
beat finds the waiting work (``build.pending_projects``) and its job clears the flag.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from backend.pay.models import PayDue

# pg_advisory_xact_lock's first key: "jinbiao pay" folded into an int4 (any constant would do;
# jinbiao_review_submit takes the same lock shared, with the project id as the second key).
LOCK_CLASS = 1785359213


def clear(*, session: Session, project_id: int) -> None:
    """Take the project's due flag away and commit, before the job reads the waiting work."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(LOCK_CLASS, project_id)))
    session.execute(delete(PayDue).where(col(PayDue.project_id) == project_id))
    session.commit()
