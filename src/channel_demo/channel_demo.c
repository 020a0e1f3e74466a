/* channel_demo.c - hiro-channel-demo: a channel plugin that does a little
 * periodic work (CPU, a breathing working set, worker threads) so the
 * dashboard and the tests have a real process to watch, and publishes
 * application metrics of a simulated message queue over StatsD. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024UL * 1024UL)
#define BREATH_PERIOD_SEC 60.0 /* one full grow-and-shrink of the working set */

typedef struct {
  long cpu_ms;      /* CPU time burnt per second, split over the workers */
  long mem_mib;     /* peak working set; it breathes between a third and this */
  long threads;     /* extra worker threads (0 = the main thread burns) */
  long exit_after;  /* seconds; 0 = run until signalled */
  bool app_metrics; /* publish StatsD lines to $HIRO_STATSD_SOCKET */
} demo_options;

static volatile sig_atomic_t stop_signal;
static atomic_bool stopping;
static volatile uint64_t hash_sink; /* keeps the hashing from being optimised away */
/* Workers sleep on this so the main thread can wake them at once on stop. */
static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cond;

static void on_stop(int sig) {
  stop_signal = sig;
  atomic_store(&stopping, true);
}

static void usage(FILE *out) {
  fputs("usage: hiro-channel-demo [--cpu-ms N] [--mem-mib N] [--threads N]\n"
        "                         [--exit-after SEC] [--no-app-metrics] [--help]\n"
        "\n"
        "A demo channel plugin: every second it burns about N ms of CPU\n"
        "(default 30), keeps a working set that breathes between a third of\n"
        "--mem-mib and --mem-mib MiB (default 24) over a minute, and runs\n"
        "--threads extra worker threads (default 1). --exit-after SEC exits\n"
        "with status 0 after SEC seconds. SIGTERM/SIGINT exit cleanly.\n"
        "When $HIRO_STATSD_SOCKET is set (the server sets it), it also publishes\n"
        "the application metrics of a simulated message queue once a second:\n"
        "messages.received/handled/failed (counters), queue.depth (gauge) and\n"
        "handle.latency (timer, ms); --no-app-metrics turns that off.\n",
        out);
}

static bool parse_long(const char *text, long min, long max, long *out) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno || end == text || *end || v < min || v > max) return false;
  *out = v;
  return true;
}

