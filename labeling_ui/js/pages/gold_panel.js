// Gold on the data manager page: how many gold items exist, a warning when the gold rate is set
// but there are none (annotators would never be checked), and a gold file upload through the
// same import as the API (POST /projects/{id}/gold), sent in parts with a progress bar.
import * as api from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { describeError } from '../errors.js';
import { fmtPercent } from './common.js';

const PART = 5000; // rows per request (the API takes up to 10,000)

// The warning line, also shown on the progress page: null when nothing is wrong.
export const goldWarning = (project, goldItems) => (project.gold_rate > 0 && goldItems === 0
  ? h('p', { class: 'card warn-card', role: 'status', dataset: { goldWarning: '1' } }, t('gold_warning'))
  : null);

// Rows of a JSON list or JSON Lines file; throws a readable Error naming the file and line.
export function parseGoldFile(name, text) {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try { return JSON.parse(trimmed); } catch { throw new Error(t('gold_file_unreadable', { file: name, line: 1 })); }
  }
  const rows = [];
  trimmed.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    try { rows.push(JSON.parse(line)); } catch { throw new Error(t('gold_file_unreadable', { file: name, line: i + 1 })); }
  });
  if (!rows.length) throw new Error(t('gold_file_empty', { file: name }));
  return rows;
}

export function goldPanel(project, { canManage, onChange }) {
  const count = h('strong', { dataset: { goldCount: '' } }, '…');
  const warning = h('div', {});
  const output = h('div', { role: 'status', 'aria-live': 'polite' });
  const bar = h('progress', { max: 100, value: 0, hidden: true, 'aria-label': t('gold_upload') });
  const input = h('input', { type: 'file', accept: '.json,.jsonl,application/json', 'aria-label': t('gold_upload'), onchange: () => upload() });
  const box = h('section', { class: 'card dm-gold', 'aria-label': t('gold') },
    h('p', {}, t('gold_count', { n: '' }), count, ' · ', t('gold_rate_is', { p: fmtPercent(project.gold_rate) })),
    warning,
    canManage ? h('details', {}, h('summary', {}, t('gold_upload')), h('p', { class: 'hint' }, t('gold_upload_hint')), input, bar, output) : null);

  async function refresh() {
    try {
      const progress = await api.get(`projects/${project.id}/progress`);
      count.textContent = String(progress.gold_items ?? 0);
      count.dataset.goldCount = String(progress.gold_items ?? 0);
      warning.replaceChildren(goldWarning(project, progress.gold_items ?? 0) || '');
    } catch (err) { count.textContent = '—'; warning.replaceChildren(h('p', { class: 'hint' }, describeError(err))); }
  }

  async function upload() {
    const file = input.files[0];
    if (!file) return;
    output.replaceChildren();
    let rows;
    try { rows = parseGoldFile(file.name, await file.text()); } catch (err) { output.replaceChildren(h('p', { class: 'error-text' }, err.message)); return; }
    let created = 0; let updated = 0; const errors = [];
    bar.hidden = false; bar.value = 0;
    try {
      for (let start = 0; start < rows.length; start += PART) {
        const answer = await api.post(`projects/${project.id}/gold`, { items: rows.slice(start, start + PART) });
        created += answer.created; updated += answer.updated;
        errors.push(...answer.errors.map((e) => ({ ...e, row: e.row + start })));
        bar.value = Math.round((100 * Math.min(rows.length, start + PART)) / rows.length);
      }
      output.replaceChildren(h('p', { class: 'ok-text' }, t('gold_uploaded', { created, updated })),
        ...errors.slice(0, 50).map((e) => h('p', { class: 'error-text' }, t('gold_file_rows', { row: e.row + 1, message: e.message }))));
    } catch (err) {
      output.replaceChildren(h('p', { class: 'error-text' }, `${file.name}: ${describeError(err)}`));
    } finally { input.value = ''; }
    await refresh();
    onChange?.();
  }

  refresh();
  return { box, refresh };
}
