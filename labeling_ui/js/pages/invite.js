// An invitation link (#/invite/<token>): who invites whom to what; then join, signed in or not.
// Signed in: one button. Not signed in: create the account here, or sign in and join.
import * as api from '../api.js';
import * as store from '../store.js';
import { t, getLang } from '../i18n.js';
import { h, field, focusHeading } from '../dom.js';
import { navigate } from '../router.js';
import { describeError } from '../errors.js';
import { toast } from '../toast.js';
import { startSession, homeFor } from '../session.js';
import { accountFields } from './signup.js';
import { loading } from './common.js';

const when = (iso) => new Date(iso).toLocaleString(getLang() === 'zh' ? 'zh-CN' : 'en');

export async function renderInvite(root, { token }) {
  root.append(loading());
  let invite;
  try {
    invite = await api.get(`invites/${encodeURIComponent(token)}`);
  } catch (err) {
    const text = err.status === 404 ? t('invite_bad_link') : describeError(err);
    root.replaceChildren(h('section', { class: 'card narrow error', role: 'alert', dataset: { code: err.code || '' } },
      h('h1', {}, t('invite_title')), h('p', {}, text)));
    focusHeading(root);
    return;
  }
  const role = t(`role_${invite.role}`);
  const head = [
    h('h1', { id: 'invite-title' }, t('invite_title')),
    h('p', { class: 'invite-what' }, t('invite_to', { org: invite.org_name, role })),
    h('p', { class: 'muted' }, t('invite_until', { when: when(invite.expires_at) })),
    invite.email ? h('p', { class: 'muted' }, t('invite_for_email', { email: invite.email })) : null,
  ];
  const signedIn = Boolean(api.getToken());
  let me = null;
  if (signedIn) me = store.get().me || await api.get('me').catch(() => null);
  const body = me ? joinSignedIn(token, invite, me) : joinSignedOut(token, invite);
  root.replaceChildren(h('section', { class: 'card narrow invite', 'aria-labelledby': 'invite-title' }, ...head, ...body));
  focusHeading(root);
}

async function accepted(invite, answer) {
  const me = await startSession(answer.access_token);
  toast(t('joined', { org: invite.org_name }), 'ok');
  navigate(homeFor(me));
}

function joinSignedIn(token, invite, me) {
  const error = h('p', { class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'button', class: 'primary big' }, t('join_as', { org: invite.org_name }));
  button.addEventListener('click', async () => {
    error.textContent = '';
    button.disabled = true;
    try {
      await accepted(invite, await api.post(`invites/${encodeURIComponent(token)}/accept`, {}));
    } catch (err) {
      error.textContent = describeError(err);
      button.disabled = false;
    }
  });
  const signOut = h('button', { type: 'button', class: 'link-button' }, t('not_you'));
  signOut.addEventListener('click', () => {
    api.clearToken();
    store.set({ me: null });
    window.dispatchEvent(new CustomEvent('jinbiao:signed-in'));
    navigate(`#/invite/${token}`);
  });
  return [h('p', {}, t('signed_in_as', { email: me.email })), button, error, h('p', {}, signOut)];
}

function joinSignedOut(token, invite) {
  const account = accountFields({ email: invite.email });
  const createError = h('p', { class: 'form-error', role: 'alert' });
  const create = h('form', { class: 'invite-create', 'aria-labelledby': 'invite-new' },
    h('h2', { id: 'invite-new' }, t('join_new_account')), ...account.fields, createError,
    h('button', { type: 'submit', class: 'primary' }, t('create_and_join')));
  create.addEventListener('submit', async (e) => {
    e.preventDefault();
    createError.textContent = '';
    try {
      await accepted(invite, await api.post(`invites/${encodeURIComponent(token)}/accept`, account.values()));
    } catch (err) { createError.textContent = describeError(err); }
  });

  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, value: invite.email || '' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const signInError = h('p', { class: 'form-error', role: 'alert' });
  const existing = h('form', { class: 'invite-existing', 'aria-labelledby': 'invite-old' },
    h('h2', { id: 'invite-old' }, t('join_existing')), field(t('email'), email), field(t('password'), password),
    signInError, h('button', { type: 'submit' }, t('sign_in_and_join')));
  existing.addEventListener('submit', async (e) => {
    e.preventDefault();
    signInError.textContent = '';
    try {
      await api.signIn(email.value.trim(), password.value);
    } catch (err) {
      signInError.textContent = err.status === 401 ? t('bad_credentials') : describeError(err);
      return;
    }
    try {
      await accepted(invite, await api.post(`invites/${encodeURIComponent(token)}/accept`, {}));
    } catch (err) {
      signInError.textContent = describeError(err);
      await startSession(api.getToken()).catch(() => {});  // signed in all the same
    }
  });
  return [create, existing];
}
