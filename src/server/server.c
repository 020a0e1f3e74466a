/* server.c - the workspace server: start-up in dependency order, signal
 * wait, and shutdown in reverse order. */
#include "server/server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appmetrics/appmetrics.h"
#include "collector/collector.h"
#include "collector/ring_budget.h"
#include "collector/eventlog.h"
#include "common/clock.h"
#include "common/log.h"
#include "http/http.h"
#include "http/latest_cache.h"
#include "platform/platform.h"
#include "server/plugins.h"
#include "server/config.h"
#include "server/dblock.h"
#include "server/plugin_output.h"
#include "server/pidfile.h"
#include "store/store.h"

/* Everything a running server owns, released in reverse order of creation. */
typedef struct {
  hiro_config cfg;
  char pid_path[PATH_MAX];
  int pid_fd;
  int db_lock_fd; /* <metrics db>.lock, held while the store is open */
  platform *plat;
  store *db;
  collector *coll;
  plugin_manager *chans;
  appmetrics *app;             /* NULL when its socket could not be bound */
  char app_socket[PATH_MAX];   /* <workspace>/app-metrics.sock */
  uint64_t requests_served;    /* counted by the API (atomically) */
  uint64_t requests_published; /* of those, already published as app metrics */
  eventlog *events;
  plugin_output *output; /* the plugins' stdout/stderr, rate-limited into the log */
  api_context api;
  http_listener *rest, *admin;
  hiro_err fail; /* why start-up failed: HIRO_EBUSY when another server runs */
} server;

static void report(int fd, const char *kind, const char *text) {
  if (fd < 0) return;
  char line[1200];
  int n = snprintf(line, sizeof line, "%s %s\n", kind, text);
  if (n > 0 && write(fd, line, (size_t)n) < 0) { /* the starter went away: nothing to do */
  }
}

