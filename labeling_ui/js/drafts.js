// An answer in progress, kept in this tab's sessionStorage so that a reload (F5, a crashed tab)
// does not lose it: after a reload the server hands the same item back, and the page starts from
// the draft instead of from empty (a tester lost a drawn outline that way). One draft per item of
// a project, written on every change, dropped once the item is submitted or skipped; only this
// tab sees it, and it goes with the tab.
const PREFIX = 'jinbiao.draft.';
const key = (projectId, itemId) => `${PREFIX}${projectId}.${itemId}`;

export function saveDraft(projectId, itemId, result) {
  try {
    sessionStorage.setItem(key(projectId, itemId), JSON.stringify(result));
  } catch { /* storage full or off: the page works without drafts */ }
}

export function takeDraft(projectId, itemId) {
  try {
    const text = sessionStorage.getItem(key(projectId, itemId));
    return text ? JSON.parse(text) : null;
  } catch { return null; }
}

export function dropDraft(projectId, itemId) {
  try { sessionStorage.removeItem(key(projectId, itemId)); } catch { /* nothing kept */ }
}
