// views.js - DOM renderers for the header, controls, server process and
// disk/network: each takes plain data (a snapshot, a status) and updates one
// part of the page. No fetching and no state of their own. Text goes in
// through textContent only, so names coming from config.json can never
// inject markup.

import {
  DASH, formatBytes, formatCount, formatDateTime, formatDuration, formatInterval,
  formatPacketRate, formatPercent, formatRate, formatResolution, formatTime, isNum,
} from './format.js';

export const $ = (id) => document.getElementById(id);

export function setText(id, text) {
  const node = typeof id === 'string' ? $(id) : id;
  if (node && node.textContent !== text) node.textContent = text;
}

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The interval control's stops: the whole 1 s - 1 h range the API allows. */
export const INTERVAL_STOPS = [1, 2, 3, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1200, 1800, 2700, 3600];

/** The stop nearest to an interval (for intervals set elsewhere). */
export function stopIndex(interval) {
  let best = 0;
  INTERVAL_STOPS.forEach((s, i) => {
    if (Math.abs(Math.log(s / interval)) < Math.abs(Math.log(INTERVAL_STOPS[best] / interval))) best = i;
  });
  return best;
}

/* ---- header, banner, controls ------------------------------------------ */

/**
 * The pill in the top bar. state: connecting|live|starting|disabled|offline;
 * paused (the user froze the page) is shown over any of them.
 */
export function renderLiveStatus(state, status, lastSampleTs, paused) {
  const pill = $('live-status');
  pill.dataset.state = paused ? 'paused' : state;
  let text = 'Connecting…';
  if (paused) text = 'Paused · page frozen';
  else if (state === 'live') text = `Live · every ${formatInterval(status.interval)}`;
  else if (state === 'starting') text = 'Starting · waiting for the first sample';
  else if (state === 'disabled') text = 'Collector off · nothing new';
  else if (state === 'offline') text = 'Offline · retrying';
  setText('live-text', text);
  const seen = isNum(lastSampleTs) ? formatTime(lastSampleTs) : '';
  setText('live-time', seen ? (state === 'live' && !paused ? ` · ${seen}` : ` · last seen ${seen}`) : '');
  pill.title = seen ? `Newest sample taken at ${formatDateTime(lastSampleTs)}` : '';
}

/** The banner under the top bar; kind null hides it. */
export function renderBanner(kind, text, showEnable) {
  const banner = $('banner');
  banner.hidden = !kind;
  banner.dataset.kind = kind || '';
  setText('banner-text', text || '');
  $('banner-action').hidden = !showEnable;
}

/**
 * Toggle, interval control and their captions; status null = unknown (the
 * server does not answer). The slider is left alone while held.
 */
export function renderControls(status, { sliderHeld, stale }) {
  const toggle = $('toggle-enabled');
  if (!status) {
    setText('enabled-text', 'Unknown · the server does not answer');
    return;
  }
  toggle.checked = Boolean(status.enabled);
  let text = status.enabled ? `On · sampling every ${formatInterval(status.interval)}` : 'Off · not sampling';
  if (stale === 'offline') text = `Unknown · was ${status.enabled ? 'on' : 'off'} when last seen`;
  setText('enabled-text', text);
  const slider = $('interval-slider');
  slider.max = String(INTERVAL_STOPS.length - 1);
  if (!sliderHeld) {
    const i = stopIndex(status.interval);
    slider.value = String(i);
    slider.setAttribute('aria-valuetext', formatInterval(status.interval));
    const outside = INTERVAL_STOPS[i] !== status.interval;
    setText('interval-value', formatInterval(status.interval) + (outside ? ' (set elsewhere)' : ''));
  }
}

/** The controls that change the collector: usable only when allowed. */
export function setControlsEnabled(on) {
  $('toggle-enabled').disabled = !on;
  $('interval-slider').disabled = !on;
}

/**
 * Who may change the collector: with an api_token set on the server,
 * configure needs it; the page says so and offers a field for it.
 */
export function renderAccess(needsToken, hasToken, rejected) {
  const box = $('access');
  box.hidden = !needsToken;
  box.dataset.state = !needsToken ? '' : hasToken ? 'token' : 'readonly';
  if (!needsToken) return;
  let text = 'Read-only: changing the collector needs the API token.';
  if (hasToken) text = 'Using the API token kept in this tab (until it closes).';
  if (rejected) text = 'The server refused the token: read-only.';
  setText('access-text', text);
  $('token-open').hidden = hasToken || !$('token-form').hidden;
  $('token-forget').hidden = !hasToken;
}

/** The line under the controls: ring fill and the on-disk store. */
export function renderRecorder(status) {
  const line = $('recorder-line');
  line.replaceChildren();
  const add = (label, value, cls) => {
    if (line.childNodes.length) line.append(el('span', 'dot-sep', '·'));
    line.append(`${label} `);
    line.append(el('b', cls, value));
  };
  add('In memory:', `${formatCount(status.history_count)} of ${formatCount(status.history_size)} snapshots`);
  const p = status.persistence;
  if (!p) {
    add('On disk:', 'off — history ends at the memory limit');
    return;
  }
  const rows = p.rows || {};
  add('On disk:', `${formatBytes(p.size_bytes)} · ${formatCount(rows.raw)} raw, ${formatCount(rows.minute)} 1-min, ${formatCount(rows.hour)} 1-h rows`);
  if (isNum(p.oldest_timestamp)) add('since', formatDateTime(p.oldest_timestamp, { seconds: false }));
  if (p.dropped_snapshots > 0) add('dropped:', formatCount(p.dropped_snapshots), 'warn');
  if (p.last_error) add('write error:', p.last_error, 'warn');
  line.title = `Database: ${p.db_path}\nWritten: ${formatCount(p.written_snapshots)} snapshots\nQueue: ${formatCount(p.queue_depth)}`;
}

