/* test_fuzz_regressions.c - replays every saved fuzz input (the seed corpora
 * in tests/fuzz/corpus/<target>/ and the crashes found so far in
 * tests/fuzz/regressions/<target>/) through the fuzz targets' own entry
 * points, in every normal build: gcc, no libFuzzer. Under the ASan build a
 * regression shows up as a sanitizer report; otherwise as a failed invariant
 * check (abort) or a crash. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define HIRO_FUZZ_REPLAY
#include "fuzz/fuzz_config.c"
#include "fuzz/fuzz_configure.c"
#include "fuzz/fuzz_history.c"
#include "fuzz/fuzz_proc.c"
#include "fuzz/fuzz_statsd.c"

#ifndef HIRO_FUZZ_DIR
#define HIRO_FUZZ_DIR HIRO_FIXTURES "/../fuzz"
#endif

typedef int (*fuzz_entry)(const uint8_t *data, size_t size);

/* Read a whole file into a heap block of exactly its size (so an overread
 * is caught under ASan). */
static uint8_t *read_input(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  uint8_t *data = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len == cap) {
      cap = cap ? cap * 2 : 4096;
      data = realloc(data, cap);
      assert_non_null(data);
    }
    size_t n = fread(data + len, 1, cap - len, f);
    if (n == 0) break;
    len += n;
  }
  fclose(f);
  uint8_t *exact = malloc(len ? len : 1);
  assert_non_null(exact);
  memcpy(exact, data, len);
  free(data);
  *size = len;
  return exact;
}

/* Feed every file of HIRO_FUZZ_DIR/<kind>/<target>/ to entry. Returns how
 * many; README files and dotfiles are not inputs. */
static size_t replay_dir(const char *kind, const char *target, fuzz_entry entry) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/%s/%s", HIRO_FUZZ_DIR, kind, target);
  DIR *d = opendir(dir);
  if (!d) return 0; /* an empty regressions/<target>/ is not kept by git */
  size_t count = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.' || strncmp(e->d_name, "README", 6) == 0) continue;
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    size_t size;
    uint8_t *data = read_input(path, &size);
    print_message("replay %s/%s/%s (%zu bytes)\n", kind, target, e->d_name, size);
    assert_int_equal(entry(data, size), 0);
    free(data);
    count++;
  }
  closedir(d);
  return count;
}

static void replay(const char *target, fuzz_entry entry) {
  /* The seed corpus must be there: an empty replay would pass silently. */
  assert_true(replay_dir("corpus", target, entry) > 0);
  replay_dir("regressions", target, entry);
  /* The empty input is every target's first case under libFuzzer too. */
  static const uint8_t nothing[1];
  assert_int_equal(entry(nothing, 0), 0);
}

static void test_replay_history(void **state) { replay("history", fuzz_history_one); }
static void test_replay_configure(void **state) { replay("configure", fuzz_configure_one); }
static void test_replay_config(void **state) { replay("config", fuzz_config_one); }
static void test_replay_proc(void **state) { replay("proc", fuzz_proc_one); }
static void test_replay_statsd(void **state) { replay("statsd", fuzz_statsd_one); }

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_replay_history),
      cmocka_unit_test(test_replay_configure),
      cmocka_unit_test(test_replay_config),
      cmocka_unit_test(test_replay_proc),
      cmocka_unit_test(test_replay_statsd),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
