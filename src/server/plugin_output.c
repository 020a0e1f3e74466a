/* plugin_output.c - the "plugin-output" thread: pipes in, rate-limited log
 * lines out. Excess output is read and dropped (counted and reported once a
 * second), and a plugin over its rate is read only every PAUSE seconds, so a
 * plugin running `yes` costs a few reads a second, not a core. */
#define _GNU_SOURCE /* pipe2, pthread_setname_np */
#include "server/plugin_output.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "model/model.h"

#define LINE_MAX_BYTES 4096 /* a longer line is logged in pieces */
#define READ_CHUNK 65536
#define PAUSE 0.1                 /* seconds a plugin over its rate is not read */
#define REPORT_EVERY 1.0          /* seconds between "dropped" lines per plugin */
#define LINE_OVERHEAD 32          /* what the log adds to each line: time, level, "[] " */
#define FINAL_DRAIN (1024 * 1024) /* bytes read per pipe at shutdown, at most */

/* One plugin: its budget and what it lost. Thread-only after creation. */
typedef struct {
  char name[HIRO_NAME_MAX];
  double tokens;                         /* bytes of log it may write now */
  double refilled_at;                    /* clock_mono() of the last refill */
  uint64_t dropped_bytes, dropped_lines; /* since the last report */
  uint64_t dropped_total;
  double drop_since; /* clock_mono() of the first unreported drop; < 0 none */
} source;

/* One pipe (one run of a plugin). Thread-only. */
typedef struct {
  int fd;
  size_t src;
  double paused_until; /* clock_mono(); not polled before */
  size_t len;
  char line[LINE_MAX_BYTES];
} stream;

struct plugin_output {
  pthread_mutex_t lock; /* guards pending and stop */
  int *pending_fd;      /* new read ends, handed to the thread */
  size_t *pending_src, n_pending, cap_pending;
  bool stop;
  int wake_fd; /* eventfd: a new pipe or stop */
  pthread_t thread;
  plugin_output_limits limits;
  source *sources; /* [n_sources], thread-only after creation */
  size_t n_sources;
  stream **streams; /* thread-only */
  size_t n_streams, cap_streams;
};

static void refill(const plugin_output *po, source *s, double now) {
  s->tokens += (now - s->refilled_at) * (double)po->limits.rate_bytes;
  if (s->tokens > (double)po->limits.burst_bytes) s->tokens = (double)po->limits.burst_bytes;
  s->refilled_at = now;
}

/* Log one line of plugin output if the budget allows, else count it. Control
 * characters are shown as '?' (the log stays one line per entry). Returns
 * false when the line was dropped. */
static bool emit(plugin_output *po, source *s, char *text, size_t len, double now) {
  double cost = (double)(len + 1 + LINE_OVERHEAD + strlen(s->name));
  refill(po, s, now);
  if (s->tokens < cost) {
    if (s->drop_since < 0) s->drop_since = now;
    s->dropped_bytes += len + 1;
    s->dropped_lines++;
    s->dropped_total += len + 1;
    return false;
  }
  s->tokens -= cost;
  if (len && text[len - 1] == '\r') len--;
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)text[i] < 0x20 && text[i] != '\t') text[i] = '?';
  log_info("[%s] %.*s", s->name, (int)len, text);
  return true;
}

static void report_drops(plugin_output *po, source *s, double now, bool force) {
  if (s->drop_since < 0 || (!force && now - s->drop_since < REPORT_EVERY)) return;
  log_warn("channel %s: output over the limit of %zu bytes/s (burst %zu): dropped %llu bytes "
           "(%llu lines) in %.1f s, %llu bytes in total",
           s->name, po->limits.rate_bytes, po->limits.burst_bytes,
           (unsigned long long)s->dropped_bytes, (unsigned long long)s->dropped_lines,
           now - s->drop_since, (unsigned long long)s->dropped_total);
  s->dropped_bytes = s->dropped_lines = 0;
  s->drop_since = -1;
}

