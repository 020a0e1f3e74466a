// charts.js - the ECharts wrappers the dashboard draws with: small sparklines
// for the server-process cards and two-line time charts for disk, network and
// the system section. Each wrapper owns one ECharts instance, resizes with its
// container, and takes points as [unix seconds, value] pairs; gaps longer than
// a few sampling steps are drawn as breaks, not as straight lines across.

import { formatDateTime, formatTime } from './format.js';

const echarts = window.echarts;

export const PALETTE = {
  cpu: '#4f5bd5',
  rss: '#0b8a7a',
  threads: '#c2680c',
  read: '#2f80ed',
  write: '#e0761b',
  sent: '#7b5ce0',
  recv: '#1a9c5c',
  sysCpu: '#4f5bd5',
  sysMem: '#0b8a7a',
};

const AXIS_TEXT = '#6b7385';
const GRID_LINE = '#eceef3';

/** Whether ECharts loaded (the build embeds it; without it we show text only). */
export const chartsAvailable = () => Boolean(echarts);

function chartUnavailable(el) {
  el.classList.add('chart-missing');
  el.textContent = 'Charts unavailable (echarts.min.js was not embedded in this build)';
}

function makeInstance(el) {
  const chart = echarts.init(el, null, { renderer: 'canvas' });
  new ResizeObserver(() => chart.resize()).observe(el);
  return chart;
}

/**
 * Insert a null between two points further apart than maxGap seconds so the
 * line breaks where the collector was off or the server was down.
 * points: [[ts, value], ...] oldest first. Returns [[ms, value|null], ...].
 */
export function withGaps(points, maxGap) {
  const out = [];
  for (let i = 0; i < points.length; i++) {
    const [ts, value] = points[i];
    if (i > 0 && ts - points[i - 1][0] > maxGap) out.push([(points[i - 1][0] + ts) * 500, null]);
    out.push([ts * 1000, value]);
  }
  return out;
}

function tooltipTime(ms, longRange) {
  return longRange ? formatDateTime(ms / 1000) : formatTime(ms / 1000);
}

function areaGradient(color) {
  return new echarts.graphic.LinearGradient(0, 0, 0, 1, [
    { offset: 0, color: `${color}40` },
    { offset: 1, color: `${color}05` },
  ]);
}

function lineSeries(name, color, { area = false } = {}) {
  return {
    name,
    type: 'line',
    showSymbol: false,
    symbol: 'circle',
    symbolSize: 5,
    connectNulls: false,
    lineStyle: { width: 1.6, color },
    itemStyle: { color },
    areaStyle: area ? { color: areaGradient(color) } : undefined,
    emphasis: { disabled: true },
    data: [],
  };
}

function axisTooltip(format, state) {
  return {
    trigger: 'axis',
    confine: true,
    axisPointer: { type: 'line', lineStyle: { color: '#9aa1b2', width: 1 } },
    backgroundColor: 'rgba(255,255,255,0.97)',
    borderColor: '#dde1e8',
    textStyle: { color: '#1d2333', fontSize: 12 },
    formatter(params) {
      const list = Array.isArray(params) ? params : [params];
      if (!list.length) return '';
      const head = `<div class="tt-time">${tooltipTime(list[0].value[0], state.longRange)}</div>`;
      const rows = list
        .filter((p) => p.value[1] !== null && p.value[1] !== undefined)
        .map((p) => `<div>${p.marker}${list.length > 1 ? `${p.seriesName} ` : ''}<b>${format(p.value[1])}</b></div>`);
      return head + rows.join('');
    },
  };
}

/**
 * A sparkline in el: one filled line, no axes. opts: {color, format, zeroBased}.
 * Returns {setData(points, maxGap, longRange)} where points are [ts, value].
 */
export function createSparkline(el, opts) {
  if (!chartsAvailable()) {
    chartUnavailable(el);
    return { setData() {} };
  }
  const chart = makeInstance(el);
  const state = { longRange: false };
  chart.setOption({
    animation: false,
    grid: { left: 2, right: 2, top: 6, bottom: 2 },
    xAxis: { type: 'time', show: false },
    yAxis: {
      type: 'value', show: false, scale: !opts.zeroBased,
      min: opts.zeroBased ? 0 : (v) => v.min - Math.max((v.max - v.min) * 0.25, Math.abs(v.min) * 0.02, 0.5),
      max: (v) => v.max + Math.max((v.max - v.min) * 0.15, Math.abs(v.max) * 0.02, 0.5),
    },
    tooltip: axisTooltip(opts.format, state),
    series: [lineSeries(opts.name || '', opts.color, { area: true })],
  });
  return {
    setData(points, maxGap, longRange) {
      state.longRange = longRange;
      chart.setOption({ series: [{ data: withGaps(points, maxGap) }] });
    },
  };
}

/**
 * A time chart with axes and a legend for one or more lines.
 * opts: {series: [{name, color}], format (tooltip), axisFormat (y labels),
 * binary (byte rates: round binary axis steps), yMax and yInterval (a fixed
 * scale, e.g. 0-100 % in steps of 25)}.
 * setData(seriesPoints, maxGap, longRange): seriesPoints holds one
 * [ts, value] array per series, in the order given.
 */
export function createTimeChart(el, opts) {
  if (!chartsAvailable()) {
    chartUnavailable(el);
    return { setData() {} };
  }
  const chart = makeInstance(el);
  const state = { longRange: false };
  chart.setOption({
    animation: false,
    // No legend: the card heading names each line next to a colour swatch.
    grid: { left: 4, right: 14, top: 12, bottom: 2, containLabel: true },
    xAxis: {
      type: 'time',
      axisLine: { lineStyle: { color: GRID_LINE } },
      axisTick: { show: false },
      axisLabel: { color: AXIS_TEXT, fontSize: 11, hideOverlap: true, margin: 10 },
      splitLine: { show: false },
    },
    yAxis: {
      type: 'value',
      min: 0,
      max: opts.yMax, // undefined: fit the data
      interval: opts.yInterval,
      splitNumber: 3,
      axisLabel: { color: AXIS_TEXT, fontSize: 11, formatter: opts.axisFormat || opts.format },
      splitLine: { lineStyle: { color: GRID_LINE } },
    },
    tooltip: axisTooltip(opts.format, state),
    series: opts.series.map((s, i) => lineSeries(s.name, s.color, { area: i === 0 })),
  });
  return {
    setData(seriesPoints, maxGap, longRange) {
      state.longRange = longRange;
      const yAxis = opts.binary ? binaryAxis(seriesPoints) : {};
      chart.setOption({ yAxis, series: seriesPoints.map((pts) => ({ data: withGaps(pts, maxGap) })) });
    },
  };
}

/**
 * Y-axis bounds on round binary steps (0, 256 KiB, 512 KiB, ...) rather than
 * ECharts' decimal ones (0, 97.7 KiB, 195 KiB, ...). Aims at about 3 steps.
 */
function binaryAxis(seriesPoints) {
  let max = 0;
  for (const pts of seriesPoints) for (const [, v] of pts) if (v > max) max = v;
  if (max <= 0) return { max: 4, interval: 1 };
  let unit = 1;
  while (max / unit >= 1024) unit *= 1024;
  const raw = max / unit / 3;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) * unit;
  return { max: Math.ceil(max / step) * step, interval: step };
}
