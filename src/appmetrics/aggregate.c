/* aggregate.c - StatsD aggregation per publisher and series: the series
 * table, the per-line update, the limits, and the flush into a frame. */
#include "appmetrics/aggregate.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appmetrics/distinct.h"
#include "appmetrics/sketch.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/strbuf.h"

#define KEY_MAX                                                                                    \
  (STATSD_NAME_MAX + 1 + STATSD_MAX_TAGS * (STATSD_TAG_KEY_MAX + STATSD_TAG_VALUE_MAX + 2))
#define EVENT_PERIOD 60.0 /* seconds between events (and log lines) about one limit */
#define LINE_QUOTE_MAX 80 /* bytes of a refused line quoted in last_error */

typedef struct {
  uint64_t hash;
  char *key; /* "name" or "name#k:v,..."; owned */
  size_t name_len;
  statsd_type type;
  bool updated;
  double last_update; /* clock_mono() */
  /* the open interval */
  double count, sum, min, max, gauge;
  sketch *sk; /* summaries: allocated on the first sample of an interval */
  distinct *set;
  /* since the series appeared */
  double total, sum_total;
} series;

/* A limit that is being hit: counted, reported as an event once a period. */
typedef struct {
  uint64_t since_report;
  double next_report; /* clock_mono(); 0 = report at the next flush */
} limit_state;

typedef struct {
  char plugin[HIRO_NAME_MAX];
  bool server;
  series **list; /* insertion order */
  size_t n, cap;
  size_t *table; /* open addressing: index + 1 into list, 0 = empty */
  size_t table_cap;
  double tokens, refilled; /* the rate budget */
  limit_state series_limit, rate_limit;
  aggregate_source_stats stats;
  uint64_t rejected_logged; /* total rejected when the log last mentioned it */
  double next_log;
} source;

/* One series' interval, moved out under the lock for aggregate_flush. */
typedef struct {
  const series *s;
  bool updated;
  double count, sum, min, max, gauge, total, sum_total;
  sketch *sk;
  distinct *set;
} taken;

typedef struct {
  char plugin[HIRO_NAME_MAX];
  bool server;
  const char *kind;
  char detail[256];
} pending_event;

struct aggregate {
  aggregate_limits lim;
  aggregate_event_fn event_fn;
  void *event_ctx;
  pthread_mutex_t lock; /* guards everything below */
  source *sources;
  size_t n_sources;
  double last_flush; /* clock_mono() */
};

static const char *const drop_keys[APP_DROP_REASONS - STATSD_ERRORS] = {
    "type_conflict", "series_limit", "rate_limit"};

const char *aggregate_reason_key(int reason) {
  if (reason >= 0 && reason < STATSD_ERRORS) return statsd_error_key((statsd_error)reason);
  if (reason >= STATSD_ERRORS && reason < APP_DROP_REASONS)
    return drop_keys[reason - STATSD_ERRORS];
  return "unknown";
}

aggregate *aggregate_new(const aggregate_limits *lim) {
  aggregate *a = xcalloc(1, sizeof *a);
  a->lim = *lim;
  if (a->lim.max_series < 1) a->lim.max_series = 1;
  if (!(a->lim.idle_seconds > 0)) a->lim.idle_seconds = 3600;
  pthread_mutex_init(&a->lock, NULL);
  a->last_flush = clock_mono();
  return a;
}

static void series_free(series *s) {
  free(s->key);
  sketch_free(s->sk);
  distinct_free(s->set);
  free(s);
}

void aggregate_free(aggregate *a) {
  if (!a) return;
  for (size_t i = 0; i < a->n_sources; i++) {
    source *src = &a->sources[i];
    for (size_t k = 0; k < src->n; k++) series_free(src->list[k]);
    free(src->list);
    free(src->table);
  }
  free(a->sources);
  pthread_mutex_destroy(&a->lock);
  free(a);
}

void aggregate_set_event_sink(aggregate *a, aggregate_event_fn fn, void *ctx) {
  a->event_fn = fn;
  a->event_ctx = ctx;
}

/* ---- publishers and the series table (lock held) ---- */

