-- jinbiao_review_submit: a review verdict (accept or fix) on a live review lease in one call on
-- PostgreSQL (called by backend/review/pg_review.py as one prepared statement, in a transaction
-- of its own; jinbiao_review_fold follows only when ``fold`` says so).
--
-- The same statements, locks and lock order as the Python path (backend/review/submitting.py and
-- judging.py): the lease's row, the item's row, the item's review row. Python validated the
-- verdict and scored the item's annotations first, against what it passes in (remembered from the
-- lease's ``next``: the counted annotations as [[annotation id, annotator id, result], ...] by id,
-- the consensus result, the project's labels and reason tags); all of it is rechecked under the
-- locks here, and any difference is handed back before anything is written. ``p_unbiased``: the
-- rules whose verdicts feed the annotators' review record (backend/review/selection.py's
-- ``UNBIASED``).
--
-- ``ItemsFinal`` (backend/review/finality.py: when the project's ``final_when`` is 'finished')
-- is written here as its listeners write it in the Python path, in the verdict's transaction:
-- pay's ``pay_work`` row (backend/pay/listeners.py) and the item's ``final_items`` row with its
-- ``wanted`` settled (backend/items/finals.py). Pay's ledger job is sent only by the verdict that
-- sets the project's ``pay_due`` flag (``ledger``; the job clears it: backend/pay/due.py), not by
-- every one. The third listener, the model's count of new final answers (backend/models/listeners.py),
-- writes only for a project that uses its built-in model (``p_model_kinds``: the kinds that have
-- one; pre-labels or an ordering by the model; ``train_every`` > 0): such a verdict is handed
-- back ('python_stage') and the Python path emits the event.
--
-- The annotators' review records (revision 0025: one appended ``review_tallies`` row each) are
-- not folded after every verdict (revision 0028): the call returns each active judged
-- annotator's record with what is pending counted in, for Python to apply rule 5, and ``fold``
-- when this verdict brought one of them to ``p_fold_at`` pending rows, or one has twice that
-- (Python then calls jinbiao_review_fold).
--
-- Outcomes: 'created' (stored; with whether this submit set the project's recompute flag and
-- pay's flag, and the records). Handed back to the Python path, which answers them:
-- 'refused' (not the caller's review lease, or a caller who may not review here), 'not_leased'
-- (submitted or given back: a repeat), 'late' (expired), 'changed' (the item left review, or the
-- rows differ from what Python validated and scored against, or an annotator has no state row),
-- 'python_stage' (the project counts final answers for its model, see above).
--
-- This file is the source: revision 0028_review_lean installs a frozen copy (see
-- jinbiao_review_next.sql); revision 0030_review_plans adds the settings after ``jit``.
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