/* Returns 0 to run, 1 for --help, 2 for a usage error (already printed). */
static int parse_args(int argc, char **argv, demo_options *opt) {
  static const struct option longopts[] = {{"cpu-ms", required_argument, NULL, 'c'},
                                           {"mem-mib", required_argument, NULL, 'm'},
                                           {"threads", required_argument, NULL, 't'},
                                           {"exit-after", required_argument, NULL, 'e'},
                                           {"no-app-metrics", no_argument, NULL, 'n'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  *opt = (demo_options){
      .cpu_ms = 30, .mem_mib = 24, .threads = 1, .exit_after = 0, .app_metrics = true};
  int c;
  while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    bool ok = true;
    switch (c) {
    case 'c': ok = parse_long(optarg, 0, 1000, &opt->cpu_ms); break;
    case 'm': ok = parse_long(optarg, 0, 4096, &opt->mem_mib); break;
    case 't': ok = parse_long(optarg, 0, 64, &opt->threads); break;
    case 'e': ok = parse_long(optarg, 0, 86400L * 365, &opt->exit_after); break;
    case 'n': opt->app_metrics = false; break;
    case 'h': usage(stdout); return 1;
    default: usage(stderr); return 2;
    }
    if (!ok) {
      fprintf(stderr, "hiro-channel-demo: bad value '%s' for --%s\n", optarg,
              longopts[c == 'c'   ? 0
                       : c == 'm' ? 1
                       : c == 't' ? 2
                                  : 3]
                  .name);
      return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "hiro-channel-demo: unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  return 0;
}

static double clock_seconds(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Burn about ms milliseconds of this thread's CPU time hashing a small
 * buffer (FNV-1a), so the work shows as CPU, not as waiting. */
static uint64_t burn_cpu(long ms) {
  static const char text[] = "hirocli channel demo: some bytes to hash";
  uint64_t hash = 1469598103934665603ULL;
  double until = clock_seconds(CLOCK_THREAD_CPUTIME_ID) + (double)ms / 1000.0;
  while (clock_seconds(CLOCK_THREAD_CPUTIME_ID) < until && !atomic_load(&stopping)) {
    for (int round = 0; round < 1000; round++)
      for (size_t i = 0; i < sizeof text; i++) hash = (hash ^ (uint8_t)text[i]) * 1099511628211ULL;
  }
  return hash;
}

static struct timespec to_timespec(double seconds) {
  return (struct timespec){.tv_sec = (time_t)seconds,
                           .tv_nsec = (long)((seconds - floor(seconds)) * 1e9)};
}

/* Main thread: sleep until the CLOCK_MONOTONIC time deadline. Stop signals
 * are delivered to this thread only, and interrupt the sleep (EINTR). */
static void main_sleep_until(double deadline) {
  struct timespec ts = to_timespec(deadline);
  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/* Worker threads: sleep until deadline or until the main thread says stop. */
static void worker_sleep_until(double deadline) {
  struct timespec ts = to_timespec(deadline);
  pthread_mutex_lock(&wake_lock);
  while (!atomic_load(&stopping) &&
         pthread_cond_timedwait(&wake_cond, &wake_lock, &ts) != ETIMEDOUT) {
  }
  pthread_mutex_unlock(&wake_lock);
}

static void *worker_main(void *arg) {
  long cpu_ms = *(const long *)arg;
  double next = clock_seconds(CLOCK_MONOTONIC);
  while (!atomic_load(&stopping)) {
    hash_sink ^= burn_cpu(cpu_ms);
    next += 1.0;
    worker_sleep_until(next);
  }
  return NULL;
}

/* Start n workers sharing cpu_ms per second, with the stop signals blocked
 * so they always reach the main thread. Returns how many started. */
static long start_workers(pthread_t *tids, long n, long *cpu_ms_each) {
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&wake_cond, &attr);
  pthread_condattr_destroy(&attr);
  sigset_t stop_sigs, old;
  sigemptyset(&stop_sigs);
  sigaddset(&stop_sigs, SIGTERM);
  sigaddset(&stop_sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_sigs, &old);
  long started = 0;
  while (started < n && pthread_create(&tids[started], NULL, worker_main, cpu_ms_each) == 0)
    started++;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return started;
}

static void stop_workers(pthread_t *tids, long started) {
  pthread_mutex_lock(&wake_lock);
  atomic_store(&stopping, true);
  pthread_cond_broadcast(&wake_cond);
  pthread_mutex_unlock(&wake_lock);
  for (long i = 0; i < started; i++) pthread_join(tids[i], NULL);
  pthread_cond_destroy(&wake_cond);
}

/* The working set: one reservation of the peak size; pages below the target
 * are touched (resident), pages above it are handed back with MADV_DONTNEED
 * so RSS really shrinks. */
typedef struct {
  unsigned char *base;
  size_t peak, resident;
} working_set;

static void working_set_resize(working_set *ws, size_t target) {
  if (!ws->base) return;
  target &= ~(size_t)4095;
  if (target > ws->resident) {
    for (size_t off = ws->resident; off < target; off += 4096) ws->base[off] = (unsigned char)off;
  } else if (target < ws->resident) {
    madvise(ws->base + target, ws->resident - target, MADV_DONTNEED);
  }
  ws->resident = target;
}

/* Working-set target at time t: a slow sine between peak/3 and peak. */
static size_t breath_target(size_t peak, double t) {
  double phase = 0.5 - 0.5 * cos(2.0 * M_PI * t / BREATH_PERIOD_SEC);
  return (size_t)((double)peak / 3.0 + phase * (double)peak * 2.0 / 3.0);
}

/* ---- application metrics: a simulated message queue ---- */

/* Messages arrive at 35/s on average, swinging +-20/s over 90 s; the worker
 * handles at most 50 a second, so a backlog builds at the peaks and drains
 * after them, and waiting makes the handling latency climb with it. */
#define SIM_CAPACITY 50.0
#define SIM_FAILURE_RATE 0.01

typedef struct {
  int fd; /* -1: not publishing */
  struct sockaddr_un addr;
  double backlog;
  uint64_t rng;
} app_sim;

static double sim_uniform(app_sim *sim) {
  sim->rng ^= sim->rng << 13;
  sim->rng ^= sim->rng >> 7;
  sim->rng ^= sim->rng << 17;
  return (double)(sim->rng >> 11) / 9007199254740992.0;
}

static double sim_normal(app_sim *sim) {
  double u = sim_uniform(sim), v = sim_uniform(sim);
  return sqrt(-2.0 * log(u > 1e-12 ? u : 1e-12)) * cos(2.0 * M_PI * v);
}

static void app_sim_open(app_sim *sim, bool enabled) {
  *sim = (app_sim){.fd = -1, .rng = (uint64_t)getpid() * 2654435761u + 1};
  const char *path = getenv("HIRO_STATSD_SOCKET");
  if (!enabled || !path || !*path || strlen(path) >= sizeof sim->addr.sun_path) return;
  sim->addr.sun_family = AF_UNIX;
  memcpy(sim->addr.sun_path, path, strlen(path) + 1);
  sim->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
}

/* One second of the queue, published as one datagram (fire and forget: a
 * full socket queue drops it, as StatsD clients do). */
static void app_sim_second(app_sim *sim, double t) {
  if (sim->fd < 0) return;
  double rate = 35.0 + 20.0 * sin(2.0 * M_PI * t / 90.0);
  double arrivals = floor(fmax(0.0, rate + sqrt(rate) * sim_normal(sim)) + 0.5);
  double handled = fmin(sim->backlog + arrivals, SIM_CAPACITY);
  sim->backlog += arrivals - handled;
  char buf[4096];
  int failed = 0, n = 0;
  for (int i = 0; i < (int)handled && n < (int)sizeof buf - 600; i++) {
    if (sim_uniform(sim) < SIM_FAILURE_RATE) failed++;
    /* ~4 ms of work (lognormal), plus the time spent waiting in the queue */
    double work = 4.0 * exp(0.5 * sim_normal(sim));
    double wait = sim->backlog / SIM_CAPACITY * 1000.0 * sim_uniform(sim);
    n +=
        snprintf(buf + n, sizeof buf - (size_t)n, "%s%.2f",
                 i % 32 == 0 ? (i ? "|ms\nhandle.latency:" : "handle.latency:") : ":", work + wait);
  }
  if (n) n += snprintf(buf + n, sizeof buf - (size_t)n, "|ms\n");
  snprintf(buf + n, sizeof buf - (size_t)n,
           "messages.received:%.0f|c\nmessages.handled:%.0f|c\nmessages.failed:%d|c\n"
           "queue.depth:%.0f|g\n",
           arrivals, handled, failed, sim->backlog);
  sendto(sim->fd, buf, strlen(buf), MSG_DONTWAIT, (struct sockaddr *)&sim->addr, sizeof sim->addr);
}

static int run(const demo_options *opt) {
  working_set ws = {.peak = (size_t)opt->mem_mib * MIB};
  if (ws.peak) {
    void *mem = mmap(NULL, ws.peak, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
      fprintf(stderr, "hiro-channel-demo: cannot reserve %ld MiB: %s\n", opt->mem_mib,
              strerror(errno));
      return 1;
    }
    ws.base = mem;
  }
  pthread_t tids[64];
  long cpu_ms_each = opt->threads ? opt->cpu_ms / opt->threads : 0;
  long started = start_workers(tids, opt->threads, &cpu_ms_each);
  app_sim sim;
  app_sim_open(&sim, opt->app_metrics);
  double begin = clock_seconds(CLOCK_MONOTONIC), next = begin;
  while (!atomic_load(&stopping)) {
    double now = clock_seconds(CLOCK_MONOTONIC);
    if (opt->exit_after > 0 && now - begin >= (double)opt->exit_after) break;
    working_set_resize(&ws, breath_target(ws.peak, now - begin));
    app_sim_second(&sim, now - begin);
    if (started == 0) hash_sink ^= burn_cpu(opt->cpu_ms);
    next += 1.0;
    if (opt->exit_after > 0 && next > begin + (double)opt->exit_after)
      next = begin + (double)opt->exit_after;
    main_sleep_until(next);
  }
  stop_workers(tids, started);
  if (sim.fd >= 0) close(sim.fd);
  if (ws.base) munmap(ws.base, ws.peak);
  if (stop_signal)
    fprintf(stderr, "hiro-channel-demo: pid %d stopping on signal %d\n", (int)getpid(),
            (int)stop_signal);
  return 0;
}

int main(int argc, char **argv) {
  demo_options opt;
  int parsed = parse_args(argc, argv, &opt);
  if (parsed) return parsed == 1 ? 0 : 2;
  struct sigaction sa = {.sa_handler = on_stop};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  fprintf(stderr,
          "hiro-channel-demo: started pid %d (cpu %ld ms/s, mem up to %ld MiB, "
          "%ld worker threads)\n",
          (int)getpid(), opt.cpu_ms, opt.mem_mib, opt.threads);
  return run(&opt);
}
