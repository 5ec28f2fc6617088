// Dataset versions: list, build a new one, download. Until /projects/{id}/versions exists (404), an empty state.
// The form is built once (the table refreshes while a version builds, the form keeps what was
// typed); a failed build request shows one error box, replaced at the next failure. Each version
// says how many items it holds (counts.items_total), and a version with none says so and why.
import * as api from '../api.js';
import { t, hasText } from '../i18n.js';
import { h, field, focusHeading } from '../dom.js';
import { ensureMe, loadProject } from '../session.js';
import { kindOf } from '../kinds.js';
import { exportFormatName, versionStatusText } from '../i18n_exports.js';
import { projectHeader, errorBox, emptyState, loading } from './common.js';

const BUSY = new Set(['queued', 'building']);

// Why a ready version holds no item, in words (its frozen params and build counts).
function emptyReason(v) {
  if (Array.isArray(v.params?.accepted_lots) && v.params.accepted_lots.length === 0) return t('export_empty_no_lots');
  const skipped = Object.entries(v.counts?.skipped || {});
  if (skipped.length) {
    const reasons = skipped.map(([reason, n]) => `${hasText(`export_skip_${reason}`) ? t(`export_skip_${reason}`) : reason} ${n}`).join(', ');
    return t('export_empty_skipped', { reasons });
  }
  return t('export_empty_version');
}

const itemCount = (v) => (v.status === 'ready' && typeof v.counts?.items_total === 'number' ? v.counts.items_total : null);

function versionRow(v, project) {
  const items = itemCount(v);
  const empty = items === 0;
  const source = v.params?.source;
  return h('tr', { dataset: { versionStatus: v.status, versionId: v.id, ...(empty ? { empty: '1' } : {}) } },
    h('td', {}, String(v.number ?? v.id)),
    h('td', { dataset: { format: v.format ?? '' } }, exportFormatName(v.format ?? '')),
    h('td', { dataset: { source: source ?? '' } }, source ? t(`export_source_${source}`) : '—'),
    h('td', { class: 'num', dataset: { items: items ?? '' } }, items === null ? '—' : String(items),
      empty ? h('div', { class: 'form-error empty-version', role: 'note' }, `${t('export_empty_version')} ${emptyReason(v)}`) : null),
    h('td', {}, versionStatusText(v.status), BUSY.has(v.status) && v.progress ? ` ${Math.round(v.progress * 100)}%` : '',
      v.error ? h('div', { class: 'form-error' }, v.error) : null),
    h('td', {}, v.status === 'ready'
      ? h('button', { type: 'button', onclick: () => api.download(`${api.BASE}/versions/${v.id}/download`, `${project.name}-v${v.number ?? v.id}.zip`) }, t('download'))
      : '—'));
}

// Whether any lot of the project is accepted: true, false, or null when it cannot be told
// (the lots cannot be read, or more lots than one page).
async function anyAcceptedLot(projectId) {
  try {
    const page = await api.get(`projects/${projectId}/lots`, { offset: 0, limit: 500 });
    if (page.lots.some((lot) => lot.status === 'accepted')) return true;
    return page.total <= page.lots.length ? false : null;
  } catch { return null; }
}

