// Who works on a project (owners and managers): every annotator, or only those chosen and the
// members of the teams chosen.
import * as api from '../api.js';
import { t } from '../i18n.js';
import { h, focusHeading } from '../dom.js';
import { describeError } from '../errors.js';
import { toast } from '../toast.js';
import { ensureMe, loadProject } from '../session.js';
import { projectHeader, errorBox, loading } from './common.js';
import { checkList } from './check_list.js';
import { loadMembers } from './members.js';

export async function renderProjectAccess(root, { id }) {
  root.append(loading());
  let project;
  let access;
  let members;
  let teams;
  try {
    await ensureMe();
    project = await loadProject(id);
    [access, members, teams] = await Promise.all([
      api.get(`projects/${id}/access`), loadMembers(project.org_id), api.get(`orgs/${project.org_id}/teams`)]);
  } catch (err) { root.replaceChildren(errorBox(err)); return; }

  const annotators = members.filter((m) => m.role === 'annotator').map((m) => ({ id: m.user_id, label: `${m.name} · ${m.email}` }));
  const people = checkList(annotators, { label: t('access_people'), name: 'access-user', selected: access.user_ids });
  const crews = checkList(teams.map((team) => ({ id: team.id, label: `${team.name} (${team.member_ids.length})` })),
    { label: t('access_teams'), name: 'access-team', selected: access.team_ids });
  const mode = (value, label) => h('label', { class: 'check' },
    h('input', { type: 'radio', name: 'access-mode', value, checked: access.mode === value }), ` ${label}`);
  const error = h('p', { class: 'form-error', role: 'alert' });
  const lists = h('div', { class: 'access-lists' },
    h('fieldset', {}, h('legend', {}, t('access_people')), annotators.length ? people.el : h('p', { class: 'muted' }, t('no_annotators_yet'))),
    h('fieldset', {}, h('legend', {}, t('access_teams')), teams.length ? crews.el : h('p', { class: 'muted' }, t('no_teams'))));
  const form = h('form', { class: 'card access-form' },
    h('fieldset', { class: 'modes' }, h('legend', {}, t('access')), mode('open', t('access_open')), mode('listed', t('access_listed'))),
    lists, h('p', { class: 'hint' }, t('access_hint')), error, h('button', { type: 'submit', class: 'primary' }, t('save')));
  const chosenMode = () => form.querySelector('input[name=access-mode]:checked').value;
  const showLists = () => { const open = chosenMode() === 'open'; people.setDisabled(open); crews.setDisabled(open); };
  form.addEventListener('change', showLists);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    try {
      await api.put(`projects/${id}/access`, { mode: chosenMode(), user_ids: people.values(), team_ids: crews.values() });
      toast(t('access_saved'), 'ok');
    } catch (err) { error.textContent = describeError(err); }
  });
  showLists();
  root.replaceChildren(projectHeader(project, 'access'), h('h1', {}, t('access_title', { name: project.name })), form);
  focusHeading(root);
}
