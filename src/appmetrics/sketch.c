/* sketch.c - log-linear quantile sketch: bucket keys from the bits of the
 * double, dense "collapsing lowest" bucket stores, merge, varint encoding. */
#include "appmetrics/sketch.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "appmetrics/varint.h"

enum { STORE_INITIAL_CAP = 32, SUBBUCKETS = 1 << SKETCH_SUBBUCKETS_LOG2 };
/* Keys of finite normal doubles: exponents -1022..1023. */
#define KEY_MIN (-1022 * SUBBUCKETS)
#define KEY_MAX (1024 * SUBBUCKETS - 1)
#define SKETCH_FORMAT 1

/* Counts of the keys [offset, offset + cap); the used ones are [lo, hi]. */
typedef struct {
  uint32_t *counts; /* saturate at UINT32_MAX values per bucket */
  int32_t offset, lo, hi;
  uint32_t cap;
  uint64_t total;
} bucket_store;

struct sketch {
  bucket_store pos, neg; /* neg holds the magnitudes of negative values */
  uint64_t zero;
  double sum, min, max;
};

static uint64_t add_sat(uint64_t a, uint64_t b) { return a + b < a ? UINT64_MAX : a + b; }
static uint32_t add_sat32(uint32_t a, uint64_t b) {
  return b >= (uint64_t)(UINT32_MAX - a) ? UINT32_MAX : a + (uint32_t)b;
}

/* Bucket of a magnitude >= DBL_MIN: exponent * 64 + top 6 mantissa bits. */
static int32_t value_key(double magnitude) {
  uint64_t bits;
  memcpy(&bits, &magnitude, sizeof bits);
  int32_t exponent = (int32_t)((bits >> 52) & 0x7ff) - 1023;
  int32_t sub = (int32_t)((bits >> (52 - SKETCH_SUBBUCKETS_LOG2)) & (SUBBUCKETS - 1));
  return exponent * SUBBUCKETS + sub;
}

static double key_lower_bound(int32_t key) {
  int32_t exponent = key >= 0 ? key / SUBBUCKETS : -((-key + SUBBUCKETS - 1) / SUBBUCKETS);
  int32_t sub = key - exponent * SUBBUCKETS;
  return ldexp(1.0 + (double)sub / SUBBUCKETS, exponent);
}

/* The value that is within 1/129 of everything in the bucket [a, b): their
 * harmonic mean, computed so that it stays finite: 2ab / (a + b) overflows
 * (inf / inf = NaN) from a ~ 1e154 on, and the top bucket's b is 2^1024. */
static double key_value(int32_t key) {
  double a = key_lower_bound(key), b = key_lower_bound(key + 1);
  double v = a * (2.0 / (1.0 + a / b));
  return isfinite(v) ? v : DBL_MAX;
}

/* ---- one store ---- */

static void store_free(bucket_store *bs) {
  free(bs->counts);
  memset(bs, 0, sizeof *bs);
}

/* Make the keys [lo, hi] (span <= SKETCH_MAX_BUCKETS) addressable, in a new
 * array centred on them when they are not, keeping the counts of the used
 * keys that fall inside. bs->lo and bs->hi are the caller's to update. */
static void store_fit(bucket_store *bs, int32_t lo, int32_t hi) {
  if (bs->counts && lo >= bs->offset && hi < bs->offset + (int32_t)bs->cap) return;
  uint32_t span = (uint32_t)(hi - lo + 1);
  /* Half again the span: room to grow either way without much slack. */
  uint32_t cap = span + span / 2 + STORE_INITIAL_CAP;
  if (cap > SKETCH_MAX_BUCKETS) cap = SKETCH_MAX_BUCKETS;
  int32_t offset = lo - (int32_t)(cap - span) / 2;
  if (offset < KEY_MIN) offset = KEY_MIN;
  if (offset + (int32_t)cap - 1 > KEY_MAX) offset = KEY_MAX - (int32_t)cap + 1;
  uint32_t *counts = xcalloc(cap, sizeof *counts);
  if (bs->counts && bs->total) {
    int32_t from = bs->lo > lo ? bs->lo : lo, to = bs->hi < hi ? bs->hi : hi;
    for (int32_t k = from; k <= to; k++) counts[k - offset] = bs->counts[k - bs->offset];
  }
  free(bs->counts);
  bs->counts = counts;
  bs->cap = cap;
  bs->offset = offset;
}

