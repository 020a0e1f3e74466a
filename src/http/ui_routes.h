/* ui_routes.h - the admin UI's static files, embedded at build time, served
 * with a strong ETag (content hash) and a precompressed gzip copy. */
#ifndef HIRO_UI_ROUTES_H
#define HIRO_UI_ROUTES_H
#include <stdbool.h>

#include "http/api.h"

/* Answer a GET/HEAD for an embedded file: "/", "/metrics" and "/metrics/"
 * give the page, "/assets/NAME" the asset. The gzip copy is sent when
 * accept_encoding allows gzip (Vary: Accept-Encoding), 304 without a body
 * when if_none_match lists the sent representation's ETag. Either header may
 * be NULL. Returns false (resp untouched) when there is no such file. */
bool ui_serve(const char *path, const char *accept_encoding, const char *if_none_match,
              api_response *resp);

/* Whether an Accept-Encoding list allows gzip: its own entry (or x-gzip),
 * else "*", with a q above 0 (RFC 9110 12.5.3). */
bool ui_accepts_gzip(const char *accept_encoding);

#endif