/* Split bytes into lines and emit them. Returns whether any was dropped. */
static bool consume(plugin_output *po, stream *stm, const char *buf, size_t n, double now) {
  source *s = &po->sources[stm->src];
  bool dropped = false;
  for (size_t i = 0; i < n; i++) {
    if (buf[i] != '\n') stm->line[stm->len++] = buf[i];
    if (buf[i] == '\n' || stm->len == sizeof stm->line) {
      dropped |= !emit(po, s, stm->line, stm->len, now);
      stm->len = 0;
    }
  }
  return dropped;
}

/* Close a stream after logging its partial last line. */
static void stream_close(plugin_output *po, size_t k, double now) {
  stream *stm = po->streams[k];
  if (stm->len) consume(po, stm, "\n", 1, now);
  report_drops(po, &po->sources[stm->src], now, true);
  close(stm->fd);
  free(stm);
  po->streams[k] = po->streams[--po->n_streams];
}

/* Read what the pipe has (at most `budget` bytes; with pause, only until
 * something is dropped, and then not again for PAUSE seconds). Returns false
 * when the stream ended (closed and removed; k now holds another stream). */
static bool stream_read(plugin_output *po, size_t k, size_t budget, bool pause) {
  stream *stm = po->streams[k];
  char buf[READ_CHUNK];
  size_t got = 0;
  bool dropped = false;
  while (got < budget) {
    ssize_t n = read(stm->fd, buf, sizeof buf);
    double now = clock_mono();
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) {
      stream_close(po, k, now);
      return false;
    }
    dropped |= consume(po, stm, buf, (size_t)n, now);
    got += (size_t)n;
    if (dropped && pause) break;
  }
  /* Over the rate: let the pipe fill and the plugin wait a moment. */
  if (dropped && pause) stm->paused_until = clock_mono() + PAUSE;
  return true;
}

static void take_pending(plugin_output *po) {
  pthread_mutex_lock(&po->lock);
  for (size_t i = 0; i < po->n_pending; i++) {
    if (po->n_streams == po->cap_streams) {
      po->cap_streams = po->cap_streams ? 2 * po->cap_streams : 16;
      po->streams = xrealloc(po->streams, po->cap_streams * sizeof *po->streams);
    }
    stream *stm = xcalloc(1, sizeof *stm);
    stm->fd = po->pending_fd[i];
    stm->src = po->pending_src[i];
    po->streams[po->n_streams++] = stm;
  }
  po->n_pending = 0;
  pthread_mutex_unlock(&po->lock);
}

/* Poll the unpaused pipes and the wake fd once; read what is ready. */
static void poll_once(plugin_output *po, struct pollfd **fds, size_t *cap) {
  if (*cap < po->n_streams + 1) {
    *cap = po->n_streams + 16;
    *fds = xrealloc(*fds, *cap * sizeof **fds);
  }
  double now = clock_mono(), next = -1;
  (*fds)[0] = (struct pollfd){.fd = po->wake_fd, .events = POLLIN};
  for (size_t k = 0; k < po->n_streams; k++) {
    stream *stm = po->streams[k];
    bool paused = stm->paused_until > now;
    (*fds)[k + 1] = (struct pollfd){.fd = paused ? -1 : stm->fd, .events = POLLIN};
    double due = paused ? stm->paused_until : -1;
    source *s = &po->sources[stm->src];
    if (s->drop_since >= 0 && (due < 0 || s->drop_since + REPORT_EVERY < due))
      due = s->drop_since + REPORT_EVERY;
    if (due >= 0 && (next < 0 || due < next)) next = due;
  }
  int timeout = next < 0 ? -1 : next <= now ? 0 : (int)((next - now) * 1000.0) + 1;
  size_t polled = po->n_streams;
  int ready = poll(*fds, polled + 1, timeout);
  if (ready > 0 && (*fds)[0].revents) {
    uint64_t drained;
    ssize_t unused = read(po->wake_fd, &drained, sizeof drained);
    (void)unused;
  }
  /* Backwards: stream_close moves the last stream into the closed slot. */
  for (size_t k = polled; k-- > 0;)
    if (ready > 0 && (*fds)[k + 1].revents) stream_read(po, k, 4 * READ_CHUNK, true);
  now = clock_mono();
  for (size_t i = 0; i < po->n_sources; i++) report_drops(po, &po->sources[i], now, false);
}

