"""Review path: the reviewer's ``next`` and ``submit`` in one call each on PostgreSQL.

Review ran on the Python paths of the lease machinery: about ten statements and a second session
for ``next``, about twenty for a verdict (``tests/benchmarks/results/review.md``). Two functions
do the same work with the same locks, called by ``backend/review/pg_review.py``:

* ``jinbiao_review_next``: the reviewer's state lock with the access check, a held review lease,
  the queue walk from a random point, the lease, and what the reviewer judges (the item's counted
  annotations, its consensus, the project's reason tags);
* ``jinbiao_review_submit``: an accept or a fix, rechecked against what Python scored, stored
  with the item's new state, its final answer, the marks and the annotators' review records.

``ix_assignment_held`` (project, person, stage, expiry of leases still ``leased``): the lookup of
the lease a person already holds, first in every ``next``, walked the project's range of
``ix_assignment_project_lease`` with every entry the leases submitted since the last vacuum left
there (6.8 ms a call after 1,500 verdicts in the benchmark).

Frozen copies of ``backend/assignments/sql/jinbiao_review_next.sql`` and
``jinbiao_review_submit.sql`` as of this revision (without their header comments). Nothing on
SQLite, which keeps the Python paths.

Revision ID: 0024_review_path
Revises: 0023_final_items
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_review_path"
down_revision: str | None = "0023_final_items"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIGNATURES = (
    "jinbiao_review_next(integer, integer, timestamptz, text[], integer, integer)",
    "jinbiao_review_submit(integer, integer, integer, text[], timestamptz, text, jsonb, jsonb, "
    "text, jsonb, jsonb, jsonb, double precision[], jsonb, jsonb, text[])",
)

NEXT = r"""
CREATE OR REPLACE FUNCTION jinbiao_review_next(p_project_id integer, p_user_id integer,
                                               p_now timestamptz, p_roles text[],
                                               p_rechecks integer, p_generation integer)
RETURNS TABLE (outcome text, assignment_id integer, expires_at timestamptz, kind text,
               item_id integer, item_text text, media_key text, width integer, height integer,
               prelabel jsonb, labels jsonb, reasons jsonb, rework_round integer,
               answers jsonb, consensus_result jsonb, consensus_confidence double precision)
LANGUAGE plpgsql VOLATILE
-- The walk's estimated cost (two probes per row the planner cannot estimate) is far above
-- jit_above_cost: compiling it took about 48 ms a call for a statement that runs in one.
SET jit = off
AS $fn$
#variable_conflict use_column
DECLARE
  v_state record;
  v_expires timestamptz;
  v_low integer;
  v_high integer;
  v_start integer;
  v_item_id integer;
  v_candidate integer;
  v_round integer;
  v_assignment_id integer;
