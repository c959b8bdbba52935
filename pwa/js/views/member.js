// A member's day: households most urgent first, a visit in three taps, the household page,
// the work diary; and a leader's view of their members.
import { cachedGet, session } from '../api.js';
import * as outbox from '../outbox.js';
import { fmtDate, t } from '../i18n.js';
import { banner, chip, choices, empty, field, h, render, toast } from '../ui.js';

const KINDS = ['regular', 'night', 'follow_up'];
const CONCERNS = ['employment', 'medical', 'elderly_care', 'housing', 'dispute', 'environment', 'safety',
  'education', 'social_security', 'other'];
const SOON_MS = 3 * 24 * 3600 * 1000;

export function setTitle(key) { document.getElementById('title').textContent = t(key); }
export function staleBanner(stale) { banner(stale ? t('stale', { time: new Date(stale).toLocaleTimeString() }) : ''); }

function dueState(hh) {
  if (hh.overdue) return ['overdue', t('overdue_days', { n: hh.days_overdue })];
  if (hh.next_due_at && new Date(hh.next_due_at) - Date.now() < SOON_MS) return ['soon', t('due_on', { date: fmtDate(hh.next_due_at) })];
  return ['ok', hh.next_due_at ? t('due_on', { date: fmtDate(hh.next_due_at) }) : ''];
}

const tagChips = (tags) => tags.map((tag) => chip(t(`tag_${tag}`), tag === 'elderly_alone' || tag === 'hardship' ? 'warn' : ''));

export function householdCard(hh, { visitButton = true } = {}) {
  const [state, text] = dueState(hh);
  return h('article', { class: `card hh ${state}`, dataset: { id: hh.id } },
    h('a', { class: 'hh-main', href: `#/households/${hh.id}` },
      h('strong', {}, hh.head_name), h('span', { class: 'muted' }, ` ${hh.number}`),
      h('div', { class: 'muted small' }, hh.address),
      h('div', { class: 'chips' }, ...tagChips(hh.tags || [])),
      h('div', { class: `due ${state}` }, text,
        hh.last_visit_at ? h('span', { class: 'muted' }, ` · ${t('last_visit', { date: fmtDate(hh.last_visit_at) })}`)
          : h('span', { class: 'muted' }, ` · ${t('never_visited')}`))),
    visitButton ? h('a', { class: 'button primary visit-btn', href: `#/visit/${hh.id}` }, t('visit')) : null);
}

export async function householdsView() {
  setTitle('my_households');
  const { data, stale } = await cachedGet('/me/households');
  staleBanner(stale);
  render(data.length ? h('div', { class: 'list' }, ...data.map((hh) => householdCard(hh))) : empty());
}

export async function householdView(id) {
  setTitle('household');
  const [{ data: hh, stale }, visits, requests] = await Promise.all([
    cachedGet(`/households/${id}`),
    cachedGet(`/visits?household_id=${id}&per_page=5`).catch(() => ({ data: { items: [] } })),
    cachedGet(`/requests?household_id=${id}&status=submitted&status=dispatched&status=in_progress&status=escalated`)
      .catch(() => ({ data: { items: [] } })),
  ]);
  staleBanner(stale);
  const [state, text] = dueState(hh);
  render(
    h('section', { class: 'card' },
      h('h2', {}, hh.head_name, h('span', { class: 'muted' }, ` ${hh.number}`)),
      h('p', {}, hh.address),
      hh.phone ? h('p', {}, h('a', { class: 'button', href: `tel:${hh.phone}` }, `${t('call')} ${hh.phone}`)) : null,
      h('div', { class: 'chips' }, ...tagChips(hh.tags)),
      h('p', { class: `due ${state}` }, text)),
    h('div', { class: 'row' },
      h('a', { class: 'button primary', href: `#/visit/${hh.id}` }, t('log_visit')),
      h('a', { class: 'button', href: `#/new-request/${hh.id}` }, t('new_errand'))),
    h('h3', {}, t('recent_visits')),
    visits.data.items.length ? h('ul', { class: 'list plain' }, ...visits.data.items.map((v) =>
      h('li', { class: 'card' }, h('strong', {}, fmtDate(v.visited_at, true)), ' ', chip(t(`kind_${v.kind}`)),
        h('div', {}, v.notes || ''), h('div', { class: 'chips' }, ...v.concerns.map((c) => chip(t(`c_${c.category}`))))))) : empty(),
    h('h3', {}, t('open_requests')),
    requests.data.items.length ? h('ul', { class: 'list plain' }, ...requests.data.items.map((r) =>
      h('li', {}, h('a', { class: 'card block', href: `#/requests/${r.id}` }, chip(t(`cat_${r.category}`), `bag-${r.category}`),
        ` ${r.title} · ${t(`status_${r.status}`)}`)))) : empty());
}

export async function visitView(id) {
  setTitle('log_visit');
  const { data: hh } = await cachedGet(`/households/${id}`).catch(() => ({ data: { id, head_name: '', address: '' } }));
  const kind = choices('kind', KINDS.map((k) => [k, t(`kind_${k}`)]), { selected: ['regular'] });
  const concerns = choices('concerns', CONCERNS.map((c) => [c, t(`c_${c}`)]), { multiple: true });
  const notes = h('textarea', { name: 'notes', rows: 4, maxlength: 2000, placeholder: t('notes_ph') });
  const form = h('form', { class: 'card form' },
    h('p', {}, h('strong', {}, hh.head_name), ' ', h('span', { class: 'muted' }, hh.address)),
    field(t('kind'), kind.el), field(t('notes'), notes), field(t('concerns'), concerns.el),
    h('button', { class: 'primary big', type: 'submit' }, t('save')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { household_id: Number(id), kind: kind.value() || 'regular', notes: notes.value.trim() || null,
      concerns: concerns.value().map((category) => ({ category })), visited_at: new Date().toISOString() };
    const out = await outbox.enqueue({ label: `${t('visit')} · ${hh.head_name}`, path: '/visits', body });
    if (out.sent) toast(t('visit_saved'));
    else if (out.item?.state === 'error') { toast(out.item.error, 'error'); return; }
    else toast(t('queued'));
    location.hash = '#/households';
  });
  render(form);
}

export async function diaryView() {
  setTitle('diary');
  const { data, stale } = await cachedGet('/me/diary');
  staleBanner(stale);
  render(data.length ? h('div', { class: 'list' }, ...data.map((day) => h('section', { class: 'card' },
    h('h3', {}, `${day.date} · ${t('visits_n', { n: day.count })}`),
    h('ul', { class: 'plain' }, ...day.visits.map((v) => h('li', {},
      h('strong', {}, v.household.head_name), ` ${chip(t(`kind_${v.kind}`)).textContent} `,
      h('span', { class: 'muted' }, v.notes || ''))))))) : empty());
}

export async function membersView() {
  setTitle('members');
  const me = session().user;
  const { data, stale } = await cachedGet(`/members?leader_id=${me.member_id}&per_page=50`);
  staleBanner(stale);
  render(data.items.length ? h('div', { class: 'list' }, ...data.items.map((m) => h('article', { class: `card ${m.overdue_count ? 'overdue' : 'ok'}` },
    h('strong', {}, m.name), m.phone ? h('a', { class: 'right', href: `tel:${m.phone}` }, m.phone) : null,
    h('div', { class: 'stats' }, chip(t('households_n', { n: m.household_count })),
      chip(t('visits_month', { n: m.visit_count })),
      chip(t('overdue_n', { n: m.overdue_count }), m.overdue_count ? 'danger' : ''))))) : empty());
}
