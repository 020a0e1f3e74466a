/* bench_http_rate.c - open-loop HTTP load at a fixed request rate over N
 * keep-alive connections, reporting latency percentiles.
 *
 *   bench_http_rate --port P [--path /metrics] [--conns 32] [--rate 10000]
 *                   [--seconds 10]
 *
 * wrk sends as fast as it can: on a 2-CPU machine its own threads then take
 * the CPUs the server needs, and its p99 measures that contention. This client
 * sends at the budgeted rate instead and measures each request from the moment
 * it was due (not when a connection became free), so queueing in the client
 * counts against the latency and nothing is hidden ("coordinated omission").
 * Talks only to 127.0.0.1. Single-threaded, epoll. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 256
#define BUF_SIZE (64 * 1024)

typedef struct {
  int fd;
  bool busy;
  double due;       /* when the request in flight was due */
  size_t got, need; /* bytes of the response read / expected (0: headers pending) */
  char buf[BUF_SIZE];
} conn;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    perror("connect");
    exit(2);
  }
  return fd;
}

/* Total response size once the headers are complete, else 0. */
static size_t response_size(const char *buf, size_t len) {
  const char *end = memmem(buf, len, "\r\n\r\n", 4);
  if (!end) return 0;
  const char *cl = memmem(buf, (size_t)(end - buf), "Content-Length:", 15);
  if (!cl) cl = memmem(buf, (size_t)(end - buf), "content-length:", 15);
  if (!cl) return (size_t)(end - buf) + 4;
  return (size_t)(end - buf) + 4 + strtoul(cl + 15, NULL, 10);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  int port = 0, nconns = 32;
  double rate = 10000, seconds = 10;
  const char *path = "/metrics";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--port") == 0) port = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--path") == 0) path = argv[i + 1];
    else if (strcmp(argv[i], "--conns") == 0) nconns = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--rate") == 0) rate = atof(argv[i + 1]);
    else if (strcmp(argv[i], "--seconds") == 0) seconds = atof(argv[i + 1]);
    else port = -1;
  }
  if (port <= 0 || port > 65535 || nconns < 1 || nconns > MAX_CONNS || rate <= 0 ||
      seconds <= 0 || seconds > 600) {
    fprintf(stderr, "usage: %s --port P [--path /metrics] [--conns 1..%d] [--rate R] "
                    "[--seconds 1..600]\n", argv[0], MAX_CONNS);
    return 2;
  }
  char request[512];
  int reqlen = snprintf(request, sizeof request,
                        "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n", path);
  conn *c = calloc((size_t)nconns, sizeof *c);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  for (int i = 0; i < nconns; i++) {
    c[i].fd = connect_to(port);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev);
  }
  size_t total = (size_t)(rate * seconds);
  double *lat = calloc(total, sizeof *lat);
  size_t sent = 0, done = 0, errors = 0;
  double start = now_s(), interval = 1.0 / rate;
  int next_conn = 0;
  while (done < total) {
    double t = now_s();
    if (t - start > seconds + 30) break; /* bounded even if the server stalls */
    /* Send every request that is due, each on a free connection. */
    while (sent < total && start + (double)sent * interval <= t) {
      int k = -1;
      for (int j = 0; j < nconns; j++) {
        int idx = (next_conn + j) % nconns;
        if (!c[idx].busy) {
          k = idx;
          break;
        }
      }
      if (k < 0) break; /* all busy: it waits, and its lateness is counted */
      next_conn = (k + 1) % nconns;
      c[k].busy = true;
      c[k].due = start + (double)sent * interval;
      c[k].got = c[k].need = 0;
      if (write(c[k].fd, request, (size_t)reqlen) != reqlen) errors++;
      sent++;
    }
    /* Sleep until the next request is due, with nanosecond precision: a
     * millisecond timeout would round 0.1 ms gaps to 0 and busy-poll a CPU
     * away from the server. */
    double next_due = sent < total ? start + (double)sent * interval : t + 0.01;
    double wait = next_due - now_s();
    if (wait < 0) wait = 0;
    struct timespec timeout = {.tv_sec = (time_t)wait, .tv_nsec = (long)((wait - (double)(time_t)wait) * 1e9)};
    struct epoll_event evs[64];
    int n = epoll_pwait2(ep, evs, 64, &timeout, NULL);
    for (int e = 0; e < n; e++) {
      conn *cc = &c[evs[e].data.u32];
      ssize_t r = read(cc->fd, cc->buf + cc->got, BUF_SIZE - cc->got);
      if (r <= 0) {
        fprintf(stderr, "bench_http_rate: connection closed by the server\n");
        return 1;
      }
      cc->got += (size_t)r;
      if (!cc->need) cc->need = response_size(cc->buf, cc->got);
      if (cc->need && cc->got >= cc->need) {
        if (strncmp(cc->buf, "HTTP/1.1 200", 12) != 0) errors++;
        lat[done++] = now_s() - cc->due;
        cc->busy = false;
        cc->got = cc->need = 0;
      } else if (cc->got == BUF_SIZE) {
        fprintf(stderr, "bench_http_rate: response larger than %d bytes\n", BUF_SIZE);
        return 1;
      }
    }
  }
  double elapsed = now_s() - start;
  qsort(lat, done, sizeof *lat, cmp_double);
  double p50 = done ? lat[done / 2] : 0, p99 = done ? lat[(size_t)((double)done * 0.99)] : 0;
  double p999 = done ? lat[(size_t)((double)done * 0.999)] : 0, mx = done ? lat[done - 1] : 0;
  printf("{\"requests\": %zu, \"errors\": %zu, \"rate\": %.0f, \"achieved_rate\": %.0f, "
         "\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f, \"max_ms\": %.3f}\n",
         done, errors, rate, (double)done / elapsed, p50 * 1e3, p99 * 1e3, p999 * 1e3, mx * 1e3);
  for (int i = 0; i < nconns; i++) close(c[i].fd);
  close(ep);
  free(c);
  free(lat);
  return done == total && errors == 0 ? 0 : 1;
}