static void format_url(char *buf, size_t n, const char *host, int port) {
  bool v6 = strchr(host, ':') != NULL;
  snprintf(buf, n, "http://%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

static void server_event(server *s, event_kind kind, const char *detail) {
  if (!s->events) return;
  hiro_event e;
  event_init(&e, kind, clock_wall(), "server", (int)getpid());
  hiro_strlcpy(e.detail, detail, sizeof e.detail);
  eventlog_push(s->events, &e);
}

static void server_teardown(server *s, bool started) {
  http_close(s->admin);
  http_close(s->rest);
  latest_cache_free(s->api.latest);
  collector_free(s->coll);       /* joins the thread: no more snapshots reach the store */
  appmetrics_stop(s->app);       /* after the last tick; frames in the store's queue stay valid */
  plugins_free(s->chans);        /* SIGTERM, grace, SIGKILL, reap: every tree */
  plugin_output_free(s->output); /* what the stopped plugins left in their pipes */
  if (started) server_event(s, EVENT_SERVER_STOPPED, "server stopped cleanly");
  if (s->events) eventlog_set_sink(s->events, NULL, NULL); /* the store goes next */
  store_close(s->db); /* writes what is queued (the events too), closes rollup buckets */
  dblock_release(s->db_lock_fd);
  eventlog_free(s->events);
  platform_close(s->plat);
  pidfile_release(s->pid_path, s->pid_fd);
  config_free(&s->cfg);
}

/* Load config.json with this run's overrides applied. */
static bool load_config(server *s, const server_options *opt, char *err, size_t errlen) {
  if (opt->force_metrics) setenv("HIRO_METRICS", "1", 1);
  if (opt->force_admin_ui) setenv("HIRO_ADMIN_UI", "1", 1);
  if (config_load(opt->workspace, &s->cfg, err, errlen) != HIRO_OK) return false;
  config_apply_env(&s->cfg);
  if (opt->port > 0) s->cfg.http_port = opt->port;
  if (opt->admin_ui_port > 0) s->cfg.admin_ui_port = opt->admin_ui_port;
  return true; /* config_load refuses a non-loopback http_host without api_token */
}

static void event_to_store(void *db, const hiro_event *e) { store_enqueue_event(db, e); }

static bool open_store(server *s, const char *workspace, char *err, size_t errlen) {
  if (!s->cfg.metrics_persist) return true;
  /* Before the database is touched: two servers recording into one file
   * would mix their histories. */
  s->db_lock_fd = dblock_acquire(s->cfg.metrics_db_path, workspace, err, errlen);
  if (s->db_lock_fd < 0) return false;
  store_retention ret = {s->cfg.retention_raw_hours, s->cfg.retention_minute_days,
                         s->cfg.retention_hour_days};
  char why[512];
  if (store_open(s->cfg.metrics_db_path, &ret, &s->db, why, sizeof why) != HIRO_OK) {
    snprintf(err, errlen, "cannot open the metrics database: %s", why);
    return false;
  }
  store_commit_policy policy;
  store_commit_policy_default(&policy);
  policy.max_delay = s->cfg.metrics_flush_interval;
  store_set_commit_policy(s->db, &policy);
  /* Lifecycle events are recorded in the database, and the store's own
   * (storage failing, recovering) join the log. */
  store_set_event_sink(s->db, eventlog_push, s->events);
  eventlog_set_sink(s->events, event_to_store, s->db);
  return true;
}

static void preload_one(void *coll, const metrics_snapshot *snap) {
  collector_preload(coll, snap, 1);
}

/* Refill the ring from disk so history reads continue across a restart,
 * streamed row by row into the ring (no second copy of the whole history). */
static void warm_restart(server *s) {
  if (!s->db) return;
  double t0 = clock_mono();
  size_t n = store_load_recent_each(s->db, s->cfg.metrics_history_size, preload_one, s->coll);
  if (n)
    log_info("history: %zu snapshots restored from the database in %.2f s", n, clock_mono() - t0);
}

/* The server's own application metrics, published as a plugin would. */
static void publish_self(server *s) {
  char lines[256];
  uint64_t requests = __atomic_load_n(&s->requests_served, __ATOMIC_RELAXED);
  int n = snprintf(lines, sizeof lines, "http.requests:%llu|c\n",
                   (unsigned long long)(requests - s->requests_published));
  s->requests_published = requests;
  if (s->db)
    n += snprintf(lines + n, sizeof lines - (size_t)n, "store.queue_depth:%zu|g\n",
                  store_queue_depth(s->db));
  appmetrics_publish(s->app, lines, (size_t)n);
}

/* Every snapshot closes the app-metrics interval (the frame gets the
 * snapshot's timestamp) and goes to the store. Collector thread. */
static void snapshot_sink(void *ctx, const metrics_snapshot *snap) {
  server *s = ctx;
  app_frame *frame = NULL;
  if (s->app) {
    publish_self(s);
    frame = appmetrics_tick(s->app, snap->timestamp);
  }
  if (s->db) {
    /* The store's copy carries the frame (same timestamp, same transaction,
     * dropped together under pressure); the collector's ring does not. A
     * shallow view is enough: store_enqueue deep-copies it. */
    metrics_snapshot recorded = *snap;
    recorded.extra = frame ? &frame->base : NULL;
    store_enqueue(s->db, &recorded);
    /* A tick that was under way while the collector was disabled arrives
     * after configure committed what was queued: commit it too, so that
     * disabling loses nothing (CONTRACT §11). */
    collector_status cs;
    collector_get_status(s->coll, &cs);
    if (!cs.enabled) store_flush(s->db);
  }
  app_frame_release(frame);
}

/* A limit a publisher's application metrics hit (aggregate.h) becomes a
 * lifecycle event. Collector thread; the event log does not block. */
static void app_limit_event(void *ctx, const char *plugin, bool is_server, const char *kind,
                            const char *detail) {
  hiro_event e;
  event_kind k =
      strcmp(kind, "app_rate_limit") == 0 ? EVENT_APP_RATE_LIMIT : EVENT_APP_SERIES_LIMIT;
  event_init(&e, k, clock_wall(), is_server ? "server" : plugin, 0);
  hiro_strlcpy(e.detail, detail, sizeof e.detail);
  eventlog_push(ctx, &e);
}

/* The app-metrics socket in the workspace, attributing senders through the
 * plugin list. A socket that cannot be bound (a workspace path too long for
 * a socket address) leaves app metrics off with a warning; with a UDP port
 * configured, any failure stops start-up (the user asked for it). */
static bool start_app_metrics(server *s, const char *workspace, char *err, size_t errlen) {
  snprintf(s->app_socket, sizeof s->app_socket, "%s/%s", workspace, RECEIVER_SOCKET_NAME);
  appmetrics_options opt = {.socket_path = s->app_socket,
                            .udp_port = s->cfg.app_metrics_udp_port,
                            .max_series = s->cfg.app_metrics_max_series,
                            .max_rate = s->cfg.app_metrics_max_rate,
                            .history_frames = s->cfg.metrics_history_size,
                            .plugins = plugins_provider,
                            .plugins_ctx = s->chans,
                            .on_event = s->events ? app_limit_event : NULL,
                            .event_ctx = s->events};
  char why[600];
  hiro_err rc = appmetrics_start(&opt, &s->app, why, sizeof why);
  if (rc == HIRO_OK) return true;
  s->app_socket[0] = '\0';
  (void)rc;
  if (s->cfg.app_metrics_udp_port) { /* asked for explicitly: say so and stop */
    snprintf(err, errlen, "app metrics: %s", why);
    return false;
  }
  log_warn("app metrics are off: %s", why);
  return true;
}

static bool start_listeners(server *s, const server_options *opt, char *url, size_t url_len,
                            char *err, size_t errlen) {
  s->api.coll = s->coll;
  s->api.events = s->events;
  s->api.latest = latest_cache_new();
  s->api.db = s->db;
  s->api.api_token = s->cfg.api_token;
  s->api.token_for_reads = !http_host_is_loopback(s->cfg.http_host);
  s->api.n_plugins = s->cfg.n_channels;
  s->api.app = s->app;
  s->api.requests_served = &s->requests_served;
  const char *port_key = opt->port > 0 ? "--port" : "http_port";
  const char *admin_key = opt->admin_ui_port > 0 ? "--admin-ui-port" : "admin_ui_port";
  /* Said up front: binding would only report "in use" without the why. */
  if (s->cfg.admin_ui_enabled && s->cfg.admin_ui_port == s->cfg.http_port) {
    snprintf(err, errlen,
             "admin UI listener: cannot bind 127.0.0.1:%d (%s): port already used by "
             "the REST API (%s)",
             s->cfg.admin_ui_port, admin_key, port_key);
    return false;
  }
  http_endpoint rest = {HTTP_REST, s->cfg.http_host, "http_host", s->cfg.http_port, port_key};
  if (http_listen(&rest, &s->api, &s->rest, err, errlen) != HIRO_OK) return false;
  format_url(url, url_len, s->cfg.http_host, s->cfg.http_port);
  pidfile_set_ports(s->pid_fd, s->cfg.http_port,
                    s->cfg.admin_ui_enabled ? s->cfg.admin_ui_port : 0);
  if (!s->cfg.admin_ui_enabled) return true;
  /* The dashboard has no login: it always stays on loopback. */
  http_endpoint admin = {HTTP_ADMIN_UI, "127.0.0.1", NULL, s->cfg.admin_ui_port, admin_key};
  if (http_listen(&admin, &s->api, &s->admin, err, errlen) != HIRO_OK) return false;
  log_info("admin UI at http://127.0.0.1:%d/metrics", s->cfg.admin_ui_port);
  return true;
}

/* The plugins' manager (nothing runs yet), their output going through the
 * plugin-output thread (a pipe each, rate-limited) into the log. */
static bool new_plugins(server *s, const char *workspace, char *err, size_t errlen) {
  const char **names = xcalloc(s->cfg.n_channels + 1, sizeof *names);
  for (size_t i = 0; i < s->cfg.n_channels; i++) names[i] = s->cfg.channels[i].name;
  s->output = plugin_output_new(names, s->cfg.n_channels, NULL);
  free(names);
  plugins_options copt;
  plugins_options_default(&copt);
  copt.log_fd = STDERR_FILENO; /* only if the output thread could not start */
  copt.output = s->output;
  copt.statsd_socket = s->app_socket;
  char state_path[PATH_MAX + 32];
  snprintf(state_path, sizeof state_path, "%s/plugin-trees", workspace);
  copt.state_path = state_path;
  /* HIRO_PLUGIN_CGROUPS=0 forces the /proc walk (tests of the fallback). */
  const char *cg = getenv("HIRO_PLUGIN_CGROUPS");
  copt.use_cgroups = !(cg && strcmp(cg, "0") == 0);
  copt.on_event = eventlog_push;
  copt.event_ctx = s->events;
  copt.statsd_udp_port = s->cfg.app_metrics_udp_port;
  s->chans = plugins_new(s->cfg.channels, s->cfg.n_channels, &copt);
  if (!s->chans) {
    snprintf(err, errlen, "cannot start the channel plugins (see the log)");
    return false;
  }
  /* Before the listeners: handlers read these without a lock. */
  s->api.tree_mode = plugins_tree_mode(s->chans);
  s->api.plugins = plugins_provider;
  s->api.plugins_ctx = s->chans;
  return true;
}

/* In the background the server writes server.log itself: rotated at
 * log_max_bytes, reopened on SIGHUP. */
static bool open_log(const server *s, const server_options *opt, char *err, size_t errlen) {
  if (opt->foreground) return true;
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/server.log", opt->workspace);
  return log_open_file(path, s->cfg.log_max_bytes, s->cfg.log_keep, err, errlen);
}

static bool start_parts(server *s, const server_options *opt, char *url, size_t url_len, char *err,
                        size_t errlen) {
  if (!load_config(s, opt, err, errlen)) return false;
  if (!open_log(s, opt, err, errlen)) return false;
  if (mkdir(opt->workspace, 0700) != 0 && errno != EEXIST) {
    snprintf(err, errlen, "cannot create workspace %s: %s", opt->workspace, strerror(errno));
    return false;
  }
  pidfile_path(opt->workspace, s->pid_path, sizeof s->pid_path);
  s->pid_fd = pidfile_acquire(s->pid_path, &s->fail, err, errlen);
  if (s->pid_fd < 0) return false;
  s->events = eventlog_new(4096);
  s->plat = platform_open(PLATFORM_PROC_ROOT, PLATFORM_SYS_ROOT);
  if (!s->plat) {
    snprintf(err, errlen, "cannot read /proc (see the log)");
    return false;
  }
  if (!open_store(s, opt->workspace, err, errlen)) return false;
  char warning[256];
  if (ring_budget_warning(s->cfg.metrics_history_size, s->cfg.n_channels, 0, warning,
                          sizeof warning))
    log_warn("config: metrics_%s", warning);
  s->coll = collector_new(s->plat, s->cfg.metrics_interval, s->cfg.metrics_history_size);
  collector_set_sink(s->coll, snapshot_sink, s);
  collector_set_workspace(s->coll, opt->workspace);
  warm_restart(s);
  collector_set_event_sink(s->coll, eventlog_push, s->events);
  /* Status must say "enabled" from the first request on, although the
   * thread starts only after the plugins (no event: nothing changed). */
  collector_preset_enabled(s->coll, s->cfg.metrics_enabled);

  /* The plugins' manager exists (nothing runs yet) so app metrics can
   * attribute senders to it; both exist before the listeners serve them. */
  if (!new_plugins(s, opt->workspace, err, errlen)) return false;
  if (!start_app_metrics(s, opt->workspace, err, errlen)) return false;
  if (!start_listeners(s, opt, url, url_len, err, errlen)) return false;
  if (plugins_start(s->chans) != HIRO_OK) {
    snprintf(err, errlen, "cannot start the channel plugins (see the log)");
    return false;
  }
  collector_set_child_provider(s->coll, plugins_provider, s->chans);
  if (collector_start(s->coll, s->cfg.metrics_enabled) != HIRO_OK) {
    snprintf(err, errlen, "cannot start the metrics collector");
    return false;
  }
  return true;
}

/* Wait for SIGINT or SIGTERM. SIGHUP never stops the server: in the
 * background it reopens server.log (logrotate renames the file, then sends
 * SIGHUP); in the foreground (systemd's `reload` sends it) the log is stderr
 * and there is nothing to reopen. */
static void wait_for_stop(const server_options *opt, const sigset_t *signals) {
  for (;;) {
    int sig = 0;
    sigwait(signals, &sig);
    if (sig != SIGHUP) {
      log_info("received %s: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
      return;
    }
    if (opt->foreground)
      log_info("received SIGHUP: logging to stderr, nothing to reopen");
    else if (log_reopen())
      log_info("received SIGHUP: reopened %s/server.log", opt->workspace);
  }
}

int server_run(const server_options *opt, int ready_fd) {
#ifdef M_ARENA_MAX
  /* glibc gives every thread that allocates its own arena (up to 8 per core),
   * and each keeps freed memory: after a burst of HTTP requests on the
   * worker threads RSS stayed ~4 MB higher. Two arenas serve our few threads. */
  mallopt(M_ARENA_MAX, 2);
#endif
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  /* Blocked before any thread starts, so every thread inherits the mask and
   * only sigwait below sees them. */
  pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
  /* SIGCHLD too, so the plugin manager receives it on a signalfd: exits of
   * orphans it adopted as a subreaper are reaped at once, without polling. */
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &chld, NULL);
  signal(SIGPIPE, SIG_IGN);

  server s = {.pid_fd = -1, .db_lock_fd = -1};
  char url[600] = "", err[1024] = "";
  if (!start_parts(&s, opt, url, sizeof url, err, sizeof err)) {
    log_error("start-up failed: %s", err);
    server_teardown(&s, false); /* before reporting: the starter then sees no pid file */
    report(ready_fd, s.fail == HIRO_EBUSY ? "BUSY" : "ERR", err);
    if (ready_fd >= 0) close(ready_fd);
    return 1;
  }
  log_info("hirocli server %d listening on %s (metrics %s, %zu channel plugin%s)", (int)getpid(),
           url, s.cfg.metrics_enabled ? "on" : "off", s.cfg.n_channels,
           s.cfg.n_channels == 1 ? "" : "s");
  char detail[200];
  snprintf(detail, sizeof detail, "server started (%zu channel plugin%s, trees tracked by %s)",
           s.cfg.n_channels, s.cfg.n_channels == 1 ? "" : "s", s.api.tree_mode);
  server_event(&s, EVENT_SERVER_STARTED, detail);
  report(ready_fd, "OK", url);
  if (ready_fd >= 0) close(ready_fd);

  wait_for_stop(opt, &stop_signals);
  server_teardown(&s, true);
  log_info("server stopped");
  log_close_file();
  return 0;
}
