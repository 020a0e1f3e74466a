// views.js - DOM renderers: each takes plain data (a snapshot, a status, a
// list of points) and updates one part of the page. No fetching and no state
// of their own. Text goes in through textContent only, so names coming from
// config.json can never inject markup.

import {
  formatBytes, formatCount, formatDateTime, formatDuration, formatInterval,
  formatPacketRate, formatPercent, formatRate, formatResolution, formatTime, isNum,
} from './format.js';

const $ = (id) => document.getElementById(id);

function setText(id, text) {
  const el = $(id);
  if (el && el.textContent !== text) el.textContent = text;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/* ---- header, banner, controls ------------------------------------------ */

/** The pill in the top bar. state: connecting|live|starting|disabled|offline. */
export function renderLiveStatus(state, status, lastSampleTs) {
  const pill = $('live-status');
  pill.dataset.state = state;
  let text = 'Connecting…';
  if (state === 'live') text = `Live · every ${formatInterval(status.interval)}`;
  else if (state === 'starting') text = 'Starting · waiting for the first sample';
  else if (state === 'disabled') text = 'Paused · collector off';
  else if (state === 'offline') text = 'Offline · retrying';
  setText('live-text', text);
  setText('live-time', state === 'live' ? ` · ${formatTime(lastSampleTs)}` : '');
  pill.title = isNum(lastSampleTs) ? `Last sample taken at ${formatTime(lastSampleTs)}` : '';
}

/** The banner under the top bar; kind null hides it. */
export function renderBanner(kind, text, showEnable) {
  const banner = $('banner');
  banner.hidden = !kind;
  banner.dataset.kind = kind || '';
  setText('banner-text', text || '');
  $('banner-action').hidden = !showEnable;
}

/** Toggle, slider and their captions. The slider is left alone while held. */
export function renderControls(status, { sliderHeld }) {
  const toggle = $('toggle-enabled');
  toggle.checked = Boolean(status.enabled);
  setText('enabled-text', status.enabled ? `On · sampling every ${formatInterval(status.interval)}` : 'Off · not sampling');
  const slider = $('interval-slider');
  if (!sliderHeld) {
    slider.value = String(Math.min(10, Math.max(1, Math.round(status.interval))));
    const outside = status.interval > 10 || !Number.isInteger(status.interval);
    setText('interval-value', formatInterval(status.interval) + (outside ? ' (set elsewhere)' : ''));
  }
}

/** Disable every control (used while the server does not answer). */
export function setControlsEnabled(on) {
  $('toggle-enabled').disabled = !on;
  $('interval-slider').disabled = !on;
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
  if (isNum(p.oldest_timestamp)) add('since', formatDateTime(p.oldest_timestamp));
  if (p.dropped_snapshots > 0) add('dropped:', formatCount(p.dropped_snapshots), 'warn');
  if (p.last_error) add('write error:', p.last_error, 'warn');
  line.title = `Database: ${p.db_path}\nWritten: ${formatCount(p.written_snapshots)} snapshots\nQueue: ${formatCount(p.queue_depth)}`;
}

/** Range buttons and the "memory · raw" badge. source: memory|disk|loading|error. */
export function renderRange(range, source, resolution, coverage) {
  for (const button of $('range-select').querySelectorAll('button')) {
    const checked = button.dataset.range === range;
    button.setAttribute('aria-checked', String(checked));
    button.tabIndex = checked ? 0 : -1; // one tab stop; arrows move inside the group
  }
  const badge = $('source-badge');
  badge.dataset.source = source;
  badge.dataset.resolution = resolution || '';
  let text = 'loading…';
  if (source === 'memory' || source === 'disk') text = `${source} · ${formatResolution(resolution)}`;
  else if (source === 'error') text = 'history unavailable';
  setText('source-badge', text);
  badge.title = coverage || 'Where the charted history came from';
}

/* ---- server process ---------------------------------------------------- */

export function renderProcess(proc, status) {
  setText('value-cpu', proc ? formatPercent(proc.cpu_percent) : '—');
  setText('value-rss', proc ? formatBytes(proc.rss_bytes) : '—');
  setText('value-threads', proc ? formatCount(proc.num_threads) : '—');
  const parts = [];
  if (proc) parts.push(`pid ${proc.pid}`, `virtual ${formatBytes(proc.vms_bytes)}`);
  if (status && isNum(status.uptime_seconds)) parts.push(`collector up ${formatDuration(status.uptime_seconds)}`);
  setText('process-meta', parts.join(' · '));
}

/** "min … · max …" under a sparkline, over the charted range. */
export function renderSparkFoot(id, values, format, rangeLabel, extra) {
  const nums = values.filter(isNum);
  let text = nums.length ? `${rangeLabel}: min ${format(Math.min(...nums))} · max ${format(Math.max(...nums))}` : 'no samples in this range';
  if (extra) text += ` · ${extra}`;
  setText(id, text);
}

/* ---- channel plugins --------------------------------------------------- */

function statusBadge(alive) {
  return el('span', `status ${alive ? 'status-alive' : 'status-dead'}`, alive ? 'running' : 'exited');
}

function pluginRow(child) {
  const row = el('tr', child.alive ? '' : 'is-dead');
  row.dataset.plugin = child.name;
  row.dataset.pid = String(child.pid);
  row.dataset.alive = String(Boolean(child.alive));
  const cell = (node, cls) => {
    const td = el('td', cls);
    td.append(node);
    row.append(td);
  };
  cell(el('span', 'plugin-name', child.name));
  cell(statusBadge(child.alive));
  cell(el('span', 'pid', isNum(child.pid) && child.pid > 0 ? String(child.pid) : '—'), 'num');
  cell(child.alive ? formatPercent(child.cpu_percent) : '—', 'num cpu');
  cell(child.alive ? formatBytes(child.rss_bytes) : '—', 'num rss');
  cell(child.alive ? formatCount(child.num_threads) : '—', 'num threads');
  return row;
}

function totalsRow(children) {
  const alive = children.filter((c) => c.alive);
  const sum = (key) => alive.reduce((acc, c) => acc + (isNum(c[key]) ? c[key] : 0), 0);
  const row = el('tr', 'totals-row');
  row.append(
    el('td', '', 'Total'),
    el('td', '', `${alive.length} of ${children.length} running`),
    el('td', 'num', ''),
    el('td', 'num cpu', formatPercent(sum('cpu_percent'))),
    el('td', 'num rss', formatBytes(sum('rss_bytes'))),
    el('td', 'num threads', formatCount(sum('num_threads'))),
  );
  return row;
}

/** Rows for the plugins of the latest snapshot, plus the totals row. */
export function renderPlugins(children) {
  const body = $('plugins-body');
  const foot = $('plugins-foot');
  if (!children) {
    body.replaceChildren(emptyRow('Waiting for the first sample…'));
    foot.replaceChildren();
    return;
  }
  if (!children.length) {
    body.replaceChildren(emptyRow('No channel plugins configured (add them under "channels" in config.json).'));
    foot.replaceChildren();
    setText('plugins-meta', '');
    return;
  }
  body.replaceChildren(...children.map(pluginRow));
  foot.replaceChildren(totalsRow(children));
  const dead = children.filter((c) => !c.alive).length;
  const running = `${children.length - dead} running`;
  setText('plugins-meta', dead ? `${running} · ${dead} exited` : running);
}

/** Mark which sides of the plugin table have columns scrolled out of view. */
export function renderTableScrollHints() {
  const scroller = document.querySelector('#plugins-section .table-scroll');
  const card = scroller.parentElement;
  const hidden = scroller.scrollWidth - scroller.clientWidth;
  card.dataset.moreLeft = String(scroller.scrollLeft > 1);
  card.dataset.moreRight = String(hidden - scroller.scrollLeft > 1);
}

function emptyRow(text) {
  const row = el('tr', 'empty-row');
  const td = el('td', '', text);
  td.colSpan = 6;
  row.append(td);
  return row;
}

/* ---- disk & network ---------------------------------------------------- */

export function renderDisk(disk) {
  const bar = $('disk-usage-bar');
  const percent = disk && isNum(disk.percent) ? disk.percent : null;
  bar.querySelector('.usage-fill').style.width = `${percent === null ? 0 : Math.min(100, percent)}%`;
  bar.setAttribute('aria-valuenow', String(percent === null ? 0 : Math.round(percent)));
  bar.dataset.level = percent >= 95 ? 'critical' : percent >= 85 ? 'high' : 'ok';
  setText('disk-usage-percent', percent === null ? '—' : `${percent.toFixed(1)} % used`);
  setText('disk-usage-text', disk
    ? `${formatBytes(disk.used_bytes)} of ${formatBytes(disk.total_bytes)} · ${formatBytes(disk.free_bytes)} free`
    : 'disk metrics not available');
  setText('value-disk-read', disk ? formatRate(disk.read_bytes_per_sec) : '—');
  setText('value-disk-write', disk ? formatRate(disk.write_bytes_per_sec) : '—');
}

export function renderNetwork(net) {
  setText('value-net-sent', net ? formatRate(net.bytes_sent_per_sec) : '—');
  setText('value-net-recv', net ? formatRate(net.bytes_recv_per_sec) : '—');
  setText('net-packets', net
    ? `Packets: ${formatPacketRate(net.packets_sent_per_sec)} out · ${formatPacketRate(net.packets_recv_per_sec)} in`
    : 'network metrics not available');
}

/* ---- system-wide ------------------------------------------------------- */

export function renderSystem(cpu, memory) {
  const cpuText = cpu ? `${formatPercent(cpu.percent)} of ${formatCount(cpu.count)} CPUs` : '—';
  const used = memory && isNum(memory.total_bytes) ? memory.total_bytes - memory.available_bytes : null;
  const memText = memory ? `${formatBytes(used)} of ${formatBytes(memory.total_bytes)} (${formatPercent(memory.percent)})` : '—';
  setText('value-sys-cpu', cpuText);
  setText('value-sys-mem', memText);
  setText('system-summary', cpu && memory ? `CPU ${formatPercent(cpu.percent)} · memory ${formatPercent(memory.percent)}` : '');
}

/** Overlay text on a chart container when it has too little to draw. */
export function setChartEmpty(id, text) {
  const node = $(id);
  if (!node) return;
  node.classList.toggle('chart-empty', Boolean(text));
  if (text) node.dataset.empty = text;
}

export function renderFooter() {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  setText('footer-tz', `Times are in your local time${tz ? ` (${tz})` : ''}.`);
}

/** A short message at the bottom of the window that fades by itself. */
export function showToast(text) {
  const toast = $('toast');
  toast.textContent = text;
  toast.hidden = false;
  clearTimeout(showToast.timer);
  showToast.timer = setTimeout(() => { toast.hidden = true; }, 5000);
}
