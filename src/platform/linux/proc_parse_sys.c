/* proc_parse_sys.c - pure parsers for the system context beside the plugins:
 * /proc/loadavg, /proc/vmstat's swap counters, /proc/pressure/{cpu,memory,io}
 * and /proc/self/mountinfo lines. Same rules as proc_parse.c: (buf, len) in,
 * no NUL needed, no allocation, HIRO_EPARSE on anything malformed. */
#include <string.h>

#include "platform/linux/proc_parse.h"

static bool ends_with_newline(const char *buf, size_t len) {
  return buf != NULL && len > 0 && buf[len - 1] == '\n';
}

/* Digits at *pos as a decimal integer, ending at the first non-digit.
 * False when there is no digit or the value overflows 64 bits. */
static bool proc_parse_u64_prefix(const char **pos, const char *end, uint64_t *out) {
  const char *p = *pos;
  uint64_t v = 0;
  if (p >= end || (unsigned)(*p - '0') > 9u) return false;
  for (; p < end && (unsigned)(*p - '0') <= 9u; p++)
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
      return false;
  *pos = p;
  *out = v;
  return true;
}

/* A decimal number with an optional fraction ("0.52", "12"), as the kernel
 * prints load averages and PSI averages (two decimals, no sign, no
 * exponent). Advances *pos past it; false when there is no digit. */
static bool parse_fixed(const char **pos, const char *end, double *out) {
  const char *p = *pos;
  uint64_t whole;
  if (!proc_parse_u64_prefix(&p, end, &whole)) return false;
  double v = (double)whole;
  if (p < end && *p == '.') {
    p++;
    double scale = 0.1;
    if (p >= end || (unsigned)(*p - '0') > 9u) return false;
    for (int digits = 0; p < end && (unsigned)(*p - '0') <= 9u; p++, digits++) {
      if (digits < 9) v += (*p - '0') * scale;
      scale /= 10;
    }
  }
  *pos = p;
  *out = v;
  return true;
}

hiro_err proc_parse_loadavg(const char *buf, size_t len, load_avg *out) {
  if (!ends_with_newline(buf, len)) return HIRO_EPARSE;
  const char *p = buf, *end = buf + len;
  double *avgs[3] = {&out->load1, &out->load5, &out->load15};
  for (int i = 0; i < 3; i++) {
    while (p < end && *p == ' ') p++;
    if (!parse_fixed(&p, end, avgs[i]) || p >= end || *p != ' ') return HIRO_EPARSE;
  }
  /* "runnable/total": runnable counts the reader itself. */
  while (p < end && *p == ' ') p++;
  if (!proc_parse_u64_prefix(&p, end, &out->runnable)) return HIRO_EPARSE;
  if (p >= end || *p++ != '/') return HIRO_EPARSE;
  if (!proc_parse_u64_prefix(&p, end, &out->tasks)) return HIRO_EPARSE;
  return HIRO_OK;
}

hiro_err proc_parse_vmstat_swap(const char *buf, size_t len, uint64_t *pages_in,
                                uint64_t *pages_out) {
  if (!ends_with_newline(buf, len)) return HIRO_EPARSE;
  const char *pos = buf, *end = buf + len, *line;
  size_t line_len;
  bool got_in = false, got_out = false;
  while (!(got_in && got_out) && proc_next_line(&pos, end, &line, &line_len)) {
    bool is_in = line_len > 7 && memcmp(line, "pswpin ", 7) == 0;
    bool is_out = line_len > 8 && memcmp(line, "pswpout ", 8) == 0;
    if (!is_in && !is_out) continue;
    const char *p = line + (is_in ? 7 : 8);
    if (!proc_parse_u64(&p, line + line_len, is_in ? pages_in : pages_out)) return HIRO_EPARSE;
    if (is_in)
      got_in = true;
    else
      got_out = true;
  }
  /* Kernels without swap support print neither: that is "no swap I/O". */
  if (!got_in) *pages_in = 0;
  if (!got_out) *pages_out = 0;
  return HIRO_OK;
}

