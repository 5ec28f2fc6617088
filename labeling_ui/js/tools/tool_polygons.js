// Defect outlines with Annotorious' polygon tool: click points, click the first point (or double-click)
// to close, drag a vertex of the selected polygon to edit it, Delete removes it; label hotkeys relabel
// the selection; zoom and pan as the box tool. "O" answers "OK, no defect" ({ok: true}) in one key;
// "B" switches to a brush whose strokes become polygons (./brush.js); "H" draws a hole inside the
// selected polygon, Shift+H removes its last hole (./holes.js).
// The shared editing glue (zoom, pan, list, relabel, remove, OK/NG) is ./annotorious_marks.js.
import { t } from '../i18n.js';
import '../i18n_polygons.js';
import { bodyFor, labelOf, mountMarks, okOf, okText, r2, withOk } from './annotorious_marks.js';
import { mountBrush } from './brush.js';
import { fitRing } from './rings.js';

// The result: {polygons: [{label, points: [[x, y], ...], holes?}], ok?}; no polygon = "nothing to
// label". Polygons carry an id while they are edited, stripped again by toSubmit.
// A traced outline (consensus, model) longer than the backend takes is simplified (./rings.js).
const fitted = ({ points, holes, ...rest }) => ({ ...rest, points: fitRing(points), ...(holes?.length ? { holes: holes.map(fitRing) } : {}) });
export const initialResult = (prelabel) => ({
  polygons: Array.isArray(prelabel?.polygons) ? prelabel.polygons.map((p) => ({ id: crypto.randomUUID(), ...fitted(p) })) : [],
  ...okOf(prelabel),
});
export const complete = (r) => Boolean(r && Array.isArray(r.polygons));
const ring = (pts) => pts.map(([x, y]) => [r2(x), r2(y)]);
export function toSubmit(r) {
  const polygons = r.polygons.map(({ label, points, holes }) => ({ label, points: ring(points), ...(holes?.length ? { holes: holes.map(ring) } : {}) }));
  return withOk('polygons', polygons, r.ok);
}
// A short human form, for the gold toast.
export const describe = (r) => {
  const list = (r?.polygons || []).map((p) => `${p.label} (${p.points.length} ${t('points')})`).join(', ');
  return list || okText(r);
};

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

function fromAnnotation(a, width, height) {
  const { type, geometry } = a.target.selector;
  if (type === 'MULTIPOLYGON') {
    const [outer, ...holes] = geometry.polygons[0].rings.map((r) => clamp(r.points, width, height));
    return { id: a.id, label: labelOf(a), points: outer, ...(holes.length ? { holes } : {}) };
  }
  return { id: a.id, label: labelOf(a), points: clamp(geometry.points, width, height) };
}

export const mount = (stage, panel, ctx) => mountMarks(stage, panel, ctx, {
  field: 'polygons', idKey: 'polygonId', title: t('polygons'), help: t('polygons_help'),
  tool: 'polygon', mode: 'click', fillOpacity: 0.15, selectNew: true, reference: true, holes: true,
  toAnnotation, fromAnnotation,
  extras: (api) => mountBrush({ ...api, addPolygon: (points) => api.add({ points }) }),
  summary: (p) => `${p.points.length} ${t('points')}${p.holes?.length ? ` · ${p.holes.length} ${t(p.holes.length === 1 ? 'hole' : 'holes')}` : ''}`,
});
