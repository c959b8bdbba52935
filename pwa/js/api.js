// The API client: bearer token, silent refresh, language, timeouts, and cached reads for offline.
// No DOM here: the service worker uses it too (Background Sync).
import * as db from './db.js';
import { locale, t } from './i18n.js';

const BASE = '/api/v1';
const TIMEOUT_MS = 15000;
let auth = null; // {access_token, refresh_token, user}
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, message, errors = {}) {
    super(message);
    this.status = status;
    this.errors = errors;
  }
  get retryable() { return this.status === 0 || this.status >= 500 || this.status === 408 || this.status === 429; }
}

export async function loadAuth() { auth = (await db.get('kv', 'auth')) || null; return auth; }
export const session = () => auth;
export function onAuthChange(fn) { listeners.add(fn); }

export async function saveAuth(value) {
  auth = value;
  if (value) await db.set('kv', 'auth', value); else await db.del('kv', 'auth');
  listeners.forEach((fn) => fn(auth));
}

async function raw(path, { method = 'GET', body, key, token, timeout = TIMEOUT_MS } = {}) {
  const headers = { 'Accept-Language': locale() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  if (key) headers['Idempotency-Key'] = key;
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeout);
  let resp;
  try {
    resp = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      signal: ctrl.signal, cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, t('offline'));
  } finally {
    clearTimeout(timer);
  }
  if (resp.status === 204) return null;
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  if (!resp.ok) throw new ApiError(resp.status, data?.message || `HTTP ${resp.status}`, data?.errors || {});
  return data;
}

async function refresh() {
  if (!auth?.refresh_token) return false;
  try {
    const data = await raw('/auth/refresh', { method: 'POST', token: auth.refresh_token });
    await saveAuth({ ...auth, access_token: data.access_token });
    return true;
  } catch (e) {
    if (e.status === 401) await saveAuth(null);
    return false;
  }
}

/** Call the API as the logged-in user; an expired access token is refreshed once, silently. */
export async function api(path, opts = {}) {
  try {
    return await raw(path, { ...opts, token: auth?.access_token });
  } catch (e) {
    if (e.status === 401 && auth && !opts.noRefresh && (await refresh())) {
      return raw(path, { ...opts, token: auth.access_token });
    }
    if (e.status === 401 && auth && !opts.noRefresh) await saveAuth(null);
    throw e;
  }
}

/** A GET that falls back to the last copy fetched (marked stale) when the network is gone. */
export async function cachedGet(path) {
  const cacheKey = `cache:${auth?.user?.id}:${path}`;
  try {
    const data = await api(path);
    await db.set('kv', cacheKey, { at: Date.now(), data });
    return { data, stale: null };
  } catch (e) {
    if (!e.retryable) throw e;
    const hit = await db.get('kv', cacheKey);
    if (!hit) throw e;
    return { data: hit.data, stale: hit.at };
  }
}

export async function login(username, password) {
  const data = await raw('/auth/login', { method: 'POST', body: { username, password } });
  await saveAuth(data);
  return data;
}

export async function bindHousehold(body) {
  const data = await raw('/auth/bind-household', { method: 'POST', body });
  await saveAuth(data);
  return data;
}
