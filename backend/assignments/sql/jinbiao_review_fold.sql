-- jinbiao_review_fold: the annotators' review records folded after a verdict's commit, on
-- PostgreSQL (called by backend/review/pg_review.py once jinbiao_review_submit says an annotator
-- has enough rows pending: revision 0028; in a transaction of its own that the caller sends with
-- ``synchronous_commit = off``).
--
-- What backend/assignments/review_record.py's ``fold(skip_busy=True)`` does in Python, in one call:
-- lock the annotators' state rows in id order, skipping those another transaction holds (SKIP
-- LOCKED), delete their pending ``review_tallies`` rows, add what the delete returned to their
-- records. Only after a verdict that this call's caller stored (its ``reviews`` row, created at
-- ``p_now``) and only when something of theirs is pending: otherwise it returns nothing and
-- locks nothing.
--
-- Returns, for Python to apply rule 5 (``annotator_states.pause_reason``, written once there), the
-- active annotators whose records it folded (``folded``), with their new counts, and those whose
-- rows another transaction held (not ``folded``), with the counts read without the lock plus what
-- is pending for them; the thresholds come along.
--
-- This file is the source: revision 0027_review_one_trip installs a frozen copy (see
-- jinbiao_review_next.sql); revision 0030_review_plans adds the settings after ``jit``.
CREATE OR REPLACE FUNCTION jinbiao_review_fold(p_review_id integer, p_project_id integer,
                                               p_users integer[], p_now timestamptz)
RETURNS TABLE (user_id integer, folded boolean, gold_answered integer,
               gold_correct double precision, review_answered integer,
               review_correct double precision, gold_min_count integer,
               min_gold_accuracy double precision)
LANGUAGE plpgsql VOLATILE
SET jit = off  -- as jinbiao_review_next: no statement here gains from compiling
-- As jinbiao_review_submit (revision 0030_review_plans): planned once per session, and
-- review_tallies (a few hundred live rows among the many that folds deleted since the last
-- vacuum) read and deleted through its index, never by a scan of every row.
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET enable_bitmapscan = off
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
