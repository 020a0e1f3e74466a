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
#include "http/compress.h"

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
  char *host; /* as configured: what the Host header may name */
  int port;
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

static const char *lookup_header(void *ctx, const char *name) {
  return MHD_lookup_connection_value(ctx, MHD_HEADER_KIND, name);
}

/* Queue r; a malloc'd body's ownership moves to MHD (r->body is NULL
 * afterwards), so a 3 MB history answer is not copied once more. */
static enum MHD_Result send_response(struct MHD_Connection *conn, api_response *r) {
  struct MHD_Response *resp =
      r->static_body ? MHD_create_response_from_buffer(r->body_len, (void *)r->static_body,
                                                       MHD_RESPMEM_PERSISTENT)
                     : MHD_create_response_from_buffer(r->body_len, r->body, MHD_RESPMEM_MUST_FREE);
  if (!resp) return MHD_NO;
  if (!r->static_body) r->body = NULL;
  if (r->content_type) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
  if (!api_find_header(r, MHD_HTTP_HEADER_CACHE_CONTROL))
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  for (size_t i = 0; i < r->n_headers; i++)
    MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
  enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, resp);
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

/* The numeric address the connection arrived on (for a wildcard bind, the
 * one the client used), IPv4-mapped addresses as plain IPv4. */
static void local_address(struct MHD_Connection *conn, char *buf, size_t len) {
  buf[0] = '\0';
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  if (!ci || getsockname(ci->connect_fd, (struct sockaddr *)&ss, &sl) != 0) return;
  if (ss.ss_family == AF_INET)
    inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, buf, (socklen_t)len);
  else if (ss.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, buf, (socklen_t)len);
}

/* The query string's parameters, in order (MHD keeps repeated keys). */
typedef struct {
  api_query_arg *v;
  size_t n, cap;
} query_args;

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   size_t key_size, const char *value, size_t value_size) {
  (void)kind;
  (void)key_size;
  query_args *qa = cls; /* bounded by the connection's memory limit */
  if (qa->n == qa->cap) {
    qa->cap = qa->cap ? 2 * qa->cap : 8;
    qa->v = xrealloc(qa->v, qa->cap * sizeof *qa->v);
  }
  qa->v[qa->n++] = (api_query_arg){key, value ? value : "", value ? value_size : 0};
  return MHD_YES;
}

/* Answer a complete request. */
static enum MHD_Result dispatch(http_listener *l, struct MHD_Connection *conn, const char *url,
                                const char *method, request_state *rs) {
  char local[INET6_ADDRSTRLEN];
  local_address(conn, local, sizeof local);
  query_args qa = {0};
  MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, collect_arg, &qa);
  api_request req = {
      .method = method,
      .path = url,
      .query = lookup_query,
      .args = qa.v,
      .n_args = qa.n,
      .header = lookup_header,
      .conn = conn,
      .admin = l->kind == HTTP_ADMIN_UI,
      .listener = {.bind_host = l->host, .local_addr = local[0] ? local : NULL, .port = l->port},
      .body = rs->body.data ? rs->body.data : "",
      .body_len = rs->body.len,
  };
  api_response resp = {0};
  api_handle(l->ctx, &req, &resp);
  free(qa.v);
  http_gzip_response(&resp, lookup_header(conn, MHD_HTTP_HEADER_ACCEPT_ENCODING));
  rs->large_reply = resp.body_len >= LARGE_REPLY && !resp.static_body;
  enum MHD_Result ret = send_response(conn, &resp);
  api_response_free(&resp);
  return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
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

static const char *listener_name(http_kind kind) {
  return kind == HTTP_ADMIN_UI ? "admin UI listener" : "REST API listener";
}

/* Why bind failed, in the user's words. */
static const char *bind_reason(int e) {
  switch (e) {
  case EADDRINUSE: return "port already in use by another program";
  case EADDRNOTAVAIL: return "no such address on this machine";
  case EACCES: return "permission denied (ports below 1024 need privileges)";
  default: return strerror(e);
  }
}

/* Create, bind and listen ourselves so the caller gets the precise reason
 * (EADDRINUSE, EADDRNOTAVAIL) rather than MHD's NULL. Errors name the
 * listener and the config keys that chose host and port. */
static hiro_err open_socket(const http_endpoint *ep, int *fd_out, bool *ipv6, char *err,
                            size_t errlen) {
  struct addrinfo hints = {
      .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
  struct addrinfo *ai = NULL;
  char portstr[16];
  snprintf(portstr, sizeof portstr, "%d", ep->port);
  int rc = getaddrinfo(ep->host, portstr, &hints, &ai);
  if (rc != 0) {
    snprintf(err, errlen, "%s: cannot resolve host '%s'%s%s%s: %s", listener_name(ep->kind),
             ep->host, ep->host_key ? " (" : "", ep->host_key ? ep->host_key : "",
             ep->host_key ? ")" : "", gai_strerror(rc));
    return HIRO_EINVAL;
  }
  bool v6 = ai->ai_family == AF_INET6;
  int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  hiro_err result = HIRO_OK;
  if (fd < 0) {
    snprintf(err, errlen, "%s: socket: %s", listener_name(ep->kind), strerror(errno));
    result = HIRO_EIO;
  } else if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
             bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 256) != 0) {
    int e = errno;
    snprintf(err, errlen, "%s: cannot bind %s%s%s:%d (%s): %s", listener_name(ep->kind),
             v6 ? "[" : "", ep->host, v6 ? "]" : "", ep->port, ep->port_key, bind_reason(e));
    result = e == EADDRINUSE ? HIRO_EBUSY : HIRO_EIO;
    close(fd);
  } else {
    *fd_out = fd;
    *ipv6 = v6;
  }
  freeaddrinfo(ai);
  return result;
}

hiro_err http_listen(const http_endpoint *ep, const api_context *ctx, http_listener **out,
                     char *err, size_t errlen) {
  int fd;
  bool ipv6 = false;
  hiro_err rc = open_socket(ep, &fd, &ipv6, err, errlen);
  if (rc != HIRO_OK) return rc;
  http_listener *l = xcalloc(1, sizeof *l);
  l->kind = ep->kind;
  l->ctx = ctx;
  l->host = xstrdup(ep->host);
  l->port = ep->port;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
  if (ipv6) flags |= MHD_USE_IPv6;
  l->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, l, MHD_OPTION_LISTEN_SOCKET, fd,
                               MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTP_THREADS,
                               MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTION_LIMIT,
                               MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_CONNECTION_TIMEOUT_S,
                               MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONNECTION_MEMORY,
                               MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                               MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL, MHD_OPTION_END);
  if (!l->daemon) {
    snprintf(err, errlen, "%s: cannot start the HTTP server on %s:%d", listener_name(ep->kind),
             ep->host, ep->port);
    close(fd);
    http_close(l);
    return HIRO_EIO;
  }
  *out = l;
  return HIRO_OK;
}

void http_close(http_listener *l) {
  if (!l) return;
  if (l->daemon) MHD_stop_daemon(l->daemon); /* also closes the listening socket */
  free(l->host);
  free(l);
}
