"""Distribution on PostgreSQL checks who may work: current sign-ins and project access lists.

Revision 0010 gave users a ``token_generation`` (raised by every password change; each sign-in
token carries the generation it was issued at) and projects an access mode with lists of people
and teams (``backend/projects/access.py``). The Python paths of ``next`` and ``submit`` check both;
this revision makes the one-call functions check them too, so a token from before a password
change stops working on the hot path as everywhere else, and ``next`` on a ``listed`` project is
refused to an annotator who is not on its list (handed back: the Python path answers 403
``not_on_project``):

* ``jinbiao_next`` and ``jinbiao_submit`` take ``p_generation`` (the sign-in's), matched against
  ``users.token_generation`` in the same join that checks ``is_active``;
* ``jinbiao_next``'s state lock carries the access condition, ``work_condition_sql`` of
  ``backend/projects/access.py`` written out (a test checks the two are the same text).

Frozen copies of ``backend/assignments/sql/jinbiao_next.sql`` and ``jinbiao_submit.sql`` as of
this revision (without their header comments); the downgrade restores revision 0009's.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEXT = r"""
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
"""

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

_NEW = (
    "jinbiao_submit(text, integer, integer, jsonb, integer, timestamptz, text[], boolean, jsonb, "
    "jsonb, double precision, integer)",
    "jinbiao_next(text, integer, integer, timestamptz, text[], integer, integer)",
)
_OLD = (
    "jinbiao_submit(text, integer, integer, jsonb, integer, timestamptz, text[], boolean, jsonb, "
    "jsonb, double precision)",
    "jinbiao_next(text, integer, integer, timestamptz, text[], integer)",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite runs the Python path
    for signature in _OLD:  # the arguments change: replaced, not redefined in place
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    op.execute(NEXT)
    op.execute(SUBMIT)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for signature in _NEW:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    script = op.get_context().script
    assert script is not None
    previous = script.get_revision("0009").module  # loaded by Alembic, never edited
    op.execute(previous.NEXT)
    op.execute(previous.SUBMIT)
