/* ui_routes.c - the embedded dashboard files: lookup, content negotiation
 * (gzip) and revalidation (ETag, 304). */
#include "http/ui_routes.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ui/assets.h"

static const char *content_type_for(const char *path) {
  static const struct {
    const char *ext, *type;
  } types[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".json", "application/json"},
      {".ico", "image/x-icon"},
  };
  const char *dot = strrchr(path, '.');
  for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
    if (strcmp(dot, types[i].ext) == 0) return types[i].type;
  return "application/octet-stream";
}

static const struct ui_asset_raw *find_asset(const char *path) {
  const char *name;
  if (strcmp(path, "/") == 0 || strcmp(path, "/metrics") == 0 || strcmp(path, "/metrics/") == 0)
    name = "/index.html";
  else if (strncmp(path, "/assets/", 8) == 0)
    name = path + 7; /* keeps the leading slash */
  else
    return NULL;
  for (const struct ui_asset_raw *a = ui_assets_raw; a->path; a++)
    if (strcmp(a->path, name) == 0) return a;
  return NULL;
}

static const char *skip_space(const char *p) {
  while (*p == ' ' || *p == '\t') p++;
  return p;
}

/* The q-value an Accept-Encoding list gives coding by name (-1 when it is
 * not listed). A missing q means 1; a malformed q counts as 0, so a garbled
 * header only ever costs compression. */
static double coding_q(const char *list, const char *coding) {
  double found = -1;
  size_t clen = strlen(coding);
  for (const char *p = list; *p;) {
    p = skip_space(p);
    size_t n = strcspn(p, ";, \t");
    double q = 1;
    const char *param = p + n;
    while (*(param = skip_space(param)) == ';') {
      param = skip_space(param + 1);
      if ((param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        char *end;
        q = strtod(param + 2, &end);
        if (end == param + 2 || !(q >= 0 && q <= 1)) q = 0;
        param = end;
      }
      param += strcspn(param, ";,");
    }
    if (n == clen && strncasecmp(p, coding, n) == 0) found = q;
    p = param + strcspn(param, ",");
    if (*p == ',') p++;
  }
  return found;
}

/* gzip's own entry (or its old alias x-gzip), else "*", decides (RFC 9110
 * 12.5.3); no header at all means identity only. */
bool ui_accepts_gzip(const char *list) {
  double q = coding_q(list, "gzip");
  if (q < 0) q = coding_q(list, "x-gzip");
  if (q < 0) q = coding_q(list, "*");
  return q > 0;
}

/* True when an If-None-Match list names etag ("*" names any; a weak W/
 * prefix still matches, as If-None-Match uses the weak comparison). */
static bool etag_listed(const char *list, const char *etag) {
  size_t elen = strlen(etag);
  for (const char *p = list; *p;) {
    p = skip_space(p);
    if (*p == '*') return true;
    if (p[0] == 'W' && p[1] == '/') p += 2;
    size_t n = strcspn(p, ", \t");
    if (n == elen && memcmp(p, etag, n) == 0) return true;
    p += n;
    p += strcspn(p, ",");
    if (*p == ',') p++;
  }
  return false;
}

bool ui_serve(const char *path, const char *accept_encoding, const char *if_none_match,
              api_response *resp) {
  const struct ui_asset_raw *a = find_asset(path);
  if (!a) return false;
  bool gzip = a->gz_start && accept_encoding && ui_accepts_gzip(accept_encoding);
  const char *etag = gzip ? a->etag_gz : a->etag;
  api_add_header(resp, "ETag", etag);
  /* Unversioned URLs: always revalidate, which the ETag makes a 304 of a
   * few hundred bytes, so an upgraded binary's files are never shadowed. */
  api_add_header(resp, "Cache-Control", "no-cache");
  if (a->gz_start) api_add_header(resp, "Vary", "Accept-Encoding");
  if (if_none_match && etag_listed(if_none_match, etag)) {
    resp->status = 304;
    return true;
  }
  resp->status = 200;
  resp->content_type = content_type_for(a->path);
  resp->static_body = gzip ? a->gz_start : a->start;
  resp->body_len = (size_t)(gzip ? a->gz_end - a->gz_start : a->end - a->start);
  if (gzip) api_add_header(resp, "Content-Encoding", "gzip");
  api_add_header(resp, "X-Content-Type-Options", "nosniff");
  api_add_header(resp, "Content-Security-Policy",
                 "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:");
  return true;
}