static source *source_get(aggregate *a, const char *plugin, bool server, double now) {
  for (size_t i = 0; i < a->n_sources; i++) {
    source *src = &a->sources[i];
    if (src->server == server && (server || strcmp(src->plugin, plugin) == 0)) return src;
  }
  a->sources = xrealloc(a->sources, (a->n_sources + 1) * sizeof *a->sources);
  source *src = &a->sources[a->n_sources++];
  memset(src, 0, sizeof *src);
  hiro_strlcpy(src->plugin, server ? "server" : plugin, sizeof src->plugin);
  src->server = server;
  src->tokens = a->lim.max_rate;
  src->refilled = now;
  return src;
}

static void table_insert(source *src, size_t index) {
  size_t mask = src->table_cap - 1;
  for (size_t slot = (size_t)src->list[index]->hash & mask;; slot = (slot + 1) & mask) {
    if (!src->table[slot]) {
      src->table[slot] = index + 1;
      return;
    }
  }
}

/* Rebuild the hash table for the list as it is (after growth or expiry). */
static void table_rebuild(source *src) {
  size_t cap = 16;
  while (cap < src->n * 2 + 2) cap *= 2;
  if (cap != src->table_cap) {
    free(src->table);
    src->table = xcalloc(cap, sizeof *src->table);
    src->table_cap = cap;
  } else {
    memset(src->table, 0, cap * sizeof *src->table);
  }
  for (size_t i = 0; i < src->n; i++) table_insert(src, i);
}

static series *table_find(const source *src, uint64_t hash, const char *key) {
  if (!src->table_cap) return NULL;
  size_t mask = src->table_cap - 1;
  for (size_t slot = (size_t)hash & mask; src->table[slot]; slot = (slot + 1) & mask) {
    series *s = src->list[src->table[slot] - 1];
    if (s->hash == hash && strcmp(s->key, key) == 0) return s;
  }
  return NULL;
}

static series *series_add(source *src, uint64_t hash, const char *key, size_t name_len,
                          statsd_type type) {
  if (src->n == src->cap) {
    src->cap = src->cap ? src->cap * 2 : 8;
    src->list = xrealloc(src->list, src->cap * sizeof *src->list);
  }
  series *s = xcalloc(1, sizeof *s);
  s->hash = hash;
  s->key = xstrdup(key);
  s->name_len = name_len;
  s->type = type;
  s->min = s->max = NAN;
  src->list[src->n++] = s;
  if (src->n * 2 + 2 > src->table_cap)
    table_rebuild(src);
  else
    table_insert(src, src->n - 1);
  return s;
}

/* ---- one line ---- */

