/* app_json.c - application-metrics frames to JSON. */
#include "http/app_json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void app_json_number(strbuf *b, double v) {
  if (isfinite(v))
    sb_double(b, v, 6);
  else
    sb_puts(b, "null");
}

static void field(strbuf *b, const char *name, double v) {
  sb_putc(b, ',');
  sb_json_string(b, name);
  sb_putc(b, ':');
  app_json_number(b, v);
}

void app_json_tags(strbuf *b, const char *tags) {
  sb_putc(b, '{');
  const char *pos = tags, *k, *v;
  size_t kl, vl;
  char key[128], value[256];
  for (bool first = true; app_tags_next(&pos, &k, &kl, &v, &vl); first = false) {
    if (!first) sb_putc(b, ',');
    /* sb_json_string wants a C string; the parser bounds both lengths. */
    snprintf(key, sizeof key, "%.*s", (int)kl, k);
    snprintf(value, sizeof value, "%.*s", (int)vl, v);
    sb_json_string(b, key);
    sb_putc(b, ':');
    sb_json_string(b, value);
  }
  sb_putc(b, '}');
}

void app_json_point(strbuf *b, const app_point *p) {
  sb_puts(b, "\"type\":");
  sb_json_string(b, statsd_type_name(p->type));
  if (p->tags[0]) {
    sb_puts(b, ",\"name\":");
    sb_json_string(b, p->name);
    sb_puts(b, ",\"tags\":");
    app_json_tags(b, p->tags);
  }
  switch (p->type) {
  case STATSD_COUNTER:
    field(b, "rate", p->value);
    field(b, "count", p->count);
    field(b, "total", p->total);
    break;
  case STATSD_GAUGE: field(b, "value", p->value); break;
  case STATSD_SET: field(b, "distinct", p->value); break;
  default:
    field(b, "count", p->count);
    field(b, "sum", p->sum);
    field(b, "min", p->min);
    field(b, "max", p->max);
    field(b, "p50", p->p50);
    field(b, "p90", p->p90);
    field(b, "p99", p->p99);
  }
}

void app_json_group(strbuf *b, const app_frame *f, const app_group *g) {
  sb_putc(b, '{');
  for (size_t i = g->first; i < g->first + g->count; i++) {
    if (i > g->first) sb_putc(b, ',');
    sb_json_string(b, f->points[i].key);
    sb_puts(b, ":{");
    app_json_point(b, &f->points[i]);
    sb_putc(b, '}');
  }
  sb_putc(b, '}');
}