/**
 * Range buttons, the zoom chip and the source badge.
 * range: '5m'|'1h'|'24h'|'7d' or null when zoomed to fixed [from, to].
 */
export function renderRange({ range, zoom, source, resolution, coverage, note }) {
  for (const button of $('range-select').querySelectorAll('button')) {
    const checked = button.dataset.range === range;
    button.setAttribute('aria-checked', String(checked));
    button.tabIndex = checked || (!range && button.dataset.range === '5m') ? 0 : -1;
  }
  const chip = $('zoom-reset');
  chip.hidden = !zoom;
  if (zoom) setText('zoom-text', `${formatDateTime(zoom.from, { seconds: zoom.to - zoom.from < 600 })} – ${formatTime(zoom.to)}`);
  const badge = $('source-badge');
  badge.dataset.source = source;
  badge.dataset.resolution = resolution === 0 ? 'raw' : String(resolution || '');
  let text = 'loading…';
  if (source === 'memory' || source === 'disk') text = `${source} · ${formatResolution(resolution)}`;
  else if (source === 'error') text = 'history unavailable';
  else if (source === 'kept') text = 'offline · last data kept';
  if (note) text += ` · ${note}`;
  setText('source-badge', text);
  badge.title = coverage || 'Where the charted history came from';
}

/* ---- server process ---------------------------------------------------- */

export function renderProcess(proc, status, stale, lastSeen) {
  setText('value-cpu', proc ? formatPercent(proc.cpu_percent) : DASH);
  setText('value-rss', proc ? formatBytes(proc.rss_bytes) : DASH);
  setText('value-threads', proc ? formatCount(proc.num_threads) : DASH);
  const parts = [];
  if (stale && isNum(lastSeen)) parts.push(`last seen ${formatTime(lastSeen)}`);
  if (proc && isNum(proc.pid)) parts.push(`pid ${proc.pid}`);
  if (proc && isNum(proc.vms_bytes)) parts.push(`virtual ${formatBytes(proc.vms_bytes)}`);
  if (!stale && status && isNum(status.uptime_seconds)) parts.push(`collector up ${formatDuration(status.uptime_seconds)}`);
  setText('process-meta', parts.join(' · '));
}

/** "last 1 h: min … · max …" under a sparkline, from the true extremes. */
export function renderSparkFoot(id, extremes, format, rangeLabel) {
  const text = extremes ? `${rangeLabel}: min ${format(extremes.min)} · max ${format(extremes.max)}` : `no samples in ${rangeLabel}`;
  setText(id, text);
}

/* ---- disk & network ---------------------------------------------------- */

/**
 * The root filesystem as df shows it: used, available to users, and the
 * percent df prints (used / (used + available)); the blocks reserved for
 * root make up the rest of the size, so "used + free" is less than the size.
 */
export function renderDisk(disk) {
  const bar = $('disk-usage-bar');
  const percent = disk && isNum(disk.percent) ? disk.percent : null;
  bar.querySelector('.usage-fill').style.width = `${percent === null ? 0 : Math.min(100, percent)}%`;
  bar.setAttribute('aria-valuenow', String(percent === null ? 0 : Math.round(percent)));
  bar.dataset.level = percent >= 95 ? 'critical' : percent >= 85 ? 'high' : 'ok';
  setText('disk-usage-percent', percent === null ? DASH : `${percent.toFixed(1)} % used`);
  if (!disk) {
    setText('disk-usage-text', 'disk metrics not available');
    setText('disk-usage-note', '');
  } else {
    setText('disk-usage-text', `${formatBytes(disk.used_bytes)} used · ${formatBytes(disk.free_bytes)} available`);
    const reserved = isNum(disk.total_bytes) ? disk.total_bytes - disk.used_bytes - disk.free_bytes : null;
    setText('disk-usage-note', `Root filesystem, as df: % = used / (used + available). Size ${formatBytes(disk.total_bytes)}`
      + (reserved > 0 ? `, of which ${formatBytes(reserved)} reserved for root.` : '.'));
  }
  setText('value-disk-read', disk ? formatRate(disk.read_bytes_per_sec) : DASH);
  setText('value-disk-write', disk ? formatRate(disk.write_bytes_per_sec) : DASH);
}

export function renderNetwork(net) {
  setText('value-net-sent', net ? formatRate(net.bytes_sent_per_sec) : DASH);
  setText('value-net-recv', net ? formatRate(net.bytes_recv_per_sec) : DASH);
  setText('net-packets', net
    ? `Packets: ${formatPacketRate(net.packets_sent_per_sec)} out · ${formatPacketRate(net.packets_recv_per_sec)} in`
    : 'network metrics not available');
}

/** Overlay text on a chart container when it has nothing to draw. */
export function setChartEmpty(node, text) {
  if (!node) return;
  node.classList.toggle('chart-empty', Boolean(text));
  if (text) node.dataset.empty = text;
}

export function renderFooter() {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  setText('footer-tz', `Times are in your local time, 24-hour clock${tz ? ` (${tz})` : ''}.`);
}

/** A short message at the bottom of the window that fades by itself. */
export function showToast(text) {
  const toast = $('toast');
  toast.textContent = text;
  toast.hidden = false;
  clearTimeout(showToast.timer);
  showToast.timer = setTimeout(() => { toast.hidden = true; }, 5000);
}
