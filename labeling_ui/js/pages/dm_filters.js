// The data manager's filter: held in the address (#/projects/7/data?status=done&label=dent), so a
// link shows another person exactly the same items, and never stored on the server.
import { h, field } from '../dom.js';
import { t } from '../i18n.js';
import * as store from '../store.js';
import { fmtDateTime } from './common.js';

export const FILTERS = ['status', 'label', 'confidence_min', 'confidence_max', 'annotator_id', 'gold', 'batch_id', 'q', 'sort', 'limit'];
export const STATUSES = ['new', 'in_progress', 'done', 'in_review', 'reviewed', 'rework', 'final'];
export const SORTS = ['id', '-id', 'confidence', '-confidence', 'annotations', '-annotations'];

// The filter part of the router's params (page position left out).
export const filterOf = (params) => Object.fromEntries(FILTERS.filter((k) => params[k] !== undefined && params[k] !== '').map((k) => [k, params[k]]));

// '#/projects/7/data?...': the table with this filter, at a page position if given.
export function tableHash(projectId, filter, position = {}) {
  const qs = new URLSearchParams({ ...filter, ...position }).toString();
  return `#/projects/${projectId}/data${qs ? `?${qs}` : ''}`;
}

// '#/items/5?project=7&...&at=<cursor>': the item view, able to step through the same filter.
export function itemHash(itemId, projectId, filter, at) {
  const qs = new URLSearchParams({ project: projectId, ...filter, ...(at ? { at } : {}) }).toString();
  return `#/items/${itemId}?${qs}`;
}

const options = (values, current, labelOf) => values.map(([value, text]) => h('option', { value, selected: String(current ?? '') === String(value) }, labelOf ? labelOf(text) : text));

// The form; onApply(filter) navigates. annotators: [{id, name}], batches: [{id, created_at, created}].
export function filterForm({ project, filter, annotators, batches, onApply }) {
  const select = (name, values) => h('select', { name }, options([['', t('any')], ...values], filter[name]));
  const status = select('status', STATUSES.map((s) => [s, t(`status_${s}`)]));
  const label = select('label', (project.labels || []).map((l) => [l.name, l.name]));
  const number = (name) => h('input', { name, type: 'number', min: 0, max: 1, step: 0.05, value: filter[name] ?? '', inputmode: 'decimal' });
  const confMin = number('confidence_min');
  const confMax = number('confidence_max');
  // a client sees annotators by pseudonym only: no filter by their id (the API refuses it)
  const annotator = store.roleIn(project.org_id) === 'client' ? null : annotators
    ? select('annotator_id', annotators.map((a) => [a.id, a.name]))
    : h('input', { name: 'annotator_id', type: 'number', min: 1, value: filter.annotator_id ?? '' });
  const gold = select('gold', [['true', t('yes')], ['false', t('no')]]);
  const batch = select('batch_id', batches.map((b) => [b.id, t('batch_n', { id: b.id, when: fmtDateTime(b.created_at), n: b.created })]));
  const q = h('input', { name: 'q', type: 'search', maxlength: 200, value: filter.q ?? '' });
  const sort = h('select', { name: 'sort' }, options(SORTS.map((s) => [s, t(`sort_${s}`)]), filter.sort ?? 'id'));
  const limit = h('select', { name: 'limit' }, options([25, 50, 100, 200].map((n) => [n, String(n)]), filter.limit ?? 50));
  const form = h('form', { class: 'dm-filters card', 'aria-label': t('filters'), onsubmit: (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const next = {};
    for (const [k, v] of data.entries()) if (String(v).trim() !== '') next[k] = String(v).trim();
    if (next.sort === 'id') delete next.sort;
    if (next.limit === '50') delete next.limit;
    onApply(next);
  } },
  h('div', { class: 'dm-filter-grid' },
    field(t('f_status'), status), field(t('f_label'), label), field(t('f_conf_min'), confMin), field(t('f_conf_max'), confMax),
    annotator ? field(t('f_annotator'), annotator) : null, field(t('f_gold'), gold), field(t('f_batch'), batch), field(t('f_q'), q),
    field(t('f_sort'), sort), field(t('f_limit'), limit)),
  h('div', { class: 'actions' },
    h('button', { type: 'submit', class: 'primary' }, t('apply')),
    h('button', { type: 'button', onclick: () => onApply({}) }, t('clear_filters')),
    h('span', { class: 'hint' }, t('filter_shared_hint'))));
  return form;
}
