// Jobs and rounds: the job list, and per job its rounds (participants, dropouts, duration),
// evaluation metrics per round, the nodes' answers and the job spec. Polls while a job runs.
import * as api from '../api.js';
import { h, table, num, when, ms } from '../dom.js';
import { lineChart, curveChart } from '../charts.js';
import { auditSection } from './privacy.js';

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

export function stateBadge(state) {
  const kind = state === 'COMPLETED' ? 'ok' : state === 'FAILED' ? 'bad' : state === 'CANCELLED' ? 'muted' : 'run';
  return h('span.badge.' + kind, { 'data-field': 'state' }, state);
}

function jobHref(id) {
  return '#/jobs/' + encodeURIComponent(id);
}

export const jobsPage = {
  title: () => 'Jobs',
  live: (jobs) => (jobs || []).some((j) => !TERMINAL.has(j.state)),
  load: () => api.get('jobs'),
  render(jobs) {
    const rows = jobs.slice().reverse().map((j) => h('tr', { 'data-job': j.job_id },
      h('th', { scope: 'row' }, h('a', { href: jobHref(j.job_id) }, j.job_id)),
      h('td', {}, j.name),
      h('td', {}, stateBadge(j.state)),
      h('td', {}, j.dataset),
      h('td.r', {}, num(j.rounds_completed, undefined, 'rounds_completed'), ' / ', num(j.rounds_total, undefined, 'rounds_total')),
      h('td', {}, h('progress', { max: j.rounds_total, value: j.rounds_completed,
        'aria-label': 'rounds completed of ' + j.job_id })),
      h('td', {}, j.secure_aggregation || '—'),
      h('td', {}, when(j.created_at))));
    return h('section', { 'aria-labelledby': 'page-title' },
      h('h1', { id: 'page-title' }, 'Jobs'),
      jobs.length === 0 ? h('p.empty', {}, 'No job has been submitted yet.')
        : table('Jobs, newest first', ['Job', 'Name', 'State', 'Dataset', 'Rounds', 'Progress', 'Secure aggregation', 'Submitted'],
          rows, { id: 'jobs-table' }));
  },
};

function dropouts(r) {
  const got = new Set(r.contributors || []);
  return (r.participants || []).filter((p) => !got.has(p));
}

/** Round timeline: one bar per round, its length the round's duration, dropouts marked. */
function timeline(rounds) {
  const longest = Math.max(1, ...rounds.map((r) => r.duration_ms));
  return h('ol.timeline', { id: 'round-timeline', 'aria-label': 'Round timeline' }, rounds.map((r) => {
    const out = dropouts(r);
    return h('li', { 'data-round': r.round },
      h('span.tl-label', {}, 'Round ' + r.round),
      h('span.tl-track', {}, h('span.tl-bar' + (out.length ? '.warn' : ''), {
        style: 'width:' + Math.max(2, (100 * r.duration_ms) / longest).toFixed(1) + '%',
      })),
      h('span.tl-text', {}, ms(r.duration_ms) + ' · ' + (r.contributors || []).length + ' of '
        + (r.participants || []).length + ' nodes' + (out.length ? ' · dropped: ' + out.join(', ') : '')));
  }));
}

function cancelButton(job, ctx) {
  // A mutating action: rendered for admins only, and only while the job can still be cancelled.
  if (!ctx.isAdmin || TERMINAL.has(job.state)) {
    return null;
  }
  const status = h('span', { role: 'status', id: 'cancel-status' });
  const button = h('button.danger', {
    type: 'button', id: 'cancel-job', 'data-mutating': 'true',
    async onclick() {
      if (!window.confirm('Cancel job ' + job.job_id + '? Nodes stop after the current round.')) {
        return;
      }
      button.disabled = true;
      try {
        await api.post('jobs/' + encodeURIComponent(job.job_id) + '/cancel');
        status.textContent = 'Cancelled.';
        ctx.refresh();
      } catch (e) {
        status.textContent = 'Could not cancel: ' + e.message;
        button.disabled = false;
      }
    },
  }, 'Cancel job');
  return h('div.actions', {}, button, status);
}

