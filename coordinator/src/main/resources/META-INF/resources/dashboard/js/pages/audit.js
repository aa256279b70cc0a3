// The audit log: searchable, newest first, and a "Verify chain" action that asks the coordinator
// to recompute every hash and link (GET /api/v1/audit/verify, read-only, open to auditors).
import * as api from '../api.js';
import { h, table, when } from '../dom.js';

const PAGE = 1000;
const MAX_PAGES = 50;

async function verify(out, button) {
  button.disabled = true;
  out.className = 'verify-result';
  out.textContent = 'Verifying…';
  try {
    const v = await api.get('audit/verify');
    out.dataset.ok = String(v.ok);
    if (v.ok) {
      out.classList.add('ok');
      out.textContent = '✓ Chain verified: ' + v.entries + ' entries, every hash and link intact. Head #' + v.head_seq
        + ' ' + (v.head_hash || '').slice(0, 16) + '…';
    } else {
      out.classList.add('bad');
      out.dataset.firstBadSeq = String(v.first_bad_seq);
      out.textContent = '✗ Verification FAILED at entry #' + v.first_bad_seq + ': ' + v.problem;
    }
  } catch (e) {
    out.classList.add('bad');
    out.textContent = 'Could not verify: ' + e.message;
  } finally {
    button.disabled = false;
  }
}

function matches(e, q) {
  if (!q) {
    return true;
  }
  return [e.seq, e.actor, e.action, e.job_id, e.round, e.node_id, e.detail, e.occurred_at]
    .some((v) => v !== undefined && v !== null && String(v).toLowerCase().includes(q));
}

export const auditPage = {
  title: () => 'Audit log',
  live: () => false,
  async load() {
    const all = [];
    let after = 0;
    for (let i = 0; i < MAX_PAGES; i++) {
      const page = await api.get('audit?after=' + after + '&limit=' + PAGE);
      all.push(...page);
      if (page.length < PAGE) {
        break;
      }
      after = page[page.length - 1].seq;
    }
    return all;
  },
  render(entries, ctx) {
    const result = h('p', { id: 'verify-result', role: 'status', 'aria-live': 'polite' });
    const verifyButton = h('button', { type: 'button', id: 'verify-chain' }, 'Verify chain');
    verifyButton.addEventListener('click', () => verify(result, verifyButton));
    const rows = entries.slice().reverse().map((e) => {
      const tr = h('tr', { 'data-seq': e.seq },
        h('th.r', { scope: 'row' }, String(e.seq)),
        h('td', {}, when(e.occurred_at)),
        h('td', {}, e.actor),
        h('td', {}, h('code', {}, e.action)),
        h('td', {}, e.job_id ? h('a', { href: '#/jobs/' + encodeURIComponent(e.job_id) }, e.job_id) : '—'),
        h('td.r', {}, e.round ?? '—'),
        h('td', {}, e.node_id || '—'),
        h('td.detail', {}, e.detail),
        h('td', {}, h('code', { title: e.hash }, (e.hash || '').slice(0, 10) + '…')));
      tr.entry = e;
      return tr;
    });
    const count = h('p', { id: 'audit-count', 'aria-live': 'polite' }, entries.length + ' entries.');
    const search = h('input', { id: 'audit-search', type: 'search', placeholder: 'actor, action, job, node, text…', autocomplete: 'off' });
    search.addEventListener('input', () => {
      const q = search.value.trim().toLowerCase();
      let shown = 0;
      for (const tr of rows) {
        const hit = matches(tr.entry, q);
        tr.hidden = !hit;
        shown += hit ? 1 : 0;
      }
      count.textContent = q ? shown + ' of ' + entries.length + ' entries match “' + search.value.trim() + '”.' : entries.length + ' entries.';
    });
    return h('section', { 'aria-labelledby': 'page-title' },
      h('h1', { id: 'page-title' }, 'Audit log'),
      h('p.lede', {}, 'Every admin action, job and round change, node decision and ledger entry received, each entry carrying the hash of the one before.'),
      h('div.actions', {}, verifyButton, h('button.secondary', { type: 'button', id: 'audit-refresh', onclick: ctx.refresh }, 'Reload entries')),
      result,
      h('form.search', { role: 'search', onsubmit: (ev) => ev.preventDefault() },
        h('label', { for: 'audit-search' }, 'Search the log'), search),
      count,
      table('Audit entries, newest first', ['#', 'When', 'Actor', 'Action', 'Job', 'Round', 'Node', 'Detail', 'Hash'], rows,
        { id: 'audit-table' }));
  },
};
