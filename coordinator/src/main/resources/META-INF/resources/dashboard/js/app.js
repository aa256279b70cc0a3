// The dashboard shell: sign-in, hash routing between the pages, and polling for live updates.
// Nothing is fetched and no page is rendered until a token has been accepted by the API.
import * as api from './api.js';
import { h, clear, errorBox } from './dom.js';
import { privacyPage } from './pages/privacy.js';
import { ledgerPage } from './pages/ledger.js';
import { jobsPage, jobPage } from './pages/jobs.js';
import { nodesPage } from './pages/nodes.js';
import { auditPage } from './pages/audit.js';

const POLL_MS = 2000;

const ROUTES = [
  { pattern: /^\/privacy$/, page: privacyPage, section: 'privacy' },
  { pattern: /^\/ledger$/, page: ledgerPage, section: 'privacy' },
  { pattern: /^\/jobs$/, page: jobsPage, section: 'jobs' },
  { pattern: /^\/jobs\/([^/]+)$/, page: jobPage, section: 'jobs' },
  { pattern: /^\/nodes$/, page: nodesPage, section: 'nodes' },
  { pattern: /^\/audit$/, page: auditPage, section: 'audit' },
];

const el = (id) => document.getElementById(id);
let session = null; // {token_id, name, role} of the signed-in token
let timer = null;
let shown = null; // {route, key, data} of the page on screen

function showLogin(message) {
  session = null;
  stopPolling();
  shown = null;
  clear(el('view')).hidden = true;
  el('nav').hidden = true;
  el('who').hidden = true;
  el('login').hidden = false;
  el('login-error').textContent = message || '';
  document.title = 'Sign in · Cohort dashboard';
}

async function signIn(tokenValue) {
  api.setToken(tokenValue);
  try {
    session = await api.get('session');
  } catch (e) {
    api.clearToken();
    showLogin(e.status === 401 ? 'That token was not accepted. Check it and try again.' : 'Cannot reach the coordinator: ' + e.message);
    el('token').focus();
    return;
  }
  el('login').hidden = true;
  el('token').value = '';
  el('nav').hidden = false;
  el('who').hidden = false;
  el('who-text').textContent = session.name + ' (' + session.role + ')';
  el('view').hidden = false;
  if (!location.hash || location.hash === '#' || location.hash === '#/') {
    location.replace('#/privacy');
  }
  route(true);
}

function match() {
  const hash = (location.hash || '#/privacy').slice(1);
  const path = hash.split('?')[0];
  for (const r of ROUTES) {
    const m = path.match(r.pattern);
    if (m) {
      return { ...r, args: m.slice(1).map(decodeURIComponent), key: hash };
    }
  }
  return null;
}

function stopPolling() {
  if (timer) {
    clearTimeout(timer);
    timer = null;
  }
}

async function route(navigated) {
  if (!session) {
    return;
  }
  stopPolling();
  const r = match();
  for (const a of document.querySelectorAll('#nav a')) {
    if (r && a.dataset.section === r.section) {
      a.setAttribute('aria-current', 'page');
    } else {
      a.removeAttribute('aria-current');
    }
  }
  const view = el('view');
  if (!r) {
    clear(view).append(h('h1', { tabindex: -1 }, 'Not found'), errorBox('There is no page at ' + location.hash + '.'));
    return;
  }
  const ctx = { role: session.role, args: r.args, isAdmin: session.role === 'admin', refresh: () => route(false) };
  const key = r.key;
  let data;
  try {
    data = await r.page.load(ctx);
  } catch (e) {
    if (e.status === 401 || !session) {
      return; // signed out meanwhile: show nothing
    }
    if (match()?.key !== key) {
      return;
    }
    clear(view).append(h('h1', { tabindex: -1 }, r.page.title(ctx)), errorBox(e.message));
    schedule(r, ctx);
    return;
  }
  if (!session || match()?.key !== key) {
    return; // signed out, or moved on, while this page loaded: render nothing
  }
  const json = JSON.stringify(data);
  if (navigated || !shown || shown.key !== key || shown.json !== json) {
    const focusedId = document.activeElement && document.activeElement.id;
    clear(view).append(r.page.render(data, ctx));
    document.title = r.page.title(ctx, data) + ' · Cohort dashboard';
    if (navigated) {
      const h1 = view.querySelector('h1');
      if (h1) {
        h1.setAttribute('tabindex', '-1');
        h1.focus();
      }
    } else {
      if (focusedId && el(focusedId)) {
        el(focusedId).focus();
      }
      el('live').textContent = 'Updated ' + new Date().toLocaleTimeString();
    }
    shown = { key, json };
  }
  view.dataset.loadedAt = String(Date.now());
  schedule(r, ctx, data);
}

function schedule(r, ctx, data) {
  if (r.page.live && r.page.live(data, ctx)) {
    timer = setTimeout(() => route(false), POLL_MS);
  }
}

function init() {
  api.whenUnauthorized(() => {
    api.clearToken();
    showLogin('The session ended (the token is no longer accepted). Sign in again.');
  });
  el('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const value = el('token').value.trim();
    if (!value) {
      el('login-error').textContent = 'Enter a token.';
      el('token').focus();
      return;
    }
    signIn(value);
  });
  el('logout').addEventListener('click', () => {
    api.clearToken();
    showLogin('Signed out.');
    el('token').focus();
  });
  window.addEventListener('hashchange', () => route(true));
  const saved = api.token();
  if (saved) {
    signIn(saved);
  } else {
    showLogin('');
  }
}

init();
