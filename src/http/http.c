/* http.c - libmicrohttpd glue: listening sockets, request bodies, and the
 * translation between MHD and api_request/api_response. */
#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "http/ui_routes.h"

/* Limits that keep one client from starving the others: slow clients are cut
 * off after the timeout, and header memory per connection is bounded. */
#define HTTP_CONNECTION_LIMIT 512
#define HTTP_CONNECTION_TIMEOUT_S 10
#define HTTP_CONNECTION_MEMORY (64 * 1024)
#define HTTP_THREADS 2
#define LARGE_REPLY (1024 * 1024)

struct http_listener {
  struct MHD_Daemon *daemon;
  http_kind kind;
  const api_context *ctx;
  int fd;
};

/* Per-request state: the body collected so far. */
typedef struct {
  strbuf body;
  bool too_large;
  bool large_reply; /* a history answer of megabytes: trim the heap after it */
} request_state;

bool http_host_is_loopback(const char *host) {
  if (strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0) return true;
  struct in_addr a4;
  if (inet_pton(AF_INET, host, &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  return false;
}

static const char *lookup_query(void *ctx, const char *key, size_t *len) {
  const char *value = NULL;
  size_t n = 0;
  if (MHD_lookup_connection_value_n(ctx, MHD_GET_ARGUMENT_KIND, key, strlen(key), &value, &n) !=
      MHD_YES)
    return NULL;
  if (!value) { /* "?minutes" with no '=': present but empty */
    value = "";
    n = 0;
  }
  *len = n;
  return value;
}

/* Queue r; the body's ownership moves to MHD (r->body is NULL afterwards), so
 * a 3 MB history answer is not copied once more. */
static enum MHD_Result send_response(struct MHD_Connection *conn, api_response *r) {
  struct MHD_Response *resp =
      MHD_create_response_from_buffer(r->body_len, r->body, MHD_RESPMEM_MUST_FREE);
  if (!resp) return MHD_NO;
  r->body = NULL;
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  if (r->metrics_source) MHD_add_response_header(resp, "X-Metrics-Source", r->metrics_source);
  if (r->metrics_resolution)
    MHD_add_response_header(resp, "X-Metrics-Resolution", r->metrics_resolution);
  if (r->status == 405) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD, POST");
  enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, resp);
  MHD_destroy_response(resp);
  return ret;
}

static enum MHD_Result send_static(struct MHD_Connection *conn, const ui_file *f) {
  struct MHD_Response *resp =
      MHD_create_response_from_buffer(f->len, (void *)f->data, MHD_RESPMEM_PERSISTENT);
  if (!resp) return MHD_NO;
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, f->content_type);
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  /* Revalidate so an upgraded binary's app.js is not shadowed by a cache. */
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
  MHD_add_response_header(resp, "Content-Security-Policy",
                          "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:");
  enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
  MHD_destroy_response(resp);
  return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, int status, const char *reason) {
  api_response r = {0};
  api_error(&r, status, reason);
  enum MHD_Result ret = send_response(conn, &r);
  api_response_free(&r);
  return ret;
}

