// One node's ledger for one dataset: every entry with its mechanism parameters, the signature
// status, and cumulative ε over time against the budget. From GET /api/v1/privacy?node=&dataset=.
import * as api from '../api.js';
import { h, table, num, when, routeParams } from '../dom.js';
import { lineChart } from '../charts.js';
import { WARN_SHARE } from './privacy.js';

function params() {
  const p = routeParams();
  return { node: p.get('node') || '', dataset: p.get('dataset') || '' };
}

/** The signature status as the API states it; entries from an API that does not state it say so. */
function signature(e) {
  const v = e.signature_verified ?? e.signature;
  if (v === true || v === 'verified') {
    return h('span.badge.ok', { 'data-field': 'signature' }, '✓ verified');
  }
  if (v === false || v === 'failed' || v === 'invalid') {
    return h('span.badge.bad', { 'data-field': 'signature' }, '✗ failed');
  }
  return h('span.muted', { 'data-field': 'signature', title: 'the API does not report a signature status for this entry' }, 'not reported');
}

function entryTime(e) {
  if (e.recorded_at_ms) {
    return e.recorded_at_ms / 1000;
  }
  return Date.parse(e.received_at) / 1000;
}

export const ledgerPage = {
  title: () => {
    const p = params();
    return 'Ledger ' + p.node + ' / ' + p.dataset;
  },
  live: () => true,
  load() {
    const p = params();
    if (!p.node || !p.dataset) {
      throw new Error('Choose a node and dataset on the privacy overview.');
    }
    return api.get('privacy?node=' + encodeURIComponent(p.node) + '&dataset=' + encodeURIComponent(p.dataset));
  },
  render(report) {
    const p = params();
    const s = (report.spend || [])[0];
    const entries = report.entries || [];
    const budget = s ? s.budget_epsilon : null;
    const over = s && budget > 0 && s.epsilon_spent / budget > WARN_SHARE;
    const parts = [
      h('p', {}, h('a', { href: '#/privacy' }, '← Privacy budgets')),
      h('h1', { id: 'page-title' }, 'Ledger: ', p.node, ' / ', p.dataset),
    ];
    if (!s) {
      parts.push(h('p.empty', { id: 'ledger-empty' }, 'No ledger entries from node ' + p.node + ' for dataset ' + p.dataset + '.'));
      return h('section', { 'aria-labelledby': 'page-title' }, parts);
    }
    parts.push(h('dl.facts', { id: 'ledger-summary' },
      h('div', {}, h('dt', {}, 'ε spent'), h('dd', {}, num(s.epsilon_spent, 4, 'epsilon_spent'),
        over ? h('span.badge.warn', {}, 'above 80 %') : null)),
      h('div', {}, h('dt', {}, 'ε budget'), h('dd', {}, budget ? num(budget, 4, 'budget_epsilon') : 'none declared')),
      h('div', {}, h('dt', {}, 'δ'), h('dd', {}, h('span.num', { 'data-field': 'delta', 'data-value': s.delta }, Number(s.delta).toExponential(1)))),
      h('div', {}, h('dt', {}, 'Entries'), h('dd', {}, num(s.entries, undefined, 'entries')))));
    const xs = entries.map(entryTime);
    const series = [{ label: 'cumulative ε', values: entries.map((e) => e.epsilon_after) }];
    if (budget) {
      series.push({ label: 'ε budget', values: entries.map(() => budget), stroke: '#9b1c1c', dash: [6, 4] });
    }
    parts.push(lineChart({ id: 'ledger-chart', title: 'Cumulative ε over time' + (budget ? ', with the budget' : ''),
      xLabel: 'time', yLabel: 'ε', xs, series, time: true }));
    // Issue 19: what spent each entry (a DP-SGD round or a noised evaluation), what its ε protects, and
    // its charge (the rise over the previous entry's cumulative ε).
    const what = (e) => (e.mechanism === 'gaussian-evaluation' ? 'evaluation'
      : e.mechanism === 'gaussian-statistics' ? 'feature statistics'
        : e.mechanism === 'poisson-gaussian' ? 'training' : (e.mechanism || '—'));
    const rows = entries.map((e, i) => h('tr', { 'data-seq': e.entry_seq },
      h('th.r', { scope: 'row' }, String(e.entry_seq)),
      h('td', {}, e.job_id ? h('a', { href: '#/jobs/' + encodeURIComponent(e.job_id) }, e.job_id) : '—'),
      h('td.r', {}, num(e.round, undefined, 'round')),
      h('td', { 'data-field': 'kind' }, what(e)),
      h('td', { 'data-field': 'unit' }, e.unit || h('span.muted', {}, '—')),
      h('td.r', {}, num(e.epsilon_after - (i > 0 ? entries[i - 1].epsilon_after : 0), 4, 'epsilon_charge')),
      h('td.r', {}, num(e.sampling_rate, 4, 'q')),
      h('td.r', {}, num(e.noise_multiplier, 3, 'sigma')),
      h('td.r', {}, num(e.clip_norm, 3, 'clip')),
      h('td.r', {}, num(e.steps, undefined, 'steps')),
      h('td', {}, e.accountant || h('span.muted', {}, '—')),
      h('td.r', {}, num(e.epsilon_after, 4, 'epsilon_after')),
      h('td', {}, signature(e)),
      h('td', {}, e.entry_sha256 ? h('code', { title: e.entry_sha256 }, e.entry_sha256.slice(0, 12) + '…') : '—'),
      h('td', {}, when(e.received_at))));
    parts.push(table('Ledger entries, oldest first',
      ['#', 'Job', 'Round', 'Spent on', 'Privacy unit', 'ε charge', 'q (sampling)', 'σ (noise)', 'C (clip)', 'Steps', 'Accountant', 'ε after', 'Signature', 'Entry SHA-256', 'Received'],
      rows, { id: 'ledger-table' }));
    parts.push(h('p.note', {}, 'ε after is the node accountant\'s cumulative value, not a sum of the rows; ε charge is',
      ' its rise at that entry. "evaluation" entries charge the noised validation statistics the node sent',
      ' (Gaussian mechanism, q 1, σ the noise over the sensitivity √3); "feature statistics" entries (round 0)',
      ' charge the clamped, noised counts and sums a node contributed for federated standardisation (Gaussian',
      ' mechanism, q 1, C the sensitivity √(3·numeric + categorical + 1)). ',
      'A dash means the API did not report that field for the entry.'));
    return h('section', { 'aria-labelledby': 'page-title' }, parts);
  },
};
