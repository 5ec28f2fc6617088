// Template comparison for image tools: when the item has a reference (template) image
// (GET /items/{id}/reference), the annotator can show it side by side with the test image, flicker
// between the two, or see their difference (|test − template|, brightest where they differ) laid over
// the test image. Overlays let the pointer through, so drawing goes on in every mode; they follow the
// tool's zoom. "T" cycles the modes. Without a reference, nothing is shown.
import * as api from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import '../i18n_polygons.js';

const MODES = ['off', 'side', 'flicker', 'difference'];
const FLICKER_MS = 600;
const DIFF_GAIN = 3;

export function mountReference(toolbar, scroller, img, ctx) {
  let mode = 'off';
  let url = null;
  let diffUrl = null;
  let timer = null;
  let size = null;
  const layer = h('img', { class: 'reference-layer', alt: t('reference_image'), draggable: false, hidden: true });
  const select = h('select', { 'aria-label': t('reference_image'), onchange: (e) => setMode(e.target.value) },
    MODES.map((m) => h('option', { value: m }, t(`reference_${m}`))));
  const control = h('label', { class: 'reference-control', hidden: true }, t('reference_image'), ' ', select, ' ', h('kbd', {}, 'T'));
  toolbar.append(control);
  scroller.append(layer);

  const mediaUrl = ctx.item.media_url || '';
  const found = mediaUrl.endsWith('/media')
    ? api.fetchObjectUrl(mediaUrl.replace(/\/media$/, '/reference')).then((u) => { url = u; control.hidden = false; scroller.dataset.reference = '1'; })
      .catch(() => {}) // 404: the item has no reference
    : Promise.resolve();

  function place() {
    if (!size) return;
    layer.style.width = `${size.w}px`;
    layer.style.height = `${size.h}px`;
    layer.style.left = mode === 'side' ? `${size.w + 8}px` : '0px';
  }

  async function difference() {
    if (diffUrl) return diffUrl;
    const other = new Image();
    other.src = url;
    await other.decode();
    const w = img.naturalWidth; const hh = img.naturalHeight;
    const draw = (source) => {
      const c = document.createElement('canvas'); c.width = w; c.height = hh;
      const g = c.getContext('2d'); g.drawImage(source, 0, 0, w, hh);
      return g.getImageData(0, 0, w, hh);
    };
    const a = draw(img); const b = draw(other);
    const out = new ImageData(w, hh);
    for (let i = 0; i < a.data.length; i += 4) {
      const d = Math.max(Math.abs(a.data[i] - b.data[i]), Math.abs(a.data[i + 1] - b.data[i + 1]), Math.abs(a.data[i + 2] - b.data[i + 2]));
      const v = Math.min(255, d * DIFF_GAIN);
      out.data[i] = v; out.data[i + 1] = v; out.data[i + 2] = v; out.data[i + 3] = 255;
    }
    const c = document.createElement('canvas'); c.width = w; c.height = hh;
    c.getContext('2d').putImageData(out, 0, 0);
    diffUrl = c.toDataURL('image/png');
    return diffUrl;
  }

  // The mode is shown (and data-reference-mode set) only once its image is ready: the difference
  // is computed first, and a later press while it is computed wins.
  async function setMode(next) {
    if (!url) return;
    mode = next;
    select.value = mode;
    clearInterval(timer); timer = null;
    const src = mode === 'difference' ? await difference() : url;
    if (mode !== next) return;
    layer.src = src;
    layer.hidden = mode === 'off';
    layer.classList.toggle('side', mode === 'side');
    scroller.dataset.referenceMode = mode;
    if (mode === 'flicker') timer = setInterval(() => { layer.hidden = !layer.hidden; }, FLICKER_MS);
    place();
  }

  return {
    found,
    zoomed(w, hh) { size = { w, h: hh }; place(); },
    onKey(e) {
      if (e.key.toLowerCase() !== 't' || !url) return false;
      setMode(MODES[(MODES.indexOf(mode) + 1) % MODES.length]);
      return true;
    },
    destroy() {
      clearInterval(timer);
      if (url) URL.revokeObjectURL(url);
    },
  };
}
