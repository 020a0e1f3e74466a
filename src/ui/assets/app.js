// app.js - the Metrics dashboard: state, polling and the controls. Rendering
// lives in views.js, charts in charts.js, units in format.js, HTTP in api.js.
//
// How it stays live: one timer polls /api/metrics/status and /api/metrics at
// the collector's interval. Each new snapshot is appended to the charts while
// the charted history is at raw resolution (so always in the 5-minute view);
// longer ranges also re-read /api/metrics/history now and then (every 30 s
// for 1 h, 1 min for 24 h, 5 min for 7 d), so rolled-up views never mix in
// raw points. With the collector off, history is re-read every 15 s so the
// window keeps sliding. A failed poll shows the offline banner and retries
// every 2 s; the first answer clears it and reloads the history.
//
// Stable hooks for tests (ids unless noted):
//   #live-status[data-state]   connecting | live | starting | disabled | offline
//   #banner[data-kind]         hidden, or "disabled" / "offline"; #banner-action enables
//   #toggle-enabled            checkbox: collector on/off (POST configure at once)
//   #interval-slider           range 1..10 s (POST configure on change); #interval-value
//   #range-select              radio group; buttons [data-range="5m|1h|24h|7d"][aria-checked]
//   #source-badge              text "memory · raw" / "disk · 1-min avg";
//                              [data-source="memory|disk|loading|error"][data-resolution="raw|60|3600"]
//   #recorder-line             ring fill and on-disk store summary
//   #chart-cpu #chart-rss #chart-threads     server sparklines (ECharts instances)
//   #value-cpu #value-rss #value-threads     current values with units
//   #plugins-table             rows tr[data-plugin][data-pid][data-alive]; dead rows .is-dead
//                              with .status-dead "exited"; tfoot tr.totals-row
//   #disk-usage-bar[aria-valuenow]  #chart-disk-io  #chart-network
//   #system-section            <details>, closed at load; #chart-sys-cpu #chart-sys-mem
//   document.body[data-ready="true"] once the first status has been applied

import * as api from './api.js';
import { createSparkline, createTimeChart, PALETTE } from './charts.js';
import { formatBytes, formatCount, formatDuration, formatPercent, formatRate, isNum } from './format.js';
import * as views from './views.js';

const RANGES = {
  '5m': { minutes: 5, maxPoints: 600, refreshSec: 0, label: '5 min' },
  '1h': { minutes: 60, maxPoints: 1800, refreshSec: 30, label: '1 h' },
  '24h': { minutes: 1440, maxPoints: 1440, refreshSec: 60, label: '24 h' },
  '7d': { minutes: 10080, maxPoints: 1200, refreshSec: 300, label: '7 d' },
};
const OFFLINE_RETRY_MS = 2000;
const IDLE_POLL_MS = 2000; // while disabled
const STARTING_POLL_MS = 400; // the first snapshot comes within 1 s of enabling

const state = {
  status: null,
  latest: null,
  connection: 'connecting',
  offlineSince: null,
  range: '5m',
  history: [],
  source: 'loading',
  resolution: '',
  historyFetchedAt: 0,
  historyRequest: 0,
  sliderHeld: false,
  configuresPending: 0,
  configureGen: 0, // bumped by every configure; a poll that straddles one is stale
};

const charts = {};

/* ---- charts ------------------------------------------------------------ */

function createCharts() {
  charts.cpu = createSparkline(document.getElementById('chart-cpu'), { name: 'CPU', color: PALETTE.cpu, format: formatPercent, zeroBased: true });
  charts.rss = createSparkline(document.getElementById('chart-rss'), { name: 'RSS', color: PALETTE.rss, format: formatBytes });
  charts.threads = createSparkline(document.getElementById('chart-threads'), { name: 'Threads', color: PALETTE.threads, format: formatCount });
  charts.disk = createTimeChart(document.getElementById('chart-disk-io'), {
    series: [{ name: 'read', color: PALETTE.read }, { name: 'write', color: PALETTE.write }],
    format: formatRate, axisFormat: compactRate, binary: true,
  });
  charts.net = createTimeChart(document.getElementById('chart-network'), {
    series: [{ name: 'sent', color: PALETTE.sent }, { name: 'received', color: PALETTE.recv }],
    format: formatRate, axisFormat: compactRate, binary: true,
  });
}

