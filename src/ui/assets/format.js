// format.js - human units for the dashboard: binary byte sizes, rates,
// percentages, durations and 24-hour local times. Pure functions; every one
// accepts null/undefined and answers an em dash, so callers never check for
// missing values.

export const DASH = '\u2014';
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

/** A load average or other small real number: "1.25". */
export function formatDecimal(n) {
  return isNum(n) ? n.toFixed(2) : DASH;
}

/** Packets per second, "1.2k pkt/s" style. */
export function formatPacketRate(n) {
  if (!isNum(n)) return DASH;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M pkt/s`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k pkt/s`;
  return `${n.toFixed(n < 10 ? 1 : 0)} pkt/s`;
}

const CLOCK = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
const CLOCK_HM = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const DAY = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });

/** Unix seconds -> the viewer's local 24-hour clock time, "14:03:27". */
export function formatTime(ts) {
  return isNum(ts) ? CLOCK.format(new Date(ts * 1000)) : DASH;
}

/** Unix seconds -> "14:03". */
export function formatClock(ts) {
  return isNum(ts) ? CLOCK_HM.format(new Date(ts * 1000)) : DASH;
}

/** Unix seconds -> local date and 24-hour time, "Sat, 28 Nov 14:03:27". */
export function formatDateTime(ts, { seconds = true } = {}) {
  if (!isNum(ts)) return DASH;
  const d = new Date(ts * 1000);
  return `${DAY.format(d)} ${(seconds ? CLOCK : CLOCK_HM).format(d)}`;
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

/** Collector interval in seconds -> "1 s", "2.5 s", "5 min", "1 h". */
export function formatInterval(sec) {
  if (!isNum(sec)) return DASH;
  if (sec >= 60 && sec % 60 === 0) return sec % 3600 === 0 ? `${sec / 3600} h` : `${sec / 60} min`;
  return `${Number.isInteger(sec) ? sec : sec.toFixed(1)} s`;
}

/** Seconds per bucket (0 or 'raw' for raw samples) -> "1-min", "1-h", "raw". */
export function resolutionName(res) {
  const r = Number(res);
  if (!r) return 'raw';
  if (r % 3600 === 0) return `${r / 3600}-h`;
  if (r % 60 === 0) return `${r / 60}-min`;
  return `${r}-s`;
}

/** X-Metrics-Resolution value -> words for the source badge. */
export function formatResolution(res) {
  if (res === 'raw' || res === 0) return 'raw';
  if (!res || Number.isNaN(Number(res))) return 'unknown';
  return `${resolutionName(res)} avg + min/max`;
}

const SIGNALS = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL', 11: 'SIGSEGV', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM' };

/** 9 -> "SIGKILL (9)". */
export function formatSignal(sig) {
  if (!isNum(sig)) return DASH;
  return SIGNALS[sig] ? `${SIGNALS[sig]} (${sig})` : `signal ${sig}`;
}
