// store.js - the charted data of one view (a time range), kept current
// without ever re-reading the range:
//   - raw views hold the snapshots themselves; every live tick appends what
//     is new (the poller asks for everything after the last timestamp, so no
//     sample is dropped);
//   - rolled-up views hold one bucket per resolution step with the server's
//     avg, min and max snapshots (three reads of the history API at load);
//     live ticks after the load are folded into the buckets here, with the
//     same rule as the server's rollups (average of measured values, true
//     min and max), so the newest bucket grows instead of being re-read.
// Buckets are folded field by field over the whole snapshot (plugins matched
// by name, list entries by their name), so any figure a section asks for,
// including ones added later, has its avg/min/max without code here.
// Gaps are found here too: where the server marks one (gap_before) or two
// points lie further apart than the expected step.

import { isNum } from './format.js';

/* ---- folding snapshots ------------------------------------------------ */

/** The key that matches list entries across snapshots: its first string field. */
function itemKey(item, index) {
  if (item && typeof item === 'object') {
    for (const v of Object.values(item)) if (typeof v === 'string') return v;
  }
  return `#${index}`;
}

/**
 * Fold one snapshot (or a server bucket as avg/min/max with weight w) into an
 * accumulator tree. Numbers keep sum, count, min and max; null or missing
 * values are not counted (rollups aggregate measured rows only).
 */
function fold(node, avg, min, max, w) {
  if (isNum(avg)) {
    const n = node && node.leaf ? node : { leaf: true, s: 0, n: 0, lo: Infinity, hi: -Infinity };
    n.s += avg * w;
    n.n += w;
    n.lo = Math.min(n.lo, isNum(min) ? min : avg);
    n.hi = Math.max(n.hi, isNum(max) ? max : avg);
    return n;
  }
  if (Array.isArray(avg)) {
    const n = node && node.arr ? node : { arr: new Map() };
    const byKey = (list) => new Map((Array.isArray(list) ? list : []).map((it, i) => [itemKey(it, i), it]));
    const mins = byKey(min);
    const maxs = byKey(max);
    avg.forEach((it, i) => {
      const k = itemKey(it, i);
      n.arr.set(k, fold(n.arr.get(k), it, mins.get(k), maxs.get(k), w));
    });
    return n;
  }
  if (avg && typeof avg === 'object') {
    const n = node && node.obj ? node : { obj: {} };
    for (const [k, v] of Object.entries(avg)) {
      n.obj[k] = fold(n.obj[k], v, min && min[k], max && max[k], w);
    }
    return n;
  }
  // Strings, booleans and nulls: the newest non-null value wins.
  const n = node && 'val' in node ? node : { val: null };
  if (avg !== null && avg !== undefined) n.val = avg;
  else if (node === undefined || node === null) n.val = null;
  return n;
}

/** The avg, min or max snapshot an accumulator tree stands for. */
function materialize(node, which) {
  if (!node) return null;
  if (node.leaf) {
    if (!node.n) return null;
    return which === 'min' ? node.lo : which === 'max' ? node.hi : node.s / node.n;
  }
  if (node.arr) return [...node.arr.values()].map((v) => materialize(v, which));
  if (node.obj) {
    const out = {};
    for (const [k, v] of Object.entries(node.obj)) out[k] = materialize(v, which);
    return out;
  }
  return node.val;
}

/* ---- one view's data --------------------------------------------------- */

export class ViewData {
  /**
   * from/to: the range in Unix seconds (to = null: a live view ending now);
   * res: seconds per bucket (0 = raw samples).
   */
  constructor({ from, to, res }) {
    this.from = from;
    this.to = to;
    this.span = (to === null ? Date.now() / 1000 : to) - from;
    this.res = res;
    this.raw = []; // raw views: snapshots, oldest first
    this.buckets = new Map(); // rolled views: bucket start -> {avg, min, max} or {acc, w}
    this.cut = 0; // rolled views: ticks at or before this are in the server's buckets
    this.lastTs = 0; // newest sample timestamp seen (raw or folded)
    this.step = null; // expected seconds between raw samples, when the server says
    this.cache = null;
  }

  get live() {
    return this.to === null;
  }

  /** The end of the range now. */
  end(now) {
    return this.to === null ? now : this.to;
  }

  /** A history answer for the whole range (avg, plus min and max when rolled up). */
  load(avg, min, max, cut, interval) {
    this.cache = null;
    if (!this.res) {
      this.raw = avg.slice();
      this.lastTs = this.raw.length ? this.raw[this.raw.length - 1].timestamp : 0;
      return;
    }
    const mins = new Map((min || []).map((s) => [s.timestamp, s]));
    const maxs = new Map((max || []).map((s) => [s.timestamp, s]));
    for (const s of avg) {
      this.buckets.set(s.timestamp, { avg: s, min: mins.get(s.timestamp) || s, max: maxs.get(s.timestamp) || s, interval });
    }
    this.cut = cut;
  }

  /** New raw snapshots (oldest first). Answers how many were new. */
  addTicks(snaps) {
    let added = 0;
    for (const s of snaps) {
      if (!isNum(s.timestamp) || s.timestamp <= this.lastTs) continue;
      this.lastTs = s.timestamp;
      added++;
      if (this.to !== null && s.timestamp > this.to) continue;
      if (!this.res) {
        this.raw.push(s);
        continue;
      }
      if (s.timestamp <= this.cut) continue;
      const start = Math.floor(s.timestamp / this.res) * this.res;
      let b = this.buckets.get(start);
      if (b && !b.acc) {
        // A bucket the server answered (maybe partial): continue it here,
        // weighting its average by the samples it must have held.
        const held = isNum(b.avg.samples) && b.avg.samples > 0 ? b.avg.samples
          : Math.max(1, Math.round((Math.min(this.cut, start + this.res) - start) / (b.interval || 1)));
        b = { acc: fold(undefined, b.avg, b.min, b.max, held) };
        this.buckets.set(start, b);
      } else if (!b) {
        b = { acc: undefined };
        this.buckets.set(start, b);
      }
      b.acc = fold(b.acc, s, s, s, 1);
      b.dirty = true;
    }
    if (added) this.cache = null;
    return added;
  }

