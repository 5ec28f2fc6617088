// Bounding boxes with Annotorious: draw, select, move, resize, delete, relabel, zoom and pan.
// Annotorious keeps shapes in the image's natural pixel space (its SVG viewBox is the natural size),
// so zooming only changes the displayed size and the stored numbers stay in original-image pixels.
import '../process_shim.js';
import { createImageAnnotator } from '../../vendor/annotorious/annotorious.es.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { mountPointPrompt } from './point_prompt.js';

const ZOOM_STEP = 1.25;
const MIN_ZOOM = 0.1;
const MAX_ZOOM = 8;

// The result: {boxes: [{label, x, y, w, h}]}; no boxes = "nothing to label", a valid answer.
// Boxes carry an id while they are edited (from the pre-label on), stripped again by toSubmit.
export const initialResult = (prelabel) => ({
  boxes: Array.isArray(prelabel?.boxes) ? prelabel.boxes.map((b) => ({ id: crypto.randomUUID(), ...b })) : [],
});
export const complete = (r) => Boolean(r && Array.isArray(r.boxes));
const r2 = (v) => Math.round(v * 100) / 100; // 0.01 px
export const toSubmit = (r) => ({ boxes: r.boxes.map(({ label, x, y, w, h: hh }) => ({ label, x: r2(x), y: r2(y), w: r2(w), h: r2(hh) })) });
// A short human form, for the gold toast.
export const describe = (r) => (r?.boxes || []).map((b) => `${b.label} [${Math.round(b.x)},${Math.round(b.y)},${Math.round(b.w)}×${Math.round(b.h)}]`).join(', ') || '∅';

const labelOf = (a) => a.bodies?.find((b) => b.purpose === 'tagging')?.value ?? null;
const bodyFor = (id, label) => (label ? [{ id: `${id}-label`, annotation: id, purpose: 'tagging', value: label }] : []);

function toAnnotation(box) {
  const id = box.id || crypto.randomUUID();
  const { x, y, w, h: hh } = box;
  return {
    id,
    bodies: bodyFor(id, box.label),
    target: {
      annotation: id,
      selector: { type: 'RECTANGLE', geometry: { x, y, w, h: hh, bounds: { minX: x, minY: y, maxX: x + w, maxY: y + hh } } },
    },
  };
}

function toBox(a, width, height) {
  const g = a.target.selector.geometry;
  // a rotated rectangle is stored as its axis-aligned bounds
  let [x, y, w, hh] = g.rot ? [g.bounds.minX, g.bounds.minY, g.bounds.maxX - g.bounds.minX, g.bounds.maxY - g.bounds.minY] : [g.x, g.y, g.w, g.h];
  // keep boxes inside the image (the backend refuses boxes outside it)
  const x0 = Math.max(0, x); const y0 = Math.max(0, y);
  w = Math.min(width, x + w) - x0; hh = Math.min(height, y + hh) - y0;
  x = x0; y = y0;
  return { id: a.id, label: labelOf(a), x, y, w, h: hh };
}

