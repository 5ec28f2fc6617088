// Lots (验收): make a lot of finished items, see its ISO 2859-1 plan (n, Ac, Re), follow the
// inspection of its sample, read the verdict, send a rejected lot to rework and inspect it again.
// For managers and the client; the server refuses the rest (lots/routes.py).
import * as api from '../api.js';
import * as store from '../store.js';
import { t } from '../i18n.js';
import { h, field, focusHeading } from '../dom.js';
import { ensureMe, loadProject } from '../session.js';
import { describeError } from '../errors.js';
import { toast } from '../toast.js';
import { projectHeader, errorBox, emptyState, loading } from './common.js';
import { FILTERS, tableHash } from './dm_filters.js';

// AQLs a lot of items may use (percent nonconforming: ISO 2859-1 clause 5, 10 or less).
export const AQLS = ['0.010', '0.015', '0.025', '0.040', '0.065', '0.10', '0.15', '0.25', '0.40',
  '0.65', '1.0', '1.5', '2.5', '4.0', '6.5', '10'];
export const LEVELS = ['S-1', 'S-2', 'S-3', 'S-4', 'I', 'II', 'III'];
const PAGE = 20;
const DECIDERS = new Set(['owner', 'manager', 'client']);
const INSPECTORS = new Set(['owner', 'manager', 'reviewer', 'client']);

const planText = (plan) => t('lot_plan_line', {
  letter: plan.code_letter, n: plan.sample_size, ac: plan.accept, re: plan.reject,
});

function statusBadge(lot) {
  return h('span', { class: `badge lot-${lot.status}`, dataset: { lotStatus: lot.status } }, t(`lot_status_${lot.status}`));
}

function inspectionBar(lot) {
  const n = lot.plan.sample_size;
  const pct = n ? Math.round((100 * lot.inspected) / n) : 0;
  return h('div', { class: 'progress-row' },
    h('progress', { max: n, value: lot.inspected, 'aria-label': t('lot_inspected_of', { done: lot.inspected, n }) }),
    h('span', { class: 'percent' }, t('lot_inspected_of', { done: lot.inspected, n }), ` (${pct}%)`));
}

// The data manager's filters carried in the address (#/projects/7/lots?source=filter&label=dent):
// sort and page size are not filters.
const LOT_FILTERS = FILTERS.filter((k) => k !== 'sort' && k !== 'limit');
export const lotFilterOf = (params) => Object.fromEntries(LOT_FILTERS
  .filter((k) => params[k] !== undefined && params[k] !== '').map((k) => [k, params[k]]));

