// Defect outlines with Annotorious' polygon tool: click points, click the first point (or double-click)
// to close, drag a vertex of the selected polygon to edit it, Delete removes it; label hotkeys relabel
// the selection; zoom and pan as the box tool. "O" answers "OK, no defect" ({ok: true}) in one key.
// Annotorious keeps shapes in the image's natural pixel space (its SVG viewBox is the natural size),
// so zooming only changes the displayed size and the stored numbers stay in original-image pixels.
import '../process_shim.js';
import { createImageAnnotator } from '../../vendor/annotorious/annotorious.es.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import '../i18n_polygons.js';
import { mountPointPrompt } from './point_prompt.js';
import { mountReference } from './reference_view.js';

const ZOOM_STEP = 1.25;
const MIN_ZOOM = 0.1;
const MAX_ZOOM = 8;
const OK_KEY = 'o';

// The result: {polygons: [{label, points: [[x, y], ...], holes?}], ok?}; no polygon = "nothing to
// label". Polygons carry an id while they are edited, stripped again by toSubmit.
export const initialResult = (prelabel) => ({
  polygons: Array.isArray(prelabel?.polygons) ? prelabel.polygons.map((p) => ({ id: crypto.randomUUID(), ...p })) : [],
  ...(typeof prelabel?.ok === 'boolean' ? { ok: prelabel.ok } : {}),
});
export const complete = (r) => Boolean(r && Array.isArray(r.polygons));
const r2 = (v) => Math.round(v * 100) / 100; // 0.01 px
const ring = (pts) => pts.map(([x, y]) => [r2(x), r2(y)]);
export function toSubmit(r) {
  const polygons = r.polygons.map(({ label, points, holes }) => ({ label, points: ring(points), ...(holes?.length ? { holes: holes.map(ring) } : {}) }));
  if (r.ok === true && !polygons.length) return { ok: true };
  return typeof r.ok === 'boolean' && !(r.ok && polygons.length) ? { polygons, ok: r.ok } : { polygons };
}
// A short human form, for the gold toast.
export const describe = (r) => {
  const list = (r?.polygons || []).map((p) => `${p.label} (${p.points.length} ${t('points')})`).join(', ');
  return list || (r?.ok === false ? t('ng') : t('ok_no_defect'));
};

const labelOf = (a) => a.bodies?.find((b) => b.purpose === 'tagging')?.value ?? null;
const bodyFor = (id, label) => (label ? [{ id: `${id}-label`, annotation: id, purpose: 'tagging', value: label }] : []);
const boundsOf = (pts) => {
  const xs = pts.map((p) => p[0]); const ys = pts.map((p) => p[1]);
  return { minX: Math.min(...xs), minY: Math.min(...ys), maxX: Math.max(...xs), maxY: Math.max(...ys) };
};

function toAnnotation(polygon) {
  const id = polygon.id || crypto.randomUUID();
  const bounds = boundsOf(polygon.points);
  // a polygon with holes is one MULTIPOLYGON element: outer ring first, then the holes
  const selector = polygon.holes?.length
    ? { type: 'MULTIPOLYGON', geometry: { bounds, polygons: [{ bounds, rings: [polygon.points, ...polygon.holes].map((points) => ({ points })) }] } }
    : { type: 'POLYGON', geometry: { bounds, points: polygon.points } };
  return { id, bodies: bodyFor(id, polygon.label), target: { annotation: id, selector } };
}

// Points inside the image (the backend refuses points outside it, and browsers round zoomed clicks).
const clamp = (pts, width, height) => pts.map(([x, y]) => [Math.min(width, Math.max(0, x)), Math.min(height, Math.max(0, y))]);

function toPolygon(a, width, height) {
  const { type, geometry } = a.target.selector;
  if (type === 'MULTIPOLYGON') {
    const [outer, ...holes] = geometry.polygons[0].rings.map((r) => clamp(r.points, width, height));
    return { id: a.id, label: labelOf(a), points: outer, ...(holes.length ? { holes } : {}) };
  }
  return { id: a.id, label: labelOf(a), points: clamp(geometry.points, width, height) };
}

