// Import items: files in batches over XMLHttpRequest (a progress bar for bytes, a line per batch),
// or pasted texts as JSON. The answer of each batch: {created, duplicates, errors: [{row, message}]}.
import * as api from '../api.js';
import * as store from '../store.js';
import { addTranslations, hasText, t } from '../i18n.js';
import { h, field, focusHeading } from '../dom.js';
import { ensureMe, loadProject } from '../session.js';
import { kindOf } from '../kinds.js';
import { projectHeader, errorBox, loading, refusedPage } from './common.js';
import { describeError } from '../errors.js';

// Row errors by their stable ``code`` (the server's ``message`` is English; it stays in the
// cell's tooltip and is shown for a code this page does not know).
addTranslations({
  en: {
    row_wrong_media: 'This kind of file does not fit this project (texts vs images).',
    row_file_too_large: 'The file is larger than the server accepts.',
    row_image_too_large: 'The image has more pixels than the server accepts.',
    row_image_unreadable: 'Not an image in an accepted format (JPEG, PNG, WebP, BMP, TIFF), or the file is damaged.',
    row_image_format: 'Not an image in an accepted format (JPEG, PNG, WebP, BMP, TIFF), or the file is damaged.',
    row_image_frames: 'The file has several frames or pages; give one image per file.',
    row_image_corrupt: 'The image is damaged or cut short.',
    row_text_not_string: 'The text must be a string.', row_text_empty: 'The text is empty.',
    row_text_too_long: 'The text is longer than the server accepts.',
    row_nul_character: 'Contains a NUL character, which cannot be stored.',
    row_meta_not_object: 'meta must be a JSON object.', row_meta_not_finite: 'meta holds NaN or Infinity, which JSON does not allow.',
    row_meta_too_large: 'meta is too large.', row_external_id_too_long: 'The external ID is longer than 255 characters.',
    row_prelabel_invalid: 'The pre-label is not a valid answer: {message}', row_prelabel_not_object: 'prelabel must be a JSON object.',
    source_line: '{file}, line {n}',
    row_not_utf8: 'Not UTF-8 text (from Excel, save as “CSV UTF-8”).', row_not_json: 'The line is not valid JSON.',
    row_not_json_object: 'Each line must be a JSON object.', row_missing_field: 'The “{field}” field is missing.',
    row_missing_column: 'The file has no “{field}” column.', row_extra_cells: 'More cells than columns in the header.',
    row_csv_malformed: 'The CSV file is malformed: {message}', row_cell_not_json: 'The “{field}” cell must hold JSON.',
    row_priority_not_number: 'priority must be a number.', row_priority_not_finite: 'priority must be a finite number.',
    row_base64_invalid: 'image_base64 is not valid base64.', row_image_path_off: 'Imports by image_path are switched off on this server.',
    row_image_path_outside: 'image_path must be inside the server’s import folder.', row_image_path_missing: 'No such file in the import folder.',
    row_image_path_unreadable: 'The file at image_path cannot be opened.',
  },
  zh: {
    row_wrong_media: '此类文件不适用于本项目（文本与图像不符）。',
    row_file_too_large: '文件超过服务器允许的大小。',
    row_image_too_large: '图像像素数超过服务器允许的上限。',
    row_image_unreadable: '不是可接受格式的图像（JPEG、PNG、WebP、BMP、TIFF），或文件已损坏。',
    row_image_format: '不是可接受格式的图像（JPEG、PNG、WebP、BMP、TIFF），或文件已损坏。',
    row_image_frames: '文件含多帧或多页；每个文件请只放一张图像。',
    row_image_corrupt: '图像已损坏或不完整。',
    row_text_not_string: '文本必须是字符串。', row_text_empty: '文本为空。',
    row_text_too_long: '文本超过服务器允许的长度。',
    row_nul_character: '含有无法保存的 NUL 字符。',
    row_meta_not_object: 'meta 必须是 JSON 对象。', row_meta_not_finite: 'meta 含有 NaN 或 Infinity，JSON 不允许。',
    row_meta_too_large: 'meta 过大。', row_external_id_too_long: '外部 ID 超过 255 个字符。',
    row_prelabel_invalid: '预标注不是有效的答案：{message}', row_prelabel_not_object: 'prelabel 必须是 JSON 对象。',
    source_line: '{file} 第 {n} 行',
    row_not_utf8: '不是 UTF-8 文本（Excel 中请另存为“CSV UTF-8”）。', row_not_json: '该行不是有效的 JSON。',
    row_not_json_object: '每行必须是一个 JSON 对象。', row_missing_field: '缺少“{field}”字段。',
    row_missing_column: '文件中没有“{field}”列。', row_extra_cells: '单元格数多于表头的列数。',
    row_csv_malformed: 'CSV 文件格式有误：{message}', row_cell_not_json: '“{field}”列的内容必须是 JSON。',
    row_priority_not_number: 'priority（优先级）必须是数字。', row_priority_not_finite: 'priority（优先级）必须是有限的数字。',
    row_base64_invalid: 'image_base64 不是有效的 base64。', row_image_path_off: '此服务器未开放按 image_path 导入。',
    row_image_path_outside: 'image_path 必须位于服务器的导入目录内。', row_image_path_missing: '导入目录中没有这个文件。',
    row_image_path_unreadable: '无法打开 image_path 指向的文件。',
  },
});

