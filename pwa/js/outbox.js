// Writes made on the phone (visits, requests, request actions) go through this outbox in
// IndexedDB, each with an Idempotency-Key made here. They are sent now if the network allows,
// else on `online`, at start-up and by Background Sync. Nothing is lost: a network failure, a
// timeout or a 5xx keeps the item queued; a 4xx marks it with the server's message so the user
// can fix or discard it. No DOM here: the service worker flushes it too.
import * as db from './db.js';
import { api } from './api.js';

const listeners = new Set();
let flushing = null;

const uuid = () => (crypto.randomUUID ? crypto.randomUUID()
  : ([1e7] + -1e3 + -4e3 + -8e3 + -1e11).replace(/[018]/g, (c) =>
    (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16)));

export function onChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }
async function changed() { const items = await list(); listeners.forEach((fn) => fn(items)); }

export async function list() {
  return (await db.values('outbox')).sort((a, b) => a.created - b.created);
}

/** Queue a write and try to send it. Resolves with {sent, result} or {sent:false, item}. */
export async function enqueue({ label, method = 'POST', path, body }) {
  const item = { id: uuid(), key: uuid(), label, method, path, body, created: Date.now(), state: 'queued' };
  await db.set('outbox', item.id, item);
  await changed();
  const results = await flush();
  if (results.has(item.id)) return { sent: true, result: results.get(item.id) };
  const left = await db.get('outbox', item.id);
  if (!left) return { sent: true, result: null }; // the service worker sent it meanwhile
  if (left.state !== 'error') requestSync();
  return { sent: false, item: left };
}

// The page and the service worker may both flush; a Web Lock makes them take turns.
const locked = (fn) => (typeof navigator !== 'undefined' && navigator.locks
  ? navigator.locks.request('linkage-outbox', fn) : fn());

/** Send every queued item in order; stops at the first network failure or server error. */
export function flush() {
  if (!flushing) flushing = locked(doFlush).finally(() => { flushing = null; });
  return flushing;
}

async function doFlush() {
  const results = new Map();
  for (const item of await list()) {
    if (item.state === 'error') continue;
    try {
      results.set(item.id, await api(item.path, { method: item.method, body: item.body, key: item.key }));
      await db.del('outbox', item.id);
    } catch (e) {
      if (e.retryable || e.status === 401) { requestSync(); break; } // keep it; try again later
      await db.update('outbox', item.id, (cur) => cur && { ...cur, state: 'error', error: e.message, errors: e.errors,
        status: e.status });
    }
  }
  await changed();
  return results;
}

export async function discard(id) { await db.del('outbox', id); await changed(); }

export async function retry(id) {
  await db.update('outbox', id, (cur) => cur && { ...cur, state: 'queued', error: null });
  await changed();
  return flush();
}

function requestSync() {
  if (typeof navigator === 'undefined' || !navigator.serviceWorker) return;
  navigator.serviceWorker.ready.then((reg) => reg.sync && reg.sync.register('outbox')).catch(() => {});
}
