/* proc_parse.c - allocation-free parsers for /proc file contents. They run on
 * every collector tick, so no stdio, no sscanf/strtoull (locale, errno and
 * NUL-termination costs) and no malloc: a hand-written integer reader that
 * stops at the buffer end and refuses numbers that do not fit. */
#include "platform/linux/proc_parse.h"

#include <limits.h>
#include <string.h>

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }
static bool is_digit(char c) { return (unsigned)(c - '0') <= 9u; }

static void skip_blanks(const char **pos, const char *end) {
  const char *p = *pos;
  while (p < end && is_blank(*p)) p++;
  *pos = p;
}

/* Skip blanks, then one token of non-blank bytes. False when none is left. */
static bool skip_token(const char **pos, const char *end) {
  const char *p = *pos;
  while (p < end && is_blank(*p)) p++;
  if (p >= end) return false;
  while (p < end && !is_blank(*p)) p++;
  *pos = p;
  return true;
}

static bool starts_with(const char *line, size_t len, const char *prefix) {
  size_t n = strlen(prefix);
  return len >= n && memcmp(line, prefix, n) == 0;
}

static bool ends_with_newline(const char *buf, size_t len) {
  return buf != NULL && len > 0 && buf[len - 1] == '\n';
}

bool proc_parse_u64(const char **pos, const char *end, uint64_t *out) {
  const char *p = *pos;
  while (p < end && is_blank(*p)) p++;
  if (p >= end || !is_digit(*p)) return false;
  uint64_t value = 0;
  while (p < end && is_digit(*p)) {
    unsigned digit = (unsigned)(*p - '0');
    if (value > (UINT64_MAX - digit) / 10) return false;
    value = value * 10 + digit;
    p++;
  }
  if (p < end && !is_blank(*p)) return false;
  *out = value;
  *pos = p;
  return true;
}

bool proc_next_line(const char **pos, const char *end, const char **line, size_t *line_len) {
  const char *p = *pos;
  if (p >= end) return false;
  const char *nl = memchr(p, '\n', (size_t)(end - p));
  const char *stop = nl ? nl : end;
  *line = p;
  *line_len = (size_t)(stop - p);
  *pos = nl ? nl + 1 : end;
  return true;
}

size_t proc_count_lines(const char *buf, size_t len) {
  size_t count = 0;
  const char *p = buf, *end = buf + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) break;
    count++;
    p = nl + 1;
  }
  return count;
}

hiro_err proc_parse_pid_stat(const char *buf, size_t len, proc_stat_fields *out) {
  if (!ends_with_newline(buf, len)) return HIRO_EPARSE;
  const char *end = buf + len;
  const char *open = memchr(buf, '(', len);
  const char *close = NULL;
  for (const char *p = end; p > buf; p--) {
    if (p[-1] == ')') {
      close = p - 1;
      break;
    }
  }
  if (!open || !close || close < open) return HIRO_EPARSE;

  /* Field 3 (state) is the first token after the last ')'. */
  const char *p = close + 1;
  skip_blanks(&p, end);
  if (p >= end || !((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))) return HIRO_EPARSE;
  out->state = *p++;
  if (p >= end || !is_blank(*p)) return HIRO_EPARSE;

  uint64_t threads = 0, ppid = 0;
  for (int field = 4; field <= 22; field++) {
    bool ok;
    switch (field) {
    case 4: ok = proc_parse_u64(&p, end, &ppid); break;
    case 12: ok = proc_parse_u64(&p, end, &out->majflt); break;
    case 16: ok = proc_parse_u64(&p, end, &out->cutime); break;
    case 17: ok = proc_parse_u64(&p, end, &out->cstime); break;
    case 14: ok = proc_parse_u64(&p, end, &out->utime); break;
    case 15: ok = proc_parse_u64(&p, end, &out->stime); break;
    case 20: ok = proc_parse_u64(&p, end, &threads); break;
    case 22: ok = proc_parse_u64(&p, end, &out->start_ticks); break;
    default: ok = skip_token(&p, end); break;
    }
    if (!ok) return HIRO_EPARSE;
  }
  /* The kernel always prints fields after 22; their absence means the content
   * was cut, possibly in the middle of field 22 itself. */
  if (!skip_token(&p, end)) return HIRO_EPARSE;
  if (threads > INT_MAX || ppid > INT_MAX) return HIRO_EPARSE;
  out->num_threads = (int)threads;
  out->ppid = (int)ppid;
  return HIRO_OK;
}

