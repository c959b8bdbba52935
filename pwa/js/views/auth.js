// Login, resident sign-up with the contact card, and the first-login password change.
import { api, bindHousehold, login, saveAuth, session } from '../api.js';
import { t } from '../i18n.js';
import { field, h, render, showError, toast } from '../ui.js';

function setTitle(key) { document.getElementById('title').textContent = t(key); }

export async function loginView() {
  setTitle('app');
  const form = h('form', { class: 'card form', autocomplete: 'on' },
    field(t('username'), h('input', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'off' })),
    field(t('password'), h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    h('button', { class: 'primary', type: 'submit' }, t('login')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fd = new FormData(form);
    try {
      const data = await login(fd.get('username'), fd.get('password'));
      location.hash = data.user.must_change_password ? '#/password' : '#/';
    } catch (err) { showError(form, err); }
  });
  render(h('div', { class: 'hero' }, h('img', { src: '/icons/icon-192.png', alt: '', width: 72, height: 72 }),
    h('h2', {}, t('app'))), form, h('p', { class: 'center' }, h('a', { href: '#/bind' }, t('no_account'))));
}

export async function bindView() {
  setTitle('bind_title');
  const code = sessionStorage.getItem('bind_code') || '';
  const form = h('form', { class: 'card form' },
    field(t('card_code'), h('input', { name: 'card_code', value: code, required: true, autocapitalize: 'characters',
      placeholder: 'XXXX-XXXX-XXXX' })),
    h('small', { class: 'muted' }, t('bind_hint')),
    field(t('name'), h('input', { name: 'name', required: true, autocomplete: 'name' })),
    field(t('phone'), h('input', { name: 'phone', type: 'tel', required: true, autocomplete: 'tel', inputmode: 'numeric' })),
    field(t('password'), h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' })),
    h('button', { class: 'primary', type: 'submit' }, t('bind')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = Object.fromEntries(new FormData(form));
    try {
      await bindHousehold(body);
      sessionStorage.removeItem('bind_code');
      location.hash = '#/home';
    } catch (err) { showError(form, err); }
  });
  render(form, h('p', { class: 'center' }, h('a', { href: '#/login' }, t('have_account'))));
}

export async function passwordView() {
  setTitle('change_password');
  const form = h('form', { class: 'card form' },
    field(t('current_password'), h('input', { name: 'current_password', type: 'password', required: true, autocomplete: 'current-password' })),
    field(t('new_password'), h('input', { name: 'new_password', type: 'password', required: true, autocomplete: 'new-password' })),
    h('button', { class: 'primary', type: 'submit' }, t('save')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('/auth/password', { method: 'POST', body: Object.fromEntries(new FormData(form)) });
      const s = session();
      await saveAuth({ ...s, user: { ...s.user, must_change_password: false } });
      toast(t('password_changed'));
      location.hash = '#/';
    } catch (err) { showError(form, err); }
  });
  render(form);
}
