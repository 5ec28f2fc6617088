// Bounding boxes with Annotorious: draw, select, move, resize, delete, relabel, zoom and pan (the
// shared editing glue is ./annotorious_marks.js). "O" answers "OK, no defect" ({ok: true}) in one key.
import { t } from '../i18n.js';
import { bodyFor, labelOf, mountMarks, okOf, okText, r2, withOk } from './annotorious_marks.js';

// The result: {boxes: [{label, x, y, w, h}], ok?}; no boxes = "nothing to label", a valid answer.
// Boxes carry an id while they are edited (from the pre-label on), stripped again by toSubmit.
export const initialResult = (prelabel) => ({
  boxes: Array.isArray(prelabel?.boxes) ? prelabel.boxes.map((b) => ({ id: crypto.randomUUID(), ...b })) : [],
  ...okOf(prelabel),
});
export const complete = (r) => Boolean(r && Array.isArray(r.boxes));
export const toSubmit = (r) => withOk('boxes', r.boxes.map(({ label, x, y, w, h }) => ({ label, x: r2(x), y: r2(y), w: r2(w), h: r2(h) })), r.ok);
// A short human form, for the gold toast.
export const describe = (r) => (r?.boxes || []).map((b) => `${b.label} [${Math.round(b.x)},${Math.round(b.y)},${Math.round(b.w)}×${Math.round(b.h)}]`).join(', ') || okText(r);

function toAnnotation(box) {
  const id = box.id || crypto.randomUUID();
  const { x, y, w, h } = box;
  return {
    id,
    bodies: bodyFor(id, box.label),
    target: {
      annotation: id,
      selector: { type: 'RECTANGLE', geometry: { x, y, w, h, bounds: { minX: x, minY: y, maxX: x + w, maxY: y + h } } },
    },
  };
}

function fromAnnotation(a, width, height) {
  const g = a.target.selector.geometry;
  // a rotated rectangle is stored as its axis-aligned bounds
  let [x, y, w, h] = g.rot ? [g.bounds.minX, g.bounds.minY, g.bounds.maxX - g.bounds.minX, g.bounds.maxY - g.bounds.minY] : [g.x, g.y, g.w, g.h];
  // keep boxes inside the image (the backend refuses boxes outside it)
  const x0 = Math.max(0, x); const y0 = Math.max(0, y);
  w = Math.min(width, x + w) - x0; h = Math.min(height, y + h) - y0;
  x = x0; y = y0;
  return { id: a.id, label: labelOf(a), x, y, w, h };
}

export const mount = (stage, panel, ctx) => mountMarks(stage, panel, ctx, {
  field: 'boxes', idKey: 'boxId', title: t('boxes'), help: t('boxes_help'),
  tool: 'rectangle', mode: 'drag', fillOpacity: 0.12,
  toAnnotation, fromAnnotation,
  summary: (b) => `${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.w)}×${Math.round(b.h)}`,
});
