// charts.js - the ECharts wrappers the dashboard draws with: sparklines for
// the server-process cards and plugin details, and time charts with axes for
// disk, network and the system section. One wrapper owns one ECharts
// instance, resizes with its container and draws, for each series:
//   - the line (raw samples, or the bucket averages of a rolled-up view),
//   - for rolled-up views a min-max band behind it (agg=min / agg=max),
//   - breaks and shaded, labelled areas where there is no data (gaps),
//   - dashed markers at lifecycle events.
// The x axis always runs from the view's start to its end (now, for live
// views), whatever the data covers. Every chart of a group shares one
// crosshair (echarts.connect); dragging across a chart selects a time range
// (opts.onZoom). Colours come from CSS custom properties, so dark mode is
// one stylesheet block plus re-creating the charts (recreate()).

import { formatDateTime, formatTime, isNum, resolutionName } from './format.js';

const echarts = window.echarts;

/** Whether ECharts loaded (the build embeds it; without it we show text only). */
export const chartsAvailable = () => Boolean(echarts);

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/** A colour, or the value of a CSS custom property ("--c-cpu"): read at each
 * draw, so a changed colour scheme reaches the charts. */
function colorOf(c) {
  return c && c.startsWith('--') ? css(c) || '#4f5bd5' : c;
}

function theme() {
  return {
    axis: css('--chart-axis'),
    grid: css('--chart-grid'),
    tipBg: css('--tooltip-bg'),
    tipBorder: css('--border-strong'),
    text: css('--text'),
    muted: css('--text-muted'),
    gap: css('--gap-fill'),
    gapText: css('--text-muted'),
    event: css('--event-line'),
    cursor: css('--text-faint'),
  };
}

function chartUnavailable(el) {
  el.classList.add('chart-missing');
  el.textContent = 'Charts unavailable (echarts.min.js was not embedded in this build)';
}

/** Index of the point in pts ([[ms, v], ...], ascending) nearest to ms. */
function nearest(pts, ms) {
  let lo = 0;
  let hi = pts.length - 1;
  if (hi < 0) return -1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pts[mid][0] < ms) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(pts[lo - 1][0] - ms) < Math.abs(pts[lo][0] - ms)) lo--;
  return lo;
}

/** Insert nulls where a gap lies between two points so the line breaks there. */
function breakAtGaps(pts, gaps) {
  if (!gaps.length || pts.length < 2) return pts;
  const out = [];
  let g = 0;
  for (let i = 0; i < pts.length; i++) {
    if (i > 0) {
      const a = pts[i - 1][0];
      const b = pts[i][0];
      while (g < gaps.length && gaps[g].b * 1000 < a) g++;
      if (g < gaps.length && gaps[g].a * 1000 >= a && gaps[g].b * 1000 <= b) out.push([(a + b) / 2, null]);
    }
    out.push(pts[i]);
  }
  return out;
}

