"""Distribution on PostgreSQL: ``next`` and ``submit`` as one statement each.

A ``next`` was six round trips (state lock, held lease, pick, insert, begin, commit) and a
``submit`` five, and each round trip cost the API process more CPU than PostgreSQL spent on the
statement. These two PL/pgSQL functions run the same statements, in the same order and with the
same locks, inside the database, so the API makes one call per ``next`` and one per ``submit`` (the
result is still validated in Python first; see ``backend/assignments/pg_hot_path.py``). The same
design carries queue-in-PostgreSQL systems such as Graphile Worker's ``get_job`` and pgmq's
``read``.

The Python path in ``backend/assignments/leasing.py`` and ``submitting.py`` stays the reference:
SQLite runs it, and PostgreSQL runs it for every case the functions hand back (``refused``,
``paused``, ``changed``, ``late``: a refused caller, a paused annotator, a repeat, an item that
became gold since the result was checked, or a late submit of a normal item), so the answers of
those cases come from one place. The whole test suite
runs on both databases, so both paths answer the same.

Each statement of a VOLATILE function takes a fresh snapshot under READ COMMITTED, so the
insert's recheck of the free slot after the pick's row lock works exactly as in ``picking.py``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Rules 1-4 as in backend/assignments/leasing.py and picking.py (RECHECKS = 8, GOLD_WINDOW = 64).
NEXT = r"""
CREATE OR REPLACE FUNCTION jinbiao_next(p_project_id integer, p_user_id integer, p_now timestamptz)
RETURNS TABLE (outcome text, assignment_id integer, expires_at timestamptz, kind text,
               item_id integer, item_text text, media_key text, width integer, height integer,
               prelabel jsonb)
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
  -- A lease lost in a crash is harmless (the annotator asks again); annotations are not written.
  PERFORM set_config('synchronous_commit', 'off', true);
  SELECT s.status, m.role, p.kind, p.gold_rate, p.qualification_count, p.lease_seconds
    INTO v_state
    FROM annotator_states s
    JOIN projects p ON p.id = s.project_id
    JOIN memberships m ON m.org_id = p.org_id AND m.user_id = s.user_id
    JOIN users u ON u.id = s.user_id AND u.is_active
   WHERE s.project_id = p_project_id AND s.user_id = p_user_id
     FOR NO KEY UPDATE OF s;
  IF NOT FOUND OR v_state.role NOT IN ('annotator', 'manager', 'owner') THEN
    RETURN QUERY SELECT 'refused'::text, NULL::integer, NULL::timestamptz, NULL::text,
      NULL::integer, NULL::text, NULL::text, NULL::integer, NULL::integer, NULL::jsonb;
    RETURN;
  END IF;
  IF v_state.status = 'paused' THEN
    RETURN QUERY SELECT 'paused'::text, NULL::integer, NULL::timestamptz, NULL::text,
      NULL::integer, NULL::text, NULL::text, NULL::integer, NULL::integer, NULL::jsonb;
    RETURN;
  END IF;

  RETURN QUERY
    SELECT 'held'::text, a.id, a.expires_at, v_state.kind::text, i.id, i.text,
           i.media_key::text, i.width, i.height, i.prelabel::jsonb
      FROM assignments a JOIN items i ON i.id = a.item_id
     WHERE a.project_id = p_project_id AND a.annotator_id = p_user_id
       AND a.status = 'leased' AND a.expires_at > p_now
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

  FOR attempt IN 1..8 LOOP
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
             ORDER BY random_key LIMIT 64) g
         WHERE (SELECT 1 FROM assignments had
                 WHERE had.item_id = g.id AND had.annotator_id = p_user_id LIMIT 1) IS NULL
         ORDER BY g.random_key LIMIT 1;
        IF v_item_id IS NULL THEN
          SELECT g.id INTO v_item_id FROM (
              SELECT id, random_key FROM items
               WHERE project_id = p_project_id AND is_gold AND random_key < v_start
               ORDER BY random_key LIMIT 64) g
           WHERE (SELECT 1 FROM assignments had
                   WHERE had.item_id = g.id AND had.annotator_id = p_user_id LIMIT 1) IS NULL
           ORDER BY g.random_key LIMIT 1;
        END IF;
      END IF;
    END IF;

    IF v_item_id IS NOT NULL THEN
      v_is_gold := true;  -- gold is not limited by overlap
      INSERT INTO assignments (project_id, item_id, annotator_id, is_gold, status, created_at,
                               expires_at)
      VALUES (p_project_id, v_item_id, p_user_id, true, 'leased', p_now, v_expires)
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
          NULL::integer, NULL::text, NULL::text, NULL::integer, NULL::integer, NULL::jsonb;
        RETURN;
      END IF;
      -- A new statement, a new snapshot: the free slot counted after the pick's lock.
      INSERT INTO assignments (project_id, item_id, annotator_id, is_gold, status, created_at,
                               expires_at)
      SELECT p_project_id, i.id, p_user_id, false, 'leased', p_now, v_expires
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
               i.media_key::text, i.width, i.height, i.prelabel::jsonb
          FROM items i WHERE i.id = v_item_id;
      RETURN;
    END IF;
  END LOOP;
  RETURN QUERY SELECT 'none'::text, NULL::integer, NULL::timestamptz, NULL::text,
    NULL::integer, NULL::text, NULL::text, NULL::integer, NULL::integer, NULL::jsonb;
