// app.js - the Metrics dashboard: state, polling, the time range and the
// controls. Data handling lives in store.js, charts in charts.js, DOM in
// views.js and the section modules (plugins.js, system.js; see sections.js),
// units in format.js, HTTP in api.js.
//
// How it stays live without re-reading anything:
//   - A range is loaded once: /api/metrics/history for [start, now] with
//     max_points = the chart width in pixels. A rolled-up answer (1-min or
//     1-h buckets) is read three times, agg=avg, min and max, and drawn as
//     the average with a min-max band.
//   - Each tick asks only for what is new: history?from=<newest timestamp
//     held>, which answers every sample since (none is dropped, however late
//     the poll). New samples are appended (raw views) or folded into the
//     newest buckets (rolled-up views).
//   - Ticks are scheduled on the collector's clock: just after the next
//     sample is due (newest timestamp + interval), with the margin adapted
//     to when samples really appear. /api/metrics/status is read every 10 s
//     (every 3 s while the collector is off, every 2 s while offline).
//   - Nothing is shown as current when it is not: with the server not
//     answering or the collector off, the numbers are greyed with "last
//     seen HH:MM:SS", plugins read "unknown", the x axis keeps running to now
//     and the missing time is shaded and labelled ("server down", "collector
//     off"). Changing the range while offline keeps the data already here.
//
// Stable hooks for tests (ids unless noted):
//   #live-status[data-state]   connecting | live | starting | disabled | offline | paused
//   #banner[data-kind]         hidden, or "disabled" / "offline"; #banner-action enables
//   body[data-stale]           "" | "offline" | "disabled"; body[data-ready="true"] once started
//   #toggle-enabled, #interval-slider (index into views.INTERVAL_STOPS), #interval-value
//   #access[data-state]        "readonly" | "token" when the server has an api_token
//   #range-select [data-range="5m|1h|24h|7d"][aria-checked]; #zoom-reset; #pause[aria-pressed]
//   #source-badge[data-source="memory|disk|loading|error|kept"][data-resolution="raw|60|3600"]
//   #chart-cpu #chart-rss #chart-threads #chart-disk-io #chart-network (ECharts instances)
//   #foot-cpu ...               "last 1 h: min … · max …" (true extremes)
//   window.hiroDashboard        {state} for the browser test: state.ticks (samples received),
//                              state.gaps (labelled gaps of the view)

import * as api from './api.js';
import { connectGroup, createChart } from './charts.js';
import {
  formatBytes, formatCount, formatDateTime, formatDuration, formatInterval, formatPercent, formatRate, formatTime, isNum,
} from './format.js';
import { renderSections, sections, startSections } from './sections.js';
import { ViewData, extremesOf, seriesOf } from './store.js';
import * as views from './views.js';
import './plugins.js';
import './system.js';

const RANGES = {
  '5m': { span: 300, label: '5 min' },
  '1h': { span: 3600, label: '1 h' },
  '24h': { span: 86400, label: '24 h' },
  '7d': { span: 604800, label: '7 d' },
};
const GROUP = 'hiro';
const STATUS_EVERY_MS = 10_000;
const DISABLED_POLL_MS = 3000;
const OFFLINE_RETRY_MS = 2000;
const DELTA_LIMIT_S = 600; // beyond this, reload the range instead of asking for every sample
const RECENT_KEEP_S = 900; // raw samples kept for a new or offline range

const PALETTE = {
  cpu: '--c-cpu', rss: '--c-rss', threads: '--c-threads', read: '--c-read', write: '--c-write',
  sent: '--c-sent', recv: '--c-recv', 'sys-cpu': '--c-sys-cpu', 'sys-mem': '--c-sys-mem',
};

const state = {
  status: null,
  connection: 'connecting',
  offlineSince: null,
  range: '5m',
  zoom: null, // {from, to} when a range was dragged
  view: null,
  source: 'loading',
  loadGen: 0,
  latest: null,
  lastSeen: null,
  recent: [], // raw samples of the last RECENT_KEEP_S
  events: [],
  eventsUntil: 0,
  paused: false,
  tokenRejected: false,
  sliderHeld: false,
  configuresPending: 0,
  configureGen: 0,
  margin: 0.25, // seconds after a sample is due before asking for it (adapted)
  offset: null, // local clock minus the samples' clock, estimated
  statusAt: 0,
  ticks: 0,
};

