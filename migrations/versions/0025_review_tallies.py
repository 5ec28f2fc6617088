"""Review records appended, not updated: a verdict no longer waits on the annotators' state rows.

Every accept or fix added to the review record of the item's annotators (``annotator_states``'
``review_answered`` / ``review_correct``) in its own transaction and so held their rows' locks
until its commit: in the review benchmark the verdicts of 32 reviewers queued on the four
annotators' rows (``Lock:tuple`` waits on ``annotator_states``, about 12 of 32 backends waiting
on average; submit p99 1.2–1.5 s: ``tests/benchmarks/results/review.md``). A verdict now appends
a row per judged annotator to ``review_tallies`` and takes no lock on their state rows; right
after its commit a short transaction folds the pending rows into the state rows and applies
rule 5 (``backend/assignments/review_record.py``), so the counts, the pause rule and the
figures give the same numbers as before.

Frozen copy of ``backend/assignments/sql/jinbiao_review_submit.sql`` as of this revision
(without its header comments); the downgrade restores revision 0024's, after folding what is
pending.

Revision ID: 0025_review_tallies
Revises: 0024_review_path
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025_review_tallies"
down_revision: str | None = "0024_review_path"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUBMIT = r"""
CREATE OR REPLACE FUNCTION jinbiao_review_submit(p_assignment_id integer, p_user_id integer,
                                                 p_generation integer, p_roles text[],
                                                 p_now timestamptz, p_decision text,
                                                 p_result jsonb, p_reasons jsonb,
                                                 p_comment text, p_answers jsonb,
                                                 p_consensus jsonb, p_final jsonb,
                                                 p_scores double precision[], p_labels jsonb,
                                                 p_allowed_reasons jsonb, p_unbiased text[])
RETURNS TABLE (outcome text, project_id integer, item_id integer, rework_round integer,
               duration_ms integer, flagged boolean, started_at timestamptz, records jsonb)
LANGUAGE plpgsql VOLATILE
SET jit = off  -- as jinbiao_review_next: no statement here gains from compiling
AS $fn$
#variable_conflict use_column
DECLARE
  v record;
  v_review record;
  v_answers jsonb;
  v_consensus jsonb;
  v_annotators integer[];
  v_duration integer;
  v_records jsonb := '[]'::jsonb;
  v_flag record;
