// Models (智能化标注): the project's model settings, the current version and its held-out
// accuracy, the last training (or how many final answers are still needed), the share of items
// pre-labelled and how annotators use the pre-labels, a learning curve (SVG), the versions, and
// the outside model's dropped pre-labels with their reasons. "Train now" queues a training in a
// worker; while a version waits, the page polls every 2 s and shows a progress bar.
import * as api from '../api.js';
import * as store from '../store.js';
import { t } from '../i18n.js';
import { h, field, focusHeading } from '../dom.js';
import { ensureMe, loadProject } from '../session.js';
import { toast } from '../toast.js';
import { describeError } from '../errors.js';
import { projectHeader, errorBox, loading, emptyState, fmtDateTime, fmtPercent } from './common.js';

const POLL_MS = 2000;
const IDLE_POLL_MS = 20000;
const WAITING = ['queued', 'training'];
const when = fmtDateTime;
const pct1 = (v) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
const statusText = (s) => t(`model_status_${s}`);

// Held-out accuracy against final answers, one point per version; plain SVG, no library.
export function learningCurve(points) {
  if (!points.length) return h('p', { class: 'muted' }, t('learning_curve_empty'));
  const W = 360; const H = 160; const P = 30;
  const xs = points.map((p) => p.trained_on);
  const x0 = Math.min(...xs); const x1 = Math.max(...xs, x0 + 1);
  const x = (v) => P + ((v - x0) / (x1 - x0)) * (W - 2 * P);
  const y = (v) => H - P - v * (H - 2 * P);
  const ns = 'http://www.w3.org/2000/svg';
  const el = (tag, attrs) => { const e = document.createElementNS(ns, tag); Object.entries(attrs).forEach(([k, v]) => e.setAttribute(k, v)); return e; };
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, class: 'learning-curve', role: 'img', 'aria-label': t('learning_curve') });
  svg.append(el('line', { x1: P, y1: H - P, x2: W - P, y2: H - P, stroke: 'currentColor', 'stroke-opacity': '0.4' }));
  svg.append(el('line', { x1: P, y1: P, x2: P, y2: H - P, stroke: 'currentColor', 'stroke-opacity': '0.4' }));
  [0, 0.5, 1].forEach((v) => { const label = el('text', { x: 2, y: y(v) + 4, 'font-size': '10' }); label.textContent = `${v * 100}%`; svg.append(label); });
  svg.append(el('polyline', { points: points.map((p) => `${x(p.trained_on)},${y(p.accuracy)}`).join(' '), fill: 'none', stroke: '#1a5fd0', 'stroke-width': '2' }));
  points.forEach((p) => {
    const dot = el('circle', { cx: x(p.trained_on), cy: y(p.accuracy), r: 3.5, fill: '#1a5fd0', 'data-version': p.version });
    const tip = el('title', {}); tip.textContent = `v${p.version}: ${pct1(p.accuracy)} · ${t('final_answers_n', { n: p.trained_on })}`;
    dot.append(tip); svg.append(dot);
  });
  // the axis names the answers the versions were trained on: one label for a single version (a
  // second one, x0 + 1, named a version that does not exist)
  const ticks = x1 > Math.max(...xs) ? [x0] : [x0, x1];
  ticks.forEach((v, i) => { const label = el('text', { x: x(v) - (i ? 20 : 0), y: H - 8, 'font-size': '10' }); label.textContent = String(v); svg.append(label); });
  return svg;
}