// One row error in the reader's language, by its code; the English message otherwise.
export function rowMessage(e) {
  if (!e.code || !hasText(`row_${e.code}`)) return e.message ?? '';
  return t(`row_${e.code}`, { field: (e.loc || [])[0] ?? '', message: e.message ?? '' });
}

// A request whose every row failed answers 422/413 with the rows in ``detail`` (loc
// ['body', 'items', row, …]): the same rows as an import answer's ``errors``.
const failedRows = (err) => (Array.isArray(err?.detail) && err.detail.length && err.detail.every((d) => d && d.row !== undefined)
  ? err.detail.map((d) => ({ row: d.row, source: d.source, code: d.code, message: d.msg, loc: (d.loc || []).slice(3) }))
  : null);

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

// What an import answered outlives the page's render: a language switch renders the page again
// (main.js), and the totals, the error rows and the batch lines must stay, in the new language
// (kept as data, worded when drawn). An upload still running writes here and redraws the page
// rendered last. One record per person and project, for the browser tab's life.
const runs = new Map(); // `${userId}:${projectId}` -> { sum, lines, progress, busy, paint, paintProgress }

// The server names a row's place as "file:line N" (readers.py); the line in the reader's words.
function sourceText(source) {
  const m = /^(.*):line (\d+)$/.exec(source || '');
  return m ? t('source_line', { file: m[1], n: m[2] }) : source;
}

function batchLine(line) {
  const head = `${t('batch', { n: line.n, total: line.total })}: `;
  if (line.state === 'uploading') return `${head}${t('uploading')}`;
  if (line.state === 'error') return `${head}${t('error')} ${describeError(line.err)}`;
  return `${head}${t('created')} ${line.created}, ${t('duplicates')} ${line.duplicates}, ${t('errors')} ${line.errors}`;
}

function lineItem(line) {
  if (line.state === 'finished') {
    return line.failed // every batch was refused: not a green "finished"
      ? h('li', { class: 'form-error', dataset: { uploadDone: '1', failed: '1' } }, t('upload_failed'))
      : h('li', { class: 'ok', dataset: { uploadDone: '1' } }, t('upload_done'));
  }
  if (line.state === 'text_error') return h('li', { class: 'form-error' }, describeError(line.err));
  return h('li', { class: line.failed ? 'form-error' : null }, batchLine(line));
}

