import * as api from '../api.js';
import { t } from '../i18n.js';
import { h, field, focusHeading } from '../dom.js';
import { navigate } from '../router.js';
import { describeError } from '../errors.js';
import { startSession, homeFor } from '../session.js';

// GET /config, once per page load: whether to offer the sign-up link.
let config = null;
export async function publicConfig() {
  if (!config) config = await api.get('config').catch(() => ({ allow_signup: false }));
  return config;
}

export function renderLogin(root) {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary' }, t('sign_in'));
  const signupLink = h('p', { class: 'hint', hidden: true }, h('a', { href: '#/signup', id: 'signup-link' }, t('sign_up_link')));
  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, t('sign_in')),
    field(t('email'), email), field(t('password'), password), error, button, signupLink);
  publicConfig().then((c) => { signupLink.hidden = !c.allow_signup; });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    button.disabled = true;
    button.textContent = t('signing_in');
    try {
      const data = await api.signIn(email.value.trim(), password.value);
      navigate(homeFor(await startSession(data.access_token)));
    } catch (err) {
      error.textContent = err.status === 401 ? t('bad_credentials') : describeError(err);
      button.disabled = false;
      button.textContent = t('sign_in');
      password.select();
    }
  });
  root.append(form);
  focusHeading(root);
  email.focus();
}
