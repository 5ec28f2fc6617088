// Teams of an organization (owners and managers): create, rename, choose members, delete.
import * as api from '../api.js';
import { t } from '../i18n.js';
import { h, field, focusHeading } from '../dom.js';
import { describeError } from '../errors.js';
import { toast } from '../toast.js';
import { ensureMe } from '../session.js';
import { errorBox, loading } from './common.js';
import { checkList } from './check_list.js';
import { loadMembers, orgCrumbs } from './members.js';

export async function renderTeams(root, { orgId }) {
  root.append(loading());
  const id = Number(orgId);
  let me;
  let people;
  try {
    me = await ensureMe();
    people = (await loadMembers(id)).map((m) => ({ id: m.user_id, label: `${m.name} · ${t(`role_${m.role}`)}` }));
  } catch (err) { root.replaceChildren(errorBox(err)); return; }
  const membership = me.memberships.find((m) => m.org_id === id);
  const list = h('div', { class: 'team-list' });
  root.replaceChildren(orgCrumbs(membership.org_name, t('teams')),
    h('h1', {}, t('teams_of', { org: membership.org_name })), newTeamForm(id, people, () => refresh()), list);
  focusHeading(root);

  async function refresh() {
    try {
      const teams = await api.get(`orgs/${id}/teams`);
      list.replaceChildren(...(teams.length ? teams.map((team) => teamCard(team, people, refresh))
        : [h('p', { class: 'card muted' }, t('no_teams'))]));
    } catch (err) { list.replaceChildren(errorBox(err, refresh)); }
  }
  await refresh();
}

function newTeamForm(orgId, people, refresh) {
  const name = h('input', { name: 'team-name', required: true, maxlength: 120 });
  const members = checkList(people, { label: t('team_members'), name: 'new-team-member' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { class: 'card', 'aria-labelledby': 'new-team-title' },
    h('h2', { id: 'new-team-title' }, t('new_team')), field(t('team_name'), name),
    h('fieldset', {}, h('legend', {}, t('team_members')), members.el), error,
    h('button', { type: 'submit', class: 'primary' }, t('create')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    try {
      await api.post(`orgs/${orgId}/teams`, { name: name.value, member_ids: members.values() });
      toast(t('team_saved'), 'ok');
      form.reset();
      refresh();
    } catch (err) { error.textContent = describeError(err); }
  });
  return form;
}

function teamCard(team, people, refresh) {
  const name = h('input', { name: 'team-name', required: true, maxlength: 120, value: team.name, 'aria-label': t('team_name') });
  const members = checkList(people, { label: `${t('team_members')}: ${team.name}`, name: `team-${team.id}-member`, selected: team.member_ids });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const remove = h('button', { type: 'button', class: 'danger' }, t('delete_team'));
  remove.addEventListener('click', async () => {
    if (!window.confirm(t('delete_team_confirm', { name: team.name }))) return;
    try { await api.del(`teams/${team.id}`); toast(t('team_deleted'), 'ok'); refresh(); } catch (err) { error.textContent = describeError(err); }
  });
  const form = h('form', { class: 'card team', dataset: { teamId: team.id } },
    field(t('team_name'), name), h('fieldset', {}, h('legend', {}, t('team_members')), members.el), error,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('save')), remove));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    try {
      await api.patch(`teams/${team.id}`, { name: name.value, member_ids: members.values() });
      toast(t('team_saved'), 'ok');
      refresh();
    } catch (err) { error.textContent = describeError(err); }
  });
  return form;
}
