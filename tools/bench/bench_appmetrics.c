/* bench_appmetrics.c - application-metrics benchmarks, two modes:
 *
 *   bench_appmetrics inproc [--series K] [--seconds S]
 *       parse + aggregate throughput on this thread (lines per second, a
 *       mix of counters, gauges, timers and sets over K series), the cost of
 *       closing an interval (aggregate_flush) with K series, and the memory
 *       per series;
 *   bench_appmetrics send [--rate LINES_PER_S] [--per-datagram N] [--series K]
 *                         [--seconds S] [--nonblock]
 *       a load generator meant to run as a channel plugin: StatsD datagrams
 *       of N lines over K series to $HIRO_STATSD_SOCKET at the given rate
 *       (0 = as fast as the socket takes them; blocking sends by default, so
 *       the server's pace sets the rate), then it reports what it sent on
 *       stderr and sleeps until signalled.
 *
 * tools/bench/app_ingest.py runs the server-side figures with it. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "appmetrics/aggregate.h"
#include "common/clock.h"
#include "common/strbuf.h"

typedef struct {
  double rate, seconds;
  long per_datagram, series;
  int nonblock;
} options;

static const char *const kinds[] = {"c", "g", "ms", "s"};

/* Line i of a load: series i % series, a quarter of each type. */
static int make_line(char *buf, size_t n, long i, long series) {
  long s = i % series;
  const char *kind = kinds[s % 4];
  if (kind[0] == 's') return snprintf(buf, n, "bench.s%ld:user%ld|s\n", s, (i * 7919) % 500);
  if (kind[0] == 'c') return snprintf(buf, n, "bench.s%ld:1|c\n", s);
  if (kind[0] == 'g') return snprintf(buf, n, "bench.s%ld:%ld|g\n", s, i % 100);
  return snprintf(buf, n, "bench.s%ld:%.2f|ms\n", s, 1.0 + (double)((i * 2654435761u) % 10000) / 100);
}

/* Datagrams of per_datagram lines, enough to rotate through (64 of them). */
static char **make_datagrams(long per_datagram, long series, size_t *lens, int count) {
  char **out = xcalloc((size_t)count, sizeof *out);
  long line = 0;
  for (int d = 0; d < count; d++) {
    strbuf b;
    sb_init(&b, 64 * (size_t)per_datagram);
    char tmp[128];
    for (long k = 0; k < per_datagram; k++) sb_append(&b, tmp, (size_t)make_line(tmp, sizeof tmp, line++, series));
    lens[d] = b.len;
    out[d] = sb_steal(&b);
  }
  return out;
}

/* Enough datagrams to touch every series a few times, at least 64. */
static int rotation(const options *o) {
  long need = 4 * o->series / o->per_datagram + 1;
  return need < 64 ? 64 : need > 65536 ? 65536 : (int)need;
}

static int inproc(const options *o) {
  int ROTATE = rotation(o);
  size_t *lens = xcalloc((size_t)ROTATE, sizeof *lens);
  char **dgrams = make_datagrams(o->per_datagram, o->series, lens, ROTATE);
  aggregate_limits lim = {.max_series = (size_t)o->series + 10, .max_rate = 0, .idle_seconds = 3600};
  aggregate *a = aggregate_new(&lim);
  double t0 = clock_mono(), end = t0 + o->seconds, flush_total = 0;
  long datagrams = 0, flushes = 0;
  while (clock_mono() < end) {
    for (int i = 0; i < 256; i++, datagrams++)
      aggregate_datagram(a, "bench", false, dgrams[datagrams % ROTATE], lens[datagrams % ROTATE], 0);
    if (datagrams % 65536 == 0) { /* an interval closes now and then, as in the server */
      double f0 = clock_mono();
      app_frame_release(aggregate_flush(a, clock_wall(), clock_mono()));
      flush_total += clock_mono() - f0;
      flushes++;
    }
  }
  double elapsed = clock_mono() - t0;
  double lines = (double)datagrams * (double)o->per_datagram;
  aggregate_source_stats st;
  aggregate_stats(a, &st, 1);
  printf("parse+aggregate: %.0f lines/s (%ld-line datagrams, %ld series, %.0f ns per line)\n",
         lines / elapsed, o->per_datagram, o->series, elapsed / lines * 1e9);
  printf("memory with every series mid-interval: %zu bytes for %zu series (%.0f bytes per series)\n",
         st.memory_bytes, st.series, (double)st.memory_bytes / (double)st.series);
  /* Close one full interval and time it on its own. */
  for (int i = 0; i < ROTATE; i++) aggregate_datagram(a, "bench", false, dgrams[i], lens[i], 0);
  double f0 = clock_mono();
  app_frame *f = aggregate_flush(a, clock_wall(), clock_mono());
  double flush = clock_mono() - f0;
  printf("closing an interval: %.1f us for %zu series (frame %zu bytes); mean of %ld flushes "
         "under load %.1f us\n",
         flush * 1e6, f ? f->n_points : 0, f ? f->bytes : 0, flushes,
         flushes ? flush_total / (double)flushes * 1e6 : 0);
  aggregate_stats(a, &st, 1);
  printf("memory between intervals: %zu bytes for %zu series (%.0f bytes per series)\n",
         st.memory_bytes, st.series, (double)st.memory_bytes / (double)st.series);
  app_frame_release(f);
  aggregate_free(a);
  for (int i = 0; i < ROTATE; i++) free(dgrams[i]);
  free(dgrams);
  free(lens);
  return 0;
}