BEGIN
  -- A lease lost in a crash is harmless (the reviewer asks again); verdicts are not written.
  PERFORM set_config('synchronous_commit', 'off', true);
  SELECT s.status, m.role, p.kind, p.labels, p.lease_seconds, p.review_reasons
    INTO v_state
    FROM annotator_states s
    JOIN projects p ON p.id = s.project_id
    JOIN memberships m ON m.org_id = p.org_id AND m.user_id = s.user_id
    JOIN users u ON u.id = s.user_id AND u.is_active AND u.token_generation = p_generation
   WHERE s.project_id = p_project_id AND s.user_id = p_user_id
     AND (m.role IN ('owner', 'manager') OR (p.access_mode = 'open'
       OR EXISTS (SELECT 1 FROM project_access_users pau
                  WHERE pau.project_id = p.id AND pau.user_id = p_user_id)
       OR EXISTS (SELECT 1 FROM project_access_teams pat
                  JOIN team_members ptm ON ptm.team_id = pat.team_id
                  WHERE pat.project_id = p.id AND ptm.user_id = p_user_id)))
     FOR NO KEY UPDATE OF s;
  IF NOT FOUND OR NOT (v_state.role = ANY (p_roles)) THEN
    RETURN QUERY SELECT 'refused'::text, NULL::integer, NULL::timestamptz, NULL::text,
      NULL::integer, NULL::text, NULL::text, NULL::integer, NULL::integer, NULL::jsonb,
      NULL::jsonb, NULL::jsonb, NULL::integer, NULL::jsonb, NULL::jsonb, NULL::double precision;
    RETURN;
  END IF;
  IF v_state.status = 'paused' THEN
    RETURN QUERY SELECT 'paused'::text, NULL::integer, NULL::timestamptz, NULL::text,
      NULL::integer, NULL::text, NULL::text, NULL::integer, NULL::integer, NULL::jsonb,
      NULL::jsonb, NULL::jsonb, NULL::integer, NULL::jsonb, NULL::jsonb, NULL::double precision;
    RETURN;
  END IF;

  SELECT a.id, a.item_id, a.expires_at, a.rework_round
    INTO v_assignment_id, v_item_id, v_expires, v_round
    FROM assignments a
   WHERE a.project_id = p_project_id AND a.annotator_id = p_user_id
     AND a.status = 'leased' AND a.expires_at > p_now AND a.stage = 'review'
   ORDER BY a.expires_at DESC
   LIMIT 1;
  IF FOUND THEN
    RETURN QUERY SELECT 'held'::text, v_assignment_id, v_expires, v_state.kind::text, i.id,
           i.text, i.media_key::text, i.width, i.height, i.prelabel::jsonb, v_state.labels,
           v_state.review_reasons, COALESCE(r.rework_round, v_round),
           (SELECT COALESCE(jsonb_agg(jsonb_build_array(n.id, n.annotator_id, n.result)
                                      ORDER BY n.id), '[]'::jsonb)
              FROM annotations n WHERE n.item_id = i.id AND n.review_status <> 'rejected'),
           c.result::jsonb, c.confidence
      FROM items i
      LEFT JOIN review_items r ON r.item_id = i.id
      LEFT JOIN consensus c ON c.item_id = i.id
     WHERE i.id = v_item_id;
    RETURN;
  END IF;

  SELECT min(q.item_id), max(q.item_id) INTO v_low, v_high
    FROM review_items q WHERE q.project_id = p_project_id AND q.state = 'in_review';
  IF v_low IS NULL THEN
    RETURN QUERY SELECT 'none'::text, NULL::integer, NULL::timestamptz, NULL::text,
      NULL::integer, NULL::text, NULL::text, NULL::integer, NULL::integer, NULL::jsonb,
      NULL::jsonb, NULL::jsonb, NULL::integer, NULL::jsonb, NULL::jsonb, NULL::double precision;
    RETURN;
  END IF;
  v_start := v_low + floor(random() * (v_high - v_low + 1))::integer;
  v_expires := p_now + make_interval(secs => v_state.lease_seconds);

  FOR attempt IN 1..p_rechecks LOOP
    -- From the start up, then below it walking down (backend/review/picking.py). The queue is
    -- read alone and each candidate's item locked by its primary key: joined to ``items`` in one
    -- statement, the planner (which cannot estimate the two probes) chose a sequential scan of
    -- ``items`` per call, linear in the project's size.
    v_item_id := NULL;
    FOR v_candidate IN
      SELECT r.item_id
        FROM review_items r
       WHERE r.project_id = p_project_id AND r.state = 'in_review' AND r.item_id >= v_start
         AND (SELECT 1 FROM assignments had
               WHERE had.item_id = r.item_id AND had.annotator_id = p_user_id
                 AND (had.stage = 'annotate' OR had.rework_round = r.rework_round) LIMIT 1)
             IS NULL
         AND (SELECT 1 FROM assignments live
               WHERE live.item_id = r.item_id AND live.stage = 'review'
                 AND live.status = 'leased' AND live.expires_at > p_now LIMIT 1) IS NULL
       ORDER BY r.item_id ASC
    LOOP
      PERFORM 1 FROM items i WHERE i.id = v_candidate FOR NO KEY UPDATE SKIP LOCKED;
      IF FOUND THEN
        v_item_id := v_candidate;
        EXIT;
      END IF;
    END LOOP;
    IF v_item_id IS NULL THEN
      FOR v_candidate IN
        SELECT r.item_id
          FROM review_items r
         WHERE r.project_id = p_project_id AND r.state = 'in_review' AND r.item_id < v_start
           AND (SELECT 1 FROM assignments had
                 WHERE had.item_id = r.item_id AND had.annotator_id = p_user_id
                   AND (had.stage = 'annotate' OR had.rework_round = r.rework_round) LIMIT 1)
               IS NULL
           AND (SELECT 1 FROM assignments live
                 WHERE live.item_id = r.item_id AND live.stage = 'review'
                   AND live.status = 'leased' AND live.expires_at > p_now LIMIT 1) IS NULL
         ORDER BY r.item_id DESC
      LOOP
        PERFORM 1 FROM items i WHERE i.id = v_candidate FOR NO KEY UPDATE SKIP LOCKED;
        IF FOUND THEN
          v_item_id := v_candidate;
          EXIT;
        END IF;
      END LOOP;
    END IF;
    IF v_item_id IS NULL THEN
      RETURN QUERY SELECT 'none'::text, NULL::integer, NULL::timestamptz, NULL::text,
        NULL::integer, NULL::text, NULL::text, NULL::integer, NULL::integer, NULL::jsonb,
        NULL::jsonb, NULL::jsonb, NULL::integer, NULL::jsonb, NULL::jsonb,
        NULL::double precision;
      RETURN;
    END IF;
    -- A new statement, a new snapshot: a review lease committed since the walk's snapshot is
    -- seen now that the item is locked (every transaction adding one holds the item's lock).
    INSERT INTO assignments (project_id, item_id, annotator_id, is_gold, status, created_at,
                             expires_at, stage, rework_round)
    SELECT p_project_id, r.item_id, p_user_id, false, 'leased', p_now, v_expires, 'review',
           r.rework_round
      FROM review_items r
     WHERE r.item_id = v_item_id AND r.state = 'in_review'
       AND (SELECT 1 FROM assignments live
             WHERE live.item_id = r.item_id AND live.stage = 'review' AND live.status = 'leased'
               AND live.expires_at > p_now LIMIT 1) IS NULL
    RETURNING id, rework_round INTO v_assignment_id, v_round;
    IF v_assignment_id IS NOT NULL THEN
      RETURN QUERY SELECT 'lease'::text, v_assignment_id, v_expires, v_state.kind::text, i.id,
             i.text, i.media_key::text, i.width, i.height, i.prelabel::jsonb, v_state.labels,
             v_state.review_reasons, v_round,
             (SELECT COALESCE(jsonb_agg(jsonb_build_array(n.id, n.annotator_id, n.result)
                                        ORDER BY n.id), '[]'::jsonb)
                FROM annotations n WHERE n.item_id = i.id AND n.review_status <> 'rejected'),
             c.result::jsonb, c.confidence
        FROM items i
        LEFT JOIN consensus c ON c.item_id = i.id
       WHERE i.id = v_item_id;
      RETURN;
    END IF;
  END LOOP;
  RETURN QUERY SELECT 'none'::text, NULL::integer, NULL::timestamptz, NULL::text,
    NULL::integer, NULL::text, NULL::text, NULL::integer, NULL::integer, NULL::jsonb,
    NULL::jsonb, NULL::jsonb, NULL::integer, NULL::jsonb, NULL::jsonb, NULL::double precision;
END
$fn$;
"""

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
  -- The annotators' state rows last (then the project's recompute flag, in the order of every
  -- submit): the locks every verdict on their items queues for are held from here to the commit.
  IF v_review.entered_by = ANY (p_unbiased) THEN
    PERFORM 1 FROM annotator_states s
      WHERE s.project_id = v.project_id AND s.user_id = ANY (v_annotators)
      ORDER BY s.user_id
        FOR NO KEY UPDATE;
    WITH given AS (
      SELECT (e.answer ->> 1)::integer AS user_id, count(*)::integer AS answered,
             sum(p_scores[e.n]) AS correct
        FROM jsonb_array_elements(v_answers) WITH ORDINALITY AS e(answer, n)
       GROUP BY 1
    ), counted AS (
      UPDATE annotator_states s
         SET review_answered = COALESCE(s.review_answered, 0) + g.answered,
             review_correct = COALESCE(s.review_correct, 0) + g.correct,
             updated_at = p_now
        FROM given g
       WHERE s.project_id = v.project_id AND s.user_id = g.user_id
      RETURNING s.user_id, s.status, s.gold_answered, s.gold_correct, s.review_answered,
                s.review_correct
    )
    SELECT COALESCE(jsonb_agg(jsonb_build_object(
             'user_id', c.user_id, 'status', c.status, 'gold_answered', c.gold_answered,
             'gold_correct', c.gold_correct, 'review_answered', c.review_answered,
             'review_correct', c.review_correct, 'gold_min_count', v.gold_min_count,
             'min_gold_accuracy', v.min_gold_accuracy) ORDER BY c.user_id), '[]'::jsonb)
      INTO v_records
      FROM counted c;
  END IF;
  SELECT * INTO v_flag FROM jinbiao_mark_requested(v.project_id, p_now);
  RETURN QUERY SELECT 'created'::text, v.project_id, v.item_id, v.rework_round, v_duration,
    v_flag.flagged, v_flag.started_at, v_records;
END
$fn$;
"""


def upgrade() -> None:
    op.create_index(
        "ix_assignment_held",
        "assignments",
        ["project_id", "annotator_id", "stage", "expires_at"],
        unique=False,
        postgresql_where=sa.text("status = 'leased'"),
        sqlite_where=sa.text("status = 'leased'"),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(NEXT)
    op.execute(SUBMIT)


def downgrade() -> None:
    op.drop_index("ix_assignment_held", table_name="assignments")
    if op.get_bind().dialect.name != "postgresql":
        return
    for signature in SIGNATURES:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
