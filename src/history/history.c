/* history.c - the history path: gather what the ring and the database hold,
 * let plan.c choose, then read (copy raw points, or fold buckets) and mark
 * samples, partial buckets and gaps (see history.h). */
#include "history/history.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history/fold.h"
#include "history/plan.h"

/* A raw point starts a gap when the interval its rates were measured over
 * begins more than this after the previous point: wall and monotonic clocks
 * and the stored 10 ms precision of the interval differ by milliseconds. */
#define GAP_SLACK_S 0.25

typedef struct {
  collector *coll;
  store_read *rd;
  const history_request *req;
  int64_t from_ms, to_ms; /* as requested */
  history_facts facts;
  history_span span;
  history_counts counts;
  history_plan plan;
} query;

typedef struct {
  metrics_snapshot *v;
  size_t n, cap;
} snapvec;

static metrics_snapshot *snapvec_push(snapvec *sv) {
  if (sv->n == sv->cap) {
    sv->cap = sv->cap ? 2 * sv->cap : 256;
    sv->v = xrealloc(sv->v, sv->cap * sizeof *sv->v);
  }
  metrics_snapshot *s = &sv->v[sv->n++];
  memset(s, 0, sizeof *s);
  return s;
}

static void free_snapshots(metrics_snapshot *v, size_t n) {
  for (size_t i = 0; i < n; i++) snapshot_free(&v[i]);
  free(v);
}

/* Unix seconds to ms: timestamps are whole milliseconds, so round. */
static int64_t ms_of(double seconds) {
  if (!(seconds > -9e12)) return INT64_MIN / 2;
  if (seconds > 9e12) return INT64_MAX / 2;
  return (int64_t)llround(seconds * 1000.0);
}

static double seconds_of(int64_t ms) { return (double)ms / 1000.0; }

/* ---- facts and plan ---- */

static hiro_err gather(query *q, store *db, char *err, size_t errlen) {
  history_facts *f = &q->facts;
  double oldest, newest;
  if (q->coll && collector_history_bounds(q->coll, &oldest, &newest)) {
    f->has_ring = true;
    f->ring_oldest_ms = ms_of(oldest);
    f->ring_newest_ms = ms_of(newest);
  }
  if (db) {
    q->rd = store_read_begin(db);
    if (q->rd && store_read_extent(q->rd, &f->ext) == HIRO_OK) {
      f->has_store = true;
    } else if (!q->coll) {
      snprintf(err, errlen, "cannot read the metrics database (see the log)");
      return HIRO_EIO;
    }
    /* With a ring, a database that cannot be read leaves memory answers. */
  }
  history_clamp(f, q->from_ms, q->to_ms, &q->span);
  history_counts *c = &q->counts;
  c->max_points = q->req->max_points;
  if (q->span.empty) return HIRO_OK;
  double lo = seconds_of(q->span.from_ms), hi = seconds_of(q->span.to_ms);
  if (f->has_ring) c->ring_count = (int64_t)collector_history_extent(q->coll, lo, hi, &oldest);
  /* The ring holds the range and it fits: a raw answer from memory, and the
   * raw rows need not be counted (~1 ms for the 3601 a count may visit). */
  bool ring_raw = f->has_ring && f->ring_oldest_ms <= q->span.from_ms &&
                  c->ring_count <= (int64_t)c->max_points;
  if (f->has_store && f->ext.has_raw && !ring_raw) {
    c->raw_count = store_read_count_raw(q->rd, q->span.from_ms, q->span.to_ms,
                                        history_read_cap(c->max_points) + 1);
    if (f->has_ring && f->ext.raw_newest_ms < q->span.to_ms)
      c->ring_tail = (int64_t)collector_history_extent(
          q->coll, seconds_of(f->ext.raw_newest_ms + 1), hi, &oldest);
  }
  history_choose(f, &q->span, c, &q->plan);
  return HIRO_OK;
}

/* ---- raw answers ---- */

static int by_timestamp(const void *a, const void *b) {
  double ta = ((const metrics_snapshot *)a)->timestamp;
  double tb = ((const metrics_snapshot *)b)->timestamp;
  return (ta > tb) - (ta < tb);
}

/* The ring is in insertion order, which is timestamp order unless the wall
 * clock stepped back: sort in that case (the check is O(n)). */
static void sort_if_needed(metrics_snapshot *v, size_t n) {
  for (size_t i = 1; i < n; i++)
    if (v[i].timestamp < v[i - 1].timestamp) {
      qsort(v, n, sizeof *v, by_timestamp);
      return;
    }
}

