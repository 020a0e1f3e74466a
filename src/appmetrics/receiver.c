/* receiver.c - the "app-metrics" thread: Unix datagram and loopback UDP
 * sockets, batched reads (recvmmsg), sender attribution with a short cache,
 * and the hand-over to the aggregator. */
#define _GNU_SOURCE /* recvmmsg, struct ucred, gettid */
#include "appmetrics/receiver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "platform/platform.h"

enum { BATCH = 16, OWNER_SLOTS = 256, PORT_SLOTS = 64, RECV_BUFFER = 1 << 20 };
enum { OWNER_NONE, OWNER_PLUGIN, OWNER_SERVER };
static const double OWNER_TTL = 1.0;        /* a pid's plugin is asked again after this */
static const double PORT_TTL = 10.0;        /* a UDP port's owner likewise */
static const int PORT_LOOKUPS_PER_SEC = 20; /* /proc scans for unknown UDP ports */
static const double LOG_PERIOD = 60.0;

typedef struct {
  int pid, kind;
  char name[HIRO_NAME_MAX];
  double expires;
} owner_entry;

typedef struct {
  int port, pid; /* pid 0: nobody holds it */
  double expires;
} port_entry;

/* Room for the ancillary data of one datagram: credentials (Unix) or the
 * kernel's drop counter (UDP). */
typedef union {
  char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(uint32_t))];
  struct cmsghdr align;
} control_buf;

struct receiver {
  aggregate *agg;
  app_owner_fn owner;
  void *owner_ctx;
  int unix_fd, udp_fd, wake_fd;
  int self_pid;
  platform *plat; /* UDP port owners; NULL without UDP */
  pthread_t thread;
  bool thread_started;
  /* receiver thread only */
  char *bufs; /* BATCH buffers of RECEIVER_DATAGRAM_MAX + 1 bytes */
  owner_entry owners[OWNER_SLOTS];
  port_entry ports[PORT_SLOTS];
  double lookup_second;
  int lookups;
  double next_log;
  uint64_t logged_unattributed;
  pthread_mutex_t lock; /* guards stats */
  receiver_stats stats;
};

/* ---- sockets ---- */

