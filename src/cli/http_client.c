/* http_client.c - blocking HTTP/1.1 client over one TCP connection: connect
 * with a timeout, send the request, read until the server closes (we ask for
 * "Connection: close"), then split headers and body, decoding a chunked body. */
#include "cli/http_client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/strbuf.h"

#define HTTP_MAX_RESPONSE (512u << 20) /* refuse to buffer more than 512 MiB */

/* Wildcard listen addresses are reachable through loopback. */
static const char *connect_host(const char *host) {
  if (!host || !*host || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "*") == 0) return "127.0.0.1";
  if (strcmp(host, "::") == 0 || strcmp(host, "[::]") == 0) return "::1";
  return host;
}

/* Connect to one address within timeout_ms. Returns the fd or -1 with errno. */
static int connect_addr(const struct addrinfo *ai, int timeout_ms) {
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
  if (fd < 0) return -1;
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) return fd;
  if (errno == EINPROGRESS) {
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int n = poll(&p, 1, timeout_ms);
    int soerr = 0;
    socklen_t len = sizeof soerr;
    if (n == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0) return fd;
    errno = n == 0 ? ETIMEDOUT : (soerr ? soerr : errno);
  }
  int saved = errno;
  close(fd);
  errno = saved;
  return -1;
}

static int open_connection(const http_target *t, char *err, size_t errlen, hiro_err *why) {
  char port[16];
  snprintf(port, sizeof port, "%d", t->port);
  const char *host = connect_host(t->host);
  struct addrinfo hints = {
      .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
  struct addrinfo *list = NULL;
  int gai = getaddrinfo(host, port, &hints, &list);
  if (gai != 0) {
    snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(gai));
    *why = HIRO_EIO;
    return -1;
  }
  int fd = -1, last_errno = 0;
  for (const struct addrinfo *ai = list; ai && fd < 0; ai = ai->ai_next) {
    fd = connect_addr(ai, t->connect_timeout_ms);
    last_errno = errno;
  }
  freeaddrinfo(list);
  if (fd < 0) {
    snprintf(err, errlen, "cannot connect to %s port %d: %s", host, t->port, strerror(last_errno));
    *why = last_errno == ECONNREFUSED ? HIRO_ENOENT : HIRO_EIO;
  }
  return fd;
}

/* Wait for fd to be ready for events; false on timeout or error. */
static bool wait_fd(int fd, short events, int timeout_ms) {
  struct pollfd p = {.fd = fd, .events = events};
  int n;
  do {
    n = poll(&p, 1, timeout_ms);
  } while (n < 0 && errno == EINTR);
  return n == 1;
}

static bool send_all(int fd, const char *data, size_t len, int timeout_ms) {
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_fd(fd, POLLOUT, timeout_ms)) return false;
      continue;
    }
    if (n <= 0) return false;
    data += n;
    len -= (size_t)n;
  }
  return true;
}

/* Read until EOF into b. Returns NULL or the reason for failing. */
static const char *recv_all(int fd, strbuf *b, int timeout_ms) {
  for (;;) {
    sb_reserve(b, 65536);
    ssize_t n = recv(fd, b->data + b->len, b->cap - b->len - 1, 0);
    if (n > 0) {
      b->len += (size_t)n;
      b->data[b->len] = '\0';
      if (b->len > HTTP_MAX_RESPONSE) return "response too large";
    } else if (n == 0) {
      return NULL;
    } else if (errno == EAGAIN || errno == EINTR) {
      if (!wait_fd(fd, POLLIN, timeout_ms)) return "timed out waiting for the server's reply";
    } else {
      return strerror(errno);
    }
  }
}

const char *http_header(const http_response *r, const char *name, char *buf, size_t n) {
  size_t len = strlen(name);
  for (const char *line = r->headers; line && *line;) {
    const char *eol = strstr(line, "\r\n");
    size_t line_len = eol ? (size_t)(eol - line) : strlen(line);
    if (line_len > len && line[len] == ':' && strncasecmp(line, name, len) == 0) {
      const char *v = line + len + 1;
      while (*v == ' ' || *v == '\t') v++;
      size_t vlen = (size_t)(line + line_len - v);
      while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t')) vlen--;
      snprintf(buf, n, "%.*s", (int)vlen, v);
      return buf;
    }
    line = eol ? eol + 2 : NULL;
  }
  return NULL;
}

