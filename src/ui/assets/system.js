// system.js - the collapsible system-wide section: CPU and memory charts
// (both on a fixed 0-100 % axis), load averages and tasks, swap, pressure
// stall information, and a table per list the snapshot carries
// (filesystems; per-disk and per-interface figures when the server reports
// them). Lists are drawn from whatever fields their entries have, so a field
// the server adds later shows up without a change here. Charts are made on
// first open: a closed <details> has no size.

import {
  DASH, formatBytes, formatCount, formatDecimal, formatPercent, formatRate, isNum,
} from './format.js';
import { registerSection } from './sections.js';
import { $, el, setText } from './views.js';

let charts = null;
const LISTS = [
  ['filesystems', 'Filesystems'],
  ['disks', 'Disks'],
  ['interfaces', 'Network interfaces'],
];

function createCharts(ctx) {
  const percentAxis = { format: formatPercent, axisFormat: (v) => `${v} %`, yMax: 100, yInterval: 25, kind: 'time' };
  charts = {
    cpu: ctx.chart($('chart-sys-cpu'), { ...percentAxis, series: [{ name: 'CPU', color: ctx.palette['sys-cpu'] }] }),
    mem: ctx.chart($('chart-sys-mem'), { ...percentAxis, series: [{ name: 'memory', color: ctx.palette['sys-mem'] }] }),
  };
}

function fact(label, value, title) {
  const box = el('div', 'fact');
  box.append(el('span', 'fact-label', label), el('span', 'fact-value live-value', value));
  if (title) box.title = title;
  return box;
}

function renderFacts(snap) {
  const out = [];
  const load = snap && snap.load;
  if (load) {
    out.push(fact('Load 1 / 5 / 15 min', `${formatDecimal(load.load1)} / ${formatDecimal(load.load5)} / ${formatDecimal(load.load15)}`,
      'Run-queue length averaged over 1, 5 and 15 minutes (compare with the number of CPUs).'));
    out.push(fact('Tasks', `${formatCount(load.runnable)} runnable of ${formatCount(load.tasks)}`));
  }
  const swap = snap && snap.swap;
  if (swap) {
    out.push(fact('Swap', swap.total_bytes ? `${formatBytes(swap.used_bytes)} of ${formatBytes(swap.total_bytes)} (${formatPercent(swap.percent)})` : 'none configured'));
    if (swap.total_bytes) out.push(fact('Swap in / out', `${formatRate(swap.in_bytes_per_sec)} / ${formatRate(swap.out_bytes_per_sec)}`));
  }
  const psi = snap && snap.pressure;
  if (psi) {
    const p = (k) => formatPercent(psi[k]);
    out.push(fact('Pressure (some, 10 s)', `CPU ${p('cpu_some_avg10')} · memory ${p('memory_some_avg10')} · I/O ${p('io_some_avg10')}`,
      'Share of time at least one task waited for the resource (Linux PSI, avg10).'));
  } else if (snap && 'pressure' in snap) {
    out.push(fact('Pressure', 'not available on this kernel'));
  }
  $('system-facts').replaceChildren(...out);
}

/** A cell's text for a list field, by its name's unit. */
function listValue(key, v) {
  if (typeof v === 'boolean') return v ? 'yes' : '';
  if (v === null || v === undefined) return DASH;
  if (typeof v === 'string') return v;
  if (/bytes_per_sec$/.test(key)) return formatRate(v);
  if (/_bytes$/.test(key)) return formatBytes(v);
  if (/percent$/.test(key)) return formatPercent(v);
  if (/_per_sec$/.test(key)) return `${formatDecimal(v)}/s`;
  return formatCount(v);
}

const label = (key) => key.replace(/_per_sec$/, '/s').replace(/_bytes/, '').replace(/_/g, ' ');

function renderList(key, title, items) {
  const wrap = el('div', 'list-block');
  wrap.dataset.list = key;
  wrap.append(el('h3', 'list-title', title));
  const scroll = el('div', 'table-scroll');
  const table = el('table', 'list-table');
  const keys = [];
  for (const it of items) for (const k of Object.keys(it)) if (!keys.includes(k)) keys.push(k);
  const head = el('tr');
  keys.forEach((k, i) => {
    const th = el('th', i ? 'num' : '', i ? label(k) : title.replace(/s$/, '').toLowerCase());
    th.scope = 'col';
    head.append(th);
  });
  const thead = el('thead');
  thead.append(head);
  const body = el('tbody');
  for (const it of items) {
    const tr = el('tr');
    keys.forEach((k, i) => {
      const td = el('td', i ? 'num' : 'list-name', listValue(k, it[k]));
      td.dataset.label = label(k);
      tr.append(td);
    });
    if (it.workspace) tr.classList.add('is-workspace');
    body.append(tr);
  }
  table.append(thead, body);
  scroll.append(table);
  wrap.append(scroll);
  if (key === 'filesystems') {
    wrap.append(el('p', 'list-note', 'percent = used / (used + free), as df shows it; the row marked "workspace" holds the metrics database.'));
  }
  return wrap;
}

function render(ctx) {
  const snap = ctx.latest;
  const cpu = snap && snap.cpu;
  const memory = snap && snap.memory;
  setText('value-sys-cpu', cpu ? `${formatPercent(cpu.percent)} of ${formatCount(cpu.count)} CPUs` : DASH);
  const used = memory && isNum(memory.total_bytes) ? memory.total_bytes - memory.available_bytes : null;
  setText('value-sys-mem', memory ? `${formatBytes(used)} of ${formatBytes(memory.total_bytes)} (${formatPercent(memory.percent)})` : DASH);
  const load = snap && snap.load ? ` · load ${formatDecimal(snap.load.load1)}` : '';
  setText('system-summary', cpu && memory ? `CPU ${formatPercent(cpu.percent)} · memory ${formatPercent(memory.percent)}${load}` : '');
  if (!$('system-section').open) return;
  if (!charts) createCharts(ctx);
  charts.cpu.update(ctx.chartData([ctx.series((s) => s.cpu.percent)]));
  charts.mem.update(ctx.chartData([ctx.series((s) => s.memory.percent)]));
  renderFacts(snap);
  const blocks = [];
  for (const [key, title] of LISTS) {
    const items = snap && Array.isArray(snap[key]) ? snap[key] : [];
    if (items.length) blocks.push(renderList(key, title, items));
  }
  $('system-lists').replaceChildren(...blocks);
}

registerSection({
  id: 'system',
  init(ctx) {
    $('system-section').addEventListener('toggle', () => render(ctx.current()));
  },
  render,
  charts: () => (charts ? [charts.cpu, charts.mem] : []),
});
