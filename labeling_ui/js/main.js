// Boot: header (language, user, sign out), routes, sign-in guard.
import * as api from './api.js';
import * as store from './store.js';
import { t, getLang, setLang, LANGS } from './i18n.js';
import './i18n_people.js';
import './i18n_audit.js';
import './i18n_labels.js';
import './i18n_lots.js';
import './i18n_review.js';
import './i18n_datamanager.js';
import './i18n_item_reviews.js';
import './i18n_pay.js';
import './i18n_models.js';
import './i18n_polygons.js';
import './i18n_confidence.js';
import { h } from './dom.js';
import { route, start, navigate, rerender } from './router.js';
import { renderLogin } from './pages/login.js';
import { renderProjects } from './pages/projects.js';
import { renderAnnotate } from './pages/annotate.js';
import { renderReview } from './pages/review.js';
import { renderProjectEdit } from './pages/project_edit.js';
import { renderImport } from './pages/import.js';
import { renderProgress } from './pages/progress.js';
import { renderQuality } from './pages/quality.js';
import { renderExports } from './pages/exports.js';
import { renderLots } from './pages/lots.js';
import { renderSignup } from './pages/signup.js';
import { renderInvite } from './pages/invite.js';
import { renderPassword } from './pages/password.js';
import { renderMembers } from './pages/members.js';
import { renderTeams } from './pages/teams.js';
import { renderProjectAccess } from './pages/project_access.js';
import { renderAudit } from './pages/audit.js';
import { renderDataManager } from './pages/data_manager.js';
import { renderItemView } from './pages/item_view.js';
import { renderModels } from './pages/models.js';
import { managesPeople } from './role_home.js';
import { renderEarnings } from './pages/earnings.js';
import { renderPayouts } from './pages/payouts.js';

route('/login', renderLogin, { public: true });
route('/signup', renderSignup, { public: true });
route('/invite/:token', renderInvite, { public: true });
route('/password', renderPassword);
route('/projects', renderProjects);
route('/orgs/:orgId/members', renderMembers);
route('/orgs/:orgId/teams', renderTeams);
route('/orgs/:orgId/audit', renderAudit);
route('/projects/:id/access', renderProjectAccess);
route('/orgs/:orgId/projects/new', renderProjectEdit);
route('/projects/:id/edit', renderProjectEdit);
route('/projects/:id/annotate', renderAnnotate);
route('/projects/:id/review', renderReview);
route('/projects/:id/import', renderImport);
route('/projects/:id/progress', renderProgress);
route('/projects/:id/quality', renderQuality);
route('/projects/:id/exports', renderExports);
route('/projects/:id/lots', renderLots);
route('/projects/:id/lots/:lotId/inspect', renderReview);
route('/projects/:id/data', renderDataManager);
route('/items/:itemId', renderItemView);
route('/earnings', renderEarnings);
route('/orgs/:orgId/payouts', renderPayouts);
route('/projects/:id/models', renderModels);

function renderHeader() {
  document.getElementById('skip-link').textContent = t('skip_link');
  document.getElementById('brand').textContent = `${t('app_name')}`;
  document.getElementById('lang-label').textContent = t('language');
  const select = document.getElementById('lang-select');
  select.replaceChildren(...LANGS.map(([code, name]) => h('option', { value: code, selected: code === getLang() }, name)));
  const signedIn = Boolean(api.getToken());
  const me = store.get().me;
  document.getElementById('user-name').textContent = signedIn && me ? me.name || me.email : '';
  const out = document.getElementById('sign-out');
  out.hidden = !signedIn;
  out.textContent = t('sign_out');
  const managed = (me?.memberships || []).filter((m) => managesPeople(m.role));
  // earnings are for those who label or review; a client (验收方) only accepts work
  const earns = !me || (me.memberships || []).some((m) => m.role !== 'client');
  document.getElementById('nav').replaceChildren(...(signedIn ? [
    h('a', { href: '#/projects' }, t('projects')),
    managed.length === 1 ? h('a', { href: `#/orgs/${managed[0].org_id}/members` }, t('members')) : null,
    managed.length === 1 ? h('a', { href: `#/orgs/${managed[0].org_id}/payouts` }, t('payouts')) : null,
    earns ? h('a', { href: '#/earnings' }, t('my_earnings')) : null,
    h('a', { href: '#/password', id: 'password-link' }, t('change_password')),
  ].filter(Boolean) : []));
}

async function loadMe() {
  const me = await api.get('me');
  store.set({ me });
  renderHeader();
  if (me.must_change_password) navigate('#/password');
  return me;
}

document.getElementById('lang-select').addEventListener('change', (e) => setLang(e.target.value));
document.getElementById('sign-out').addEventListener('click', () => {
  api.clearToken();
  store.set({ me: null, project: null, assignment: null, result: null, stats: null });
  renderHeader();
  navigate('#/login');
});
window.addEventListener('jinbiao:lang', () => { renderHeader(); rerender(); });
// A page anyone may open (an invitation) stays where it is when a stale sign-in is dropped.
const onPublicPage = () => ['#/invite/', '#/signup', '#/login'].some((p) => location.hash.startsWith(p));
window.addEventListener('jinbiao:unauthorized', () => {
  store.set({ me: null });
  renderHeader();
  if (onPublicPage()) rerender(); else navigate('#/login');
});
window.addEventListener('jinbiao:signed-in', renderHeader);

renderHeader();
if (api.getToken()) loadMe().catch(() => {});
start(document.getElementById('main'), {
  isSignedIn: () => Boolean(api.getToken()),
  fallback: '/projects',
  signIn: '/login',
  // A temporary password is changed before anything else (the invitation page stays open).
  redirect: (path) => (store.get().me?.must_change_password && !['/password', '/login'].includes(path)
    && !path.startsWith('/invite/') ? '/password' : null),
});
