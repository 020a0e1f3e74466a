/* api.c - how hirocli commands reach the running server's REST API: where it
 * listens (config.json plus what the server recorded in server.pid), one
 * request with its failures explained, and waiting for the first snapshot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/hiro.h"
#include "server/server.h"

#define API_CONNECT_TIMEOUT_MS 2000
#define API_READ_TIMEOUT_MS 30000

int api_target_load(cli_ctx *ctx, const opt_value *port_override, api_target *t) {
  memset(t, 0, sizeof *t);
  pidfile_info info;
  if (!cli_existing_workspace(ctx, &info)) return CLI_EXIT_FAIL;
  hiro_config cfg;
  int loaded = cli_load_config(ctx, &cfg);
  if (loaded != CLI_CONTINUE) return loaded;
  hiro_strlcpy(t->host, cfg.http_host, sizeof t->host);
  t->port = port_override && port_override->set ? (int)port_override->integer
            : info.port                         ? info.port
                                                : cfg.http_port;
  t->admin_ui_port = info.pid ? info.admin_ui_port : cfg.admin_ui_enabled ? cfg.admin_ui_port : 0;
  t->token = cfg.api_token ? xstrdup(cfg.api_token) : NULL;
  t->pid = info.pid;
  config_free(&cfg);
  return CLI_CONTINUE;
}

void api_target_free(api_target *t) {
  free(t->token);
  t->token = NULL;
}

static hiro_err request(const api_target *at, const char *method, const char *path,
                        const char *body, http_response *resp, char *err, size_t errlen) {
  http_target t = {at->host, at->port, at->token, API_CONNECT_TIMEOUT_MS, API_READ_TIMEOUT_MS};
  return http_request(&t, method, path, body, resp, err, errlen);
}

hiro_err api_fetch(const api_target *t, const char *path, int *status, cJSON **json) {
  http_response resp;
  char err[512];
  *json = NULL;
  hiro_err e = request(t, "GET", path, NULL, &resp, err, sizeof err);
  if (e != HIRO_OK) return e;
  *status = resp.status;
  *json = cJSON_Parse(resp.body);
  http_response_free(&resp);
  return HIRO_OK;
}

/* Whether the collector is enabled (it is then only starting when /metrics
 * answers 503); false when that cannot be told. */
static bool collector_enabled(const api_target *t) {
  int status = 0;
  cJSON *json = NULL;
  bool enabled = api_fetch(t, "/metrics/status", &status, &json) == HIRO_OK && status == 200 &&
                 cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(json, "enabled"));
  cJSON_Delete(json);
  return enabled;
}

/* Report an error reply: {"error": "..."} as "server said", a 503 as
 * disabled or starting. */
static int report_http_error(const api_target *t, const http_response *r) {
  if (r->status == 503 && collector_enabled(t))
    return cli_fail("metrics collection is starting: no snapshot yet (the first one comes "
                    "within a second); try again");
  if (r->status == 503)
    return cli_fail("metrics collection is disabled (enable: hirocli metrics configure --enable)");
  cJSON *body = cJSON_Parse(r->body);
  const cJSON *msg = cJSON_GetObjectItemCaseSensitive(body, "error");
  if (cJSON_IsString(msg))
    cli_fail("server said: %s%s", msg->valuestring,
             r->status == 401 ? " (set the token with: hirocli setup --token-file FILE)" : "");
  else
    cli_fail("server replied with HTTP %d", r->status);
  cJSON_Delete(body);
  return CLI_EXIT_FAIL;
}

int api_call(cli_ctx *ctx, const api_target *t, const char *method, const char *path,
             const char *body, http_response *resp) {
  char err[512];
  if (request(t, method, path, body, resp, err, sizeof err) != HIRO_OK) {
    int pid = server_running_pid(ctx->workspace);
    if (pid <= 0)
      return cli_fail("no server running in %s (start it with: hirocli start)", ctx->workspace);
    return cli_fail("server (pid %d) does not answer: %s", pid, err);
  }
  if (resp->status < 200 || resp->status > 299) {
    int rc = report_http_error(t, resp);
    http_response_free(resp);
    return rc;
  }
  return CLI_CONTINUE;
}

void api_wait_first_snapshot(const api_target *t, double timeout_s) {
  if (!collector_enabled(t)) return;
  double deadline = clock_mono() + timeout_s;
  while (clock_mono() < deadline) {
    int status = 0;
    cJSON *json = NULL;
    hiro_err e = api_fetch(t, "/metrics", &status, &json);
    cJSON_Delete(json);
    if (e != HIRO_OK || status != 503) return; /* a snapshot, or nothing to wait for */
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
}
