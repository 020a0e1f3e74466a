/* receiver.h - the app-metrics ingress: a Unix datagram socket in the
 * workspace (app-metrics.sock, mode 0600) and optionally a UDP socket on
 * 127.0.0.1, read by one thread ("app-metrics") that attributes every
 * datagram to its sender and hands the lines to the aggregator.
 *
 * Attribution is by what the kernel vouches for, never by what the packet
 * claims: on the Unix socket SO_PASSCRED makes every datagram carry its
 * sender's pid (SCM_CREDENTIALS); on UDP the source port's owning process is
 * looked up in /proc. The pid is then the server itself, a process in a
 * plugin's tree (the owner callback), or nobody: such datagrams are counted
 * and dropped.
 *
 * Bounded: the kernel's socket queues are the only buffers (the thread
 * reads into a fixed set of DATAGRAM_MAX-byte buffers); datagrams longer
 * than RECEIVER_DATAGRAM_MAX are dropped and counted; the aggregator's rate
 * budget drops a flood before parsing it.
 *
 * A sender is attributed while it is alive: a one-shot process that exits
 * at once (socat, nc without -w) may be gone from /proc before its datagram
 * is read, and is then refused like a stranger (counted). Publish from a
 * process that lives on (see docs/app-metrics.md). */
#ifndef HIRO_APP_RECEIVER_H
#define HIRO_APP_RECEIVER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "appmetrics/aggregate.h"
#include "appmetrics/owner.h"
#include "common/hiro.h"

#define RECEIVER_DATAGRAM_MAX 8192
#define RECEIVER_SOCKET_NAME "app-metrics.sock"

typedef struct receiver receiver;

typedef struct {
  const char *socket_path; /* NULL: no Unix socket */
  int udp_port;            /* 0: no UDP socket */
  app_owner_fn owner;      /* may be NULL: only the server's own datagrams count */
  void *owner_ctx;
} receiver_options;

typedef struct {
  char socket_path[108];     /* "" when none */
  int udp_port;              /* 0 when none */
  uint64_t datagrams, bytes; /* received, all senders */
  uint64_t unattributed;     /* datagrams from outside every plugin tree: dropped */
  int last_unattributed_pid; /* 0 when none */
  uint64_t oversized;        /* datagrams over RECEIVER_DATAGRAM_MAX: dropped */
  uint64_t kernel_dropped;   /* UDP datagrams the kernel dropped (queue full) */
} receiver_stats;

/* Bind the sockets and start the thread. An existing socket file at
 * socket_path (left by a killed server) is replaced; anything else there is
 * an error. On failure returns HIRO_EINVAL (path too long for a socket
 * address, not a socket), HIRO_EBUSY (UDP port taken) or HIRO_EIO with the
 * reason in err, and nothing is left behind. */
hiro_err receiver_start(const receiver_options *opt, aggregate *agg, receiver **out, char *err,
                        size_t errlen) HIRO_MUST_USE;
/* Stop and join the thread, close the sockets, remove the socket file.
 * Safe on NULL. */
void receiver_stop(receiver *r);
void receiver_get_stats(receiver *r, receiver_stats *out);

#endif
