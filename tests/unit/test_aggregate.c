/* test_aggregate.c - StatsD aggregation per interval: counters (rates,
 * totals, sample rates), gauges (values, deltas, persistence), summaries
 * (count, sum, extremes, quantiles, empty intervals), sets, tags as series
 * identity, and every limit (type conflicts, series limit with its event,
 * rate budget, idle expiry, refused lines counted with their reason). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "appmetrics/aggregate.h"
#include "appmetrics/distinct.h"
#include "appmetrics/sketch.h"

static aggregate *make(size_t max_series, double max_rate) {
  aggregate_limits lim = {.max_series = max_series, .max_rate = max_rate, .idle_seconds = 100};
  return aggregate_new(&lim);
}

static size_t feed(aggregate *a, const char *plugin, const char *text, double now) {
  return aggregate_datagram(a, plugin, false, text, strlen(text), now);
}

static const app_point *point(const app_frame *f, const char *plugin, const char *key) {
  const app_group *g = app_frame_find(f, plugin, strcmp(plugin, "server") == 0);
  assert_non_null(g);
  for (size_t i = g->first; i < g->first + g->count; i++)
    if (strcmp(f->points[i].key, key) == 0) return &f->points[i];
  fail_msg("no series %s in %s", key, plugin);
  return NULL;
}

static aggregate_source_stats stats_of(aggregate *a, const char *plugin) {
  aggregate_source_stats st[8];
  size_t n = aggregate_stats(a, st, 8);
  for (size_t i = 0; i < n && i < 8; i++)
    if (strcmp(st[i].plugin, plugin) == 0) return st[i];
  fail_msg("no stats for %s", plugin);
  return st[0];
}

static void test_counters(void **state) {
  aggregate *a = make(100, 0);
  app_frame *f = aggregate_flush(a, 1000.0, 10.0); /* starts the first interval */
  assert_null(f);
  assert_int_equal(feed(a, "demo", "msgs:1|c\nmsgs:2|c\nmsgs:1|c|@0.25\n", 11), 3);
  f = aggregate_flush(a, 1002.0, 12.0);
  const app_point *p = point(f, "demo", "msgs");
  assert_int_equal(p->type, STATSD_COUNTER);
  assert_true(p->updated);
  assert_float_equal(p->count, 7, 1e-12); /* 1 + 2 + 1/0.25 */
  assert_float_equal(p->value, 3.5, 1e-12);
  assert_float_equal(p->total, 7, 1e-12);
  assert_float_equal(f->timestamp, 1002.0, 0);
  assert_float_equal(f->interval, 2.0, 1e-12);
  app_frame_release(f);
  /* A quiet interval: a measured zero rate, the total stays. */
  f = aggregate_flush(a, 1004.0, 14.0);
  p = point(f, "demo", "msgs");
  assert_false(p->updated);
  assert_float_equal(p->value, 0, 0);
  assert_float_equal(p->total, 7, 1e-12);
  app_frame_release(f);
  feed(a, "demo", "msgs:-2|c", 15);
  f = aggregate_flush(a, 1006.0, 16.0);
  assert_float_equal(point(f, "demo", "msgs")->total, 5, 1e-12);
  app_frame_release(f);
  aggregate_free(a);
}

static void test_gauges(void **state) {
  aggregate *a = make(100, 0);
  feed(a, "demo", "depth:10|g\ndepth:+5|g\ndepth:-3|g\nfresh:-4|g\nset:7|g\nset:3|g", 1);
  app_frame *f = aggregate_flush(a, 1, 2);
  assert_float_equal(point(f, "demo", "depth")->value, 12, 0);
  assert_float_equal(point(f, "demo", "fresh")->value, -4, 0); /* a delta from nothing */
  assert_float_equal(point(f, "demo", "set")->value, 3, 0);    /* the last value */
  assert_true(isnan(point(f, "demo", "depth")->count));
  app_frame_release(f);
  f = aggregate_flush(a, 3, 4); /* gauges keep their value */
  assert_float_equal(point(f, "demo", "depth")->value, 12, 0);
  assert_false(point(f, "demo", "depth")->updated);
  app_frame_release(f);
  feed(a, "demo", "depth:+1:+1:+1|g", 5);
  f = aggregate_flush(a, 5, 6);
  assert_float_equal(point(f, "demo", "depth")->value, 15, 0);
  app_frame_release(f);
  aggregate_free(a);
}

