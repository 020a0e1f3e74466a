/* http_client.h - a tiny blocking HTTP/1.1 client for talking to the local
 * workspace server: one request per connection, with connect and read
 * timeouts. Not a general-purpose client (no TLS, no redirects). */
#ifndef HIRO_CLI_HTTP_CLIENT_H
#define HIRO_CLI_HTTP_CLIENT_H
#include <stdbool.h>
#include <stddef.h>

#include "common/hiro.h"

typedef struct {
  int status;    /* 200, 404, ... */
  char *headers; /* the raw header block, NUL-terminated (owned) */
  char *body;    /* NUL-terminated (owned); body_len excludes the NUL */
  size_t body_len;
} http_response;

typedef struct {
  const char *host; /* name or address; wildcards (0.0.0.0, ::) mean loopback */
  int port;
  const char *token; /* sent as "Authorization: Bearer <token>" when not NULL */
  int connect_timeout_ms;
  int read_timeout_ms; /* longest wait for any single read */
} http_target;

/* Send one request (body may be NULL; it is sent as application/json) and
 * read the whole response into out. Returns HIRO_OK, or HIRO_ENOENT when
 * nothing listens on the port (connection refused), or HIRO_EIO (timeout,
 * malformed reply, ...) with the reason in err. out is untouched on error;
 * free it with http_response_free on success. */
hiro_err http_request(const http_target *t, const char *method, const char *path, const char *body,
                      http_response *out, char *err, size_t errlen) HIRO_MUST_USE;

/* The value of header name (case-insensitive) copied into buf, or NULL. */
const char *http_header(const http_response *r, const char *name, char *buf, size_t n);

void http_response_free(http_response *r);

#endif