static int tag_cmp(const void *a, const void *b) {
  const statsd_tag *x = a, *y = b;
  size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
  int c = memcmp(x->key, y->key, n);
  return c ? c : (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/* "name" or "name#k:v,k2:v2" with the tags sorted by key, into key (KEY_MAX
 * + 1 bytes: the parser's limits make every key fit). */
static void canonical_key(statsd_line *l, char *key) {
  size_t n = l->name_len;
  memcpy(key, l->name, n);
  qsort(l->tags, l->n_tags, sizeof *l->tags, tag_cmp);
  for (size_t i = 0; i < l->n_tags; i++) {
    key[n++] = i ? ',' : '#';
    memcpy(key + n, l->tags[i].key, l->tags[i].key_len);
    n += l->tags[i].key_len;
    key[n++] = ':';
    memcpy(key + n, l->tags[i].value, l->tags[i].value_len);
    n += l->tags[i].value_len;
  }
  key[n] = '\0';
}

static void series_update(series *s, const statsd_line *l, double now) {
  s->updated = true;
  s->last_update = now;
  double weight = 1.0 / l->sample_rate;
  switch (s->type) {
  case STATSD_COUNTER:
    for (size_t i = 0; i < l->n_values; i++) s->count += l->values[i] * weight;
    break;
  case STATSD_GAUGE:
    for (size_t i = 0; i < l->n_values; i++)
      s->gauge = l->gauge_delta ? s->gauge + l->values[i] : l->values[i];
    break;
  case STATSD_SET:
    if (!s->set) s->set = distinct_new();
    distinct_add(s->set, distinct_hash(l->member, l->member_len));
    break;
  default: { /* timer, histogram, distribution */
    /* The sketch takes whole weights: @0.3 counts each sample 3 times there
     * while count and sum use the exact 3.33. */
    uint64_t whole = (uint64_t)llround(weight);
    if (!s->sk) s->sk = sketch_new();
    for (size_t i = 0; i < l->n_values; i++) {
      double v = l->values[i];
      s->count += weight;
      s->sum += v * weight;
      if (isnan(s->min) || v < s->min) s->min = v;
      if (isnan(s->max) || v > s->max) s->max = v;
      sketch_add(s->sk, v, whole ? whole : 1);
    }
  }
  }
}

/* Keep the refused line (printable ASCII only, shortened) as last_error. */
static void note_refusal(source *src, int reason, const char *line, size_t len) {
  src->stats.rejected[reason]++;
  char quoted[LINE_QUOTE_MAX + 4];
  size_t n = len < LINE_QUOTE_MAX ? len : LINE_QUOTE_MAX;
  for (size_t i = 0; i < n; i++) quoted[i] = line[i] >= 0x20 && line[i] < 0x7f ? line[i] : '?';
  hiro_strlcpy(quoted + n, len > n ? "..." : "", sizeof quoted - n);
  const char *why = reason < STATSD_ERRORS ? statsd_error_text((statsd_error)reason)
                    : reason == APP_DROP_TYPE_CONFLICT
                        ? "the series was first published with another type"
                        : "series limit reached (app_metrics_max_series)";
  snprintf(src->stats.last_error, sizeof src->stats.last_error, "%s: '%s'", why, quoted);
  src->stats.last_error_time = clock_wall();
}

static void add_line(aggregate *a, source *src, const char *line, size_t len, double now) {
  statsd_line l;
  statsd_error err = statsd_parse_line(line, len, &l);
  if (err != STATSD_OK) {
    note_refusal(src, err, line, len);
    return;
  }
  char key[KEY_MAX + 1];
  canonical_key(&l, key);
  uint64_t hash = distinct_hash(key, strlen(key));
  series *s = table_find(src, hash, key);
  if (!s) {
    if (src->n >= a->lim.max_series) {
      note_refusal(src, APP_DROP_SERIES_LIMIT, line, len);
      src->series_limit.since_report++;
      return;
    }
    s = series_add(src, hash, key, l.name_len, l.type);
  } else if (s->type != l.type) {
    note_refusal(src, APP_DROP_TYPE_CONFLICT, line, len);
    return;
  }
  series_update(s, &l, now);
  src->stats.lines++;
}

static size_t count_lines(const char *data, size_t len) {
  const char *pos = data, *line;
  size_t n = 0, line_len;
  while (statsd_next_line(&pos, data + len, &line, &line_len)) n++;
  return n;
}

/* Spend the rate budget on a datagram of `lines` lines; false = drop it. */
static bool within_rate(const aggregate *a, source *src, size_t lines, double now) {
  if (!(a->lim.max_rate > 0)) return true;
  src->tokens += (now - src->refilled) * a->lim.max_rate;
  if (src->tokens > a->lim.max_rate) src->tokens = a->lim.max_rate; /* one second of burst */
  src->refilled = now;
  if (src->tokens < (double)lines) return false;
  src->tokens -= (double)lines;
  return true;
}

size_t aggregate_datagram(aggregate *a, const char *plugin, bool server, const char *data,
                          size_t len, double mono_now) {
  pthread_mutex_lock(&a->lock);
  source *src = source_get(a, plugin, server, mono_now);
  src->stats.datagrams++;
  uint64_t before = src->stats.lines;
  if (a->lim.max_rate > 0) {
    size_t lines = count_lines(data, len);
    if (!within_rate(a, src, lines, mono_now)) {
      src->stats.rejected[APP_DROP_RATE_LIMIT] += lines;
      src->rate_limit.since_report += lines;
      pthread_mutex_unlock(&a->lock);
      return 0;
    }
  }
  const char *pos = data, *line;
  size_t line_len;
  while (statsd_next_line(&pos, data + len, &line, &line_len))
    add_line(a, src, line, line_len, mono_now);
  size_t accepted = (size_t)(src->stats.lines - before);
  pthread_mutex_unlock(&a->lock);
  return accepted;
}

/* ---- flush ---- */

/* Forget series idle for too long (lock held). */
static void expire_idle(aggregate *a, source *src, double now) {
  size_t kept = 0;
  for (size_t i = 0; i < src->n; i++) {
    series *s = src->list[i];
    if (!s->updated && now - s->last_update > a->lim.idle_seconds)
      series_free(s);
    else
      src->list[kept++] = s;
  }
  if (kept == src->n) return;
  src->n = kept;
  table_rebuild(src);
}

/* Queue an event (and log it) when a limit was hit since the last report and
 * the period has passed (lock held). */
static void check_limit(source *src, limit_state *limit, const char *kind, const char *what,
                        double now, pending_event *out, size_t *n_out) {
  if (!limit->since_report || now < limit->next_report) return;
  pending_event *ev = &out[(*n_out)++];
  hiro_strlcpy(ev->plugin, src->plugin, sizeof ev->plugin);
  ev->server = src->server;
  ev->kind = kind;
  snprintf(ev->detail, sizeof ev->detail, "%s: %llu lines dropped", what,
           (unsigned long long)limit->since_report);
  limit->since_report = 0;
  limit->next_report = now + EVENT_PERIOD;
}

/* Log refused lines at most once a period per publisher (lock held). The
 * two limits are logged with their events instead. */
static void log_refusals(source *src, double now) {
  uint64_t rejected = 0;
  for (int r = 0; r < APP_DROP_SERIES_LIMIT; r++) rejected += src->stats.rejected[r];
  if (rejected == src->rejected_logged || now < src->next_log) return;
  log_warn("app metrics from %s %s: %llu lines refused since the last report; last: %s",
           src->server ? "the" : "plugin", src->plugin,
           (unsigned long long)(rejected - src->rejected_logged), src->stats.last_error);
  src->rejected_logged = rejected;
  src->next_log = now + EVENT_PERIOD;
}

/* Move every series' interval out and reset it, and describe the frame's
 * groups (lock held). *groups gets one entry per publisher with series. */
static taken *take_intervals(aggregate *a, size_t *n_taken, app_group **groups, size_t *n_groups,
                             double now, pending_event *events, size_t *n_events) {
  size_t total = 0;
  for (size_t i = 0; i < a->n_sources; i++) {
    expire_idle(a, &a->sources[i], now);
    total += a->sources[i].n;
  }
  taken *out = total ? xcalloc(total, sizeof *out) : NULL;
  *groups = xcalloc(a->n_sources + 1, sizeof **groups);
  *n_groups = 0;
  size_t k = 0;
  for (size_t i = 0; i < a->n_sources; i++) {
    source *src = &a->sources[i];
    char what[160];
    snprintf(what, sizeof what, "%zu series reached (app_metrics_max_series)", a->lim.max_series);
    check_limit(src, &src->series_limit, "app_series_limit", what, now, events, n_events);
    snprintf(what, sizeof what, "more than %.0f lines per second (app_metrics_max_rate)",
             a->lim.max_rate);
    check_limit(src, &src->rate_limit, "app_rate_limit", what, now, events, n_events);
    log_refusals(src, now);
    if (src->n) {
      app_group *g = &(*groups)[(*n_groups)++];
      memcpy(g->plugin, src->plugin, sizeof g->plugin);
      g->server = src->server;
      g->first = k;
      g->count = src->n;
    }
    for (size_t j = 0; j < src->n; j++) {
      series *s = src->list[j];
      if (s->type == STATSD_COUNTER) s->total += s->count;
      if (app_type_is_summary(s->type)) {
        s->total += s->count;
        s->sum_total += s->sum;
      }
      out[k++] = (taken){s,        s->updated, s->count,     s->sum, s->min, s->max,
                         s->gauge, s->total,   s->sum_total, s->sk,  s->set};
      s->sk = NULL;
      s->set = NULL;
      s->updated = false;
      s->count = s->sum = 0;
      s->min = s->max = NAN;
    }
  }
  *n_taken = k;
  return out;
}

/* A point's strings and blob go into the pool as offsets; pointers are set
 * once the pool stops moving. */
typedef struct {
  size_t name, tags, key, blob;
} pool_offsets;

static void fill_point(app_point *p, const taken *t, double interval, strbuf *pool,
                       pool_offsets *off) {
  const series *s = t->s;
  const char *hash_mark = strchr(s->key, '#');
  off->name = pool->len;
  sb_append(pool, s->key, s->name_len);
  sb_putc(pool, '\0');
  off->tags = pool->len;
  sb_puts(pool, hash_mark ? hash_mark + 1 : "");
  sb_putc(pool, '\0');
  off->key = pool->len;
  sb_puts(pool, s->key);
  sb_putc(pool, '\0');
  off->blob = pool->len;
  p->type = s->type;
  p->updated = t->updated;
  p->value = p->count = p->total = p->sum = p->sum_total = NAN;
  p->min = p->max = p->p50 = p->p90 = p->p99 = NAN;
  switch (s->type) {
  case STATSD_COUNTER:
    p->count = t->count;
    p->value = interval > 0 ? t->count / interval : NAN;
    p->total = t->total;
    break;
  case STATSD_GAUGE: p->value = t->gauge; break;
  case STATSD_SET:
    p->value = t->set ? (double)distinct_count(t->set) : 0.0;
    if (t->set) distinct_encode(t->set, pool);
    break;
  default:
    p->count = t->count;
    p->sum = t->sum;
    p->total = t->total;
    p->sum_total = t->sum_total;
    if (t->sk && sketch_count(t->sk)) {
      p->min = t->min;
      p->max = t->max;
      p->p50 = sketch_quantile(t->sk, 0.5);
      p->p90 = sketch_quantile(t->sk, 0.9);
      p->p99 = sketch_quantile(t->sk, 0.99);
      sketch_encode(t->sk, pool);
    }
  }
  p->blob_len = pool->len - off->blob;
}

/* The frame of n taken series in groups (ownership of groups moves). */
static app_frame *build_frame(taken *t, size_t n, app_group *groups, size_t n_groups,
                              double timestamp, double interval) {
  app_frame *f = app_frame_new();
  f->timestamp = timestamp;
  f->interval = interval;
  f->points = xcalloc(n, sizeof *f->points);
  f->groups = groups;
  f->n_groups = n_groups;
  pool_offsets *off = xcalloc(n, sizeof *off);
  strbuf pool;
  sb_init(&pool, n * 64);
  for (size_t i = 0; i < n; i++) fill_point(&f->points[i], &t[i], interval, &pool, &off[i]);
  f->n_points = n;
  f->bytes = sizeof *f + n * sizeof *f->points + f->n_groups * sizeof *f->groups + pool.cap;
  f->pool = sb_steal(&pool);
  for (size_t i = 0; i < n; i++) {
    app_point *p = &f->points[i];
    p->name = f->pool + off[i].name;
    p->tags = f->pool + off[i].tags;
    p->key = f->pool + off[i].key;
    p->blob = p->blob_len ? (const uint8_t *)f->pool + off[i].blob : NULL;
  }
  free(off);
  return f;
}

app_frame *aggregate_flush(aggregate *a, double timestamp, double mono_now) {
  size_t n_events = 0, n = 0;
  pthread_mutex_lock(&a->lock);
  double interval = mono_now - a->last_flush;
  a->last_flush = mono_now;
  /* At most two limits per publisher report per flush. */
  pending_event *events = xcalloc(2 * a->n_sources + 1, sizeof *events);
  app_group *groups;
  size_t n_groups;
  taken *t = take_intervals(a, &n, &groups, &n_groups, mono_now, events, &n_events);
  /* The series the takes point to are freed only by a later flush (expiry),
   * and flushes come from one thread: they stay valid without the lock. */
  pthread_mutex_unlock(&a->lock);

  app_frame *f = NULL;
  if (n)
    f = build_frame(t, n, groups, n_groups, timestamp, interval);
  else
    free(groups);
  for (size_t i = 0; i < n; i++) {
    sketch_free(t[i].sk);
    distinct_free(t[i].set);
  }
  free(t);
  for (size_t i = 0; i < n_events; i++) {
    log_warn("app metrics from %s %s: %s", events[i].server ? "the" : "plugin", events[i].plugin,
             events[i].detail);
    if (a->event_fn)
      a->event_fn(a->event_ctx, events[i].plugin, events[i].server, events[i].kind,
                  events[i].detail);
  }
  free(events);
  return f;
}

size_t aggregate_stats(aggregate *a, aggregate_source_stats *out, size_t max) {
  pthread_mutex_lock(&a->lock);
  size_t n = a->n_sources;
  for (size_t i = 0; i < n && i < max; i++) {
    source *src = &a->sources[i];
    out[i] = src->stats;
    memcpy(out[i].plugin, src->plugin, sizeof out[i].plugin);
    out[i].server = src->server;
    out[i].series = src->n;
    size_t bytes = src->cap * sizeof *src->list + src->table_cap * sizeof *src->table;
    for (size_t k = 0; k < src->n; k++) {
      const series *s = src->list[k];
      bytes += sizeof *s + strlen(s->key) + 1;
      if (s->sk) bytes += sketch_memory(s->sk);
      if (s->set) bytes += distinct_memory(s->set);
    }
    out[i].memory_bytes = bytes;
  }
  pthread_mutex_unlock(&a->lock);
  return n;
}
