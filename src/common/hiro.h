/* hiro.h - project-wide error codes and small helpers every module uses. */
#ifndef HIRO_H
#define HIRO_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

typedef enum {
  HIRO_OK = 0,
  HIRO_ENOENT = -1,  /* file, process or row does not exist (any more) */
  HIRO_EIO = -2,     /* read/write failed */
  HIRO_EINVAL = -3,  /* bad input: argument, config value, request body */
  HIRO_EBUSY = -5,   /* already running, port taken */
  HIRO_ESCHEMA = -6, /* database schema version unknown to this binary */
  HIRO_EPARSE = -7,  /* malformed file contents */
  HIRO_EAGAIN = -8,  /* no figure this time; the next read has one */
} hiro_err;

/* Plugin names (config.json "channels"): at most 63 bytes. */
#define HIRO_NAME_MAX 64

#define HIRO_MUST_USE __attribute__((warn_unused_result))
#define HIRO_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation wrappers: abort with a message on out-of-memory, so callers need
 * no NULL checks. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Copy src into dst (size n), always NUL-terminated. Returns false when src was
 * truncated. */
bool hiro_strlcpy(char *dst, const char *src, size_t n);

/* Name the calling thread (first 15 bytes of name) so `top -H`, `ps -L`,
 * /proc/PID/task/TID/comm and profilers show what it does. Never fails: a
 * name that cannot be set is left as it was. */
void hiro_thread_name(const char *name);

/* Human-readable text for an error code. Never returns NULL. */
const char *hiro_strerror(hiro_err err);

/* Format a message into err (errlen bytes, always NUL-terminated); does
 * nothing when err is NULL or errlen is 0. The one way modules fill the
 * caller-provided error buffers of their APIs. */
void hiro_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
