/* statsd_parse.c - strict, allocation-free parser of StatsD / DogStatsD lines. */
#include "appmetrics/statsd_parse.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NUMBER_MAX 64 /* bytes of one value: "-1.2345678901234567e-300" fits */

static const struct {
  const char *key, *text;
} error_info[STATSD_ERRORS] = {
    [STATSD_OK] = {"ok", "ok"},
    [STATSD_ERR_SYNTAX] = {"syntax", "not a StatsD line (expected name:value|type)"},
    [STATSD_ERR_NAME] = {"name", "metric name must be 1-128 bytes, start with a letter or '_' "
                                 "and hold only letters, digits, '_', '.', '-'"},
    [STATSD_ERR_VALUE] = {"value", "value must be a decimal number (at most 64 per line; "
                                   "set members: 1-256 bytes of UTF-8)"},
    [STATSD_ERR_TYPE] = {"type", "type must be c, g, ms, h, d or s"},
    [STATSD_ERR_RATE] = {"sample_rate", "sample rate must be @r with 0 < r <= 1"},
    [STATSD_ERR_TAG] = {"tag",
                        "tags must be key:value with a key like a metric name, not "
                        "reserved (process, pid, quantile, le, __*) or repeated, and a value "
                        "of UTF-8 without control characters"},
    [STATSD_ERR_TOO_MANY_TAGS] = {"too_many_tags", "at most 8 tags per line"},
    [STATSD_ERR_TAG_LENGTH] = {"tag_length", "tag keys are at most 64 bytes, values 1-128 bytes"},
    [STATSD_ERR_FIELD] = {"field", "unknown or repeated field after the type (known: @rate, "
                                   "#tags, c:container, T<timestamp>)"},
    [STATSD_ERR_UNSUPPORTED] = {"unsupported", "DogStatsD events and service checks are not "
                                               "recorded"},
    [STATSD_ERR_LINE_LENGTH] = {"line_length", "line longer than 8192 bytes"},
};

static const char *const type_names[STATSD_TYPES] = {"counter",   "gauge",        "timer",
                                                     "histogram", "distribution", "set"};

static const char *const reserved_tags[] = {"process", "pid", "quantile", "le"};

const char *statsd_error_text(statsd_error err) {
  return err >= 0 && err < STATSD_ERRORS ? error_info[err].text : "unknown error";
}

const char *statsd_error_key(statsd_error err) {
  return err >= 0 && err < STATSD_ERRORS ? error_info[err].key : "unknown";
}

const char *statsd_type_name(statsd_type type) {
  return type >= 0 && type < STATSD_TYPES ? type_names[type] : "unknown";
}

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool statsd_valid_name(const char *s, size_t n, size_t max) {
  if (n == 0 || n > max || !(is_alpha(s[0]) || s[0] == '_')) return false;
  for (size_t i = 1; i < n; i++) {
    char c = s[i];
    if (!(is_alpha(c) || is_digit(c) || c == '_' || c == '.' || c == '-')) return false;
  }
  return true;
}

/* Valid UTF-8 (no overlong forms, surrogates or code points above U+10FFFF)
 * without control characters, within (s, n). */
static bool valid_text(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  while (p < end) {
    unsigned c = *p;
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return false;
      p++;
      continue;
    }
    size_t extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 ? 1 : 0;
    if (extra == 0 || c > 0xf4 || (size_t)(end - p) <= extra) return false;
    unsigned cp = c & (0x3f >> extra);
    for (size_t i = 1; i <= extra; i++) {
      if ((p[i] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((extra == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)))
      return false;
    p += extra + 1;
  }
  return true;
}

/* A strict decimal: [+-]?(d+(.d*)?|.d+)([eE][+-]?d+)?, finite. */
static bool parse_number(const char *s, size_t n, double *out) {
  if (n == 0 || n >= NUMBER_MAX) return false;
  size_t i = 0, digits = 0, frac_digits = 0;
  bool negative = false, exponent = false;
  uint64_t mantissa = 0;
  if (s[i] == '+' || s[i] == '-') negative = s[i++] == '-';
  for (; i < n && is_digit(s[i]); i++, digits++) mantissa = mantissa * 10 + (uint64_t)(s[i] - '0');
  size_t int_digits = digits;
  if (i < n && s[i] == '.') {
    for (i++; i < n && is_digit(s[i]); i++, digits++, frac_digits++)
      mantissa = mantissa * 10 + (uint64_t)(s[i] - '0');
  }
  if (digits == 0) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    size_t exp_digits = 0;
    exponent = true;
    if (++i < n && (s[i] == '+' || s[i] == '-')) i++;
    for (; i < n && is_digit(s[i]); i++) exp_digits++;
    if (exp_digits == 0) return false;
  }
  if (i != n) return false;
  /* Up to 15 digits are exact in a double, and one division by an exact
   * power of ten rounds correctly: the common case needs no strtod. */
  static const double pow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  if (!exponent && digits <= 15 && int_digits <= 15) {
    double v = (double)mantissa / pow10[frac_digits];
    *out = negative ? -v : v;
    return true;
  }
  char copy[NUMBER_MAX];
  memcpy(copy, s, n);
  copy[n] = '\0';
  char *stop;
  double v = strtod(copy, &stop);
  if (stop != copy + n || !isfinite(v)) return false;
  *out = v;
  return true;
}

