/* fuzz_statsd.c - libFuzzer target: the input as a StatsD datagram, split
 * into lines and parsed (src/appmetrics/statsd_parse.c), then the same bytes
 * as a stored sketch BLOB through sketch_decode (src/appmetrics/sketch.c),
 * whose re-encoding must decode to itself. The input is copied to an
 * exact-size heap block without a NUL, where ASan catches any overread.
 * Built with -DHIRO_FUZZ_REPLAY the entry point is renamed so the unit test
 * test_fuzz_regressions.c can include this file and replay saved inputs. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "appmetrics/sketch.h"
#include "appmetrics/statsd_parse.h"

#ifdef HIRO_FUZZ_REPLAY /* several targets share one replay program */
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_statsd_one
#endif

static void statsd_fuzz_check_line(const char *buf, size_t size, const char *line, size_t len) {
  if (line < buf || line + len > buf + size || len == 0) abort();
  statsd_line l;
  statsd_error err = statsd_parse_line(line, len, &l);
  if (err < STATSD_OK || err >= STATSD_ERRORS) abort();
  if (err != STATSD_OK) return;
  if (!statsd_valid_name(l.name, l.name_len, STATSD_NAME_MAX) || l.name != line) abort();
  if (!(l.sample_rate > 0 && l.sample_rate <= 1) || l.n_tags > STATSD_MAX_TAGS) abort();
  if (l.type == STATSD_SET) {
    if (!l.member || l.member_len == 0 || l.member + l.member_len > line + len) abort();
  } else {
    if (l.n_values == 0 || l.n_values > STATSD_MAX_VALUES) abort();
    for (size_t i = 0; i < l.n_values; i++)
      if (!isfinite(l.values[i])) abort();
  }
  for (size_t i = 0; i < l.n_tags; i++) {
    const statsd_tag *t = &l.tags[i];
    if (t->key < line || t->value + t->value_len > line + len || t->value_len == 0 ||
        !statsd_valid_name(t->key, t->key_len, STATSD_TAG_KEY_MAX))
      abort();
  }
}

static void statsd_fuzz_sketch(const char *buf, size_t size) {
  sketch *s = sketch_new(), *again = sketch_new();
  if (sketch_decode(s, buf, size, 0, NAN, NAN) == HIRO_OK && sketch_count(s) > 0) {
    double lo = sketch_quantile(s, 0), mid = sketch_quantile(s, 0.5), hi = sketch_quantile(s, 1);
    if (!(lo <= mid && mid <= hi)) abort();
    strbuf first = {0}, second = {0};
    sketch_encode(s, &first);
    if (sketch_decode(again, first.data, first.len, 0, NAN, NAN) != HIRO_OK) abort();
    sketch_encode(again, &second);
    if (first.len != second.len || memcmp(first.data, second.data, first.len) != 0) abort();
    if (sketch_count(again) != sketch_count(s)) abort();
    sb_free(&first);
    sb_free(&second);
  }
  sketch_free(s);
  sketch_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *buf = malloc(size ? size : 1);
  if (!buf) abort();
  if (size) memcpy(buf, data, size);
  const char *pos = buf, *line;
  size_t len;
  while (statsd_next_line(&pos, buf + size, &line, &len))
    statsd_fuzz_check_line(buf, size, line, len);
  statsd_fuzz_sketch(buf, size);
  free(buf);
  return 0;
}