// The quality page shows this card too: each annotator's rate of accepting wrong pre-labels on gold.
export function prelabelUseCard(rows) {
  return h('section', { class: 'card prelabel-use', 'aria-labelledby': 'prelabel-use' }, h('h2', { id: 'prelabel-use' }, t('prelabel_use')),
    h('p', { class: 'hint' }, t('prelabel_use_help')),
    rows.length ? h('table', { class: 'figures-table' },
      h('thead', {}, h('tr', {}, ['col_name', 'col_started_from_prelabel', 'col_accepted', 'col_gold_wrong', 'col_wrong_accepted'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, rows.map((r) => h('tr', { dataset: { annotatorId: r.annotator_id } }, h('th', { scope: 'row' }, r.name),
        h('td', { class: 'num' }, String(r.started_from_prelabel)), h('td', { class: 'num' }, String(r.accepted)),
        h('td', { class: 'num' }, String(r.gold_wrong_prelabels)), h('td', { class: 'num', dataset: { figure: 'wrong_accepted_rate' } }, fmtPercent(r.wrong_accepted_rate))))))
      : h('p', { class: 'muted' }, t('prelabel_use_none')));
}

// Mounted by the quality page: fetches the summary and draws the card (nothing for a 404/403).
export async function prelabelUseSection(projectId) {
  const holder = h('div', { class: 'prelabel-use-holder' });
  try { holder.append(prelabelUseCard((await api.get(`projects/${projectId}/models/summary`)).annotators)); } catch { /* no models page for this role */ }
  return holder;
}

function settingsCard(project, onSaved) {
  const endpoint = project.model_endpoint || {};
  const ordering = h('select', { name: 'ordering' }, ['default', 'uncertainty', 'mixed'].map((v) => h('option', { value: v, selected: project.ordering === v }, t(`ordering_${v}`))));
  const prelabels = h('input', { type: 'checkbox', name: 'prelabels', checked: Boolean(project.prelabels) });
  const every = h('input', { type: 'number', name: 'train_every', min: 0, max: 1000000, value: project.train_every ?? 50 });
  const url = h('input', { type: 'url', name: 'endpoint_url', maxlength: 500, value: endpoint.url || '', placeholder: 'https://detector.example.com/predict' });
  const timeout = h('input', { type: 'number', name: 'endpoint_timeout', min: 1, max: 120, step: 'any', value: endpoint.timeout_s ?? 10 });
  const save = h('button', { type: 'submit' }, t('save_settings'));
  const form = h('form', { class: 'card model-settings', 'aria-labelledby': 'model-settings' }, h('h2', { id: 'model-settings' }, t('models_settings')),
    field(t('ordering'), ordering), h('label', { class: 'check' }, prelabels, ' ', t('prelabels_on')), field(t('train_every'), every),
    field(t('endpoint_url'), url, t('endpoint_hint')), field(t('endpoint_timeout'), timeout), save);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    save.disabled = true;
    const body = { ordering: ordering.value, prelabels: prelabels.checked, train_every: Number(every.value),
      model_endpoint: url.value.trim() ? { url: url.value.trim(), timeout_s: Number(timeout.value) } : null };
    try { onSaved(await api.patch(`projects/${project.id}`, body)); toast(t('settings_saved'), 'ok'); } catch (err) { toast(describeError(err), 'error', 8000); }
    save.disabled = false;
  });
  return form;
}

function summaryCard(s) {
  const current = s.current;
  const last = s.last_training;
  const rows = [
    [t('model_current'), current ? `${t('model_version_n', { v: current.version })} · ${t('held_out_accuracy')} ${pct1(current.accuracy)}` : t('model_none'), 'current'],
    [t('last_training'), last ? `${t('model_version_n', { v: last.version })} · ${statusText(last.status)} · ${when(last.finished_at || last.created_at)}` : '—', 'last'],
    [t('trained_on'), current ? t('final_answers_n', { n: current.trained_on }) : '—', 'trained_on'],
    [t('share_prelabelled'), `${fmtPercent(s.share_prelabelled)} (${s.prelabelled_items} / ${s.items})`, 'share_prelabelled'],
    [t('annotations_from_prelabel'), String(s.annotations_from_prelabel), 'annotations_from_prelabel'],
    [t('acceptance_rate'), fmtPercent(s.acceptance_rate), 'acceptance_rate'],
    [t('mean_changed'), fmtPercent(s.mean_changed), 'mean_changed'],
  ];
  return h('section', { class: 'card', 'aria-labelledby': 'model-summary' }, h('h2', { id: 'model-summary' }, t('model_current')),
    s.needed ? h('p', { class: 'notice', dataset: { needed: s.needed }, role: 'status' }, t('needs_more', { n: s.needed })) : null,
    h('dl', { class: 'figures' }, rows.flatMap(([k, v, key]) => [h('dt', {}, k), h('dd', { dataset: { figure: key } }, v)])),
    h('p', { class: 'hint' }, t('held_out_help')));
}