static statsd_error parse_values(const char *s, size_t n, statsd_line *out) {
  if (out->type == STATSD_SET) {
    if (n == 0 || n > STATSD_SET_MEMBER_MAX || !valid_text(s, n)) return STATSD_ERR_VALUE;
    out->member = s;
    out->member_len = n;
    return STATSD_OK;
  }
  const char *end = s + n;
  while (1) {
    const char *colon = memchr(s, ':', (size_t)(end - s));
    const char *stop = colon ? colon : end;
    double v;
    if (out->n_values == STATSD_MAX_VALUES || !parse_number(s, (size_t)(stop - s), &v))
      return STATSD_ERR_VALUE;
    /* Only a gauge gives the sign a meaning of its own; a packed gauge line
     * must not mix deltas and absolute values. */
    bool signed_value = s[0] == '+' || s[0] == '-';
    if (out->type == STATSD_GAUGE && out->n_values && signed_value != out->gauge_delta)
      return STATSD_ERR_VALUE;
    out->gauge_delta = signed_value;
    out->values[out->n_values++] = v;
    if (!colon) return STATSD_OK;
    s = colon + 1;
  }
}

static bool parse_type(const char *s, size_t n, statsd_type *type) {
  static const struct {
    const char *code;
    statsd_type type;
  } types[] = {{"c", STATSD_COUNTER},   {"g", STATSD_GAUGE},        {"ms", STATSD_TIMER},
               {"h", STATSD_HISTOGRAM}, {"d", STATSD_DISTRIBUTION}, {"s", STATSD_SET}};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    if (strlen(types[i].code) == n && memcmp(types[i].code, s, n) == 0) {
      *type = types[i].type;
      return true;
    }
  }
  return false;
}

static bool tag_key_reserved(const char *key, size_t n) {
  for (size_t i = 0; i < sizeof reserved_tags / sizeof reserved_tags[0]; i++)
    if (strlen(reserved_tags[i]) == n && memcmp(reserved_tags[i], key, n) == 0) return true;
  return false;
}

static statsd_error parse_tag(const char *s, size_t n, statsd_line *out) {
  if (out->n_tags == STATSD_MAX_TAGS) return STATSD_ERR_TOO_MANY_TAGS;
  const char *colon = memchr(s, ':', n);
  if (!colon) return STATSD_ERR_TAG;
  size_t key_len = (size_t)(colon - s), value_len = n - key_len - 1;
  if (key_len > STATSD_TAG_KEY_MAX || value_len == 0 || value_len > STATSD_TAG_VALUE_MAX)
    return STATSD_ERR_TAG_LENGTH;
  /* "__" starts the names Prometheus keeps for itself. */
  if (!statsd_valid_name(s, key_len, STATSD_TAG_KEY_MAX) || tag_key_reserved(s, key_len) ||
      (key_len >= 2 && s[0] == '_' && s[1] == '_') || !valid_text(colon + 1, value_len))
    return STATSD_ERR_TAG;
  for (size_t i = 0; i < out->n_tags; i++)
    if (out->tags[i].key_len == key_len && memcmp(out->tags[i].key, s, key_len) == 0)
      return STATSD_ERR_TAG;
  out->tags[out->n_tags++] = (statsd_tag){s, colon + 1, key_len, value_len};
  return STATSD_OK;
}

