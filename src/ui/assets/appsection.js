// appsection.js - the "Application" section of the dashboard: per plugin
// that publishes StatsD metrics, a card and a chart per series (rate for
// counters, value for gauges, distinct members for sets, a p50-p99 band for
// timers, histograms and distributions). Hidden while no plugin publishes.
//
// It is a section of the page (sections.js): it owns #app-section and its
// data. History comes from /api/metrics/app/history for the range the page
// shows (read again when the range changes); every new snapshot's "app"
// objects are appended while that history is at raw resolution.
//
// Stable hooks for tests:
//   #app-section[hidden]                       shown once a plugin has series
//   .app-plugin[data-plugin]                   one block per plugin
//   .app-series[data-key][data-type]           one card per series, with
//     .app-value (current value text) and .app-chart (an ECharts instance)

import { chartsAvailable } from './charts.js';
import { formatCount, formatDateTime, formatTime, isNum } from './format.js';
import { registerSection } from './sections.js';

/** [ts, value] pairs as [ms, value], with a null where points are further
 * apart than maxGap seconds so the line breaks (collector off, server down). */
function withGaps(points, maxGap) {
  const out = [];
  for (let i = 0; i < points.length; i++) {
    const [ts, value] = points[i];
    if (i > 0 && ts - points[i - 1][0] > maxGap) out.push([(points[i - 1][0] + ts) * 500, null]);
    out.push([ts * 1000, value]);
  }
  return out;
}

const COLORS = { line: '#4f5bd5', band: '#4f5bd5', p50: '#1d2333' };
const AXIS_TEXT = '#6b7385';
const GRID_LINE = '#eceef3';

// plugin -> Map(key -> series); series: {key, name, type, tags, columns, points, card, chart}
const plugins = new Map();
let view = { minutes: 5, resolution: 'raw', gap: 25, request: 0 };

const section = () => document.getElementById('app-section');
const container = () => document.getElementById('app-groups');

/* ---- numbers ----------------------------------------------------------- */

function compact(v) {
  if (!isNum(v)) return '\u2014';
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return v.toFixed(1).replace(/\.0$/, '');
  return v.toPrecision(2);
}

const isSummary = (type) => type === 'timer' || type === 'histogram' || type === 'distribution';
const unit = (type) => (type === 'timer' ? ' ms' : '');

/** The columns of a series point, from a /metrics "app" entry. */
function rowFromLatest(ts, e) {
  switch (e.type) {
    case 'counter': return [ts, e.rate, e.count, e.total];
    case 'gauge': return [ts, e.value];
    case 'set': return [ts, e.distinct];
    default: return [ts, e.count, e.sum, e.min, e.max, e.p50, e.p90, e.p99];
  }
}

function col(s, name) { return s.columns.indexOf(name); }

function valueText(s) {
  const last = s.points[s.points.length - 1];
  if (!last) return '\u2014';
  if (s.type === 'counter') return `${compact(last[col(s, 'rate')])}/s`;
  if (s.type === 'gauge') return compact(last[col(s, 'value')]);
  if (s.type === 'set') return `${formatCount(last[col(s, 'distinct')])} distinct`;
  const p50 = last[col(s, 'p50')], p99 = last[col(s, 'p99')];
  if (!isNum(p50)) return 'no samples';
  return `p50 ${compact(p50)}${unit(s.type)} \u00b7 p99 ${compact(p99)}${unit(s.type)}`;
}

function title(s) {
  const tags = Object.entries(s.tags || {}).map(([k, v]) => `${k}=${v}`).join(', ');
  return tags ? `${s.name} {${tags}}` : s.name;
}

function subtitle(s) {
  return { counter: 'counter \u00b7 per second', gauge: 'gauge', set: 'set \u00b7 distinct members' }[s.type]
    || `${s.type} \u00b7 p50 and p50\u2013p99 band${unit(s.type)}`;
}

/* ---- charts ------------------------------------------------------------ */

