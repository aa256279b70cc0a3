// Privacy overview: every node × dataset with ε spent against its budget, from GET /api/v1/privacy.
import * as api from '../api.js';
import { h, table, num } from '../dom.js';

/** Share of the budget above which a row is flagged. */
export const WARN_SHARE = 0.8;

export function ledgerHref(node, dataset) {
  return '#/ledger?node=' + encodeURIComponent(node) + '&dataset=' + encodeURIComponent(dataset);
}

function gauge(s) {
  if (s.budget_epsilon === null || s.budget_epsilon === undefined || s.budget_epsilon <= 0) {
    return h('span.muted', {}, 'no budget declared');
  }
  const share = s.epsilon_spent / s.budget_epsilon;
  const pct = Math.min(100, share * 100);
  const over = share > WARN_SHARE;
  return h('div.gauge', {},
    h('div.bar' + (over ? '.over' : ''), {
      role: 'meter',
      'aria-valuemin': 0,
      'aria-valuemax': s.budget_epsilon,
      'aria-valuenow': s.epsilon_spent,
      'aria-label': 'ε spent of budget for ' + s.node_id + ' / ' + s.dataset,
      'aria-valuetext': (share * 100).toFixed(0) + ' % of the budget',
    }, h('span.fill', { style: 'width:' + pct.toFixed(1) + '%' })),
    h('span.share', { 'data-field': 'share' }, (share * 100).toFixed(0) + ' %'),
    over ? h('span.badge.warn', { 'data-field': 'warning' }, 'above 80 %') : null);
}

/**
 * Each node's one-run privacy audit of a job (privacy.audit): the 95 % lower bound on ε beside the
 * accounted ε; a bound above the accounted ε is flagged (the implementation or the accounting is broken).
 * Returns null when there are none, so pages without audited jobs are unchanged.
 */
export function auditSection(audits, withJob) {
  if (!audits || audits.length === 0) {
    return null;
  }
  const rows = audits.map((a) => {
    const dp = a.accounted_epsilon !== null && a.accounted_epsilon !== undefined;
    const above = dp && a.epsilon_lower_bound > a.accounted_epsilon;
    return h('tr' + (above ? '.over' : ''), { 'data-job': a.job_id, 'data-node': a.node_id },
      withJob ? h('td', {}, h('a', { href: '#/jobs/' + encodeURIComponent(a.job_id) }, a.job_id)) : null,
      h('th', { scope: 'row' }, a.node_id),
      h('td.r', {}, num(a.round, undefined, 'round')),
      dp ? h('td.r', {}, num(a.accounted_epsilon, 4, 'accounted_epsilon'))
        : h('td.r', {}, h('span.muted', { 'data-field': 'accounted_epsilon' }, '∞ (no DP)')),
      h('td.r', {}, num(a.epsilon_lower_bound, 4, 'epsilon_lower_bound')),
      h('td.r', {}, h('span.num', { 'data-field': 'audit_delta', 'data-value': a.delta }, Number(a.delta).toExponential(1))),
      h('td.r', {}, h('span.num', { 'data-field': 'correct' }, a.correct + ' / ' + a.guesses)),
      h('td.r', {}, num(a.canaries, undefined, 'canaries')),
      h('td', {}, above ? h('span.badge.warn', { 'data-field': 'audit_check' }, 'bound above accounted ε')
        : h('span', { 'data-field': 'audit_check' }, dp ? 'ok' : 'no DP')));
  });
  const head = (withJob ? ['Job'] : []).concat(['Node', 'Round', 'ε accounted', 'ε audited (≥, 95 %)', 'δ',
    'Right guesses', 'Canaries', 'Check']);
  return h('section', { 'aria-labelledby': 'audit-title' },
    h('h2', { id: 'audit-title' }, 'Privacy audit: audited beside accounted ε'),
    h('p', {}, 'Each node trains with secret canaries and reports only how many of its guesses about them were right. ',
      'That gives a lower bound on ε at 95 % confidence (one-run audit, Steinke, Nasr and Jagielski 2023). ',
      'A bound at or below the accounted ε is what a correct implementation gives; a small bound proves nothing. ',
      'A bound above it means the noise, sampling or accounting is broken.'),
    table('Audited and accounted ε per node', head, rows, { id: 'audit-table' }));
}

