/* compress.h - gzip for JSON answers the client accepts compressed: a
 * dashboard tick (one snapshot with its plugins, ~3 KB) becomes ~0.8 KB and a
 * history range about a tenth of its size. */
#ifndef HIRO_HTTP_COMPRESS_H
#define HIRO_HTTP_COMPRESS_H
#include <stdbool.h>
#include <stddef.h>

#include "http/api.h"

/* Answers smaller than this go out as they are: gzip's header and trailer
 * would eat most of the saving. */
#define HTTP_GZIP_MIN_BYTES 512

/* Replace a 200 JSON body of resp with its gzip (Content-Encoding: gzip,
 * Vary: Accept-Encoding) when accept_encoding allows gzip, the body is large
 * enough and compressing saves bytes. Returns true when it did. */
bool http_gzip_response(api_response *resp, const char *accept_encoding);

#endif