static bool push_decoded(void *ctx, const store_point *p) {
  store_point_to_snapshot(p, snapvec_push(ctx));
  return true;
}

/* Append the ring's entries in [lo, hi] to sv (moved out of a copy). */
static void append_ring(query *q, int64_t lo_ms, int64_t hi_ms, snapvec *sv) {
  metrics_snapshot *copy = NULL;
  double oldest;
  size_t n = collector_history(q->coll, seconds_of(lo_ms), seconds_of(hi_ms), &copy, &oldest);
  sort_if_needed(copy, n);
  for (size_t i = 0; i < n; i++) *snapvec_push(sv) = copy[i];
  free(copy);
}

static hiro_err read_raw(query *q, snapvec *sv) {
  if (q->plan.source == HISTORY_SRC_RING) {
    append_ring(q, q->from_ms, q->to_ms, sv);
    return HIRO_OK;
  }
  if (store_read_raw(q->rd, q->span.from_ms, q->span.to_ms, push_decoded, sv) != HIRO_OK)
    return HIRO_EIO;
  /* Snapshots the writer has not committed yet are in the ring. */
  int64_t newest = q->facts.ext.raw_newest_ms;
  if (q->facts.has_ring && newest < q->to_ms) append_ring(q, newest + 1, q->to_ms, sv);
  return HIRO_OK;
}

static bool wanted(const history_request *req, const char *name) {
  for (size_t i = 0; i < req->n_processes; i++)
    if (strcmp(req->processes[i], name) == 0) return true;
  return false;
}

/* Drop the plugins the request does not name. */
static void filter_children(const history_request *req, metrics_snapshot *s) {
  if (req->n_processes == 0) return;
  size_t k = 0;
  for (size_t i = 0; i < s->n_children; i++)
    if (wanted(req, s->children[i].name)) s->children[k++] = s->children[i];
  s->n_children = k;
}

/* ---- aggregated answers ---- */

static void feed_snapshot(void *ctx, const metrics_snapshot *s) { fold_add_snapshot(ctx, s); }

static bool feed_point(void *ctx, const store_point *p) {
  fold_add(ctx, p);
  return true;
}

/* Fold every raw snapshot in [lo, hi]: from the ring when it holds them
 * all, else the raw tier plus the ring's snapshots not yet on disk. */
static hiro_err feed_raw(query *q, fold *f, int64_t lo, int64_t hi) {
  if (lo > hi) return HIRO_OK;
  const history_facts *fa = &q->facts;
  if (fa->has_ring && fa->ring_oldest_ms <= lo) {
    collector_history_each(q->coll, seconds_of(lo), seconds_of(hi), feed_snapshot, f);
    return HIRO_OK;
  }
  if (!fa->has_store) return HIRO_OK;
  if (store_read_raw(q->rd, lo, hi, feed_point, f) != HIRO_OK) return HIRO_EIO;
  int64_t after = fa->ext.has_raw ? fa->ext.raw_newest_ms + 1 : lo;
  if (fa->has_ring && after <= hi)
    collector_history_each(q->coll, seconds_of(after > lo ? after : lo), seconds_of(hi),
                           feed_snapshot, f);
  return HIRO_OK;
}

static int64_t floordiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

/* From a rollup tier: whole buckets from its rows, plus raw snapshots for
 * what the tier does not hold yet (newer than its rollup watermark) and for
 * the first and last buckets when the range cuts them and raw data exists
 * there (so they hold exactly the samples inside the range). */
