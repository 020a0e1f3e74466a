/* plan.c - clamping a history range to the stored data and choosing its
 * resolution and source (see plan.h). */
#include "history/plan.h"

#include <string.h>

#define NONE INT64_MAX

/* Rows read per point allowed, and at least this many. Reading a rollup
 * or raw row with its 8 plugin rows costs ~10 us on the development machine
 * (a 24 h answer: 1441 minute rows in 16.6 ms), so 2 x 1800 rows keeps the
 * 25 ms budget of a 24 h or 30 d answer; a finer step that would read more
 * is passed over for a coarser tier (docs/performance.md). */
enum { READ_ROWS_PER_POINT = 2, READ_ROWS_MIN = 2048 };

static const struct {
  int64_t seconds;
  const char *text;
} ladder[] = {
    {1, "1"},
    {2, "2"},
    {5, "5"},
    {10, "10"},
    {15, "15"},
    {20, "20"},
    {30, "30"},
    {60, "60"},
    {120, "120"},
    {300, "300"},
    {600, "600"},
    {900, "900"},
    {1200, "1200"},
    {1800, "1800"},
    {3600, "3600"},
    {7200, "7200"},
    {10800, "10800"},
    {14400, "14400"},
    {21600, "21600"},
    {28800, "28800"},
    {43200, "43200"},
    {86400, "86400"},
    {172800, "172800"},
    {345600, "345600"},
    {691200, "691200"},
    {1382400, "1382400"},
    {2764800, "2764800"},
    {5529600, "5529600"},
    {11059200, "11059200"},
    {22118400, "22118400"},
    {44236800, "44236800"},
    {88473600, "88473600"},
    {176947200, "176947200"},
    {353894400, "353894400"},
    {707788800, "707788800"},
    {1415577600, "1415577600"},
    {2831155200, "2831155200"},
    {5662310400, "5662310400"},
    {11324620800, "11324620800"},
    {22649241600, "22649241600"},
    {45298483200, "45298483200"},
    {90596966400, "90596966400"},
    {181193932800, "181193932800"},
    {362387865600, "362387865600"},
    {724775731200, "724775731200"},
};

size_t history_ladder_len(void) { return sizeof ladder / sizeof ladder[0]; }
int64_t history_ladder_step(size_t i) { return ladder[i].seconds; }

const char *history_resolution_text(int64_t seconds) {
  for (size_t i = 0; i < history_ladder_len(); i++)
    if (ladder[i].seconds == seconds) return ladder[i].text;
  return "raw";
}

static int64_t floordiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }
static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

void history_clamp(const history_facts *f, int64_t from_ms, int64_t to_ms, history_span *out) {
  memset(out, 0, sizeof *out);
  for (int i = 0; i < 4; i++) out->cover_ms[i] = NONE;
  int64_t newest = INT64_MIN;
  if (f->has_ring) {
    out->cover_ms[HISTORY_SRC_RING] = f->ring_oldest_ms;
    newest = f->ring_newest_ms;
  }
  const store_extent *e = &f->ext;
  if (f->has_store && e->has_raw) {
    out->cover_ms[HISTORY_SRC_RAW] = e->raw_oldest_ms;
    newest = max64(newest, e->raw_newest_ms);
  }
  int64_t finer = min64(out->cover_ms[HISTORY_SRC_RING], out->cover_ms[HISTORY_SRC_RAW]);
  for (int t = 0; t < STORE_TIERS; t++) {
    if (!f->has_store || !e->has_tier[t]) continue;
    int64_t w = store_tier_seconds[t] * 1000, first = e->tier_oldest_ms[t];
    /* The first bucket holds older data than the finer sources only when it
     * ends before their first sample's bucket starts; a bucket start earlier
     * than the finer data within the same bucket is only the floor. */
    int64_t cover = finer == NONE || first < floordiv(finer, w) * w ? first : max64(first, finer);
    out->cover_ms[HISTORY_SRC_MINUTE + t] = cover;
    finer = min64(finer, cover);
    newest = max64(newest, e->tier_newest_ms[t]);
  }
  out->data_from_ms = finer;
  out->data_to_ms = newest;
  out->from_ms = max64(from_ms, finer);
  out->to_ms = min64(to_ms, newest);
  out->empty = finer == NONE || out->from_ms > out->to_ms;
}

int64_t history_read_cap(size_t max_points) {
  if (max_points == 0 || max_points > (size_t)(INT64_MAX / READ_ROWS_PER_POINT)) return NONE;
  return max64(READ_ROWS_MIN, (int64_t)max_points * READ_ROWS_PER_POINT);
}

static int64_t buckets(const history_span *sp, int64_t width_s) {
  int64_t w = width_s * 1000;
  return floordiv(sp->to_ms, w) - floordiv(sp->from_ms, w) + 1;
}

static bool fits(const history_counts *c, int64_t points) {
  return c->max_points == 0 || points <= (int64_t)c->max_points;
}

static bool covers(const history_span *sp, history_src src) {
  return sp->cover_ms[src] <= sp->from_ms;
}

/* A source that gives resolution r for the span reading at most cap rows,
 * or -1. */
static int pick_source(const history_facts *f, const history_span *sp, const history_counts *c,
                       int64_t r, int64_t cap) {
  if (c->tiers_only) {
    if (r == 3600) return covers(sp, HISTORY_SRC_HOUR) ? HISTORY_SRC_HOUR : -1;
    return r == 60 && covers(sp, HISTORY_SRC_MINUTE) ? HISTORY_SRC_MINUTE : -1;
  }
  /* Memory first: nothing to read, and its edges are exact. Without a store
   * it is the only source, whatever it holds. */
  if (covers(sp, HISTORY_SRC_RING) && (c->ring_count <= cap || !f->has_store))
    return HISTORY_SRC_RING;
  if (r % 3600 == 0 && covers(sp, HISTORY_SRC_HOUR) && buckets(sp, 3600) <= cap)
    return HISTORY_SRC_HOUR;
  if (r % 60 == 0 && covers(sp, HISTORY_SRC_MINUTE) && buckets(sp, 60) <= cap)
    return HISTORY_SRC_MINUTE;
  if (covers(sp, HISTORY_SRC_RAW) && c->raw_count <= cap) return HISTORY_SRC_RAW;
  return -1;
}

void history_choose(const history_facts *f, const history_span *sp, const history_counts *c,
                    history_plan *out) {
  out->resolution = 0;
  out->source = f->has_ring ? HISTORY_SRC_RING : HISTORY_SRC_RAW;
  if (sp->empty) return;
  /* Raw: every snapshot, when they fit and one source has them all. */
  if (!c->tiers_only && covers(sp, HISTORY_SRC_RING)) {
    if (fits(c, c->ring_count)) return;
  } else if (covers(sp, HISTORY_SRC_RAW) && fits(c, c->raw_count + c->ring_tail)) {
    out->source = HISTORY_SRC_RAW;
    return;
  }
  int64_t cap = history_read_cap(c->max_points);
  for (int pass = 0; pass < 2; pass++, cap = NONE)
    for (size_t i = 0; i < history_ladder_len(); i++) {
      int64_t r = ladder[i].seconds;
      if (!fits(c, buckets(sp, r))) continue;
      int src = pick_source(f, sp, c, r, cap);
      if (src < 0) continue;
      out->resolution = r;
      out->source = (history_src)src;
      return;
    }
  /* Unreachable for a non-empty span: the source holding the oldest data
   * covers it, and the last step puts any span in one bucket. */
  out->source = HISTORY_SRC_RAW;
}
