"""Reviewers pass a project's access lists; a verdict that makes an item final settles its
``wanted``.

Found by a browser walk of a client job (2026-12-07):

* **A listed project shut its reviewers out.** The access lists (``PUT /projects/{id}/access``)
  name who annotates, and the access page offers annotators and teams only, yet the review
  stage applied them to reviewers as to annotators: a reviewer not on the list got 403
  ``not_on_project`` from review's ``next``, and adding one through the API was undone by the
  page's next save. The review stage's ``StageRules.unlisted`` now holds reviewers with owners
  and managers (``projects.access.work_condition_sql``), and ``jinbiao_review_next`` writes the
  same condition out.
* **Final items that wanted more.** An item in review whose ``wanted`` the recompute raised (a
  replacement for a paused annotator's answer, or one more answer for a contested item) stayed
  final with fewer answers than it wanted once a reviewer accepted it: left out of "every
  finished item" lots and counted undelivered. Becoming final now lowers ``wanted`` to the
  answers the item has (``items.progress.settle_wanted`` in Python, one ``UPDATE`` in
  ``jinbiao_review_submit`` under the item's row lock the function already holds); the upgrade
  settles the items left that way.

Frozen copies of ``backend/assignments/sql/jinbiao_review_next.sql`` and
``jinbiao_review_submit.sql`` as of this revision (without their header comments); the
downgrade restores the previous bodies (the same text without this revision's changes).

Revision ID: 0031_review_access_final_wanted
Revises: 0030_review_plans
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0031_review_access_final_wanted"
down_revision: str | None = "0030_review_plans"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REVIEW_NEXT = r"""
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
     AND (m.role IN ('owner', 'manager', 'reviewer') OR (p.access_mode = 'open'
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

REVIEW_SUBMIT = r"""
CREATE OR REPLACE FUNCTION jinbiao_review_submit(p_assignment_id integer, p_user_id integer,
                                                 p_generation integer, p_roles text[],
                                                 p_now timestamptz, p_decision text,
                                                 p_result jsonb, p_reasons jsonb,
                                                 p_comment text, p_answers jsonb,
                                                 p_consensus jsonb, p_final jsonb,
                                                 p_scores double precision[], p_labels jsonb,
                                                 p_allowed_reasons jsonb, p_unbiased text[],
                                                 p_model_kinds text[], p_fold_at integer)
RETURNS TABLE (outcome text, project_id integer, item_id integer, rework_round integer,
               duration_ms integer, flagged boolean, started_at timestamptz, ledger boolean,
               users integer[], gold_answered integer[], gold_correct double precision[],
               review_answered integer[], review_correct double precision[],
               gold_min_count integer, min_gold_accuracy double precision, fold boolean)
LANGUAGE plpgsql VOLATILE
SET jit = off  -- as jinbiao_review_next: no statement here gains from compiling
-- Revision 0030_review_plans (tests/benchmarks/results/review.md, step 10):
-- * each statement is planned once per session: the records' read at the end takes the
--   annotators as an array, and the plan cache planned it again on every verdict, for the same
--   plan;
-- * review_tallies is read by its index, never by a scan: it holds a few hundred live rows and,
--   between two vacuums, tens of thousands that the folds deleted. A sequential or bitmap scan
--   read all of them on every verdict (the planner counts the live rows); an index scan marks
--   the dead entries once and steps over them after. Every other statement here is a lookup by
--   key, which these settings leave as it was.
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET enable_bitmapscan = off
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
  v_ledger boolean := false;
  v_users integer[];
  v_gold_answered integer[];
  v_gold_correct double precision[];
  v_review_answered integer[];
  v_review_correct double precision[];
  v_fold boolean := false;
BEGIN
  SELECT a.project_id, a.item_id, a.status, a.expires_at, a.created_at, a.rework_round, m.role,
         p.labels, p.review_reasons, p.final_when, p.kind, p.prelabels, p.ordering,
         p.train_every, p.gold_min_count, p.min_gold_accuracy
    INTO v
    FROM assignments a
    JOIN projects p ON p.id = a.project_id
    JOIN memberships m ON m.org_id = p.org_id AND m.user_id = a.annotator_id
    JOIN users u ON u.id = a.annotator_id AND u.is_active AND u.token_generation = p_generation
   WHERE a.id = p_assignment_id AND a.annotator_id = p_user_id AND a.stage = 'review'
     FOR NO KEY UPDATE OF a;
  IF NOT FOUND OR NOT (v.role = ANY (p_roles)) THEN
    RETURN QUERY SELECT 'refused'::text, NULL::integer, NULL::integer, NULL::integer,
      NULL::integer, false, NULL::timestamptz, false, NULL::integer[], NULL::integer[],
      NULL::double precision[], NULL::integer[], NULL::double precision[], NULL::integer,
      NULL::double precision, false;
    RETURN;
  END IF;
  IF v.status <> 'leased' THEN
    RETURN QUERY SELECT 'not_leased'::text, NULL::integer, NULL::integer, NULL::integer,
      NULL::integer, false, NULL::timestamptz, false, NULL::integer[], NULL::integer[],
      NULL::double precision[], NULL::integer[], NULL::double precision[], NULL::integer,
      NULL::double precision, false;
    RETURN;
  END IF;
  IF v.expires_at <= p_now THEN
    RETURN QUERY SELECT 'late'::text, NULL::integer, NULL::integer, NULL::integer,
      NULL::integer, false, NULL::timestamptz, false, NULL::integer[], NULL::integer[],
      NULL::double precision[], NULL::integer[], NULL::double precision[], NULL::integer,
      NULL::double precision, false;
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
      NULL::integer, false, NULL::timestamptz, false, NULL::integer[], NULL::integer[],
      NULL::double precision[], NULL::integer[], NULL::double precision[], NULL::integer,
      NULL::double precision, false;
    RETURN;
  END IF;
  v_settled := COALESCE(v.final_when, 'finished') = 'finished';
  IF v_settled AND v.train_every > 0 AND v.kind = ANY (p_model_kinds)
     AND (v.prelabels OR v.ordering <> 'default') THEN
    RETURN QUERY SELECT 'python_stage'::text, NULL::integer, NULL::integer, NULL::integer,
      NULL::integer, false, NULL::timestamptz, false, NULL::integer[], NULL::integer[],
      NULL::double precision[], NULL::integer[], NULL::double precision[], NULL::integer,
      NULL::double precision, false;
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
  -- state rows, which jinbiao_review_fold folds them into once enough are pending (backend/
  -- assignments/review_record.py): every verdict on an annotator's items queued on those rows
  -- until the previous one committed.
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
    -- A final item wants no more answers (backend/items/progress.py, settle_wanted): a
    -- replacement or an extra answer asked for while it waited in review is void now.
    UPDATE items i SET wanted = i.annotation_count
     WHERE i.id = v.item_id AND i.wanted > i.annotation_count;
    -- Pay's ledger job is due (backend/pay/due.py): only the verdict that sets the flag has it
    -- sent. The shared lock makes the job's clear (exclusive) wait for this commit, so a job
    -- started after the clear sees this verdict's work row.
    PERFORM pg_advisory_xact_lock_shared(1785359213, v.project_id);
    PERFORM 1 FROM pay_due d WHERE d.project_id = v.project_id;
    IF NOT FOUND THEN
      INSERT INTO pay_due (project_id, requested_at) VALUES (v.project_id, p_now)
      ON CONFLICT (project_id) DO NOTHING;
      v_ledger := FOUND;
    END IF;
  END IF;
  SELECT * INTO v_flag FROM jinbiao_mark_requested(v.project_id, p_now);
  -- Rule 5's inputs for Python (annotator_states.pause_reason): each active judged annotator's
  -- record, the rows still pending counted in (backend/assignments/review_record.py), and
  -- whether this verdict brought one of them to ``p_fold_at`` pending rows (then Python folds
  -- them). Exactly at it, so that the verdicts in flight while that fold runs do not all fold
  -- too; from twice as many on (a fold skipped or lost), every verdict does.
  IF v_review.entered_by = ANY (p_unbiased) THEN
    SELECT array_agg(s.user_id ORDER BY s.user_id) FILTER (WHERE s.status = 'active'),
           array_agg(s.gold_answered ORDER BY s.user_id) FILTER (WHERE s.status = 'active'),
           array_agg(s.gold_correct ORDER BY s.user_id) FILTER (WHERE s.status = 'active'),
           array_agg(COALESCE(s.review_answered, 0) + w.answered ORDER BY s.user_id)
             FILTER (WHERE s.status = 'active'),
           array_agg(COALESCE(s.review_correct, 0) + w.correct ORDER BY s.user_id)
             FILTER (WHERE s.status = 'active'),
           COALESCE(bool_or(w.n = p_fold_at OR w.n >= 2 * p_fold_at), false)
      INTO v_users, v_gold_answered, v_gold_correct, v_review_answered, v_review_correct, v_fold
      FROM annotator_states s
      CROSS JOIN LATERAL (
        SELECT count(*) AS n, COALESCE(sum(t.answered), 0)::integer AS answered,
               COALESCE(sum(t.correct), 0) AS correct
          FROM review_tallies t
         WHERE t.project_id = s.project_id AND t.user_id = s.user_id
      ) w
     WHERE s.project_id = v.project_id AND s.user_id = ANY (v_annotators);
  END IF;
  RETURN QUERY SELECT 'created'::text, v.project_id, v.item_id, v.rework_round, v_duration,
    v_flag.flagged, v_flag.started_at, v_ledger, v_users, v_gold_answered, v_gold_correct,
    v_review_answered, v_review_correct, v.gold_min_count, v.min_gold_accuracy, v_fold;
END
$fn$;
"""

NEXT_ACCESS = "     AND (m.role IN ('owner', 'manager', 'reviewer') OR (p.access_mode = 'open'"
NEXT_ACCESS_BEFORE = "     AND (m.role IN ('owner', 'manager') OR (p.access_mode = 'open'"
SUBMIT_SETTLE = """    -- A final item wants no more answers (backend/items/progress.py, settle_wanted): a
    -- replacement or an extra answer asked for while it waited in review is void now.
    UPDATE items i SET wanted = i.annotation_count
     WHERE i.id = v.item_id AND i.wanted > i.annotation_count;
"""

SETTLE_FINAL_ITEMS = """
UPDATE items SET wanted = annotation_count
 WHERE wanted > annotation_count
   AND id IN (SELECT item_id FROM final_items)
"""


def upgrade() -> None:
    op.execute(SETTLE_FINAL_ITEMS)
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite runs the Python path
    op.execute(REVIEW_NEXT)
    op.execute(REVIEW_SUBMIT)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(REVIEW_NEXT.replace(NEXT_ACCESS, NEXT_ACCESS_BEFORE))
    op.execute(REVIEW_SUBMIT.replace(SUBMIT_SETTLE, ""))
