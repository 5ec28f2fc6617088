// Image classification: the image, and one label picked by click or hotkey (the label bar does that).
import { h } from '../dom.js';
import { t } from '../i18n.js';

export { initialResult, complete, toSubmit, describe } from './label_result.js';

export function mount(stage, _panel, ctx) {
  const img = h('img', { class: 'item-image', src: ctx.mediaUrl, alt: t('image_to_label'), draggable: false });
  stage.append(h('div', { class: 'image-frame' }, img));
  return {
    // decode before showing so the first paint is the whole image (no half-drawn frame)
    ready: img.decode().catch(() => {}),
    applyLabel: (label) => ctx.commit({ label }),
    activeLabel: () => ctx.getResult().label,
    render: () => {},
    destroy: () => {},
  };
}
