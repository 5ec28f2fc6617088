// Dataset versions: list, build a new one, download. Until /projects/{id}/versions exists (404), an empty state.
import * as api from '../api.js';
import { t } from '../i18n.js';
import { h, field, focusHeading } from '../dom.js';
import { ensureMe, loadProject } from '../session.js';
import { kindOf } from '../kinds.js';
import { projectHeader, errorBox, emptyState, loading } from './common.js';

const BUSY = new Set(['queued', 'building']);

export async function renderExports(root, { id }) {
  root.append(loading());
  let project; let kind; // the kind names its export formats, preferred first (raw_jsonl: every raw annotation)
  try { await ensureMe(); project = await loadProject(id); kind = await kindOf(project.kind); } catch (err) { root.replaceChildren(errorBox(err)); return; }
  const body = h('div', {}, loading());
  root.replaceChildren(projectHeader(project, 'exports'), h('h1', {}, `${t('exports')}: ${project.name}`), body);
  focusHeading(root);

  let timer = null;
  let alive = true;
  async function refresh() {
    clearTimeout(timer);
    let versions;
    try { versions = await api.get(`projects/${project.id}/versions`); } catch (err) {
      body.replaceChildren(err.status === 404 ? emptyState(null, t('exports_empty')) : errorBox(err, refresh));
      return;
    }
    const rows = Array.isArray(versions) ? versions : versions.items || [];
    const format = h('select', { name: 'format' }, kind.formats.map((f) => h('option', { value: f }, f)));
    const source = h('select', { name: 'source' }, h('option', { value: 'consensus' }, 'consensus'), h('option', { value: 'raw' }, 'raw'));
    const minConf = h('input', { type: 'number', min: 0, max: 1, step: 0.05, value: '' });
    const minAnswers = h('input', { type: 'number', name: 'min_answers', min: 0, max: 1000, step: 1, value: String(project.overlap ?? '') });
    const split = h('input', { value: '0.8/0.1/0.1', pattern: '[0-9.]+/[0-9.]+/[0-9.]+' });
    const seed = h('input', { type: 'number', value: '0' });
    const acceptedOnly = h('input', { type: 'checkbox', name: 'only_accepted_lots' });
    const reviewedOnly = h('input', { type: 'checkbox', name: 'only_reviewed' });
    const form = h('form', { class: 'card' }, h('h2', {}, t('new_version')),
      field(t('format'), format), field(t('source'), source), field(t('min_confidence'), minConf), field(t('min_answers'), minAnswers, t('min_answers_hint')), field(t('split'), split), field(t('seed'), seed),
      field(t('only_accepted_lots'), acceptedOnly, t('only_accepted_lots_hint')),
      field(t('only_reviewed'), reviewedOnly, t('only_reviewed_hint')),
      h('button', { type: 'submit', class: 'primary' }, t('build')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const [train, val, test] = split.value.split('/').map(Number);
      try {
        const body = { format: format.value, source: source.value, split: { train, val, test }, seed: Number(seed.value) };
        if (minConf.value !== '') body.min_confidence = Number(minConf.value);
        if (acceptedOnly.checked) body.only_accepted_lots = true;
        if (reviewedOnly.checked) body.only_reviewed = true;
        if (minAnswers.value !== '') body.min_answers = parseInt(minAnswers.value, 10);
        await api.post(`projects/${project.id}/versions`, body);
        refresh();
      } catch (err) { form.append(errorBox(err)); }
    });
    body.replaceChildren(form, h('table', { class: 'figures-table' }, h('caption', {}, t('exports')),
      h('thead', {}, h('tr', {}, h('th', {}, t('version')), h('th', {}, t('format')), h('th', {}, t('status')), h('th', {}, t('download')))),
      h('tbody', {}, rows.map((v) => h('tr', { dataset: { versionStatus: v.status } }, h('td', {}, String(v.number ?? v.id)), h('td', {}, v.format ?? ''),
        h('td', {}, BUSY.has(v.status) && v.progress ? `${v.status} ${Math.round(v.progress * 100)}%` : v.status ?? '', v.error ? h('div', { class: 'form-error' }, v.error) : null),
        h('td', {}, v.status === 'ready'
          ? h('button', { type: 'button', onclick: () => api.download(`${api.BASE}/versions/${v.id}/download`, `${project.name}-v${v.number ?? v.id}.zip`) }, t('download'))
          : '—'))))));
    if (rows.some((v) => BUSY.has(v.status)) && alive) timer = setTimeout(refresh, 2000);
  }
  await refresh();
  return () => { alive = false; clearTimeout(timer); };
}
