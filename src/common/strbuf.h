/* strbuf.h - a growable byte buffer with fast number formatting, used for
 * JSON, Prometheus and CSV output. */
#ifndef HIRO_STRBUF_H
#define HIRO_STRBUF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  char *data; /* always NUL-terminated when non-NULL */
  size_t len;
  size_t cap;
} strbuf;

#include <string.h>

void sb_init(strbuf *b, size_t initial);
void sb_free(strbuf *b);
/* Hand the buffer to the caller (free() it); b is reset. Never NULL. */
char *sb_steal(strbuf *b);
/* Grow (slow path of sb_reserve). */
void sb_grow(strbuf *b, size_t extra);

/* The appends are inline: encoding 1800 snapshots makes millions of them, and
 * a call per byte was a third of the history endpoint's time. */
static inline void sb_reserve(strbuf *b, size_t extra) {
  if (!b->data || b->len + extra + 1 > b->cap) sb_grow(b, extra);
}
static inline void sb_putc(strbuf *b, char c) {
  sb_reserve(b, 1);
  b->data[b->len++] = c;
  b->data[b->len] = '\0';
}
static inline void sb_append(strbuf *b, const char *s, size_t n) {
  sb_reserve(b, n);
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}
static inline void sb_puts(strbuf *b, const char *s) { sb_append(b, s, strlen(s)); }
void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_u64(strbuf *b, uint64_t v);
void sb_i64(strbuf *b, int64_t v);
/* Fixed-point decimal with at most `decimals` (0-6) digits after the point,
 * trailing zeros trimmed but always one digit after the point ("3.0"), so
 * JSON readers see a float. NaN and infinities print as 0.0. Values beyond
 * +-1e15 fall back to %.17g. */
void sb_double(strbuf *b, double v, int decimals);
/* Length of the valid UTF-8 sequence at p (1-4), or 0 when p starts an
 * invalid one (stray continuation byte, overlong form, surrogate, above
 * U+10FFFF, truncated). Never reads past a NUL. */
size_t sb_utf8_len(const char *p);
/* Append the len bytes at s with each byte that does not start a valid UTF-8
 * sequence (sb_utf8_len; a NUL byte counts as invalid here) replaced by
 * U+FFFD: the rule sb_json_string applies, for text that is not JSON (CSV). */
void sb_append_utf8(strbuf *b, const char *s, size_t len);
/* True when the len bytes at s are valid UTF-8 without NUL bytes (then
 * sb_append_utf8 would copy them unchanged). */
bool sb_utf8_valid(const char *s, size_t len);
/* JSON string literal with quotes and escapes (control chars as \u00XX).
 * Invalid UTF-8 (plugin names and client input can be any bytes) becomes
 * U+FFFD, so the output is always valid JSON. */
void sb_json_string(strbuf *b, const char *s);

#endif
