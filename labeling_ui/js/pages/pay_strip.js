// The annotate page's pay strip (today's pending / payable and measured working time) and the
// heartbeats that measure that time: sent while the page is visible and the annotator acts
// (keys, pointer, wheel), at most one per BEAT_MS; one more, marked final, just before a submit.
// The server measures the time between beats itself and cuts idle gaps; a beat only says
// "still working on this lease".
import * as api from '../api.js';
import { t } from '../i18n.js';
import { h } from '../dom.js';
import { fmtDuration, utcDay } from '../i18n_pay.js';

const BEAT_MS = 15000;
const ACTIVITY = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'input'];

// Adds today's pending / payable and working time to the page's strip (one row: the annotate
// page must fit a laptop screen). ``refresh()`` reads /me/earnings for today.
export function payStrip(strip) {
  const cell = (key, content) => h('div', { class: 'stat' }, h('dt', {}, t(key)), h('dd', { dataset: { pay: key } }, content));
  strip.append(cell('pay_today', '—'), cell('worked_today', '—'),
    h('div', { class: 'stat' }, h('dd', {}, h('a', { href: '#/earnings' }, t('my_earnings')))));
  const refresh = async () => {
    const today = utcDay();
    try {
      const mine = await api.get('me/earnings', { from: today, to: today });
      strip.querySelector('[data-pay=pay_today]').textContent = `${mine.pending} / ${mine.payable} ${mine.currency}`;
      strip.querySelector('[data-pay=worked_today]').textContent = fmtDuration(mine.seconds, t);
      strip.dataset.payLoaded = '1';
    } catch { /* the strip is a convenience: the page works without it */ }
  };
  return { refresh };
}

// Starts listening; ``leaseId()`` is the assignment held now (or null). Returns { final, stop }.
export function heartbeats(leaseId) {
  let last = 0;
  const send = (final = false) => {
    const id = leaseId();
    if (!id) return;
    last = Date.now();
    api.post(`assignments/${id}/heartbeat`, { final }).catch(() => {});
  };
  const onActivity = () => {
    if (document.visibilityState !== 'visible') return;
    if (Date.now() - last >= BEAT_MS) send(false);
  };
  for (const name of ACTIVITY) window.addEventListener(name, onActivity, { capture: true, passive: true });
  return {
    final: () => send(true),
    stop: () => { for (const name of ACTIVITY) window.removeEventListener(name, onActivity, { capture: true }); },
  };
}
