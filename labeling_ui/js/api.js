// HTTP to /api/v1 and nothing else: bearer token from localStorage, JSON in and out,
// errors as ApiError {status, detail}. Uploads go through XMLHttpRequest for progress events.
export const BASE = '/api/v1';
const TOKEN_KEY = 'jinbiao.token';

// ``code`` is the API's stable error code (errors.js translates it); ``body`` the whole answer.
export class ApiError extends Error {
  constructor(status, detail, code = null, body = null) {
    super(typeof detail === 'string' ? detail : JSON.stringify(detail));
    this.status = status;
    this.detail = detail;
    this.code = code;
    this.body = body || {};
  }
}

export const getToken = () => localStorage.getItem(TOKEN_KEY);
export const setToken = (token) => localStorage.setItem(TOKEN_KEY, token);
export const clearToken = () => localStorage.removeItem(TOKEN_KEY);

const authHeaders = () => {
  const token = getToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
};

const fail = async (response) => {
  let detail = response.statusText || `HTTP ${response.status}`;
  let body = null;
  try {
    body = await response.json();
    if (body && body.detail !== undefined) detail = body.detail;
  } catch { /* not JSON */ }
  if (response.status === 401 && getToken()) {
    clearToken();
    window.dispatchEvent(new CustomEvent('jinbiao:unauthorized'));
  }
  throw new ApiError(response.status, detail, body && body.code, body);
};

// ``withHeaders``: answer {body, headers} (a paginated list's total is in X-Total-Count).
export async function request(path, { method = 'GET', json, form, query, signal, withHeaders = false } = {}) {
  let url = path.startsWith('/') ? path : `${BASE}/${path}`;
  if (query) {
    const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null));
    url += `?${qs}`;
  }
  const headers = { Accept: 'application/json', ...authHeaders() };
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form) {
    body = new URLSearchParams(form);
  }
  const response = await fetch(url, { method, headers, body, signal });
  if (!response.ok) await fail(response);
  if (response.status === 204) return withHeaders ? { body: null, headers: response.headers } : null;
  const type = response.headers.get('Content-Type') || '';
  const answer = await (type.includes('json') ? response.json() : response.text());
  return withHeaders ? { body: answer, headers: response.headers } : answer;
}

export const get = (path, query) => request(path, { query });
export const post = (path, json, query) => request(path, { method: 'POST', json, query });
export const patch = (path, json) => request(path, { method: 'PATCH', json });
export const put = (path, json) => request(path, { method: 'PUT', json });
export const del = (path, query) => request(path, { method: 'DELETE', query });

export async function signIn(email, password) {
  const data = await request('auth/token', { method: 'POST', form: { username: email, password } });
  setToken(data.access_token);
  return data;
}

// Media needs the bearer token, so it is fetched as a blob and shown through an object URL.
export async function fetchObjectUrl(url, signal) {
  const response = await fetch(url, { headers: authHeaders(), signal });
  if (!response.ok) await fail(response);
  return URL.createObjectURL(await response.blob());
}

// Download a file that needs the token (exports) and hand it to the browser.
export async function download(url, filename) {
  const objectUrl = await fetchObjectUrl(url);
  const a = Object.assign(document.createElement('a'), { href: objectUrl, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(objectUrl), 10000);
}

// multipart upload with progress: onProgress(loadedBytes, totalBytes)
export function upload(path, formData, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${BASE}/${path}`);
    const token = getToken();
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded, e.total); };
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(new ApiError(xhr.status, body && body.detail !== undefined ? body.detail : xhr.statusText, body && body.code, body));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network error', 'network_error'));
    xhr.send(formData);
  });
}
