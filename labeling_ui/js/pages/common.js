// Pieces shared by pages: page header with project tabs, loading and error states.
import { h } from '../dom.js';
import { getLang, t } from '../i18n.js';
import * as store from '../store.js';
import { describeError } from '../errors.js';
import { projectPages, rolesFor } from '../role_home.js';

export const loading = () => h('p', { class: 'muted', role: 'status' }, t('loading'));

export const errorBox = (err, onRetry) => h('div', { class: 'card error', role: 'alert' },
  h('p', {}, t('error_line', { message: err.status === 404 ? t('not_found') : describeError(err) })),
  onRetry ? h('button', { type: 'button', onclick: onRetry }, t('retry')) : null);

// A project page the caller's role may not open (role_home.js): which roles may, in the reader's
// words, instead of a form the server would refuse only on submit. null where the page is theirs.
export function refusedPage(project, page) {
  const role = store.roleIn(project.org_id);
  if (!role || projectPages(role).includes(page)) return null;
  return errorBox({ status: 403, code: 'forbidden', body: { roles: rolesFor(page) } });
}

export const emptyState = (title, text, ...actions) => h('section', { class: 'empty-state card' },
  title ? h('h2', {}, title) : null, h('p', {}, text), ...actions);

// Tabs of a project: the pages the caller's role may open (role_home.js).
export function projectHeader(project, active) {
  const tabs = projectPages(store.roleIn(project.org_id)).map((key) => [key, t(key)]);
  return h('div', { class: 'page-head' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/projects' }, t('projects')), ' / ', project.name),
    h('nav', { class: 'tabs', 'aria-label': project.name },
      tabs.map(([key, label]) => h('a', {
        href: `#/projects/${project.id}/${key}`, class: key === active ? 'tab active' : 'tab',
        'aria-current': key === active ? 'page' : null,
      }, label))));
}

export const fmtNumber = (v, digits = 2) => (v === null || v === undefined ? '—' : Number(v).toFixed(digits));
// The API's times are UTC; one stored without a zone (SQLite) is read as UTC, not local time.
export const parseUtc = (iso) => Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);

// A date and time in the page's language (not the browser's: a zh page showed '12/6/2026, 11:55 PM').
export const fmtDateTime = (iso) => (iso ? new Date(parseUtc(iso)).toLocaleString(getLang() === 'zh' ? 'zh-CN' : 'en-GB') : '—');

export const fmtPercent = (v) => (v === null || v === undefined ? '—' : `${Math.round(v * 100)}%`);
