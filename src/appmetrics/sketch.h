/* sketch.h - a mergeable quantile sketch for timers, histograms and
 * distributions: a log-linear histogram (DDSketch-style buckets computed from
 * the bits of the double) with a relative error of at most 1/129 (0.78 %).
 *
 * A positive value v = 2^e * (1 + f), 0 <= f < 1, falls in bucket
 * e * 64 + floor(f * 64): 64 buckets per power of two. Every bucket [a, b)
 * is reported as 2ab / (a + b), which is within (b - a) / (a + b) <= 1/129 of
 * every value in it. Negative values use a mirrored set of buckets; zero (and
 * anything below DBL_MIN in magnitude) has its own count. Merging two
 * sketches adds bucket counts, so the merge of per-interval sketches is
 * exactly the sketch of all their values (merge = union): rollups merge
 * quantiles, never average them.
 *
 * Memory: one 32-bit counter per bucket between the smallest and the
 * largest bucket used (plus half that as room to grow), at most
 * SKETCH_MAX_BUCKETS per sign: 32 powers of two (a ratio of 4e9 between the
 * smallest and largest value) at full precision, 8 KiB. Values further below
 * the largest collapse into the lowest bucket kept (DDSketch's "collapsing
 * lowest" store), so upper quantiles stay within the error bound and only
 * quantiles among the collapsed values lose precision. A bucket holds at
 * most 2^32 - 1 values (it saturates); the totals are 64-bit. */
#ifndef HIRO_APP_SKETCH_H
#define HIRO_APP_SKETCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hiro.h"
#include "common/strbuf.h"

#define SKETCH_SUBBUCKETS_LOG2 6
#define SKETCH_MAX_BUCKETS 2048
/* The bound on the relative error of every quantile: 1 / (2 * 64 + 1). */
#define SKETCH_RELATIVE_ERROR (1.0 / 129.0)

typedef struct sketch sketch;

/* A new, empty sketch. Never fails (allocation aborts). */
sketch *sketch_new(void);
/* Release s. Safe on NULL. */
void sketch_free(sketch *s);
/* Forget every value and release the bucket memory: an idle series costs
 * only the sketch header. */
void sketch_clear(sketch *s);

/* Add value v weight times (weight >= 1; a sampled timer at @0.1 adds 10).
 * Non-finite values are ignored. Never fails. */
void sketch_add(sketch *s, double v, uint64_t weight);
/* Add every value of src to dst (dst becomes the union). Never fails. */
void sketch_merge(sketch *dst, const sketch *src);

/* Number of values (weights included), their sum, smallest and largest.
 * min and max are exact (not bucketed); NAN when empty. */
uint64_t sketch_count(const sketch *s);
double sketch_sum(const sketch *s);
double sketch_min(const sketch *s);
double sketch_max(const sketch *s);

/* The q-quantile (0 <= q <= 1): the value of rank floor(q * (count - 1)) in
 * ascending order, within SKETCH_RELATIVE_ERROR of the exact value of that
 * rank, clamped to [min, max]. NAN when empty or q is out of range. */
double sketch_quantile(const sketch *s, double q);

/* Bytes of heap the sketch holds (header and buckets). */
size_t sketch_memory(const sketch *s);

/* Append the compact binary form of the buckets to out (a BLOB for SQLite:
 * a version byte, then per sign the non-empty buckets as varint key deltas
 * and varint counts). sum, min and max are not part of it: the store keeps
 * them in their own columns. Typical size: 2-3 bytes per non-empty bucket. */
void sketch_encode(const sketch *s, strbuf *out);
/* Replace s's contents with the decoded buckets of buf. sum, min and max
 * come from the caller (the columns stored beside the blob); pass NAN for
 * min/max to take the bucket bounds. HIRO_EPARSE on a malformed or foreign
 * blob (s is then empty). Never reads outside buf. */
hiro_err sketch_decode(sketch *s, const void *buf, size_t len, double sum, double min,
                       double max) HIRO_MUST_USE;

#endif
