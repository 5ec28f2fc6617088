// A brush for the polygon tool: "B" (or the toolbar button) switches it on; dragging paints a
// round stroke of the chosen width; on release the painted pixels become one polygon, added with
// the current label as if its outline had been clicked. The outline is traced along pixel edges
// (the painted region's outer boundary, holes filled) and simplified by the Ramer–Douglas–Peucker
// algorithm within a tenth of the brush or one screen pixel, at least one image pixel (U. Ramer, "An iterative procedure for the polygonal
// approximation of plane curves", Computer Graphics and Image Processing 1(3):244-256, 1972,
// https://doi.org/10.1016/S0146-664X(72)80017-0), at most MAX_POINTS points, never crossing itself
// (the backend refuses such outlines).
import { h } from '../dom.js';
import { t } from '../i18n.js';
import '../i18n_polygons.js';
import { MAX_POINTS, selfCrossing, simplify } from './rings.js';

const SIZES = [4, 8, 16, 32]; // brush diameter in image pixels

export function mountBrush({ toolbar, scroller, img, size, addPolygon, setDrawing }) {
  let on = false;
  let diameter = SIZES[1];
  let stroke = null; // image-pixel points of the stroke being painted
  const canvas = h('canvas', { class: 'brush-layer', hidden: true });
  const button = h('button', { type: 'button', class: 'brush-button', 'aria-pressed': 'false', 'aria-keyshortcuts': 'B', onclick: () => toggle() },
    t('brush'), ' ', h('kbd', {}, 'B'));
  const sizeSelect = h('select', { 'aria-label': t('brush_size'), onchange: (e) => { diameter = Number(e.target.value); e.target.blur(); } },
    SIZES.map((s) => h('option', { value: s, selected: s === diameter }, `${s} px`)));
  toolbar.append(button, sizeSelect);
  scroller.append(canvas);

  function toggle(next = !on) {
    on = next;
    button.setAttribute('aria-pressed', String(on));
    canvas.hidden = !on;
    scroller.classList.toggle('brushing', on);
    setDrawing(!on);
    if (on) place();
  }

  // the canvas lies over the image, in displayed pixels
  function place() {
    const ir = img.getBoundingClientRect();
    const sr = scroller.getBoundingClientRect();
    canvas.style.left = `${ir.left - sr.left + scroller.scrollLeft}px`;
    canvas.style.top = `${ir.top - sr.top + scroller.scrollTop}px`;
    canvas.width = Math.round(ir.width); canvas.height = Math.round(ir.height);
    canvas.style.width = `${ir.width}px`; canvas.style.height = `${ir.height}px`;
  }

  const toImage = (e) => {
    const r = img.getBoundingClientRect();
    const { width, height } = size();
    return [(e.clientX - r.left) * width / r.width, (e.clientY - r.top) * height / r.height];
  };

  function paint() {
    const g = canvas.getContext('2d');
    const { width } = size();
    const k = canvas.width / width;
    g.clearRect(0, 0, canvas.width, canvas.height);
    g.strokeStyle = 'rgba(255, 200, 0, 0.6)'; g.fillStyle = g.strokeStyle;
    g.lineWidth = diameter * k; g.lineCap = 'round'; g.lineJoin = 'round';
    g.beginPath();
    stroke.forEach(([x, y], i) => (i ? g.lineTo(x * k, y * k) : g.moveTo(x * k, y * k)));
    if (stroke.length === 1) g.lineTo(stroke[0][0] * k + 0.01, stroke[0][1] * k);
    g.stroke();
  }

  const onDown = (e) => {
    if (!on || e.button !== 0) return;
    e.preventDefault(); e.stopPropagation();
    place();
    stroke = [toImage(e)];
    canvas.setPointerCapture(e.pointerId);
    paint();
  };
  const onMove = (e) => {
    if (!stroke) return;
    e.stopPropagation();
    stroke.push(toImage(e));
    paint();
  };
  const onUp = (e) => {
    if (!stroke) return;
    e.stopPropagation();
    const screenPixel = size().width / img.getBoundingClientRect().width; // in image pixels
    const points = strokePolygon(stroke, diameter, size(), screenPixel);
    stroke = null;
    canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
    if (points) addPolygon(points);
  };
  canvas.addEventListener('pointerdown', onDown);
  canvas.addEventListener('pointermove', onMove);
  canvas.addEventListener('pointerup', onUp);

  return {
    active: () => on,
    stop() { if (on) toggle(false); },
    zoomed() { if (on) place(); },
    onKey(e) {
      if (e.key.toLowerCase() === 'b') { toggle(); return true; }
      if (e.key === 'Escape' && on) { toggle(false); return false; } // the tool deselects too
      return false;
    },
    destroy() { canvas.remove(); },
  };
}

