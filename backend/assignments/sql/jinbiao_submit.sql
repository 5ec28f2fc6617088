-- jinbiao_submit: ``submit`` of a live lease in one call on PostgreSQL (called by
-- backend/assignments/pg_functions.py).
--
-- The same statements, locks and lock order as the Python path (backend/assignments/fast_path.py
-- and submitting.py): the assignment and its item, the annotator's state row last and only for
-- gold. Python validated and scored the result first, against what it passes in (p_is_gold,
-- p_labels, p_gold_answer: read just now, or remembered from the lease's ``next``); they are
-- rechecked under the locks here. The caller passes the stage and the roles that may work in it
-- (stages.py).
--
-- Outcomes: 'created' (stored; with whether this submit set the project's recompute flag, and
-- for gold the annotator's new counts and the project's rule-5 thresholds, which Python applies:
-- backend/assignments/annotator_states.py). Handed back to the Python path, which answers them:
-- 'refused' (not the caller's lease of this stage, or a caller who may not work here), 'changed'
-- (not leased any more, or the rows differ from what Python validated against), 'late' (an
-- expired lease of a normal item).
--
-- This file is the source: revision 0021 installs a frozen copy (see jinbiao_next.sql). A
-- submit from a sign-in older than the user's last password change is handed back (refused).
-- The project row is held FOR KEY SHARE: a label rename (backend/labels, FOR UPDATE on the
-- project) either waits for this submit and rewrites its answer, or this submit waits for the
-- rename and sees the new names ('changed'), never an answer stored under a renamed label.
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