/* Decode a chunked body in place. Returns the decoded length, or -1. */
static long dechunk(char *body, size_t len) {
  size_t in = 0, out = 0;
  for (;;) {
    char *end;
    unsigned long size = strtoul(body + in, &end, 16);
    char *eol = strstr(end, "\r\n");
    if (end == body + in || !eol) return -1;
    in = (size_t)(eol - body) + 2;
    if (size == 0) return (long)out;
    if (size > len - in || len - in - size < 2) return -1;
    memmove(body + out, body + in, size);
    out += size;
    in += size + 2;
  }
}

/* Split the raw reply into out. Returns NULL or what is wrong with it. */
static const char *parse_response(char *raw, size_t len, http_response *out) {
  char *split = strstr(raw, "\r\n\r\n");
  int status = 0;
  if (!split || sscanf(raw, "HTTP/1.%*d %d", &status) != 1 || status < 100 || status > 999)
    return "malformed HTTP reply";
  *split = '\0';
  char *body = split + 4;
  size_t body_len = len - (size_t)(body - raw);
  http_response r = {.status = status, .headers = raw};
  char value[64];
  if (http_header(&r, "Transfer-Encoding", value, sizeof value) &&
      strcasecmp(value, "chunked") == 0) {
    long n = dechunk(body, body_len);
    if (n < 0) return "malformed chunked body";
    body_len = (size_t)n;
  } else if (http_header(&r, "Content-Length", value, sizeof value)) {
    unsigned long long cl = strtoull(value, NULL, 10);
    if (cl > body_len) return "reply ended early";
    body_len = (size_t)cl;
  }
  char *eol = strstr(raw, "\r\n");
  r.headers = xstrdup(eol ? eol + 2 : "");
  r.body = xmalloc(body_len + 1);
  memcpy(r.body, body, body_len);
  r.body[body_len] = '\0';
  r.body_len = body_len;
  *out = r;
  return NULL;
}

static void build_request(strbuf *req, const http_target *t, const char *method, const char *path,
                          const char *body) {
  const char *host = connect_host(t->host);
  bool v6 = strchr(host, ':') != NULL;
  sb_printf(req, "%s %s HTTP/1.1\r\nHost: %s%s%s:%d\r\n", method, path, v6 ? "[" : "", host,
            v6 ? "]" : "", t->port);
  sb_puts(req, "User-Agent: hirocli\r\nAccept: application/json\r\nConnection: close\r\n");
  if (t->token) sb_printf(req, "Authorization: Bearer %s\r\n", t->token);
  if (body)
    sb_printf(req, "Content-Type: application/json\r\nContent-Length: %zu\r\n", strlen(body));
  sb_puts(req, "\r\n");
  if (body) sb_puts(req, body);
}

hiro_err http_request(const http_target *t, const char *method, const char *path, const char *body,
                      http_response *out, char *err, size_t errlen) {
  hiro_err rc = HIRO_EIO;
  int fd = open_connection(t, err, errlen, &rc);
  if (fd < 0) return rc;
  strbuf req, reply;
  sb_init(&req, 512);
  sb_init(&reply, 65536);
  build_request(&req, t, method, path, body);
  const char *why = NULL;
  if (!send_all(fd, req.data, req.len, t->read_timeout_ms))
    why = "cannot send the request";
  else
    why = recv_all(fd, &reply, t->read_timeout_ms);
  if (!why) why = parse_response(reply.data, reply.len, out);
  if (why) snprintf(err, errlen, "%s (%s port %d)", why, connect_host(t->host), t->port);
  rc = why ? HIRO_EIO : HIRO_OK;
  close(fd);
  sb_free(&req);
  sb_free(&reply);
  return rc;
}

void http_response_free(http_response *r) {
  free(r->headers);
  free(r->body);
  r->headers = r->body = NULL;
}