/* "avg10=0.00 avg60=0.00 avg300=0.00 total=12345" after "some " / "full ". */
static bool parse_psi_line(const char *p, const char *end, double *avg10, uint64_t *total_us) {
  bool got_avg = false, got_total = false;
  while (p < end) {
    while (p < end && *p == ' ') p++;
    const char *eq = memchr(p, '=', (size_t)(end - p));
    if (!eq) break;
    size_t key_len = (size_t)(eq - p);
    const char *v = eq + 1;
    if (key_len == 5 && memcmp(p, "avg10", 5) == 0) {
      if (!parse_fixed(&v, end, avg10)) return false;
      got_avg = true;
    } else if (key_len == 5 && memcmp(p, "total", 5) == 0) {
      if (!proc_parse_u64_prefix(&v, end, total_us)) return false;
      got_total = true;
    }
    const char *sp = memchr(v, ' ', (size_t)(end - v));
    p = sp ? sp : end;
  }
  return got_avg && got_total;
}

hiro_err proc_parse_pressure(const char *buf, size_t len, psi_stats *out) {
  if (!ends_with_newline(buf, len)) return HIRO_EPARSE;
  memset(out, 0, sizeof *out);
  const char *pos = buf, *end = buf + len, *line;
  size_t line_len;
  bool some = false;
  while (proc_next_line(&pos, end, &line, &line_len)) {
    const char *le = line + line_len;
    if (line_len > 5 && memcmp(line, "some ", 5) == 0) {
      if (!parse_psi_line(line + 5, le, &out->some_avg10, &out->some_total_us)) return HIRO_EPARSE;
      some = true;
    } else if (line_len > 5 && memcmp(line, "full ", 5) == 0) {
      /* Kernels before 5.13 print no "full" line for cpu: it stays 0, which
       * is also what newer kernels report system-wide for cpu. */
      if (!parse_psi_line(line + 5, le, &out->full_avg10, &out->full_total_us)) return HIRO_EPARSE;
    }
  }
  return some ? HIRO_OK : HIRO_EPARSE;
}

/* Copy a mountinfo field, undoing the kernel's octal escapes (\040 for a
 * space, \011 tab, \012 newline, \134 backslash). False when it does not fit. */
static bool unescape_field(const char *p, const char *end, char *out, size_t cap) {
  size_t n = 0;
  while (p < end) {
    char c = *p++;
    if (c == '\\' && end - p >= 3 && (unsigned)(p[0] - '0') <= 3u && (unsigned)(p[1] - '0') <= 7u &&
        (unsigned)(p[2] - '0') <= 7u) {
      c = (char)((p[0] - '0') * 64 + (p[1] - '0') * 8 + (p[2] - '0'));
      p += 3;
    }
    if (n + 1 >= cap) return false;
    out[n++] = c;
  }
  out[n] = '\0';
  return true;
}

/* The next space-separated field of [*p, end): sets *f, *f_end. */
static bool next_field(const char **p, const char *end, const char **f, const char **f_end) {
  const char *s = *p;
  while (s < end && *s == ' ') s++;
  if (s >= end) return false;
  const char *e = memchr(s, ' ', (size_t)(end - s));
  if (!e) e = end;
  *f = s;
  *f_end = e;
  *p = e;
  return true;
}

