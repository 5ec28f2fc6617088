// Point prompts: click an object, the project's outside model answers a box (or a polygon) around
// it, added to the tool as an editable mark. The tool gives its toolbar, the scrolled stage and
// the image, and two functions: `label()` (the label it would give a new mark) and `add(result)`
// (put the model's marks into its result). Shown only when the project names an outside model.
// POST /items/{id}/suggest {points, label} → {result, score}; see examples/README.md.
import * as api from '../api.js';
import { h } from '../dom.js';
import { describeError } from '../errors.js';
import { t } from '../i18n.js';
import { toast } from '../toast.js';

const KEY = 'p';
const isTyping = (el) => el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));

export function mountPointPrompt(toolbar, scroller, img, ctx, { label, add, polygon = false }) {
  if (!ctx.project.model_endpoint) return { destroy() {} };
  let on = false;
  let asking = false;
  const button = h('button', {
    type: 'button', class: 'point-prompt', 'aria-pressed': 'false',
    title: `${t(polygon ? 'point_prompt_help_polygon' : 'point_prompt_help')} (P)`,
    onclick: () => toggle(),
  }, t(polygon ? 'point_prompt_polygon' : 'point_prompt'));
  toolbar.append(button);

  function toggle(value = !on) {
    on = value;
    button.setAttribute('aria-pressed', String(on));
    scroller.classList.toggle('point-prompting', on);
  }

  // image pixels of a pointer event (the stored size, so zoom never changes the numbers)
  function pointOf(e) {
    const r = img.getBoundingClientRect();
    const width = ctx.item.width || img.naturalWidth;
    const height = ctx.item.height || img.naturalHeight;
    const x = ((e.clientX - r.left) * width) / r.width;
    const y = ((e.clientY - r.top) * height) / r.height;
    return x >= 0 && y >= 0 && x <= width && y <= height ? [Math.round(x * 100) / 100, Math.round(y * 100) / 100] : null;
  }

  async function ask(point) {
    asking = true;
    scroller.setAttribute('aria-busy', 'true');
    scroller.dataset.suggesting = '1';
    toast(t('point_prompt_asking'), 'info', 1200);
    try {
      const found = await api.post(`items/${ctx.item.id}/suggest`, { points: [point], label: label() });
      const marks = found.result.boxes || found.result.polygons || [];
      if (!marks.length) { toast(t('point_prompt_nothing'), 'info'); return; }
      add(found.result);
      toast(t('point_prompt_added'), 'ok', 1500);
    } catch (err) {
      const text = err.code === 'suggestion_dropped'
        ? t('err_suggestion_dropped', { reason: t(`drop_${err.body.reason}`) })
        : describeError(err);
      toast(text, 'error');
    } finally {
      asking = false;
      scroller.removeAttribute('aria-busy');
      delete scroller.dataset.suggesting;
    }
  }

  // capture phase: the click is the prompt's, never the start of a drawn mark
  const onPointerDown = (e) => {
    if (!on || e.button !== 0 || scroller.classList.contains('panning')) return;
    e.preventDefault(); e.stopPropagation();
    const point = pointOf(e);
    if (point && !asking) ask(point);
  };
  const swallow = (e) => { if (on && e.button === 0) { e.stopPropagation(); } };
  const onKeyDown = (e) => {
    if (e.key.toLowerCase() !== KEY || e.ctrlKey || e.metaKey || e.altKey || isTyping(document.activeElement)) return;
    if (!scroller.isConnected) return;
    e.preventDefault();
    toggle();
  };
  scroller.addEventListener('pointerdown', onPointerDown, true);
  scroller.addEventListener('pointerup', swallow, true);
  scroller.addEventListener('click', swallow, true);
  window.addEventListener('keydown', onKeyDown);

  return {
    isOn: () => on,
    toggle,
    destroy() { window.removeEventListener('keydown', onKeyDown); },
  };
}
