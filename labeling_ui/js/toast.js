// Short messages in a polite live region; kind: 'info' | 'ok' | 'warn' | 'error'.
import { h } from './dom.js';

export function toast(text, kind = 'info', ms = 3500) {
  const region = document.getElementById('toasts');
  const el = h('div', { class: `toast toast-${kind}`, dataset: { kind } }, text);
  region.append(el);
  setTimeout(() => el.remove(), ms);
  return el;
}