static void *output_main(void *arg) {
  plugin_output *po = arg;
  struct pollfd *fds = NULL;
  size_t cap = 0;
  for (;;) {
    take_pending(po);
    pthread_mutex_lock(&po->lock);
    bool stop = po->stop;
    pthread_mutex_unlock(&po->lock);
    if (stop) break;
    poll_once(po, &fds, &cap);
  }
  /* The plugins are stopped: what is in the pipes now is all there is (a
   * descendant that escaped the process group could keep a pipe open, so
   * read a bounded amount and close). */
  for (size_t k = po->n_streams; k-- > 0;)
    if (stream_read(po, k, FINAL_DRAIN, false)) stream_close(po, k, clock_mono());
  for (size_t i = 0; i < po->n_sources; i++) report_drops(po, &po->sources[i], clock_mono(), true);
  free(fds);
  return NULL;
}

plugin_output *plugin_output_new(const char *const *names, size_t n,
                                 const plugin_output_limits *limits) {
  plugin_output *po = xcalloc(1, sizeof *po);
  po->limits.rate_bytes = limits ? limits->rate_bytes : PLUGIN_OUTPUT_RATE;
  po->limits.burst_bytes = limits ? limits->burst_bytes : PLUGIN_OUTPUT_BURST;
  po->n_sources = n;
  po->sources = xcalloc(n ? n : 1, sizeof *po->sources);
  double now = clock_mono();
  for (size_t i = 0; i < n; i++) {
    hiro_strlcpy(po->sources[i].name, names[i], sizeof po->sources[i].name);
    po->sources[i].tokens = (double)po->limits.burst_bytes;
    po->sources[i].refilled_at = now;
    po->sources[i].drop_since = -1;
  }
  pthread_mutex_init(&po->lock, NULL);
  po->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  /* Signals stay with the server's sigwait thread. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = po->wake_fd < 0 ? errno : pthread_create(&po->thread, NULL, output_main, po);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) {
    log_error("plugin output: cannot start the reader thread: %s", strerror(rc));
    if (po->wake_fd >= 0) close(po->wake_fd);
    pthread_mutex_destroy(&po->lock);
    free(po->sources);
    free(po);
    return NULL;
  }
  pthread_setname_np(po->thread, "plugin-output");
  return po;
}

int plugin_output_pipe(plugin_output *po, size_t index) {
  int fds[2];
  if (index >= po->n_sources || pipe2(fds, O_CLOEXEC) != 0) {
    log_error("plugin output: no pipe for plugin %zu: %s", index,
              index >= po->n_sources ? "unknown plugin" : strerror(errno));
    return -1;
  }
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  pthread_mutex_lock(&po->lock);
  if (po->n_pending == po->cap_pending) {
    po->cap_pending = po->cap_pending ? 2 * po->cap_pending : 8;
    po->pending_fd = xrealloc(po->pending_fd, po->cap_pending * sizeof *po->pending_fd);
    po->pending_src = xrealloc(po->pending_src, po->cap_pending * sizeof *po->pending_src);
  }
  po->pending_fd[po->n_pending] = fds[0];
  po->pending_src[po->n_pending++] = index;
  pthread_mutex_unlock(&po->lock);
  uint64_t one = 1;
  ssize_t unused = write(po->wake_fd, &one, sizeof one);
  (void)unused;
  return fds[1];
}

void plugin_output_free(plugin_output *po) {
  if (!po) return;
  pthread_mutex_lock(&po->lock);
  po->stop = true;
  pthread_mutex_unlock(&po->lock);
  uint64_t one = 1;
  ssize_t unused = write(po->wake_fd, &one, sizeof one);
  (void)unused;
  pthread_join(po->thread, NULL);
  for (size_t i = 0; i < po->n_pending; i++) close(po->pending_fd[i]);
  free(po->pending_fd);
  free(po->pending_src);
  free(po->streams);
  free(po->sources);
  close(po->wake_fd);
  pthread_mutex_destroy(&po->lock);
  free(po);
}
