-- jinbiao_review_next: the reviewer's ``next`` in one call on PostgreSQL (called by
-- backend/review/pg_review.py).
--
-- The same statements, in the same order and with the same locks, as the Python path of the
-- review stage (backend/assignments/leasing.py with backend/review/picking.py), which SQLite runs
-- and PostgreSQL runs for every case handed back here: the reviewer's state row locked with the
-- access check (``work_condition_sql`` written out for the review stage: the access lists name
-- who annotates, so reviewers pass them as owners and managers do), a live
-- review lease they hold handed back, else the walk of the project's review queue from a random
-- point (``ix_review_item_queue``), the item locked with ``FOR NO KEY UPDATE SKIP LOCKED``, the
-- free-slot recheck after that lock, the lease inserted in the item's rework round. What the
-- reviewer judges comes back in the same row: the item's counted annotations (as
-- [[annotation id, annotator id, result], ...] by id), its consensus, the project's reason tags.
--
-- Outcomes: 'lease', 'held', 'none' are answered by the caller; 'refused' (no state row yet, or a
-- caller who may not review here) and 'paused' are handed back to the Python path.
--
-- This file is the source: revision 0024_review_path installs a frozen copy, and
-- tests/api/test_pg_function_source.py fails when the database differs.
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