static hiro_err feed_tier(query *q, fold *f, int tier) {
  const history_span *sp = &q->span;
  int64_t w = q->plan.resolution * 1000;
  int64_t first = floordiv(sp->from_ms, w) * w, last = floordiv(sp->to_ms, w) * w;
  int64_t raw_from = sp->cover_ms[HISTORY_SRC_RING] < sp->cover_ms[HISTORY_SRC_RAW]
                         ? sp->cover_ms[HISTORY_SRC_RING]
                         : sp->cover_ms[HISTORY_SRC_RAW];
  bool clip_first = q->from_ms > first && q->from_ms > sp->data_from_ms && raw_from <= q->from_ms;
  /* Raw data must hold the part of the last bucket inside the range (and
   * the data: nothing is older than data_from). */
  int64_t last_lo = last > sp->from_ms ? last : sp->from_ms;
  bool clip_last = q->to_ms < last + w - 1 && q->to_ms < sp->data_to_ms && raw_from <= last_lo;
  int64_t tier_lo = first, tier_hi = last + w - 1;
  hiro_err rc = HIRO_OK;
  if (clip_first) {
    int64_t hi = first + w - 1 < q->to_ms ? first + w - 1 : q->to_ms;
    rc = feed_raw(q, f, q->from_ms, hi);
    tier_lo = first + w;
  }
  if (rc == HIRO_OK && clip_last && !(clip_first && last == first)) {
    rc = feed_raw(q, f, last_lo, q->to_ms);
    tier_hi = last - 1;
  } else if (clip_last) {
    tier_hi = last - 1;
  }
  if (rc != HIRO_OK || tier_lo > tier_hi) return rc;
  if (store_read_tier(q->rd, tier, q->req->agg, tier_lo, tier_hi, feed_point, f) != HIRO_OK)
    return HIRO_EIO;
  int64_t rolled = q->facts.ext.rolled_up_ms[tier];
  int64_t tail_lo = rolled == INT64_MIN || rolled < tier_lo ? tier_lo : rolled + 1;
  return feed_raw(q, f, tail_lo, tier_hi);
}

static hiro_err read_buckets(query *q, metrics_snapshot **out, size_t *n) {
  int64_t w = q->plan.resolution * 1000;
  fold *f = fold_new(q->span.from_ms, q->span.to_ms, w, q->req->agg,
                     q->req->n_processes ? q->req->processes : NULL, q->req->n_processes);
  hiro_err rc = HIRO_OK;
  switch (q->plan.source) {
  case HISTORY_SRC_RING:
    collector_history_each(q->coll, seconds_of(q->from_ms), seconds_of(q->to_ms), feed_snapshot, f);
    break;
  case HISTORY_SRC_RAW: rc = feed_raw(q, f, q->span.from_ms, q->span.to_ms); break;
  case HISTORY_SRC_MINUTE: rc = feed_tier(q, f, 0); break;
  case HISTORY_SRC_HOUR: rc = feed_tier(q, f, 1); break;
  }
  *n = rc == HIRO_OK ? fold_finish(f, out) : 0;
  fold_free(f);
  return rc;
}

/* ---- marks ---- */

static void mark_points(const query *q, metrics_snapshot *v, size_t n) {
  int64_t r = q->plan.resolution;
  int64_t end = q->to_ms < q->span.data_to_ms ? q->to_ms : q->span.data_to_ms;
  for (size_t i = 0; i < n; i++) {
    metrics_snapshot *s = &v[i];
    if (r == 0) {
      s->point.samples = 1;
      double iv = s->sampling.interval_seconds;
      /* An unknown interval (rows from before it was recorded) says nothing. */
      s->point.gap_before = i > 0 && iv > 0 && s->timestamp - iv > v[i - 1].timestamp + GAP_SLACK_S;
      continue;
    }
    int64_t start = ms_of(s->timestamp);
    s->point.partial = start < q->from_ms || start + r * 1000 - 1 > end;
    s->point.gap_before = i > 0 && start - ms_of(v[i - 1].timestamp) > r * 1000;
  }
}

hiro_err history_query(collector *coll, store *db, const history_request *req, history_answer *out,
                       char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  out->resolution_text = "raw";
  query q = {.coll = coll, .req = req, .from_ms = ms_of(req->from), .to_ms = ms_of(req->to)};
  hiro_err rc = gather(&q, db, err, errlen);
  out->from_disk = q.facts.has_store && !q.facts.has_ring;
  if (rc != HIRO_OK || q.span.empty) goto out;
  out->resolution = q.plan.resolution;
  out->resolution_text = history_resolution_text(q.plan.resolution);
  out->from_disk = q.plan.source != HISTORY_SRC_RING;
  if (q.plan.resolution == 0) {
    snapvec sv = {0};
    rc = read_raw(&q, &sv);
    for (size_t i = 0; i < sv.n; i++) filter_children(req, &sv.v[i]);
    out->points = sv.v;
    out->n = sv.n;
  } else {
    rc = read_buckets(&q, &out->points, &out->n);
  }
  if (rc != HIRO_OK) {
    snprintf(err, errlen, "reading the metrics database failed (see the log)");
    history_answer_free(out);
    out->resolution_text = "raw";
    goto out;
  }
  mark_points(&q, out->points, out->n);
out:
  store_read_end(q.rd);
  return rc;
}

void history_answer_free(history_answer *a) {
  free_snapshots(a->points, a->n);
  a->points = NULL;
  a->n = 0;
}
