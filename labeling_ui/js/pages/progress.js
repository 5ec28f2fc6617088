// Project progress: items, done, in progress, annotations, gold answered; refreshed every 5 s.
import * as api from '../api.js';
import { t } from '../i18n.js';
import { h, focusHeading } from '../dom.js';
import { ensureMe, loadProject } from '../session.js';
import { projectHeader, errorBox, loading } from './common.js';
import { goldWarning } from './gold_panel.js';
import * as store from '../store.js';

const FIGURES = ['items', 'done', 'in_progress', 'annotations', 'gold_items', 'gold_answered'];

export async function renderProgress(root, { id }) {
  root.append(loading());
  let project;
  try { await ensureMe(); project = await loadProject(id); } catch (err) { root.replaceChildren(errorBox(err)); return undefined; }
  const bar = h('progress', { max: 100, value: 0, 'aria-label': t('done') });
  const label = h('p', { class: 'percent' });
  const figures = h('dl', { class: 'figures' });
  const warning = h('div', {});
  const body = h('section', { class: 'card' }, h('div', { class: 'progress-row' }, bar, label), figures);
  root.replaceChildren(projectHeader(project, 'progress'), h('h1', {}, `${t('progress')}: ${project.name}`), warning, body,
    h('button', { type: 'button', onclick: () => refresh() }, t('refresh')));
  focusHeading(root);

  async function refresh() {
    try {
      const p = await api.get(`projects/${project.id}/progress`);
      const pct = p.items ? Math.round((100 * p.done) / p.items) : 0;
      bar.value = pct;
      label.textContent = t('percent_done', { p: pct });
      // managers are told when the gold rate is set but there is no gold item to check with
      warning.replaceChildren((store.canManage(project.org_id) && goldWarning(project, p.gold_items)) || '');
      figures.replaceChildren(...FIGURES.flatMap((k) => [h('dt', {}, t(k)), h('dd', { dataset: { figure: k } }, String(p[k] ?? '—'))]));
    } catch (err) { body.replaceChildren(errorBox(err, refresh)); }
  }
  await refresh();
  const timer = setInterval(refresh, 5000);
  return () => clearInterval(timer);
}
