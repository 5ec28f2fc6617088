// Holes in defect outlines: a ring-shaped defect (a burr round a drilled hole, a stain round a
// washer's seat) is an outline with a hole. Select an outline, press H (or the toolbar button),
// then draw the hole's outline inside it as any outline is drawn: it becomes one of the selected
// outline's holes instead of a new polygon. Shift+H removes the selected outline's last hole.
// The backend checks the rest (a hole inside its polygon, no ring crossing another, in the
// polygon kind's validation) and names the ring it refuses.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { toast } from '../toast.js';
import '../i18n_polygons.js';

// Whether a point lies inside a ring: the even-odd rule by ray casting (W. R. Franklin, PNPOLY,
// https://wrfranklin.org/Research/Short_Notes/pnpoly.html).
export function inside([x, y], ring) {
  let odd = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]; const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) odd = !odd;
  }
  return odd;
}

// The outline ``mark`` with ``ring`` as a new hole, or null (and a message) when the ring does not
// lie inside the outline or touches one of its holes.
export function withHole(mark, ring) {
  const holes = mark.holes || [];
  const fits = ring.every((p) => inside(p, mark.points))
    && holes.every((hole) => !ring.some((p) => inside(p, hole)) && !hole.some((p) => inside(p, ring)));
  if (!fits) { toast(t('hole_outside'), 'warn', 5000); return null; }
  return { ...mark, holes: [...holes, ring] };
}

// The toolbar button and the H key. ``selectedId()``: the selected outline's id or null;
// ``setArmed(on)``: the marks tool lets clicks draw inside outlines while a hole is drawn;
// ``dropLastHole(id)``: Shift+H.
export function mountHoles({ toolbar, selectedId, setArmed, dropLastHole }) {
  let target = null;
  const button = h('button', { type: 'button', class: 'hole-button', 'aria-pressed': 'false', 'aria-keyshortcuts': 'H', onclick: () => toggle() },
    t('cut_hole'), ' ', h('kbd', {}, 'H'));
  toolbar.append(button);

  function arm(id) {
    target = id;
    button.setAttribute('aria-pressed', String(Boolean(id)));
    setArmed(Boolean(id));
    if (id) toast(t('hole_armed'), 'info', 4000);
  }
  function toggle() {
    if (target) { arm(null); return; }
    const id = selectedId();
    if (id) arm(id); else toast(t('hole_select_first'), 'warn', 5000);
  }

  return {
    // the outline a newly drawn ring belongs to, taken once (the mode ends with it)
    take() { const id = target; arm(null); return id; },
    cancel() { if (target) arm(null); },
    onKey(e) {
      if (e.key.toLowerCase() !== 'h') { if (e.key === 'Escape' && target) arm(null); return false; }
      if (e.shiftKey) { const id = selectedId(); if (id) dropLastHole(id); return true; }
      toggle();
      return true;
    },
    destroy() {},
  };
}
