/* http.h - the HTTP listeners (libmicrohttpd): the REST server and the admin
 * UI. Only http/ includes microhttpd.h. */
#ifndef HIRO_HTTP_H
#define HIRO_HTTP_H
#include <stddef.h>

#include "common/hiro.h"
#include "http/api.h"

typedef struct http_listener http_listener;

typedef enum {
  HTTP_REST,    /* the REST API at its documented paths */
  HTTP_ADMIN_UI /* the dashboard at /metrics, its assets, and the API under /api */
} http_kind;

/* Where a listener binds, and the config keys that chose it (for errors such
 * as "admin UI listener: cannot bind 127.0.0.1:18080 (admin_ui_port): ..."). */
typedef struct {
  http_kind kind;
  const char *host;     /* numeric IPv4/IPv6 address or a name that resolves to one */
  const char *host_key; /* config key that set host; NULL when fixed */
  int port;
  const char *port_key; /* config key or option that set port */
} http_endpoint;

/* Bind ep and serve until http_close. ctx must outlive the listener. On
 * failure returns HIRO_EBUSY (port taken), HIRO_EINVAL (host does not
 * resolve) or HIRO_EIO, with the reason in err naming listener and keys. */
hiro_err http_listen(const http_endpoint *ep, const api_context *ctx, http_listener **out,
                     char *err, size_t errlen) HIRO_MUST_USE;
/* Stop accepting, finish in-flight requests, free. Safe on NULL. */
void http_close(http_listener *l);

/* True when host is a loopback address (127.0.0.0/8, ::1, "localhost"). */
bool http_host_is_loopback(const char *host);

#endif
