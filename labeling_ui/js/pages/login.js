import * as api from '../api.js';
import * as store from '../store.js';
import { t } from '../i18n.js';
import { h, field, focusHeading } from '../dom.js';
import { navigate } from '../router.js';
import { describeError } from '../errors.js';

export function renderLogin(root) {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary' }, t('sign_in'));
  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, t('sign_in')),
    field(t('email'), email), field(t('password'), password), error, button);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    button.disabled = true;
    button.textContent = t('signing_in');
    try {
      await api.signIn(email.value.trim(), password.value);
      store.set({ me: await api.get('me') });
      window.dispatchEvent(new CustomEvent('jinbiao:signed-in'));
      navigate('#/projects');
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