/* Route a complete request. */
static enum MHD_Result dispatch(http_listener *l, struct MHD_Connection *conn, const char *url,
                                const char *method, request_state *rs) {
  api_request req = {
      .method = method,
      .path = url,
      .query = lookup_query,
      .query_ctx = conn,
      .authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization"),
      .body = rs->body.data ? rs->body.data : "",
      .body_len = rs->body.len,
  };
  api_response resp = {0};
  const char *prefix = l->kind == HTTP_ADMIN_UI ? "/api" : "";
  if (!api_handle(l->ctx, &req, prefix, &resp)) {
    ui_file f;
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (l->kind == HTTP_ADMIN_UI && get && ui_lookup(url, &f)) return send_static(conn, &f);
    api_not_found(&resp);
  }
  rs->large_reply = resp.body_len >= LARGE_REPLY;
  enum MHD_Result ret = send_response(conn, &resp);
  api_response_free(&resp);
  return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
  http_listener *l = cls;
  request_state *rs = *con_cls;
  if (!rs) {
    rs = xcalloc(1, sizeof *rs);
    *con_cls = rs;
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > API_MAX_BODY) rs->too_large = true;
    if (rs->too_large) return send_error(conn, 413, "request body too large (limit 64 KiB)");
    return MHD_YES;
  }
  if (*upload_data_size) {
    if (!rs->too_large && rs->body.len + *upload_data_size <= API_MAX_BODY)
      sb_append(&rs->body, upload_data, *upload_data_size);
    else
      rs->too_large = true;
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (rs->too_large) return send_error(conn, 413, "request body too large (limit 64 KiB)");
  return dispatch(l, conn, url, method, rs);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode code) {
  request_state *rs = *con_cls;
  if (!rs) return;
  /* Megabyte buffers freed by this worker stay in its malloc arena (the
   * mmap threshold grows after the first free): give them back, so RSS
   * with a full ring stays where it was before the history request. */
  if (rs->large_reply) malloc_trim(0);
  sb_free(&rs->body);
  free(rs);
  *con_cls = NULL;
}

static void mhd_logger(void *cls, const char *fmt, va_list ap) {
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  size_t n = strlen(msg);
  while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r')) msg[--n] = '\0';
  log_debug("http: %s", msg);
}

/* Create, bind and listen ourselves so the caller gets the precise reason
 * (EADDRINUSE, EADDRNOTAVAIL) rather than MHD's NULL. */
static hiro_err open_socket(const char *host, int port, int *fd_out, bool *ipv6, char *err,
                            size_t errlen) {
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
  struct addrinfo *ai = NULL;
  char portstr[16];
  snprintf(portstr, sizeof portstr, "%d", port);
  int rc = getaddrinfo(host, portstr, &hints, &ai);
  if (rc != 0) {
    snprintf(err, errlen, "cannot resolve host '%s': %s", host, gai_strerror(rc));
    return HIRO_EINVAL;
  }
  int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  hiro_err result = HIRO_OK;
  if (fd < 0) {
    snprintf(err, errlen, "socket: %s", strerror(errno));
    result = HIRO_EIO;
  } else if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
             bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 256) != 0) {
    int e = errno;
    snprintf(err, errlen, "cannot listen on %s:%d: %s%s", host, port, strerror(e),
             e == EADDRINUSE ? " (port taken by another program?)" : "");
    result = e == EADDRINUSE ? HIRO_EBUSY : HIRO_EIO;
    close(fd);
  } else {
    *fd_out = fd;
    *ipv6 = ai->ai_family == AF_INET6;
  }
  freeaddrinfo(ai);
  return result;
}

hiro_err http_listen(const char *host, int port, http_kind kind, const api_context *ctx,
                     http_listener **out, char *err, size_t errlen) {
  int fd;
  bool ipv6 = false;
  hiro_err rc = open_socket(host, port, &fd, &ipv6, err, errlen);
  if (rc != HIRO_OK) return rc;
  http_listener *l = xcalloc(1, sizeof *l);
  l->kind = kind;
  l->ctx = ctx;
  l->fd = fd;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
  if (ipv6) flags |= MHD_USE_IPv6;
  l->daemon = MHD_start_daemon(
      flags, 0, NULL, NULL, on_request, l,
      MHD_OPTION_LISTEN_SOCKET, fd,
      MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTP_THREADS,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTION_LIMIT,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_CONNECTION_TIMEOUT_S,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONNECTION_MEMORY,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
      MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
      MHD_OPTION_END);
  if (!l->daemon) {
    snprintf(err, errlen, "cannot start the HTTP server on %s:%d", host, port);
    close(fd);
    free(l);
    return HIRO_EIO;
  }
  *out = l;
  return HIRO_OK;
}

void http_close(http_listener *l) {
  if (!l) return;
  MHD_stop_daemon(l->daemon); /* also closes the listening socket */
  free(l);
}
