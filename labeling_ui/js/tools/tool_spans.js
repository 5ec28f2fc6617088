// Text spans with Recogito's text annotator: select to mark, hotkey to label, click to select, Delete to remove.
// Recogito counts offsets in UTF-16 code units (Range/textContent lengths); the platform stores Unicode
// code points, so every offset is converted here (they differ only for astral characters such as emoji).
import '../process_shim.js';
import '../../vendor/text-annotator/text-annotator.umd.js'; // sets globalThis.RecogitoJS
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { utf16ToCodePoint, codePointToUtf16, codePointLength } from '../codepoints.js';

// The result: {spans: [{label, start, end}]} in code points; no spans is a valid answer.
// Spans carry an id while they are edited (from the pre-label on), stripped again by toSubmit.
export const initialResult = (prelabel) => ({
  spans: Array.isArray(prelabel?.spans) ? prelabel.spans.map((s) => ({ id: crypto.randomUUID(), ...s })) : [],
});
export const complete = (r) => Boolean(r && Array.isArray(r.spans));
export const toSubmit = (r) => ({
  spans: r.spans.map(({ label, start, end }) => ({ label, start, end })).sort((a, b) => a.start - b.start || a.end - b.end),
});
// A short human form, for the gold toast.
export const describe = (r) => (r?.spans || []).map((s) => `${s.label} ${s.start}–${s.end}`).join(', ') || '∅';

const labelOf = (a) => a.bodies?.find((b) => b.purpose === 'tagging')?.value ?? null;
const bodyFor = (id, label) => (label ? [{ id: `${id}-label`, annotation: id, purpose: 'tagging', value: label }] : []);

export function mount(stage, panel, ctx) {
  const { createTextAnnotator } = globalThis.RecogitoJS;
  const text = ctx.item.text ?? '';
  const labels = ctx.project.labels || [];
  let currentLabel = labels[0]?.name ?? null;
  let rendering = false;

  // one text node, white-space: pre-wrap, so DOM offsets are offsets into item.text
  const el = h('div', { class: 'item-text spans-text', tabindex: 0, role: 'document', 'aria-label': t('text_to_label') }, text);
  stage.append(el);
  const list = h('ul', { class: 'mark-list', 'aria-label': t('spans') });
  panel.append(h('h2', {}, t('spans')), h('p', { class: 'hint' }, t('spans_help')), list);

  const style = (a, state) => {
    const color = ctx.colorOf(labelOf(a));
    return { fill: color, fillOpacity: state?.selected ? 0.5 : 0.28, underlineColor: color, underlineThickness: 2, underlineOffset: 2 };
  };
  const anno = createTextAnnotator(el, { style });

  const toAnnotation = (span) => {
    const id = span.id || crypto.randomUUID();
    const start = codePointToUtf16(text, span.start);
    const end = codePointToUtf16(text, span.end);
    return { id, bodies: bodyFor(id, span.label), target: { annotation: id, selector: [{ quote: text.slice(start, end), start, end }] } };
  };

  const toSpans = (a) => (a.target.selector || []).map((s, i) => ({
    id: i === 0 ? a.id : `${a.id}:${i}`,
    label: labelOf(a),
    start: utf16ToCodePoint(text, s.start),
    end: utf16ToCodePoint(text, s.end),
  })).filter((s) => s.end > s.start && s.end <= codePointLength(text));

  const spans = () => anno.getAnnotations().flatMap(toSpans);
  const sync = () => { if (!rendering) ctx.commit({ spans: spans() }); };

  function renderList(result) {
    const chars = Array.from(text);
    const rows = result.spans.map((s, i) => {
      const select = h('select', { 'aria-label': `${t('label')} ${i + 1}`, onchange: (e) => relabel([s.id], e.target.value) },
        labels.map((l) => h('option', { value: l.name, selected: l.name === s.label }, l.name)));
      return h('li', { dataset: { spanStart: s.start, spanEnd: s.end } },
        h('span', { class: 'swatch', style: { background: ctx.colorOf(s.label) } }),
        h('button', { type: 'button', class: 'link-button', onclick: () => anno.setSelected(s.id) },
          `“${chars.slice(s.start, s.end).join('')}” ${s.start}–${s.end}`),
        select,
        h('button', { type: 'button', class: 'danger', 'aria-label': `${t('remove')} #${i + 1}`, onclick: () => remove([s.id]) }, '×'));
    });
    list.replaceChildren(...(rows.length ? rows : [h('li', { class: 'muted' }, t('none_yet'))]));
  }

  function render(result) {
    rendering = true;
    anno.cancelSelected();
    anno.setAnnotations(result.spans.map(toAnnotation), true);
    rendering = false;
    renderList(result);
  }

  function relabel(ids, label) {
    for (const id of ids) {
      const a = anno.getAnnotationById(id);
      if (a) anno.updateAnnotation({ ...a, bodies: bodyFor(a.id, label) });
    }
    anno.setStyle(style); // the renderer does not repaint on a body change by itself
    sync();
  }

  function remove(ids) {
    anno.cancelSelected();
    for (const id of ids) anno.removeAnnotation(id);
    sync();
  }

  anno.on('createAnnotation', (a) => {
    const live = anno.getAnnotationById(a.id);
    if (live && !labelOf(live) && currentLabel) anno.updateAnnotation({ ...live, bodies: bodyFor(a.id, currentLabel) });
    sync();
  });
  anno.on('updateAnnotation', sync);
  anno.on('deleteAnnotation', sync);
  render(ctx.getResult());

  return {
    ready: Promise.resolve(),
    render,
    renderSide: renderList,
    applyLabel(label) {
      currentLabel = label;
      const selected = anno.getSelected().map((a) => a.id);
      if (selected.length) {
        relabel(selected, label);
        // drop the browser's text selection: a drag that starts on selected text would move it
        // (drag and drop) instead of starting the next span
        document.getSelection()?.removeAllRanges();
      } else ctx.refresh();
    },
    activeLabel: () => {
      const sel = anno.getSelected();
      return sel.length ? labelOf(sel[0]) : currentLabel;
    },
    currentResult: () => ({ spans: spans() }),
    onKey(e) {
      if (e.key === 'Delete' || e.key === 'Backspace') {
        const selected = anno.getSelected().map((a) => a.id);
        if (selected.length) { remove(selected); return true; }
      }
      if (e.key === 'Escape') { anno.cancelSelected(); return true; }
      return false;
    },
    destroy() { try { anno.destroy(); } catch (err) { console.error(err); } },
  };
}
