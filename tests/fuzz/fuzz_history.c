/* fuzz_history.c - libFuzzer target: a /metrics/history query string (as the
 * bytes after '?') through params_parse_history.
 *
 * The input is split on '&' into key=value pairs and URL-decoded the way
 * libmicrohttpd does it ('+' is a space, %XX a byte), so %00 puts a NUL
 * byte inside a value; the pairs are handed over in order with the values'
 * explicit lengths, as http.c collects them. A pair without '=' is present
 * with an empty value.
 * Built with -DHIRO_FUZZ_REPLAY the entry point is renamed so the unit test
 * test_fuzz_regressions.c can include this file and replay saved inputs. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/params.h"

#ifdef HIRO_FUZZ_REPLAY /* several targets share one replay program */
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_history_one
#endif

#define HISTORY_FUZZ_NOW 1700000000.0 /* a fixed "now" keeps runs reproducible */

static int history_fuzz_hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* URL-decode s[0..len) in place, NUL-terminate, return the decoded length. */
static size_t history_fuzz_decode(char *s, size_t len) {
  size_t out = 0;
  for (size_t i = 0; i < len; i++) {
    int hi, lo;
    if (s[i] == '+') {
      s[out++] = ' ';
    } else if (s[i] == '%' && i + 2 < len && (hi = history_fuzz_hex(s[i + 1])) >= 0 &&
               (lo = history_fuzz_hex(s[i + 2])) >= 0) {
      s[out++] = (char)(hi * 16 + lo);
      i += 2;
    } else {
      s[out++] = s[i];
    }
  }
  s[out] = '\0';
  return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* A piece of n >= 1 bytes takes at most n + 2 (key and value each get a
   * NUL), so three bytes per input byte always suffice. */
  char *text = malloc(3 * size + 2);
  api_query_arg *pairs = calloc(size / 2 + 1, sizeof *pairs);
  if (!text || !pairs) abort();
  size_t nq = 0, w = 0, start = 0;
  for (size_t i = 0; i <= size; i++) {
    if (i < size && data[i] != '&') continue;
    const uint8_t *piece = data + start;
    size_t piece_len = i - start;
    start = i + 1;
    if (piece_len == 0) continue;
    const uint8_t *eq = memchr(piece, '=', piece_len);
    size_t key_len = eq ? (size_t)(eq - piece) : piece_len;
    char *key = text + w;
    memcpy(key, piece, key_len);
    w += history_fuzz_decode(key, key_len) + 1;
    char *value = text + w;
    size_t value_len = eq ? piece_len - key_len - 1 : 0;
    if (eq) memcpy(value, eq + 1, value_len);
    value_len = history_fuzz_decode(value, value_len);
    w += value_len + 1;
    pairs[nq++] = (api_query_arg){key, value, value_len};
  }

  history_params hp;
  char err[256] = "";
  if (params_parse_history(pairs, nq, HISTORY_FUZZ_NOW, NULL, &hp, err, sizeof err)) {
    /* What the history path relies on. */
    const range_params *r = &hp.range;
    if (!isfinite(r->from) || !isfinite(r->to) || r->from < 0 || r->from > r->to) abort();
    if (r->n_processes > PARAMS_MAX_PROCESSES) abort();
    for (size_t i = 0; i < r->n_processes; i++)
      if (!r->processes[i][0] || strlen(r->processes[i]) >= HIRO_NAME_MAX) abort();
    if (hp.max_points < 1 || hp.max_points > HISTORY_MAX_POINTS_LIMIT) abort();
    if (hp.agg != STORE_AGG_AVG && hp.agg != STORE_AGG_MIN && hp.agg != STORE_AGG_MAX) abort();
  } else if (err[0] == '\0') {
    abort(); /* a rejection always says why */
  }
  free(pairs);
  free(text);
  return 0;
}
