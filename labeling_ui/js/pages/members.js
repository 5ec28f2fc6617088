// Members of an organization (owners and managers): roles, removal, temporary passwords, and
// the invitations panel (invites_panel.js).
import * as api from '../api.js';
import * as store from '../store.js';
import { t } from '../i18n.js';
import { h, focusHeading } from '../dom.js';
import { describeError } from '../errors.js';
import { toast } from '../toast.js';
import { ensureMe } from '../session.js';
import { errorBox, loading } from './common.js';
import { renderInvitesPanel } from './invites_panel.js';
import { managesPeople } from '../role_home.js';

export const ROLES = ['owner', 'manager', 'reviewer', 'annotator', 'client'];

export const orgCrumbs = (orgName, here) => h('div', { class: 'page-head' },
  h('p', { class: 'crumbs' }, h('a', { href: '#/projects' }, t('projects')), ' / ', orgName, ' / ', here));

// Every member of the organization (for the teams and access pages too).
export async function loadMembers(orgId) {
  return api.get(`orgs/${orgId}/members`, { offset: 0, limit: 500 });
}

export async function renderMembers(root, { orgId }) {
  root.append(loading());
  const id = Number(orgId);
  let me;
  try { me = await ensureMe(); } catch (err) { root.replaceChildren(errorBox(err)); return; }
  const membership = me.memberships.find((m) => m.org_id === id);
  if (!membership) { root.replaceChildren(errorBox({ status: 404 })); return; }
  if (!managesPeople(membership.role)) { // the server answers them 403 anyway
    root.replaceChildren(errorBox({ status: 403, code: 'forbidden', body: { roles: ['owner', 'manager'] } }));
    return;
  }
  const table = h('tbody', {});
  const section = h('section', { class: 'card' },
    h('table', { class: 'figures-table members-table' },
      h('thead', {}, h('tr', {}, [t('name'), t('email'), t('role'), t('actions')].map((c) => h('th', { scope: 'col' }, c)))),
      table));
  const invites = h('div', {});
  const auditLink = membership.role === 'owner'
    ? h('p', {}, h('a', { href: `#/orgs/${id}/audit`, id: 'audit-link' }, t('audit_log'))) : null;
  // replaceChildren() would print a null as the text "null": only the parts that exist.
  root.replaceChildren(...[orgCrumbs(membership.org_name, t('members')),
    h('h1', {}, t('members_of', { org: membership.org_name })), auditLink, section, invites].filter(Boolean));
  focusHeading(root);

  const refresh = async () => {
    try {
      const rows = await loadMembers(id);
      table.replaceChildren(...rows.map((m) => memberRow(m, { me, myRole: membership.role, refresh })));
    } catch (err) { table.replaceChildren(h('tr', {}, h('td', { colspan: 4 }, errorBox(err, refresh)))); }
  };
  await refresh();
  renderInvitesPanel(invites, { orgId: id, myRole: membership.role });
}

function memberRow(m, { me, myRole, refresh }) {
  const isOwnerRow = m.role === 'owner';
  const mayTouch = myRole === 'owner' || !isOwnerRow;
  const roles = ROLES.filter((r) => myRole === 'owner' || r !== 'owner' || r === m.role);
  const select = h('select', { 'aria-label': `${t('role')}: ${m.name}`, disabled: !mayTouch },
    roles.map((r) => h('option', { value: r, selected: r === m.role }, t(`role_${r}`))));
  select.addEventListener('change', async () => {
    try {
      await api.patch(`orgs/${m.org_id}/members/${m.id}`, { role: select.value });
      toast(t('role_changed', { name: m.name, role: t(`role_${select.value}`) }), 'ok');
      if (m.user_id === me.id) store.set({ me: await api.get('me') });
    } catch (err) { toast(describeError(err), 'error', 6000); }
    refresh();
  });
  const remove = h('button', { type: 'button', class: 'danger', disabled: !mayTouch, 'aria-label': `${t('remove_member')}: ${m.name}` }, t('remove_member'));
  remove.addEventListener('click', async () => {
    if (!window.confirm(t('remove_confirm', { name: m.name }))) return;
    try {
      await api.del(`orgs/${m.org_id}/members/${m.id}`);
      toast(t('removed', { name: m.name }), 'ok');
    } catch (err) { toast(describeError(err), 'error', 6000); }
    refresh();
  });
  const actions = [remove];
  if (myRole === 'owner' && m.user_id !== me.id) {
    const reset = h('button', { type: 'button', 'aria-label': `${t('temp_password')}: ${m.name}` }, t('temp_password'));
    reset.addEventListener('click', async () => {
      if (!window.confirm(t('temp_password_confirm', { name: m.name }))) return;
      try {
        const answer = await api.post(`orgs/${m.org_id}/members/${m.id}/password`, {});
        const shown = h('td', { colspan: 4, class: 'notice temp-password', role: 'status' },
          t('temp_password_shown', { name: m.name, password: answer.temporary_password }));
        reset.closest('tr').after(h('tr', {}, shown));
      } catch (err) { toast(describeError(err), 'error', 6000); }
    });
    actions.push(reset);
  }
  return h('tr', { dataset: { userId: m.user_id } },
    h('td', {}, m.name, m.user_id === me.id ? h('span', { class: 'muted' }, ` (${t('you')})`) : null,
      m.must_change_password ? h('span', { class: 'badge' }, t('must_change')) : null),
    h('td', {}, m.email), h('td', {}, select), h('td', {}, h('div', { class: 'actions' }, actions)));
}