static void test_summaries(void **state) {
  aggregate *a = make(100, 0);
  char line[64];
  for (int i = 1; i <= 1000; i++) {
    snprintf(line, sizeof line, "lat:%d|ms", i);
    feed(a, "demo", line, 1);
  }
  feed(a, "demo", "size:5|h|@0.5\ndist:1:2:3|d", 1);
  app_frame *f = aggregate_flush(a, 10, 2);
  const app_point *p = point(f, "demo", "lat");
  assert_int_equal(p->type, STATSD_TIMER);
  assert_float_equal(p->count, 1000, 0);
  assert_float_equal(p->sum, 500500, 0);
  assert_float_equal(p->min, 1, 0);
  assert_float_equal(p->max, 1000, 0);
  /* rank floor(q * 999): 500, 900, 990, within the sketch's error */
  assert_true(fabs(p->p50 - 500) <= 500 * SKETCH_RELATIVE_ERROR);
  assert_true(fabs(p->p90 - 900) <= 900 * SKETCH_RELATIVE_ERROR);
  assert_true(fabs(p->p99 - 990) <= 990 * SKETCH_RELATIVE_ERROR);
  assert_non_null(p->blob);
  /* The blob is the interval's sketch. */
  sketch *s = sketch_new();
  assert_int_equal(sketch_decode(s, p->blob, p->blob_len, p->sum, p->min, p->max), HIRO_OK);
  assert_int_equal(sketch_count(s), 1000);
  assert_float_equal(sketch_quantile(s, 0.5), p->p50, 0);
  sketch_free(s);
  const app_point *h = point(f, "demo", "size");
  assert_int_equal(h->type, STATSD_HISTOGRAM);
  assert_float_equal(h->count, 2, 0); /* @0.5 */
  assert_float_equal(h->sum, 10, 0);
  const app_point *d = point(f, "demo", "dist");
  assert_int_equal(d->type, STATSD_DISTRIBUTION);
  assert_float_equal(d->count, 3, 0);
  assert_true(fabs(d->p50 - 2) <= 2 * SKETCH_RELATIVE_ERROR + 1e-12);
  app_frame_release(f);
  /* An interval without samples: count 0, and no invented quantiles. */
  f = aggregate_flush(a, 12, 4);
  p = point(f, "demo", "lat");
  assert_float_equal(p->count, 0, 0);
  assert_true(isnan(p->p50) && isnan(p->min) && isnan(p->max));
  assert_null(p->blob);
  assert_float_equal(p->total, 1000, 0); /* cumulative, for Prometheus' _count */
  assert_float_equal(p->sum_total, 500500, 0);
  app_frame_release(f);
  aggregate_free(a);
}

static void test_sets_and_tags(void **state) {
  aggregate *a = make(100, 0);
  feed(a, "demo", "users:alice|s\nusers:bob|s\nusers:alice|s", 1);
  feed(a, "demo", "req:1|c|#route:/a,method:GET\nreq:1|c|#method:GET,route:/a\nreq:1|c|#route:/b",
       1);
  app_frame *f = aggregate_flush(a, 1, 2);
  assert_float_equal(point(f, "demo", "users")->value, 2, 0);
  const app_point *p = point(f, "demo", "req#method:GET,route:/a"); /* tag order is not identity */
  assert_float_equal(p->count, 2, 0);
  assert_string_equal(p->name, "req");
  assert_string_equal(p->tags, "method:GET,route:/a");
  const char *pos = p->tags, *k, *v;
  size_t kl, vl;
  assert_true(app_tags_next(&pos, &k, &kl, &v, &vl));
  assert_int_equal(kl, 6);
  assert_memory_equal(v, "GET", 3);
  assert_true(app_tags_next(&pos, &k, &kl, &v, &vl));
  assert_memory_equal(v, "/a", 2);
  assert_false(app_tags_next(&pos, &k, &kl, &v, &vl));
  assert_float_equal(point(f, "demo", "req#route:/b")->count, 1, 0);
  app_frame_release(f);
  f = aggregate_flush(a, 3, 4); /* a new interval: a new set */
  assert_float_equal(point(f, "demo", "users")->value, 0, 0);
  app_frame_release(f);
  aggregate_free(a);
}

