// Quality: agreement figures with short explanations, the consensus confidence histogram, the
// annotator table (sortable; pause / resume for managers), one annotator's detail with the
// confusion matrix (#/projects/{id}/quality?annotator={user_id}), the CSV download and
// "recompute now". The quality worker computes the figures; while a recompute is pending the page
// polls GET /projects/{id}/quality every 2 s (else every 15 s) and redraws only when the figures
// changed.
import * as api from '../api.js';
import * as store from '../store.js';
import { t, getLang } from '../i18n.js';
import { h, field, focusHeading } from '../dom.js';
import { ensureMe, loadProject } from '../session.js';
import { toast } from '../toast.js';
import { projectHeader, errorBox, emptyState, loading, fmtDateTime, fmtNumber, fmtPercent } from './common.js';
import { describeError } from '../errors.js';
import { reviewFigures } from './review_figures.js';
import { prelabelUseSection } from './models.js';

// Why and since when an annotator is paused, in the page's language (the API's `pause`: a code
// with the figures as they were at the pause; a manager's own reason as written). The record
// behind a rule pause counts from the last resume, while the review table counts every verdict,
// so the two can differ: the line says which and when.
export function pauseLine(row) {
  const p = row.pause || { code: 'paused_by_manager', reason: row.paused_reason };
  const since = row.paused_at ? t('paused_since', { when: fmtDateTime(row.paused_at) }) : '';
  const why = p.code === 'paused_by_manager'
    ? (p.reason ? t('pause_line_manager_reason', { reason: p.reason }) : t('pause_line_manager'))
    : t(`pause_line_${p.code}`, { accuracy: fmtPercent(p.accuracy), answered: p.answered, minimum: fmtPercent(p.minimum) });
  return since ? `${why} · ${since}` : why;
}
import { deliveryCard } from './quality_delivery.js';

const POLL_MS = 2000;
const IDLE_POLL_MS = 15000;
const when = fmtDateTime;
const pct1 = (v) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);

// How each figure is shown; its name and explanation are the i18n keys fig_<key>, fig_<key>_help.
const SHOW = {
  percent_agreement: pct1, fleiss_kappa: (v) => fmtNumber(v, 3), krippendorff_alpha: (v) => fmtNumber(v, 3),
  pairwise_f1: pct1, mean_iou: pct1, pairwise_f1_exact: pct1, pairwise_f1_overlap: pct1,
  items_with_2plus: String, fleiss_items: String, iou_threshold: (v) => fmtNumber(v, 2),
  items: String, mean_confidence: pct1, median_confidence: pct1, counted: String, paused: String,
};
const AGREEMENT_ORDER = ['percent_agreement', 'fleiss_kappa', 'krippendorff_alpha', 'pairwise_f1', 'mean_iou',
  'pairwise_f1_exact', 'pairwise_f1_overlap', 'items_with_2plus', 'fleiss_items', 'iou_threshold'];
const COLUMNS = [
  ['name', 'text'], ['email', 'text'], ['answers', 'num'], ['gold_answered', 'num'],
  ['gold_accuracy', 'num'], ['agreement', 'num'], ['status', 'text'],
];
const sorting = { key: 'agreement', dir: 1 }; // kept while the app runs: lowest agreement first

const showValue = (key, v) => (v === null || v === undefined ? '—' : (SHOW[key] || ((x) => (typeof x === 'number' ? fmtNumber(x, 3) : String(x))))(v));

function figureList(entries) {
  return h('dl', { class: 'figure-list' }, entries.map(([key, value]) => h('div', { class: 'figure', dataset: { figure: key } },
    h('dt', {}, t(`fig_${key}`)),
    h('dd', {}, showValue(key, value)),
    h('dd', { class: 'figure-help' }, t(`fig_${key}_help`)))));
}

// Plain CSS bars: one per confidence range, the height relative to the fullest range.
function histogram(counts) {
  const entries = Object.entries(counts || {});
  const top = Math.max(1, ...entries.map(([, n]) => n));
  return h('ul', { class: 'histogram', 'aria-label': t('confidence_histogram') }, entries.map(([range, n]) => h('li', { dataset: { range } },
    h('span', { class: 'count' }, String(n)),
    h('span', { class: 'bar', style: { height: `${Math.round((100 * n) / top)}%` }, 'aria-hidden': 'true' }),
    h('span', { class: 'range' }, h('span', { class: 'visually-hidden' }, `${t('confidence')} `), range.replace('-', '–'),
      h('span', { class: 'visually-hidden' }, `: ${n} ${t('items')}`)))));
}