static hiro_err open_unix(receiver *r, const char *path, char *err, size_t errlen) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) {
    snprintf(err, errlen,
             "socket path %s is longer than %zu bytes, the limit of a Unix socket address "
             "(use a workspace with a shorter path)",
             path, sizeof addr.sun_path - 1);
    return HIRO_EINVAL;
  }
  struct stat st;
  if (lstat(path, &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      snprintf(err, errlen, "%s exists and is not a socket", path);
      return HIRO_EINVAL;
    }
    unlink(path); /* left by a server that was killed; the pid file lock says it is ours */
  }
  hiro_strlcpy(addr.sun_path, path, sizeof addr.sun_path);
  int one = 1, size = RECV_BUFFER;
  r->unix_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (r->unix_fd < 0 || setsockopt(r->unix_fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0 ||
      bind(r->unix_fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    snprintf(err, errlen, "cannot bind %s: %s", path, strerror(errno));
    return HIRO_EIO;
  }
  /* The workspace is 0700 already; the socket itself is 0600 too. */
  if (chmod(path, 0600) != 0) {
    snprintf(err, errlen, "cannot chmod %s: %s", path, strerror(errno));
    unlink(path);
    return HIRO_EIO;
  }
  setsockopt(r->unix_fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size); /* best effort */
  hiro_strlcpy(r->stats.socket_path, path, sizeof r->stats.socket_path);
  return HIRO_OK;
}

static hiro_err open_udp(receiver *r, int port, char *err, size_t errlen) {
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int one = 1, size = RECV_BUFFER;
  r->udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (r->udp_fd < 0 || bind(r->udp_fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    int e = errno;
    snprintf(err, errlen, "cannot bind UDP 127.0.0.1:%d (app_metrics_udp_port): %s", port,
             strerror(e));
    return e == EADDRINUSE ? HIRO_EBUSY : HIRO_EIO;
  }
  setsockopt(r->udp_fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
  setsockopt(r->udp_fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  r->plat = platform_open(PLATFORM_PROC_ROOT, PLATFORM_SYS_ROOT);
  r->stats.udp_port = port;
  return HIRO_OK;
}

/* ---- attribution ---- */

/* Who sent from pid: the server, a plugin (name filled) or nobody. */
static int owner_of(receiver *r, int pid, const char **name, double now) {
  if (pid == r->self_pid) return OWNER_SERVER;
  if (pid <= 0) return OWNER_NONE;
  owner_entry *e = &r->owners[(unsigned)pid % OWNER_SLOTS];
  if (e->pid != pid || e->expires < now) {
    e->pid = pid;
    e->kind = r->owner && r->owner(r->owner_ctx, pid, e->name) ? OWNER_PLUGIN : OWNER_NONE;
    e->expires = now + OWNER_TTL;
  }
  *name = e->name;
  return e->kind;
}

/* The process holding the UDP source port, or 0 (cached; scans of /proc are
 * rationed so that datagrams from ever-new ports cannot cost much). */
static int udp_sender(receiver *r, int port, double now) {
  port_entry *e = &r->ports[(unsigned)port % PORT_SLOTS];
  if (e->port == port && e->expires >= now) return e->pid;
  if (now - r->lookup_second >= 1.0) {
    r->lookup_second = now;
    r->lookups = 0;
  }
  if (!r->plat || r->lookups >= PORT_LOOKUPS_PER_SEC) return 0;
  r->lookups++;
  int pid = 0;
  if (platform_udp_port_owner(r->plat, port, &pid) != HIRO_OK) pid = 0;
  *e = (port_entry){port, pid, now + PORT_TTL};
  return pid;
}

/* The sender's pid from the credentials the kernel attached (Unix), and the
 * kernel's drop counter (UDP). */
static int read_control(struct msghdr *msg, uint64_t *kernel_dropped) {
  int pid = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
      struct ucred cred;
      memcpy(&cred, CMSG_DATA(c), sizeof cred);
      pid = (int)cred.pid;
    } else if (c->cmsg_type == SO_RXQ_OVFL && c->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
      uint32_t dropped;
      memcpy(&dropped, CMSG_DATA(c), sizeof dropped);
      *kernel_dropped = dropped;
    }
  }
  return pid;
}

/* ---- the thread ---- */

typedef struct {
  uint64_t datagrams, bytes, unattributed, oversized, kernel_dropped;
  int last_unattributed_pid;
} batch_stats;

static void handle(receiver *r, struct mmsghdr *m, const char *data, bool udp, double now,
                   batch_stats *bs) {
  size_t len = m->msg_len;
  bs->datagrams++;
  bs->bytes += len;
  if ((m->msg_hdr.msg_flags & MSG_TRUNC) || len > RECEIVER_DATAGRAM_MAX) {
    bs->oversized++;
    return;
  }
  int pid = read_control(&m->msg_hdr, &bs->kernel_dropped);
  if (udp) {
    const struct sockaddr_in *from = m->msg_hdr.msg_name;
    pid = m->msg_hdr.msg_namelen >= sizeof *from ? udp_sender(r, ntohs(from->sin_port), now) : 0;
  }
  const char *name = NULL;
  int kind = owner_of(r, pid, &name, now);
  if (kind == OWNER_NONE) {
    bs->unattributed++;
    bs->last_unattributed_pid = pid;
    return;
  }
  aggregate_datagram(r->agg, name, kind == OWNER_SERVER, data, len, now);
}

/* Read what is queued on fd, a batch at a time; returns after a bounded
 * number of batches so the wake descriptor is looked at regularly. */
static void drain(receiver *r, int fd, bool udp) {
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  control_buf control[BATCH];
  struct sockaddr_in from[BATCH];
  for (int round = 0; round < 64; round++) {
    for (int i = 0; i < BATCH; i++) {
      iov[i] = (struct iovec){r->bufs + (size_t)i * (RECEIVER_DATAGRAM_MAX + 1),
                              RECEIVER_DATAGRAM_MAX + 1};
      msgs[i].msg_hdr = (struct msghdr){.msg_name = udp ? &from[i] : NULL,
                                        .msg_namelen = udp ? sizeof from[i] : 0,
                                        .msg_iov = &iov[i],
                                        .msg_iovlen = 1,
                                        .msg_control = control[i].buf,
                                        .msg_controllen = sizeof control[i].buf};
      msgs[i].msg_len = 0;
    }
    int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) return;
    double now = clock_mono();
    batch_stats bs = {0};
    for (int i = 0; i < n; i++) handle(r, &msgs[i], iov[i].iov_base, udp, now, &bs);
    pthread_mutex_lock(&r->lock);
    r->stats.datagrams += bs.datagrams;
    r->stats.bytes += bs.bytes;
    r->stats.unattributed += bs.unattributed;
    r->stats.oversized += bs.oversized;
    if (bs.kernel_dropped) r->stats.kernel_dropped = bs.kernel_dropped;
    if (bs.last_unattributed_pid) r->stats.last_unattributed_pid = bs.last_unattributed_pid;
    pthread_mutex_unlock(&r->lock);
    if (n < BATCH) return;
  }
}

static void log_unattributed(receiver *r) {
  double now = clock_mono();
  if (now < r->next_log) return;
  pthread_mutex_lock(&r->lock);
  uint64_t total = r->stats.unattributed;
  int pid = r->stats.last_unattributed_pid;
  pthread_mutex_unlock(&r->lock);
  if (total == r->logged_unattributed) return;
  log_warn("app metrics: %llu datagrams from processes outside every plugin's process tree "
           "dropped (last from pid %d)",
           (unsigned long long)(total - r->logged_unattributed), pid);
  r->logged_unattributed = total;
  r->next_log = now + LOG_PERIOD;
}

static void *receiver_main(void *arg) {
  receiver *r = arg;
  /* Normal priority: a lower one (tried: nice +5) made the thread wake late
   * on a loaded machine, and a one-shot sender (socat, nc) had exited and
   * left /proc by the time its datagram was read: it could no longer be
   * attributed. The collector needs no protection from it: it sleeps most of
   * the time, so the scheduler runs it first when it wakes, and a flood is
   * dropped unparsed by the rate budget. */
  pthread_setname_np(pthread_self(), "app-metrics");
  struct pollfd fds[3] = {{.fd = r->wake_fd, .events = POLLIN},
                          {.fd = r->unix_fd, .events = POLLIN},
                          {.fd = r->udp_fd, .events = POLLIN}};
  for (;;) {
    int ready = poll(fds, 3, (int)(LOG_PERIOD * 1000));
    if (ready < 0 && errno != EINTR) {
      log_error("app metrics: poll: %s", strerror(errno));
      break;
    }
    if (fds[0].revents) break;
    if (fds[1].revents) drain(r, r->unix_fd, false);
    if (fds[2].revents) drain(r, r->udp_fd, true);
    log_unattributed(r);
  }
  return NULL;
}

static void close_all(receiver *r) {
  if (r->unix_fd >= 0) {
    close(r->unix_fd);
    if (r->stats.socket_path[0]) unlink(r->stats.socket_path);
  }
  if (r->udp_fd >= 0) close(r->udp_fd);
  if (r->wake_fd >= 0) close(r->wake_fd);
  platform_close(r->plat);
  pthread_mutex_destroy(&r->lock);
  free(r->bufs);
  free(r);
}

hiro_err receiver_start(const receiver_options *opt, aggregate *agg, receiver **out, char *err,
                        size_t errlen) {
  receiver *r = xcalloc(1, sizeof *r);
  r->agg = agg;
  r->owner = opt->owner;
  r->owner_ctx = opt->owner_ctx;
  r->unix_fd = r->udp_fd = -1;
  r->self_pid = platform_self_pid();
  pthread_mutex_init(&r->lock, NULL);
  hiro_err rc = HIRO_OK;
  r->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (r->wake_fd < 0) {
    snprintf(err, errlen, "eventfd: %s", strerror(errno));
    rc = HIRO_EIO;
  }
  if (rc == HIRO_OK && opt->socket_path) rc = open_unix(r, opt->socket_path, err, errlen);
  if (rc == HIRO_OK && opt->udp_port > 0) rc = open_udp(r, opt->udp_port, err, errlen);
  if (rc == HIRO_OK) {
    r->bufs = xmalloc((size_t)BATCH * (RECEIVER_DATAGRAM_MAX + 1));
    int e = pthread_create(&r->thread, NULL, receiver_main, r);
    if (e != 0) {
      snprintf(err, errlen, "cannot start the app-metrics thread: %s", strerror(e));
      rc = HIRO_EIO;
    }
    r->thread_started = e == 0;
  }
  if (rc != HIRO_OK) {
    close_all(r);
    return rc;
  }
  *out = r;
  return HIRO_OK;
}

void receiver_stop(receiver *r) {
  if (!r) return;
  if (r->thread_started) {
    uint64_t one = 1;
    ssize_t unused = write(r->wake_fd, &one, sizeof one);
    (void)unused;
    pthread_join(r->thread, NULL);
  }
  close_all(r);
}

void receiver_get_stats(receiver *r, receiver_stats *out) {
  pthread_mutex_lock(&r->lock);
  *out = r->stats;
  pthread_mutex_unlock(&r->lock);
}
