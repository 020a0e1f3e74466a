/* ui_routes.h - the admin UI's static files, embedded at build time. */
#ifndef HIRO_UI_ROUTES_H
#define HIRO_UI_ROUTES_H
#include <stdbool.h>
#include <stddef.h>

typedef struct {
  const char *data;
  size_t len;
  const char *content_type;
} ui_file;

/* Map a request path to an embedded file: "/" and "/metrics" give the page,
 * "/assets/NAME" the asset. Returns false when there is no such file. */
bool ui_lookup(const char *path, ui_file *out);

#endif
