"""Leases get a stage; the PostgreSQL functions take the stage and Python's constants.

``assignments.stage`` says what the person holding a lease is asked to do: ``annotate`` for every
lease so far (the server default fills the existing rows); review and acceptance leases (issue 19)
will use the same table, expiry, locks and functions (``backend/assignments/stages.py``).

The functions' canonical source moves out of the revisions into ``backend/assignments/sql/*.sql``,
beside the Python that calls them. This revision installs a frozen copy of that text as it stood
when it was written (a revision never reads the live files: they go on changing);
``tests/api/test_pg_function_source.py`` checks that the database at head runs exactly the
files' source, so a change to a ``.sql`` file needs a new revision that installs it. Changes:

* ``jinbiao_next`` and ``jinbiao_submit`` take ``p_stage`` (only ``annotate`` is built; another
  raises) and ``p_roles``, the roles that may work in the stage (``stages.StageRules.roles``, was
  a copy of the list); ``jinbiao_next`` takes ``p_rechecks`` (``picking.RECHECKS``, was a copy
  of 8). ``GOLD_WINDOW`` stays a literal 64 (as a parameter the LIMIT would make PostgreSQL
  replan the gold window on every call), checked against ``picking`` by a test. Leases are
  inserted with their stage, a held lease is one of the asked stage, a submit only finds a lease
  of its stage.
* ``jinbiao_mark_requested`` is the recompute flag that ``jinbiao_submit`` set inline
  (``consensus.scheduling.mark_requested`` in SQL), now one function, tested against the Python.

The downgrade restores revision 0008's functions from that revision's own text.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-12
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of backend/assignments/sql/*.sql (without their header comments) as of this
# revision.
MARK_REQUESTED = r"""
CREATE OR REPLACE FUNCTION jinbiao_mark_requested(p_project_id integer, p_now timestamptz,
                                                  OUT flagged boolean,
                                                  OUT started_at timestamptz)
LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
DECLARE
  v_requested boolean;
BEGIN
  flagged := false;
  SELECT q.requested_at IS NOT NULL INTO v_requested
    FROM project_quality q WHERE q.project_id = p_project_id;
  IF NOT FOUND THEN
    INSERT INTO project_quality (project_id, requested_at, figures, n_annotations, duration_ms)
    VALUES (p_project_id, p_now, '{}', 0, 0)
    ON CONFLICT DO NOTHING;
    flagged := FOUND;
  ELSIF NOT v_requested THEN
    UPDATE project_quality q SET requested_at = p_now
     WHERE q.project_id = p_project_id AND q.requested_at IS NULL
    RETURNING q.started_at INTO started_at;
    flagged := FOUND;
  END IF;
END
$fn$;
"""

NEXT = r"""
CREATE OR REPLACE FUNCTION jinbiao_next(p_stage text, p_project_id integer, p_user_id integer,
                                        p_now timestamptz, p_roles text[], p_rechecks integer)
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
    JOIN users u ON u.id = s.user_id AND u.is_active
   WHERE s.project_id = p_project_id AND s.user_id = p_user_id
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
                                          p_gold_answer jsonb, p_gold_score double precision)
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
    JOIN users u ON u.id = a.annotator_id AND u.is_active
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

FUNCTIONS = (MARK_REQUESTED, NEXT, SUBMIT)  # in this order: SUBMIT calls MARK_REQUESTED

_NEW = (
    "jinbiao_submit(text, integer, integer, jsonb, integer, timestamptz, text[], boolean, jsonb, "
    "jsonb, double precision)",
    "jinbiao_next(text, integer, integer, timestamptz, text[], integer)",
    "jinbiao_mark_requested(integer, timestamptz)",
)
_OLD = (
    "jinbiao_submit(integer, integer, jsonb, integer, timestamptz, boolean, jsonb, jsonb, "
    "double precision)",
    "jinbiao_next(integer, integer, timestamptz)",
)


def upgrade() -> None:
    with op.batch_alter_table("assignments") as batch:
        batch.add_column(
            sa.Column("stage", sa.String(length=16), nullable=False, server_default="annotate")
        )
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite runs the Python path
    for signature in _OLD:  # the arguments change: replaced, not redefined in place
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    for source in FUNCTIONS:
        op.execute(source)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for signature in _NEW:
            op.execute(f"DROP FUNCTION IF EXISTS {signature}")
        script = op.get_context().script
        assert script is not None
        previous = script.get_revision("0008").module  # loaded by Alembic, never edited
        op.execute(previous.NEXT)
        op.execute(previous.SUBMIT)
    with op.batch_alter_table("assignments") as batch:
        batch.drop_column("stage")
