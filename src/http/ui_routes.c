/* ui_routes.c - lookup of the embedded dashboard files. */
#include "http/ui_routes.h"

#include <string.h>

#include "ui/assets.h"

static const char *content_type_for(const char *path) {
  static const struct { const char *ext, *type; } types[] = {
      {".html", "text/html; charset=utf-8"},  {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},    {".svg", "image/svg+xml"},
      {".png", "image/png"},                  {".json", "application/json"},
      {".ico", "image/x-icon"},
  };
  const char *dot = strrchr(path, '.');
  for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
    if (strcmp(dot, types[i].ext) == 0) return types[i].type;
  return "application/octet-stream";
}

bool ui_lookup(const char *path, ui_file *out) {
  const char *name;
  if (strcmp(path, "/") == 0 || strcmp(path, "/metrics") == 0 || strcmp(path, "/metrics/") == 0)
    name = "/index.html";
  else if (strncmp(path, "/assets/", 8) == 0)
    name = path + 7; /* keeps the leading slash */
  else
    return false;
  for (const struct ui_asset_raw *a = ui_assets_raw; a->path; a++) {
    if (strcmp(a->path, name) == 0) {
      out->data = a->start;
      out->len = (size_t)(a->end - a->start);
      out->content_type = content_type_for(name);
      return true;
    }
  }
  return false;
}