function tooltip(s) {
  return {
    trigger: 'axis', confine: true,
    backgroundColor: 'rgba(255,255,255,0.97)', borderColor: '#dde1e8',
    textStyle: { color: '#1d2333', fontSize: 12 },
    formatter(params) {
      const list = (Array.isArray(params) ? params : [params]).filter((p) => p.value[1] !== null);
      if (!list.length) return '';
      const ms = list[0].value[0];
      const when = view.minutes > 1440 ? formatDateTime(ms / 1000) : formatTime(ms / 1000);
      // The band series holds p99 - p50: show the real p99.
      const rows = list.map((p) => {
        const v = p.seriesName === 'p99' ? p.value[2] : p.value[1];
        return `<div>${p.marker}${p.seriesName} <b>${compact(v)}${unit(s.type)}</b></div>`;
      });
      return `<div class="tt-time">${when}</div>${rows.join('')}`;
    },
  };
}

function chartOption(s) {
  const base = {
    animation: false,
    grid: { left: 4, right: 10, top: 10, bottom: 2, containLabel: true },
    xAxis: {
      type: 'time', axisTick: { show: false }, splitLine: { show: false },
      axisLine: { lineStyle: { color: GRID_LINE } },
      axisLabel: { color: AXIS_TEXT, fontSize: 10, hideOverlap: true },
    },
    yAxis: {
      type: 'value', min: 0, splitNumber: 2,
      axisLabel: { color: AXIS_TEXT, fontSize: 10, formatter: compact },
      splitLine: { lineStyle: { color: GRID_LINE } },
    },
    tooltip: tooltip(s),
  };
  const line = (name, color, extra = {}) => ({
    name, type: 'line', showSymbol: false, connectNulls: false, emphasis: { disabled: true },
    lineStyle: { width: 1.5, color }, itemStyle: { color }, data: [], ...extra,
  });
  if (isSummary(s.type)) {
    base.series = [
      line('p50', COLORS.p50, { stack: 'band' }),
      line('p99', COLORS.band, { stack: 'band', lineStyle: { width: 0 }, areaStyle: { color: `${COLORS.band}33` } }),
    ];
  } else {
    base.series = [line(s.type === 'counter' ? 'rate' : s.type === 'set' ? 'distinct' : 'value', COLORS.line,
      { areaStyle: { color: `${COLORS.line}1f` } })];
  }
  return base;
}

function chartData(s) {
  if (isSummary(s.type)) {
    const c50 = col(s, 'p50'), c99 = col(s, 'p99');
    const p50 = withGaps(s.points.map((p) => [p[0], isNum(p[c50]) ? p[c50] : null]), view.gap);
    // Stacked on p50: the band's height is p99 - p50; the third value keeps p99 for the tooltip.
    const band = withGaps(s.points.map((p) => [p[0], isNum(p[c99]) && isNum(p[c50]) ? p[c99] - p[c50] : null]), view.gap)
      .map((pt, i, all) => [pt[0], pt[1], pt[1] === null ? null : (all[i][1] + (p50[i][1] || 0))]);
    return [{ data: p50 }, { data: band }];
  }
  const c = col(s, s.type === 'counter' ? 'rate' : s.type === 'set' ? 'distinct' : 'value');
  return [{ data: withGaps(s.points.map((p) => [p[0], isNum(p[c]) ? p[c] : null]), view.gap) }];
}

/* ---- DOM --------------------------------------------------------------- */

function pluginBlock(plugin) {
  let block = container().querySelector(`.app-plugin[data-plugin="${CSS.escape(plugin)}"]`);
  if (block) return block;
  block = document.createElement('div');
  block.className = 'app-plugin';
  block.dataset.plugin = plugin;
  const head = document.createElement('h3');
  head.className = 'app-plugin-name';
  head.textContent = plugin;
  const cards = document.createElement('div');
  cards.className = 'cards cards-3 app-cards';
  block.append(head, cards);
  container().append(block);
  return block;
}

function createCard(plugin, s) {
  const card = document.createElement('article');
  card.className = 'card metric app-series';
  card.dataset.key = s.key;
  card.dataset.type = s.type;
  card.innerHTML = '<div class="metric-head"><span class="metric-label"></span>'
    + '<span class="metric-value app-value"></span></div>'
    + '<div class="app-chart chart-small" role="img"></div><div class="metric-foot app-kind"></div>';
  card.querySelector('.metric-label').textContent = title(s);
  card.querySelector('.app-kind').textContent = subtitle(s);
  const chartEl = card.querySelector('.app-chart');
  chartEl.setAttribute('aria-label', `${title(s)} of ${plugin} over the selected range`);
  pluginBlock(plugin).querySelector('.app-cards').append(card);
  s.card = card;
  if (chartsAvailable()) {
    s.chart = window.echarts.init(chartEl, null, { renderer: 'canvas' });
    s.chart.setOption(chartOption(s));
    new ResizeObserver(() => s.chart.resize()).observe(chartEl);
  } else {
    chartEl.textContent = 'Charts unavailable';
  }
}