export async function renderExports(root, { id }) {
  root.append(loading());
  let project; let kind; // the kind names its export formats, preferred first (raw_jsonl: every raw annotation)
  try { await ensureMe(); project = await loadProject(id); kind = await kindOf(project.kind); } catch (err) { root.replaceChildren(errorBox(err)); return undefined; }
  const body = h('div', {}, loading());
  root.replaceChildren(projectHeader(project, 'exports'), h('h1', {}, `${t('exports')}: ${project.name}`), body);
  focusHeading(root);

  const format = h('select', { name: 'format' }, kind.formats.map((f) => h('option', { value: f }, exportFormatName(f))));
  const source = h('select', { name: 'source' }, ['consensus', 'raw'].map((s) => h('option', { value: s }, t(`export_source_${s}`))));
  const minConf = h('input', { type: 'number', min: 0, max: 1, step: 0.05, value: '' });
  const minAnswers = h('input', { type: 'number', name: 'min_answers', min: 0, max: 1000, step: 1, value: String(project.overlap ?? '') });
  const split = h('input', { value: '0.8/0.1/0.1', pattern: '[0-9.]+/[0-9.]+/[0-9.]+' });
  const seed = h('input', { type: 'number', value: '0' });
  const acceptedOnly = h('input', { type: 'checkbox', name: 'only_accepted_lots' });
  const reviewedOnly = h('input', { type: 'checkbox', name: 'only_reviewed' });
  const lotWarning = h('p', { class: 'notice no-accepted-lot', role: 'status', hidden: true }, t('export_no_accepted_lot'));
  const formError = h('div', { class: 'form-errors' }); // one error box, replaced at each failure
  const form = h('form', { class: 'card' }, h('h2', {}, t('new_version')),
    field(t('format'), format), field(t('source'), source), field(t('min_confidence'), minConf), field(t('min_answers'), minAnswers, t('min_answers_hint')), field(t('split'), split), field(t('seed'), seed),
    field(t('only_accepted_lots'), acceptedOnly, t('only_accepted_lots_hint')), lotWarning,
    field(t('only_reviewed'), reviewedOnly, t('only_reviewed_hint')),
    formError,
    h('button', { type: 'submit', class: 'primary' }, t('build')));
  acceptedOnly.addEventListener('change', async () => {
    if (!acceptedOnly.checked) { lotWarning.hidden = true; return; }
    lotWarning.hidden = (await anyAcceptedLot(project.id)) !== false || !acceptedOnly.checked;
  });
  const notice = h('div', { class: 'version-notices', role: 'status' });
  const table = h('tbody', {});
  const versions = h('table', { class: 'figures-table versions-table' }, h('caption', {}, t('exports')),
    h('thead', {}, h('tr', {}, ['version', 'format', 'export_col_source', 'export_col_items', 'status', 'download'].map((k) => h('th', { scope: 'col' }, t(k))))),
    table);
  let asked = null; // the version this page just asked for: a warning if it is built empty

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    formError.replaceChildren();
    const [train, val, test] = split.value.split('/').map(Number);
    try {
      const req = { format: format.value, source: source.value, split: { train, val, test }, seed: Number(seed.value) };
      if (minConf.value !== '') req.min_confidence = Number(minConf.value);
      if (acceptedOnly.checked) req.only_accepted_lots = true;
      if (reviewedOnly.checked) req.only_reviewed = true;
      if (minAnswers.value !== '') req.min_answers = parseInt(minAnswers.value, 10);
      const made = await api.post(`projects/${project.id}/versions`, req);
      asked = made?.id ?? null;
      notice.replaceChildren();
      refresh();
    } catch (err) { formError.replaceChildren(errorBox(err)); }
  });

  let timer = null;
  let alive = true;
  let shown = false;
  async function refresh() {
    clearTimeout(timer);
    let answer;
    try { answer = await api.get(`projects/${project.id}/versions`); } catch (err) {
      if (!alive) return;
      body.replaceChildren(err.status === 404 ? emptyState(null, t('exports_empty')) : errorBox(err, refresh));
      shown = false;
      return;
    }
    if (!alive) return;
    const rows = Array.isArray(answer) ? answer : answer.items || [];
    table.replaceChildren(...rows.map((v) => versionRow(v, project)));
    const mine = rows.find((v) => v.id === asked);
    if (mine && itemCount(mine) === 0) {
      notice.replaceChildren(h('p', { class: 'card error empty-built', role: 'alert' },
        t('export_empty_built', { number: mine.number ?? mine.id, why: emptyReason(mine) })));
      asked = null;
    } else if (mine && !BUSY.has(mine.status)) asked = null;
    if (!shown) { body.replaceChildren(form, notice, versions); shown = true; }
    if (rows.some((v) => BUSY.has(v.status)) && alive) timer = setTimeout(refresh, 2000);
  }
  await refresh();
  return () => { alive = false; clearTimeout(timer); };
}