hiro_err proc_parse_pid_statm(const char *buf, size_t len, uint64_t *vms_pages,
                              uint64_t *rss_pages) {
  if (!ends_with_newline(buf, len)) return HIRO_EPARSE;
  const char *p = buf, *end = buf + len;
  uint64_t size, resident;
  if (!proc_parse_u64(&p, end, &size) || !proc_parse_u64(&p, end, &resident)) return HIRO_EPARSE;
  *vms_pages = size;
  *rss_pages = resident;
  return HIRO_OK;
}

hiro_err proc_parse_stat_cpu(const char *buf, size_t len, cpu_times *out) {
  const char *pos = buf, *end = buf + (buf ? len : 0);
  const char *line;
  size_t line_len;
  if (!buf || !proc_next_line(&pos, end, &line, &line_len)) return HIRO_EPARSE;
  if (line + line_len >= end) return HIRO_EPARSE; /* no newline: cut */
  if (!starts_with(line, line_len, "cpu ")) return HIRO_EPARSE;

  /* Fields: user nice system idle iowait irq softirq steal guest guest_nice.
   * guest and guest_nice are already counted in user and nice, so
   * "sum of all fields - guest - guest_nice" is the sum of the first eight.
   * Kernels before 2.6 print only four; fields after guest_nice are unknown
   * and not counted. */
  const char *p = line + 4, *line_end = line + line_len;
  uint64_t fields[8] = {0};
  size_t count = 0;
  while (count < 8) {
    skip_blanks(&p, line_end);
    if (p >= line_end) break;
    if (!proc_parse_u64(&p, line_end, &fields[count])) return HIRO_EPARSE;
    count++;
  }
  if (count < 4) return HIRO_EPARSE;

  uint64_t total = 0;
  for (size_t i = 0; i < count; i++)
    if (__builtin_add_overflow(total, fields[i], &total)) return HIRO_EPARSE;
  /* idle (3) and iowait (4) are parts of total, so this cannot go negative. */
  out->total = total;
  out->busy = total - fields[3] - fields[4];
  return HIRO_OK;
}

int proc_parse_cpu_count(const char *buf, size_t len) {
  if (!buf) return 0;
  const char *pos = buf, *end = buf + len, *line;
  size_t line_len;
  int count = 0;
  while (proc_next_line(&pos, end, &line, &line_len)) {
    if (line_len > 3 && memcmp(line, "cpu", 3) == 0 && is_digit(line[3]) && count < INT_MAX)
      count++;
  }
  return count;
}

/* Parse the value of a meminfo line after its "Key:" prefix: a number and an
 * optional " kB" unit. */
static bool meminfo_value(const char *p, const char *end, uint64_t *bytes) {
  uint64_t value;
  if (!proc_parse_u64(&p, end, &value)) return false;
  skip_blanks(&p, end);
  if (p == end) {
    *bytes = value;
    return true;
  }
  if (end - p != 2 || p[0] != 'k' || p[1] != 'B') return false;
  return !__builtin_mul_overflow(value, (uint64_t)1024, bytes);
}

hiro_err proc_parse_meminfo(const char *buf, size_t len, mem_info *out) {
  if (!ends_with_newline(buf, len)) return HIRO_EPARSE;
  static const char *const keys[] = {
      "MemTotal:", "MemAvailable:", "MemFree:", "Buffers:", "Cached:", "SwapTotal:", "SwapFree:"};
  enum { TOTAL, AVAILABLE, FREE, BUFFERS, CACHED, SWAP_TOTAL, SWAP_FREE, NKEYS };
  uint64_t values[NKEYS] = {0};
  bool found[NKEYS] = {false};

  const char *pos = buf, *end = buf + len, *line;
  size_t line_len;
  while (proc_next_line(&pos, end, &line, &line_len)) {
    for (size_t k = 0; k < NKEYS; k++) {
      size_t key_len = strlen(keys[k]);
      if (found[k] || !starts_with(line, line_len, keys[k])) continue;
      if (!meminfo_value(line + key_len, line + line_len, &values[k])) return HIRO_EPARSE;
      found[k] = true;
      break;
    }
    if (found[TOTAL] && found[AVAILABLE] && found[SWAP_FREE]) break; /* the rest is not needed */
  }
  if (!found[TOTAL]) return HIRO_EPARSE;
  out->total_bytes = values[TOTAL];
  if (found[AVAILABLE]) {
    out->available_bytes = values[AVAILABLE];
  } else {
    if (!found[FREE]) return HIRO_EPARSE;
    uint64_t sum = values[FREE];
    if (__builtin_add_overflow(sum, values[BUFFERS], &sum) ||
        __builtin_add_overflow(sum, values[CACHED], &sum))
      return HIRO_EPARSE;
    out->available_bytes = sum;
  }
  if (out->available_bytes > out->total_bytes) out->available_bytes = out->total_bytes;
  out->swap_total_bytes = values[SWAP_TOTAL];
  out->swap_free_bytes =
      values[SWAP_FREE] < values[SWAP_TOTAL] ? values[SWAP_FREE] : values[SWAP_TOTAL];
  return HIRO_OK;
}

