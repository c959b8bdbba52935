// A secretary's lists: assign unlinked households (pick several, assign at once), members over
// capacity, and what is overdue.
import { api, cachedGet } from '../api.js';
import { t } from '../i18n.js';
import { chip, empty, field, h, render, showError, toast } from '../ui.js';
import { householdCard, setTitle, staleBanner } from './member.js';
import { requestCard } from './requests.js';

export async function assignView() {
  setTitle('unlinked');
  const [{ data, stale }, members, over] = await Promise.all([
    cachedGet('/households?unlinked=true&per_page=200'), cachedGet('/members?per_page=200'),
    cachedGet('/members?over_capacity=true&per_page=200')]);
  staleBanner(stale);
  const select = h('select', { name: 'member_id' }, h('option', { value: '' }, t('pick_member')),
    ...members.data.items.map((m) => h('option', { value: m.id }, `${m.name}（${t('households_n', { n: m.household_count })}）`)));
  const button = h('button', { class: 'primary', type: 'submit', disabled: true }, t('assign', { n: 0 }));
  const boxes = data.items.map((hh) => h('input', { type: 'checkbox', name: 'household', value: hh.id }));
  const form = h('form', { class: 'assign' }, h('div', { class: 'card sticky' }, field(t('assign_to'), select), button),
    h('div', { class: 'list' }, ...data.items.map((hh, i) => h('label', { class: 'pick' }, boxes[i],
      householdCard(hh, { visitButton: false })))));
  form.addEventListener('change', () => {
    const n = boxes.filter((b) => b.checked).length;
    button.textContent = t('assign', { n });
    button.disabled = !n || !select.value;
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const member = Number(select.value);
    const links = boxes.filter((b) => b.checked).map((b) => ({ member_id: member, household_id: Number(b.value) }));
    try {
      const res = await api('/links/bulk', { method: 'POST', body: { links } });
      toast(`${t('assigned')} ${res.created}`);
      assignView();
    } catch (err) { showError(form, err); }
  });
  render(data.items.length ? form : empty(),
    h('h3', {}, t('over_capacity')),
    over.data.items.length ? h('div', { class: 'list' }, ...over.data.items.map((m) => h('article', { class: 'card overdue' },
      h('strong', {}, m.name), ' ', chip(t('households_n', { n: m.household_count }), 'danger')))) : empty());
}

export async function overdueView() {
  setTitle('overdue_households');
  const [{ data, stale }, reqs] = await Promise.all([cachedGet('/households?overdue=true&per_page=100'),
    cachedGet('/requests?overdue=true&per_page=100')]);
  staleBanner(stale);
  render(h('h3', {}, `${t('overdue_households')} (${data.total})`),
    data.items.length ? h('div', { class: 'list' }, ...data.items.map((hh) => householdCard(hh, { visitButton: false }))) : empty(),
    h('h3', {}, `${t('overdue_requests')} (${reqs.data.total})`),
    reqs.data.items.length ? h('div', { class: 'list' }, ...reqs.data.items.map((r) => requestCard(r))) : empty());
}