export async function renderLots(root, params) {
  const { id } = params;
  root.append(loading());
  let project;
  try { await ensureMe(); project = await loadProject(id); } catch (err) { root.replaceChildren(errorBox(err)); return undefined; }
  const role = store.roleIn(project.org_id);
  const state = h('p', { class: 'muted', id: 'switching-state' });
  const list = h('div', { id: 'lot-list' }, loading());
  // replaceChildren() would print a null as the text "null": only the parts that exist.
  root.replaceChildren(...[projectHeader(project, 'lots'), h('h1', {}, `${t('lots')}: ${project.name}`),
    h('p', { class: 'muted' }, t('lots_intro')), state,
    DECIDERS.has(role) ? createForm(project, () => refresh(0), params) : null, list].filter(Boolean));
  focusHeading(root);

  let offset = 0;
  let timer = null;
  let alive = true;
  async function refresh(at = offset) {
    clearTimeout(timer);
    offset = at;
    let page;
    try { page = await api.get(`projects/${project.id}/lots`, { offset, limit: PAGE }); } catch (err) {
      list.replaceChildren(errorBox(err, () => refresh(offset)));
      return;
    }
    state.textContent = t('lots_switching', { severity: t(`severity_${page.switching.severity}`) });
    if (page.switching.severity === 'normal') state.append(' ', t('lots_switching_score', { score: page.switching.switching_score }));
    state.dataset.severity = page.switching.severity;
    if (!page.lots.length && offset === 0) {
      list.replaceChildren(emptyState(t('lots_empty_title'), t(DECIDERS.has(role) ? 'lots_empty' : 'lots_empty_client')));
      return;
    }
    list.replaceChildren(...[h('table', { class: 'figures-table lots-table' },
      h('caption', {}, t('lots')),
      h('thead', {}, h('tr', {}, ...['lot', 'lot_size', 'status', 'lot_plan', 'lot_inspection', 'lot_defects', 'actions']
        .map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, page.lots.map((lot) => lotRow(lot, role, () => refresh(offset))))),
    pager(page.total, offset, refresh)].filter(Boolean)); // no pager for a single page
    if (alive && page.lots.some((lot) => lot.status === 'inspecting')) timer = setTimeout(() => refresh(offset), 5000);
  }
  await refresh(0);
  return () => { alive = false; clearTimeout(timer); };
}

function pager(total, offset, go) {
  if (total <= PAGE) return null;
  return h('nav', { class: 'pager', 'aria-label': t('pages') },
    h('button', { type: 'button', disabled: offset === 0, onclick: () => go(Math.max(0, offset - PAGE)) }, t('previous')),
    h('span', { class: 'muted' }, t('page_of', { from: offset + 1, to: Math.min(total, offset + PAGE), total })),
    h('button', { type: 'button', disabled: offset + PAGE >= total, onclick: () => go(offset + PAGE) }, t('next_page')));
}

// The data manager's filters in words ("标签 = dent · 置信度上限 = 0.9"): the new-lot form's
// preview and a lot made from a filter (kept on the lot, revision 0026).
const describeFilter = (filter) => Object.entries(filter)
  .map(([k, v]) => `${t(`lot_filter_${k}`)} = ${k === 'status' ? t(`status_${v}`) : v}`).join(' · ');

function lotRow(lot, role, refresh) {
  const act = async (path, body, done) => {
    try { await api.post(`lots/${lot.id}/${path}`, body); toast(done, 'ok'); refresh(); } catch (err) { toast(describeError(err), 'error', 6000); }
  };
  const actions = [];
  if (lot.status === 'inspecting' && INSPECTORS.has(role)) {
    actions.push(h('a', { class: 'button primary', href: `#/projects/${lot.project_id}/lots/${lot.id}/inspect`, 'aria-label': `${t('lot_inspect')} #${lot.id}` }, t('lot_inspect')));
  }
  if (lot.status === 'rejected' && DECIDERS.has(role)) {
    if (!lot.reworked) {
      actions.push(
        h('button', { type: 'button', onclick: () => act('rework', { scope: 'defective' }, t('lot_reworked')) }, t('lot_rework_defective')),
        h('button', { type: 'button', onclick: () => act('rework', { scope: 'all' }, t('lot_reworked')) }, t('lot_rework_all')));
    } else {
      actions.push(h('span', { class: 'muted' }, t('lot_in_rework', { n: lot.reworked })));
    }
    actions.push(h('button', { type: 'button', onclick: () => act('reinspect', {}, t('lot_reinspecting')) }, t('lot_reinspect')));
  }
  return h('tr', { dataset: { lotId: lot.id, lotStatus: lot.status } },
    h('td', {}, `#${lot.id}`, lot.round > 1 ? h('small', { class: 'muted' }, ` ${t('lot_round', { n: lot.round })}`) : null,
      lot.filter ? h('small', { class: 'muted lot-row-filter' }, h('br'), `${t('lot_filter')}: ${describeFilter(lot.filter)}`) : null),
    h('td', {}, String(lot.size)),
    h('td', {}, statusBadge(lot)),
    h('td', { class: 'lot-plan' }, planText(lot.plan), h('br'),
      h('small', { class: 'muted' }, t('lot_plan_detail', { aql: lot.plan.aql, level: lot.plan.level, severity: t(`severity_${lot.plan.severity}`) }),
        lot.plan.full_inspection ? ` · ${t('lot_full_inspection')}` : '')),
    h('td', {}, inspectionBar(lot)),
    h('td', { dataset: { defects: lot.defects } }, String(lot.defects)),
    h('td', { class: 'actions' }, actions.length ? actions : '—'));
}

// The form that makes a lot, with the plan it would get for the size given (GET /acceptance/plan).
function createForm(project, made, params = {}) {
  const filter = lotFilterOf(params);
  const fromFilter = params.source === 'filter' || Object.keys(filter).length > 0;
  const source = h('select', { name: 'source' },
    h('option', { value: 'all_finished' }, t('lot_source_all')),
    h('option', { value: 'item_ids' }, t('lot_source_items')),
    h('option', { value: 'batch_id' }, t('lot_source_batch')),
    h('option', { value: 'filter', selected: fromFilter }, t('lot_source_filter')));
  const filterText = Object.keys(filter).length ? describeFilter(filter) : t('lot_filter_none');
  const filterField = h('div', { class: 'field lot-filter', id: 'lot-filter' },
    h('strong', {}, t('lot_filter')),
    h('p', { dataset: { filter: JSON.stringify(filter) } }, filterText),
    h('a', { href: tableHash(project.id, filter) }, t('lot_filter_edit')),
    h('p', { class: 'hint' }, t('lot_filter_hint')));
  const ids = h('textarea', { name: 'item_ids', rows: 2, placeholder: '101, 102, 103' });
  const batch = h('input', { name: 'batch_id', type: 'number', min: 1 });
  const aql = h('select', { name: 'aql' }, AQLS.map((a) => h('option', { value: a, selected: a === '1.0' }, a)));
  const level = h('select', { name: 'level' }, LEVELS.map((l) => h('option', { value: l, selected: l === 'II' }, l)));
  // The preview's lot size: the real count of the chosen source (POST …/lots/count), filled in
  // when the source changes; the person may type another size to try it.
  const size = h('input', { name: 'preview_size', type: 'number', min: 1, value: '' });
  const sourceCount = h('p', { class: 'hint lot-source-count', 'aria-live': 'polite' });
  const preview = h('p', { class: 'plan-preview', role: 'status', 'aria-live': 'polite' });
  const error = h('div', { role: 'alert' });
  const idsField = field(t('lot_item_ids'), ids, t('lot_item_ids_hint'));
  const batchField = field(t('lot_batch_id'), batch);
  const showSource = () => {
    idsField.hidden = source.value !== 'item_ids';
    batchField.hidden = source.value !== 'batch_id';
    filterField.hidden = source.value !== 'filter';
  };
  const parsedIds = () => ids.value.split(/[\s,，]+/).filter(Boolean).map(Number);
  const sourceBody = () => {
    if (source.value === 'all_finished') return { all_finished: true };
    if (source.value === 'item_ids') return parsedIds().length && parsedIds().every(Number.isInteger) ? { item_ids: parsedIds() } : null;
    if (source.value === 'filter') return { filter };
    return Number(batch.value) >= 1 ? { batch_id: Number(batch.value) } : null;
  };
  // Answers can come back out of order (each change asks again): only the latest question's
  // answer is shown, so a slow first answer never overwrites the plan of what was asked last.
  let counted = 0;
  async function countSource() {
    const mine = ++counted;
    const body = sourceBody();
    if (!body) { sourceCount.textContent = ''; size.value = ''; return; }
    let text; let n = null;
    try {
      n = (await api.post(`projects/${project.id}/lots/count`, body)).count;
      const given = body.item_ids ? new Set(body.item_ids).size : null;
      if (!n) text = t('lot_source_none');
      else if (given !== null && n < given) text = t('lot_source_count_of', { n, given });
      else text = t('lot_source_count', { n });
    } catch (err) { text = describeError(err); }
    if (mine !== counted) return;
    sourceCount.textContent = text;
    sourceCount.dataset.count = n ?? '';
    if (n !== null) size.value = n ? String(body.item_ids ? new Set(body.item_ids).size : n) : '';
  }
  let asked = 0;
  async function showPlan() {
    const mine = ++asked;
    const lotSize = Number(size.value);
    if (!lotSize) { preview.textContent = ''; return; }
    let text;
    try {
      const plan = await api.get('acceptance/plan', { lot_size: lotSize, aql: aql.value, level: level.value });
      text = t('lot_plan_preview', { size: lotSize, letter: plan.code_letter, n: plan.sample_size, ac: plan.accept, re: plan.reject });
    } catch (err) { text = describeError(err); }
    if (mine === asked) preview.textContent = text;
  }
  const recount = async () => { showSource(); await countSource(); showPlan(); };
  [source, ids, batch].forEach((el) => el.addEventListener('change', recount));
  [aql, level, size].forEach((el) => el.addEventListener('change', () => showPlan()));
  const form = h('form', { class: 'card', id: 'new-lot' }, h('h2', {}, t('lot_new')),
    field(t('lot_source'), source), idsField, batchField, filterField,
    h('div', { class: 'row' }, field(t('lot_aql'), aql, t('lot_aql_hint')), field(t('lot_level'), level, t('lot_level_hint'))),
    sourceCount, field(t('lot_preview_size'), size, t('lot_preview_size_hint')), preview, error,
    h('button', { type: 'submit', class: 'primary' }, t('lot_create')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.replaceChildren();
    const body = { aql: aql.value, level: level.value };
    if (source.value === 'all_finished') body.all_finished = true;
    else if (source.value === 'item_ids') body.item_ids = parsedIds();
    else if (source.value === 'filter') body.filter = filter;
    else body.batch_id = Number(batch.value);
    try {
      const lot = await api.post(`projects/${project.id}/lots`, body);
      toast(t('lot_created', { id: lot.id, n: lot.plan.sample_size }), 'ok');
      made();
      recount(); // its items are in a lot now
    } catch (err) { error.replaceChildren(errorBox(err)); }
  });
  recount();
  return form;
}
