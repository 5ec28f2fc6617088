"""A review verdict and its fold in one round trip, with ``ItemsFinal``'s rows written inside.

At 1M items and 32 reviewers the API process spent about 7.8 ms of CPU per review cycle against
PostgreSQL's 1 ms (``tests/benchmarks/results/review.md``): the verdict ran in the thread pool on
a SQLAlchemy session (the project's ``final_when`` read, pay's ``pay_work`` row and
``final_items`` written by ``ItemsFinal``'s listeners, the function call, the commit) and the
annotators' records were folded in a second ORM transaction. Now ``jinbiao_review_submit`` also
writes ``ItemsFinal``'s two rows (and hands a project that counts final answers for its model
back to Python), and the new ``jinbiao_review_fold`` does the fold; ``backend/review/pg_review.py``
sends both, each in its own transaction, in one round trip on the event loop's pool.

Frozen copies of ``backend/assignments/sql/jinbiao_review_submit.sql`` and
``jinbiao_review_fold.sql`` as of this revision (without their header comments); the downgrade
restores revision 0025's submit and drops the fold.

Revision ID: 0027_review_one_trip
Revises: 0026_lot_filter
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027_review_one_trip"
down_revision: str | None = "0026_lot_filter"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0025's signature: the new one adds ``p_model_kinds`` and returns ``settled`` for ``records``.
OLD_SIGNATURE = (
    "jinbiao_review_submit(integer, integer, integer, text[], timestamptz, text, jsonb, jsonb, "
    "text, jsonb, jsonb, jsonb, double precision[], jsonb, jsonb, text[])"
)
NEW_SIGNATURE = (
    "jinbiao_review_submit(integer, integer, integer, text[], timestamptz, text, jsonb, jsonb, "
    "text, jsonb, jsonb, jsonb, double precision[], jsonb, jsonb, text[], text[])"
)

SUBMIT = r"""
CREATE OR REPLACE FUNCTION jinbiao_review_submit(p_assignment_id integer, p_user_id integer,
                                                 p_generation integer, p_roles text[],
                                                 p_now timestamptz, p_decision text,
                                                 p_result jsonb, p_reasons jsonb,
                                                 p_comment text, p_answers jsonb,
                                                 p_consensus jsonb, p_final jsonb,
                                                 p_scores double precision[], p_labels jsonb,
                                                 p_allowed_reasons jsonb, p_unbiased text[],
                                                 p_model_kinds text[])
RETURNS TABLE (outcome text, project_id integer, item_id integer, rework_round integer,
               duration_ms integer, flagged boolean, started_at timestamptz, settled boolean)
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
  v_settled boolean;
  v_flag record;
BEGIN
  SELECT a.project_id, a.item_id, a.status, a.expires_at, a.created_at, a.rework_round, m.role,
         p.labels, p.review_reasons, p.final_when, p.kind, p.prelabels, p.ordering,
         p.train_every
    INTO v
    FROM assignments a
    JOIN projects p ON p.id = a.project_id
    JOIN memberships m ON m.org_id = p.org_id AND m.user_id = a.annotator_id
    JOIN users u ON u.id = a.annotator_id AND u.is_active AND u.token_generation = p_generation
   WHERE a.id = p_assignment_id AND a.annotator_id = p_user_id AND a.stage = 'review'
     FOR NO KEY UPDATE OF a;
  IF NOT FOUND OR NOT (v.role = ANY (p_roles)) THEN
    RETURN QUERY SELECT 'refused'::text, NULL::integer, NULL::integer, NULL::integer,
      NULL::integer, false, NULL::timestamptz, false;
    RETURN;
  END IF;
  IF v.status <> 'leased' THEN
    RETURN QUERY SELECT 'not_leased'::text, NULL::integer, NULL::integer, NULL::integer,
      NULL::integer, false, NULL::timestamptz, false;
    RETURN;
  END IF;
  IF v.expires_at <= p_now THEN
    RETURN QUERY SELECT 'late'::text, NULL::integer, NULL::integer, NULL::integer,
      NULL::integer, false, NULL::timestamptz, false;
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
      NULL::integer, false, NULL::timestamptz, false;
    RETURN;
  END IF;
  v_settled := COALESCE(v.final_when, 'finished') = 'finished';
  IF v_settled AND v.train_every > 0 AND v.kind = ANY (p_model_kinds)
     AND (v.prelabels OR v.ordering <> 'default') THEN
    RETURN QUERY SELECT 'python_stage'::text, NULL::integer, NULL::integer, NULL::integer,
      NULL::integer, false, NULL::timestamptz, false;
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
  -- state rows, which jinbiao_review_fold folds them into after the commit (backend/assignments/
  -- review_record.py): every verdict on an annotator's items queued on those rows until the
  -- previous one committed.
  IF v_review.entered_by = ANY (p_unbiased) THEN
    INSERT INTO review_tallies (project_id, user_id, answered, correct, created_at)
    SELECT v.project_id, (e.answer ->> 1)::integer, count(*)::integer, sum(p_scores[e.n]), p_now
      FROM jsonb_array_elements(v_answers) WITH ORDINALITY AS e(answer, n)
     GROUP BY 2
     ORDER BY 2;
  END IF;
  IF v_settled THEN  -- ItemsFinal's rows: pay's work and the final state (see the header)
    INSERT INTO pay_work (project_id, what, item_ids, created_at)
    VALUES (v.project_id, 'final', json_build_array(v.item_id), p_now);
    INSERT INTO final_items (item_id, project_id, final_at)
    VALUES (v.item_id, v.project_id, p_now)
    ON CONFLICT (item_id) DO NOTHING;
  END IF;
  SELECT * INTO v_flag FROM jinbiao_mark_requested(v.project_id, p_now);
  RETURN QUERY SELECT 'created'::text, v.project_id, v.item_id, v.rework_round, v_duration,
    v_flag.flagged, v_flag.started_at, v_settled;
