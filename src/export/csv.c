/* csv.c - RFC 4180 field output and the exact text forms of stored values
 * (ISO-8601 times, scaled integers, averages). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/strbuf.h"
#include "export/export.h"

bool csv_write_field(FILE *f, const char *s, size_t len) {
  if (!sb_utf8_valid(s, len)) { /* plugin names are any bytes: JSON's rule */
    strbuf fixed;
    sb_init(&fixed, len * 3 + 1);
    sb_append_utf8(&fixed, s, len);
    bool ok = csv_write_field(f, fixed.data, fixed.len);
    sb_free(&fixed);
    return ok;
  }
  bool quote = false;
  for (size_t i = 0; i < len && !quote; i++)
    quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
  if (!quote) return fwrite(s, 1, len, f) == len;
  if (putc('"', f) == EOF) return false;
  /* Copy runs between quotes in one fwrite each; every quote is doubled. */
  size_t start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && s[i] != '"') continue;
    size_t run = i - start;
    if (run && fwrite(s + start, 1, run, f) != run) return false;
    if (i < len && fputs("\"\"", f) == EOF) return false;
    start = i + 1;
  }
  return putc('"', f) != EOF;
}

char *csv_put_int(char *p, int64_t v) {
  uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  char tmp[20];
  int n = 0;
  if (v < 0) *p++ = '-';
  do {
    tmp[n++] = (char)('0' + m % 10);
    m /= 10;
  } while (m);
  while (n) *p++ = tmp[--n];
  return p;
}

char *csv_put_scaled(char *p, int64_t v, int decimals) {
  if (decimals <= 0 || decimals > 18) return csv_put_int(p, v);
  uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, div = 1;
  for (int i = 0; i < decimals; i++) div *= 10;
  uint64_t whole = m / div, frac = m % div;
  if (v < 0) *p++ = '-';
  p = csv_put_int(p, (int64_t)whole);
  if (frac == 0) return p;
  /* Fixed-width fraction, then drop its trailing zeros. */
  while (frac % 10 == 0) {
    frac /= 10;
    decimals--;
  }
  *p++ = '.';
  for (int i = decimals - 1; i >= 0; i--, frac /= 10) p[i] = (char)('0' + frac % 10);
  return p + decimals;
}

static char *put2(char *p, int v) {
  *p++ = (char)('0' + v / 10 % 10);
  *p++ = (char)('0' + v % 10);
  return p;
}

void csv_format_iso(int64_t ms, bool with_ms, char *out, size_t n) {
  /* Floor division: a (theoretical) pre-1970 time keeps 0..999 millis. */
  int64_t sec = ms / 1000, rem = ms % 1000;
  if (rem < 0) {
    rem += 1000;
    sec -= 1;
  }
  time_t t = (time_t)sec;
  struct tm tm;
  char buf[64], *p = buf;
  if (n == 0) return;
  if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
    out[0] = '\0'; /* outside what ISO-8601's four-digit years can say */
    return;
  }
  int year = tm.tm_year + 1900;
  p = put2(p, year / 100);
  p = put2(p, year % 100);
  *p++ = '-';
  p = put2(p, tm.tm_mon + 1);
  *p++ = '-';
  p = put2(p, tm.tm_mday);
  *p++ = 'T';
  p = put2(p, tm.tm_hour);
  *p++ = ':';
  p = put2(p, tm.tm_min);
  *p++ = ':';
  p = put2(p, tm.tm_sec);
  if (with_ms) {
    *p++ = '.';
    *p++ = (char)('0' + rem / 100);
    p = put2(p, (int)(rem % 100));
  }
  *p++ = 'Z';
  *p = '\0';
  hiro_strlcpy(out, buf, n);
}

/* Remove trailing zeros after a decimal point, then the point itself. */
static void trim_zeros(char *s) {
  char *dot = strchr(s, '.');
  if (!dot) return;
  char *end = s + strlen(s);
  while (end > dot + 1 && end[-1] == '0') end--;
  if (end == dot + 1) end = dot;
  *end = '\0';
}

void csv_format_scaled(int64_t v, int decimals, char *out, size_t n) {
  char buf[48];
  *csv_put_scaled(buf, v, decimals) = '\0';
  hiro_strlcpy(out, buf, n);
}

void csv_format_real(double v, char *out, size_t n) {
  if (!isfinite(v) || fabs(v) >= 1e20) {
    snprintf(out, n, "%.17g", v);
    return;
  }
  snprintf(out, n, "%.4f", v);
  trim_zeros(out);
  if (strcmp(out, "-0") == 0) snprintf(out, n, "0");
}
