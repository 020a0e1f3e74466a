// plugins.js - the channel plugins section: one row per plugin with its
// state ("running", "restarting in N s", "stopped (no restart)", "never
// started: <reason>", or "unknown" while nobody measures), its figures and
// restarts, and a totals row. A row expands to the plugin's detail: its last
// exit, restart plan and process tree, and CPU and RSS charts over the chosen
// range (the plugin's entries of the charted history, rolled up with min-max
// bands like the rest). On a phone the table turns into cards.
//
// Test hooks: tr.plugin-row[data-plugin][data-pid][data-alive][data-state]
// (state: running|restarting|stopped|never|exited|unknown), .status text,
// button.plugin-toggle[aria-expanded], tr.plugin-detail[data-plugin] with
// .plugin-facts and .plugin-chart[data-figure="cpu|rss"].

import {
  DASH, formatBytes, formatCount, formatDateTime, formatDuration, formatPercent, formatSignal, formatTime, isNum,
} from './format.js';
import { registerSection } from './sections.js';
import { $, el, setText } from './views.js';

const COLUMNS = ['Name', 'Status', 'PID', 'CPU', 'RSS', 'Threads', 'Restarts', 'Processes'];
const rows = new Map(); // name -> {row, detail, charts, expanded}

const childOf = (snap, name) => (snap && Array.isArray(snap.children) ? snap.children.find((c) => c && c.name === name) : null);

/** The newest start-failure reason for name from the lifecycle events, if any. */
function startFailure(events, name) {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.process !== name) continue;
    if (e.kind === 'plugin_start_failed') return e.detail || (isNum(e.errno) ? `errno ${e.errno}` : 'failed to start');
    if (e.kind === 'plugin_started') return null;
  }
  return null;
}

/** What the row says about a plugin. */
export function pluginState(c, ctx) {
  if (ctx.stale) {
    return {
      key: 'unknown',
      text: 'unknown',
      title: ctx.stale === 'offline' ? 'The server does not answer: state unknown.' : 'The collector is off: nobody is measuring.',
    };
  }
  if (c.alive) return { key: 'running', text: 'running' };
  if (c.pid === null || c.pid === undefined) {
    const why = c.start_error || startFailure(ctx.events, c.name);
    return { key: 'never', text: why ? `never started: ${why}` : 'never started' };
  }
  if (isNum(c.next_restart_at)) {
    const left = Math.max(0, Math.ceil(c.next_restart_at - ctx.now));
    return { key: 'restarting', text: `restarting in ${left} s` };
  }
  if (c.restart === false || 'restarts' in c) return { key: 'stopped', text: c.restart === false ? 'stopped (no restart)' : 'stopped' };
  return { key: 'exited', text: 'exited' };
}

function lastExitText(c, now) {
  const x = c.last_exit;
  if (!x) return 'none yet';
  const how = isNum(x.signal) ? `killed by ${formatSignal(x.signal)}` : `exit code ${isNum(x.code) ? x.code : DASH}`;
  const when = isNum(x.time) ? ` at ${formatDateTime(x.time)} (${formatDuration(now - x.time)} ago)` : '';
  return how + when;
}

function cell(row, label, cls) {
  const td = el('td', cls);
  td.dataset.label = label;
  row.append(td);
  return td;
}

function makeRow(name, ctx) {
  const row = el('tr', 'plugin-row');
  row.dataset.plugin = name;
  const nameCell = cell(row, COLUMNS[0], 'name-cell');
  const toggle = el('button', 'plugin-toggle');
  toggle.type = 'button';
  toggle.setAttribute('aria-expanded', 'false');
  toggle.append(el('span', 'chevron'), el('span', 'plugin-name', name));
  toggle.title = 'Show this plugin\'s detail';
  nameCell.append(toggle);
  const statusCell = cell(row, COLUMNS[1]);
  statusCell.append(el('span', 'status'));
  cell(row, COLUMNS[2], 'num pid');
  cell(row, COLUMNS[3], 'num cpu');
  cell(row, COLUMNS[4], 'num rss');
  cell(row, COLUMNS[5], 'num threads');
  cell(row, COLUMNS[6], 'num restarts');
  cell(row, COLUMNS[7], 'num procs');

  const detail = el('tr', 'plugin-detail');
  detail.dataset.plugin = name;
  detail.hidden = true;
  const td = el('td');
  td.colSpan = COLUMNS.length;
  const box = el('div', 'detail-box');
  const facts = el('dl', 'plugin-facts');
  const charts = el('div', 'detail-charts');
  for (const [figure, label] of [['cpu', 'CPU'], ['rss', 'RSS']]) {
    const wrap = el('div', 'detail-chart');
    const head = el('div', 'detail-chart-head');
    head.append(el('span', 'metric-label', label), el('span', 'detail-foot'));
    const chartEl = el('div', 'plugin-chart sparkline chart-box');
    chartEl.dataset.figure = figure;
    chartEl.setAttribute('role', 'img');
    chartEl.setAttribute('aria-label', `${name} ${label} over the selected range`);
    wrap.append(head, chartEl);
    charts.append(wrap);
  }
  box.append(facts, charts);
  td.append(box);
  detail.append(td);
  toggle.id = `plugin-toggle-${rows.size}`;
  detail.id = `plugin-detail-${rows.size}`;
  toggle.setAttribute('aria-controls', detail.id);

  const entry = { row, detail, charts: null, expanded: false };
  toggle.addEventListener('click', () => {
    entry.expanded = !entry.expanded;
    toggle.setAttribute('aria-expanded', String(entry.expanded));
    detail.hidden = !entry.expanded;
    row.classList.toggle('is-open', entry.expanded);
    if (!entry.expanded && entry.charts) {
      entry.charts.forEach((c) => c.dispose());
      entry.charts = null;
    }
    renderPlugins(ctx.current());
  });
  rows.set(name, entry);
  return entry;
}

