// Home: invitations waiting for the caller, then each organization's projects with what the
// caller's role may do there (role_home.js): Start for those who label, progress for a client.
import * as api from '../api.js';
import * as store from '../store.js';
import { t } from '../i18n.js';
import { h, focusHeading } from '../dom.js';
import { ensureMe } from '../session.js';
import { kindTitle } from '../kinds.js';
import { toast } from '../toast.js';
import { describeError } from '../errors.js';
import { rerender } from '../router.js';
import { projectPages, managesPeople, homeNote, showsDeliverySummary } from '../role_home.js';
import { deliverySummary } from './client_home.js';
import { loading, errorBox } from './common.js';

export async function renderProjects(root) {
  root.append(h('h1', {}, t('projects')), loading());
  focusHeading(root);
  let me;
  try { me = await ensureMe(); } catch (err) { root.lastChild.replaceWith(errorBox(err)); return; }
  root.lastChild.remove();
  const invites = h('div', { id: 'my-invites' });
  root.append(invites);
  showMyInvites(invites);
  if (!me.memberships?.length) { root.append(h('p', { class: 'card' }, t('no_orgs'))); return; }

  for (const m of me.memberships) {
    const section = h('section', { class: 'org', 'aria-labelledby': `org-${m.org_id}`, dataset: { role: m.role } },
      h('div', { class: 'org-head' },
        h('h2', { id: `org-${m.org_id}` }, m.org_name, ' ', h('span', { class: 'badge' }, t(`role_${m.role}`))),
        h('div', { class: 'actions' }, orgActions(m))),
      h('p', { class: 'muted role-note' }, t(homeNote(m.role))));
    const list = h('ul', { class: 'project-list' }, h('li', {}, loading()));
    section.append(list);
    root.append(section);
    api.get(`orgs/${m.org_id}/projects`, { offset: 0, limit: 200 }).then((projects) => {
      const rows = Array.isArray(projects) ? projects : projects.items || [];
      list.replaceChildren(...(rows.length ? rows.map((p) => projectRow(p, m.role)) : [h('li', { class: 'muted' }, t('no_projects'))]));
    }).catch((err) => list.replaceChildren(h('li', {}, errorBox(err))));
  }
}

function orgActions(m) {
  if (!managesPeople(m.role)) return [];
  return [
    h('a', { class: 'button', href: `#/orgs/${m.org_id}/members` }, t('members')),
    h('a', { class: 'button', href: `#/orgs/${m.org_id}/teams` }, t('teams')),
    h('a', { class: 'button primary', href: `#/orgs/${m.org_id}/projects/new` }, t('new_project')),
  ];
}

function projectRow(p, role) {
  // Start (annotate) is the first button of those who label; Review the first of a reviewer.
  const primary = { annotate: 'start', review: role === 'reviewer' ? 'review' : null };
  const actions = projectPages(role).map((key) => (primary[key]
    ? h('a', { class: 'button primary', href: `#/projects/${p.id}/${key}`, 'aria-label': `${t(primary[key])}: ${p.name}` }, t(primary[key]))
    : h('a', { class: 'button', href: `#/projects/${p.id}/${key}`, 'aria-label': `${t(key)}: ${p.name}` }, t(key))));
  return h('li', { class: 'project-row', dataset: { projectId: p.id } },
    h('div', {}, h('strong', {}, p.name), h('span', { class: 'muted' }, ` · ${kindTitle(p.kind)}`),
      p.reward_per_item && role !== 'client' ? h('span', { class: 'muted' }, ` · ${t('reward_per_item')} ${p.reward_per_item}`) : null,
      showsDeliverySummary(role) ? deliverySummary(p) : null),
    h('div', { class: 'actions' }, actions));
}

// Invitations made out to the caller's address (an owner added them by e-mail): accept or decline.
async function showMyInvites(box) {
  let invites;
  try { invites = await api.get('me/invites'); } catch { return; }
  if (!invites.length) return;
  const answer = async (invite, accept) => {
    try {
      if (accept) await api.post(`me/invites/${invite.id}/accept`, {});
      else await api.del(`me/invites/${invite.id}`);
      toast(accept ? t('joined', { org: invite.org_name }) : t('declined'), 'ok');
      store.set({ me: await api.get('me') });
      rerender();
    } catch (err) { toast(describeError(err), 'error', 6000); }
  };
  box.replaceChildren(h('section', { class: 'card', 'aria-labelledby': 'my-invites-title' },
    h('h2', { id: 'my-invites-title' }, t('my_invites')),
    h('ul', { class: 'project-list' }, invites.map((invite) => h('li', { class: 'project-row invite-row' },
      h('span', {}, t('invite_to', { org: invite.org_name, role: t(`role_${invite.role}`) })),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', onclick: () => answer(invite, true) }, t('accept')),
        h('button', { type: 'button', onclick: () => answer(invite, false) }, t('decline'))))))));
}