hiro_err proc_parse_uptime(const char *buf, size_t len, double *seconds) {
  if (!ends_with_newline(buf, len)) return HIRO_EPARSE;
  const char *p = buf, *end = buf + len;
  skip_blanks(&p, end);
  if (p >= end || !is_digit(*p)) return HIRO_EPARSE;
  double value = 0;
  while (p < end && is_digit(*p)) value = value * 10 + (*p++ - '0');
  if (p < end && *p == '.') {
    p++;
    double scale = 0.1;
    while (p < end && is_digit(*p)) {
      value += (*p++ - '0') * scale;
      scale /= 10;
    }
  }
  if (p < end && !is_blank(*p)) return HIRO_EPARSE;
  if (value > 1e15) return HIRO_EPARSE; /* thirty million years: garbage */
  *seconds = value;
  return HIRO_OK;
}

hiro_err proc_parse_net_dev(const char *buf, size_t len, net_io *out) {
  if (!ends_with_newline(buf, len)) return HIRO_EPARSE;
  const char *pos = buf, *end = buf + len, *line;
  size_t line_len;
  /* Two header lines ("Inter-|   Receive ...", " face |bytes ..."). */
  for (int i = 0; i < 2; i++) {
    if (!proc_next_line(&pos, end, &line, &line_len) || !memchr(line, '|', line_len))
      return HIRO_EPARSE;
  }
  net_io sum = {0};
  while (proc_next_line(&pos, end, &line, &line_len)) {
    const char *colon = memchr(line, ':', line_len);
    if (!colon) return HIRO_EPARSE;
    const char *name = line, *name_end = colon;
    while (is_blank(*name)) name++; /* stops at the colon at the latest */
    /* Loopback is left out on purpose: its traffic never leaves the host, and
     * the biggest share of it is local HTTP to this very server (the dashboard
     * and the CLI polling it), which would show up as network cost the user
     * does not pay. */
    size_t name_len = (size_t)(name_end - name);
    if (name_len == 2 && memcmp(name, "lo", 2) == 0) continue;

    /* Receive: bytes packets errs drop fifo frame compressed multicast;
     * transmit: bytes packets ... */
    const char *p = colon + 1, *line_end = line + line_len;
    uint64_t fields[10];
    for (size_t i = 0; i < 10; i++)
      if (!proc_parse_u64(&p, line_end, &fields[i])) return HIRO_EPARSE;
    if (__builtin_add_overflow(sum.bytes_recv, fields[0], &sum.bytes_recv) ||
        __builtin_add_overflow(sum.packets_recv, fields[1], &sum.packets_recv) ||
        __builtin_add_overflow(sum.bytes_sent, fields[8], &sum.bytes_sent) ||
        __builtin_add_overflow(sum.packets_sent, fields[9], &sum.packets_sent))
      return HIRO_EPARSE;
  }
  *out = sum;
  return HIRO_OK;
}

hiro_err proc_parse_diskstats_line(const char *line, size_t len, const char **name,
                                   size_t *name_len, uint64_t *sectors_read,
                                   uint64_t *sectors_written) {
  if (!line) return HIRO_EPARSE;
  const char *p = line, *end = line + len;
  uint64_t major, minor;
  if (!proc_parse_u64(&p, end, &major) || !proc_parse_u64(&p, end, &minor)) return HIRO_EPARSE;
  skip_blanks(&p, end);
  const char *name_start = p;
  if (!skip_token(&p, end)) return HIRO_EPARSE;
  const char *name_stop = p;

  /* reads merged sectors_read ms writes merged sectors_written ... */
  uint64_t fields[7];
  for (size_t i = 0; i < 7; i++)
    if (!proc_parse_u64(&p, end, &fields[i])) return HIRO_EPARSE;
  *name = name_start;
  *name_len = (size_t)(name_stop - name_start);
  *sectors_read = fields[2];
  *sectors_written = fields[6];
  return HIRO_OK;
}

hiro_err proc_parse_block_stat(const char *buf, size_t len, uint64_t *sectors_read,
                               uint64_t *sectors_written) {
  const char *pos = buf, *end = buf + len;
  uint64_t field[7];
  for (int i = 0; i < 7; i++)
    if (!proc_parse_u64(&pos, end, &field[i])) return HIRO_EPARSE;
  *sectors_read = field[2];
  *sectors_written = field[6];
  return HIRO_OK;
}
