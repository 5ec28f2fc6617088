"""A submit on PostgreSQL holds its project row FOR KEY SHARE, closing the label-rename window.

A label rename (``backend/labels/service.py``) locks the project row ``FOR UPDATE`` and rewrites
every stored answer. ``jinbiao_submit`` read the project's labels without a lock, so a submit that
read the old names just before a rename and inserted just after its commit stored an answer under
a name the project no longer has. Holding the project ``FOR KEY SHARE`` (which does not conflict
with the ``FOR NO KEY UPDATE`` of ordinary project edits or with other submits) makes the rename
wait for submits in flight, whose answers it then rewrites, and makes a submit arriving during a
rename wait for it and see the new names (``changed``: handed to the Python path, which answers
from the current labels). The project is locked first, in a statement of its own, because a
rename locks the project before the items whose pre-labels it rewrites: the same order on both
sides, so the two never deadlock.

Frozen copy of ``backend/assignments/sql/jinbiao_submit.sql`` as of this revision (without its
header comments); the downgrade restores revision 0011's.

Revision ID: 0021_label_lock
Revises: 0020_confidence
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021_label_lock"
down_revision: str | None = "0020_confidence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUBMIT = r"""
CREATE OR REPLACE FUNCTION jinbiao_submit(p_stage text, p_assignment_id integer,
                                          p_user_id integer, p_result jsonb,
                                          p_duration_ms integer, p_now timestamptz,
                                          p_roles text[], p_is_gold boolean, p_labels jsonb,
                                          p_gold_answer jsonb, p_gold_score double precision,
                                          p_generation integer)
RETURNS TABLE (outcome text, annotation_id integer, project_id integer, item_id integer,
               flagged boolean, started_at timestamptz, gold_answered integer,
               gold_correct double precision, state_status text, gold_min_count integer,
               min_gold_accuracy double precision)
LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
DECLARE
  v record;
  v_answered integer;
  v_correct double precision;
  v_status text;
  v_annotation_id integer;
  v_flag record;
BEGIN
  IF p_stage <> 'annotate' THEN
    RAISE EXCEPTION USING ERRCODE = 'feature_not_supported',
      MESSAGE = 'jinbiao_submit: the ' || p_stage || ' stage is not built yet';
  END IF;
  -- The project first (the order a rename takes: project, then items and answers), FOR KEY SHARE.
  PERFORM 1 FROM projects p JOIN assignments a ON a.project_id = p.id
   WHERE a.id = p_assignment_id FOR KEY SHARE OF p;
  SELECT a.project_id, a.item_id, a.status, a.expires_at, i.is_gold, m.role, p.labels,
         g.answer AS gold_answer, p.gold_min_count, p.min_gold_accuracy
    INTO v
    FROM assignments a
    JOIN items i ON i.id = a.item_id
    JOIN projects p ON p.id = a.project_id
    JOIN memberships m ON m.org_id = p.org_id AND m.user_id = a.annotator_id
    JOIN users u ON u.id = a.annotator_id AND u.is_active AND u.token_generation = p_generation
    LEFT JOIN gold_answers g ON g.item_id = a.item_id
   WHERE a.id = p_assignment_id AND a.annotator_id = p_user_id AND a.stage = p_stage
     FOR NO KEY UPDATE OF a, i;
  IF NOT FOUND OR NOT (v.role = ANY (p_roles)) THEN
    RETURN QUERY SELECT 'refused'::text, NULL::integer, NULL::integer, NULL::integer,
      false, NULL::timestamptz, NULL::integer, NULL::double precision, NULL::text,
      NULL::integer, NULL::double precision;
    RETURN;
  END IF;
  -- What Python validated and scored the result against must still hold.
  IF v.status <> 'leased' OR v.is_gold <> p_is_gold OR v.labels <> p_labels
     OR (v.is_gold AND v.gold_answer IS DISTINCT FROM p_gold_answer) THEN
    RETURN QUERY SELECT 'changed'::text, NULL::integer, v.project_id, v.item_id,
      false, NULL::timestamptz, NULL::integer, NULL::double precision, NULL::text,
      NULL::integer, NULL::double precision;
    RETURN;
  END IF;
  IF v.expires_at <= p_now AND NOT v.is_gold THEN  -- gold is not limited by overlap
    RETURN QUERY SELECT 'late'::text, NULL::integer, v.project_id, v.item_id,
      false, NULL::timestamptz, NULL::integer, NULL::double precision, NULL::text,
      NULL::integer, NULL::double precision;
    RETURN;
  END IF;
  IF p_gold_score IS NOT NULL THEN  -- the state row is locked last, as on the Python path
    UPDATE annotator_states s
       SET gold_answered = s.gold_answered + 1, gold_correct = s.gold_correct + p_gold_score,
           updated_at = p_now
     WHERE s.project_id = v.project_id AND s.user_id = p_user_id
    RETURNING s.gold_answered, s.gold_correct, s.status INTO v_answered, v_correct, v_status;
    IF NOT FOUND THEN  -- no state row (never true after a lease): the Python path creates it
      RETURN QUERY SELECT 'changed'::text, NULL::integer, v.project_id, v.item_id,
        false, NULL::timestamptz, NULL::integer, NULL::double precision, NULL::text,
        NULL::integer, NULL::double precision;
      RETURN;
    END IF;
  END IF;

  INSERT INTO annotations (assignment_id, project_id, item_id, annotator_id, result,
                           duration_ms, is_gold, gold_score, review_status, created_at)
  VALUES (p_assignment_id, v.project_id, v.item_id, p_user_id, p_result, p_duration_ms,
          v.is_gold, p_gold_score, 'submitted', p_now)
  RETURNING id INTO v_annotation_id;
  UPDATE assignments SET status = 'submitted', finished_at = p_now WHERE id = p_assignment_id;
  UPDATE items SET annotation_count = annotation_count + 1 WHERE id = v.item_id;
  v_flag := jinbiao_mark_requested(v.project_id, p_now);  -- an expression: no executor start

  RETURN QUERY SELECT 'created'::text, v_annotation_id, v.project_id, v.item_id,
    v_flag.flagged, v_flag.started_at, v_answered, v_correct, v_status, v.gold_min_count,
    v.min_gold_accuracy;
END
$fn$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite runs the Python path
    op.execute(SUBMIT)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    script = op.get_context().script
    assert script is not None
    previous = script.get_revision("0011").module  # loaded by Alembic, never edited
    op.execute(previous.SUBMIT)
