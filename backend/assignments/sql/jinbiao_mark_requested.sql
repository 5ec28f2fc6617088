-- jinbiao_mark_requested: flag a project for a quality recompute (called by jinbiao_submit).
--
-- The SQL of backend/consensus/scheduling.py's ``mark_requested``, which SQLite and the Python
-- submit paths run: usually the flag is set already, and this is one primary-key read that
-- writes nothing; the first submit of a window sets ``requested_at`` (``IS NULL`` makes two first
-- submits agree on which one sends the job), or creates the project's row. Returns whether this
-- call set the flag, and when the project's last recompute started (the job's countdown).
-- tests/api/test_pg_function_source.py checks that both give the same answer and leave the same
-- row. This file is the source: revision 0009 installs a frozen copy (see jinbiao_next.sql).
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
