/* distinct.h - distinct counting for StatsD sets, mergeable for rollups.
 *
 * Members are kept as 64-bit hashes: exactly, up to DISTINCT_EXACT_MAX
 * members (4 KiB), then as a HyperLogLog with 2^12 one-byte registers (4 KiB,
 * standard error 1.04 / 64 = 1.6 %). Merging two counters gives the distinct
 * count of the union: hash sets are unioned, HyperLogLogs take the maximum
 * of each register. Memory is bounded at 4 KiB plus the header. */
#ifndef HIRO_APP_DISTINCT_H
#define HIRO_APP_DISTINCT_H
#include <stddef.h>
#include <stdint.h>

#include "common/hiro.h"
#include "common/strbuf.h"

#define DISTINCT_EXACT_MAX 512

typedef struct distinct distinct;

distinct *distinct_new(void);
void distinct_free(distinct *d);
/* Forget every member and release the memory beyond the header. */
void distinct_clear(distinct *d);

/* 64-bit hash of a member string (well mixed: HyperLogLog reads its bits). */
uint64_t distinct_hash(const char *member, size_t len);
void distinct_add(distinct *d, uint64_t hash);
/* dst becomes the union of dst and src. */
void distinct_merge(distinct *dst, const distinct *src);
/* Number of distinct members: exact below DISTINCT_EXACT_MAX, else the
 * HyperLogLog estimate (rounded). */
uint64_t distinct_count(const distinct *d);
size_t distinct_memory(const distinct *d);

/* Compact BLOB: a version byte, then the hashes (exact) or the non-zero
 * registers (HyperLogLog). */
void distinct_encode(const distinct *d, strbuf *out);
/* Replace d's contents with a decoded blob; HIRO_EPARSE on a malformed one
 * (d is then empty). Never reads outside buf. */
hiro_err distinct_decode(distinct *d, const void *buf, size_t len) HIRO_MUST_USE;

#endif