static void test_publishers_are_separate(void **state) {
  aggregate *a = make(100, 0);
  feed(a, "one", "x:1|c", 1);
  feed(a, "two", "x:5|c", 1);
  aggregate_datagram(a, "ignored", true, "x:9|c", 5, 1);
  feed(a, "server", "x:2|c", 1); /* a plugin that is called "server" */
  app_frame *f = aggregate_flush(a, 1, 2);
  assert_int_equal(f->n_groups, 4);
  assert_float_equal(point(f, "one", "x")->count, 1, 0);
  assert_float_equal(point(f, "two", "x")->count, 5, 0);
  const app_group *server = app_frame_find(f, NULL, true);
  assert_non_null(server);
  assert_true(server->server);
  assert_float_equal(f->points[server->first].count, 9, 0);
  const app_group *plugin = app_frame_find(f, "server", false);
  assert_non_null(plugin);
  assert_float_equal(f->points[plugin->first].count, 2, 0);
  app_frame_release(f);
  aggregate_free(a);
}

static void test_refused_lines_counted(void **state) {
  aggregate *a = make(100, 0);
  assert_int_equal(feed(a, "demo",
                        "ok:1|c\nbad line\n1x:1|c\nx:abc|c\nx:1|q\nx:1|c|@2\n_sc|a|0\nok:1|g\n", 1),
                   1);
  aggregate_source_stats st = stats_of(a, "demo");
  assert_int_equal(st.lines, 1);
  assert_int_equal(st.datagrams, 1);
  assert_int_equal(st.rejected[STATSD_ERR_SYNTAX], 1);
  assert_int_equal(st.rejected[STATSD_ERR_NAME], 1);
  assert_int_equal(st.rejected[STATSD_ERR_VALUE], 1);
  assert_int_equal(st.rejected[STATSD_ERR_TYPE], 1);
  assert_int_equal(st.rejected[STATSD_ERR_RATE], 1);
  assert_int_equal(st.rejected[STATSD_ERR_UNSUPPORTED], 1);
  assert_int_equal(st.rejected[APP_DROP_TYPE_CONFLICT], 1); /* ok was a counter */
  assert_non_null(strstr(st.last_error, "another type"));
  assert_non_null(strstr(st.last_error, "'ok:1|g'"));
  assert_string_equal(aggregate_reason_key(APP_DROP_SERIES_LIMIT), "series_limit");
  assert_string_equal(aggregate_reason_key(STATSD_ERR_TAG_LENGTH), "tag_length");
  aggregate_free(a);
}

typedef struct {
  int calls;
  char kind[32], detail[256], plugin[64];
} event_log;

static void on_event(void *ctx, const char *plugin, bool server, const char *kind,
                     const char *detail) {
  event_log *log = ctx;
  log->calls++;
  snprintf(log->kind, sizeof log->kind, "%s", kind);
  snprintf(log->detail, sizeof log->detail, "%s", detail);
  snprintf(log->plugin, sizeof log->plugin, "%s", plugin);
}

static void test_series_limit(void **state) {
  aggregate *a = make(3, 0);
  event_log log = {0};
  aggregate_set_event_sink(a, on_event, &log);
  feed(a, "demo", "a:1|c\nb:1|c\nc:1|c\nd:1|c\ne:1|c\na:1|c", 1);
  aggregate_source_stats st = stats_of(a, "demo");
  assert_int_equal(st.series, 3);
  assert_int_equal(st.lines, 4); /* a, b, c and a again */
  assert_int_equal(st.rejected[APP_DROP_SERIES_LIMIT], 2);
  app_frame *f = aggregate_flush(a, 1, 2);
  assert_int_equal(f->n_points, 3);
  assert_int_equal(log.calls, 1);
  assert_string_equal(log.kind, "app_series_limit");
  assert_string_equal(log.plugin, "demo");
  assert_non_null(strstr(log.detail, "2 lines dropped"));
  app_frame_release(f);
  /* More refusals within the report period: counted, reported later. */
  feed(a, "demo", "f:1|c", 3);
  f = aggregate_flush(a, 3, 4);
  assert_int_equal(log.calls, 1);
  app_frame_release(f);
  f = aggregate_flush(a, 70, 70);
  assert_int_equal(log.calls, 2);
  assert_non_null(strstr(log.detail, "1 lines dropped"));
  app_frame_release(f);
  aggregate_free(a);
}

