// The secretary's and admin's dashboard: this month's figures for their unit, with small inline
// SVG charts (no chart library), and the printable contact cards.
import { cachedGet, session } from '../api.js';
import { t } from '../i18n.js';
import { h, render, toast } from '../ui.js';
import { setTitle, staleBanner } from './member.js';

const NS = 'http://www.w3.org/2000/svg';
const BAG_COLOURS = { suggestion: '#1d4ed8', complaint: '#ca8a04', wish: '#15803d', publicity: '#ea580c', service: '#c8161d' };

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  children.forEach((c) => el.append(c instanceof Node ? c : document.createTextNode(String(c))));
  return el;
}

/** Horizontal bars: [[label, value, colour]], values scaled to the largest (or to 1 for shares). */
function bars(rows, { share = false } = {}) {
  const max = share ? 1 : Math.max(1, ...rows.map((r) => r[1]));
  const height = rows.length * 26 + 4;
  return svg('svg', { viewBox: `0 0 320 ${height}`, width: '100%', role: 'img', class: 'chart' },
    ...rows.flatMap(([label, value, colour], i) => [
      svg('text', { x: 0, y: i * 26 + 17, 'font-size': 12, fill: '#374151' }, label),
      svg('rect', { x: 96, y: i * 26 + 5, height: 16, rx: 3, width: Math.max(2, (value / max) * 170), fill: colour || '#c8161d' }),
      svg('text', { x: 100 + Math.max(2, (value / max) * 170), y: i * 26 + 17, 'font-size': 12, fill: '#111827' },
        share ? `${Math.round(value * 100)}%` : value),
    ]));
}

const pct = (x) => (x === null || x === undefined ? '—' : `${Math.round(x * 100)}%`);
const tile = (label, value) => h('div', { class: 'tile' }, h('strong', {}, value), h('span', {}, label));

export async function dashboardView() {
  setTitle('dashboard');
  const { data: o, stale } = await cachedGet('/stats/overview');
  staleBanner(stale);
  const cards = h('button', { class: 'big', onclick: async () => {
    const resp = await fetch(`/api/v1/households/cards?org_unit_id=${o.org_unit_id}`,
      { headers: { Authorization: `Bearer ${session().access_token}` } });
    if (!resp.ok) { toast((await resp.json()).message, 'error'); return; }
    window.open(URL.createObjectURL(await resp.blob()), '_blank');
  } }, t('print_cards'));
  render(
    h('div', { class: 'tiles' }, tile(t('st_households'), o.households), tile(t('st_linked'), pct(o.linked_share)),
      tile(t('st_visits'), o.visits), tile(t('st_overdue'), o.households_overdue),
      tile(t('st_on_time'), pct(o.resolved_on_time_share)), tile(t('st_reply'), pct(o.reply_share)),
      tile(t('st_satisfied'), pct(o.satisfaction_share)), tile(t('st_over_capacity'), o.members_over_capacity)),
    h('h3', {}, t('st_visits_by_week')),
    bars(o.visits_by_week.map((w) => [w.week.slice(5), w.visits, '#c8161d'])),
    h('h3', {}, t('st_requests_by_bag')),
    bars(Object.keys(BAG_COLOURS).map((b) => [t(`cat_${b}`), o.requests_by_category[b] || 0, BAG_COLOURS[b]])),
    h('h3', {}, t('st_on_time_by_unit')),
    bars(o.children.map((c) => [c.name.slice(0, 7), c.resolved_on_time_share || 0, '#15803d']), { share: true }),
    cards);
}
