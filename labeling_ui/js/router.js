// Hash router: '#/projects/7/annotate' -> the page whose pattern matches, with {id: '7'}.
// A page is render(root, params) returning an optional cleanup function.
const routes = [];
let cleanup = null;

export function route(pattern, render, { public: isPublic = false } = {}) {
  const names = [];
  const regex = new RegExp(`^${pattern.replace(/:(\w+)/g, (_, n) => { names.push(n); return '([^/]+)'; })}$`);
  routes.push({ regex, names, render, isPublic });
}

export const navigate = (hash) => {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
};

export function start(root, { isSignedIn, fallback, signIn, redirect = () => null }) {
  const show = async () => {
    const [path, queryString] = (location.hash.slice(1) || fallback).split('?');
    const match = routes.map((r) => ({ r, m: r.regex.exec(path) })).find((x) => x.m);
    if (!match) { navigate(`#${fallback}`); return; }
    if (!match.r.isPublic && !isSignedIn()) { navigate(`#${signIn}`); return; }
    const elsewhere = isSignedIn() ? redirect(path) : null;
    if (elsewhere) { navigate(`#${elsewhere}`); return; }
    const params = Object.fromEntries(match.r.names.map((n, i) => [n, decodeURIComponent(match.m[i + 1])]));
    Object.assign(params, Object.fromEntries(new URLSearchParams(queryString || '')));
    if (cleanup) { try { cleanup(); } catch (e) { console.error(e); } }
    cleanup = null;
    root.replaceChildren();
    cleanup = (await match.r.render(root, params)) || null;
  };
  window.addEventListener('hashchange', show);
  return show();
}

export const rerender = () => window.dispatchEvent(new HashChangeEvent('hashchange'));
