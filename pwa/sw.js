// The service worker: the app shell offline, push notifications, and Background Sync of the outbox.
// The API is never cached here (reads are cached per user in IndexedDB by the app, and cleared at logout).
import { flush } from './js/outbox.js';
import { loadAuth } from './js/api.js';

const VERSION = 'linkage-v2';
const SHELL = [
  '/', '/manifest.webmanifest', '/css/app.css',
  '/js/app.js', '/js/api.js', '/js/db.js', '/js/i18n.js', '/js/outbox.js', '/js/push.js', '/js/ui.js',
  '/js/views/auth.js', '/js/views/common.js', '/js/views/dashboard.js', '/js/views/member.js', '/js/views/requests.js', '/js/views/secretary.js',
  '/icons/icon-192.png', '/icons/icon-512.png', '/icons/icon-maskable-512.png',
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(VERSION);
    await cache.addAll(SHELL);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== VERSION) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  if (event.request.mode === 'navigate') {
    // navigations get the shell: fresh when online, cached when not
    event.respondWith(fetch(event.request).catch(async () => (await caches.match('/', { ignoreSearch: true }))));
    return;
  }
  event.respondWith((async () => (await caches.match(event.request, { ignoreSearch: true })) || fetch(event.request))());
});

self.addEventListener('push', (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: event.data?.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || '党员联系户', {
    body: data.body || '', tag: data.tag ? `${data.tag}:${data.id || ''}` : undefined,
    icon: '/icons/icon-192.png', badge: '/icons/icon-192.png', data: { url: data.url || '/#/inbox' },
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = event.notification.data?.url || '/#/inbox';
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    for (const client of windows) {
      if ('focus' in client) {
        client.postMessage({ type: 'navigate', url });
        return client.focus();
      }
    }
    return self.clients.openWindow(url);
  })());
});

self.addEventListener('sync', (event) => {
  if (event.tag !== 'outbox') return;
  event.waitUntil((async () => {
    await loadAuth();
    await flush();
    for (const client of await self.clients.matchAll({ type: 'window' })) client.postMessage({ type: 'outbox-changed' });
  })());
});
