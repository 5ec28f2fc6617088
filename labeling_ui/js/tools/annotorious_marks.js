// The Annotorious editing glue that the image mark tools (boxes, polygons) share: the zoomable image
// stage, space/middle-button pan, the annotator with label bodies, the side list of marks (select,
// relabel, remove), the OK/NG flag and the keys. A tool module describes only its shape: how a mark
// becomes an Annotorious annotation and back, and the line it shows in the list.
// Annotorious keeps shapes in the image's natural pixel space (its SVG viewBox is the natural size),
// so zooming only changes the displayed size and the stored numbers stay in original-image pixels.
import '../process_shim.js';
import { createImageAnnotator } from '../../vendor/annotorious/annotorious.es.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import '../i18n_polygons.js';
import { mountHoles, withHole } from './holes.js';
import { mountPointPrompt } from './point_prompt.js';
import { mountReference } from './reference_view.js';

const ZOOM_STEP = 1.25;
const MIN_ZOOM = 0.1;
const MAX_ZOOM = 8;
const OK_KEY = 'o';

export const labelOf = (a) => a.bodies?.find((b) => b.purpose === 'tagging')?.value ?? null;
export const bodyFor = (id, label) => (label ? [{ id: `${id}-label`, annotation: id, purpose: 'tagging', value: label }] : []);
export const r2 = (v) => Math.round(v * 100) / 100; // 0.01 px

// The OK/NG flag (backend/kinds/ok_flag.py) in a result {[field]: marks, ok?}: the pre-label's flag,
// and the submitted form ({ok: true} alone when OK and nothing is marked; marks take back "OK").
export const okOf = (prelabel) => (typeof prelabel?.ok === 'boolean' ? { ok: prelabel.ok } : {});
export function withOk(field, marks, ok) {
  if (ok === true && !marks.length) return { ok: true };
  return typeof ok === 'boolean' && !(ok && marks.length) ? { [field]: marks, ok } : { [field]: marks };
}
// The gold toast's text of an answer without marks.
export const okText = (r) => (r?.ok === false ? t('ng') : t('ok_no_defect'));

/**
 * Mount a mark tool. `shape` describes it:
 *   field ('boxes'), idKey (dataset key of a list row, 'boxId'), title, help (strings),
 *   tool ('rectangle' | 'polygon'), mode ('drag' | 'click'), fillOpacity,
 *   toAnnotation(mark) -> annotation, fromAnnotation(annotation, width, height) -> mark,
 *   summary(mark, i) -> the list row's text, selectNew (keep a new mark selected),
 *   reference (offer the item's template image); every tool also offers point prompts to the
 *   project's outside model (./point_prompt.js),
 *   extras({toolbar, scroller, img, size, add, setDrawing}) -> {active, zoomed, onKey, destroy}:
 *     another way of drawing (the polygon tool's brush); add(mark) adds a mark with the current
 *     label as if it had been drawn,
 *   holes (marks may have holes: H draws one inside the selected mark, ./holes.js).
 */
