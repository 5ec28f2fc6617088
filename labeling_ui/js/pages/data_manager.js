// The data manager: the project's items in a table (thumbnail or text preview, status, gold,
// consensus and confidence, answers, batch), filtered by the address, sorted, paged by cursor
// (GET /projects/{id}/items), with bulk actions for owners and managers.
import * as api from '../api.js';
import * as store from '../store.js';
import { getLang, t } from '../i18n.js';
import { h, focusHeading } from '../dom.js';
import { ensureMe, loadProject } from '../session.js';
import { navigate } from '../router.js';
import { toast } from '../toast.js';
import { describeError } from '../errors.js';
import { projectHeader, errorBox, emptyState, loading, fmtPercent } from './common.js';
import { filterForm, filterOf, tableHash, itemHash } from './dm_filters.js';
import { goldPanel } from './gold_panel.js';

const LOT_MAKERS = new Set(['owner', 'manager', 'client']);

// '#/projects/7/lots?source=filter&label=dent': the lots page's form, set to this filter.
function lotHash(projectId, filter) {
  const { sort, limit, ...filters } = filter;
  return `#/projects/${projectId}/lots?${new URLSearchParams({ source: 'filter', ...filters })}`;
}

export async function renderDataManager(root, params) {
  root.append(loading());
  let project; let batches = []; let annotators = null;
  try {
    await ensureMe();
    project = await loadProject(params.id);
    batches = await api.get(`projects/${project.id}/batches`);
  } catch (err) { root.replaceChildren(errorBox(err)); return undefined; }
  const canManage = store.canManage(project.org_id);
  if (canManage) {
    try {
      const members = await api.get(`orgs/${project.org_id}/members`, { offset: 0, limit: 500 });
      annotators = members.filter((m) => m.role === 'annotator').map((m) => ({ id: m.user_id, name: m.name || m.email }));
    } catch { annotators = null; }
  }
  const filter = filterOf(params);
  const position = params.cursor ? { cursor: params.cursor } : params.before ? { before: params.before } : {};
  const form = filterForm({ project, filter, annotators, batches, onApply: (next) => navigate(tableHash(project.id, next)) });
  const gold = goldPanel(project, { canManage, onChange: () => load() });
  // Owners, managers and the client make lots (验收); the lot takes this filter's finished items.
  const lotLink = LOT_MAKERS.has(store.roleIn(project.org_id))
    ? h('p', { class: 'actions dm-lot' },
      h('a', { class: 'button', id: 'lot-from-filter', href: lotHash(project.id, filter) }, t('lot_from_filter')),
      h('span', { class: 'hint' }, t('lot_from_filter_hint')))
    : null;
  const body = h('div', { class: 'dm-body' }, loading());
  root.replaceChildren(...[projectHeader(project, 'data'), h('h1', {}, t('data_title', { project: project.name })),
    gold.box, form, lotLink, canManage ? null : h('p', { class: 'hint' }, t('read_only_hint')), body].filter(Boolean));
  focusHeading(root);

  const selected = new Set();
  let page = null;

  async function load() {
    try {
      page = await api.get(`projects/${project.id}/items`, { ...filter, ...position });
    } catch (err) { body.replaceChildren(errorBox(err, load)); return; }
    selected.clear();
    render();
  }

  function render() {
    const { items } = page;
    if (!items.length) {
      const empty = Object.keys(filter).length || position.cursor || position.before
        ? emptyState(t('no_match_title'), t('no_match'), h('a', { class: 'button', href: tableHash(project.id, {}) }, t('clear_filters')))
        : emptyState(t('no_items_title'), t('no_items'), canManage ? h('a', { class: 'button primary', href: `#/projects/${project.id}/import` }, t('import')) : null);
      body.replaceChildren(empty);
      return;
    }
    const bulk = canManage ? bulkBar() : null;
    const pageBox = h('input', { type: 'checkbox', 'aria-label': t('select_page'), onchange: (e) => {
      for (const item of items) { if (e.target.checked) selected.add(item.id); else selected.delete(item.id); }
      render();
    }, checked: items.every((i) => selected.has(i.id)) });
    const head = [canManage ? pageBox : null, t('item'), t('external_id'), t('status'), t('consensus'), t('confidence'), t('answers'), t('dm_col_batch'), ''];
    const table = h('table', { class: 'figures-table dm-table' },
      h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c ?? '')))),
      h('tbody', {}, items.map((item) => row(item))));
    const pager = h('nav', { class: 'dm-pager actions', 'aria-label': t('data') },
      h('button', { type: 'button', disabled: !page.prev_cursor, onclick: () => navigate(tableHash(project.id, filter, { before: page.prev_cursor })) }, t('dm_prev_page')),
      h('button', { type: 'button', disabled: !page.next_cursor, onclick: () => navigate(tableHash(project.id, filter, { cursor: page.next_cursor })) }, t('dm_next_page')));
    body.replaceChildren(...[bulk, table, pager].filter(Boolean));
  }

  function row(item) {
    const open = itemHash(item.id, project.id, filter, item.cursor);
    const preview = item.thumbnail_url ? thumbnail(item) : h('span', { class: 'dm-text' }, item.text_preview ?? '');
    const check = canManage ? h('td', {}, h('input', { type: 'checkbox', 'aria-label': t('select_row', { id: item.id }), checked: selected.has(item.id), onchange: (e) => {
      if (e.target.checked) selected.add(item.id); else selected.delete(item.id);
      const count = body.querySelector('[data-selected]');
      if (count) count.textContent = t('selected_n', { n: selected.size });
    } })) : null;
    return h('tr', { dataset: { itemId: item.id } }, check,
      h('td', {}, h('a', { href: open, class: 'dm-preview' }, preview)),
      h('td', {}, item.external_id ?? '—', item.is_gold ? [' ', h('span', { class: 'badge gold-badge' }, t('gold_badge'))] : null),
      h('td', {}, t(`status_${item.status}`)),
      h('td', {}, item.consensus ? item.consensus.labels.join(', ') : h('span', { class: 'muted' }, t('no_consensus_yet'))),
      h('td', { class: 'num' }, item.consensus ? fmtPercent(item.consensus.confidence) : '—'),
      h('td', { class: 'num' }, t('wanted_n', { n: item.annotation_count, w: item.wanted })),
      h('td', { class: 'num' }, item.batch_id ?? '—'),
      h('td', {}, h('a', { href: open }, t('open'))));
  }

  function thumbnail(item) {
    const img = h('img', { class: 'dm-thumb', alt: item.external_id || `#${item.id}`, loading: 'lazy' });
    api.fetchObjectUrl(item.thumbnail_url).then((url) => { img.src = url; }).catch(() => { img.alt = '⚠'; });
    return img;
  }

  // "#3、#7、#9 等，另有 12 个": the first few item ids of a list the server named.
  const itemList = (ids, shown = 5) => {
    const head = ids.slice(0, shown).map((i) => `#${i}`).join(getLang() === 'zh' ? '、' : ', ');
    return ids.length > shown ? t('items_and_more', { items: head, n: ids.length - shown }) : head;
  };

  function bulkBar() {
    const act = async (action) => {
      const ids = [...selected];
      if (!ids.length) return;
      if (action === 'delete') {
        const answers = page.items.filter((i) => selected.has(i.id)).reduce((n, i) => n + i.annotation_count, 0);
        if (!window.confirm(t('delete_confirm', { n: ids.length, m: answers }))) return;
      }
      try {
        const answer = await api.post(`projects/${project.id}/items/bulk`, { item_ids: ids, action });
        // Said from the answer's counts: its ``message`` is English, for logs.
        const m = action === 'delete' ? answer.annotations_deleted : (answer.unchanged || []).length;
        toast(t(`bulk_done_${action}`, { n: answer.changed, m }), 'ok', 6000);
      } catch (err) {
        const without = err.code === 'no_consensus' ? err.body?.item_ids : null;
        toast(without?.length ? t('no_consensus_items', { items: itemList(without) }) : describeError(err), 'error', 10000);
        return;
      }
      gold.refresh();
      load();
    };
    return h('div', { class: 'dm-bulk actions', role: 'group', 'aria-label': t('actions') },
      h('span', { dataset: { selected: '' } }, t('selected_n', { n: selected.size })),
      h('button', { type: 'button', onclick: () => act('requeue') }, t('bulk_requeue')),
      h('button', { type: 'button', onclick: () => act('mark_gold') }, t('bulk_mark_gold')),
      h('button', { type: 'button', class: 'danger', onclick: () => act('delete') }, t('bulk_delete')));
  }

  await load();
  return undefined;
}
