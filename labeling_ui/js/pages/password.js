// Change one's own password; the page everyone with a temporary password is sent to first.
import * as api from '../api.js';
import { t } from '../i18n.js';
import { h, field, focusHeading } from '../dom.js';
import { navigate } from '../router.js';
import { describeError } from '../errors.js';
import { toast } from '../toast.js';
import { ensureMe, startSession } from '../session.js';
import { errorBox, loading } from './common.js';

export async function renderPassword(root) {
  root.append(loading());
  let me;
  try { me = await ensureMe(); } catch (err) { root.replaceChildren(errorBox(err)); return; }
  const current = h('input', { type: 'password', name: 'current-password', autocomplete: 'current-password', required: true });
  const fresh = h('input', { type: 'password', name: 'new-password', autocomplete: 'new-password', required: true, minlength: 8 });
  const again = h('input', { type: 'password', name: 'repeat-password', autocomplete: 'new-password', required: true, minlength: 8 });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary' }, t('change_password'));
  const forced = me.must_change_password;
  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'password-title' },
    h('h1', { id: 'password-title' }, forced ? t('must_change_title') : t('change_password')),
    forced ? h('p', { class: 'notice' }, t('must_change_text')) : null,
    field(t('current_password'), current), field(t('new_password'), fresh, t('password_hint')),
    field(t('repeat_password'), again), error, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    if (fresh.value !== again.value) { error.textContent = t('passwords_differ'); again.select(); return; }
    button.disabled = true;
    try {
      const answer = await api.post('me/password', { current_password: current.value, new_password: fresh.value });
      await startSession(answer.access_token);
      toast(t('password_changed'), 'ok');
      navigate('#/projects');
    } catch (err) {
      error.textContent = describeError(err);
      button.disabled = false;
    }
  });
  root.replaceChildren(form);
  focusHeading(root);
  current.focus();
}