export function mount(stage, panel, ctx) {
  const labels = ctx.project.labels || [];
  let currentLabel = labels[0]?.name ?? null;
  let zoom = 1;
  let anno = null;
  let rendering = false;
  let width = ctx.item.width;
  let height = ctx.item.height;

  const img = h('img', { src: ctx.mediaUrl, alt: t('image_to_label'), draggable: false, class: 'boxes-image' });
  const zoomOut = h('button', { type: 'button', 'aria-label': t('zoom_out'), title: `${t('zoom_out')} (−)`, onclick: () => setZoom(zoom / ZOOM_STEP) }, '−');
  const zoomIn = h('button', { type: 'button', 'aria-label': t('zoom_in'), title: `${t('zoom_in')} (+)`, onclick: () => setZoom(zoom * ZOOM_STEP) }, '+');
  const zoomFit = h('button', { type: 'button', title: `${t('zoom_fit')} (0)`, onclick: () => setZoom(fitZoom()) }, t('zoom_fit'));
  const zoomValue = h('output', { class: 'zoom-value', 'aria-live': 'polite', 'aria-label': t('zoom') }, '100%');
  const scroller = h('div', { class: 'zoom-scroller', tabindex: 0, role: 'region', 'aria-label': t('image_to_label') }, img);
  const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': t('zoom') }, zoomOut, zoomValue, zoomIn, zoomFit);
  stage.append(toolbar, scroller);

  const list = h('ul', { class: 'mark-list', 'aria-label': t('boxes') });
  panel.append(h('h2', {}, t('boxes')), h('p', { class: 'hint' }, t('boxes_help')), list);

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
    scroller.scrollLeft = px * zoom - ax;
    scroller.scrollTop = py * zoom - ay;
    zoomValue.value = `${Math.round(zoom * 100)}%`;
    zoomValue.textContent = zoomValue.value;
  }

  const boxes = () => (anno ? anno.getAnnotations().map((a) => toBox(a, width, height)) : []);
  const sync = () => { if (!rendering && anno) ctx.commit({ boxes: boxes() }); };

  function renderList(result) {
    const rows = result.boxes.map((b, i) => {
      const select = h('select', { 'aria-label': `${t('label')} ${i + 1}`, onchange: (e) => relabel([b.id], e.target.value) },
        labels.map((l) => h('option', { value: l.name, selected: l.name === b.label }, l.name)));
      return h('li', { dataset: { boxId: b.id } },
        h('span', { class: 'swatch', style: { background: ctx.colorOf(b.label) } }),
        h('button', { type: 'button', class: 'link-button', onclick: () => anno.setSelected(b.id, true) },
          `#${i + 1} ${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.w)}×${Math.round(b.h)}`),
        select,
        h('button', { type: 'button', class: 'danger', 'aria-label': `${t('remove')} #${i + 1}`, onclick: () => remove([b.id]) }, '×'));
    });
    list.replaceChildren(...(rows.length ? rows : [h('li', { class: 'muted' }, t('none_yet'))]));
  }

  function render(result) {
    if (!anno) return;
    rendering = true;
    anno.cancelSelected();
    anno.setAnnotations(result.boxes.map(toAnnotation), true);
    rendering = false;
    renderList(result);
  }

  function relabel(ids, label) {
    for (const id of ids) {
      const a = anno.getAnnotationById(id);
      if (a) anno.updateAnnotation({ ...a, bodies: bodyFor(a.id, label) });
    }
    sync();
  }

  function remove(ids) {
    anno.cancelSelected();
    for (const id of ids) anno.removeAnnotation(id);
    sync();
  }

  // Space + drag pans; Ctrl + wheel zooms around the cursor.
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
    if (e.key === ' ' && spaceDown) { spaceDown = false; scroller.classList.remove('panning'); anno?.setDrawingEnabled(true); }
  };
  scroller.addEventListener('pointerdown', onPointerDown, true);
  scroller.addEventListener('pointermove', onPointerMove, true);
  scroller.addEventListener('pointerup', onPointerUp, true);
  scroller.addEventListener('wheel', onWheel, { passive: false });
  window.addEventListener('keyup', onKeyUp);
  // a click → the outside model's box (point_prompt.js), added as an editable box
  const pointPrompt = mountPointPrompt(toolbar, scroller, img, ctx, {
    label: () => currentLabel,
    add: (r) => { const next = { boxes: [...boxes(), ...r.boxes.map((b) => ({ ...b, id: crypto.randomUUID() }))] }; ctx.commit(next); render(next); },
  });

  const ready = img.decode().catch(() => {}).then(() => {
    width = width || img.naturalWidth;
    height = height || img.naturalHeight;
    setZoom(fitZoom());
    anno = createImageAnnotator(img, {
      drawingEnabled: true,
      drawingMode: 'drag',
      style: (a, state) => {
        const color = ctx.colorOf(labelOf(a));
        return { stroke: color, strokeWidth: state?.selected ? 3 : 2, fill: color, fillOpacity: state?.selected ? 0.3 : 0.12 };
      },
    });
    anno.setDrawingTool('rectangle');
    anno.on('createAnnotation', (a) => {
      if (!labelOf(a) && currentLabel) {
        const live = anno.getAnnotationById(a.id);
        if (live) anno.updateAnnotation({ ...live, bodies: bodyFor(a.id, currentLabel) });
      }
      sync();
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
    // the current boxes straight from Annotorious (includes an edit still in progress)
    currentResult: () => ({ boxes: boxes() }),
    onKey(e) {
      if (e.key === 'Delete' || e.key === 'Backspace') {
        const selected = anno?.getSelected().map((a) => a.id) || [];
        if (selected.length) { remove(selected); return true; }
        return false;
      }
      if (e.key === '+' || e.key === '=') { setZoom(zoom * ZOOM_STEP); return true; }
      if (e.key === '-') { setZoom(zoom / ZOOM_STEP); return true; }
      if (e.key === '0') { setZoom(fitZoom()); return true; }
      if (e.key === 'Escape') { anno?.cancelSelected(); return true; }
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
      window.removeEventListener('keyup', onKeyUp);
      pointPrompt.destroy();
      try { anno?.destroy(); } catch (e) { console.error(e); }
    },
  };
}
