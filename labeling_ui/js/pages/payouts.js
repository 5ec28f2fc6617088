// Payouts (owners and managers): the organization's payout report for a period — per annotator
// items, accepted, rejected, measured time, amount per hour and amount — as a table and a CSV,
// and marking the period paid (with a confirmation; a paid period is locked).
import * as api from '../api.js';
import { t } from '../i18n.js';
import { h, field, focusHeading } from '../dom.js';
import { describeError } from '../errors.js';
import { toast } from '../toast.js';
import { ensureMe } from '../session.js';
import { errorBox, emptyState, loading } from './common.js';
import { orgCrumbs } from './members.js';
import { fmtDuration, monthStart, utcDay } from '../i18n_pay.js';

const MIN_SECONDS_FOR_HOURLY = 60;

async function downloadCsv(orgId, from, to) {
  const response = await fetch(`${api.BASE}/orgs/${orgId}/payouts?${new URLSearchParams({ from, to })}`, {
    headers: { Accept: 'text/csv', Authorization: `Bearer ${api.getToken()}` },
  });
  if (!response.ok) throw new api.ApiError(response.status, response.statusText);
  const url = URL.createObjectURL(await response.blob());
  const a = Object.assign(document.createElement('a'), { href: url, download: `payouts-${from}-${to}.csv` });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export async function renderPayouts(root, { orgId }) {
  root.append(loading());
  const id = Number(orgId);
  let me;
  try { me = await ensureMe(); } catch (err) { root.replaceChildren(errorBox(err)); return; }
  const membership = me.memberships.find((m) => m.org_id === id);
  if (!membership) { root.replaceChildren(errorBox({ status: 404 })); return; }
  const from = h('input', { type: 'date', name: 'from', value: monthStart() });
  const to = h('input', { type: 'date', name: 'to', value: utcDay() });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card period-form' },
    field(t('period_from'), from), field(t('period_to'), to), h('button', { type: 'submit', class: 'primary' }, t('show')));
  form.addEventListener('submit', (e) => { e.preventDefault(); show(); });
  root.replaceChildren(orgCrumbs(membership.org_name, t('payouts')),
    h('h1', {}, t('payouts_of', { org: membership.org_name })), form, out);
  focusHeading(root);

  // Each show() is numbered: an answer that arrives after a newer show() began is dropped (the
  // first period's report, slow to come, replaced the message of a cleared date asked after it).
  let shown = 0;
  async function show() {
    const mine = ++shown;
    if (!from.value || !to.value) { // a cleared date field: say so here rather than send it
      out.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, t('period_missing')));
      (from.value ? to : from).focus();
      return;
    }
    out.replaceChildren(loading());
    let report;
    try { report = await api.get(`orgs/${id}/payouts`, { from: from.value, to: to.value }); } catch (err) {
      if (mine === shown) out.replaceChildren(errorBox(err, show));
      return;
    }
    if (mine !== shown) return;
    const csv = h('button', { type: 'button' }, t('download_csv'));
    csv.addEventListener('click', () => downloadCsv(id, from.value, to.value).catch((err) => toast(describeError(err), 'error', 6000)));
    const pay = h('button', { type: 'button', class: 'primary', disabled: report.paid || !report.rows.length }, t('mark_paid'));
    pay.addEventListener('click', async () => {
      const vars = { from: from.value, to: to.value, total: report.total, currency: report.currency };
      if (!window.confirm(t('mark_paid_confirm', vars))) return;
      try {
        await api.post(`orgs/${id}/payouts`, { from: from.value, to: to.value });
        toast(t('marked_paid', vars), 'ok');
      } catch (err) { toast(describeError(err), 'error', 8000); }
      show();
    });
    const actions = h('div', { class: 'actions' }, csv, pay,
      report.paid ? h('span', { class: 'badge', dataset: { paid: '1' } }, t('period_is_paid')) : null);
    if (!report.rows.length) {
      out.replaceChildren(actions, emptyState(t('no_payouts'), t('no_payouts_hint')));
      return;
    }
    const columns = [t('annotator'), t('pay_items'), t('accepted'), t('rejected'), t('worked'), t('hourly'), t('amount')];
    const money = (v) => (v === null || v === undefined ? '—' : `${v} ${report.currency}`);
    // Per hour: 2 decimals, and none under a minute of measured time (a few seconds of work
    // would make an absurd rate).
    const hourly = (r) => (r.hourly === null || r.hourly === undefined || !(r.seconds >= MIN_SECONDS_FOR_HOURLY)
      ? '—' : `${Number(r.hourly).toFixed(2)} ${report.currency}`);
    out.replaceChildren(actions, h('section', { class: 'card' }, h('table', { class: 'figures-table payouts-table' },
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, report.rows.map((r) => h('tr', { dataset: { annotatorId: r.annotator_id } },
        h('th', { scope: 'row' }, r.name || `#${r.annotator_id}`), h('td', {}, String(r.items)), h('td', {}, String(r.accepted)),
        h('td', {}, String(r.rejected)), h('td', {}, fmtDuration(r.seconds, t)), h('td', { class: 'num', dataset: { hourly: '' } }, hourly(r)),
        h('td', { class: 'num' }, money(r.amount))))),
      h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', colspan: 6 }, t('total')),
        h('td', { class: 'num', dataset: { total: report.total } }, money(report.total)))))));
  }
  await show();
}