END
$fn$;
"""

# The write half of submitting.submit_fast for a live lease whose result Python has validated
# (and, for a gold item, scored against its known answer: p_gold_score, NULL when the gold item
# has no answer yet). What Python saw of the item is passed as p_is_gold; if the item changed
# since (it became gold), the call hands back. Repeats, skipped or foreign assignments and late
# submits of normal items are handed back too. A gold answer also counts on the annotator's
# state row (locked last, as in submitting._record_gold); the counts it returns let Python apply
# rule 5. The quality flag is consensus.scheduling.mark_requested in SQL (first submit of a
# window only).
SUBMIT = r"""
CREATE OR REPLACE FUNCTION jinbiao_submit(p_assignment_id integer, p_user_id integer,
                                          p_result jsonb, p_duration_ms integer,
                                          p_now timestamptz, p_is_gold boolean,
                                          p_gold_score double precision)
RETURNS TABLE (outcome text, annotation_id integer, project_id integer, item_id integer,
               flagged boolean, started_at timestamptz, gold_answered integer,
               gold_correct double precision, state_status text)
LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
DECLARE
  v record;
  v_answered integer;
  v_correct double precision;
  v_status text;
  v_annotation_id integer;
  v_flagged boolean := false;
  v_started timestamptz;
BEGIN
  SELECT a.project_id, a.item_id, a.status, a.expires_at, i.is_gold, m.role
    INTO v
    FROM assignments a
    JOIN items i ON i.id = a.item_id
    JOIN projects p ON p.id = a.project_id
    JOIN memberships m ON m.org_id = p.org_id AND m.user_id = a.annotator_id
    JOIN users u ON u.id = a.annotator_id AND u.is_active
   WHERE a.id = p_assignment_id AND a.annotator_id = p_user_id
     FOR NO KEY UPDATE OF a, i;
  IF NOT FOUND OR v.role NOT IN ('annotator', 'manager', 'owner') THEN
    RETURN QUERY SELECT 'refused'::text, NULL::integer, NULL::integer, NULL::integer,
      false, NULL::timestamptz, NULL::integer, NULL::double precision, NULL::text;
    RETURN;
  END IF;
  IF v.status <> 'leased' OR v.is_gold <> p_is_gold THEN
    RETURN QUERY SELECT 'changed'::text, NULL::integer, v.project_id, v.item_id,
      false, NULL::timestamptz, NULL::integer, NULL::double precision, NULL::text;
    RETURN;
  END IF;
  IF v.expires_at <= p_now AND NOT v.is_gold THEN  -- gold is not limited by overlap
    RETURN QUERY SELECT 'late'::text, NULL::integer, v.project_id, v.item_id,
      false, NULL::timestamptz, NULL::integer, NULL::double precision, NULL::text;
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
        false, NULL::timestamptz, NULL::integer, NULL::double precision, NULL::text;
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

  UPDATE project_quality q SET requested_at = p_now
   WHERE q.project_id = v.project_id AND q.requested_at IS NULL
  RETURNING q.started_at INTO v_started;
  IF FOUND THEN
    v_flagged := true;
  ELSIF NOT EXISTS (SELECT 1 FROM project_quality q WHERE q.project_id = v.project_id) THEN
    INSERT INTO project_quality (project_id, requested_at, figures, n_annotations, duration_ms)
    VALUES (v.project_id, p_now, '{}', 0, 0)
    ON CONFLICT DO NOTHING;
    v_flagged := FOUND;
  END IF;

  RETURN QUERY SELECT 'created'::text, v_annotation_id, v.project_id, v.item_id,
    v_flagged, v_started, v_answered, v_correct, v_status;
END
$fn$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite runs the Python path
    op.execute(NEXT)
    op.execute(SUBMIT)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "DROP FUNCTION IF EXISTS "
        "jinbiao_submit(integer, integer, jsonb, integer, timestamptz, boolean, double precision)"
    )
    op.execute("DROP FUNCTION IF EXISTS jinbiao_next(integer, integer, timestamptz)")
