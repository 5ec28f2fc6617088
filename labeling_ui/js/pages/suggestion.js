// The annotate page's suggestion bar (issue 21): where a lease carries a pre-label, say whose it
// is and how sure, and offer to accept it with one key. The pre-label is also the editable
// starting result, so the annotator may change it instead.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { fmtPercent } from './common.js';

const ACCEPT_KEYS = ['a', '`', '\\'];

// The first of the accept keys that no label uses as its hotkey.
export const acceptKeyFor = (labels) => ACCEPT_KEYS.find((k) => !labels.some((l) => (l.hotkey || '').toLowerCase() === k)) || null;

function source(prelabel) {
  if (prelabel.model_version === null || prelabel.model_version === undefined) return t('suggestion_imported');
  const p = fmtPercent(prelabel.score);
  return prelabel.model_version === 'endpoint' ? t('suggestion_outside', { p }) : t('suggestion_from', { v: prelabel.model_version, p });
}

export function suggestionBar(acceptKey, onAccept) {
  const text = h('span', { class: 'suggestion-source' });
  const button = h('button', { type: 'button', class: 'accept-suggestion', 'aria-keyshortcuts': acceptKey ? acceptKey.toUpperCase() : null, onclick: () => onAccept() },
    t('accept_suggestion').replace('(A)', acceptKey ? `(${acceptKey.toUpperCase()})` : ''));
  const el = h('div', { class: 'suggestion', role: 'note', hidden: true, 'aria-label': t('suggestion') }, text, ' ', button);
  return {
    el,
    shown: () => !el.hidden,
    show(prelabel) {
      el.hidden = !prelabel;
      if (prelabel) { text.textContent = source(prelabel); el.dataset.modelVersion = String(prelabel.model_version ?? ''); }
    },
  };
}