export function mountMarks(stage, panel, ctx, shape) {
  const { field } = shape;
  const labels = ctx.project.labels || [];
  let currentLabel = labels[0]?.name ?? null;
  let zoom = 1;
  let anno = null;
  let destroyed = false;
  let rendering = false;
  let ok = ctx.getResult()?.ok;
  let width = ctx.item.width;
  let height = ctx.item.height;

  const img = h('img', { src: ctx.mediaUrl, alt: t('image_to_label'), draggable: false, class: 'boxes-image' });
  const zoomOut = h('button', { type: 'button', 'aria-label': t('zoom_out'), title: `${t('zoom_out')} (−)`, onclick: () => setZoom(zoom / ZOOM_STEP) }, '−');
  const zoomIn = h('button', { type: 'button', 'aria-label': t('zoom_in'), title: `${t('zoom_in')} (+)`, onclick: () => setZoom(zoom * ZOOM_STEP) }, '+');
  const zoomFit = h('button', { type: 'button', title: `${t('zoom_fit')} (0)`, onclick: () => setZoom(fitZoom()) }, t('zoom_fit'));
  const zoomValue = h('output', { class: 'zoom-value', 'aria-live': 'polite', 'aria-label': t('zoom') }, '100%');
  const okBtn = h('button', { type: 'button', class: 'ok-button', 'aria-keyshortcuts': 'O', onclick: () => answerOk() }, t('ok_no_defect'), ' ', h('kbd', {}, 'O'));
  // ticking NG with the mouse hands the keys back at once (Enter submits, hotkeys label)
  const ngBox = h('input', { type: 'checkbox', onchange: (e) => { ok = e.target.checked ? false : undefined; sync(); e.target.blur(); } });
  const scroller = h('div', { class: 'zoom-scroller', tabindex: 0, role: 'region', 'aria-label': t('image_to_label') }, img);
  const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': t('zoom') }, zoomOut, zoomValue, zoomIn, zoomFit, okBtn,
    h('label', { class: 'ng-flag' }, ngBox, ' ', t('ng')));
  stage.append(toolbar, scroller);
  const reference = shape.reference ? mountReference(toolbar, scroller, img, ctx) : { zoomed() {}, onKey: () => false, destroy() {} };

  const extra = shape.extras ? shape.extras({
    toolbar, scroller, img, size: () => ({ width, height }), add: (mark) => add(mark),
    // the brush on ends hole mode (its strokes are new outlines, never holes); called on a
    // toggle only, after ``holes`` below exists
    setDrawing: (on) => { if (!on) holes?.cancel(); anno?.setDrawingEnabled(on); },
  }) : null;

  const holes = shape.holes ? mountHoles({
    toolbar,
    selectedId: () => anno?.getSelected()[0]?.id ?? null,
    // while a hole is drawn, a click inside an outline draws instead of selecting it
    setArmed: (on) => {
      if (on) { extra?.stop?.(); anno?.cancelSelected(); }
      anno?.setUserSelectAction(on ? 'NONE' : 'EDIT');
    },
    dropLastHole: (id) => replace(id, (mark) => {
      const left = (mark.holes || []).slice(0, -1);
      const { holes: _dropped, ...outline } = mark;
      return left.length ? { ...outline, holes: left } : outline;
    }),
  }) : null;

  // a click → the project's outside model answers marks around it (./point_prompt.js), added as
  // editable marks with the model's labels; shown only when the project names an outside model
  const pointPrompt = mountPointPrompt(toolbar, scroller, img, ctx, {
    polygon: field === 'polygons',
    label: () => currentLabel,
    add: (result) => addFound(result[field] || []),
  });

  const list = h('ul', { class: 'mark-list', 'aria-label': shape.title });
  panel.append(h('h2', {}, shape.title), h('p', { class: 'hint' }, shape.help), list);

  const fitZoom = () => {
    const availW = scroller.clientWidth - 4;
    const availH = scroller.clientHeight - 4;
    return Math.max(MIN_ZOOM, Math.min(1, availW / width, availH / height));
  };

  function setZoom(next, anchor) {
    const old = zoom;
    zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, next));
    // keep the image point under the anchor (cursor or centre) where it is
    const ax = anchor ? anchor.x : scroller.clientWidth / 2;
    const ay = anchor ? anchor.y : scroller.clientHeight / 2;
    const px = (scroller.scrollLeft + ax) / old;
    const py = (scroller.scrollTop + ay) / old;
    img.style.width = `${width * zoom}px`;
    img.style.height = `${height * zoom}px`;
    reference.zoomed(width * zoom, height * zoom);
    extra?.zoomed();
    scroller.scrollLeft = px * zoom - ax;
    scroller.scrollTop = py * zoom - ay;
    zoomValue.value = `${Math.round(zoom * 100)}%`;
    zoomValue.textContent = zoomValue.value;
  }

  const marks = () => (anno ? anno.getAnnotations().map((a) => shape.fromAnnotation(a, width, height)) : []);
  const current = () => {
    const found = marks();
    if (found.length && ok === true) ok = undefined; // drawing a mark takes back "OK"
    return ok === undefined ? { [field]: found } : { [field]: found, ok };
  };
  const sync = () => { if (!rendering && anno) ctx.commit(current()); };

  // "OK, no defect" in one key: clears the marks and submits.
  function answerOk() {
    if (!anno) return;
    anno.cancelSelected();
    anno.clearAnnotations();
    ok = true;
    ngBox.checked = false;
    sync();
    renderList(current());
    ctx.submit?.();
  }

  function renderList(result) {
    ngBox.checked = result.ok === false;
    const rows = result[field].map((m, i) => {
      const select = h('select', { 'aria-label': `${t('label')} ${i + 1}`, onchange: (e) => relabel([m.id], e.target.value) },
        labels.map((l) => h('option', { value: l.name, selected: l.name === m.label }, l.name)));
      return h('li', { dataset: { [shape.idKey]: m.id } },
        h('span', { class: 'swatch', style: { background: ctx.colorOf(m.label) } }),
        h('button', { type: 'button', class: 'link-button', onclick: () => anno.setSelected(m.id, true) }, `#${i + 1} ${shape.summary(m)}`),
        select,
        h('button', { type: 'button', class: 'danger', 'aria-label': `${t('remove')} #${i + 1}`, onclick: () => remove([m.id]) }, '×'));
    });
    const empty = result.ok === true ? t('ok_no_defect') : t('none_yet');
    list.replaceChildren(...(rows.length ? rows : [h('li', { class: 'muted' }, empty)]));
  }

  function render(result) {
    if (!anno) return;
    rendering = true;
    ok = result.ok;
    anno.cancelSelected();
    anno.setAnnotations(result[field].map(shape.toAnnotation), true);
    rendering = false;
    renderList(result);
  }

  function add(mark) {
    if (!anno) return;
    const id = crypto.randomUUID();
    anno.addAnnotation(shape.toAnnotation({ ...mark, id, label: currentLabel }));
    sync();
    anno.setSelected(id);
  }

  function addFound(found) {
    if (!anno) return;
    for (const mark of found) anno.addAnnotation(shape.toAnnotation({ ...mark, id: crypto.randomUUID() }));
    sync();
  }

  function relabel(ids, label) {
    for (const id of ids) {
      const a = anno.getAnnotationById(id);
      if (a) anno.updateAnnotation({ ...a, bodies: bodyFor(a.id, label) });
    }
    sync();
  }

  // the mark ``id`` as ``change(mark)`` makes it (a hole added or dropped), selected after.
  // Unselected first, and changed once the editor is gone (Svelte removes it after this task):
  // the editor of a selected shape does not follow a change of its type (a polygon that gains
  // its first hole becomes a MULTIPOLYGON, and back) and throws.
  function replace(id, change) {
    anno?.cancelSelected();
    setTimeout(() => {
      if (destroyed) return;
      const live = anno?.getAnnotationById(id);
      if (!live) return;
      const mark = shape.fromAnnotation(live, width, height);
      const next = change(mark);
      if (next && next !== mark) anno.updateAnnotation(shape.toAnnotation(next));
      sync();
      anno.setSelected(id);
    }, 0);
  }

  function remove(ids) {
    anno.cancelSelected();
    for (const id of ids) anno.removeAnnotation(id);
    sync();
  }

  // Space + drag (or the middle button) pans; Ctrl + wheel zooms around the cursor.
  let spaceDown = false;
  let pan = null;
  const onPointerDown = (e) => {
    if (!spaceDown && e.button !== 1) return;
    e.preventDefault(); e.stopPropagation();
    pan = { x: e.clientX, y: e.clientY, left: scroller.scrollLeft, top: scroller.scrollTop };
    scroller.setPointerCapture(e.pointerId);
  };
  const onPointerMove = (e) => {
    if (!pan) return;
    e.stopPropagation();
    scroller.scrollLeft = pan.left - (e.clientX - pan.x);
    scroller.scrollTop = pan.top - (e.clientY - pan.y);
  };
  const onPointerUp = (e) => { if (pan) { e.stopPropagation(); pan = null; } };
  const onWheel = (e) => {
    if (!e.ctrlKey) return;
    e.preventDefault();
    const r = scroller.getBoundingClientRect();
    setZoom(e.deltaY < 0 ? zoom * ZOOM_STEP : zoom / ZOOM_STEP, { x: e.clientX - r.left, y: e.clientY - r.top });
  };
  const onKeyUp = (e) => {
    if (e.key === ' ' && spaceDown) { spaceDown = false; scroller.classList.remove('panning'); anno?.setDrawingEnabled(!extra?.active()); }
  };
  scroller.addEventListener('pointerdown', onPointerDown, true);
  scroller.addEventListener('pointermove', onPointerMove, true);
  scroller.addEventListener('pointerup', onPointerUp, true);
  scroller.addEventListener('wheel', onWheel, { passive: false });
  window.addEventListener('keyup', onKeyUp);

  const ready = img.decode().catch(() => {}).then(() => {
    width = width || img.naturalWidth;
    height = height || img.naturalHeight;
    setZoom(fitZoom());
    anno = createImageAnnotator(img, {
      drawingEnabled: true,
      drawingMode: shape.mode,
      style: (a, state) => {
        const color = ctx.colorOf(labelOf(a));
        return { stroke: color, strokeWidth: state?.selected ? 3 : 2, fill: color, fillOpacity: state?.selected ? 0.3 : shape.fillOpacity };
      },
    });
    anno.setDrawingTool(shape.tool);
    anno.on('createAnnotation', (a) => {
      const outline = holes?.take();
      if (outline) { // the drawn ring is a hole of the outline selected before H
        const ring = shape.fromAnnotation(a, width, height).points;
        anno.removeAnnotation(a.id);
        replace(outline, (mark) => withHole(mark, ring) || mark);
        return;
      }
      if (!labelOf(a) && currentLabel) {
        const live = anno.getAnnotationById(a.id);
        if (live) anno.updateAnnotation({ ...live, bodies: bodyFor(a.id, currentLabel) });
      }
      sync();
      // a tool whose new mark is not left selected by Annotorious selects it: a hotkey relabels it
      if (shape.selectNew) anno.setSelected(a.id);
    });
    anno.on('updateAnnotation', sync);
    anno.on('deleteAnnotation', sync);
    render(ctx.getResult());
  });

  return {
    ready,
    render,
    renderSide: renderList,
    applyLabel(label) {
      currentLabel = label;
      const selected = anno ? anno.getSelected().map((a) => a.id) : [];
      if (selected.length) relabel(selected, label);
      else ctx.refresh();
    },
    activeLabel: () => {
      const sel = anno?.getSelected() || [];
      return sel.length ? labelOf(sel[0]) : currentLabel;
    },
    // the current marks straight from Annotorious (includes an edit still in progress)
    currentResult: () => current(),
    onKey(e) {
      if (e.key === 'Delete' || e.key === 'Backspace') {
        const selected = anno?.getSelected().map((a) => a.id) || [];
        if (selected.length) { remove(selected); return true; }
        return false;
      }
      if (e.key.toLowerCase() === OK_KEY) { answerOk(); return true; }
      if (extra?.onKey(e)) return true;
      if (holes?.onKey(e)) return true;
      if (e.key === '+' || e.key === '=') { setZoom(zoom * ZOOM_STEP); return true; }
      if (e.key === '-') { setZoom(zoom / ZOOM_STEP); return true; }
      if (e.key === '0') { setZoom(fitZoom()); return true; }
      if (e.key === 'Escape') { anno?.cancelSelected(); return true; }
      if (reference.onKey(e)) return true;
      if (e.key === ' ') {
        if (!spaceDown) { spaceDown = true; scroller.classList.add('panning'); anno?.setDrawingEnabled(false); }
        return true;
      }
      return false;
    },
    // for tests and the zoom buttons
    setZoom: (z) => setZoom(z),
    getZoom: () => zoom,
    destroy() {
      destroyed = true;
      window.removeEventListener('keyup', onKeyUp);
      reference.destroy();
      extra?.destroy();
      holes?.destroy();
      pointPrompt.destroy();
      try { anno?.destroy(); } catch (e) { console.error(e); }
    },
  };
}