/** System charts are made on first open: a closed <details> has no size. */
function createSystemCharts() {
  if (charts.sysCpu) return;
  charts.sysCpu = createTimeChart(document.getElementById('chart-sys-cpu'), {
    series: [{ name: 'CPU', color: PALETTE.sysCpu }], format: formatPercent, axisFormat: (v) => `${v} %`, yMax: 100, yInterval: 25,
  });
  charts.sysMem = createTimeChart(document.getElementById('chart-sys-mem'), {
    series: [{ name: 'memory', color: PALETTE.sysMem }], format: formatPercent, axisFormat: (v) => `${v} %`,
  });
}

/** Axis labels: "2.50 KiB/s" -> "2.5 KiB/s", "512.0 B/s" -> "512 B/s". */
function compactRate(v) {
  return v === 0 ? '0' : formatRate(v).replace(/(\.\d*[1-9])0+ |\.0+ /, '$1 ');
}

const pick = (snaps, get) => snaps.map((s) => [s.timestamp, valueOrNull(() => get(s))]);

function valueOrNull(get) {
  try {
    const v = get();
    return isNum(v) ? v : null;
  } catch {
    return null; // a section (process, disk, network) was null in that snapshot
  }
}

/** Seconds between points beyond which the line breaks (collector off, server down). */
function gapThreshold() {
  if (state.resolution === '3600') return 3600 * 2.5;
  if (state.resolution === '60') return 60 * 2.5;
  const interval = state.status ? state.status.interval : 2;
  return Math.max(interval, 10) * 2.5;
}

function renderCharts() {
  const snaps = state.history;
  const gap = gapThreshold();
  const longRange = RANGES[state.range].minutes > 60 * 24;
  const spanLabel = coverageLabel();
  charts.cpu.setData(pick(snaps, (s) => s.process.cpu_percent), gap, longRange);
  charts.rss.setData(pick(snaps, (s) => s.process.rss_bytes), gap, longRange);
  charts.threads.setData(pick(snaps, (s) => s.process.num_threads), gap, longRange);
  charts.disk.setData([pick(snaps, (s) => s.disk.read_bytes_per_sec), pick(snaps, (s) => s.disk.write_bytes_per_sec)], gap, longRange);
  charts.net.setData([pick(snaps, (s) => s.network.bytes_sent_per_sec), pick(snaps, (s) => s.network.bytes_recv_per_sec)], gap, longRange);
  if (charts.sysCpu) {
    charts.sysCpu.setData([pick(snaps, (s) => s.cpu.percent)], gap, longRange);
    charts.sysMem.setData([pick(snaps, (s) => s.memory.percent)], gap, longRange);
  }
  views.renderSparkFoot('foot-cpu', snaps.map((s) => valueOrNull(() => s.process.cpu_percent)), formatPercent, spanLabel);
  views.renderSparkFoot('foot-rss', snaps.map((s) => valueOrNull(() => s.process.rss_bytes)), formatBytes, spanLabel);
  views.renderSparkFoot('foot-threads', snaps.map((s) => valueOrNull(() => s.process.num_threads)), formatCount, spanLabel);
  renderEmptyOverlays(snaps.length);
}

function renderEmptyOverlays(count) {
  let text = '';
  if (count < 2) {
    text = state.status && !state.status.enabled ? 'No samples in this range · the collector is off' : 'Collecting samples…';
  }
  for (const id of ['chart-cpu', 'chart-rss', 'chart-threads', 'chart-disk-io', 'chart-network', 'chart-sys-cpu', 'chart-sys-mem']) {
    views.setChartEmpty(id, text);
  }
}