function versionsTable(rows) {
  return h('section', { class: 'card', 'aria-labelledby': 'model-versions' }, h('h2', { id: 'model-versions' }, t('versions')),
    rows.length ? h('table', { class: 'figures-table versions' },
      h('thead', {}, h('tr', {}, ['col_version', 'col_model_status', 'col_trained_on', 'col_accuracy', 'col_created'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, rows.map((v) => h('tr', { dataset: { version: v.version, status: v.status } }, h('th', { scope: 'row' }, String(v.version)),
        h('td', { title: v.error || '' }, statusText(v.status), v.status === 'needs_data' && v.needed ? ` (${t('needs_more', { n: v.needed })})` : ''),
        h('td', { class: 'num' }, String(v.trained_on)), h('td', { class: 'num' }, pct1(v.accuracy)), h('td', {}, when(v.created_at))))))
      : h('p', { class: 'muted' }, t('model_none')));
}

function outsideCard(s) {
  if (!s.endpoint && !s.drops.length) return null;
  const e = s.endpoint;
  return h('section', { class: 'card', 'aria-labelledby': 'outside-model' }, h('h2', { id: 'outside-model' }, t('outside_model')),
    e ? h('dl', { class: 'figures' }, [[t('endpoint_url'), e.url], [t('outside_last_run'), when(e.last_run_at)], [t('outside_accepted'), String(e.accepted)], [t('outside_dropped'), String(e.dropped)]]
      .flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])) : null,
    h('h3', {}, t('drops')),
    s.drops.length ? h('table', { class: 'figures-table drops' },
      h('thead', {}, h('tr', {}, ['col_item', 'col_reason', 'col_detail', 'col_when'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, s.drops.map((d) => h('tr', { dataset: { reason: d.reason } }, h('td', {}, d.item_id ?? '—'), h('td', {}, t(`drop_${d.reason}`)), h('td', {}, d.detail), h('td', {}, when(d.created_at))))))
      : h('p', { class: 'muted' }, t('drops_none')));
}

export async function renderModels(root, { id }) {
  root.append(loading());
  let project;
  try { await ensureMe(); project = await loadProject(id); } catch (err) { root.replaceChildren(errorBox(err)); return undefined; }
  const manage = store.canManage(project.org_id);
  const base = `projects/${project.id}`;
  let alive = true; let timer = null;
  const progress = h('div', { class: 'training-progress', role: 'status', hidden: true }, h('progress', { 'aria-label': t('training_progress') }), ' ', t('training_progress'));
  const train = manage ? h('button', { type: 'button', class: 'primary', onclick: () => askTraining() }, t('train_now')) : null;
  const again = manage ? h('button', { type: 'button', onclick: () => askRefresh() }, t('refresh_prelabels')) : null;
  const body = h('div', { class: 'models-body' }, loading());
  const settings = manage ? settingsCard(project, (saved) => { project = saved; store.set({ project: saved }); refresh(); }) : null;
  // replaceChildren() would print a null as the text "null": only the parts that exist.
  root.replaceChildren(...[projectHeader(project, 'models'), h('h1', {}, t('models_title', { name: project.name })),
    h('div', { class: 'toolbar' }, train, again, progress), body, settings].filter(Boolean));
  focusHeading(root);

  async function askTraining() {
    train.disabled = true;
    try {
      const a = await api.post(`${base}/models/train`);
      toast(t(a.created ? 'training_asked' : 'training_waiting', { v: a.version }), 'ok');
    } catch (err) { toast(describeError(err), 'error', 8000); }
    train.disabled = false;
    refresh();
  }

  async function askRefresh() {
    try { await api.post(`${base}/models/prelabel`); toast(t('refresh_sent'), 'ok'); } catch (err) { toast(describeError(err), 'error', 8000); }
  }

  async function refresh() {
    clearTimeout(timer);
    let s; let versions;
    try { [s, versions] = await Promise.all([api.get(`${base}/models/summary`), api.get(`${base}/models`)]); } catch (err) {
      if (alive) body.replaceChildren(errorBox(err, refresh));
      return;
    }
    if (!alive) return;
    const waiting = versions.some((v) => WAITING.includes(v.status));
    progress.hidden = !waiting;
    body.replaceChildren(...[
      !versions.length && !s.items ? emptyState(t('model_none'), t('needs_more', { n: 50 })) : null,
      h('div', { class: 'quality-grid' }, summaryCard(s),
        h('section', { class: 'card', 'aria-labelledby': 'learning-curve' }, h('h2', { id: 'learning-curve' }, t('learning_curve')),
          learningCurve(s.learning_curve), h('p', { class: 'hint' }, t('learning_curve_help')))),
      prelabelUseCard(s.annotators), versionsTable(versions), outsideCard(s)].filter(Boolean));
    timer = setTimeout(refresh, waiting ? POLL_MS : IDLE_POLL_MS);
  }

  await refresh();
  return () => { alive = false; clearTimeout(timer); };
}
