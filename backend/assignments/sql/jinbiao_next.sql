-- jinbiao_next: ``next`` in one call on PostgreSQL (called by backend/assignments/pg_functions.py).
--
-- The same statements, in the same order and with the same locks, as the Python path
-- (backend/assignments/leasing.py and picking.py), which SQLite runs and PostgreSQL runs for
-- every case handed back here. The caller passes what Python owns: the stage and the roles that
-- may work in it (stages.py), RECHECKS (picking.py). GOLD_WINDOW (picking.py) stays a literal,
-- 64, on the two lines that say so: as a parameter, the LIMIT made PostgreSQL's generic plan
-- of the gold window look 2.5 times dearer, and the query was replanned on every call;
-- tests/unit/test_function_sources.py checks that the literal is picking.GOLD_WINDOW.
--
-- Outcomes: 'lease' (a new lease), 'held' (a live lease the caller already holds), 'none'
-- (nothing left) are answered by the caller; 'refused' (no state row yet, or a caller who may
-- not work here) and 'paused' are handed back to the Python path. A lease also returns what
-- ``submit`` validates against (is the item gold, the labels, the gold answer; never shown to
-- the annotator: backend/assignments/lease_memo.py).
--
-- Stages: only 'annotate' is built; review and acceptance add their pick as a branch here
-- (backend/assignments/stages.py says how). This file is the source: revision 0009 installs a
-- frozen copy (revision 0011 the current one), and tests/api/test_pg_function_source.py fails
-- when the database differs, so a change here needs a new revision that installs it.
--
-- Who may work here is checked by the state lock: an active user whose sign-in is current (the
-- token's generation is the user's: a password change ends earlier sign-ins), a member with a
-- labelling role, and, for annotators, on the project's access list when it is 'listed'. That
-- condition is backend/projects/access.py's ``work_condition_sql`` written out (a test checks
-- they are the same text); a caller it refuses is handed back, and the Python path answers 403.
CREATE OR REPLACE FUNCTION jinbiao_next(p_stage text, p_project_id integer, p_user_id integer,
                                        p_now timestamptz, p_roles text[], p_rechecks integer,
                                        p_generation integer)
RETURNS TABLE (outcome text, assignment_id integer, expires_at timestamptz, kind text,
               item_id integer, item_text text, media_key text, width integer, height integer,
               prelabel jsonb, is_gold boolean, labels jsonb, gold_answer jsonb)
LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
DECLARE
  v_state record;
  v_qualifying boolean := false;
  v_expires timestamptz;
  v_low bigint;
  v_high bigint;
  v_start bigint;
  v_item_id integer;
  v_is_gold boolean;
  v_assignment_id integer;
