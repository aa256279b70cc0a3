// Small DOM helpers: every text goes through textContent, never innerHTML, so data from the API
// (job names, decline reasons, audit details) cannot inject markup.

/** h('tag.class', {attr: value}, child, ...): children are nodes, strings or arrays of them. */
export function h(spec, attrs, ...children) {
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag);
  if (classes.length) {
    el.className = classes.join(' ');
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) {
      continue;
    }
    if (k.startsWith('on')) {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) {
      continue;
    }
    if (Array.isArray(c)) {
      append(el, c);
    } else {
      el.append(c instanceof Node ? c : String(c));
    }
  }
}

/** A table with a caption, column headers (scope=col) and rows of cells. */
export function table(caption, headers, rows, attrs) {
  return h('div.table-wrap', { tabindex: 0, role: 'region', 'aria-label': caption },
    h('table', attrs || {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows)));
}

/** A number as the dashboard shows it, with the exact value kept in data-value for readers and tests. */
export function num(value, digits, field) {
  if (value === null || value === undefined) {
    return h('span.muted', { 'data-field': field }, '—');
  }
  return h('span.num', { 'data-field': field, 'data-value': value }, fmt(value, digits));
}

export function fmt(value, digits) {
  if (value === null || value === undefined) {
    return '—';
  }
  return digits === undefined ? String(value) : Number(value).toFixed(digits);
}

/**
 * An ISO instant in UTC to the second (audit records are compared across sites and time zones),
 * with the full instant in the <time> element's datetime attribute.
 */
export function when(iso) {
  if (!iso) {
    return h('span.muted', {}, '—');
  }
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) {
    return h('span', {}, iso);
  }
  return h('time', { datetime: iso, title: iso }, d.toISOString().slice(0, 19).replace('T', ' ') + ' UTC');
}

export function ms(duration) {
  if (duration === null || duration === undefined) {
    return '—';
  }
  return duration < 1000 ? duration + ' ms' : (duration / 1000).toFixed(1) + ' s';
}

export function clear(el) {
  while (el.firstChild) {
    el.firstChild.remove();
  }
  return el;
}

export function errorBox(message) {
  return h('p.error', { role: 'alert' }, message);
}

/** The query part of a hash route (#/ledger?node=a&dataset=b) as URLSearchParams. */
export function routeParams() {
  const hash = location.hash || '';
  const q = hash.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : hash.slice(q + 1));
}
