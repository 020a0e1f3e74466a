/* statsd_parse.h - the StatsD / DogStatsD line protocol:
 *
 *   name:value[:value...]|type[|@sample_rate][|#key:value,...][|c:container][|T<unix>]
 *
 * type is c (counter), g (gauge; a leading + or - makes the value a delta),
 * ms (timer), h (histogram), d (distribution) or s (set; the value is any
 * member string). A datagram holds one line or several separated by '\n'.
 * The parser is pure: it points into the caller's bytes, allocates nothing,
 * never reads outside (buf, len), needs no NUL, and rejects anything outside
 * the rules below with a reason (statsd_error) that the caller counts.
 *
 * Rules (each is a limit a plugin can hit, with the error it gets):
 * - name: 1-STATSD_NAME_MAX bytes, a letter or '_' first, then letters,
 *   digits, '_', '.', '-'                                    STATSD_ERR_NAME
 * - value: a decimal number ("12", "-0.5", "1e3"; no hex, inf or nan) for
 *   c/g/ms/h/d, up to STATSD_MAX_VALUES packed as "name:1:2:3|ms";
 *   1-STATSD_SET_MEMBER_MAX bytes of UTF-8 for s             STATSD_ERR_VALUE
 * - sample rate: @r with 0 < r <= 1 (c, ms, h, d scale by 1/r; g and s ignore
 *   it)                                                      STATSD_ERR_RATE
 * - tags: key:value pairs, at most STATSD_MAX_TAGS, keys like names (at most
 *   STATSD_TAG_KEY_MAX bytes, not a reserved label: process, pid, quantile,
 *   le or starting with "__", no duplicates), values 1-STATSD_TAG_VALUE_MAX bytes of UTF-8 without
 *   control characters         STATSD_ERR_TAG / _TOO_MANY_TAGS / _TAG_LENGTH
 * - DogStatsD events (_e{...}) and service checks (_sc|...) are not metrics:
 *   STATSD_ERR_UNSUPPORTED. Container ids (|c:...) and timestamps (|T...)
 *   are accepted and ignored; any other field is STATSD_ERR_FIELD. */
#ifndef HIRO_APP_STATSD_PARSE_H
#define HIRO_APP_STATSD_PARSE_H
#include <stdbool.h>
#include <stddef.h>

#define STATSD_NAME_MAX 128
#define STATSD_MAX_VALUES 64
#define STATSD_SET_MEMBER_MAX 256
#define STATSD_MAX_TAGS 8
#define STATSD_TAG_KEY_MAX 64
#define STATSD_TAG_VALUE_MAX 128
#define STATSD_LINE_MAX 8192

typedef enum {
  STATSD_COUNTER,
  STATSD_GAUGE,
  STATSD_TIMER,        /* ms */
  STATSD_HISTOGRAM,    /* h */
  STATSD_DISTRIBUTION, /* d */
  STATSD_SET,
  STATSD_TYPES
} statsd_type;

typedef enum {
  STATSD_OK = 0,
  STATSD_ERR_SYNTAX, /* no ':' or no '|type' */
  STATSD_ERR_NAME,
  STATSD_ERR_VALUE,
  STATSD_ERR_TYPE,
  STATSD_ERR_RATE,
  STATSD_ERR_TAG,
  STATSD_ERR_TOO_MANY_TAGS,
  STATSD_ERR_TAG_LENGTH,
  STATSD_ERR_FIELD,
  STATSD_ERR_UNSUPPORTED,
  STATSD_ERR_LINE_LENGTH,
  STATSD_ERRORS
} statsd_error;

typedef struct {
  const char *key, *value; /* into the line, not NUL-terminated */
  size_t key_len, value_len;
} statsd_tag;

/* One parsed line. Pointers are into the caller's buffer. */
typedef struct {
  const char *name;
  size_t name_len;
  statsd_type type;
  double values[STATSD_MAX_VALUES]; /* c/g/ms/h/d */
  size_t n_values;
  bool gauge_delta;   /* g with an explicit sign: add, do not set */
  const char *member; /* s: the member string */
  size_t member_len;
  double sample_rate; /* 1 unless @rate was given */
  statsd_tag tags[STATSD_MAX_TAGS];
  size_t n_tags;
} statsd_line;

/* Parse one line (without its '\n'; a trailing '\r' is ignored). Returns
 * STATSD_OK and fills *out, or the reason the line was rejected (*out is
 * then unspecified). Never fails otherwise. */
statsd_error statsd_parse_line(const char *line, size_t len, statsd_line *out);

/* Step through the lines of a datagram: *pos starts at buf; each call sets
 * *line and *len to the next non-empty line (without '\n') and returns true, or
 * returns false at the end. */
bool statsd_next_line(const char **pos, const char *end, const char **line, size_t *len);

/* Short readable reason for an error ("metric name must start with a letter
 * or '_' and hold only letters, digits, '_', '.', '-'"). Never NULL. */
const char *statsd_error_text(statsd_error err);
/* Stable identifier for counters ("name", "value", "tag_length", ...). */
const char *statsd_error_key(statsd_error err);
/* "counter", "gauge", "timer", "histogram", "distribution", "set". */
const char *statsd_type_name(statsd_type type);

/* Does s (n bytes) follow the metric name rule? Used for tag keys too. */
bool statsd_valid_name(const char *s, size_t n, size_t max);

#endif
