// A tiny promisified IndexedDB (in the spirit of idb-keyval): two stores, usable from the
// page and from the service worker.
const DB_NAME = 'linkage';
const STORES = ['kv', 'outbox'];
let dbp;

function open() {
  if (!dbp) {
    dbp = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => STORES.forEach((s) => req.result.createObjectStore(s));
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbp;
}

async function tx(store, mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const t = db.transaction(store, mode);
    const result = fn(t.objectStore(store));
    t.oncomplete = () => resolve(result && 'result' in result ? result.result : undefined);
    t.onerror = t.onabort = () => reject(t.error);
  });
}

export const get = (store, key) => tx(store, 'readonly', (s) => s.get(key));
export const set = (store, key, value) => tx(store, 'readwrite', (s) => s.put(value, key));
export const del = (store, key) => tx(store, 'readwrite', (s) => s.delete(key));
export const values = (store) => tx(store, 'readonly', (s) => s.getAll());
export const clear = (store) => tx(store, 'readwrite', (s) => s.clear());
/** Read-modify-write in one transaction; ``fn`` returning undefined leaves the key alone. */
export const update = (store, key, fn) => tx(store, 'readwrite', (s) => {
  const req = s.get(key);
  req.onsuccess = () => { const v = fn(req.result); if (v !== undefined) s.put(v, key); };
});
