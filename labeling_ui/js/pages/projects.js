// Project list by organization, with actions according to the caller's role.
import * as api from '../api.js';
import * as store from '../store.js';
import { t } from '../i18n.js';
import { h, focusHeading } from '../dom.js';
import { ensureMe } from '../session.js';
import { kindTitle } from '../kinds.js';
import { loading, errorBox } from './common.js';

export async function renderProjects(root) {
  root.append(h('h1', {}, t('projects')), loading());
  focusHeading(root);
  let me;
  try { me = await ensureMe(); } catch (err) { root.lastChild.replaceWith(errorBox(err)); return; }
  root.lastChild.remove();
  if (!me.memberships?.length) { root.append(h('p', { class: 'card' }, t('no_orgs'))); return; }

  for (const m of me.memberships) {
    const manage = store.canManage(m.org_id);
    const section = h('section', { class: 'org', 'aria-labelledby': `org-${m.org_id}` },
      h('div', { class: 'org-head' },
        h('h2', { id: `org-${m.org_id}` }, m.org_name, ' ', h('span', { class: 'badge' }, t(`role_${m.role}`))),
        manage ? h('a', { class: 'button primary', href: `#/orgs/${m.org_id}/projects/new` }, t('new_project')) : null));
    const list = h('ul', { class: 'project-list' }, h('li', {}, loading()));
    section.append(list);
    root.append(section);
    api.get(`orgs/${m.org_id}/projects`, { offset: 0, limit: 200 }).then((projects) => {
      const rows = Array.isArray(projects) ? projects : projects.items || [];
      list.replaceChildren(...(rows.length ? rows.map((p) => projectRow(p, manage)) : [h('li', { class: 'muted' }, t('no_projects'))]));
    }).catch((err) => list.replaceChildren(h('li', {}, errorBox(err))));
  }
}

function projectRow(p, manage) {
  const actions = [h('a', { class: 'button primary', href: `#/projects/${p.id}/annotate`, 'aria-label': `${t('start')}: ${p.name}` }, t('start'))];
  if (manage) {
    for (const key of ['edit', 'import', 'progress', 'quality', 'exports']) {
      actions.push(h('a', { class: 'button', href: `#/projects/${p.id}/${key}`, 'aria-label': `${t(key)}: ${p.name}` }, t(key)));
    }
  }
  return h('li', { class: 'project-row', dataset: { projectId: p.id } },
    h('div', {}, h('strong', {}, p.name), h('span', { class: 'muted' }, ` · ${kindTitle(p.kind)}`),
      p.reward_per_item ? h('span', { class: 'muted' }, ` · ${t('reward_per_item')} ${p.reward_per_item}`) : null),
    h('div', { class: 'actions' }, actions));
}
