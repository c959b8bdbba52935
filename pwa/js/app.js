// The app: start-up, routing by hash, tabs by role, the outbox badge, install and offline.
import * as apiMod from './api.js';
import * as outbox from './outbox.js';
import { setLocale, t } from './i18n.js';
import { banner, h, render, toast } from './ui.js';
import * as auth from './views/auth.js';
import * as member from './views/member.js';
import * as req from './views/requests.js';
import * as sec from './views/secretary.js';
import * as common from './views/common.js';
import { dashboardView } from './views/dashboard.js';
import * as db from './db.js';

const ROUTES = [
  [/^#\/login$/, auth.loginView, { public: true }],
  [/^#\/bind$/, auth.bindView, { public: true }],
  [/^#\/password$/, auth.passwordView],
  [/^#\/households$/, member.householdsView],
  [/^#\/households\/(\d+)$/, member.householdView, { back: true }],
  [/^#\/visit\/(\d+)$/, member.visitView, { back: true }],
  [/^#\/diary$/, member.diaryView],
  [/^#\/members$/, member.membersView],
  [/^#\/requests$/, req.myRequestsView],
  [/^#\/requests\/(\d+)$/, req.requestView, { back: true }],
  [/^#\/new-request(?:\/(\d+))?$/, req.newRequestView, { back: true }],
  [/^#\/home$/, req.residentHomeView],
  [/^#\/board$/, req.boardView],
  [/^#\/dept$/, req.deptView],
  [/^#\/assign$/, sec.assignView],
  [/^#\/overdue$/, sec.overdueView],
  [/^#\/dashboard$/, dashboardView],
  [/^#\/inbox$/, common.inboxView],
  [/^#\/settings$/, common.settingsView],
];

const has = (user, ...roles) => roles.some((r) => user.roles.includes(r));

export function homeRoute(user) {
  if (has(user, 'admin', 'secretary')) return '#/board';
  if (has(user, 'department')) return '#/dept';
  if (has(user, 'leader')) return '#/members';
  if (has(user, 'member')) return '#/households';
  return '#/home';
}

function tabsFor(user) {
  const tabs = [];
  if (has(user, 'admin', 'secretary')) {
    tabs.push(['#/board', 'tab_board'], ['#/assign', 'tab_assign'], ['#/overdue', 'tab_overdue'], ['#/dashboard', 'tab_dashboard']);
  }
  if (has(user, 'department')) tabs.push(['#/dept', 'tab_dept']);
  if (has(user, 'leader')) tabs.push(['#/members', 'tab_members']);
  if (has(user, 'member', 'leader')) tabs.push(['#/households', 'tab_households'], ['#/requests', 'tab_requests'], ['#/diary', 'tab_diary']);
  if (has(user, 'resident') && !has(user, 'member', 'admin', 'secretary')) tabs.push(['#/home', 'tab_home']);
  tabs.push(['#/inbox', 'tab_inbox'], ['#/settings', 'tab_settings']);
  return tabs.slice(0, 6);
}

function drawTabs(user) {
  const nav = document.getElementById('tabs');
  if (!user) { nav.hidden = true; return; }
  const current = location.hash.split('/').slice(0, 2).join('/');
  nav.replaceChildren(...tabsFor(user).map(([href, key]) =>
    h('a', { href, class: href === current ? 'on' : '', 'aria-current': href === current ? 'page' : null }, t(key))));
  nav.hidden = false;
}

export async function route() {
  const session = apiMod.session();
  // /bind?code=… (the link on the contact card) opens the bind screen filled in
  if (location.pathname === '/bind' && !location.hash) {
    const code = new URLSearchParams(location.search).get('code') || '';
    history.replaceState(null, '', '/#/bind');
    sessionStorage.setItem('bind_code', code);
  }
  let hash = location.hash || '';
  if (!session && !/^#\/(login|bind)$/.test(hash)) { location.replace('#/login'); return; }
  if (session && (!hash || hash === '#/' || hash === '#/login')) { location.replace(homeRoute(session.user)); return; }
  if (session?.user?.must_change_password && hash !== '#/password') { location.replace('#/password'); return; }
  for (const [re, view, opts = {}] of ROUTES) {
    const m = hash.match(re);
    if (!m) continue;
    document.getElementById('back').hidden = !opts.back;
    drawTabs(session?.user);
    banner('');
    try {
      await view(...m.slice(1));
    } catch (e) {
      if (e instanceof apiMod.ApiError && e.status === 401) { location.replace('#/login'); return; }
      render(h('p', { class: 'error center' }, e.message || String(e)),
        h('p', { class: 'center' }, h('button', { onclick: route }, t('retry'))));
    }
    return;
  }
  location.replace(session ? homeRoute(session.user) : '#/login');
}

function drawBadge(items) {
  const badge = document.getElementById('outbox-badge');
  const waiting = items.filter((i) => i.state !== 'error').length;
  const failed = items.length - waiting;
  badge.hidden = items.length === 0;
  badge.textContent = failed ? `${t('waiting', { n: waiting })} · ${t('failed_items')} ${failed}` : t('waiting', { n: waiting });
  badge.classList.toggle('error', failed > 0);
  badge.onclick = () => common.showOutbox(items);
}

async function start() {
  const settings = (await db.get('kv', 'settings')) || {};
  setLocale(settings.locale || 'zh-CN');
  document.getElementById('back').addEventListener('click', () => history.back());
  await apiMod.loadAuth();
  apiMod.onAuthChange((a) => { if (!a) location.hash = '#/login'; });
  outbox.onChange(drawBadge);
  drawBadge(await outbox.list());
  window.addEventListener('hashchange', route);
  window.addEventListener('online', () => { banner(''); outbox.flush(); });
  window.addEventListener('offline', () => banner(t('offline')));
  let deferred;
  window.addEventListener('beforeinstallprompt', (e) => {
    e.preventDefault();
    deferred = e;
    const b = document.getElementById('install');
    b.textContent = t('install');
    b.hidden = false;
    b.onclick = async () => { b.hidden = true; deferred.prompt(); deferred = null; };
  });
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' }).catch((e) => console.warn('sw', e));
    navigator.serviceWorker.addEventListener('message', (e) => {
      if (e.data?.type === 'outbox-changed') outbox.list().then(drawBadge);
      if (e.data?.type === 'navigate') location.hash = e.data.url.replace(/^\/?/, '').replace(/^#?/, '#');
    });
  }
  await route();
  if (apiMod.session()) outbox.flush().catch(() => {});
}

start().catch((e) => { toast(e.message, 'error'); });
