// Everyone: the inbox of reminders, settings (language, push, quiet hours), logout, the outbox.
import { api, cachedGet, saveAuth, session } from '../api.js';
import * as db from '../db.js';
import * as outbox from '../outbox.js';
import * as push from '../push.js';
import { fmtDate, setLocale, t } from '../i18n.js';
import { empty, field, h, render, toast } from '../ui.js';
import { setTitle, staleBanner } from './member.js';

export async function inboxView() {
  setTitle('inbox');
  const { data, stale } = await cachedGet('/inbox?per_page=50');
  staleBanner(stale);
  const open = async (r) => {
    if (!r.read_at) await api(`/inbox/${r.id}/read`, { method: 'POST' }).catch(() => {});
    location.hash = r.url.replace(/^\/?#?/, '#');
  };
  render(h('div', { class: 'row' }, h('span', { class: 'muted' }, t('unread', { n: data.unread })),
    h('button', { class: 'small', onclick: async () => { await api('/inbox/read-all', { method: 'POST' }); inboxView(); } }, t('mark_all_read'))),
  data.items.length ? h('div', { class: 'list' }, ...data.items.map((r) => h('article', {
    class: `card inbox ${r.read_at ? '' : 'unread'}`, onclick: () => open(r) },
  h('strong', {}, r.title), h('span', { class: 'muted right' }, fmtDate(r.created_at, true)), h('div', {}, r.body)))) : empty());
}

export async function settingsView() {
  setTitle('settings');
  const { data: s } = await cachedGet('/me/settings');
  const user = session().user;
  const lang = h('select', { name: 'locale' }, h('option', { value: 'zh-CN' }, '中文'), h('option', { value: 'en' }, 'English'));
  lang.value = s.locale || 'zh-CN';
  lang.addEventListener('change', async () => {
    setLocale(lang.value);
    await db.set('kv', 'settings', { locale: lang.value });
    await api('/me/settings', { method: 'PATCH', body: { locale: lang.value } }).catch(() => {});
    settingsView();
  });
  const pushState = await push.state();
  const pushBox = h('input', { type: 'checkbox', name: 'push', role: 'switch', checked: pushState === 'on',
    disabled: pushState === 'unsupported' || pushState === 'denied' });
  const pushNote = h('small', { class: 'muted' }, pushState === 'unsupported' ? t('push_unsupported')
    : pushState === 'denied' ? t('push_denied') : t(pushState === 'on' ? 'push_on' : 'push_off'));
  pushBox.addEventListener('change', async () => {
    pushBox.disabled = true;
    try {
      const st = pushBox.checked ? await push.enable() : await push.disable();
      pushBox.checked = st === 'on';
      pushNote.textContent = st === 'denied' ? t('push_denied') : t(st === 'on' ? 'push_on' : 'push_off');
    } catch (e) { toast(e.message, 'error'); pushBox.checked = false; }
    pushBox.disabled = false;
  });
  const qs = h('input', { type: 'time', name: 'quiet_start', value: s.quiet_start });
  const qe = h('input', { type: 'time', name: 'quiet_end', value: s.quiet_end });
  const saveQuiet = async () => {
    await api('/me/settings', { method: 'PATCH', body: { quiet_start: qs.value, quiet_end: qe.value } });
    toast(t('saved'));
  };
  qs.addEventListener('change', saveQuiet);
  qe.addEventListener('change', saveQuiet);
  render(h('section', { class: 'card form' },
    h('p', {}, h('strong', {}, user.name), ' ', h('span', { class: 'muted' }, user.username)),
    field(t('language'), lang),
    h('label', { class: 'field switch' }, h('span', {}, t('notifications')), pushBox), pushNote,
    h('div', { class: 'field' }, h('span', {}, t('quiet_hours')), h('div', { class: 'row' }, qs, '—', qe))),
  h('button', { class: 'danger big block', onclick: logout }, t('logout')));
}

/** Log out: revoke the session, unsubscribe this device, and leave nothing personal behind. */
export async function logout() {
  const pending = await outbox.list();
  if (pending.length && !confirm(t('logout_confirm', { n: pending.length }))) return;
  await push.disable().catch(() => {});
  await api('/auth/logout', { method: 'POST', noRefresh: true }).catch(() => {});
  const settings = await db.get('kv', 'settings');
  await db.clear('outbox');
  await db.clear('kv');
  if (settings) await db.set('kv', 'settings', settings); // the language is not personal
  await saveAuth(null);
  location.hash = '#/login';
}

export function showOutbox(items) {
  setTitle('waiting');
  document.getElementById('title').textContent = t('waiting', { n: items.length });
  render(h('div', { class: 'list' }, ...items.map((i) => h('article', { class: `card ${i.state === 'error' ? 'overdue' : ''}` },
    h('strong', {}, i.label), h('div', { class: 'muted small' }, new Date(i.created).toLocaleString()),
    i.error ? h('div', { class: 'error' }, i.error) : null,
    h('div', { class: 'row' },
      h('button', { class: 'small', onclick: async () => { await outbox.retry(i.id); showOutbox(await outbox.list()); } }, t('retry')),
      h('button', { class: 'small danger', onclick: async () => { await outbox.discard(i.id); showOutbox(await outbox.list()); } }, t('discard')))))));
}