BEGIN
  SELECT a.project_id, a.item_id, a.status, a.expires_at, a.created_at, a.rework_round, m.role,
         p.labels, p.review_reasons, p.gold_min_count, p.min_gold_accuracy
    INTO v
    FROM assignments a
    JOIN projects p ON p.id = a.project_id
    JOIN memberships m ON m.org_id = p.org_id AND m.user_id = a.annotator_id
    JOIN users u ON u.id = a.annotator_id AND u.is_active AND u.token_generation = p_generation
   WHERE a.id = p_assignment_id AND a.annotator_id = p_user_id AND a.stage = 'review'
     FOR NO KEY UPDATE OF a;
  IF NOT FOUND OR NOT (v.role = ANY (p_roles)) THEN
    RETURN QUERY SELECT 'refused'::text, NULL::integer, NULL::integer, NULL::integer,
      NULL::integer, false, NULL::timestamptz, NULL::jsonb;
    RETURN;
  END IF;
  IF v.status <> 'leased' THEN
    RETURN QUERY SELECT 'not_leased'::text, NULL::integer, NULL::integer, NULL::integer,
      NULL::integer, false, NULL::timestamptz, NULL::jsonb;
    RETURN;
  END IF;
  IF v.expires_at <= p_now THEN
    RETURN QUERY SELECT 'late'::text, NULL::integer, NULL::integer, NULL::integer,
      NULL::integer, false, NULL::timestamptz, NULL::jsonb;
    RETURN;
  END IF;
  PERFORM 1 FROM items i WHERE i.id = v.item_id FOR NO KEY UPDATE;
  SELECT r.state, r.entered_by INTO v_review
    FROM review_items r WHERE r.item_id = v.item_id FOR NO KEY UPDATE;
  SELECT COALESCE(jsonb_agg(jsonb_build_array(n.id, n.annotator_id, n.result) ORDER BY n.id),
                  '[]'::jsonb),
         array_agg(DISTINCT n.annotator_id)
    INTO v_answers, v_annotators
    FROM annotations n WHERE n.item_id = v.item_id AND n.review_status <> 'rejected';
  SELECT c.result::jsonb INTO v_consensus FROM consensus c WHERE c.item_id = v.item_id;
  IF v_review.state IS DISTINCT FROM 'in_review'
     OR v.labels::jsonb IS DISTINCT FROM p_labels
     OR COALESCE(v.review_reasons::jsonb, '[]'::jsonb) IS DISTINCT FROM p_allowed_reasons
     OR v_answers IS DISTINCT FROM p_answers
     OR v_consensus IS DISTINCT FROM p_consensus
     OR jsonb_array_length(v_answers) <> COALESCE(array_length(p_scores, 1), 0)
     OR (v_review.entered_by = ANY (p_unbiased)
         AND (SELECT count(*) FROM annotator_states s
               WHERE s.project_id = v.project_id AND s.user_id = ANY (v_annotators))
             < COALESCE(array_length(v_annotators, 1), 0)) THEN
    RETURN QUERY SELECT 'changed'::text, NULL::integer, NULL::integer, NULL::integer,
      NULL::integer, false, NULL::timestamptz, NULL::jsonb;
    RETURN;
  END IF;

  v_duration := GREATEST(0, floor(extract(epoch FROM (p_now - v.created_at)) * 1000))::integer;
  INSERT INTO reviews (id, project_id, item_id, reviewer_id, stage, rework_round, decision,
                       result, reasons, comment, duration_ms, created_at)
  VALUES (p_assignment_id, v.project_id, v.item_id, p_user_id, 'review', v.rework_round,
          p_decision, p_result, p_reasons, p_comment, v_duration, p_now);
  UPDATE review_items r SET state = 'reviewed', final_result = p_final, updated_at = p_now
   WHERE r.item_id = v.item_id;
  IF p_final IS NOT NULL THEN  -- consensus.final_answers.settle
    INSERT INTO consensus AS c (item_id, project_id, result, confidence, n_annotations, method,
                                updated_at)
    VALUES (v.item_id, v.project_id, p_final, 1.0, 0, 'review', p_now)
    ON CONFLICT (item_id) DO UPDATE
      SET result = EXCLUDED.result, confidence = 1.0, updated_at = EXCLUDED.updated_at;
  END IF;
  INSERT INTO review_marks (annotation_id, review_id, project_id, annotator_id, score)
  SELECT (e.answer ->> 0)::integer, p_assignment_id, v.project_id,
         (e.answer ->> 1)::integer, p_scores[e.n]
    FROM jsonb_array_elements(v_answers) WITH ORDINALITY AS e(answer, n);
  UPDATE assignments a SET status = 'submitted', finished_at = p_now WHERE a.id = p_assignment_id;
  -- The annotators' review records: one appended row each (revision 0025), no lock on their
  -- state rows, which Python folds them into after the commit (backend/assignments/
  -- review_record.py): every verdict on an annotator's items queued on those rows until the
  -- previous one committed.
  IF v_review.entered_by = ANY (p_unbiased) THEN
    INSERT INTO review_tallies (project_id, user_id, answered, correct, created_at)
    SELECT v.project_id, (e.answer ->> 1)::integer, count(*)::integer, sum(p_scores[e.n]), p_now
      FROM jsonb_array_elements(v_answers) WITH ORDINALITY AS e(answer, n)
     GROUP BY 2
     ORDER BY 2;
    SELECT COALESCE(jsonb_agg(DISTINCT u ORDER BY u), '[]'::jsonb) INTO v_records
      FROM unnest(v_annotators) AS u;
  END IF;
  SELECT * INTO v_flag FROM jinbiao_mark_requested(v.project_id, p_now);
  RETURN QUERY SELECT 'created'::text, v.project_id, v.item_id, v.rework_round, v_duration,
    v_flag.flagged, v_flag.started_at, v_records;
END
$fn$;
"""


def upgrade() -> None:
    op.create_table(
        "review_tallies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "project_id",
            sa.Integer(),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_review_tally_annotator", "review_tallies", ["project_id", "user_id"])
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite runs the Python path
    op.execute(SUBMIT)


def downgrade() -> None:
    # What is still pending goes into the state rows, where revision 0024 counts.
    op.execute(
        "UPDATE annotator_states SET review_answered = review_answered + t.answered, "
        "review_correct = review_correct + t.correct FROM (SELECT project_id, user_id, "
        "sum(answered) AS answered, sum(correct) AS correct FROM review_tallies "
        "GROUP BY project_id, user_id) t WHERE annotator_states.project_id = t.project_id "
        "AND annotator_states.user_id = t.user_id"
    )
    if op.get_bind().dialect.name == "postgresql":
        script = op.get_context().script
        assert script is not None
        previous = script.get_revision("0024_review_path").module  # loaded by Alembic
        op.execute(previous.SUBMIT)
    op.drop_index("ix_review_tally_annotator", table_name="review_tallies")
    op.drop_table("review_tallies")
