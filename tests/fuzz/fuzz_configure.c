/* fuzz_configure.c - libFuzzer target: a /metrics/configure request body
 * through params_parse_configure (the bytes as received, NULs included).
 * Built with -DHIRO_FUZZ_REPLAY the entry point is renamed so the unit test
 * test_fuzz_regressions.c can include this file and replay saved inputs. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector/collector.h"
#include "http/params.h"

#ifdef HIRO_FUZZ_REPLAY /* several targets share one replay program */
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_configure_one
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* An exact-size heap copy, without a terminating NUL: the parser must stay
   * within len, and ASan sees any read past it. */
  char *body = malloc(size ? size : 1);
  if (!body) abort();
  if (size) memcpy(body, data, size);
  configure_params cp;
  char err[256] = "";
  if (params_parse_configure(body, size, &cp, err, sizeof err)) {
    /* What collector_configure relies on. */
    if (cp.has_interval && !(cp.interval >= COLLECTOR_MIN_INTERVAL &&
                             cp.interval <= COLLECTOR_MAX_INTERVAL))
      abort();
    if (cp.has_history_size && (cp.history_size < 1 || cp.history_size > COLLECTOR_MAX_HISTORY))
      abort();
  } else if (err[0] == '\0') {
    abort(); /* a rejection always says why */
  }
  free(body);
  return 0;
}
