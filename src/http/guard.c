/* guard.c - Host, Origin, Content-Type and bearer-token checks of requests. */
#include "http/guard.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NAME_MAX_LEN 255 /* a DNS name's limit; longer is no name of ours */
#define PORT_ABSENT (-1)
#define HTTP_DEFAULT_PORT 80
#define HTTPS_DEFAULT_PORT 443

/* Split "name[:port]" or "[v6addr][:port]" (s_len bytes) into name (NUL
 * terminated, brackets removed) and port (PORT_ABSENT when not given).
 * Returns false when malformed: empty name, non-digit or out-of-range port,
 * a name too long. */
static bool split_authority(const char *s, size_t s_len, char name[NAME_MAX_LEN + 1], long *port) {
  const char *name_start = s, *name_end, *rest;
  if (s_len && s[0] == '[') {
    const char *close = memchr(s, ']', s_len);
    if (!close) return false;
    name_start = s + 1;
    name_end = close;
    rest = close + 1;
  } else {
    const char *colon = memchr(s, ':', s_len);
    name_end = colon ? colon : s + s_len;
    rest = name_end;
  }
  size_t n = (size_t)(name_end - name_start);
  if (n == 0 || n > NAME_MAX_LEN) return false;
  memcpy(name, name_start, n);
  name[n] = '\0';
  const char *end = s + s_len;
  *port = PORT_ABSENT;
  if (rest == end) return true;
  if (*rest != ':') return false;
  rest++;
  if (rest == end) return true; /* "host:" - an empty port is allowed by RFC 3986 */
  long p = 0;
  for (; rest < end; rest++) {
    if (!isdigit((unsigned char)*rest) || p > 65535) return false;
    p = p * 10 + (*rest - '0');
  }
  if (p < 1 || p > 65535) return false;
  *port = p;
  return true;
}

/* Parse a numeric address into 16 bytes (IPv4 as v4-mapped IPv6), so
 * "127.0.0.1", "::ffff:127.0.0.1" and spellings of ::1 compare equal. */
static bool parse_ip(const char *s, unsigned char out[16]) {
  struct in_addr a4;
  if (inet_pton(AF_INET, s, &a4) == 1) {
    memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    memcpy(out + 12, &a4, 4);
    return true;
  }
  struct in6_addr a6;
  if (inet_pton(AF_INET6, s, &a6) != 1) return false;
  memcpy(out, &a6, 16);
  return true;
}

static bool same_address(const char *a, const char *b) {
  unsigned char ia[16], ib[16];
  if (parse_ip(a, ia) && parse_ip(b, ib)) return memcmp(ia, ib, 16) == 0;
  return strcasecmp(a, b) == 0;
}

static bool is_wildcard(const char *host) {
  unsigned char ip[16], any4[16] = {[10] = 0xff, [11] = 0xff}, any6[16] = {0};
  return parse_ip(host, ip) && (memcmp(ip, any4, 16) == 0 || memcmp(ip, any6, 16) == 0);
}

static bool name_ok(const guard_listener *l, const char *name) {
  if (strcasecmp(name, "localhost") == 0) return true;
  if (l->bind_host && !is_wildcard(l->bind_host) && same_address(name, l->bind_host)) return true;
  return l->local_addr && same_address(name, l->local_addr);
}

bool guard_host_ok(const guard_listener *l, const char *host_header) {
  if (!host_header) return true;
  char name[NAME_MAX_LEN + 1];
  long port;
  return split_authority(host_header, strlen(host_header), name, &port) && name_ok(l, name);
}

bool guard_origin_ok(const guard_listener *l, const char *origin, const char *host_header) {
  if (!origin) return true;
  long default_port;
  size_t skip;
  if (strncasecmp(origin, "http://", 7) == 0) {
    default_port = HTTP_DEFAULT_PORT;
    skip = 7;
  } else if (strncasecmp(origin, "https://", 8) == 0) {
    default_port = HTTPS_DEFAULT_PORT;
    skip = 8;
  } else {
    return false; /* "null", file:, chrome-extension: ... */
  }
  char name[NAME_MAX_LEN + 1];
  long port;
  const char *authority = origin + skip;
  if (!split_authority(authority, strlen(authority), name, &port) || !name_ok(l, name))
    return false;
  if (port == PORT_ABSENT) port = default_port;
  if (port == l->port) return true;
  /* Through a forwarded port the page's origin carries the Host header's port. */
  char host_name[NAME_MAX_LEN + 1];
  long host_port;
  if (!host_header || !split_authority(host_header, strlen(host_header), host_name, &host_port))
    return false;
  if (host_port == PORT_ABSENT) host_port = HTTP_DEFAULT_PORT;
  return port == host_port;
}

bool guard_json_content_type(const char *ct) {
  static const char json[] = "application/json";
  if (!ct) return false;
  while (*ct == ' ' || *ct == '\t') ct++;
  if (strncasecmp(ct, json, sizeof json - 1) != 0) return false;
  ct += sizeof json - 1;
  while (*ct == ' ' || *ct == '\t') ct++;
  return *ct == '\0' || *ct == ';';
}

/* Constant-time comparison: the time taken does not depend on where the
 * first difference is. */
static bool same_secret(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  unsigned char diff = la != lb;
  for (size_t i = 0; i < la; i++) diff |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
  return diff == 0;
}

bool guard_bearer_ok(const char *authorization, const char *token) {
  if (!token) return true;
  if (!authorization || strncmp(authorization, "Bearer ", 7) != 0) return false;
  return same_secret(authorization + 7, token);
}