export const jobPage = {
  title: (ctx) => 'Job ' + ctx.args[0],
  live: (data) => data && !TERMINAL.has(data.detail.job.state),
  async load(ctx) {
    const id = encodeURIComponent(ctx.args[0]);
    const [detail, metrics, spec, provenance, curves] = await Promise.all([
      api.get('jobs/' + id), api.get('jobs/' + id + '/metrics'), api.get('job-specs/' + id).catch(() => null),
      api.get('jobs/' + id + '/manifest').catch(() => null),
      // 404 until a binary classification round is evaluated: the page then says so.
      api.get('jobs/' + id + '/curves').catch(() => null)]);
    return { detail, metrics, spec, provenance, curves };
  },
  render({ detail, metrics, spec, provenance, curves }, ctx) {
    const j = detail.job;
    const rounds = detail.rounds || [];
    const parts = [
      h('p', {}, h('a', { href: '#/jobs' }, '← Jobs')),
      h('h1', { id: 'page-title' }, j.name, ' ', h('span.muted', {}, j.job_id)),
      h('dl.facts', { id: 'job-summary' },
        h('div', {}, h('dt', {}, 'State'), h('dd', {}, stateBadge(j.state))),
        h('div', {}, h('dt', {}, 'Rounds'), h('dd', {}, num(j.rounds_completed, undefined, 'rounds_completed'), ' of ',
          num(j.rounds_total, undefined, 'rounds_total'))),
        h('div', {}, h('dt', {}, 'Dataset'), h('dd', {}, j.dataset)),
        h('div', {}, h('dt', {}, 'Minimum nodes'), h('dd', {}, String(j.min_nodes))),
        h('div', {}, h('dt', {}, 'Secure aggregation'), h('dd', {}, j.secure_aggregation || '—')),
        h('div', {}, h('dt', {}, 'Submitted'), h('dd', {}, when(j.created_at))),
        j.failure_reason ? h('div', {}, h('dt', {}, 'Failure'), h('dd', {}, j.failure_reason)) : null),
      cancelButton(j, ctx),
      h('h2', {}, 'Rounds'),
    ];
    if (rounds.length === 0) {
      parts.push(h('p.empty', {}, TERMINAL.has(j.state) ? 'No round completed.' : 'Waiting for the first round to complete…'));
    } else {
      parts.push(timeline(rounds));
      const xs = metrics.map((m) => m.round);
      parts.push(h('div.charts', {},
        lineChart({ id: 'chart-quality', title: 'Held-out accuracy and ROC AUC per round', xLabel: 'round', yLabel: 'score', xs,
          series: [{ label: 'accuracy', values: metrics.map((m) => m.accuracy ?? null) },
            { label: 'ROC AUC', values: metrics.map((m) => m.roc_auc ?? null) }] }),
        lineChart({ id: 'chart-loss', title: 'Held-out loss per round', xLabel: 'round', yLabel: 'loss', xs,
          series: [{ label: 'loss', values: metrics.map((m) => m.loss ?? null) }] })));
      const byRound = new Map(rounds.map((r) => [r.round, r]));
      parts.push(table('Rounds and their evaluation', ['Round', 'Participants', 'Contributors', 'Dropouts', 'Examples', 'Duration',
        'Loss', 'Accuracy', 'ROC AUC', 'Eval nodes'],
      metrics.map((m) => {
        const r = byRound.get(m.round) || {};
        const out = dropouts(r);
        return h('tr', { 'data-round': m.round },
          h('th.r', { scope: 'row' }, String(m.round)),
          h('td', { 'data-field': 'participants', 'data-value': m.participants }, (r.participants || []).join(', ') || String(m.participants)),
          h('td.r', {}, num(m.contributors, undefined, 'contributors')),
          h('td', { 'data-field': 'dropouts', 'data-value': out.length }, out.length ? out.join(', ') : 'none'),
          h('td.r', {}, num(m.num_examples, undefined, 'num_examples')),
          h('td.r', { 'data-field': 'duration_ms', 'data-value': m.duration_ms }, ms(m.duration_ms)),
          h('td.r', {}, num(m.loss, 4, 'loss')),
          h('td.r', {}, num(m.accuracy, 4, 'accuracy')),
          h('td.r', {}, num(m.roc_auc, 4, 'roc_auc')),
          h('td.r', {}, num(m.eval_nodes, undefined, 'eval_nodes')));
      }), { id: 'rounds-table' }));
      parts.push(nodeMetricsSection(detail));
      parts.push(curvesSection(curves));
    }
    parts.push(h('h2', {}, 'Nodes offered the job'));
    const decisions = detail.nodes || [];
    parts.push(decisions.length === 0 ? h('p.empty', {}, 'No node has answered the offer yet.')
      : table('Answers to the job offer', ['Node', 'Answer', 'Reason', 'When'], decisions.map((d) => h('tr', { 'data-node': d.node_id },
        h('th', { scope: 'row' }, d.node_id),
        h('td', {}, d.accepted ? h('span.badge.ok', {}, 'accepted') : h('span.badge.bad', {}, 'declined')),
        h('td', {}, d.reason || '—'),
        h('td', {}, when(d.decided_at)))), { id: 'decisions-table' }));
    const audit = auditSection(detail.audits, false);
    if (audit) {
      parts.push(audit);
    }
    parts.push(h('h2', {}, 'Job spec'));
    parts.push(spec ? h('pre.spec', { id: 'job-spec', tabindex: 0, 'aria-label': 'Job spec as JSON' }, JSON.stringify(spec, null, 2))
      : h('p.muted', {}, 'The job spec is not available from this coordinator.'));
    parts.push(h('h2', {}, 'Provenance manifest'));
    parts.push(provenance ? manifestView(provenance)
      : h('p.muted', {}, 'No provenance manifest yet: one is signed when the job has a stored global model.'));
    return h('section', { 'aria-labelledby': 'page-title' }, parts);
  },
};

