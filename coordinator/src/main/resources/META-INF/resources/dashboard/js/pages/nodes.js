// Nodes: connected or when last seen, software version, datasets offered, and every declined
// offer with the node's reason. From GET /api/v1/nodes and GET /api/v1/nodes/{id}.
import * as api from '../api.js';
import { h, table, when } from '../dom.js';

export const nodesPage = {
  title: () => 'Nodes',
  live: () => true,
  async load() {
    const nodes = await api.get('nodes');
    return Promise.all(nodes.map((n) => api.get('nodes/' + encodeURIComponent(n.node_id))));
  },
  render(statuses) {
    const connected = statuses.filter((s) => s.node.connected).length;
    const rows = statuses.map((s) => {
      const n = s.node;
      const declines = (s.jobs || []).filter((d) => !d.accepted);
      return h('tr', { 'data-node': n.node_id },
        h('th', { scope: 'row' }, n.node_id),
        h('td', { 'data-field': 'connected', 'data-value': String(n.connected) },
          // Issue 22 #9: a revoked node is not merely disconnected.
          n.revoked_at ? h('span.badge.bad', { title: 'revoked at ' + n.revoked_at }, '✕ revoked')
            : n.connected ? h('span.badge.ok', {}, '● connected') : h('span.badge.muted', {}, '○ disconnected')),
        h('td', {}, when(n.last_seen)),
        h('td', {}, when(s.first_seen)),
        h('td', { 'data-field': 'software_version' }, n.software_version || '—'),
        h('td', { 'data-field': 'datasets' }, (n.datasets || []).join(', ') || '—'),
        h('td', { 'data-field': 'declines', 'data-value': declines.length },
          declines.length === 0 ? h('span.muted', {}, 'none')
            : h('ul.plain', {}, declines.map((d) => h('li', {},
              h('a', { href: '#/jobs/' + encodeURIComponent(d.job_id) }, d.job_id), ': ', d.reason || 'no reason given')))));
    });
    return h('section', { 'aria-labelledby': 'page-title' },
      h('h1', { id: 'page-title' }, 'Nodes'),
      h('p', { id: 'nodes-summary' }, statuses.length + ' known, ' + connected + ' connected now.'),
      statuses.length === 0 ? h('p.empty', {}, 'No node has registered yet.')
        : table('Nodes', ['Node', 'Status', 'Last seen', 'First seen', 'Version', 'Datasets', 'Declined offers'], rows,
          { id: 'nodes-table' }));
  },
};
