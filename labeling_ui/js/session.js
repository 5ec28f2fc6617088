// Loads what pages need into the store once: the signed-in user and the current project.
import * as api from './api.js';
import * as store from './store.js';

export async function ensureMe() {
  if (!store.get().me) {
    store.set({ me: await api.get('me') });
    window.dispatchEvent(new CustomEvent('jinbiao:signed-in'));
  }
  return store.get().me;
}

export async function loadProject(id, { fresh = false } = {}) {
  const current = store.get().project;
  if (!fresh && current && String(current.id) === String(id)) return current;
  const project = await api.get(`projects/${id}`);
  store.set({ project });
  return project;
}

// After any sign-in (the sign-in form, an accepted invitation, a new password): keep the token,
// load the user and tell the header. Returns the user.
export async function startSession(token) {
  api.setToken(token);
  const me = await api.get('me');
  store.set({ me });
  window.dispatchEvent(new CustomEvent('jinbiao:signed-in'));
  return me;
}

// Where a signed-in user goes next: the password page first while their password is temporary.
export const homeFor = (me) => (me && me.must_change_password ? '#/password' : '#/projects');