/** Issue 23 #7: each node's own metrics per round, with what the job's privacy lets them be, in words. */
function nodeMetricsSection(detail) {
  const rows = [];
  for (const r of detail.rounds || []) {
    for (const n of r.node_evaluations || []) {
      rows.push(h('tr', { 'data-round': r.round, 'data-node': n.node_id },
        h('th.r', { scope: 'row' }, String(r.round)),
        h('th', { scope: 'row' }, n.node_id),
        h('td', { 'data-field': 'released', 'data-value': n.released },
          n.released === 'noised' ? 'noised (DP, charged)' : 'exact'),
        h('td.r', {}, num(n.examples, undefined, 'examples')),
        h('td.r', {}, num(n.loss, 4, 'loss')),
        h('td.r', {}, num(n.accuracy, 4, 'accuracy')),
        h('td.r', {}, num(n.roc_auc, 4, 'roc_auc')),
        h('td.r', {}, num(n.pr_auc, 4, 'pr_auc')),
        h('td.r', {}, num(n.f1, 4, 'f1')),
        h('td.r', {}, num(n.rmse, 4, 'rmse'))));
    }
  }
  return h('section', { id: 'node-metrics', 'aria-labelledby': 'node-metrics-title' },
    h('h2', { id: 'node-metrics-title' }, "Each node's own metrics"),
    h('p', { id: 'node-metrics-note' }, detail.node_metrics ? 'Per-node metrics are ' + detail.node_metrics + '.'
      : 'This coordinator does not say what per-node metrics are.'),
    rows.length === 0 ? h('p.empty', {}, 'No per-node metrics are kept for this job.')
      : table("Each node's evaluation on its own validation split, per round", ['Round', 'Node', 'Released', 'Examples',
        'Loss', 'Accuracy', 'ROC AUC', 'PR AUC', 'F1 at 0.5', 'RMSE'], rows, { id: 'node-metrics-table' }));
}

