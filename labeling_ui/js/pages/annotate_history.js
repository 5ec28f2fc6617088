// "My recent submissions" beside the annotate page: the annotator's own answers in this project,
// newest first (GET /me/annotations), fetched only while the list is open. "Change" reopens one with the same tool; the annotate page
// saves it with PATCH /annotations/{id}. An answer whose item is settled (reviewed, final, gold)
// shows why instead of the button.
import * as api from '../api.js';
import { t } from '../i18n.js';
import { h } from '../dom.js';
import { describeError } from '../errors.js';

const PAGE = 10;

const when = (iso) => {
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
};

// { element, refresh(), mark(id) }: onOpen(row) is called with the row the annotator chose.
export function historyPanel({ projectId, describe, onOpen }) {
  let offset = 0;
  let total = 0;
  let openId = null;
  const list = h('ol', { class: 'my-history-list' });
  const status = h('p', { class: 'muted', role: 'status' });
  const prev = h('button', { type: 'button', onclick: () => load(Math.max(0, offset - PAGE)) }, t('history_newer'));
  const next = h('button', { type: 'button', onclick: () => load(offset + PAGE) }, t('history_older'));
  const pager = h('div', { class: 'pager' }, prev, next);
  const element = h('details', { class: 'my-history', id: 'my-history' },
    h('summary', {}, t('my_history')), status, list, pager);

  function row(a) {
    const corrected = a.corrections ? h('span', { class: 'badge' }, t('corrected_n', { n: a.corrections })) : null;
    const action = a.can_correct
      ? h('button', { type: 'button', class: 'small', dataset: { annotationId: a.id }, onclick: () => onOpen(a), 'aria-label': t('change_answer_n', { n: a.item_id }) }, t('change_answer'))
      : h('span', { class: 'muted small', title: a.settled_reason || '' }, t('answer_settled'));
    // which item: the start of its text, else its number (an image's own name is not served)
    const text = (a.item?.text || '').trim();
    const itemLabel = text ? (text.length > 24 ? `${text.slice(0, 24)}…` : text) : `#${a.item_id}`;
    return h('li', { class: a.id === openId ? 'open' : '', dataset: { annotationId: a.id, itemId: a.item_id } },
      h('span', { class: 'history-when' }, when(a.created_at)), ' ',
      h('span', { class: 'history-item', title: text || null }, itemLabel), ' ',
      h('span', { class: 'history-result' }, describe(a.result) || '∅'), ' ', corrected, ' ', action);
  }

  async function load(at = offset) {
    status.textContent = t('loading');
    let response;
    try {
      response = await api.request('me/annotations', { query: { project_id: projectId, offset: at, limit: PAGE }, withHeaders: true });
    } catch (err) { status.textContent = describeError(err); return; }
    const { body, headers } = response;
    offset = at;
    total = Number(headers.get('X-Total-Count') || body.length);
    list.replaceChildren(...body.map(row));
    status.textContent = total ? t('history_range', { from: offset + 1, to: offset + body.length, total }) : t('history_empty');
    prev.disabled = offset === 0;
    next.disabled = offset + body.length >= total;
    pager.hidden = total <= PAGE;
  }

  // Asked only while the list is open: a closed list costs the labelling loop no request; it is
  // loaded when opened, and after each submit while open.
  let stale = true;
  element.addEventListener('toggle', () => { if (element.open && stale) { stale = false; load(offset); } });
  const whenOpen = (at) => { if (element.open) { stale = false; return load(at); } stale = true; offset = at; return Promise.resolve(); };

  return {
    element,
    refresh: () => whenOpen(offset),
    reset: () => whenOpen(0),
    mark: (id) => { openId = id; for (const li of list.children) li.classList.toggle('open', Number(li.dataset.annotationId) === id); },
  };
}
