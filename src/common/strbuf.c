/* strbuf.c - growable buffer and fast number formatting. */
#include "common/strbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hiro.h"

void sb_init(strbuf *b, size_t initial) {
  b->cap = initial < 16 ? 16 : initial;
  b->data = xmalloc(b->cap);
  b->data[0] = '\0';
  b->len = 0;
}

void sb_free(strbuf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

char *sb_steal(strbuf *b) {
  if (!b->data) sb_init(b, 16);
  char *s = b->data;
  b->data = NULL;
  b->len = b->cap = 0;
  return s;
}

void sb_grow(strbuf *b, size_t extra) {
  if (!b->data) sb_init(b, extra + 1);
  if (b->len + extra + 1 <= b->cap) return;
  size_t cap = b->cap * 2;
  while (cap < b->len + extra + 1) cap *= 2;
  b->data = xrealloc(b->data, cap);
  b->cap = cap;
}

void sb_printf(strbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n <= 0) return;
  sb_reserve(b, (size_t)n);
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void sb_u64(strbuf *b, uint64_t v) {
  /* Two digits per division: integers are most of what the encoders write. */
  static const char pairs[201] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  char tmp[24];
  int i = sizeof tmp;
  while (v >= 100) {
    unsigned d = (unsigned)(v % 100) * 2;
    v /= 100;
    tmp[--i] = pairs[d + 1];
    tmp[--i] = pairs[d];
  }
  if (v >= 10) {
    unsigned d = (unsigned)v * 2;
    tmp[--i] = pairs[d + 1];
    tmp[--i] = pairs[d];
  } else {
    tmp[--i] = (char)('0' + v);
  }
  sb_append(b, tmp + i, sizeof tmp - (size_t)i);
}

void sb_i64(strbuf *b, int64_t v) {
  if (v < 0) {
    sb_putc(b, '-');
    sb_u64(b, (uint64_t)0 - (uint64_t)v);
  } else {
    sb_u64(b, (uint64_t)v);
  }
}

void sb_double(strbuf *b, double v, int decimals) {
  static const double scale[] = {1, 10, 100, 1000, 1e4, 1e5, 1e6};
  if (!isfinite(v)) {
    sb_append(b, "0.0", 3);
    return;
  }
  if (decimals < 0) decimals = 0;
  if (decimals > 6) decimals = 6;
  if (fabs(v) >= 1e15) {
    sb_printf(b, "%.17g", v);
    return;
  }
  double scaled = llround(fabs(v) * scale[decimals]);
  uint64_t fixed = (uint64_t)scaled;
  uint64_t unit = (uint64_t)scale[decimals];
  if (v < 0 && fixed) sb_putc(b, '-');
  sb_u64(b, fixed / unit);
  sb_putc(b, '.');
  uint64_t frac = fixed % unit;
  if (frac == 0 || decimals == 0) {
    sb_putc(b, '0');
    return;
  }
  char digits[8];
  for (int i = decimals - 1; i >= 0; i--) {
    digits[i] = (char)('0' + frac % 10);
    frac /= 10;
  }
  int n = decimals;
  while (n > 1 && digits[n - 1] == '0') n--;
  sb_append(b, digits, (size_t)n);
}

size_t sb_utf8_len(const char *text) {
  const unsigned char *p = (const unsigned char *)text;
  unsigned char c = p[0], lo = 0x80, hi = 0xBF;
  size_t n = c < 0x80                 ? 1
             : c >= 0xC2 && c <= 0xDF ? 2
             : c >= 0xE0 && c <= 0xEF ? 3
             : c >= 0xF0 && c <= 0xF4 ? 4
                                      : 0;
  if (n < 2) return n;
  if (c == 0xE0) lo = 0xA0; /* overlong */
  if (c == 0xED) hi = 0x9F; /* surrogates */
  if (c == 0xF0) lo = 0x90; /* overlong */
  if (c == 0xF4) hi = 0x8F; /* above U+10FFFF */
  if (p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < n; i++)
    if ((p[i] & 0xC0) != 0x80) return 0; /* also stops at the NUL */
  return n;
}

/* sb_utf8_len for a sequence that may end at s + avail rather than at a NUL. */
static size_t utf8_len_bounded(const char *s, size_t avail) {
  char seq[5] = {0};
  memcpy(seq, s, avail < 4 ? avail : 4);
  return sb_utf8_len(seq);
}

bool sb_utf8_valid(const char *s, size_t len) {
  for (size_t i = 0; i < len;) {
    if ((unsigned char)s[i] - 1u < 0x7fu) { /* 0x01..0x7f */
      i++;
      continue;
    }
    size_t n = s[i] ? utf8_len_bounded(s + i, len - i) : 0;
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void sb_append_utf8(strbuf *b, const char *s, size_t len) {
  for (size_t i = 0; i < len;) {
    size_t n = s[i] ? utf8_len_bounded(s + i, len - i) : 0;
    if (n == 0) {
      sb_append(b, "\xEF\xBF\xBD", 3);
      i++;
    } else {
      sb_append(b, s + i, n);
      i += n;
    }
  }
}

void sb_json_string(strbuf *b, const char *s) {
  static const char hex[] = "0123456789abcdef";
  sb_putc(b, '"');
  for (const char *p = s; *p;) {
    unsigned char c = (unsigned char)*p;
    if (c == '"' || c == '\\') {
      sb_putc(b, '\\');
      sb_putc(b, (char)c);
    } else if (c < 0x20) {
      char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      sb_append(b, esc, 6);
    } else if (c >= 0x80) {
      size_t n = sb_utf8_len(p);
      if (n == 0) {
        sb_append(b, "\xEF\xBF\xBD", 3);
        p++;
      } else {
        sb_append(b, p, n);
        p += n;
      }
      continue;
    } else {
      sb_putc(b, (char)c);
    }
    p++;
  }
  sb_putc(b, '"');
}