function perLabel(values, key) {
  const rows = Object.entries(values || {});
  if (!rows.length) return null;
  return h('table', { class: 'figures-table per-label' }, h('caption', {}, t('per_label')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('label')), h('th', { scope: 'col' }, t(`fig_${key}`)))),
    h('tbody', {}, rows.map(([label, v]) => h('tr', { dataset: { label } }, h('th', { scope: 'row' }, label),
      h('td', {}, h('span', { class: 'hbar', 'aria-hidden': 'true' }, h('span', { style: { width: `${Math.round((v ?? 0) * 100)}%` } })), ' ', pct1(v))))));
}

function agreementCard(agreement) {
  const a = agreement || {};
  const entries = AGREEMENT_ORDER.filter((k) => k in a).map((k) => [k, a[k]]);
  const headline = AGREEMENT_ORDER.find((k) => k in a && k !== 'items_with_2plus');
  return h('section', { class: 'card', 'aria-labelledby': 'q-agreement' }, h('h2', { id: 'q-agreement' }, t('agreement')),
    headline ? [figureList(entries), perLabel(a.per_label, headline === 'percent_agreement' ? 'per_label_agreement' : headline)]
      : h('p', { class: 'muted' }, t('agreement_none')));
}

function consensusCard(consensus, annotators) {
  const c = consensus || {};
  return h('section', { class: 'card', 'aria-labelledby': 'q-consensus' }, h('h2', { id: 'q-consensus' }, t('consensus')),
    c.items ? [figureList([['items', c.items], ['mean_confidence', c.mean_confidence], ['median_confidence', c.median_confidence]]),
      h('h3', {}, t('confidence_histogram')), histogram(c.histogram)]
      : h('p', { class: 'muted' }, t('consensus_none')),
    annotators ? figureList([['counted', annotators.counted], ['paused', annotators.paused]]) : null);
}

