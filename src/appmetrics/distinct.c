/* distinct.c - exact hash sets that turn into a HyperLogLog past 512 members. */
#include "appmetrics/distinct.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "appmetrics/varint.h"

enum { HLL_BITS = 12, HLL_REGISTERS = 1 << HLL_BITS };
enum { FORMAT_EXACT = 1, FORMAT_HLL = 2 };

struct distinct {
  uint64_t *hashes; /* exact mode: sorted, n of cap */
  size_t n, cap;
  uint8_t *registers; /* HyperLogLog mode when non-NULL */
};

distinct *distinct_new(void) { return xcalloc(1, sizeof(distinct)); }

void distinct_clear(distinct *d) {
  free(d->hashes);
  free(d->registers);
  memset(d, 0, sizeof *d);
}

void distinct_free(distinct *d) {
  if (!d) return;
  distinct_clear(d);
  free(d);
}

uint64_t distinct_hash(const char *member, size_t len) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a, then murmur3's finaliser */
  for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)member[i]) * 1099511628211ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

static void hll_add(uint8_t *registers, uint64_t hash) {
  size_t index = (size_t)(hash >> (64 - HLL_BITS));
  uint64_t rest = hash << HLL_BITS;
  uint8_t rank = rest ? (uint8_t)(__builtin_clzll(rest) + 1) : (uint8_t)(64 - HLL_BITS + 1);
  if (rank > registers[index]) registers[index] = rank;
}

/* Leave exact mode: every hash goes into fresh registers. */
static void to_hll(distinct *d) {
  d->registers = xcalloc(HLL_REGISTERS, 1);
  for (size_t i = 0; i < d->n; i++) hll_add(d->registers, d->hashes[i]);
  free(d->hashes);
  d->hashes = NULL;
  d->n = d->cap = 0;
}

/* Position of hash in the sorted set (where it is or would go). */
static size_t exact_find(const distinct *d, uint64_t hash) {
  size_t lo = 0, hi = d->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (d->hashes[mid] < hash)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

void distinct_add(distinct *d, uint64_t hash) {
  if (d->registers) {
    hll_add(d->registers, hash);
    return;
  }
  size_t at = exact_find(d, hash);
  if (at < d->n && d->hashes[at] == hash) return;
  if (d->n == DISTINCT_EXACT_MAX) {
    to_hll(d);
    hll_add(d->registers, hash);
    return;
  }
  if (d->n == d->cap) {
    d->cap = d->cap ? d->cap * 2 : 8;
    d->hashes = xrealloc(d->hashes, d->cap * sizeof *d->hashes);
  }
  memmove(d->hashes + at + 1, d->hashes + at, (d->n - at) * sizeof *d->hashes);
  d->hashes[at] = hash;
  d->n++;
}

void distinct_merge(distinct *dst, const distinct *src) {
  if (src->registers) {
    if (!dst->registers) to_hll(dst);
    for (size_t i = 0; i < HLL_REGISTERS; i++)
      if (src->registers[i] > dst->registers[i]) dst->registers[i] = src->registers[i];
    return;
  }
  for (size_t i = 0; i < src->n; i++) distinct_add(dst, src->hashes[i]);
}

static double hll_estimate(const uint8_t *registers) {
  double m = HLL_REGISTERS, sum = 0;
  size_t zeros = 0;
  for (size_t i = 0; i < HLL_REGISTERS; i++) {
    sum += ldexp(1.0, -registers[i]);
    zeros += registers[i] == 0;
  }
  double estimate = 0.7213 / (1 + 1.079 / m) * m * m / sum;
  /* Linear counting is the better estimate in the small range. */
  if (estimate <= 2.5 * m && zeros) estimate = m * log(m / (double)zeros);
  return estimate;
}

uint64_t distinct_count(const distinct *d) {
  if (!d->registers) return d->n;
  return (uint64_t)llround(hll_estimate(d->registers));
}

size_t distinct_memory(const distinct *d) {
  return sizeof *d + d->cap * sizeof *d->hashes + (d->registers ? HLL_REGISTERS : 0);
}

void distinct_encode(const distinct *d, strbuf *out) {
  if (!d->registers) {
    sb_putc(out, FORMAT_EXACT);
    varint_put(out, d->n);
    for (size_t i = 0; i < d->n; i++) varint_put(out, d->hashes[i] - (i ? d->hashes[i - 1] : 0));
    return;
  }
  sb_putc(out, FORMAT_HLL);
  size_t nonzero = 0;
  for (size_t i = 0; i < HLL_REGISTERS; i++) nonzero += d->registers[i] != 0;
  varint_put(out, nonzero);
  size_t prev = 0;
  for (size_t i = 0; i < HLL_REGISTERS; i++) {
    if (!d->registers[i]) continue;
    varint_put(out, i - prev);
    sb_putc(out, (char)d->registers[i]);
    prev = i;
  }
}

static bool decode_exact(distinct *d, const uint8_t **p, const uint8_t *end) {
  uint64_t n, delta, hash = 0;
  if (!varint_get(p, end, &n) || n > DISTINCT_EXACT_MAX) return false;
  for (uint64_t i = 0; i < n; i++) {
    if (!varint_get(p, end, &delta) || (i && (delta == 0 || hash + delta < hash))) return false;
    hash += delta;
    distinct_add(d, hash);
  }
  return true;
}

static bool decode_hll(distinct *d, const uint8_t **p, const uint8_t *end) {
  uint64_t n, delta;
  if (!varint_get(p, end, &n) || n > HLL_REGISTERS) return false;
  d->registers = xcalloc(HLL_REGISTERS, 1);
  uint64_t index = 0;
  for (uint64_t i = 0; i < n; i++) {
    if (!varint_get(p, end, &delta) || (i && delta == 0) || *p >= end) return false;
    index += delta;
    uint8_t rank = *(*p)++;
    if (index >= HLL_REGISTERS || rank == 0 || rank > 64 - HLL_BITS + 1) return false;
    d->registers[index] = rank;
  }
  return true;
}

hiro_err distinct_decode(distinct *d, const void *buf, size_t len) {
  distinct_clear(d);
  const uint8_t *p = buf, *end = p + len;
  bool ok = len > 0;
  if (ok) {
    uint8_t format = *p++;
    ok = format == FORMAT_EXACT ? decode_exact(d, &p, end)
         : format == FORMAT_HLL ? decode_hll(d, &p, end)
                                : false;
  }
  if (!ok || p != end) {
    distinct_clear(d);
    return HIRO_EPARSE;
  }
  return HIRO_OK;
}