export async function renderImport(root, { id }) {
  root.append(loading());
  let project; let kind;
  try { await ensureMe(); project = await loadProject(id); kind = await kindOf(project.kind); } catch (err) { root.replaceChildren(errorBox(err)); return; }
  const refused = refusedPage(project, 'import');
  if (refused) { root.replaceChildren(projectHeader(project, 'import'), refused); return; }

  const input = h('input', { type: 'file', name: 'files', multiple: true, accept: 'image/*,.zip,.jsonl,.csv,.txt' });
  const bar = h('progress', { id: 'upload-progress', max: 100, value: 0, 'aria-label': t('upload') });
  const percent = h('output', { for: 'upload-progress', class: 'percent' }, '0%');
  const batchList = h('ol', { class: 'batch-list', 'aria-live': 'polite' });
  const totals = h('dl', { class: 'totals' });
  const errors = h('tbody', {});
  const uploadBtn = h('button', { type: 'submit', class: 'primary' }, t('upload'));
  const key = `${store.get().me?.id}:${project.id}`;
  if (!runs.has(key)) runs.set(key, { sum: { created: 0, duplicates: 0, errors: [] }, lines: [], progress: 0, busy: false });
  const run = runs.get(key);
  const { sum } = run;

  const setProgress = (fraction) => { run.progress = Math.round(fraction * 100); run.paintProgress(); };

  const paintProgress = () => {
    const p = run.progress;
    bar.value = p; percent.value = `${p}%`; percent.textContent = `${p}%`;
    bar.dataset.value = String(p);
  };
  // Draws everything the run holds into this render's elements.
  const paint = () => {
    paintProgress();
    uploadBtn.disabled = run.busy;
    batchList.replaceChildren(...run.lines.map(lineItem));
    if (!sum.created && !sum.duplicates && !sum.errors.length && !run.lines.length) return;
    totals.replaceChildren(
      h('dt', {}, t('created')), h('dd', { dataset: { total: 'created' } }, String(sum.created)),
      h('dt', {}, t('duplicates')), h('dd', { dataset: { total: 'duplicates' } }, String(sum.duplicates)),
      h('dt', {}, t('errors')), h('dd', { dataset: { total: 'errors' } }, String(sum.errors.length)));
    errors.closest('table').hidden = sum.errors.length === 0;
    errors.replaceChildren(...sum.errors.slice(0, 200).map((e) => h('tr', {},
      // ``row`` counts from 0 on the server; people count rows from 1 (as the line numbers do)
      h('td', { class: 'num' }, e.row === undefined || e.row === null ? '' : String(e.row + 1)),
      h('td', {}, [sourceText(e.source), (e.loc || []).join('.')].filter(Boolean).join(' · ')),
      h('td', { title: e.message ?? '', dataset: { code: e.code ?? '' } }, rowMessage(e)))));
  };
  Object.assign(run, { paint, paintProgress });

  const addAnswer = (answer) => {
    sum.created += answer?.created ?? 0;
    sum.duplicates += answer?.duplicates ?? 0;
    for (const e of answer?.errors ?? []) sum.errors.push({ ...e, row: e.row });
    run.paint();
  };

  async function uploadFiles(files) {
    const groups = batches(files);
    const totalBytes = files.reduce((s, f) => s + f.size, 0) || 1;
    let doneBytes = 0;
    run.busy = true;
    run.lines = [];
    run.progress = 0;
    // the totals are this upload's, as its batch lines are (they added up across uploads)
    Object.assign(sum, { created: 0, duplicates: 0 });
    sum.errors.length = 0;
    for (let i = 0; i < groups.length; i += 1) {
      const group = groups[i];
      const groupBytes = group.reduce((s, f) => s + f.size, 0);
      const line = { n: i + 1, total: groups.length, state: 'uploading' };
      run.lines.push(line);
      run.paint();
      const data = new FormData();
      for (const f of group) data.append('files', f, f.name);
      try {
        const answer = await api.upload(`projects/${project.id}/items`, data, (loaded, total) => {
          setProgress(Math.min(1, (doneBytes + (loaded / total) * groupBytes) / totalBytes));
        });
        Object.assign(line, { state: 'done', created: answer?.created ?? 0, duplicates: answer?.duplicates ?? 0, errors: answer?.errors?.length ?? 0 });
        addAnswer(answer);
      } catch (err) {
        const rows = failedRows(err);
        Object.assign(line, rows
          ? { state: 'done', failed: true, created: 0, duplicates: 0, errors: rows.length }
          : { state: 'error', failed: true, err });
        if (rows) addAnswer({ created: 0, duplicates: 0, errors: rows }); else run.paint();
      }
      doneBytes += groupBytes;
      setProgress(doneBytes / totalBytes);
    }
    run.busy = false;
    const batchesDone = run.lines.filter((l) => l.state === 'done' || l.state === 'error');
    const refused = batchesDone.filter((l) => l.failed || (l.created === 0 && l.duplicates === 0 && l.errors > 0));
    run.lines.push({ state: 'finished', failed: batchesDone.length > 0 && refused.length === batchesDone.length });
    run.progress = 100;
    run.paint();
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
      const rows = failedRows(err);
      if (rows) addAnswer({ created: 0, duplicates: 0, errors: rows });
      else { run.lines.push({ state: 'text_error', err }); run.paint(); }
    }
  });

  root.replaceChildren(...[projectHeader(project, 'import'), h('h1', {}, `${t('import_title')}: ${project.name}`), form,
    kind.media === 'text' ? textForm : null,
    h('section', { class: 'card', 'aria-label': t('progress') }, h('div', { class: 'progress-row' }, bar, percent), batchList, totals,
      h('table', { class: 'errors-table', hidden: true }, h('caption', {}, t('errors')), h('thead', {}, h('tr', {}, h('th', {}, t('row')), h('th', {}, t('source')), h('th', {}, t('message')))), errors))].filter(Boolean));
  paint();
  focusHeading(root);
}
