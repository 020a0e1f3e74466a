/* prometheus_app.c - the latest application-metrics frame in Prometheus text
 * format: counters as <name>_total, gauges and sets as gauges, timers as
 * summaries in seconds (<name>_seconds; StatsD timers are milliseconds),
 * histograms and distributions as summaries in their own unit. Every family
 * is prefixed hiro_app_, '.' and '-' become '_', the publisher is the
 * "process" label and DogStatsD tags are labels. Families are written whole
 * (sorted by name); a series whose name or labels would clash with one
 * already written is left out with a comment, because Prometheus refuses a
 * whole scrape over one duplicate. */
#include "http/prometheus_app.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/prometheus.h"

#define PROM_NAME_MAX (STATSD_NAME_MAX + 32)

typedef struct {
  char family[PROM_NAME_MAX];
  const app_group *group;
  const app_point *point;
  char *labels; /* {process="..",tag=".."} without the braces; malloc'd */
} entry;

static void sanitize(char *out, const char *in, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = (in[i] == '.' || in[i] == '-') ? '_' : in[i];
  out[n] = '\0';
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

static void family_name(entry *e) {
  char base[STATSD_NAME_MAX + 1];
  sanitize(base, e->point->name, strlen(e->point->name));
  const char *suffix = "";
  if (e->point->type == STATSD_COUNTER && !ends_with(base, "_total")) suffix = "_total";
  if (e->point->type == STATSD_TIMER && !ends_with(base, "_seconds")) suffix = "_seconds";
  snprintf(e->family, sizeof e->family, "hiro_app_%s%s", base, suffix);
}

/* process="name",key="value",... ; false when two tag keys sanitize alike. */
static bool build_labels(entry *e) {
  strbuf b;
  sb_init(&b, 64);
  sb_puts(&b, "process=\"");
  prometheus_escape_label(&b, e->group->plugin);
  sb_putc(&b, '"');
  const char *pos = e->point->tags, *k, *v;
  size_t kl, vl;
  char keys[STATSD_MAX_TAGS][STATSD_TAG_KEY_MAX + 1];
  size_t n = 0;
  bool ok = true;
  while (ok && n < STATSD_MAX_TAGS && app_tags_next(&pos, &k, &kl, &v, &vl)) {
    sanitize(keys[n], k, kl);
    for (size_t i = 0; i < n; i++) ok &= strcmp(keys[i], keys[n]) != 0;
    char value[STATSD_TAG_VALUE_MAX + 1];
    memcpy(value, v, vl);
    value[vl] = '\0';
    sb_printf(&b, ",%s=\"", keys[n++]);
    prometheus_escape_label(&b, value);
    sb_putc(&b, '"');
  }
  e->labels = sb_steal(&b);
  return ok;
}

static int by_family(const void *a, const void *b) {
  const entry *x = a, *y = b;
  int c = strcmp(x->family, y->family);
  if (c) return c;
  /* Stable within a family: frame order (publisher, then first seen). */
  return (x->point > y->point) - (x->point < y->point);
}

static void put_number(strbuf *b, double v) {
  if (isnan(v))
    sb_puts(b, "NaN");
  else if (v == floor(v) && fabs(v) < 9007199254740992.0)
    sb_i64(b, (int64_t)v);
  else
    sb_printf(b, "%.15g", v);
}

static void sample(strbuf *b, const char *family, const char *suffix, const char *labels,
                   const char *extra, double v) {
  sb_printf(b, "%s%s{%s%s} ", family, suffix, labels, extra);
  put_number(b, v);
  sb_putc(b, '\n');
}

static const char *prom_type(statsd_type t) {
  return t == STATSD_COUNTER                    ? "counter"
         : t == STATSD_GAUGE || t == STATSD_SET ? "gauge"
                                                : "summary";
}

static void family_header(strbuf *b, const entry *e) {
  static const char *const what[STATSD_TYPES] = {"counter (running total)",
                                                 "gauge (last value)",
                                                 "timer (seconds; quantiles of the last interval)",
                                                 "histogram (quantiles of the last interval)",
                                                 "distribution (quantiles of the last interval)",
                                                 "set (distinct members in the last interval)"};
  sb_printf(b, "# HELP %s Application %s '%s' published over StatsD.\n# TYPE %s %s\n", e->family,
            what[e->point->type], e->point->name, e->family, prom_type(e->point->type));
}

static void write_entry(strbuf *b, const entry *e) {
  const app_point *p = e->point;
  double ms = p->type == STATSD_TIMER ? 1000.0 : 1.0; /* StatsD timers are ms */
  switch (p->type) {
  case STATSD_COUNTER: sample(b, e->family, "", e->labels, "", p->total); break;
  case STATSD_GAUGE:
  case STATSD_SET: sample(b, e->family, "", e->labels, "", p->value); break;
  default:
    sample(b, e->family, "", e->labels, ",quantile=\"0.5\"", p->p50 / ms);
    sample(b, e->family, "", e->labels, ",quantile=\"0.9\"", p->p90 / ms);
    sample(b, e->family, "", e->labels, ",quantile=\"0.99\"", p->p99 / ms);
    sample(b, e->family, "_sum", e->labels, "", p->sum_total / ms);
    sample(b, e->family, "_count", e->labels, "", p->total);
  }
}

void prometheus_app_render(strbuf *b, const app_frame *f) {
  if (!f || !f->n_points) return;
  entry *list = xcalloc(f->n_points, sizeof *list);
  size_t n = 0;
  for (size_t g = 0; g < f->n_groups; g++) {
    for (size_t i = f->groups[g].first; i < f->groups[g].first + f->groups[g].count; i++) {
      entry *e = &list[n];
      e->group = &f->groups[g];
      e->point = &f->points[i];
      family_name(e);
      if (!build_labels(e)) {
        sb_printf(b, "# hiro: series '%s' of %s left out: two tag keys become the same label\n",
                  e->point->key, e->group->plugin);
        free(e->labels);
        continue;
      }
      n++;
    }
  }
  qsort(list, n, sizeof *list, by_family);
  for (size_t i = 0; i < n;) {
    size_t end = i + 1;
    while (end < n && strcmp(list[end].family, list[i].family) == 0) end++;
    family_header(b, &list[i]);
    for (size_t k = i; k < end; k++) {
      bool clash = list[k].point->type != list[i].point->type;
      for (size_t j = i; j < k && !clash; j++) clash = strcmp(list[j].labels, list[k].labels) == 0;
      if (clash)
        sb_printf(b, "# hiro: series '%s' of %s left out: its name clashes with another series\n",
                  list[k].point->key, list[k].group->plugin);
      else
        write_entry(b, &list[k]);
    }
    i = end;
  }
  for (size_t i = 0; i < n; i++) free(list[i].labels);
  free(list);
}

char *prometheus_app_append(char *text, appmetrics *app) {
  app_frame *f = appmetrics_latest(app);
  if (!f) return text;
  strbuf b = {.data = text, .len = strlen(text), .cap = strlen(text) + 1};
  prometheus_app_render(&b, f);
  app_frame_release(f);
  return sb_steal(&b);
}
