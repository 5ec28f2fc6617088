// Import items: files in batches over XMLHttpRequest (a progress bar for bytes, a line per batch),
// or pasted texts as JSON. The answer of each batch: {created, duplicates, errors: [{row, message}]}.
import * as api from '../api.js';
import { t } from '../i18n.js';
import { h, field, focusHeading } from '../dom.js';
import { ensureMe, loadProject } from '../session.js';
import { kindOf } from '../kinds.js';
import { projectHeader, errorBox, loading } from './common.js';
import { describeError } from '../errors.js';

const BATCH_FILES = 20;
const BATCH_BYTES = 8 * 1024 * 1024;

export function batches(files) {
  const out = [];
  let cur = []; let size = 0;
  for (const f of files) {
    if (cur.length && (cur.length >= BATCH_FILES || size + f.size > BATCH_BYTES)) { out.push(cur); cur = []; size = 0; }
    cur.push(f); size += f.size;
  }
  if (cur.length) out.push(cur);
  return out;
}

export async function renderImport(root, { id }) {
  root.append(loading());
  let project; let kind;
  try { await ensureMe(); project = await loadProject(id); kind = await kindOf(project.kind); } catch (err) { root.replaceChildren(errorBox(err)); return; }

  const input = h('input', { type: 'file', name: 'files', multiple: true, accept: 'image/*,.zip,.jsonl,.csv,.txt' });
  const bar = h('progress', { id: 'upload-progress', max: 100, value: 0, 'aria-label': t('upload') });
  const percent = h('output', { for: 'upload-progress', class: 'percent' }, '0%');
  const batchList = h('ol', { class: 'batch-list', 'aria-live': 'polite' });
  const totals = h('dl', { class: 'totals' });
  const errors = h('tbody', {});
  const uploadBtn = h('button', { type: 'submit', class: 'primary' }, t('upload'));
  const sum = { created: 0, duplicates: 0, errors: [] };

  const setProgress = (fraction) => {
    const p = Math.round(fraction * 100);
    bar.value = p; percent.value = `${p}%`; percent.textContent = `${p}%`;
    bar.dataset.value = String(p);
  };

  const addAnswer = (answer, offset = 0) => {
    sum.created += answer?.created ?? 0;
    sum.duplicates += answer?.duplicates ?? 0;
    for (const e of answer?.errors ?? []) sum.errors.push({ ...e, row: e.row });
    totals.replaceChildren(
      h('dt', {}, t('created')), h('dd', { dataset: { total: 'created' } }, String(sum.created)),
      h('dt', {}, t('duplicates')), h('dd', { dataset: { total: 'duplicates' } }, String(sum.duplicates)),
      h('dt', {}, t('errors')), h('dd', { dataset: { total: 'errors' } }, String(sum.errors.length)));
    errors.closest('table').hidden = sum.errors.length === 0;
    errors.replaceChildren(...sum.errors.slice(0, 200).map((e) => h('tr', {},
      h('td', {}, String(e.row ?? '')),
      h('td', {}, [e.source, (e.loc || []).join('.')].filter(Boolean).join(' · ')),
      h('td', {}, e.message ?? ''))));
    return offset;
  };

  async function uploadFiles(files) {
    const groups = batches(files);
    const totalBytes = files.reduce((s, f) => s + f.size, 0) || 1;
    let doneBytes = 0;
    uploadBtn.disabled = true;
    setProgress(0);
    batchList.replaceChildren();
    for (let i = 0; i < groups.length; i += 1) {
      const group = groups[i];
      const groupBytes = group.reduce((s, f) => s + f.size, 0);
      const line = h('li', {}, `${t('batch', { n: i + 1, total: groups.length })}: ${t('uploading')}`);
      batchList.append(line);
      const data = new FormData();
      for (const f of group) data.append('files', f, f.name);
      try {
        const answer = await api.upload(`projects/${project.id}/items`, data, (loaded, total) => {
          setProgress(Math.min(1, (doneBytes + (loaded / total) * groupBytes) / totalBytes));
        });
        addAnswer(answer);
        line.textContent = `${t('batch', { n: i + 1, total: groups.length })}: ${t('created')} ${answer?.created ?? 0}, ${t('duplicates')} ${answer?.duplicates ?? 0}, ${t('errors')} ${answer?.errors?.length ?? 0}`;
      } catch (err) {
        line.textContent = `${t('batch', { n: i + 1, total: groups.length })}: ${t('error')} ${describeError(err)}`;
        line.classList.add('form-error');
      }
      doneBytes += groupBytes;
      setProgress(doneBytes / totalBytes);
    }
    setProgress(1);
    uploadBtn.disabled = false;
    batchList.append(h('li', { class: 'ok', dataset: { uploadDone: '1' } }, t('upload_done')));
  }

  const drop = h('div', { class: 'dropzone' }, t('drop_here'));
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); uploadFiles([...e.dataTransfer.files]); });

  const form = h('form', { class: 'card' }, field(t('files'), input), drop, uploadBtn);
  form.addEventListener('submit', (e) => { e.preventDefault(); if (input.files.length) uploadFiles([...input.files]); });

  const texts = h('textarea', { rows: 5, name: 'texts' });
  const textForm = h('form', { class: 'card' }, field(t('paste_texts'), texts), h('button', { type: 'submit' }, t('add_texts')));
  textForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const items = texts.value.split('\n').map((s) => s.trim()).filter(Boolean).map((text) => ({ text }));
    if (!items.length) return;
    try { addAnswer(await api.post(`projects/${project.id}/items`, { items })); texts.value = ''; } catch (err) {
      batchList.append(h('li', { class: 'form-error' }, describeError(err)));
    }
  });

  root.replaceChildren(...[projectHeader(project, 'import'), h('h1', {}, `${t('import_title')}: ${project.name}`), form,
    kind.media === 'text' ? textForm : null,
    h('section', { class: 'card', 'aria-label': t('progress') }, h('div', { class: 'progress-row' }, bar, percent), batchList, totals,
      h('table', { class: 'errors-table', hidden: true }, h('caption', {}, t('errors')), h('thead', {}, h('tr', {}, h('th', {}, t('row')), h('th', {}, t('source')), h('th', {}, t('message')))), errors))].filter(Boolean));
  focusHeading(root);
}
