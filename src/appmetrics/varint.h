/* varint.h - LEB128 unsigned varints and zigzag signed integers, the
 * building blocks of the compact sketch and set BLOBs. */
#ifndef HIRO_APP_VARINT_H
#define HIRO_APP_VARINT_H
#include <stdbool.h>
#include <stdint.h>

#include "common/strbuf.h"

static inline void varint_put(strbuf *out, uint64_t v) {
  char bytes[10];
  int n = 0;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    bytes[n++] = (char)(v ? b | 0x80 : b);
  } while (v);
  sb_append(out, bytes, (size_t)n);
}

/* Read one varint at *p (never past end) and advance. False on a truncated
 * or over-long (more than 64 bits) varint. */
static inline bool varint_get(const uint8_t **p, const uint8_t *end, uint64_t *out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64 && *p < end; shift += 7) {
    uint8_t b = *(*p)++;
    if (shift == 63 && (b & 0x7e)) return false;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return true;
    }
  }
  return false;
}

static inline uint64_t varint_zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t varint_unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

#endif
