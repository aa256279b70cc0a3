// The admin API, same origin, with the signed-in token as a bearer token. The token lives in
// sessionStorage only: it is gone when the tab closes and is never written anywhere else.
const KEY = 'cohort.token';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function token() {
  return sessionStorage.getItem(KEY);
}

export function setToken(value) {
  sessionStorage.setItem(KEY, value);
}

export function clearToken() {
  sessionStorage.removeItem(KEY);
}

let onUnauthorized = () => {};

/** Called when the API answers 401: the token was revoked or is wrong, so sign out. */
export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

async function request(method, path) {
  const t = token();
  if (!t) {
    throw new ApiError(401, 'not signed in');
  }
  const res = await fetch('/api/v1/' + path, {
    method,
    headers: { Authorization: 'Bearer ' + t, Accept: 'application/json' },
    cache: 'no-store',
  });
  let body = null;
  const text = await res.text();
  if (text) {
    try {
      body = JSON.parse(text);
    } catch (e) {
      body = { error: text };
    }
  }
  if (res.status === 401) {
    onUnauthorized();
  }
  if (!res.ok) {
    throw new ApiError(res.status, (body && body.error) || res.status + ' ' + res.statusText);
  }
  return body;
}

export const get = (path) => request('GET', path);
export const post = (path) => request('POST', path);

/** A path segment, escaped. */
export const seg = (s) => encodeURIComponent(s);