/** Issue 23 #7: the ROC and precision-recall curves of the newest evaluated round, each with its points in a table. */
function curvesSection(c) {
  const title = h('h2', { id: 'curves-title' }, 'ROC and precision–recall curves');
  if (!c) {
    return h('section', { id: 'curves', 'aria-labelledby': 'curves-title' }, title,
      h('p.empty', {}, 'No curves: they are drawn from the pooled score histograms of an evaluated round of a binary'
        + ' classification job.'));
  }
  const roc = c.roc || [];
  const pr = c.precision_recall || [];
  const rate = c.positives / Math.max(1, c.positives + c.negatives);
  const point = (curve, p, x, y, xField, yField) => h('tr', { 'data-curve': curve },
    h('th.r', { scope: 'row' }, num(p.threshold, 3, 'threshold')),
    h('td.r', {}, num(x, 4, xField)),
    h('td.r', {}, num(y, 4, yField)));
  return h('section', { id: 'curves', 'aria-labelledby': 'curves-title' }, title,
    h('p', {}, 'Round ', num(c.round, undefined, 'round'), ', from the pooled score histograms (',
      num(c.bins, undefined, 'bins'), ' bins; ', num(c.positives, undefined, 'positives'), ' positive and ',
      num(c.negatives, undefined, 'negatives'), ' negative examples): ROC AUC ', num(c.roc_auc, 4, 'curve_roc_auc'),
      ', average precision ', num(c.pr_auc, 4, 'curve_pr_auc'), '. A point is the classifier that calls positive'
        + ' every example scoring at or above its threshold.'),
    h('div.charts', {},
      curveChart({ id: 'chart-roc', title: 'ROC curve, round ' + c.round, xLabel: 'false positive rate',
        yLabel: 'true positive rate', xs: roc.map((p) => p.fpr),
        series: [{ label: 'ROC', values: roc.map((p) => p.tpr) }, { label: 'chance', values: roc.map((p) => p.fpr) }] }),
      curveChart({ id: 'chart-pr', title: 'Precision–recall curve, round ' + c.round, xLabel: 'recall',
        yLabel: 'precision', xs: pr.map((p) => p.recall),
        series: [{ label: 'precision', values: pr.map((p) => p.precision) },
          { label: 'positive rate', values: pr.map(() => rate) }] })),
    table('ROC curve points, round ' + c.round, ['Threshold', 'False positive rate', 'True positive rate'],
      roc.map((p) => point('roc', p, p.fpr, p.tpr, 'fpr', 'tpr')), { id: 'roc-table' }),
    table('Precision–recall curve points, round ' + c.round, ['Threshold', 'Recall', 'Precision'],
      pr.map((p) => point('pr', p, p.recall, p.precision, 'recall', 'precision')), { id: 'pr-table' }));
}

/**
 * The job's signed provenance manifest as the coordinator serves it (the latest export's, or one
 * signed for the stored model). The browser does not verify the signature: `cohort job
 * verify-export` does, against the key at /api/v1/provenance/key.
 */
function manifestView(p) {
  let manifest = null;
  try {
    manifest = JSON.parse(p.manifest);
  } catch (e) {
    return h('p.muted', {}, 'The provenance manifest is not valid JSON.');
  }
  const signer = manifest.signer || {};
  return h('div', {},
    h('p', {}, 'Signed with ', signer.algorithm || '—', ' by the coordinator key ',
      h('code', { id: 'manifest-signer' }, signer.fingerprint || '—'),
      '. Verify an export with ', h('code', {}, 'cohort job verify-export DIR'), '.'),
    h('pre.spec', { id: 'job-manifest', tabindex: 0, 'aria-label': 'Provenance manifest as JSON' },
      JSON.stringify(manifest, null, 2)));
}