function withAlpha(color, alpha) {
  if (/^#[0-9a-f]{6}$/i.test(color)) return color + Math.round(alpha * 255).toString(16).padStart(2, '0');
  return color;
}

/**
 * Make a chart in el. opts: {
 *   kind: 'spark' | 'time',
 *   series: [{name, color}],  one entry per line
 *   format(v)                 tooltip values; axisFormat(v) y labels (time charts)
 *   yMax, yInterval, zeroBased, binary (round binary steps for byte rates)
 *   group                     crosshair group name
 *   onZoom(fromSec, toSec)    a drag across the plot selected this range
 *   label                     what the chart shows, for tooltips ("CPU")
 * }
 * Returns {update(data), setHidden(i, hidden), recreate(), dispose()}.
 * data: {from, to, res, series: [{line, lo, hi}], gaps: [{a, b, label}],
 *        events: [{t, text}]}, times in Unix seconds, series points [[s, v], ...].
 */
export function createChart(el, opts) {
  if (!chartsAvailable()) {
    chartUnavailable(el);
    return { update() {}, setHidden() {}, recreate() {}, dispose() {} };
  }
  const hidden = new Set();
  let chart = null;
  let observer = null;
  let last = null; // the data of the last update, for redraws
  let tip = { res: 0, series: [] }; // lookup for the tooltip

  function init() {
    chart = echarts.init(el, null, { renderer: 'canvas' });
    if (opts.group) chart.group = opts.group;
    if (!observer) {
      observer = new ResizeObserver(() => chart && chart.resize());
      observer.observe(el);
    }
    const t = theme();
    const spark = opts.kind === 'spark';
    chart.setOption({
      animation: false,
      grid: spark ? { left: 2, right: 2, top: 6, bottom: 2 } : { left: 4, right: 14, top: 14, bottom: 2, containLabel: true },
      xAxis: {
        type: 'time',
        show: !spark,
        axisLine: { lineStyle: { color: t.grid } },
        axisTick: { show: false },
        axisLabel: { color: t.axis, fontSize: 11, hideOverlap: true, margin: 10, formatter: axisTimeLabel },
        splitLine: { show: false },
        axisPointer: { snap: false },
      },
      yAxis: spark ? sparkY(opts) : {
        type: 'value',
        min: 0,
        max: opts.yMax,
        interval: opts.yInterval,
        splitNumber: 3,
        axisLabel: { color: t.axis, fontSize: 11, formatter: opts.axisFormat || opts.format },
        splitLine: { lineStyle: { color: t.grid } },
      },
      tooltip: {
        trigger: 'axis',
        confine: true,
        axisPointer: { type: 'line', lineStyle: { color: t.cursor, width: 1 } },
        backgroundColor: t.tipBg,
        borderColor: t.tipBorder,
        textStyle: { color: t.text, fontSize: 12 },
        formatter: tooltipText,
      },
      series: [],
    });
    attachZoom();
  }

  function axisTimeLabel(ms) {
    const span = last ? last.to - last.from : 0;
    const d = new Date(ms);
    if (span > 2 * 86400) return `${d.getDate()}/${d.getMonth() + 1}${d.getHours() || d.getMinutes() ? ` ${formatTime(ms / 1000).slice(0, 5)}` : ''}`;
    return formatTime(ms / 1000).slice(0, 5);
  }

  /** "Sat, 28 Nov 14:03:27" and, per line, what the point is. */
  function tooltipText(params) {
    const list = Array.isArray(params) ? params : [params];
    if (!list.length || !last) return '';
    const ms = list[0].axisValue;
    const rows = [];
    let when = '';
    tip.series.forEach((s, i) => {
      if (hidden.has(i) || !s.line.length) return;
      const k = nearest(s.line, ms);
      if (k < 0) return;
      const [t, v] = s.line[k];
      // Only the point under the cursor: not one across a gap.
      const reach = tip.res ? tip.res * 1000 : Math.max(s.step || 0, 1) * 1500;
      if (Math.abs(t - ms) > reach) return;
      if (!when) when = pointTime(t / 1000, s);
      const name = tip.series.length > 1 ? `${opts.series[i].name} ` : '';
      const marker = `<span class="tt-dot" style="background:${colorOf(opts.series[i].color)}"></span>`;
      if (tip.res) {
        const lo = s.lo && s.lo[k] ? s.lo[k][1] : null;
        const hi = s.hi && s.hi[k] ? s.hi[k][1] : null;
        rows.push(`<div>${marker}${name}${resolutionName(tip.res)} avg <b>${opts.format(v)}</b>`
          + ` · max <b>${opts.format(hi)}</b> · min ${opts.format(lo)}</div>`);
      } else {
        rows.push(`<div>${marker}${name}<b>${opts.format(v)}</b> <span class="tt-note">sample</span></div>`);
      }
    });
    const gap = (last.gaps || []).find((g) => ms >= g.a * 1000 && ms <= g.b * 1000);
    if (!rows.length) {
      if (!gap) return '';
      return `<div class="tt-time">${formatDateTime(gap.a)} – ${formatDateTime(gap.b)}</div><div>${gap.label}</div>`;
    }
    return `<div class="tt-time">${when}</div>${rows.join('')}`;
  }

  function pointTime(ts, s) {
    if (!tip.res) return formatDateTime(ts);
    const start = s.starts ? s.starts.get(Math.round(ts * 1000)) : null;
    const a = isNum(start) ? start : ts;
    return `${formatDateTime(a, { seconds: false })} – ${formatTime(Math.min(a + tip.res, Date.now() / 1000)).slice(0, 5)}`;
  }

  /** Drag across the plot: a shaded selection, then opts.onZoom(from, to). */
  function attachZoom() {
    if (!opts.onZoom) return;
    const zr = chart.getZr();
    let startX = null;
    let box = null;
    zr.on('mousedown', (e) => {
      if (e.event && e.event.button !== 0) return;
      if (!chart.containPixel({ gridIndex: 0 }, [e.offsetX, e.offsetY])) return;
      startX = e.offsetX;
    });
    zr.on('mousemove', (e) => {
      if (startX === null) return;
      if (!box) {
        box = document.createElement('div');
        box.className = 'zoom-box';
        el.append(box);
      }
      const rect = chart.getModel().getComponent('grid').coordinateSystem.getRect();
      const x = Math.max(rect.x, Math.min(rect.x + rect.width, e.offsetX));
      box.style.left = `${Math.min(startX, x)}px`;
      box.style.width = `${Math.abs(x - startX)}px`;
      box.style.top = `${rect.y}px`;
      box.style.height = `${rect.height}px`;
    });
    const finish = (e) => {
      if (startX === null) return;
      const x0 = startX;
      startX = null;
      if (box) box.remove();
      box = null;
      if (!e || Math.abs(e.offsetX - x0) < 6) return;
      const [a] = chart.convertFromPixel({ gridIndex: 0 }, [Math.min(x0, e.offsetX), e.offsetY]);
      const [b] = chart.convertFromPixel({ gridIndex: 0 }, [Math.max(x0, e.offsetX), e.offsetY]);
      if (isNum(a) && isNum(b) && b - a >= 1000) opts.onZoom(a / 1000, b / 1000);
    };
    zr.on('mouseup', finish);
    zr.on('globalout', () => finish(null));
  }

  function build(data) {
    const t = theme();
    const from = data.from * 1000;
    const to = data.to * 1000;
    const gaps = data.gaps || [];
    const span = Math.max(1, data.to - data.from);
    const series = [];
    const shown = data.series.map((s, i) => (hidden.has(i) ? { line: [], lo: null, hi: null } : s));
    shown.forEach((s, i) => {
      const color = colorOf(opts.series[i].color);
      const line = breakAtGaps(s.line.map(([x, v]) => [x * 1000, v]), gaps);
      if (s.lo && s.hi) {
        const lo = breakAtGaps(s.lo.map(([x, v]) => [x * 1000, v]), gaps);
        const width = breakAtGaps(s.hi.map(([x, v], k) => {
          const l = s.lo[k] ? s.lo[k][1] : null;
          return [x * 1000, isNum(v) && isNum(l) ? v - l : null];
        }), gaps);
        series.push(bandSeries(`${opts.series[i].name}-min`, `band${i}`, lo, null));
        series.push(bandSeries(`${opts.series[i].name}-range`, `band${i}`, width, withAlpha(color, 0.22)));
      }
      series.push({
        name: opts.series[i].name,
        type: 'line',
        showSymbol: false,
        symbol: 'circle',
        symbolSize: 5,
        connectNulls: false,
        lineStyle: { width: 1.6, color },
        itemStyle: { color },
        areaStyle: opts.kind === 'spark' && !(s.lo && s.hi) ? { color: withAlpha(color, 0.14) } : undefined,
        emphasis: { disabled: true },
        data: line,
        z: 3,
      });
    });
    // Gaps and events hang off one invisible series so they show even when
    // every line is hidden.
    series.push({
      name: 'marks',
      type: 'line',
      data: [],
      silent: true,
      markArea: {
        silent: true,
        itemStyle: { color: t.gap },
        label: { color: t.gapText, fontSize: 10, position: 'insideTop' },
        data: gaps.map((g) => [
          { xAxis: Math.max(g.a * 1000, from), name: (g.b - g.a) / span > 0.1 && opts.kind !== 'spark' ? g.label : '' },
          { xAxis: Math.min(g.b * 1000, to) },
        ]),
      },
      markLine: {
        silent: false,
        symbol: 'none',
        animation: false,
        lineStyle: { color: t.event, type: 'dashed', width: 1 },
        label: { show: false },
        emphasis: { label: { show: opts.kind !== 'spark', formatter: '{b}', fontSize: 10, color: t.text } },
        data: (data.events || []).filter((e) => e.t * 1000 >= from && e.t * 1000 <= to)
          .map((e) => ({ xAxis: e.t * 1000, name: e.text })),
      },
    });
    tip = {
      res: data.res,
      series: shown.map((s, i) => ({
        line: s.line.map(([x, v]) => [x * 1000, v]),
        lo: s.lo && s.lo.map(([x, v]) => [x * 1000, v]),
        hi: s.hi && s.hi.map(([x, v]) => [x * 1000, v]),
        starts: s.starts,
        step: s.step,
        idx: i,
      })),
    };
    const option = { xAxis: { min: from, max: to }, series };
    if (opts.kind === 'time' && opts.binary) option.yAxis = binaryAxis(shown);
    return option;
  }

  // Series are replaced only when their set changes (raw <-> rolled up);
  // otherwise the option is merged by index, which costs ECharts far less.
  let shape = '';
  function draw(data) {
    const option = build(data);
    const key = option.series.map((x) => x.name).join('|');
    chart.setOption(option, key === shape ? { lazyUpdate: true } : { replaceMerge: ['series'], lazyUpdate: true });
    shape = key;
  }

  return {
    update(data) {
      last = data;
      if (!chart) init();
      draw(data);
    },
    setHidden(i, on) {
      if (on) hidden.add(i);
      else hidden.delete(i);
      if (last) draw(last);
    },
    /** New colours (dark mode changed): a fresh instance with the same data. */
    recreate() {
      if (chart) chart.dispose();
      shape = '';
      init();
      if (last) draw(last);
    },
    resize() {
      if (chart) chart.resize();
    },
    dispose() {
      if (observer) observer.disconnect();
      observer = null;
      if (chart) chart.dispose();
      chart = null;
    },
    init,
  };
}

function bandSeries(name, stack, data, color) {
  return {
    name,
    type: 'line',
    stack,
    showSymbol: false,
    connectNulls: false,
    silent: true,
    lineStyle: { opacity: 0 },
    areaStyle: color ? { color } : { opacity: 0 },
    emphasis: { disabled: true },
    data,
    z: 2,
  };
}

function sparkY(opts) {
  return {
    type: 'value',
    show: false,
    scale: !opts.zeroBased,
    min: opts.zeroBased ? 0 : (v) => v.min - Math.max((v.max - v.min) * 0.25, Math.abs(v.min) * 0.02, 0.5),
    max: opts.yMax !== undefined ? opts.yMax : (v) => v.max + Math.max((v.max - v.min) * 0.15, Math.abs(v.max) * 0.02, 0.5),
  };
}

/**
 * Y-axis bounds on round binary steps (0, 256 KiB, 512 KiB, ...) rather than
 * ECharts' decimal ones (0, 97.7 KiB, 195 KiB, ...). Aims at about 3 steps.
 */
function binaryAxis(series) {
  let max = 0;
  for (const s of series) for (const pts of [s.line, s.hi || []]) for (const [, v] of pts) if (v > max) max = v;
  if (max <= 0) return { max: 4, interval: 1 };
  let unit = 1;
  while (max / unit >= 1024) unit *= 1024;
  const raw = max / unit / 3;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) * unit;
  return { max: Math.ceil(max / step) * step, interval: step };
}

/** Keep every chart of group on one crosshair. */
export function connectGroup(group) {
  if (chartsAvailable()) echarts.connect(group);
}
