/* time.c - the exporter's time and duration parsers (--from, --to, --last).
 * Pure functions of their text (and "now"): no locale, no time zone. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "export/export.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil): exact for any year, no struct tm normalisation. */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

/* Read exactly n digits at *p into *out and advance; false if not digits. */
static bool digits(const char **p, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)(*p)[i])) return false;
    v = v * 10 + ((*p)[i] - '0');
  }
  *p += n;
  *out = v;
  return true;
}

/* Digits with at most one '.', at least one digit, nothing else. */
static bool plain_number(const char *s) {
  bool dot = false, digit = false;
  for (; *s; s++) {
    if (isdigit((unsigned char)*s))
      digit = true;
    else if (*s == '.' && !dot)
      dot = true;
    else
      return false;
  }
  return digit;
}

/* "Z", "+HH:MM", "+HHMM", "+HH" (or '-') or nothing; offset in seconds to
 * subtract from the local time given. */
static bool parse_zone(const char *p, int64_t *offset) {
  *offset = 0;
  if (*p == '\0') return true;
  if ((*p == 'Z' || *p == 'z') && p[1] == '\0') return true;
  if (*p != '+' && *p != '-') return false;
  int sign = *p++ == '-' ? -1 : 1, hh, mm = 0;
  if (!digits(&p, 2, &hh)) return false;
  if (*p == ':') p++;
  if (*p && !digits(&p, 2, &mm)) return false;
  if (*p || hh > 23 || mm > 59) return false;
  *offset = sign * (hh * 3600 + mm * 60);
  return true;
}

bool export_parse_time(const char *s, double now, double *out) {
  if (!s || !*s) return false;
  if (strcmp(s, "now") == 0) {
    *out = now;
    return true;
  }
  if (plain_number(s)) {
    char *end;
    double v = strtod(s, &end);
    if (*end || !isfinite(v)) return false;
    *out = v;
    return true;
  }
  const char *p = s;
  int y, mo, d, h = 0, mi = 0, sec = 0;
  double frac = 0;
  if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' || !digits(&p, 2, &d))
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) return false;
  if (*p == 'T' || *p == 't' || *p == ' ') {
    p++;
    if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi)) return false;
    if (*p == ':') {
      p++;
      if (!digits(&p, 2, &sec)) return false;
      if (*p == '.' || *p == ',') {
        const char *f = ++p;
        while (isdigit((unsigned char)*p)) p++;
        if (p == f) return false;
        char buf[32] = "0.";
        size_t n = (size_t)(p - f) < sizeof buf - 3 ? (size_t)(p - f) : sizeof buf - 3;
        memcpy(buf + 2, f, n);
        buf[2 + n] = '\0';
        frac = strtod(buf, NULL);
      }
    }
    if (h > 23 || mi > 59 || sec > 59) return false;
  }
  int64_t offset;
  if (!parse_zone(p, &offset)) return false;
  int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset;
  *out = (double)t + frac;
  return true;
}

bool export_parse_duration(const char *s, double *out) {
  if (!s || !*s) return false;
  double total = 0;
  const char *p = s;
  while (*p) {
    if (!isdigit((unsigned char)*p) && *p != '.') return false;
    char *end;
    double v = strtod(p, &end);
    if (end == p || !isfinite(v)) return false;
    /* strtod would also take exponents and hex; allow digits and '.' only. */
    for (const char *c = p; c < end; c++)
      if (!isdigit((unsigned char)*c) && *c != '.') return false;
    double unit;
    switch (*end) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    default: return false; /* no unit, or an unknown one */
    }
    total += v * unit;
    p = end + 1;
  }
  if (!(total > 0) || !isfinite(total)) return false;
  *out = total;
  return true;
}
