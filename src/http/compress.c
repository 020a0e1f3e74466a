/* compress.c - gzip (zlib, fastest level) of JSON answers on request. Only
 * malloc'd bodies are touched: embedded files have their own gzip copies made
 * at build time (ui_routes.c). */
#include "http/compress.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/hiro.h"
#include "http/ui_routes.h"

/* gzip of in[0..len) into a new buffer; NULL when zlib fails or the result
 * is not smaller. */
static char *gzip_bytes(const char *in, size_t len, size_t *out_len) {
  z_stream z;
  memset(&z, 0, sizeof z);
  /* 15 + 16: a gzip header and trailer rather than zlib's. Level 1: the
   * history endpoint's budget is milliseconds, and JSON keys repeat. */
  if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
  size_t cap = deflateBound(&z, (uLong)len);
  char *out = xmalloc(cap);
  z.next_in = (Bytef *)in;
  z.avail_in = (uInt)len;
  z.next_out = (Bytef *)out;
  z.avail_out = (uInt)cap;
  int rc = deflate(&z, Z_FINISH);
  *out_len = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END || *out_len >= len) {
    free(out);
    return NULL;
  }
  return out;
}

bool http_gzip_response(api_response *resp, const char *accept_encoding) {
  if (!accept_encoding || !resp->body || resp->static_body || resp->status != 200) return false;
  if (resp->body_len < HTTP_GZIP_MIN_BYTES || resp->body_len > UINT32_MAX) return false;
  if (!resp->content_type || strncmp(resp->content_type, "application/json", 16) != 0) return false;
  if (api_find_header(resp, "Content-Encoding") || !ui_accepts_gzip(accept_encoding)) return false;
  size_t n = 0;
  char *gz = gzip_bytes(resp->body, resp->body_len, &n);
  if (!gz) return false;
  free(resp->body);
  resp->body = gz;
  resp->body_len = n;
  api_add_header(resp, "Content-Encoding", "gzip");
  api_add_header(resp, "Vary", "Accept-Encoding");
  return true;
}