static void test_rate_limit(void **state) {
  aggregate *a = make(100, 10); /* 10 lines per second, 1 s of burst */
  event_log log = {0};
  aggregate_set_event_sink(a, on_event, &log);
  assert_int_equal(feed(a, "demo", "a:1|c\na:1|c\na:1|c\na:1|c\na:1|c\na:1|c", 100.0), 6);
  /* 4 tokens left: a datagram of 5 lines is dropped whole, unparsed. */
  assert_int_equal(feed(a, "demo", "a:1|c\na:1|c\nbad\nbad\nbad", 100.0), 0);
  aggregate_source_stats st = stats_of(a, "demo");
  assert_int_equal(st.rejected[APP_DROP_RATE_LIMIT], 5);
  assert_int_equal(st.rejected[STATSD_ERR_SYNTAX], 0);
  assert_int_equal(feed(a, "demo", "a:1|c\na:1|c\na:1|c\na:1|c", 100.0), 4);
  assert_int_equal(feed(a, "demo", "a:1|c", 100.0), 0);
  assert_int_equal(feed(a, "demo", "a:1|c", 100.5), 1); /* 5 tokens back after 0.5 s */
  app_frame *f = aggregate_flush(a, 1, 101);
  assert_float_equal(point(f, "demo", "a")->count, 11, 0);
  assert_int_equal(log.calls, 1);
  assert_string_equal(log.kind, "app_rate_limit");
  app_frame_release(f);
  aggregate_free(a);
}

static void test_idle_series_expire(void **state) {
  aggregate *a = make(2, 0); /* idle_seconds 100 */
  feed(a, "demo", "old:1|g\nnew:1|c", 1);
  app_frame *f = aggregate_flush(a, 1, 2);
  assert_int_equal(f->n_points, 2);
  app_frame_release(f);
  feed(a, "demo", "new:1|c", 150);
  f = aggregate_flush(a, 2, 160); /* old: idle 159 s */
  assert_int_equal(f->n_points, 1);
  assert_string_equal(f->points[0].key, "new");
  app_frame_release(f);
  /* Its slot is free again under the series limit. */
  assert_int_equal(feed(a, "demo", "third:1|c", 161), 1);
  assert_int_equal(stats_of(a, "demo").series, 2);
  aggregate_free(a);
}

static void test_distinct_counts(void **state) {
  distinct *d = distinct_new(), *e = distinct_new(), *back = distinct_new();
  char member[32];
  for (int i = 0; i < 300; i++) {
    snprintf(member, sizeof member, "user-%d", i);
    distinct_add(d, distinct_hash(member, strlen(member)));
    distinct_add(d, distinct_hash(member, strlen(member)));
  }
  assert_int_equal(distinct_count(d), 300); /* exact below 512 */
  for (int i = 200; i < 100200; i++) {
    snprintf(member, sizeof member, "user-%d", i);
    distinct_add(e, distinct_hash(member, strlen(member)));
  }
  double est = (double)distinct_count(e);
  assert_true(fabs(est - 100000) / 100000 < 0.05); /* 1.6 % standard error */
  assert_true(distinct_memory(e) <= 4096 + 64);
  distinct_merge(d, e); /* union: 0..100199 */
  est = (double)distinct_count(d);
  assert_true(fabs(est - 100200) / 100200 < 0.05);
  strbuf blob = {0};
  distinct_encode(d, &blob);
  assert_int_equal(distinct_decode(back, blob.data, blob.len), HIRO_OK);
  assert_int_equal(distinct_count(back), distinct_count(d));
  for (size_t cut = 0; cut < blob.len; cut += 7)
    assert_int_equal(distinct_decode(back, blob.data, cut), HIRO_EPARSE);
  sb_free(&blob);
  distinct_clear(d);
  distinct_add(d, 42);
  distinct_encode(d, &blob);
  assert_int_equal(distinct_decode(back, blob.data, blob.len), HIRO_OK);
  assert_int_equal(distinct_count(back), 1);
  sb_free(&blob);
  distinct_free(d);
  distinct_free(e);
  distinct_free(back);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_counters),
      cmocka_unit_test(test_gauges),
      cmocka_unit_test(test_summaries),
      cmocka_unit_test(test_sets_and_tags),
      cmocka_unit_test(test_publishers_are_separate),
      cmocka_unit_test(test_refused_lines_counted),
      cmocka_unit_test(test_series_limit),
      cmocka_unit_test(test_rate_limit),
      cmocka_unit_test(test_idle_series_expire),
      cmocka_unit_test(test_distinct_counts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
