// DOM helpers: elements built with textContent, never innerHTML with data.
import { t } from './i18n.js';

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function render(...nodes) {
  const view = document.getElementById('view');
  view.replaceChildren(...nodes);
  view.focus({ preventScroll: true });
}

let toastTimer;
export function toast(message, kind = 'info') {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.className = `toast ${kind}`;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 3500);
}

export function banner(message) {
  const el = document.getElementById('banner');
  el.textContent = message || '';
  el.hidden = !message;
}

export const empty = () => h('p', { class: 'muted center' }, t('empty'));
export const chip = (text, cls = '') => h('span', { class: `chip ${cls}` }, text);

/** Show a server error next to a form: the message, and each field's messages. */
export function showError(form, err) {
  form.querySelectorAll('.field-error').forEach((n) => n.remove());
  for (const [field, msgs] of Object.entries(err.errors || {})) {
    const input = form.querySelector(`[name="${field}"]`);
    const note = h('small', { class: 'field-error' }, [].concat(msgs).flat().join(' '));
    if (input) input.after(note); else form.prepend(note);
  }
  toast(err.message, 'error');
}

export function field(label, input) { return h('label', { class: 'field' }, h('span', {}, label), input); }

/** A group of toggle chips; returns {el, value()} (single or multiple choice). */
export function choices(name, options, { multiple = false, selected = [] } = {}) {
  const chosen = new Set(selected);
  const el = h('div', { class: 'choices', role: multiple ? 'group' : 'radiogroup', 'data-name': name });
  for (const [value, label] of options) {
    const b = h('button', { type: 'button', class: `choice${chosen.has(value) ? ' on' : ''}`, 'data-value': value,
      'aria-pressed': String(chosen.has(value)) }, label);
    b.addEventListener('click', () => {
      if (!multiple) { chosen.clear(); el.querySelectorAll('.choice').forEach((x) => { x.classList.remove('on'); x.setAttribute('aria-pressed', 'false'); }); }
      if (chosen.has(value)) chosen.delete(value); else chosen.add(value);
      b.classList.toggle('on', chosen.has(value));
      b.setAttribute('aria-pressed', String(chosen.has(value)));
    });
    el.append(b);
  }
  return { el, value: () => (multiple ? [...chosen] : [...chosen][0]) };
}