END
$fn$;
"""

FOLD = r"""
CREATE OR REPLACE FUNCTION jinbiao_review_fold(p_review_id integer, p_project_id integer,
                                               p_users integer[], p_now timestamptz)
RETURNS TABLE (user_id integer, folded boolean, gold_answered integer,
               gold_correct double precision, review_answered integer,
               review_correct double precision, gold_min_count integer,
               min_gold_accuracy double precision)
LANGUAGE plpgsql VOLATILE
SET jit = off  -- as jinbiao_review_next: no statement here gains from compiling
AS $fn$
#variable_conflict use_column
DECLARE
  v_locked integer[];
  v_folded integer[];
BEGIN
  IF NOT EXISTS (SELECT 1 FROM reviews r WHERE r.id = p_review_id AND r.created_at = p_now)
     OR NOT EXISTS (SELECT 1 FROM review_tallies t
                     WHERE t.project_id = p_project_id AND t.user_id = ANY (p_users)) THEN
    RETURN;
  END IF;
  SELECT COALESCE(array_agg(s.user_id), '{}') INTO v_locked
    FROM (SELECT s.user_id FROM annotator_states s
           WHERE s.project_id = p_project_id AND s.user_id = ANY (p_users)
           ORDER BY s.user_id
             FOR NO KEY UPDATE SKIP LOCKED) s;
  WITH taken AS (
    DELETE FROM review_tallies t
     WHERE t.project_id = p_project_id AND t.user_id = ANY (v_locked)
    RETURNING t.user_id, t.answered, t.correct
  ), sums AS (
    SELECT taken.user_id, sum(taken.answered)::integer AS answered,
           sum(taken.correct) AS correct
      FROM taken GROUP BY taken.user_id
  ), updated AS (
    UPDATE annotator_states s
       SET review_answered = COALESCE(s.review_answered, 0) + sums.answered,
           review_correct = COALESCE(s.review_correct, 0) + sums.correct,
           updated_at = p_now
      FROM sums
     WHERE s.project_id = p_project_id AND s.user_id = sums.user_id
    RETURNING s.user_id
  )
  SELECT COALESCE(array_agg(updated.user_id), '{}') INTO v_folded FROM updated;
  RETURN QUERY
    SELECT s.user_id, s.user_id = ANY (v_locked), s.gold_answered, s.gold_correct,
           COALESCE(s.review_answered, 0) + COALESCE(w.answered, 0),
           COALESCE(s.review_correct, 0) + COALESCE(w.correct, 0),
           p.gold_min_count, p.min_gold_accuracy
      FROM annotator_states s
      JOIN projects p ON p.id = s.project_id
      LEFT JOIN LATERAL (
        SELECT sum(t.answered)::integer AS answered, sum(t.correct) AS correct
          FROM review_tallies t
         WHERE t.project_id = s.project_id AND t.user_id = s.user_id
           AND NOT (s.user_id = ANY (v_locked))
      ) w ON true
     WHERE s.project_id = p_project_id AND s.status = 'active'
       AND (s.user_id = ANY (v_folded)
            OR (s.user_id = ANY (p_users) AND NOT (s.user_id = ANY (v_locked))))
     ORDER BY s.user_id;
END
$fn$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite runs the Python path
    op.execute(f"DROP FUNCTION IF EXISTS {OLD_SIGNATURE}")
    op.execute(SUBMIT)
    op.execute(FOLD)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "DROP FUNCTION IF EXISTS jinbiao_review_fold(integer, integer, integer[], timestamptz)"
    )
    op.execute(f"DROP FUNCTION IF EXISTS {NEW_SIGNATURE}")
    script = op.get_context().script
    assert script is not None
    previous = script.get_revision("0025_review_tallies").module  # loaded by Alembic
    op.execute(previous.SUBMIT)