const charts = {};
const allCharts = new Set();
let context = null;

/* ---- the time range ------------------------------------------------------ */

function rangeFromUrl() {
  const q = new URLSearchParams(location.search);
  const from = Number(q.get('from'));
  const to = Number(q.get('to'));
  if (from > 0 && to > from) state.zoom = { from, to };
  if (RANGES[q.get('range')]) state.range = q.get('range');
}

function rangeToUrl() {
  const q = new URLSearchParams(location.search);
  q.delete('from');
  q.delete('to');
  q.delete('range');
  if (state.zoom) {
    q.set('from', state.zoom.from.toFixed(0));
    q.set('to', state.zoom.to.toFixed(0));
  } else if (state.range !== '5m') {
    q.set('range', state.range);
  }
  const search = q.toString();
  history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}`);
}

function rangeLabel() {
  if (state.zoom) return `${formatDuration(state.zoom.to - state.zoom.from)} selected`;
  return `last ${RANGES[state.range].label}`;
}

/** Points per answer: about one per pixel of the widest chart. */
function maxPoints() {
  let width = 0;
  for (const node of document.querySelectorAll('.chart-box')) width = Math.max(width, node.clientWidth);
  return Math.max(300, Math.min(2000, Math.round(width || 600)));
}

const nowSec = () => Date.now() / 1000;

/** Load the chosen range once; later ticks only add to it. */
async function loadView() {
  const gen = ++state.loadGen;
  const now = nowSec();
  const from = state.zoom ? state.zoom.from : now - RANGES[state.range].span;
  const to = state.zoom ? state.zoom.to : null;
  state.source = state.view ? state.source : 'loading';
  // Offline: show what is here for the new range at once, then try.
  if (state.connection === 'offline') {
    keepView(from, to);
    render();
  }
  renderRange();
  try {
    const mp = maxPoints();
    const cut = to === null ? now : to;
    const avg = await api.fetchHistory({ from, to: cut, maxPoints: mp });
    let min = null;
    let max = null;
    if (avg.resolution) {
      [min, max] = await Promise.all(['min', 'max'].map((agg) => api.fetchHistory({ from, to: cut, maxPoints: mp, agg })));
    }
    if (gen !== state.loadGen) return;
    const view = new ViewData({ from, to, res: avg.resolution });
    view.step = avg.step;
    view.load(avg.points, min && min.points, max && max.points, cut, state.status ? state.status.interval : 1);
    view.addTicks(state.recent);
    state.view = view;
    state.source = avg.source;
    await loadEvents(from, to, true);
  } catch (err) {
    if (gen !== state.loadGen) return;
    if (!err.offline) views.showToast(`Could not read history: ${err.message}`);
    keepView(from, to);
    if (err.offline) setConnection('offline');
  }
  render();
}

/**
 * The range changed but could not be read: keep what is here, re-ranged
 * (raw samples of the last minutes, or the previous view's buckets).
 */
function keepView(from, to) {
  const old = state.view;
  let view;
  if (old && old.res && (to !== null || from < nowSec() - RECENT_KEEP_S)) {
    view = old;
    view.from = from;
    view.to = to;
    view.span = (to === null ? nowSec() : to) - from;
    view.cache = null;
  } else {
    view = new ViewData({ from, to, res: 0 });
    if (old && !old.res) view.addTicks(old.raw);
    view.addTicks(state.recent);
  }
  state.view = view;
  state.source = old || state.recent.length ? 'kept' : 'error';
}

async function loadEvents(from, to, replace) {
  const events = await api.fetchEvents({ from, to: to === null ? undefined : to });
  if (!events) return;
  const mapped = events.map((e) => ({ ...e, t: e.timestamp, text: eventText(e) }));
  if (replace) state.events = mapped;
  else {
    const seen = new Set(state.events.map((e) => `${e.timestamp}/${e.kind}/${e.process}`));
    for (const e of mapped) if (!seen.has(`${e.timestamp}/${e.kind}/${e.process}`)) state.events.push(e);
  }
  if (mapped.length) state.eventsUntil = Math.max(state.eventsUntil, mapped[mapped.length - 1].timestamp);
  else state.eventsUntil = Math.max(state.eventsUntil, (to === null ? nowSec() : to) - 5);
}

function eventText(e) {
  const who = e.process && e.process !== 'server' ? `${e.process}: ` : '';
  const what = (e.kind || 'event').replace(/_/g, ' ');
  let extra = '';
  if (isNum(e.exit_code)) extra = ` (code ${e.exit_code})`;
  else if (isNum(e.signal)) extra = ` (signal ${e.signal})`;
  else if (e.detail) extra = ` (${e.detail})`;
  return `${formatTime(e.timestamp)} ${who}${what}${extra}`;
}

/* ---- polling ------------------------------------------------------------- */

let timer = null;
let clock = null;
let polling = false;
let pollAgain = false;

function schedule(ms) {
  clearTimeout(timer);
  if (!state.paused) timer = setTimeout(poll, Math.max(0, ms));
}

/** Poll now (e.g. after a control changed); coalesces with a poll in flight. */
function pollSoon() {
  if (polling) pollAgain = true;
  else schedule(0);
}

async function poll() {
  if (state.paused) return;
  polling = true;
  let delay = OFFLINE_RETRY_MS;
  try {
    const wasDown = state.connection === 'offline' || state.connection === 'connecting';
    const statusEvery = state.connection === 'live' ? STATUS_EVERY_MS : DISABLED_POLL_MS;
    if (wasDown || !state.status || Date.now() - state.statusAt >= statusEvery) await refreshStatus();
    if (wasDown) {
      if (state.connection === 'offline') state.connection = 'reconnecting';
      await loadView();
    }
    if (state.status.enabled) delay = await pollSamples();
    else {
      setConnection('disabled');
      delay = DISABLED_POLL_MS;
    }
  } catch (err) {
    if (err.offline) setConnection('offline');
    else views.showToast(`Server answered with an error: ${err.message}`);
  } finally {
    polling = false;
    if (pollAgain) {
      pollAgain = false;
      delay = 0;
    }
    schedule(delay);
    render();
  }
}

async function refreshStatus() {
  const gen = state.configureGen;
  const status = await api.fetchStatus();
  state.statusAt = Date.now();
  // A configure sent or answered meanwhile carries the newer status.
  if (gen === state.configureGen && state.configuresPending === 0) applyStatus(status);
  if (state.view && state.eventsUntil) await loadEvents(state.eventsUntil, null, false).catch(() => {});
}

/** Ask for every sample after the newest one held; answers the next delay (ms). */
async function pollSamples() {
  const now = nowSec();
  const interval = state.status.interval;
  if (!state.lastSeen || now - state.lastSeen > DELTA_LIMIT_S) {
    if (state.lastSeen) await loadView();
    state.lastSeen = Math.max(state.lastSeen || 0, now - Math.max(3 * interval, 10));
  }
  const answer = await api.fetchHistory({ from: state.lastSeen + 0.0005, maxPoints: 100000 });
  const fresh = answer.points.filter((s) => isNum(s.timestamp) && s.timestamp > (state.lastSeen || 0));
  if (answer.resolution) {
    // Too much for one answer (a long pause): reload the range instead.
    state.lastSeen = nowSec();
    await loadView();
    return 0;
  }
  const arrival = nowSec();
  if (!fresh.length) {
    if (!state.latest) setConnection('starting');
    state.margin = Math.min(state.margin + 0.1, 2);
    return Math.min(250 + state.margin * 500, interval * 1000);
  }
  state.ticks += fresh.length;
  state.latest = fresh[fresh.length - 1];
  state.lastSeen = state.latest.timestamp;
  state.recent.push(...fresh);
  while (state.recent.length && state.recent[0].timestamp < state.lastSeen - RECENT_KEEP_S) state.recent.shift();
  if (state.view) state.view.addTicks(fresh);
  const lag = arrival - state.latest.timestamp;
  state.offset = state.offset === null ? lag : Math.min(state.offset + 0.02, lag);
  state.margin = Math.max(0.05, state.margin - 0.02);
  setConnection('live');
  const due = (state.latest.timestamp + interval + state.offset + state.margin) - nowSec();
  return Math.max(50, Math.min(due * 1000, interval * 1000 + 1000));
}

function setConnection(next) {
  if (next === 'offline' && state.connection !== 'offline') state.offlineSince = nowSec();
  state.connection = next;
  // While nothing arrives, a clock keeps the x axis running to now.
  const idle = next === 'offline' || next === 'disabled';
  if (idle && !clock) clock = setInterval(() => { if (!state.paused) render(); }, 1000);
  if (!idle && clock) {
    clearInterval(clock);
    clock = null;
  }
}

function applyStatus(status) {
  state.status = status;
  document.body.dataset.ready = 'true';
}

/* ---- drawing ------------------------------------------------------------- */

/** Why nobody measures right now, or null. */
function staleReason() {
  if (state.connection === 'offline') return 'offline';
  if (state.status && !state.status.enabled) return 'disabled';
  return null;
}

/** Label each gap from the events (or the server's start) and the state now. */
function labelGaps(gaps, now) {
  const step = state.view && state.view.res ? state.view.res : Math.max(state.status ? state.status.interval : 1, 1);
  const serverStart = state.status && isNum(state.status.uptime_seconds) ? state.statusAt / 1000 - state.status.uptime_seconds : null;
  return gaps.map((g) => {
    const near = (e) => e.t >= g.a - 5 && e.t <= g.b + 3 * step + 5;
    let label = 'no data';
    if (g.edge === 'all') label = state.source === 'kept' ? 'no data loaded (offline)' : 'no data in this range';
    else if (g.edge === 'start') label = 'no data recorded';
    else if (state.events.some((e) => near(e) && /^server_(started|crash)/.test(e.kind))) label = 'server down';
    else if (state.events.some((e) => near(e) && e.kind === 'collector_disabled')) label = 'collector off';
    else if (g.edge === 'end' && state.connection === 'offline') label = 'server down';
    else if (g.edge === 'end' && staleReason() === 'disabled') label = 'collector off';
    else if (serverStart && Math.abs(g.b - serverStart) < Math.max(15, 3 * step)) label = 'server down';
    return { ...g, label, b: g.edge === 'end' ? Math.max(g.b, now) : g.b };
  });
}

function makeContext(now) {
  const view = state.view;
  const gaps = view ? labelGaps(view.gaps(now, state.status ? state.status.interval : 1), now) : [];
  const ctx = {
    now,
    latest: state.latest || (view && view.newest()),
    lastSeen: state.lastSeen,
    stale: staleReason(),
    status: state.status,
    events: state.events,
    view,
    gaps,
    palette: PALETTE,
    series: (get) => (view ? seriesOf(view, now, get) : { line: [], lo: null, hi: null }),
    extremes: (get) => (view ? extremesOf(view, now, get) : null),
    chartData: (series, { events } = {}) => ({
      from: view ? view.from : now - 300,
      to: view ? view.end(now) : now,
      res: view ? view.res : 0,
      series,
      gaps,
      events: events || state.events,
    }),
    chart: makeChart,
    current: () => context,
  };
  return ctx;
}

function makeChart(el, opts) {
  const chart = createChart(el, {
    group: GROUP,
    onZoom: zoomTo,
    ...opts,
  });
  allCharts.add(chart);
  const dispose = chart.dispose;
  chart.dispose = () => {
    allCharts.delete(chart);
    dispose();
  };
  return chart;
}

function createCharts() {
  const spark = (id, color, format, zeroBased) => makeChart(document.getElementById(id), { kind: 'spark', series: [{ name: id.slice(6), color }], format, zeroBased });
  charts.cpu = spark('chart-cpu', PALETTE.cpu, formatPercent, true);
  charts.rss = spark('chart-rss', PALETTE.rss, formatBytes, false);
  charts.threads = spark('chart-threads', PALETTE.threads, formatCount, false);
  charts.disk = makeChart(document.getElementById('chart-disk-io'), {
    kind: 'time', series: [{ name: 'read', color: PALETTE.read }, { name: 'write', color: PALETTE.write }],
    format: formatRate, axisFormat: compactRate, binary: true,
  });
  charts.net = makeChart(document.getElementById('chart-network'), {
    kind: 'time', series: [{ name: 'sent', color: PALETTE.sent }, { name: 'received', color: PALETTE.recv }],
    format: formatRate, axisFormat: compactRate, binary: true,
  });
  connectGroup(GROUP);
}

/** Axis labels: "2.50 KiB/s" -> "2.5 KiB/s", "512.0 B/s" -> "512 B/s". */
function compactRate(v) {
  return v === 0 ? '0' : formatRate(v).replace(/(\.\d*[1-9])0+ |\.0+ /, '$1 ');
}

const FIGURES = {
  cpu: (s) => s.process.cpu_percent,
  rss: (s) => s.process.rss_bytes,
  threads: (s) => s.process.num_threads,
  read: (s) => s.disk.read_bytes_per_sec,
  write: (s) => s.disk.write_bytes_per_sec,
  sent: (s) => s.network.bytes_sent_per_sec,
  recv: (s) => s.network.bytes_recv_per_sec,
};

function render() {
  if (state.paused) return;
  const t0 = performance.now();
  const now = nowSec();
  if (state.view) state.view.slide(now);
  const ctx = makeContext(now);
  context = ctx;
  state.gaps = ctx.gaps;
  document.body.dataset.stale = ctx.stale || '';
  renderConnection();
  renderControls();
  renderRange();
  if (state.view) {
    const label = rangeLabel();
    for (const key of ['cpu', 'rss', 'threads']) {
      charts[key].update(ctx.chartData([ctx.series(FIGURES[key])]));
      views.renderSparkFoot(`foot-${key}`, ctx.extremes(FIGURES[key]), { cpu: formatPercent, rss: formatBytes, threads: formatCount }[key], label);
    }
    charts.disk.update(ctx.chartData([ctx.series(FIGURES.read), ctx.series(FIGURES.write)]));
    charts.net.update(ctx.chartData([ctx.series(FIGURES.sent), ctx.series(FIGURES.recv)]));
  }
  renderEmpty();
  const snap = ctx.latest;
  if (snap) {
    views.renderProcess(snap.process, state.status, ctx.stale, ctx.lastSeen);
    views.renderDisk(snap.disk);
    views.renderNetwork(snap.network);
  }
  const seen = ctx.stale && isNum(ctx.lastSeen) ? `last seen ${formatTime(ctx.lastSeen)}` : '';
  views.setText('io-meta', seen);
  const t1 = performance.now();
  renderSections(ctx);
  state.renderMs = [Math.round(t1 - t0), Math.round(performance.now() - t1)];
}

function renderEmpty() {
  const n = state.view ? state.view.points(nowSec()).length : 0;
  let text = '';
  if (!state.view) text = state.source === 'error' ? 'History unavailable' : 'Loading…';
  else if (n === 0) text = staleReason() === 'disabled' ? 'No samples in this range · the collector is off' : 'No samples in this range';
  for (const node of document.querySelectorAll('#process-section .chart-box, #io-section .chart-box')) views.setChartEmpty(node, text);
}

function renderConnection() {
  const c = state.connection;
  views.renderLiveStatus(c, state.status, state.lastSeen, state.paused);
  if (c === 'offline') {
    views.renderBanner('offline', `The server stopped answering at ${formatTime(state.offlineSince)}. Numbers are greyed and show the last data received; retrying every ${OFFLINE_RETRY_MS / 1000} s.`, false);
  } else if (c === 'disabled') {
    views.renderBanner('disabled', 'The metrics collector is disabled: nothing new is being sampled, the numbers shown are the last ones. Recorded history stays readable below.', canConfigure());
  } else {
    views.renderBanner(null);
  }
}

function needsToken() {
  return Boolean(state.status && state.status.configure_requires_token);
}

function canConfigure() {
  return state.connection !== 'offline' && Boolean(state.status) && (!needsToken() || Boolean(api.getToken()));
}

function renderControls() {
  const status = state.connection === 'offline' && !state.status ? null : state.status;
  views.renderControls(status, { sliderHeld: state.sliderHeld, stale: staleReason() });
  views.setControlsEnabled(canConfigure());
  views.renderAccess(needsToken(), Boolean(api.getToken()), state.tokenRejected);
  if (state.status) views.renderRecorder(state.status);
}

function renderRange() {
  const v = state.view;
  let coverage = '';
  if (v) {
    const pts = v.points(nowSec());
    coverage = pts.length ? `Data from ${formatDateTime(pts[0].start)} to ${formatDateTime(pts[pts.length - 1].t)}` : 'No samples in this range';
  }
  views.renderRange({
    range: state.zoom ? null : state.range,
    zoom: state.zoom,
    source: state.source,
    resolution: v ? v.res : '',
    coverage,
  });
}

/* ---- controls ------------------------------------------------------------ */

/**
 * POST a change. Requests go out one after another, in the order the user
 * made them, and the controls stay usable meanwhile. On failure the controls
 * snap back to the last status the server reported; a refused token is
 * forgotten and the page says it is read-only.
 */
let configureChain = Promise.resolve();

function sendConfigure(changes) {
  state.configureGen++;
  state.configuresPending++;
  configureChain = configureChain.then(() => applyConfigure(changes));
  return configureChain;
}

async function applyConfigure(changes) {
  try {
    const status = await api.configure(changes);
    state.configuresPending--;
    if (state.configuresPending === 0) state.sliderHeld = false;
    applyStatus(status);
    state.statusAt = Date.now();
    if (!status.enabled) setConnection('disabled');
    else if (state.connection === 'disabled') setConnection('starting');
  } catch (err) {
    state.configuresPending--;
    if (state.configuresPending === 0) state.sliderHeld = false;
    if (err.status === 401) {
      api.setToken('');
      state.tokenRejected = true;
      views.showToast('The server needs a valid API token to change the collector.');
    } else {
      views.showToast(`Could not change the collector: ${err.message}`);
    }
  }
  render();
  pollSoon();
}

function bindControls() {
  const toggle = document.getElementById('toggle-enabled');
  toggle.addEventListener('change', () => sendConfigure({ enabled: toggle.checked }));
  document.getElementById('banner-action').addEventListener('click', () => sendConfigure({ enabled: true }));

  const slider = document.getElementById('interval-slider');
  const output = document.getElementById('interval-value');
  const chosen = () => views.INTERVAL_STOPS[Number(slider.value)];
  slider.addEventListener('input', () => {
    state.sliderHeld = true;
    output.textContent = formatInterval(chosen());
    slider.setAttribute('aria-valuetext', formatInterval(chosen()));
  });
  slider.addEventListener('change', () => sendConfigure({ interval: chosen() }));

  for (const button of document.querySelectorAll('#range-select button')) {
    button.addEventListener('click', () => selectRange(button.dataset.range));
  }
  document.getElementById('range-select').addEventListener('keydown', onRangeKey);
  document.getElementById('zoom-reset').addEventListener('click', () => {
    state.zoom = null;
    rangeToUrl();
    loadView();
  });
  document.getElementById('pause').addEventListener('click', togglePause);

  for (const legend of document.querySelectorAll('.legend')) {
    legend.addEventListener('click', (event) => {
      const button = event.target.closest('.legend-item');
      if (!button) return;
      const on = button.getAttribute('aria-pressed') !== 'true';
      button.setAttribute('aria-pressed', String(on));
      charts[legend.dataset.chart].setHidden(Number(button.dataset.series), !on);
    });
  }

  const form = document.getElementById('token-form');
  document.getElementById('token-open').addEventListener('click', () => {
    form.hidden = false;
    document.getElementById('token-input').focus();
    render();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const input = document.getElementById('token-input');
    api.setToken(input.value.trim());
    input.value = '';
    form.hidden = true;
    state.tokenRejected = false;
    render();
  });
  document.getElementById('token-forget').addEventListener('click', () => {
    api.setToken('');
    render();
  });

  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    for (const c of allCharts) c.recreate();
    connectGroup(GROUP);
    render();
  });
}

function selectRange(range) {
  if (!RANGES[range] || (range === state.range && !state.zoom)) return;
  state.range = range;
  state.zoom = null;
  rangeToUrl();
  loadView();
}

function zoomTo(from, to) {
  state.zoom = { from, to: Math.min(to, nowSec()) };
  rangeToUrl();
  loadView();
}

function togglePause() {
  state.paused = !state.paused;
  const button = document.getElementById('pause');
  button.setAttribute('aria-pressed', String(state.paused));
  button.textContent = state.paused ? 'Resume' : 'Pause';
  views.renderLiveStatus(state.connection, state.status, state.lastSeen, state.paused);
  if (state.paused) clearTimeout(timer);
  else pollSoon();
}

/** Arrow keys move between the range buttons, as in any radio group. */
function onRangeKey(event) {
  const keys = Object.keys(RANGES);
  const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
  if (!step) return;
  event.preventDefault();
  const next = keys[(keys.indexOf(state.range) + step + keys.length) % keys.length];
  selectRange(next);
  document.querySelector(`#range-select [data-range="${next}"]`).focus();
}

/* ---- start --------------------------------------------------------------- */

function start() {
  rangeFromUrl();
  views.renderFooter();
  createCharts();
  bindControls();
  context = makeContext(nowSec());
  startSections(context);
  window.hiroDashboard = { state, sections, charts: allCharts };
  render();
  poll();
}

start();