/** "last 5 min", or "2 min of 24 h" when the data covers less than the range. */
function coverageLabel() {
  const range = RANGES[state.range];
  const snaps = state.history;
  if (snaps.length < 2) return `last ${range.label}`;
  const span = snaps[snaps.length - 1].timestamp - snaps[0].timestamp;
  return span < range.minutes * 60 * 0.9 ? `${formatDuration(span)} of ${range.label}` : `last ${range.label}`;
}

/* ---- history ----------------------------------------------------------- */

/** Read the selected range from the server; stale answers are ignored. */
async function loadHistory() {
  const range = RANGES[state.range];
  const request = ++state.historyRequest;
  state.historyFetchedAt = Date.now();
  try {
    const result = await api.fetchHistory(range.minutes, range.maxPoints);
    if (request !== state.historyRequest) return;
    state.history = result.points;
    state.source = result.source;
    state.resolution = result.resolution;
  } catch (err) {
    if (request !== state.historyRequest) return;
    state.source = 'error';
    if (err.offline) throw err;
    views.showToast(`Could not read history: ${err.message}`);
  }
  renderRangeBadge();
  renderCharts();
  // With the collector off there is no latest snapshot: show the last one recorded.
  if (!state.latest && state.history.length) renderSnapshot(state.history[state.history.length - 1]);
}

function renderRangeBadge() {
  const snaps = state.history;
  const covered = snaps.length > 1 ? `Charts cover ${coverageLabel()}` : 'No samples in this range yet';
  views.renderRange(state.range, state.source, state.resolution, covered);
}

/** Add a fresh snapshot to the charted history when the view is raw. */
function appendSnapshot(snap) {
  if (state.resolution !== 'raw' || state.source === 'error') return;
  const last = state.history[state.history.length - 1];
  if (last && snap.timestamp <= last.timestamp) return;
  state.history.push(snap);
  const oldest = snap.timestamp - RANGES[state.range].minutes * 60;
  while (state.history.length && state.history[0].timestamp < oldest) state.history.shift();
  renderRangeBadge();
  renderCharts();
}

/** Whether to re-read history: long ranges now and then, and every range while
 * the collector is off (nothing is appended then, yet the window slides). */
function historyDue() {
  const idle = state.status && !state.status.enabled;
  const every = idle ? 15 : RANGES[state.range].refreshSec;
  return every > 0 && Date.now() - state.historyFetchedAt >= every * 1000;
}

/* ---- polling ----------------------------------------------------------- */

let timer = null;
let polling = false;
let pollAgain = false;

function schedulePoll(delayMs) {
  clearTimeout(timer);
  timer = setTimeout(poll, delayMs);
}

/** Poll now (e.g. after a control changed); coalesces with a poll in flight. */
function pollSoon() {
  if (polling) pollAgain = true;
  else schedulePoll(0);
}

async function poll() {
  polling = true;
  let delay = OFFLINE_RETRY_MS;
  try {
    const gen = state.configureGen;
    let status = await api.fetchStatus();
    const wasOffline = state.connection === 'offline' || state.connection === 'connecting';
    // A configure sent or answered meanwhile carries the newer status.
    if (gen === state.configureGen && state.configuresPending === 0) applyStatus(status);
    else status = state.status;
    if (status.enabled) await pollLatest();
    else setConnection('disabled');
    if (wasOffline || historyDue()) await loadHistory();
    delay = { live: status.interval * 1000, starting: STARTING_POLL_MS }[state.connection] || IDLE_POLL_MS;
  } catch (err) {
    if (err.offline) setConnection('offline');
    else views.showToast(`Server answered with an error: ${err.message}`);
  } finally {
    polling = false;
    if (pollAgain) {
      pollAgain = false;
      delay = 0;
    }
    schedulePoll(delay);
  }
}

async function pollLatest() {
  try {
    const snap = await api.fetchLatest();
    state.latest = snap;
    setConnection('live');
    renderSnapshot(snap);
    appendSnapshot(snap);
  } catch (err) {
    if (err.status !== 503) throw err;
    setConnection(state.status.enabled ? 'starting' : 'disabled');
  }
}

