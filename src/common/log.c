/* log.c - leveled logging with UTC timestamps, one line per call (one write
 * in file mode); the log file's rotation and reopening. */
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/hiro.h"

/* Everything below is guarded by lock (log_min is read without it: a level
 * change racing a message only decides whether that message is written). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_out;
static log_level log_min = HIRO_LOG_INFO;
static int file_fd = -1; /* file mode when >= 0 */
static char file_path[PATH_MAX];
static uint64_t file_size, file_max;
static int file_keep;

void log_set_output(FILE *f) {
  log_close_file();
  pthread_mutex_lock(&lock);
  log_out = f;
  pthread_mutex_unlock(&lock);
}

void log_set_level(log_level min) { log_min = min; }

static int open_log(const char *path) {
  return open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
}

static void write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return; /* a full disk: the line is lost, nothing better to do */
    p += w;
    n -= (size_t)w;
  }
}

/* Make fd the log file (lock held): also stdout/stderr, size from fstat. */
static void switch_to(int fd) {
  struct stat st;
  dup2(fd, STDOUT_FILENO);
  dup2(fd, STDERR_FILENO);
  if (file_fd >= 0) close(file_fd);
  file_fd = fd;
  file_size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Write a line of our own (lock held), e.g. about a rotation failure. */
static void note_locked(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Rotate (lock held): shift path.N up, path -> path.1, start a new path. When
 * that fails the file is truncated instead: the size limit is the promise. */
static void rotate_locked(void) {
  char from[PATH_MAX + 16], to[PATH_MAX + 16];
  int failed = 0;
  for (int i = file_keep; i >= 1; i--) {
    if (i == 1)
      hiro_strlcpy(from, file_path, sizeof from);
    else
      snprintf(from, sizeof from, "%s.%d", file_path, i - 1);
    snprintf(to, sizeof to, "%s.%d", file_path, i);
    if (rename(from, to) != 0 && errno != ENOENT && !failed) failed = errno;
  }
  if (file_keep == 0 && unlink(file_path) != 0 && errno != ENOENT) failed = errno;
  int fd = failed ? -1 : open_log(file_path);
  if (fd >= 0) {
    switch_to(fd);
    return;
  }
  int why = failed ? failed : errno;
  if (ftruncate(file_fd, 0) == 0) file_size = 0;
  note_locked("log: cannot rotate %s (%s): truncated it instead", file_path, strerror(why));
}

/* "2026-11-28T00:15:02.123Z info  " + the message + "\n", cut at
 * LOG_LINE_MAX. Returns the length. */
static size_t format_line(char *line, log_level level, const char *fmt, va_list ap) {
  static const char *const names[] = {"debug", "info", "warn", "error"};
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(line, 32, "%Y-%m-%dT%H:%M:%S", &tm);
  n += (size_t)snprintf(line + n, 32, ".%03ldZ %-5s ", ts.tv_nsec / 1000000, names[level]);
  int m = vsnprintf(line + n, LOG_LINE_MAX - n - 1, fmt, ap);
  if (m < 0) m = 0;
  if ((size_t)m >= LOG_LINE_MAX - n - 1) {
    n = LOG_LINE_MAX - 1;
    memcpy(line + n - 3, "...", 3);
  } else {
    n += (size_t)m;
  }
  line[n++] = '\n';
  return n;
}

static void emit_locked(const char *line, size_t n) {
  if (file_fd < 0) {
    FILE *out = log_out ? log_out : stderr;
    fwrite(line, 1, n, out);
    fflush(out);
    return;
  }
  if (file_max && file_size > 0 && file_size + n > file_max) rotate_locked();
  write_all(file_fd, line, n);
  file_size += n;
}

static void note_locked(const char *fmt, ...) {
  char line[LOG_LINE_MAX];
  va_list ap;
  va_start(ap, fmt);
  size_t n = format_line(line, HIRO_LOG_ERROR, fmt, ap);
  va_end(ap);
  write_all(file_fd, line, n); /* not emit_locked: no rotation from here */
  file_size += n;
}

void log_msg(log_level level, const char *fmt, ...) {
  if (level < log_min) return;
  char line[LOG_LINE_MAX];
  va_list ap;
  va_start(ap, fmt);
  size_t n = format_line(line, level, fmt, ap);
  va_end(ap);
  pthread_mutex_lock(&lock);
  emit_locked(line, n);
  pthread_mutex_unlock(&lock);
}

bool log_open_file(const char *path, uint64_t max_bytes, int keep, char *err, size_t errlen) {
  int fd = open_log(path);
  if (fd < 0 || strlen(path) >= sizeof file_path) {
    snprintf(err, errlen, "cannot open %s: %s", path, fd < 0 ? strerror(errno) : "path too long");
    if (fd >= 0) close(fd);
    return false;
  }
  pthread_mutex_lock(&lock);
  hiro_strlcpy(file_path, path, sizeof file_path);
  file_max = max_bytes;
  file_keep = keep < 0 ? 0 : keep;
  switch_to(fd);
  pthread_mutex_unlock(&lock);
  return true;
}

bool log_reopen(void) {
  pthread_mutex_lock(&lock);
  bool ok = false;
  if (file_fd >= 0) {
    int fd = open_log(file_path);
    if (fd >= 0) {
      switch_to(fd);
      ok = true;
    } else {
      note_locked("log: cannot reopen %s (%s): still writing the old file", file_path,
                  strerror(errno));
    }
  }
  pthread_mutex_unlock(&lock);
  return ok;
}

void log_close_file(void) {
  pthread_mutex_lock(&lock);
  if (file_fd >= 0) close(file_fd);
  file_fd = -1;
  pthread_mutex_unlock(&lock);
}
