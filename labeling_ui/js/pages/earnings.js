// "My earnings": the signed-in person's own ledger over a period (pending, payable, paid,
// reversed), by day and by project, with measured working time.
import * as api from '../api.js';
import { t } from '../i18n.js';
import { h, field, focusHeading } from '../dom.js';
import { ensureMe } from '../session.js';
import { errorBox, emptyState, loading } from './common.js';
import { fmtDuration, monthStart, utcDay } from '../i18n_pay.js';

const FIGURES = ['pending', 'payable', 'paid', 'reversed'];

export async function renderEarnings(root) {
  root.append(loading());
  try { await ensureMe(); } catch (err) { root.replaceChildren(errorBox(err)); return; }
  const from = h('input', { type: 'date', name: 'from', value: monthStart() });
  const to = h('input', { type: 'date', name: 'to', value: utcDay() });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card period-form' },
    field(t('period_from'), from), field(t('period_to'), to), h('button', { type: 'submit', class: 'primary' }, t('show')));
  form.addEventListener('submit', (e) => { e.preventDefault(); show(); });
  root.replaceChildren(h('h1', {}, t('my_earnings')), form, out);
  focusHeading(root);

  async function show() {
    out.replaceChildren(loading());
    let mine;
    try { mine = await api.get('me/earnings', { from: from.value, to: to.value }); } catch (err) {
      out.replaceChildren(errorBox(err, show)); return;
    }
    const money = (v) => `${v} ${mine.currency}`;
    const totals = h('dl', { class: 'strip earnings-totals' },
      FIGURES.map((k) => h('div', { class: 'stat' }, h('dt', {}, t(k)), h('dd', { dataset: { figure: k } }, money(mine[k])))),
      h('div', { class: 'stat' }, h('dt', {}, t('worked')), h('dd', { dataset: { figure: 'seconds' } }, fmtDuration(mine.seconds, t))));
    if (!mine.by_day.length) {
      out.replaceChildren(totals, emptyState(t('no_earnings'), t('no_earnings_hint')));
      return;
    }
    const table = (caption, first, rows, cell) => h('table', { class: 'figures-table' },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, [first, t('pay_items'), ...FIGURES.map(t), t('worked')].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, h('th', { scope: 'row' }, cell(r)), h('td', {}, String(r.items)),
        FIGURES.map((k) => h('td', { class: 'num' }, r[k])), h('td', {}, fmtDuration(r.seconds, t))))));
    out.replaceChildren(totals, h('p', { class: 'hint' }, t('pending_hint')),
      h('section', { class: 'card' }, table(t('by_project'), t('project'), mine.by_project, (r) => r.name || `#${r.project_id}`)),
      h('section', { class: 'card' }, table(t('by_day'), t('day'), mine.by_day, (r) => r.day)));
  }
  await show();
}