export async function renderQuality(root, { id, annotator }) {
  root.append(loading());
  let project;
  try { await ensureMe(); project = await loadProject(id); } catch (err) { root.replaceChildren(errorBox(err)); return undefined; }
  const manage = store.canManage(project.org_id);
  const base = `projects/${project.id}`;
  let alive = true;
  let timer = null;
  let lastSignature = null;
  let report = null;

  const statusLine = h('p', { class: 'quality-status', dataset: { state: 'loading' } });
  const pending = h('span', { class: 'pending', role: 'status', hidden: true }, h('span', { class: 'dot', 'aria-hidden': 'true' }), t('quality_pending'));
  const recomputeBtn = manage ? h('button', { type: 'button', onclick: () => recompute() }, t('recompute')) : null;
  const csvBtn = h('button', { type: 'button', onclick: () => api.download(`${api.BASE}/${base}/quality/annotators.csv`, `project-${project.id}-annotators.csv`).catch((err) => toast(describeError(err), 'error')) }, t('download_csv'));
  const toolbar = h('div', { class: 'quality-toolbar' }, statusLine, pending, h('div', { class: 'actions' }, recomputeBtn, csvBtn));
  const detail = h('div', { id: 'annotator-detail' });
  const body = h('div', { class: 'quality-body' }, loading());

  // the pause dialog: a reason the annotator and the other managers see
  const reason = h('input', { name: 'reason', required: true, maxlength: 500, autocomplete: 'off' });
  const dialogTitle = h('h2', { id: 'pause-title' });
  const dialog = h('dialog', { class: 'card pause-dialog', 'aria-labelledby': 'pause-title' },
    h('form', { method: 'dialog' }, dialogTitle, field(t('pause_reason'), reason, t('pause_reason_hint')),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', value: 'pause' }, t('pause')),
        h('button', { type: 'button', onclick: () => dialog.close('cancel') }, t('cancel')))));

  root.replaceChildren(projectHeader(project, 'quality'), h('h1', {}, `${t('quality')}: ${project.name}`), toolbar, detail, body, reviewFigures(project.id), dialog);
  prelabelUseSection(project.id).then((card) => { if (alive) root.append(card); }); // issue 21
  focusHeading(root);

  function askPause(row) {
    dialogTitle.textContent = t('pause_title', { name: row.name || row.email });
    reason.value = t('pause_default_reason');
    dialog.returnValue = '';
    dialog.onclose = async () => {
      if (dialog.returnValue !== 'pause') return;
      try {
        await api.post(`${base}/annotators/${row.user_id}/pause`, { reason: reason.value.trim() });
        toast(t('paused_ok', { name: row.name || row.email }), 'ok');
      } catch (err) { toast(describeError(err), 'error', 8000); }
      refresh({ force: true });
    };
    dialog.showModal();
    reason.select();
  }

  async function resume(row) {
    try {
      await api.post(`${base}/annotators/${row.user_id}/resume`);
      toast(t('resumed_ok', { name: row.name || row.email }), 'ok');
    } catch (err) { toast(describeError(err), 'error', 8000); }
    refresh({ force: true });
  }

  async function recompute() {
    recomputeBtn.disabled = true;
    try {
      await api.post(`${base}/quality/recompute`);
      toast(t('recompute_sent'), 'info');
      pending.hidden = false;
      schedule(0);
    } catch (err) { toast(describeError(err), 'error', 8000); }
    recomputeBtn.disabled = false;
  }

  function sortRows(rows) {
    const { key, dir } = sorting;
    const kind = COLUMNS.find(([k]) => k === key)?.[1];
    return [...rows].sort((a, b) => {
      const x = a[key]; const y = b[key];
      if (x === null || x === undefined) return (y === null || y === undefined) ? a.user_id - b.user_id : 1; // empty last
      if (y === null || y === undefined) return -1;
      const c = kind === 'num' ? x - y : String(x).localeCompare(String(y), getLang() === 'zh' ? 'zh-CN' : 'en');
      return c * dir || a.user_id - b.user_id;
    });
  }

  function annotatorTable(rows) {
    if (!rows.length) return h('p', { class: 'muted' }, t('no_annotators'));
    const head = COLUMNS.map(([key]) => h('th', { scope: 'col', 'aria-sort': sorting.key === key ? (sorting.dir > 0 ? 'ascending' : 'descending') : 'none' },
      h('button', { type: 'button', class: 'sort', dataset: { sort: key, focusKey: `sort-${key}` }, onclick: () => {
        sorting.dir = sorting.key === key ? -sorting.dir : 1; sorting.key = key; draw({ keepFocus: true });
      } }, t(`col_${key}`), h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, sorting.key === key ? (sorting.dir > 0 ? ' ▲' : ' ▼') : ''))));
    return h('table', { class: 'figures-table annotators' }, h('caption', {}, h('span', { class: 'visually-hidden' }, `${t('annotators')} — `), h('span', { class: 'hint' }, t('sort_hint'))),
      h('thead', {}, h('tr', {}, head, h('th', { scope: 'col' }, t('actions')))),
      h('tbody', {}, sortRows(rows).map((row) => h('tr', { dataset: { userId: row.user_id, status: row.status } },
        h('th', { scope: 'row' }, h('a', { href: `#/projects/${project.id}/quality?annotator=${row.user_id}` }, row.name || '—')),
        h('td', {}, row.email),
        h('td', { class: 'num' }, String(row.answers)),
        h('td', { class: 'num' }, String(row.gold_answered)),
        h('td', { class: 'num' }, pct1(row.gold_accuracy)),
        h('td', { class: 'num' }, pct1(row.agreement)),
        h('td', {}, h('span', { class: `status-badge ${row.status}` }, t(`status_${row.status}`)),
          row.status === 'paused' ? h('div', { class: 'hint paused-reason', title: row.paused_reason || '' }, pauseLine(row)) : null),
        h('td', {}, h('div', { class: 'row-actions' },
          manage && row.status === 'paused'
            ? h('button', { type: 'button', dataset: { action: 'resume', focusKey: `resume-${row.user_id}` }, title: t('resume_hint'), 'aria-label': `${t('resume')} ${row.name || row.email}`, onclick: () => resume(row) }, t('resume'))
            : null,
          manage && row.status !== 'paused'
            ? h('button', { type: 'button', class: 'danger', dataset: { action: 'pause', focusKey: `pause-${row.user_id}` }, 'aria-label': `${t('pause')} ${row.name || row.email}`, onclick: () => askPause(row) }, t('pause'))
            : null,
          h('a', { class: 'button', href: `#/projects/${project.id}/quality?annotator=${row.user_id}`, 'aria-label': `${t('details')} ${row.name || row.email}` }, t('details'))))))));
  }

  function draw({ keepFocus = false } = {}) {
    const q = report;
    const focusKey = keepFocus ? document.activeElement?.dataset?.focusKey : null;
    statusLine.textContent = q.computed_at
      ? t('quality_status', { when: when(q.computed_at), ms: q.duration_ms, n: q.n_annotations })
      : t('quality_never');
    statusLine.dataset.state = q.computed_at ? 'computed' : 'never';
    const rows = Array.isArray(q.annotators) ? q.annotators : [];
    if (!q.computed_at && !rows.length) {
      body.replaceChildren(emptyState(t('quality_none_title'), t('quality_none'), recomputeBtn ? h('p', { class: 'hint' }, t('quality_none_recompute')) : null));
    } else {
      const f = q.figures || {};
      body.replaceChildren(
        h('div', { class: 'quality-grid' }, deliveryCard(q), agreementCard(f.agreement), consensusCard(f.consensus, f.annotators)),
        h('section', { class: 'card', 'aria-labelledby': 'q-annotators' }, h('h2', { id: 'q-annotators' }, t('annotators')), annotatorTable(rows)));
    }
    if (focusKey) root.querySelector(`[data-focus-key="${focusKey}"]`)?.focus();
  }

  async function drawDetail() {
    if (!annotator) { detail.replaceChildren(); return; }
    let d;
    try { d = await api.get(`${base}/annotators/${annotator}`); } catch (err) { detail.replaceChildren(errorBox(err)); return; }
    if (!alive) return;
    const m = d.confusion;
    const matrix = m && Array.isArray(m.matrix) ? (() => {
      const max = Math.max(1, ...m.matrix.flat());
      return h('table', { class: 'figures-table confusion' },
        h('caption', {}, t('confusion'), h('div', { class: 'hint' }, t('confusion_help'))),
        h('thead', {}, h('tr', {}, h('td', {}, h('span', { class: 'visually-hidden' }, t('confusion_corner'))), m.labels.map((l) => h('th', { scope: 'col' }, l)))),
        h('tbody', {}, m.matrix.map((row, i) => h('tr', {}, h('th', { scope: 'row' }, m.labels[i]),
          row.map((n, j) => h('td', { class: i === j ? 'num diag' : 'num', style: { background: n ? `rgba(26, 95, 208, ${(0.08 + (0.6 * n) / max).toFixed(2)})` : '' } }, String(n)))))));
    })() : h('p', { class: 'muted' }, t('confusion_none'));
    const shown = [
      ['col_answers', String(d.answers)], ['col_gold_answered', String(d.gold_answered)], ['gold_correct', fmtNumber(d.gold_correct, 1)],
      ['col_gold_accuracy', pct1(d.gold_accuracy)], ['col_agreement', pct1(d.agreement)], ['col_status', t(`status_${d.status}`)],
      ['paused_reason', d.status === 'paused' ? pauseLine(d) : '—'], ['updated_at', when(d.updated_at)],
    ];
    detail.replaceChildren(h('section', { class: 'card annotator-detail', 'aria-labelledby': 'detail-title', dataset: { userId: d.user_id } },
      h('div', { class: 'detail-head' }, h('h2', { id: 'detail-title', tabindex: '-1' }, `${d.name} `, h('span', { class: 'muted' }, d.email)),
        h('a', { class: 'button', href: `#/projects/${project.id}/quality` }, t('close'))),
      h('dl', { class: 'figures' }, shown.flatMap(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, v)])),
      matrix));
  }

  function schedule(ms) {
    clearTimeout(timer);
    if (alive) timer = setTimeout(() => refresh(), ms);
  }

  async function refresh({ force = false } = {}) {
    clearTimeout(timer);
    let q;
    try { q = await api.get(`${base}/quality`); } catch (err) {
      if (!alive) return;
      body.replaceChildren(err.status === 404 ? emptyState(null, t('quality_empty')) : errorBox(err, () => refresh({ force: true })));
      return;
    }
    if (!alive) return;
    report = q;
    pending.hidden = !q.pending;
    toolbar.dataset.pending = q.pending ? '1' : '0';
    const signature = JSON.stringify({ ...q, pending: null });
    if (force || signature !== lastSignature) {
      lastSignature = signature;
      draw({ keepFocus: true });
      if (annotator) await drawDetail();
    }
    schedule(q.pending ? POLL_MS : IDLE_POLL_MS); // new submits trigger recomputes: look now and then
  }

  await refresh({ force: true });
  if (annotator && alive) { detail.scrollIntoView({ block: 'start' }); detail.querySelector('h2')?.focus({ preventScroll: true }); }
  return () => { alive = false; clearTimeout(timer); if (dialog.open) dialog.close(); };
}