function render() {
  let any = false;
  for (const [plugin, series] of plugins) {
    for (const s of series.values()) {
      if (!s.card) createCard(plugin, s);
      s.card.querySelector('.app-value').textContent = valueText(s);
      if (s.chart) s.chart.setOption({ series: chartData(s) });
      any = true;
    }
  }
  section().hidden = !any;
}

function seriesOf(plugin, key, meta) {
  if (!plugins.has(plugin)) plugins.set(plugin, new Map());
  const map = plugins.get(plugin);
  let s = map.get(key);
  if (!s || s.type !== meta.type) {
    if (s && s.card) { s.chart && s.chart.dispose(); s.card.remove(); }
    s = { key, name: meta.name || key, type: meta.type, tags: meta.tags || {}, columns: meta.columns, points: [] };
    map.set(key, s);
  }
  return s;
}

const COLUMNS = {
  counter: ['timestamp', 'rate', 'count', 'total'],
  gauge: ['timestamp', 'value'],
  set: ['timestamp', 'distinct'],
};
const columnsOf = (type) => COLUMNS[type] || ['timestamp', 'count', 'sum', 'min', 'max', 'p50', 'p90', 'p99'];

/* ---- the section: history per range, live updates per snapshot ------- */

/**
 * Read the selected range: minutes, maxPoints, and gap (seconds between
 * points beyond which lines break). Failures leave the section as it was.
 */
async function loadHistory(minutes, maxPoints, gap) {
  const request = ++view.request;
  view = { ...view, minutes, gap };
  let body, resolution;
  try {
    const query = new URLSearchParams({ minutes: String(minutes), max_points: String(maxPoints) });
    const r = await fetch(`/api/metrics/app/history?${query}`, { cache: 'no-store' });
    if (!r.ok) return;
    body = await r.json();
    resolution = r.headers.get('X-Metrics-Resolution') || 'raw';
  } catch {
    return;
  }
  if (request !== view.request) return;
  view.resolution = resolution;
  for (const series of plugins.values()) for (const s of series.values()) s.points = [];
  for (const h of body.series || []) {
    if (h.process === 'server' && !body.process) continue; // the plugins' section
    const s = seriesOf(h.process, h.key, { name: h.name, type: h.type, tags: h.tags, columns: h.columns });
    s.points = h.points;
  }
  render();
}

/** Append a snapshot's "app" objects (live updates at raw resolution). */
function update(snapshot) {
  if (view.resolution !== 'raw') return;
  const oldest = snapshot.timestamp - view.minutes * 60;
  for (const child of snapshot.children || []) {
    for (const [key, e] of Object.entries(child.app || {})) {
      const s = seriesOf(child.name, key, { name: e.name || key, type: e.type, tags: e.tags, columns: columnsOf(e.type) });
      const last = s.points[s.points.length - 1];
      if (last && snapshot.timestamp <= last[0]) continue;
      s.points.push(rowFromLatest(snapshot.timestamp, e));
      while (s.points.length && s.points[0][0] < oldest) s.points.shift();
    }
  }
  render();
}

let shown = { view: undefined, latest: 0 };

registerSection({
  id: 'app',
  init() {},
  render(ctx) {
    const now = ctx.now;
    const interval = ctx.status ? ctx.status.interval : 2;
    // A new view (another range, a zoom) gets its history once; the live
    // view then grows by the snapshots below.
    if (ctx.view !== shown.view) {
      shown.view = ctx.view;
      const span = ctx.view ? ctx.view.end(now) - ctx.view.from : 300;
      loadHistory(span / 60, 1200, Math.max(interval, 10) * 2.5);
    }
    const snap = ctx.latest;
    if (snap && snap.timestamp > shown.latest && !ctx.stale) {
      shown.latest = snap.timestamp;
      update(snap);
    }
  },
});
