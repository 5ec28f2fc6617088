// Text classification: the text, and one label picked by click or hotkey (the label bar does that).
import { h } from '../dom.js';
import { t } from '../i18n.js';

export { initialResult, complete, toSubmit, describe } from './label_result.js';

export function mount(stage, _panel, ctx) {
  stage.append(h('div', { class: 'item-text', role: 'document', 'aria-label': t('text_to_label'), tabindex: 0 }, ctx.item.text ?? ''));
  return {
    ready: Promise.resolve(),
    applyLabel: (label) => ctx.commit({ label }),
    activeLabel: () => ctx.getResult().label,
    render: () => {},
    destroy: () => {},
  };
}