BEGIN
  IF p_stage <> 'annotate' THEN
    RAISE EXCEPTION USING ERRCODE = 'feature_not_supported',
      MESSAGE = 'jinbiao_next: the ' || p_stage || ' stage is not built yet';
  END IF;
  -- A lease lost in a crash is harmless (the annotator asks again); annotations are not written.
  PERFORM set_config('synchronous_commit', 'off', true);
  SELECT s.status, m.role, p.kind, p.labels, p.gold_rate, p.qualification_count,
         p.lease_seconds
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
      NULL::boolean, NULL::jsonb, NULL::jsonb;
    RETURN;
  END IF;
  IF v_state.status = 'paused' THEN
    RETURN QUERY SELECT 'paused'::text, NULL::integer, NULL::timestamptz, NULL::text,
      NULL::integer, NULL::text, NULL::text, NULL::integer, NULL::integer, NULL::jsonb,
      NULL::boolean, NULL::jsonb, NULL::jsonb;
    RETURN;
  END IF;

  RETURN QUERY
    SELECT 'held'::text, a.id, a.expires_at, v_state.kind::text, i.id, i.text,
           i.media_key::text, i.width, i.height, i.prelabel::jsonb, i.is_gold, v_state.labels,
           CASE WHEN i.is_gold THEN (SELECT g.answer FROM gold_answers g WHERE g.item_id = i.id)
           END
      FROM assignments a JOIN items i ON i.id = a.item_id
     WHERE a.project_id = p_project_id AND a.annotator_id = p_user_id
       AND a.status = 'leased' AND a.expires_at > p_now AND a.stage = p_stage
     ORDER BY a.expires_at DESC
     LIMIT 1;
  IF FOUND THEN
    RETURN;
  END IF;

  IF v_state.qualification_count > 0 THEN
    SELECT count(*) < v_state.qualification_count INTO v_qualifying FROM (
      SELECT 1 FROM assignments
       WHERE project_id = p_project_id AND annotator_id = p_user_id
       LIMIT v_state.qualification_count) had;
  END IF;
  v_expires := p_now + make_interval(secs => v_state.lease_seconds);

  FOR attempt IN 1..p_rechecks LOOP
    v_item_id := NULL;
    IF v_qualifying OR random() < v_state.gold_rate THEN
      SELECT (SELECT random_key FROM items WHERE project_id = p_project_id AND is_gold
               ORDER BY random_key LIMIT 1),
             (SELECT random_key FROM items WHERE project_id = p_project_id AND is_gold
               ORDER BY random_key DESC LIMIT 1)
        INTO v_low, v_high;
      IF v_low IS NOT NULL THEN
        v_start := v_low + floor(random() * (v_high - v_low + 1))::bigint;
        SELECT g.id INTO v_item_id FROM (
            SELECT id, random_key FROM items
             WHERE project_id = p_project_id AND is_gold AND random_key >= v_start
             ORDER BY random_key LIMIT 64) g  -- GOLD_WINDOW
         WHERE (SELECT 1 FROM assignments had
                 WHERE had.item_id = g.id AND had.annotator_id = p_user_id LIMIT 1) IS NULL
         ORDER BY g.random_key LIMIT 1;
        IF v_item_id IS NULL THEN
          SELECT g.id INTO v_item_id FROM (
              SELECT id, random_key FROM items
               WHERE project_id = p_project_id AND is_gold AND random_key < v_start
               ORDER BY random_key LIMIT 64) g  -- GOLD_WINDOW
           WHERE (SELECT 1 FROM assignments had
                   WHERE had.item_id = g.id AND had.annotator_id = p_user_id LIMIT 1) IS NULL
           ORDER BY g.random_key LIMIT 1;
        END IF;
      END IF;
    END IF;

    IF v_item_id IS NOT NULL THEN
      v_is_gold := true;  -- gold is not limited by overlap
      INSERT INTO assignments (project_id, item_id, annotator_id, is_gold, status, created_at,
                               expires_at, stage)
      VALUES (p_project_id, v_item_id, p_user_id, true, 'leased', p_now, v_expires, p_stage)
      RETURNING id INTO v_assignment_id;
    ELSE
      v_is_gold := false;
      SELECT i.id INTO v_item_id
        FROM items i
       WHERE i.project_id = p_project_id
         AND NOT i.is_gold
         AND i.annotation_count < i.wanted
         AND (SELECT 1 FROM assignments had
               WHERE had.item_id = i.id AND had.annotator_id = p_user_id LIMIT 1) IS NULL
         AND (SELECT count(*) FROM assignments live
               WHERE live.item_id = i.id AND live.status = 'leased' AND live.expires_at > p_now)
             < i.wanted - i.annotation_count
       ORDER BY (i.wanted - i.annotation_count), i.priority DESC, i.random_key
       LIMIT 1
         FOR NO KEY UPDATE OF i SKIP LOCKED;
      IF v_item_id IS NULL THEN
        RETURN QUERY SELECT 'none'::text, NULL::integer, NULL::timestamptz, NULL::text,
          NULL::integer, NULL::text, NULL::text, NULL::integer, NULL::integer, NULL::jsonb,
          NULL::boolean, NULL::jsonb, NULL::jsonb;
        RETURN;
      END IF;
      -- A new statement, a new snapshot: the free slot counted after the pick's lock.
      INSERT INTO assignments (project_id, item_id, annotator_id, is_gold, status, created_at,
                               expires_at, stage)
      SELECT p_project_id, i.id, p_user_id, false, 'leased', p_now, v_expires, p_stage
        FROM items i
       WHERE i.id = v_item_id
         AND i.annotation_count + (SELECT count(*) FROM assignments live
               WHERE live.item_id = i.id AND live.status = 'leased' AND live.expires_at > p_now)
             < i.wanted
      RETURNING id INTO v_assignment_id;
    END IF;

    IF v_assignment_id IS NOT NULL THEN
      RETURN QUERY
        SELECT 'lease'::text, v_assignment_id, v_expires, v_state.kind::text, i.id, i.text,
               i.media_key::text, i.width, i.height, i.prelabel::jsonb, v_is_gold,
               v_state.labels,
               CASE WHEN v_is_gold THEN (SELECT g.answer FROM gold_answers g
                                          WHERE g.item_id = i.id) END
          FROM items i WHERE i.id = v_item_id;
      RETURN;
    END IF;
  END LOOP;
  RETURN QUERY SELECT 'none'::text, NULL::integer, NULL::timestamptz, NULL::text,
    NULL::integer, NULL::text, NULL::text, NULL::integer, NULL::integer, NULL::jsonb,
    NULL::boolean, NULL::jsonb, NULL::jsonb;
END
$fn$;
