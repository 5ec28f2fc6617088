// Boot: header (language, user, sign out), routes, sign-in guard.
import * as api from './api.js';
import * as store from './store.js';
import { t, getLang, setLang, LANGS } from './i18n.js';
import { h } from './dom.js';
import { route, start, navigate, rerender } from './router.js';
import { renderLogin } from './pages/login.js';
import { renderProjects } from './pages/projects.js';
import { renderAnnotate } from './pages/annotate.js';
import { renderProjectEdit } from './pages/project_edit.js';
import { renderImport } from './pages/import.js';
import { renderProgress } from './pages/progress.js';
import { renderQuality } from './pages/quality.js';
import { renderExports } from './pages/exports.js';

route('/login', renderLogin, { public: true });
route('/projects', renderProjects);
route('/orgs/:orgId/projects/new', renderProjectEdit);
route('/projects/:id/edit', renderProjectEdit);
route('/projects/:id/annotate', renderAnnotate);
route('/projects/:id/import', renderImport);
route('/projects/:id/progress', renderProgress);
route('/projects/:id/quality', renderQuality);
route('/projects/:id/exports', renderExports);

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
  document.getElementById('nav').replaceChildren(
    ...(signedIn ? [h('a', { href: '#/projects' }, t('projects'))] : []));
}

async function loadMe() {
  const me = await api.get('me');
  store.set({ me });
  renderHeader();
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
window.addEventListener('jinbiao:unauthorized', () => { renderHeader(); navigate('#/login'); });
window.addEventListener('jinbiao:signed-in', renderHeader);

renderHeader();
if (api.getToken()) loadMe().catch(() => {});
start(document.getElementById('main'), {
  isSignedIn: () => Boolean(api.getToken()),
  fallback: '/projects',
  signIn: '/login',
});
