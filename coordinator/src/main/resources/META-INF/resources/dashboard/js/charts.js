// Charts drawn by uPlot, served from its webjar (org.webjars.npm:uplot in the coordinator's
// build); the web-dependency locator maps the versionless /webjars/uplot/ path to the jar.
import uPlot from '/webjars/uplot/dist/uPlot.esm.js';
import { h } from './dom.js';

// Colours with at least 3:1 contrast against white, told apart by dash pattern too.
const PALETTE = [
  { stroke: '#1f5fa8', dash: [] },
  { stroke: '#b3421b', dash: [6, 3] },
  { stroke: '#2d7a3a', dash: [2, 3] },
  { stroke: '#6b3fa0', dash: [8, 3, 2, 3] },
];

/**
 * A <figure> with a caption whose chart uPlot draws once the figure is in the document, at the width
 * of its container, following resizes. note: what the screen-reader label adds (where the numbers are).
 */
function chartFigure({ title, note, id, opts, data }) {
  const holder = h('div.chart', { role: 'img', 'aria-label': title + ' (' + note + ')' });
  const fig = h('figure.chart-figure', { id }, h('figcaption', {}, title), holder);
  requestAnimationFrame(() => {
    if (!holder.isConnected) {
      return;
    }
    const plot = new uPlot({ ...opts, width: Math.max(280, holder.clientWidth) }, data, holder);
    const ro = new ResizeObserver(() => {
      if (!holder.isConnected) {
        ro.disconnect();
        plot.destroy();
        return;
      }
      plot.setSize({ width: Math.max(280, holder.clientWidth), height: opts.height });
    });
    ro.observe(holder);
  });
  return fig;
}

/** uPlot series for {label, values, stroke?, dash?}: palette colours and dashes unless given. */
function styled(series, style) {
  return series.map((s, i) => ({
    label: s.label,
    stroke: s.stroke || PALETTE[i % PALETTE.length].stroke,
    dash: s.dash || PALETTE[i % PALETTE.length].dash,
    spanGaps: true,
    ...style(i),
  }));
}

/**
 * A line chart in a <figure>. xs: the x values; series: [{label, values, stroke?, dash?}].
 * The figure has a text caption; the same numbers are always in a table on the page too.
 */
export function lineChart({ title, xLabel, yLabel, xs, series, time = false, id }) {
  const opts = {
    width: 600,
    height: 260,
    scales: { x: { time } },
    // Rounds and counts are whole numbers: no ticks at 1.5.
    axes: [time ? { label: xLabel } : { label: xLabel, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }, { label: yLabel }],
    series: [{ label: xLabel }].concat(styled(series, () => ({ width: 2, points: { show: xs.length < 50 } }))),
  };
  return chartFigure({ title, note: 'the numbers are in the table below', id, opts,
    data: [xs].concat(series.map((s) => s.values)) });
}

/**
 * A curve over [0, 1] x [0, 1] (ROC, precision–recall) in a <figure>: xs ascending, series as in lineChart
 * (the first the curve, the others baselines). The same points are in a table beside it.
 */
export function curveChart({ title, xLabel, yLabel, xs, series, id }) {
  const opts = {
    width: 600,
    height: 300,
    scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
    axes: [{ label: xLabel }, { label: yLabel }],
    series: [{ label: xLabel }].concat(styled(series, (i) => ({
      width: i === 0 ? 2 : 1,
      points: { show: i === 0 && xs.length < 50 },
    }))),
  };
  return chartFigure({ title, note: 'the points are in the table below', id, opts,
    data: [xs].concat(series.map((s) => s.values)) });
}
