// The request loop on the phone: 点单 (resident), 派单 (secretary), 接单/办结 (member),
// 报到 (department), 评单 (resident). Every write goes through the outbox.
import { api, cachedGet, session } from '../api.js';
import * as outbox from '../outbox.js';
import { fmtDate, t } from '../i18n.js';
import { chip, choices, empty, field, h, render, showError, toast } from '../ui.js';
import { setTitle, staleBanner } from './member.js';

export const BAGS = ['suggestion', 'complaint', 'wish', 'publicity', 'service'];
const OPEN = ['submitted', 'dispatched', 'in_progress', 'escalated'];

export function requestCard(r, extra = null) {
  return h('article', { class: `card req ${r.overdue ? 'overdue' : ''}`, dataset: { id: r.id } },
    h('a', { class: 'block', href: `#/requests/${r.id}` },
      chip(t(`cat_${r.category}`), `bag bag-${r.category}`), ' ', h('strong', {}, r.title),
      h('div', { class: 'muted small' }, `${r.household?.head_name || ''} · ${r.household?.address || ''}`),
      h('div', { class: 'small' }, chip(t(`status_${r.status}`), `st-${r.status}`), ' ',
        r.overdue ? chip(t('overdue'), 'danger') : h('span', { class: 'muted' }, t('due', { date: fmtDate(r.due_at) })),
        r.assignee ? h('span', { class: 'muted' }, ` · ${r.assignee.name}`) : null)),
    extra);
}

/** Send a request action through the outbox; re-render on success. */
async function act(r, action, body, label) {
  const out = await outbox.enqueue({ label: `${t(action)} · ${r.title}`, path: `/requests/${r.id}/${action.replace('_', '-')}`, body });
  if (out.sent) { toast(label || t(action)); return out.result || true; }
  if (out.item?.state === 'error') toast(out.item.error, 'error'); else toast(t('queued'));
  return null;
}

export async function myRequestsView() {
  setTitle('assigned_to_me');
  const { data, stale } = await cachedGet('/requests?mine=true&per_page=100');
  staleBanner(stale);
  render(data.items.length ? h('div', { class: 'list' }, ...data.items.map((r) => requestCard(r))) : empty());
}

function actionForm(r, action, onDone) {
  const note = h('textarea', { name: 'note', rows: 2, maxlength: 1000, placeholder: t(action === 'resolve' ? 'resolve_note' : 'note') });
  const parts = [];
  let extra = () => ({});
  if (action === 'dispatch') {
    const select = h('select', { name: 'assignee_id', required: true }, h('option', { value: '' }, t('pick_member')));
    cachedGet('/members?per_page=200').then(({ data }) => data.items.forEach((m) =>
      select.append(h('option', { value: m.id }, `${m.name}（${t('households_n', { n: m.household_count })}）`))));
    parts.push(select);
    extra = () => ({ assignee_id: Number(select.value) || null });
  } else if (action === 'escalate') {
    const select = h('select', { name: 'department_id', required: true }, h('option', { value: '' }, t('dept_pick')));
    api('/departments').then((ds) => ds.forEach((d) => select.append(h('option', { value: d.id }, d.name)))).catch(() => {});
    parts.push(select);
    extra = () => ({ department_id: Number(select.value) || null });
  } else if (action === 'rate') {
    const stars = choices('score', [1, 2, 3, 4, 5].map((n) => [n, '★'.repeat(n)]), { selected: [5] });
    const comment = h('textarea', { name: 'comment', rows: 2, maxlength: 500, placeholder: t('comment') });
    parts.push(h('p', {}, t('rate_title')), stars.el, comment);
    extra = () => ({ score: stars.value(), comment: comment.value.trim() || null });
  }
  const needsNote = ['resolve', 'escalate', 'hand_back'].includes(action);
  const form = h('form', { class: 'action-form', dataset: { action } }, ...parts, action === 'rate' ? null : note,
    h('button', { class: action === 'decline' || action === 'hand_back' ? '' : 'primary', type: 'submit' }, t(action)));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { ...extra(), ...(action === 'rate' ? {} : { note: note.value.trim() || null }) };
    if (needsNote && !body.note) { showError(form, { message: t('required'), errors: { note: [t('required')] } }); return; }
    const result = await act(r, action, body, action === 'rate' ? t('thanks') : null);
    onDone(result);
  });
  return form;
}