static statsd_error parse_tags(const char *s, size_t n, statsd_line *out) {
  const char *end = s + n;
  while (1) {
    const char *comma = memchr(s, ',', (size_t)(end - s));
    const char *stop = comma ? comma : end;
    statsd_error err = parse_tag(s, (size_t)(stop - s), out);
    if (err != STATSD_OK) return err;
    if (!comma) return STATSD_OK;
    s = comma + 1;
  }
}

static statsd_error parse_rate(const char *s, size_t n, statsd_line *out) {
  double rate;
  if (!parse_number(s, n, &rate) || !(rate > 0.0 && rate <= 1.0)) return STATSD_ERR_RATE;
  out->sample_rate = rate;
  return STATSD_OK;
}

static bool all_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!is_digit(s[i])) return false;
  return n > 0;
}

/* One field after the type: @rate, #tags, c:container, T<timestamp>. */
static statsd_error parse_field(const char *s, size_t n, statsd_line *out, unsigned *seen) {
  unsigned bit;
  statsd_error err = STATSD_OK;
  if (n >= 1 && s[0] == '@') {
    bit = 1;
    err = parse_rate(s + 1, n - 1, out);
  } else if (n >= 1 && s[0] == '#') {
    bit = 2;
    err = n > 1 ? parse_tags(s + 1, n - 1, out) : STATSD_ERR_TAG;
  } else if (n >= 2 && s[0] == 'c' && s[1] == ':') {
    bit = 4; /* DogStatsD 1.2 container id: not ours to interpret */
  } else if (n >= 2 && s[0] == 'T' && all_digits(s + 1, n - 1)) {
    bit = 8; /* DogStatsD 1.3 timestamp: we record at our own tick */
  } else {
    return STATSD_ERR_FIELD;
  }
  if (*seen & bit) return STATSD_ERR_FIELD;
  *seen |= bit;
  return err;
}

statsd_error statsd_parse_line(const char *line, size_t len, statsd_line *out) {
  if (len && line[len - 1] == '\r') len--;
  if (len > STATSD_LINE_MAX) return STATSD_ERR_LINE_LENGTH;
  if ((len >= 3 && memcmp(line, "_e{", 3) == 0) || (len >= 4 && memcmp(line, "_sc|", 4) == 0))
    return STATSD_ERR_UNSUPPORTED;
  out->n_values = out->n_tags = 0;
  out->gauge_delta = false;
  out->member = NULL;
  out->member_len = 0;
  out->sample_rate = 1.0;
  const char *end = line + len;
  const char *colon = memchr(line, ':', len);
  const char *bar = colon ? memchr(colon, '|', (size_t)(end - colon)) : NULL;
  if (!colon || !bar) return STATSD_ERR_SYNTAX;
  out->name = line;
  out->name_len = (size_t)(colon - line);
  if (!statsd_valid_name(line, out->name_len, STATSD_NAME_MAX)) return STATSD_ERR_NAME;
  const char *type = bar + 1;
  const char *type_end = memchr(type, '|', (size_t)(end - type));
  if (!type_end) type_end = end;
  if (!parse_type(type, (size_t)(type_end - type), &out->type)) return STATSD_ERR_TYPE;
  statsd_error err = parse_values(colon + 1, (size_t)(bar - colon - 1), out);
  unsigned seen = 0;
  for (const char *f = type_end; err == STATSD_OK && f < end;) {
    const char *field = f + 1;
    const char *field_end = memchr(field, '|', (size_t)(end - field));
    if (!field_end) field_end = end;
    err = parse_field(field, (size_t)(field_end - field), out, &seen);
    f = field_end;
  }
  return err;
}

bool statsd_next_line(const char **pos, const char *end, const char **line, size_t *len) {
  while (*pos < end) {
    const char *start = *pos;
    const char *nl = memchr(start, '\n', (size_t)(end - start));
    const char *stop = nl ? nl : end;
    *pos = nl ? nl + 1 : end;
    size_t n = (size_t)(stop - start);
    if (n && start[n - 1] == '\r') n--;
    if (n == 0) continue;
    *line = start;
    *len = n;
    return true;
  }
  return false;
}