function setConnection(next) {
  if (next === 'offline' && state.connection !== 'offline') state.offlineSince = Date.now();
  state.connection = next;
  renderConnection();
}

function renderConnection() {
  const c = state.connection;
  views.renderLiveStatus(c, state.status, state.latest && state.latest.timestamp);
  if (c === 'offline') {
    const since = new Date(state.offlineSince).toLocaleTimeString();
    views.renderBanner('offline', `The server stopped answering at ${since}. Showing the last data received; retrying every ${OFFLINE_RETRY_MS / 1000} s.`, false);
    views.setControlsEnabled(false);
  } else if (c === 'disabled') {
    views.renderBanner('disabled', 'The metrics collector is disabled: nothing new is being sampled. Recorded history stays readable below.', true);
  } else {
    views.renderBanner(null);
  }
}

function applyStatus(status) {
  state.status = status;
  views.renderControls(status, { sliderHeld: state.sliderHeld });
  views.setControlsEnabled(true);
  views.renderRecorder(status);
  document.body.dataset.ready = 'true';
}

function renderSnapshot(snap) {
  views.renderProcess(snap.process, state.status);
  views.renderPlugins(snap.children || []);
  views.renderTableScrollHints();
  views.renderDisk(snap.disk);
  views.renderNetwork(snap.network);
  views.renderSystem(snap.cpu, snap.memory);
}

/* ---- controls ---------------------------------------------------------- */

/**
 * POST a change. Requests go out one after another, in the order the user
 * made them, and the controls stay usable meanwhile (a keyboard user can keep
 * pressing arrows on the slider). On failure the controls snap back to the
 * last status the server reported.
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
    // While later changes are queued, the slider keeps what the user set.
    state.configuresPending--;
    if (state.configuresPending === 0) state.sliderHeld = false;
    applyStatus(status);
    if (!status.enabled) setConnection('disabled');
    else if (state.connection === 'disabled') setConnection('starting');
  } catch (err) {
    state.configuresPending--;
    if (state.configuresPending === 0) state.sliderHeld = false;
    views.showToast(`Could not change the collector: ${err.message}`);
    if (state.status) applyStatus(state.status);
  }
  pollSoon();
}

function bindControls() {
  const toggle = document.getElementById('toggle-enabled');
  toggle.addEventListener('change', () => sendConfigure({ enabled: toggle.checked }));
  document.getElementById('banner-action').addEventListener('click', () => sendConfigure({ enabled: true }));

  const slider = document.getElementById('interval-slider');
  const output = document.getElementById('interval-value');
  slider.addEventListener('input', () => {
    state.sliderHeld = true;
    output.textContent = `${slider.value} s`;
  });
  slider.addEventListener('change', () => sendConfigure({ interval: Number(slider.value) }));

  for (const button of document.querySelectorAll('#range-select button')) {
    button.addEventListener('click', () => selectRange(button.dataset.range));
  }
  document.getElementById('range-select').addEventListener('keydown', onRangeKey);

  const scroller = document.querySelector('#plugins-section .table-scroll');
  scroller.addEventListener('scroll', views.renderTableScrollHints, { passive: true });
  new ResizeObserver(views.renderTableScrollHints).observe(scroller);

  const system = document.getElementById('system-section');
  system.addEventListener('toggle', () => {
    if (!system.open) return;
    createSystemCharts();
    renderCharts();
  });
}

function selectRange(range) {
  if (!RANGES[range] || range === state.range) return;
  state.range = range;
  state.history = [];
  state.source = 'loading';
  state.resolution = '';
  renderRangeBadge();
  renderCharts();
  loadHistory().catch(() => setConnection('offline'));
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

/* ---- start ------------------------------------------------------------- */

function start() {
  views.renderFooter();
  createCharts();
  bindControls();
  renderRangeBadge();
  poll();
}

start();