export async function requestView(id) {
  setTitle('requests');
  const { data: r, stale } = await cachedGet(`/requests/${id}`);
  staleBanner(stale);
  const actions = h('div', { class: 'actions' }, ...(r.actions || []).map((a) =>
    actionForm(r, a, (res) => { if (res) requestView(id); })));
  render(requestCard(r),
    r.description ? h('p', { class: 'card' }, r.description) : null,
    r.rating ? h('p', { class: 'card' }, '★'.repeat(r.rating), ' ', r.rating_comment || '') : null,
    actions,
    h('h3', {}, t('timeline')),
    h('ol', { class: 'timeline' }, ...r.timeline.map((e) => h('li', {},
      h('strong', {}, t(`a_${e.action}`)), ' ', h('span', { class: 'muted' }, `${fmtDate(e.at, true)} · ${e.actor_name || ''}`),
      e.note ? h('div', {}, e.note) : null))));
}

export async function newRequestView(householdId) {
  setTitle('new_request');
  const bag = choices('category', BAGS.map((b) => [b, t(`cat_${b}`)]), { selected: [] });
  bag.el.classList.add('bags');
  bag.el.querySelectorAll('.choice').forEach((b) => b.classList.add(`bag-${b.dataset.value}`));
  const title = h('input', { name: 'title', required: true, maxlength: 100 });
  const description = h('textarea', { name: 'description', rows: 4, maxlength: 5000 });
  const form = h('form', { class: 'card form' }, field(t('bag'), bag.el), field(t('title_field'), title),
    field(t('description'), description), h('button', { class: 'primary big', type: 'submit' }, t('send')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!bag.value()) { showError(form, { message: t('bag'), errors: { category: [t('required')] } }); return; }
    const body = { category: bag.value(), title: title.value.trim(), description: description.value.trim() || null };
    if (householdId) body.household_id = Number(householdId);
    const out = await outbox.enqueue({ label: `${t('new_request')} · ${body.title}`, path: '/requests', body });
    if (out.sent) { toast(t('request_sent')); location.hash = out.result ? `#/requests/${out.result.id}` : '#/'; return; }
    if (out.item?.state === 'error') { showError(form, { message: out.item.error, errors: out.item.errors }); return; }
    toast(t('queued'));
    history.back();
  });
  render(form);
}

export async function residentHomeView() {
  setTitle('my_home');
  const [me, { data, stale }] = await Promise.all([cachedGet('/me'), cachedGet('/requests?per_page=50')]);
  staleBanner(stale);
  const m = me.data.linked_member;
  render(
    h('section', { class: 'card' }, h('h3', {}, t('my_member')),
      m ? h('p', {}, h('strong', {}, m.name), ' ', m.phone ? h('a', { class: 'button', href: `tel:${m.phone}` }, `${t('call')} ${m.phone}`) : null)
        : h('p', { class: 'muted' }, t('none'))),
    h('a', { class: 'button primary big block', href: '#/new-request' }, t('new_request')),
    h('h3', {}, t('my_requests')),
    data.items.length ? h('div', { class: 'list' }, ...data.items.map((r) => requestCard(r))) : empty());
}

export async function boardView() {
  setTitle('board');
  const { data, stale } = await cachedGet('/requests?status=submitted&per_page=100');
  staleBanner(stale);
  render(data.items.length ? h('div', { class: 'list' }, ...data.items.map((r) =>
    requestCard(r, actionForm(r, 'dispatch', (res) => { if (res) boardView(); })))) : empty());
}

export async function deptView() {
  setTitle('escalated');
  const { data, stale } = await cachedGet(`/requests?mine=true&per_page=100&${OPEN.map((s) => `status=${s}`).join('&')}`);
  staleBanner(stale);
  render(data.items.length ? h('div', { class: 'list' }, ...data.items.map((r) => requestCard(r))) : empty());
}
