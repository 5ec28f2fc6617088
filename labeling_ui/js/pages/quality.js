// Quality: agreement figures and the annotator table, shown as the backend reports them.
// Until GET /projects/{id}/quality exists (404), a helpful empty state.
import * as api from '../api.js';
import { t } from '../i18n.js';
import { h, focusHeading } from '../dom.js';
import { ensureMe, loadProject } from '../session.js';
import { projectHeader, errorBox, emptyState, loading, fmtNumber } from './common.js';

const show = (v) => (typeof v === 'number' ? fmtNumber(v, 3) : v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export async function renderQuality(root, { id }) {
  root.append(loading());
  let project;
  try { await ensureMe(); project = await loadProject(id); } catch (err) { root.replaceChildren(errorBox(err)); return; }
  const body = h('div', {}, loading());
  root.replaceChildren(projectHeader(project, 'quality'), h('h1', {}, `${t('quality')}: ${project.name}`), body);
  focusHeading(root);
  let q;
  try { q = await api.get(`projects/${project.id}/quality`); } catch (err) {
    body.replaceChildren(err.status === 404 ? emptyState(null, t('quality_empty')) : errorBox(err));
    return;
  }
  const annotators = Array.isArray(q.annotators) ? q.annotators : [];
  const scalars = Object.entries(q).filter(([k, v]) => k !== 'annotators' && (v === null || typeof v !== 'object' || !Array.isArray(v)));
  const cols = annotators.length ? Object.keys(annotators[0]) : [];
  body.replaceChildren(
    h('table', { class: 'figures-table' }, h('caption', {}, t('quality')),
      h('thead', {}, h('tr', {}, h('th', {}, t('figure')), h('th', {}, t('value')))),
      h('tbody', {}, scalars.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, show(v)))))),
    annotators.length ? h('table', { class: 'figures-table' }, h('caption', {}, t('annotators')),
      h('thead', {}, h('tr', {}, cols.map((c) => h('th', {}, c)))),
      h('tbody', {}, annotators.map((a) => h('tr', {}, cols.map((c) => h('td', {}, show(a[c]))))))) : null);
}
