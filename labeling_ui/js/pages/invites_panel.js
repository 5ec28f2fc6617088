// The invitations panel of the members page: make a link (role, optional e-mail, expiry,
// projects), copy it, and see or withdraw the invitations still pending.
import * as api from '../api.js';
import { t, getLang } from '../i18n.js';
import { h, field } from '../dom.js';
import { describeError } from '../errors.js';
import { toast } from '../toast.js';
import { checkList } from './check_list.js';

const EXPIRIES = [[24, 'hours_n', 24], [72, 'days_n', 3], [168, 'days_n', 7], [720, 'days_n', 30]];
const INVITABLE = ['annotator', 'reviewer', 'manager', 'client', 'owner'];
const when = (iso) => new Date(iso).toLocaleString(getLang() === 'zh' ? 'zh-CN' : 'en');

export async function renderInvitesPanel(box, { orgId, myRole }) {
  const role = h('select', { name: 'invite-role' },
    INVITABLE.filter((r) => myRole === 'owner' || r !== 'owner').map((r) => h('option', { value: r }, t(`role_${r}`))));
  const email = h('input', { type: 'email', name: 'invite-email', autocomplete: 'off' });
  const expiry = h('select', { name: 'invite-expiry' },
    EXPIRIES.map(([hours, key, n]) => h('option', { value: hours, selected: hours === 168 }, t(key, { n }))));
  let projects = checkList([], { label: t('invite_projects'), name: 'invite-project' });
  const projectBox = h('div', {}, projects.el);
  const error = h('p', { class: 'form-error', role: 'alert' });
  const result = h('div', { class: 'invite-result' });
  const pending = h('ul', { class: 'project-list pending-invites' });
  const form = h('form', { class: 'card invite-form', 'aria-labelledby': 'invite-form-title' },
    h('h2', { id: 'invite-form-title' }, t('invite_people')),
    h('div', { class: 'settings-grid' }, field(t('role'), role), field(t('invite_email'), email), field(t('expires_in'), expiry)),
    h('fieldset', {}, h('legend', {}, t('invite_projects')), projectBox),
    error, h('button', { type: 'submit', class: 'primary' }, t('create_invite')), result);
  box.replaceChildren(form, h('section', { class: 'card', 'aria-labelledby': 'pending-title' },
    h('h2', { id: 'pending-title' }, t('pending_invites')), pending));

  api.get(`orgs/${orgId}/projects`, { offset: 0, limit: 500 }).then((rows) => {
    projects = checkList(rows.map((p) => ({ id: p.id, label: p.name })), { label: t('invite_projects'), name: 'invite-project' });
    projectBox.replaceChildren(projects.el);
  }).catch(() => {});

  const refresh = async () => {
    try {
      const rows = await api.get(`orgs/${orgId}/invites`, { pending: true, limit: 200 });
      pending.replaceChildren(...(rows.length ? rows.map((i) => pendingRow(i, orgId, refresh))
        : [h('li', { class: 'muted' }, t('no_pending_invites'))]));
    } catch (err) { pending.replaceChildren(h('li', { class: 'form-error' }, describeError(err))); }
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    const body = {
      role: role.value,
      expires_hours: Number(expiry.value),
      project_ids: projects.values(),
    };
    if (email.value.trim()) body.email = email.value.trim();
    try {
      const made = await api.post(`orgs/${orgId}/invites`, body);
      result.replaceChildren(linkBox(made.url));
      email.value = '';
      refresh();
    } catch (err) { error.textContent = describeError(err); }
  });
  await refresh();
}

function linkBox(url) {
  const input = h('input', { type: 'text', readOnly: true, value: url, class: 'invite-link', 'aria-label': t('invite_link') });
  const copy = h('button', { type: 'button' }, t('copy'));
  copy.addEventListener('click', async () => {
    input.select();
    try { await navigator.clipboard.writeText(url); } catch { document.execCommand('copy'); }
    toast(t('copied'), 'ok');
  });
  return h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('invite_link')),
    h('div', { class: 'actions' }, input, copy), h('small', { class: 'hint' }, t('invite_link_hint')));
}

function pendingRow(invite, orgId, refresh) {
  const revoke = h('button', { type: 'button', class: 'danger' }, t('revoke'));
  revoke.addEventListener('click', async () => {
    try {
      await api.del(`orgs/${orgId}/invites/${invite.id}`);
      toast(t('revoked'), 'ok');
    } catch (err) { toast(describeError(err), 'error', 6000); }
    refresh();
  });
  return h('li', { class: 'project-row', dataset: { inviteId: invite.id } },
    h('span', {}, h('strong', {}, t(`role_${invite.role}`)), ' · ', invite.email || t('anyone_with_link'),
      h('span', { class: 'muted' }, ` · ${t('expires')} ${when(invite.expires_at)}`)),
    h('div', { class: 'actions' }, revoke));
}
