/* pid_linux.c - whether a process id names a live process, for callers that
 * wait for another process (hirocli stop) without a platform handle. */
#include <stdio.h>

#include "platform/linux/pfile.h"
#include "platform/linux/proc_parse.h"
#include "platform/platform.h"

bool platform_pid_running(int pid) {
  if (pid <= 0) return false;
  char path[64];
  snprintf(path, sizeof path, PLATFORM_PROC_ROOT "/%d/stat", pid);
  pfile f;
  if (pfile_open(&f, path, 512, true) != HIRO_OK) return false;
  proc_stat_fields fields;
  bool running = pfile_read(&f) == HIRO_OK &&
                 proc_parse_pid_stat(f.buf, f.len, &fields) == HIRO_OK && fields.state != 'Z' &&
                 fields.state != 'X' && fields.state != 'x';
  pfile_close(&f);
  return running;
}