function fillRow(entry, c, ctx) {
  const { row } = entry;
  const state = pluginState(c, ctx);
  row.dataset.pid = String(isNum(c.pid) ? c.pid : '');
  row.dataset.alive = ctx.stale ? 'unknown' : String(Boolean(c.alive));
  row.dataset.state = state.key;
  row.classList.toggle('is-dead', !ctx.stale && !c.alive);
  const badge = row.querySelector('.status');
  badge.className = `status status-${state.key}`;
  setText(badge, state.text);
  badge.title = state.title || '';
  const tds = row.children;
  const measured = c.alive || ctx.stale; // stale: the last values, greyed
  setText(tds[2], isNum(c.pid) && c.pid > 0 ? String(c.pid) : DASH);
  setText(tds[3], measured ? formatPercent(c.cpu_percent) : DASH);
  setText(tds[4], measured ? formatBytes(c.rss_bytes) : DASH);
  setText(tds[5], measured ? formatCount(c.num_threads) : DASH);
  setText(tds[6], isNum(c.restarts) ? formatCount(c.restarts) : DASH);
  setText(tds[7], c.tree && isNum(c.tree.processes) ? formatCount(c.tree.processes) : DASH);
}

function fillDetail(entry, c, ctx) {
  const facts = entry.detail.querySelector('.plugin-facts');
  const items = [];
  const state = pluginState(c, { ...ctx, stale: null });
  items.push(['State', ctx.stale ? `unknown (last seen ${formatTime(ctx.lastSeen)}: ${state.text})` : state.text]);
  items.push(['Restarts', isNum(c.restarts) ? formatCount(c.restarts) : 'not reported by this server']);
  items.push(['Last exit', 'last_exit' in c ? lastExitText(c, ctx.now) : 'not reported by this server']);
  if ('restart' in c) {
    let plan = c.restart ? 'restarted when it exits' : 'not restarted (restart: false)';
    if (isNum(c.next_restart_at)) plan += ` · next start at ${formatTime(c.next_restart_at)}`;
    items.push(['Restart plan', plan]);
  }
  const t = c.tree;
  items.push(['Process tree', t
    ? `${formatCount(t.processes)} process${t.processes === 1 ? '' : 'es'} · CPU ${formatPercent(t.cpu_percent)} · RSS ${formatBytes(t.rss_bytes)} · ${formatCount(t.num_threads)} threads`
    : (c.alive ? 'not reported by this server' : DASH)]);
  facts.replaceChildren(...items.flatMap(([k, v]) => [el('dt', '', k), el('dd', '', v)]));

  const name = c.name;
  const useTree = (snap) => {
    const child = childOf(snap, name);
    return child && child.tree && isNum(child.tree.cpu_percent);
  };
  const latestHasTree = useTree(ctx.latest);
  const figures = [
    { get: (s) => { const ch = childOf(s, name); return latestHasTree ? ch.tree.cpu_percent : ch.cpu_percent; }, format: formatPercent, zero: true },
    { get: (s) => { const ch = childOf(s, name); return latestHasTree ? ch.tree.rss_bytes : ch.rss_bytes; }, format: formatBytes, zero: false },
  ];
  const chartEls = entry.detail.querySelectorAll('.plugin-chart');
  const feet = entry.detail.querySelectorAll('.detail-foot');
  if (!entry.charts) {
    entry.charts = figures.map((f, i) => ctx.chart(chartEls[i], {
      kind: 'spark', series: [{ name: i ? 'RSS' : 'CPU', color: ctx.palette[i ? 'rss' : 'cpu'] }],
      format: f.format, zeroBased: f.zero,
    }));
  }
  const events = ctx.events.filter((e) => !e.process || e.process === name || e.process === 'server');
  figures.forEach((f, i) => {
    entry.charts[i].update(ctx.chartData([ctx.series(f.get)], { events }));
    const x = ctx.extremes(f.get);
    setText(feet[i], `${latestHasTree ? 'whole tree · ' : ''}${x ? `min ${f.format(x.min)} · max ${f.format(x.max)}` : 'no samples in this range'}`);
  });
}

