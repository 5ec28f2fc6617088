// The one data store every view reads and updates (VIA style). Views subscribe and re-render.
const state = {
  me: null,          // GET /me
  project: null,     // the project being worked on
  assignment: null,  // the live assignment {assignment_id, expires_at, item, prelabel?}
  result: null,      // the annotation result being built for the assignment (the JSON the backend stores)
  stats: null,       // GET /projects/{id}/my-stats
};
const listeners = new Set();

export const get = () => state;

export function set(patch) {
  Object.assign(state, patch);
  for (const fn of listeners) fn(state, patch);
}

export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// Per-item history of results for undo / redo. Reset when a new item is shown.
const history = { past: [], future: [] };
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export function resetHistory(result) {
  history.past = [];
  history.future = [];
  set({ result });
}

// Record a new result (after a user action); returns false when nothing changed.
export function commit(result) {
  if (same(result, state.result)) return false;
  history.past.push(state.result);
  history.future = [];
  set({ result });
  return true;
}

export function undo() {
  if (!history.past.length) return null;
  history.future.push(state.result);
  set({ result: history.past.pop() });
  return state.result;
}

export function redo() {
  if (!history.future.length) return null;
  history.past.push(state.result);
  set({ result: history.future.pop() });
  return state.result;
}

export const canUndo = () => history.past.length > 0;
export const canRedo = () => history.future.length > 0;

// Roles in an org, from /me memberships.
export const roleIn = (orgId) => state.me?.memberships?.find((m) => m.org_id === orgId)?.role;
export const canManage = (orgId) => ['owner', 'manager'].includes(roleIn(orgId));