export function mount(stage, panel, ctx) {
  const labels = ctx.project.labels || [];
  let currentLabel = labels[0]?.name ?? null;
  let zoom = 1;
  let anno = null;
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
  const ngBox = h('input', { type: 'checkbox', onchange: (e) => { ok = e.target.checked ? false : undefined; sync(); } });
  const scroller = h('div', { class: 'zoom-scroller', tabindex: 0, role: 'region', 'aria-label': t('image_to_label') }, img);
  const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': t('zoom') }, zoomOut, zoomValue, zoomIn, zoomFit, okBtn,
    h('label', { class: 'ng-flag' }, ngBox, ' ', t('ng')));
  stage.append(toolbar, scroller);
  const reference = mountReference(toolbar, scroller, img, ctx);

  const list = h('ul', { class: 'mark-list', 'aria-label': t('polygons') });
  panel.append(h('h2', {}, t('polygons')), h('p', { class: 'hint' }, t('polygons_help')), list);

  const fitZoom = () => {
    const availW = scroller.clientWidth - 4;
    const availH = scroller.clientHeight - 4;
    return Math.max(MIN_ZOOM, Math.min(1, availW / width, availH / height));
  };

  function setZoom(next, anchor) {
    const old = zoom;
    zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, next));
    const ax = anchor ? anchor.x : scroller.clientWidth / 2;
    const ay = anchor ? anchor.y : scroller.clientHeight / 2;
    const px = (scroller.scrollLeft + ax) / old;
    const py = (scroller.scrollTop + ay) / old;
    img.style.width = `${width * zoom}px`;
    img.style.height = `${height * zoom}px`;
    reference.zoomed(width * zoom, height * zoom);
    scroller.scrollLeft = px * zoom - ax;
    scroller.scrollTop = py * zoom - ay;
    zoomValue.value = `${Math.round(zoom * 100)}%`;
    zoomValue.textContent = zoomValue.value;
  }

  const polygons = () => (anno ? anno.getAnnotations().map((a) => toPolygon(a, width, height)) : []);
  const current = () => {
    const found = polygons();
    if (found.length && ok === true) ok = undefined; // drawing a defect takes back "OK"
    return ok === undefined ? { polygons: found } : { polygons: found, ok };
  };
  const sync = () => { if (!rendering && anno) ctx.commit(current()); };

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
    const rows = result.polygons.map((p, i) => {
      const select = h('select', { 'aria-label': `${t('label')} ${i + 1}`, onchange: (e) => relabel([p.id], e.target.value) },
        labels.map((l) => h('option', { value: l.name, selected: l.name === p.label }, l.name)));
      return h('li', { dataset: { polygonId: p.id } },
        h('span', { class: 'swatch', style: { background: ctx.colorOf(p.label) } }),
        h('button', { type: 'button', class: 'link-button', onclick: () => anno.setSelected(p.id, true) },
          `#${i + 1} ${p.points.length} ${t('points')}${p.holes?.length ? ` · ${p.holes.length} ${t('holes')}` : ''}`),
        select,
        h('button', { type: 'button', class: 'danger', 'aria-label': `${t('remove')} #${i + 1}`, onclick: () => remove([p.id]) }, '×'));
    });
    const empty = result.ok === true ? t('ok_no_defect') : t('none_yet');
    list.replaceChildren(...(rows.length ? rows : [h('li', { class: 'muted' }, empty)]));
  }

  function render(result) {
    if (!anno) return;
    rendering = true;
    ok = result.ok;
    anno.cancelSelected();
    anno.setAnnotations(result.polygons.map(toAnnotation), true);
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
    if (e.key === ' ' && spaceDown) { spaceDown = false; scroller.classList.remove('panning'); anno?.setDrawingEnabled(true); }
  };
  scroller.addEventListener('pointerdown', onPointerDown, true);
  scroller.addEventListener('pointermove', onPointerMove, true);
  scroller.addEventListener('pointerup', onPointerUp, true);
  scroller.addEventListener('wheel', onWheel, { passive: false });
  window.addEventListener('keyup', onKeyUp);
  // a click → the outside model's outline (point_prompt.js), added as an editable polygon
  const pointPrompt = mountPointPrompt(toolbar, scroller, img, ctx, {
    polygon: true,
    label: () => currentLabel,
    add: (r) => { const next = current(); next.polygons.push(...r.polygons.map((p) => ({ ...p, id: crypto.randomUUID() }))); ctx.commit(next); render(next); },
  });

  const ready = img.decode().catch(() => {}).then(() => {
    width = width || img.naturalWidth;
    height = height || img.naturalHeight;
    setZoom(fitZoom());
    anno = createImageAnnotator(img, {
      drawingEnabled: true,
      drawingMode: 'click',
      style: (a, state) => {
        const color = ctx.colorOf(labelOf(a));
        return { stroke: color, strokeWidth: state?.selected ? 3 : 2, fill: color, fillOpacity: state?.selected ? 0.3 : 0.15 };
      },
    });
    anno.setDrawingTool('polygon');
    anno.on('createAnnotation', (a) => {
      if (!labelOf(a) && currentLabel) {
        const live = anno.getAnnotationById(a.id);
        if (live) anno.updateAnnotation({ ...live, bodies: bodyFor(a.id, currentLabel) });
      }
      sync();
      // the new outline stays selected (as a new box does): a hotkey relabels it, its corners move
      anno.setSelected(a.id);
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
    // the current polygons straight from Annotorious (includes an edit still in progress)
    currentResult: () => current(),
    onKey(e) {
      if (e.key === 'Delete' || e.key === 'Backspace') {
        const selected = anno?.getSelected().map((a) => a.id) || [];
        if (selected.length) { remove(selected); return true; }
        return false;
      }
      if (e.key.toLowerCase() === OK_KEY) { answerOk(); return true; }
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
    setZoom: (z) => setZoom(z),
    getZoom: () => zoom,
    destroy() {
      window.removeEventListener('keyup', onKeyUp);
      reference.destroy();
      pointPrompt.destroy();
      try { anno?.destroy(); } catch (e) { console.error(e); }
    },
  };
}