// The polygon of a stroke: its pixels (at image resolution, clipped to the image) traced and
// simplified; null when nothing was painted.
export function strokePolygon(stroke, diameter, { width, height }, screenPixel = 1) {
  const r = diameter / 2;
  const xs = stroke.map((p) => p[0]); const ys = stroke.map((p) => p[1]);
  const x0 = Math.max(0, Math.floor(Math.min(...xs) - r - 1)); const y0 = Math.max(0, Math.floor(Math.min(...ys) - r - 1));
  const x1 = Math.min(width, Math.ceil(Math.max(...xs) + r + 1)); const y1 = Math.min(height, Math.ceil(Math.max(...ys) + r + 1));
  const w = x1 - x0; const hh = y1 - y0;
  if (w <= 0 || hh <= 0) return null;
  const c = document.createElement('canvas'); c.width = w; c.height = hh;
  const g = c.getContext('2d');
  g.lineWidth = diameter; g.lineCap = 'round'; g.lineJoin = 'round'; g.strokeStyle = '#000';
  g.beginPath();
  stroke.forEach(([x, y], i) => (i ? g.lineTo(x - x0, y - y0) : g.moveTo(x - x0, y - y0)));
  if (stroke.length === 1) g.lineTo(stroke[0][0] - x0 + 0.01, stroke[0][1] - y0);
  g.stroke();
  const alpha = g.getImageData(0, 0, w, hh).data;
  const mask = new Uint8Array(w * hh);
  for (let i = 0; i < mask.length; i += 1) mask[i] = alpha[i * 4 + 3] >= 128 ? 1 : 0;
  const ring = outline(mask, w, hh);
  if (!ring || ring.length < 4) return null;
  for (const tolerance of [Math.max(1, screenPixel, diameter / 10), 1, 0.5, 0]) {
    const simple = simplify(ring, tolerance);
    if (simple.length >= 3 && simple.length <= MAX_POINTS && !selfCrossing(simple)) {
      return simple.map(([x, y]) => [x + x0, y + y0]);
    }
  }
  return null;
}

// The outer boundary of the mask's first (top-left) 4-connected region, along pixel edges,
// clockwise on screen, corners only. At a vertex where the region touches itself diagonally the
// walk turns right, which keeps to the 4-connected region.
function outline(mask, w, hh) {
  const at = (x, y) => (x >= 0 && y >= 0 && x < w && y < hh ? mask[y * w + x] : 0);
  let start = -1;
  for (let i = 0; i < mask.length; i += 1) if (mask[i]) { start = i; break; }
  if (start < 0) return null;
  const sx = start % w; const sy = Math.floor(start / w);
  // directions: 0 right, 1 down, 2 left, 3 up; the region lies to the right of the walk
  const dx = [1, 0, -1, 0]; const dy = [0, 1, 0, -1];
  // can the walk leave vertex (x, y) heading d? (the pixel on its right is in, the left one out)
  const open = (x, y, d) => {
    if (d === 0) return at(x, y) && !at(x, y - 1);
    if (d === 1) return at(x - 1, y) && !at(x, y);
    if (d === 2) return at(x - 1, y - 1) && !at(x - 1, y);
    return at(x, y - 1) && !at(x - 1, y - 1);
  };
  const ring = [];
  let x = sx; let y = sy; let d = 0;
  const limit = 4 * (w + 1) * (hh + 1);
  for (let steps = 0; steps < limit; steps += 1) {
    ring.push([x, y]);
    x += dx[d]; y += dy[d];
    if (x === sx && y === sy) break;
    const right = (d + 1) % 4; const left = (d + 3) % 4;
    if (open(x, y, right)) d = right;
    else if (open(x, y, d)) { /* straight on */ } else if (open(x, y, left)) d = left;
    else d = (d + 2) % 4;
  }
  // corners only
  return ring.filter((p, i) => {
    const a = ring[(i + ring.length - 1) % ring.length]; const b = ring[(i + 1) % ring.length];
    return (p[0] - a[0]) * (b[1] - p[1]) - (p[1] - a[1]) * (b[0] - p[0]) !== 0;
  });
}