function totalsRow(children, ctx) {
  const alive = children.filter((c) => c.alive);
  const sum = (key) => alive.reduce((acc, c) => acc + (isNum(c[key]) ? c[key] : 0), 0);
  const row = el('tr', 'totals-row');
  const add = (label, text, cls) => {
    const td = el('td', cls, text);
    td.dataset.label = label;
    row.append(td);
  };
  add('', 'Total');
  add('', ctx.stale ? `${children.length} plugins · state unknown` : `${alive.length} of ${children.length} running`);
  add('', '', 'num pid');
  add('CPU', formatPercent(sum('cpu_percent')), 'num cpu');
  add('RSS', formatBytes(sum('rss_bytes')), 'num rss');
  add('Threads', formatCount(sum('num_threads')), 'num threads');
  add('Restarts', children.some((c) => isNum(c.restarts)) ? formatCount(children.reduce((a, c) => a + (c.restarts || 0), 0)) : DASH, 'num restarts');
  add('Processes', alive.some((c) => c.tree) ? formatCount(alive.reduce((a, c) => a + ((c.tree && c.tree.processes) || 0), 0)) : DASH, 'num procs');
  return row;
}

function emptyRow(text) {
  const row = el('tr', 'empty-row');
  const td = el('td', '', text);
  td.colSpan = COLUMNS.length;
  row.append(td);
  return row;
}

function renderPlugins(ctx) {
  const body = $('plugins-body');
  const foot = $('plugins-foot');
  const snap = ctx.latest;
  const children = snap && Array.isArray(snap.children) ? snap.children : null;
  if (!children || !children.length) {
    for (const e of rows.values()) if (e.charts) e.charts.forEach((c) => c.dispose());
    rows.clear();
    body.replaceChildren(emptyRow(children ? 'No channel plugins configured (add them under "channels" in config.json).' : 'Waiting for the first sample…'));
    foot.replaceChildren();
    setText('plugins-meta', '');
    return;
  }
  const wanted = [];
  for (const c of children) {
    const entry = rows.get(c.name) || makeRow(c.name, ctx);
    fillRow(entry, c, ctx);
    if (entry.expanded) fillDetail(entry, c, ctx);
    wanted.push(entry.row, entry.detail);
  }
  for (const [name, e] of rows) {
    if (!children.some((c) => c.name === name)) {
      if (e.charts) e.charts.forEach((c) => c.dispose());
      rows.delete(name);
    }
  }
  // Only touch the DOM order when it changed (keeps focus and open rows).
  const current = [...body.children];
  if (current.length !== wanted.length || current.some((n, i) => n !== wanted[i])) body.replaceChildren(...wanted);
  foot.replaceChildren(totalsRow(children, ctx));
  const counts = {};
  for (const c of children) {
    const k = pluginState(c, ctx).key;
    counts[k] = (counts[k] || 0) + 1;
  }
  const words = { running: 'running', restarting: 'restarting', stopped: 'stopped', exited: 'exited', never: 'never started', unknown: 'state unknown' };
  let meta = Object.entries(counts).map(([k, n]) => `${n} ${words[k]}`).join(' · ');
  if (ctx.stale && isNum(ctx.lastSeen)) meta = `last seen ${formatTime(ctx.lastSeen)} · ${meta}`;
  setText('plugins-meta', meta);
  renderScrollHints();
}

/** Mark which sides of the plugin table have columns scrolled out of view. */
function renderScrollHints() {
  const scroller = document.querySelector('#plugins-section .table-scroll');
  const card = scroller.parentElement;
  const hidden = scroller.scrollWidth - scroller.clientWidth;
  card.dataset.moreLeft = String(scroller.scrollLeft > 1);
  card.dataset.moreRight = String(hidden - scroller.scrollLeft > 1);
}

registerSection({
  id: 'plugins',
  init() {
    const scroller = document.querySelector('#plugins-section .table-scroll');
    scroller.addEventListener('scroll', renderScrollHints, { passive: true });
    new ResizeObserver(renderScrollHints).observe(scroller);
  },
  render: renderPlugins,
  /** Charts to re-create when the colour scheme changes. */
  charts: () => [...rows.values()].flatMap((e) => e.charts || []),
});
