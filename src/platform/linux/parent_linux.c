/* parent_linux.c - the parent of a process, from /proc/PID/stat field 4, for
 * attributing a sender pid to the plugin whose process tree holds it. */
#define _GNU_SOURCE /* memrchr */
#include <stdio.h>
#include <string.h>

#include "platform/linux/pfile.h"
#include "platform/linux/platform_linux.h"
#include "platform/linux/proc_parse.h"

/* "pid (comm) S ppid ...": fields after the last ')' (the comm may hold one). */
static hiro_err parse_ppid(const char *buf, size_t len, int *ppid) {
  const char *close = len ? memrchr(buf, ')', len) : NULL;
  if (!close) return HIRO_EPARSE;
  const char *pos = close + 1, *end = buf + len;
  while (pos < end && *pos == ' ') pos++;
  if (end - pos < 2 || pos[1] != ' ') return HIRO_EPARSE; /* the one-letter state */
  pos += 2;
  uint64_t parent;
  if (!proc_parse_u64(&pos, end, &parent) || parent > 0x7fffffff) return HIRO_EPARSE;
  *ppid = (int)parent;
  return HIRO_OK;
}

hiro_err platform_pid_parent(platform *p, int pid, int *ppid) {
  if (!p || pid <= 0) return HIRO_ENOENT;
  char path[4096];
  int n = snprintf(path, sizeof path, "%s/%d/stat", p->proc_root, pid);
  if (n <= 0 || (size_t)n >= sizeof path) return HIRO_EINVAL;
  pfile f = {.fd = -1};
  hiro_err err = pfile_open(&f, path, 512, true);
  if (err == HIRO_OK) err = pfile_read(&f);
  if (err == HIRO_OK) err = parse_ppid(f.buf, f.len, ppid);
  pfile_close(&f);
  return err;
}
