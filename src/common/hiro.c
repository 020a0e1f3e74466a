/* hiro.c - allocation wrappers, error strings, thread names. */
#define _GNU_SOURCE /* pthread_setname_np */
#include "common/hiro.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *check(void *p, size_t n) {
  if (!p && n) {
    fprintf(stderr, "hiro: out of memory allocating %zu bytes\n", n);
    abort();
  }
  return p;
}

void *xmalloc(size_t n) { return check(malloc(n ? n : 1), n); }
void *xcalloc(size_t count, size_t size) {
  return check(calloc(count ? count : 1, size ? size : 1), count * size);
}
void *xrealloc(void *p, size_t n) { return check(realloc(p, n ? n : 1), n); }
char *xstrdup(const char *s) { return check(strdup(s), strlen(s) + 1); }

bool hiro_strlcpy(char *dst, const char *src, size_t n) {
  size_t len = strlen(src);
  if (n == 0) return len == 0;
  size_t copy = len < n ? len : n - 1;
  memcpy(dst, src, copy);
  dst[copy] = '\0';
  return copy == len;
}

void hiro_thread_name(const char *name) {
  char comm[16]; /* the kernel keeps 15 bytes and a NUL */
  hiro_strlcpy(comm, name, sizeof comm);
  (void)pthread_setname_np(pthread_self(), comm);
}

const char *hiro_strerror(hiro_err err) {
  switch (err) {
  case HIRO_OK: return "ok";
  case HIRO_ENOENT: return "not found";
  case HIRO_EIO: return "input/output error";
  case HIRO_EINVAL: return "invalid argument";
  case HIRO_EBUSY: return "busy";
  case HIRO_ESCHEMA: return "unknown schema version";
  case HIRO_EPARSE: return "parse error";
  case HIRO_EAGAIN: return "try again";
  }
  return "unknown error";
}

void hiro_set_err(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || errlen == 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}
