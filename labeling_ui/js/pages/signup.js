// Self sign-up, where the server allows it (JINBIAO_ALLOW_SIGNUP); otherwise it says to ask for
// an invitation. The account form is shared with the invitation page.
import * as api from '../api.js';
import { t } from '../i18n.js';
import { h, field, focusHeading } from '../dom.js';
import { navigate } from '../router.js';
import { describeError } from '../errors.js';
import { startSession, homeFor } from '../session.js';
import { publicConfig } from './login.js';
import { loading } from './common.js';

// Name, e-mail and password inputs with their labels; ``email`` may be fixed by an invitation.
export function accountFields({ email: fixedEmail = null } = {}) {
  const name = h('input', { name: 'name', autocomplete: 'name', required: true, maxlength: 120 });
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true,
    value: fixedEmail || '', readOnly: Boolean(fixedEmail) });
  const password = h('input', { type: 'password', name: 'new-password', autocomplete: 'new-password', required: true, minlength: 8 });
  const fields = [field(t('your_name'), name), field(t('email'), email), field(t('password'), password, t('password_hint'))];
  const values = () => ({ name: name.value.trim(), email: email.value.trim(), password: password.value });
  return { fields, values, focus: () => name.focus() };
}

export async function renderSignup(root) {
  root.append(loading());
  const config = await publicConfig();
  root.replaceChildren();
  if (!config.allow_signup) {
    root.append(h('section', { class: 'card narrow' }, h('h1', {}, t('sign_up')), h('p', {}, t('signup_off')),
      h('p', {}, h('a', { href: '#/login' }, t('have_account')))));
    focusHeading(root);
    return;
  }
  const account = accountFields();
  const error = h('p', { class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary' }, t('sign_up'));
  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'signup-title' },
    h('h1', { id: 'signup-title' }, t('sign_up')), ...account.fields, error, button,
    h('p', { class: 'hint' }, h('a', { href: '#/login' }, t('have_account'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    button.disabled = true;
    button.textContent = t('creating_account');
    const body = account.values();
    try {
      await api.post('auth/signup', body);
      const data = await api.signIn(body.email, body.password);
      navigate(homeFor(await startSession(data.access_token)));
    } catch (err) {
      error.textContent = describeError(err);
      button.disabled = false;
      button.textContent = t('sign_up');
    }
  });
  root.append(form);
  focusHeading(root);
  account.focus();
}