static void store_add(bucket_store *bs, int32_t key, uint64_t weight) {
  if (bs->total == 0) {
    store_fit(bs, key, key);
    bs->lo = bs->hi = key;
  } else if (key < bs->lo) {
    int32_t floor_key = bs->hi - SKETCH_MAX_BUCKETS + 1;
    if (key < floor_key) key = floor_key; /* collapses into the lowest bucket kept */
    store_fit(bs, key, bs->hi);
    bs->lo = key;
  } else if (key > bs->hi) {
    int32_t floor_key = key - SKETCH_MAX_BUCKETS + 1;
    uint64_t folded = 0;
    if (floor_key > bs->lo) { /* slide up: fold what falls off into the new lowest */
      for (int32_t k = bs->lo; k < floor_key && k <= bs->hi; k++) {
        folded += bs->counts[k - bs->offset];
        bs->counts[k - bs->offset] = 0;
      }
      store_fit(bs, floor_key, key);
      bs->lo = floor_key;
    } else {
      store_fit(bs, bs->lo, key);
    }
    bs->hi = key;
    uint32_t before = bs->counts[bs->lo - bs->offset];
    bs->counts[bs->lo - bs->offset] = add_sat32(before, folded);
    bs->total = bs->total - folded + (bs->counts[bs->lo - bs->offset] - before);
  }
  /* The total counts what the buckets hold, so a saturated bucket keeps
   * count and ranks consistent. */
  uint32_t before = bs->counts[key - bs->offset];
  bs->counts[key - bs->offset] = add_sat32(before, weight);
  bs->total += bs->counts[key - bs->offset] - before;
}

static void store_merge(bucket_store *dst, const bucket_store *src) {
  if (!src->total) return;
  for (int32_t k = src->lo; k <= src->hi; k++) {
    uint32_t c = src->counts[k - src->offset];
    if (c) store_add(dst, k, c);
  }
}

/* ---- the sketch ---- */

sketch *sketch_new(void) {
  sketch *s = xcalloc(1, sizeof *s);
  s->min = s->max = NAN;
  return s;
}

void sketch_free(sketch *s) {
  if (!s) return;
  store_free(&s->pos);
  store_free(&s->neg);
  free(s);
}

void sketch_clear(sketch *s) {
  store_free(&s->pos);
  store_free(&s->neg);
  s->zero = 0;
  s->sum = 0;
  s->min = s->max = NAN;
}

static void note_extremes(sketch *s, double lo, double hi) {
  if (isnan(s->min) || lo < s->min) s->min = lo;
  if (isnan(s->max) || hi > s->max) s->max = hi;
}

void sketch_add(sketch *s, double v, uint64_t weight) {
  if (!isfinite(v) || weight == 0) return;
  double magnitude = fabs(v);
  if (magnitude < DBL_MIN)
    s->zero = add_sat(s->zero, weight);
  else
    store_add(v > 0 ? &s->pos : &s->neg, value_key(magnitude), weight);
  s->sum += v * (double)weight;
  note_extremes(s, v, v);
}

void sketch_merge(sketch *dst, const sketch *src) {
  if (sketch_count(src) == 0) return;
  store_merge(&dst->pos, &src->pos);
  store_merge(&dst->neg, &src->neg);
  dst->zero = add_sat(dst->zero, src->zero);
  dst->sum += src->sum;
  note_extremes(dst, src->min, src->max);
}

uint64_t sketch_count(const sketch *s) {
  return add_sat(add_sat(s->pos.total, s->neg.total), s->zero);
}
double sketch_sum(const sketch *s) { return s->sum; }
double sketch_min(const sketch *s) { return s->min; }
double sketch_max(const sketch *s) { return s->max; }

size_t sketch_memory(const sketch *s) {
  return sizeof *s + ((size_t)s->pos.cap + s->neg.cap) * sizeof(uint32_t);
}