export const privacyPage = {
  title: () => 'Privacy budgets',
  live: () => true,
  load: () => api.get('privacy'),
  render(report) {
    const spend = report.spend || [];
    const over = spend.filter((s) => s.budget_epsilon > 0 && s.epsilon_spent / s.budget_epsilon > WARN_SHARE).length;
    const rows = spend.map((s) => h('tr' + (s.budget_epsilon > 0 && s.epsilon_spent / s.budget_epsilon > WARN_SHARE ? '.over' : ''), {
      'data-node': s.node_id, 'data-dataset': s.dataset,
    },
      h('th', { scope: 'row' }, h('a', { href: ledgerHref(s.node_id, s.dataset) }, s.node_id)),
      h('td', {}, s.dataset),
      h('td.r', {}, num(s.epsilon_spent, 4, 'epsilon_spent')),
      h('td.r', { title: s.reserved_reported_at ? 'reserved by the node for ' + s.reserved_jobs
        + ' accepted job(s) not yet spent, as it reported at ' + s.reserved_reported_at : 'not reported by the node' },
        num(s.reserved_epsilon, 4, 'reserved_epsilon')),
      h('td.r', { title: s.budget_accountant ? 'declared by the node (' + s.budget_accountant + ' accountant, δ '
        + Number(s.budget_delta).toExponential(1) + ') at ' + s.budget_reported_at : 'no budget declared' },
        num(s.budget_epsilon, 4, 'budget_epsilon')),
      h('td.r', {}, num(s.remaining_epsilon, 4, 'remaining_epsilon')),
      h('td.r', {}, h('span.num', { 'data-field': 'delta', 'data-value': s.delta }, Number(s.delta).toExponential(1))),
      h('td.r', {}, num(s.entries, undefined, 'entries')),
      h('td.gauge-cell', {}, gauge(s)),
      h('td', {}, h('a', { href: ledgerHref(s.node_id, s.dataset), 'aria-label': 'Ledger of ' + s.node_id + ' / ' + s.dataset }, 'Ledger →'))));
    return h('section', { 'aria-labelledby': 'page-title' },
      h('h1', { id: 'page-title' }, 'Privacy budgets'),
      h('p.lede', {}, 'Differential-privacy spend per node and dataset, as each node\'s signed ledger reports it: ',
        'ε is the node accountant\'s cumulative value after its newest entry, at the stated δ. ',
        'Rows above ', (WARN_SHARE * 100).toFixed(0), ' % of the declared budget are flagged. ',
        'ε reserved is what the node holds back for jobs it accepted and has not spent yet, as it reports with each heartbeat. ',
        'Each budget (ε, δ and accountant) is the one the node declares from its own configuration when it registers: ',
        'the coordinator only displays it and cannot change it; the node alone enforces it.'),
      spend.length === 0
        ? h('p.empty', { id: 'privacy-empty' }, 'No privacy budgets or ledger entries have been reported yet. Nodes declare their budgets when they register and report ledger entries once jobs train with differential privacy.')
        : [h('p', { id: 'privacy-summary' }, spend.length + ' node × dataset ' + (spend.length === 1 ? 'ledger' : 'ledgers')
            + (over ? ', ' + over + ' above ' + (WARN_SHARE * 100).toFixed(0) + ' % of budget' : '') + '.'),
          table('ε spent per node and dataset',
            ['Node', 'Dataset', 'ε spent', 'ε reserved', 'ε budget', 'ε remaining', 'δ', 'Entries', 'Share of budget',
              'Ledger'],
            rows, { id: 'privacy-table' })],
      auditSection(report.audits, true));
  },
};
