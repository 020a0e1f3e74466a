/* log.c - leveled logging with UTC timestamps; one line per call. */
#include "common/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <time.h>

static FILE *log_out;
static log_level log_min = HIRO_LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void log_set_output(FILE *f) { log_out = f; }
void log_set_level(log_level min) { log_min = min; }

void log_msg(log_level level, const char *fmt, ...) {
  static const char *names[] = {"debug", "info", "warn", "error"};
  if (level < log_min) return;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char when[32];
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);

  pthread_mutex_lock(&log_lock);
  FILE *out = log_out ? log_out : stderr;
  fprintf(out, "%s.%03ldZ %-5s ", when, ts.tv_nsec / 1000000, names[level]);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(out, fmt, ap);
  va_end(ap);
  fputc('\n', out);
  fflush(out);
  pthread_mutex_unlock(&log_lock);
}