double sketch_quantile(const sketch *s, double q) {
  uint64_t count = sketch_count(s);
  if (count == 0 || !(q >= 0.0 && q <= 1.0)) return NAN;
  /* As a double: a count near 2^64 would not convert back. Exact below 2^53. */
  double rank = floor(q * (double)(count - 1));
  double value = s->max;
  uint64_t seen = 0;
  bool found = false;
  /* Ascending values: negatives from the largest magnitude, zero, positives. */
  for (int32_t k = s->neg.hi; s->neg.total && k >= s->neg.lo && !found; k--) {
    seen += s->neg.counts[k - s->neg.offset];
    if ((double)seen > rank) value = -key_value(k), found = true;
  }
  if (!found && (double)(seen = add_sat(seen, s->zero)) > rank) value = 0.0, found = true;
  for (int32_t k = s->pos.lo; s->pos.total && k <= s->pos.hi && !found; k++) {
    seen += s->pos.counts[k - s->pos.offset];
    if ((double)seen > rank) value = key_value(k), found = true;
  }
  if (value < s->min) value = s->min;
  if (value > s->max) value = s->max;
  return value;
}

/* ---- encoding ---- */

static void encode_store(const bucket_store *bs, strbuf *out) {
  uint64_t nonzero = 0;
  for (int32_t k = bs->lo; bs->total && k <= bs->hi; k++)
    nonzero += bs->counts[k - bs->offset] != 0;
  varint_put(out, nonzero);
  int32_t prev = 0;
  bool first = true;
  for (int32_t k = bs->lo; bs->total && k <= bs->hi; k++) {
    uint32_t c = bs->counts[k - bs->offset];
    if (!c) continue;
    if (first)
      varint_put(out, varint_zigzag(k));
    else
      varint_put(out, (uint64_t)(k - prev));
    varint_put(out, c);
    prev = k;
    first = false;
  }
}

void sketch_encode(const sketch *s, strbuf *out) {
  sb_putc(out, SKETCH_FORMAT);
  varint_put(out, s->zero);
  encode_store(&s->pos, out);
  encode_store(&s->neg, out);
}

static bool decode_store(bucket_store *bs, const uint8_t **p, const uint8_t *end) {
  uint64_t n, raw, count;
  if (!varint_get(p, end, &n) || n > (uint64_t)(end - *p)) return false;
  int64_t key = 0;
  for (uint64_t i = 0; i < n; i++) {
    if (!varint_get(p, end, &raw) || !varint_get(p, end, &count) || count == 0) return false;
    if (i == 0)
      key = varint_unzigzag(raw);
    else if (raw == 0 || raw > (uint64_t)(KEY_MAX - KEY_MIN))
      return false;
    else
      key += (int64_t)raw;
    if (key < KEY_MIN || key > KEY_MAX) return false;
    store_add(bs, (int32_t)key, count);
  }
  return true;
}

/* The sketch's bucket-derived extremes, when the caller has none. */
static void extremes_from_buckets(sketch *s) {
  if (s->neg.total) note_extremes(s, -key_value(s->neg.hi), -key_value(s->neg.lo));
  if (s->zero) note_extremes(s, 0.0, 0.0);
  if (s->pos.total) note_extremes(s, key_value(s->pos.lo), key_value(s->pos.hi));
}

hiro_err sketch_decode(sketch *s, const void *buf, size_t len, double sum, double min, double max) {
  sketch_clear(s);
  const uint8_t *p = buf, *end = p + len;
  bool ok = len > 0 && *p++ == SKETCH_FORMAT && varint_get(&p, end, &s->zero) &&
            decode_store(&s->pos, &p, end) && decode_store(&s->neg, &p, end) && p == end;
  if (!ok) {
    sketch_clear(s);
    return HIRO_EPARSE;
  }
  s->sum = isfinite(sum) ? sum : 0.0;
  if (sketch_count(s) == 0) return HIRO_OK;
  if (isfinite(min) && isfinite(max) && min <= max)
    note_extremes(s, min, max);
  else
    extremes_from_buckets(s);
  return HIRO_OK;
}
