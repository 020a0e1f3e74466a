/* fuzz_proc.c - libFuzzer target: every proc_parse_* parser on the same
 * bytes (pid stat and statm, /proc/stat's cpu line and cpu count, meminfo,
 * uptime, net/dev, a diskstats line, a block stat file, the line helpers).
 * The parsers promise to stay within (buf, len) without a NUL, so the input
 * is copied to an exact-size heap block where ASan catches any overread.
 * Built with -DHIRO_FUZZ_REPLAY the entry point is renamed so the unit test
 * test_fuzz_regressions.c can include this file and replay saved inputs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/linux/proc_parse.h"

#ifdef HIRO_FUZZ_REPLAY /* several targets share one replay program */
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_proc_one
#endif

/* Every diskstats line of buf, as platform_read_disk_io walks them. */
static void proc_fuzz_diskstats(const char *buf, size_t len) {
  const char *pos = buf, *end = buf + len, *line;
  size_t line_len, lines = 0;
  while (proc_next_line(&pos, end, &line, &line_len)) {
    if (line < buf || line + line_len > end) abort();
    const char *name;
    size_t name_len;
    uint64_t sectors_read, sectors_written;
    if (proc_parse_diskstats_line(line, line_len, &name, &name_len, &sectors_read,
                                  &sectors_written) == HIRO_OK &&
        (name < line || name + name_len > line + line_len || name_len == 0))
      abort();
    lines++;
  }
  if (lines < proc_count_lines(buf, len)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *buf = malloc(size ? size : 1);
  if (!buf) abort();
  if (size) memcpy(buf, data, size);

  proc_stat_fields st;
  if (proc_parse_pid_stat(buf, size, &st) == HIRO_OK && st.num_threads < 0) abort();

  uint64_t vms, rss;
  (void)!proc_parse_pid_statm(buf, size, &vms, &rss);

  cpu_times cpu;
  if (proc_parse_stat_cpu(buf, size, &cpu) == HIRO_OK && cpu.busy > cpu.total) abort();
  if (proc_parse_cpu_count(buf, size) < 0) abort();

  mem_info mem;
  if (proc_parse_meminfo(buf, size, &mem) == HIRO_OK && mem.available_bytes > mem.total_bytes)
    abort();

  double uptime;
  if (proc_parse_uptime(buf, size, &uptime) == HIRO_OK && !(uptime >= 0 && uptime <= 1e15)) abort();

  net_io net;
  (void)!proc_parse_net_dev(buf, size, &net);

  proc_fuzz_diskstats(buf, size);

  uint64_t sectors_read, sectors_written;
  (void)!proc_parse_block_stat(buf, size, &sectors_read, &sectors_written);

  const char *pos = buf;
  uint64_t number;
  if (proc_parse_u64(&pos, buf + size, &number) && (pos < buf || pos > buf + size)) abort();

  free(buf);
  return 0;
}
