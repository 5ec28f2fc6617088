// The organization's audit trail (owners): who did what, newest first, filter by action, older
// pages by cursor. Everything shown is text (never HTML): names and data come from users.
import * as api from '../api.js';
import { t, hasText } from '../i18n.js';
import { h, focusHeading } from '../dom.js';
import { ensureMe } from '../session.js';
import { errorBox, loading, emptyState, fmtDateTime } from './common.js';
import { orgCrumbs } from './members.js';

export async function renderAudit(root, { orgId, action = '' }) {
  root.append(loading());
  const id = Number(orgId);
  let me;
  try { me = await ensureMe(); } catch (err) { root.replaceChildren(errorBox(err)); return; }
  const membership = me.memberships.find((m) => m.org_id === id);
  if (!membership) { root.replaceChildren(errorBox({ status: 404 })); return; }
  const filter = h('select', { id: 'audit-action', 'aria-label': t('audit_action') });
  const rows = h('tbody', {});
  const more = h('button', { type: 'button', hidden: true }, t('audit_older'));
  const table = h('table', { class: 'figures-table audit-table' },
    h('thead', {}, h('tr', {}, [t('audit_when'), t('audit_who'), t('audit_action'), t('audit_target'), t('audit_details')]
      .map((c) => h('th', { scope: 'col' }, c)))), rows);
  const body = h('section', { class: 'card' }, table, more);
  root.replaceChildren(orgCrumbs(membership.org_name, t('audit_log')),
    h('h1', {}, t('audit_log_of', { org: membership.org_name })),
    h('p', {}, h('label', {}, `${t('audit_action')} `, filter)), body);
  focusHeading(root);
  filter.addEventListener('change', () => {
    location.hash = `#/orgs/${id}/audit${filter.value ? `?action=${encodeURIComponent(filter.value)}` : ''}`;
  });

  let cursor = null;
  async function load() {
    try {
      const page = await api.get(`orgs/${id}/audit`, { limit: 50, ...(action ? { action } : {}), ...(cursor ? { cursor } : {}) });
      if (!filter.options.length) {
        filter.replaceChildren(h('option', { value: '' }, t('audit_all')),
          ...page.actions.map((a) => h('option', { value: a, selected: a === action }, actionText(a))));
      }
      rows.append(...page.events.map(eventRow));
      cursor = page.next_cursor;
      more.hidden = cursor === null;
      if (!rows.children.length) body.replaceChildren(emptyState(t('audit_empty_title'), t('audit_empty')));
    } catch (err) { body.replaceChildren(errorBox(err, load)); }
  }
  more.addEventListener('click', load);
  await load();
}

const actionText = (a) => (hasText(`audit_${a}`) ? t(`audit_${a}`) : a);

function eventRow(e) {
  return h('tr', {},
    h('td', {}, fmtDateTime(e.created_at)),
    h('td', {}, e.actor_name || t('audit_system')),
    h('td', {}, actionText(e.action)),
    h('td', {}, `${e.target_type} #${e.target_id}`),
    h('td', { class: 'audit-data' }, Object.entries(e.data || {})
      .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' · ')));
}