static volatile sig_atomic_t stop;
static void on_signal(int sig) { stop = sig; }

static int sender(const options *o) {
  const char *path = getenv("HIRO_STATSD_SOCKET");
  if (!path) {
    fprintf(stderr, "bench_appmetrics send: HIRO_STATSD_SOCKET is not set (run it as a plugin)\n");
    return 2;
  }
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  hiro_strlcpy(addr.sun_path, path, sizeof addr.sun_path);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | (o->nonblock ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    fprintf(stderr, "bench_appmetrics send: %s: %s\n", path, strerror(errno));
    return 1;
  }
  int ROTATE = rotation(o);
  size_t *lens = xcalloc((size_t)ROTATE, sizeof *lens);
  char **dgrams = make_datagrams(o->per_datagram, o->series, lens, ROTATE);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  double t0 = clock_mono(), end = t0 + o->seconds;
  long sent = 0, failed = 0;
  /* Paced: datagram k is due at t0 + k * per_datagram / rate. */
  double step = o->rate > 0 ? (double)o->per_datagram / o->rate : 0;
  for (long k = 0; !stop && clock_mono() < end; k++) {
    if (step > 0) {
      double due = t0 + (double)k * step, now = clock_mono();
      if (due > now) {
        struct timespec ts = {(time_t)(due - now), (long)(fmod(due - now, 1.0) * 1e9)};
        nanosleep(&ts, NULL);
      }
    }
    if (send(fd, dgrams[k % ROTATE], lens[k % ROTATE], 0) < 0) failed++;
    else sent++;
  }
  double elapsed = clock_mono() - t0;
  fprintf(stderr, "bench_appmetrics send: %ld datagrams (%ld lines) in %.1f s = %.0f lines/s; %ld "
          "sends failed\n", sent, sent * o->per_datagram, elapsed,
          (double)(sent * o->per_datagram) / elapsed, failed);
  while (!stop) pause();
  close(fd);
  for (int i = 0; i < ROTATE; i++) free(dgrams[i]);
  free(dgrams);
  free(lens);
  return 0;
}

int main(int argc, char **argv) {
  options o = {.rate = 0, .seconds = 5, .per_datagram = 32, .series = 50};
  if (argc < 2 || (strcmp(argv[1], "inproc") != 0 && strcmp(argv[1], "send") != 0)) {
    fprintf(stderr, "usage: bench_appmetrics inproc|send [--rate L] [--per-datagram N] "
                    "[--series K] [--seconds S] [--nonblock]\n");
    return 2;
  }
  for (int i = 2; i < argc; i++) {
    char *end = NULL;
    const char *v = i + 1 < argc ? argv[i + 1] : "";
    if (strcmp(argv[i], "--nonblock") == 0) {
      o.nonblock = 1;
      continue;
    }
    double x = strtod(v, &end);
    if (!*v || *end || !(x >= 0)) {
      fprintf(stderr, "bench_appmetrics: %s needs a number\n", argv[i]);
      return 2;
    }
    if (strcmp(argv[i], "--rate") == 0) o.rate = x;
    else if (strcmp(argv[i], "--seconds") == 0) o.seconds = x;
    else if (strcmp(argv[i], "--per-datagram") == 0) o.per_datagram = x >= 1 ? (long)x : 1;
    else if (strcmp(argv[i], "--series") == 0) o.series = x >= 1 ? (long)x : 1;
    else {
      fprintf(stderr, "bench_appmetrics: unknown option %s\n", argv[i]);
      return 2;
    }
    i++;
  }
  return strcmp(argv[1], "inproc") == 0 ? inproc(&o) : sender(&o);
}