  /** Slide a live range to end at now, dropping what fell out of it. */
  slide(now) {
    if (this.to !== null) return;
    this.from = now - this.span;
    const from = this.from;
    if (!this.res) {
      let k = 0;
      while (k < this.raw.length - 1 && this.raw[k + 1].timestamp < from) k++;
      if (k > 0) {
        this.raw.splice(0, k);
        this.cache = null;
      }
      return;
    }
    for (const start of [...this.buckets.keys()]) {
      if (start + this.res < from) {
        this.buckets.delete(start);
        this.cache = null;
      }
    }
  }

  /**
   * Points for charts and footers: [{t, start, avg, min, max}] where avg/min/max
   * are snapshots (the same one three times for raw samples), t the time to
   * draw at (a bucket's middle, never after now) and start the sample or
   * bucket start.
   */
  points(now) {
    if (this.cache && this.cache.now === now) return this.cache.points;
    let points;
    if (!this.res) {
      points = this.raw.map((s) => ({ t: s.timestamp, start: s.timestamp, avg: s, min: s, max: s }));
    } else {
      const starts = [...this.buckets.keys()].sort((a, b) => a - b);
      points = starts.map((start) => {
        const b = this.buckets.get(start);
        if (b.acc && (b.dirty || !b.out)) {
          b.out = { avg: materialize(b.acc, 'avg'), min: materialize(b.acc, 'min'), max: materialize(b.acc, 'max') };
          b.dirty = false;
        }
        const v = b.acc ? b.out : b;
        return { t: Math.min(start + this.res / 2, now), start, avg: v.avg, min: v.min, max: v.max };
      });
    }
    this.cache = { now, points };
    return points;
  }

  /** Newest snapshot held (a bucket's average in rolled views). */
  newest() {
    if (!this.res) return this.raw[this.raw.length - 1] || null;
    const pts = this.points(Date.now() / 1000);
    return pts.length ? pts[pts.length - 1].avg : null;
  }

  /**
   * Where there is no data: between two points further apart than the
   * expected step, before the first point and after the last. Answers
   * [{a, b, edge}] (edge: 'start' | 'end' | null), times in seconds.
   */
  gaps(now, fallbackStep) {
    const pts = this.points(now);
    const from = this.from;
    const end = this.end(now);
    const out = [];
    const stepOf = (p) => {
      if (this.res) return this.res;
      const s = p.avg && p.avg.sampling && p.avg.sampling.interval_seconds;
      return Math.max(isNum(s) ? s : 0, this.step || 0, fallbackStep || 1);
    };
    const tooFar = (dt, step) => (this.res ? dt > this.res * 1.5 : dt > Math.max(step * 2.5, step + 3));
    if (!pts.length) {
      out.push({ a: from, b: end, edge: 'all' });
      return out;
    }
    const first = this.res ? pts[0].start : pts[0].t;
    if (first - from > (this.res ? this.res : stepOf(pts[0]) * 2.5)) out.push({ a: from, b: first, edge: 'start' });
    for (let i = 1; i < pts.length; i++) {
      const a = this.res ? pts[i - 1].start + this.res : pts[i - 1].t;
      const b = this.res ? pts[i].start : pts[i].t;
      // The server marks downtime (gap_before); older servers leave it to the spacing.
      const marked = pts[i].avg && pts[i].avg.gap_before === true;
      if (marked || tooFar(pts[i].start - pts[i - 1].start, stepOf(pts[i]))) out.push({ a, b, edge: null });
    }
    const lastP = pts[pts.length - 1];
    const lastT = this.res ? Math.max(lastP.start + this.res, this.lastTs) : lastP.t;
    const step = stepOf(lastP);
    if (end - lastT > (this.res ? Math.max(this.res * 0.5, step) : Math.max(step * 2.5, step + 3))) {
      out.push({ a: Math.max(lastT, from), b: end, edge: 'end' });
    }
    return out;
  }
}

/** The value get(snapshot) answers, or null when any part is missing. */
export function valueOf(get, snap) {
  if (!snap) return null;
  try {
    const v = get(snap);
    return isNum(v) ? v : null;
  } catch {
    return null;
  }
}

/**
 * Chart series for one figure: {line, lo, hi, starts, step} with [t, v] pairs;
 * lo/hi only for rolled-up views.
 */
export function seriesOf(view, now, get) {
  const pts = view.points(now);
  const line = pts.map((p) => [p.t, valueOf(get, p.avg)]);
  if (!view.res) return { line, lo: null, hi: null, step: view.step };
  const starts = new Map(pts.map((p) => [Math.round(p.t * 1000), p.start]));
  return {
    line,
    lo: pts.map((p) => [p.t, valueOf(get, p.min)]),
    hi: pts.map((p) => [p.t, valueOf(get, p.max)]),
    starts,
  };
}

/** True min and max of a figure over the view: from the min/max buckets. */
export function extremesOf(view, now, get) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of view.points(now)) {
    const a = valueOf(get, p.min);
    const b = valueOf(get, p.max);
    if (a !== null) lo = Math.min(lo, a);
    if (b !== null) hi = Math.max(hi, b);
  }
  return hi >= lo ? { min: lo, max: hi } : null;
}