hiro_err proc_parse_mountinfo_line(const char *line, size_t len, mount_entry *out) {
  const char *p = line, *end = line + len, *f, *fe;
  /* mount id, parent id, major:minor, root, mount point, options,
   * optional fields..., "-", fstype, source, super options */
  if (!next_field(&p, end, &f, &fe) || !next_field(&p, end, &f, &fe)) return HIRO_EPARSE;
  if (!next_field(&p, end, &f, &fe)) return HIRO_EPARSE;
  const char *q = f;
  uint64_t major, minor;
  if (!proc_parse_u64_prefix(&q, fe, &major) || q >= fe || *q++ != ':' ||
      !proc_parse_u64_prefix(&q, fe, &minor) || q != fe || major > UINT32_MAX || minor > UINT32_MAX)
    return HIRO_EPARSE;
  out->major = (unsigned)major;
  out->minor = (unsigned)minor;
  if (!next_field(&p, end, &f, &fe)) return HIRO_EPARSE;
  out->root_is_slash = fe - f == 1 && *f == '/';
  if (!next_field(&p, end, &f, &fe) || !unescape_field(f, fe, out->mount, sizeof out->mount))
    return HIRO_EPARSE;
  if (!next_field(&p, end, &f, &fe)) return HIRO_EPARSE; /* options */
  for (;;) {
    if (!next_field(&p, end, &f, &fe)) return HIRO_EPARSE;
    if (fe - f == 1 && *f == '-') break;
  }
  if (!next_field(&p, end, &f, &fe) || !unescape_field(f, fe, out->fstype, sizeof out->fstype))
    return HIRO_EPARSE;
  if (!next_field(&p, end, &f, &fe) || !unescape_field(f, fe, out->source, sizeof out->source))
    return HIRO_EPARSE;
  return HIRO_OK;
}

bool proc_mount_is_real(const mount_entry *m) {
  /* Pseudo and virtual filesystems (tmpfs, overlay, proc, cgroup, ...) are
   * not backed by a block device; read-only images (squashfs, snaps; ISO
   * images) are always full and say nothing about space. ZFS datasets are
   * real storage without a /dev source. */
  static const char *const images[] = {"squashfs", "iso9660", "udf", "erofs", "cramfs"};
  for (size_t i = 0; i < HIRO_ARRAY_LEN(images); i++)
    if (strcmp(m->fstype, images[i]) == 0) return false;
  if (strcmp(m->fstype, "zfs") == 0) return true;
  return strncmp(m->source, "/dev/", 5) == 0;
}

hiro_err proc_parse_disk_fields(const char *p, const char *end, disk_dev_io *out) {
  uint64_t f[10];
  for (int i = 0; i < 10; i++)
    if (!proc_parse_u64(&p, end, &f[i])) return HIRO_EPARSE;
  if (f[2] > UINT64_MAX / 512 || f[6] > UINT64_MAX / 512) return HIRO_EPARSE;
  out->reads = f[0];
  out->read_bytes = f[2] * 512;
  out->writes = f[4];
  out->write_bytes = f[6] * 512;
  out->busy_ms = f[9];
  return HIRO_OK;
}

hiro_err proc_parse_net_dev_each(const char *buf, size_t len, net_if_io *ifs, size_t max,
                                 size_t *n) {
  *n = 0;
  if (!ends_with_newline(buf, len)) return HIRO_EPARSE;
  const char *pos = buf, *end = buf + len, *line;
  size_t line_len;
  for (int i = 0; i < 2; i++) /* the two header lines */
    if (!proc_next_line(&pos, end, &line, &line_len) || !memchr(line, '|', line_len))
      return HIRO_EPARSE;
  while (proc_next_line(&pos, end, &line, &line_len)) {
    const char *colon = memchr(line, ':', line_len);
    if (!colon) return HIRO_EPARSE;
    const char *name = line;
    while (name < colon && *name == ' ') name++;
    size_t name_len = (size_t)(colon - name);
    if (name_len == 2 && memcmp(name, "lo", 2) == 0) continue; /* as the totals */
    /* rx: bytes packets errs drop fifo frame compressed multicast; tx: bytes
     * packets errs drop ... */
    const char *p = colon + 1, *le = line + line_len;
    uint64_t f[12];
    for (int i = 0; i < 12; i++)
      if (!proc_parse_u64(&p, le, &f[i])) return HIRO_EPARSE;
    if (*n >= max) continue;
    if (name_len == 0 || name_len >= sizeof ifs->name) return HIRO_EPARSE;
    net_if_io *it = &ifs[(*n)++];
    memcpy(it->name, name, name_len);
    it->name[name_len] = '\0';
    it->bytes_recv = f[0];
    it->packets_recv = f[1];
    it->bytes_sent = f[8];
    it->packets_sent = f[9];
    it->errors = f[2] + f[10];
    it->drops = f[3] + f[11];
  }
  return HIRO_OK;
}
