// format.js - human units for the dashboard: binary byte sizes, rates,
// percentages and local times. Pure functions; every one accepts null/undefined
// and answers an em dash, so callers never check for missing values.

const DASH = '\u2014';
const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

/** 1536 -> "1.5 KiB"; three significant digits above 1 KiB. */
export function formatBytes(n) {
  if (!isNum(n)) return DASH;
  let value = Math.abs(n);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const sign = n < 0 ? '-' : '';
  if (unit === 0) return `${sign}${Math.round(value)} B`;
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${sign}${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

/** Bytes per second -> "1.2 MiB/s". */
export function formatRate(n) {
  return isNum(n) ? `${formatBytes(n)}/s` : DASH;
}

/** 12.345 -> "12.3 %" (two decimals below 1 so idle processes do not read 0.0). */
export function formatPercent(p) {
  if (!isNum(p)) return DASH;
  const digits = Math.abs(p) < 1 && p !== 0 ? 2 : 1;
  return `${p.toFixed(digits)} %`;
}

export function formatCount(n) {
  return isNum(n) ? Math.round(n).toLocaleString() : DASH;
}

/** Packets per second, "1.2k pkt/s" style. */
export function formatPacketRate(n) {
  if (!isNum(n)) return DASH;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M pkt/s`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k pkt/s`;
  return `${n.toFixed(n < 10 ? 1 : 0)} pkt/s`;
}

/** Unix seconds -> the viewer's local clock time, e.g. "14:03:27". */
export function formatTime(ts) {
  if (!isNum(ts)) return DASH;
  return new Date(ts * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** Unix seconds -> local date and time, e.g. "12 Mar, 14:03". */
export function formatDateTime(ts) {
  if (!isNum(ts)) return DASH;
  return new Date(ts * 1000).toLocaleString([], {
    day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit',
  });
}

/** Seconds -> "3 s", "4 min", "2 h 5 min", "3 d 4 h". */
export function formatDuration(sec) {
  if (!isNum(sec) || sec < 0) return DASH;
  if (sec < 60) return `${Math.round(sec)} s`;
  const min = Math.floor(sec / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** Collector interval in seconds -> "1 s", "2.5 s". */
export function formatInterval(sec) {
  if (!isNum(sec)) return DASH;
  return `${Number.isInteger(sec) ? sec : sec.toFixed(1)} s`;
}

/** X-Metrics-Resolution header value -> words for the source badge. */
export function formatResolution(res) {
  if (res === 'raw') return 'raw';
  if (res === '60') return '1-min avg';
  if (res === '3600') return '1-h avg';
  return res ? `${res}-s avg` : 'unknown';
}
