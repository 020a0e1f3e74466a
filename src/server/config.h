/* config.h - config.json: defaults, validation, environment overrides and the
 * atomic rewrite that `hirocli setup` does. Every key is described once in a
 * table (config_keys.c); the loader, validator, writer and messages all use it.
 * The work is split by job: config_keys.c (the table and what it knows),
 * config_load.c (reading, validating, environment overrides, warnings),
 * config_write.c (merge and rewrite), config_file.c (paths and files). */
#ifndef HIRO_CONFIG_H
#define HIRO_CONFIG_H
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "common/hiro.h"

/* The most channel plugins one server runs. The collector samples at most
 * this many children per tick, so a longer list would run plugins nobody sees:
 * such a config is refused instead. */
#define CONFIG_MAX_CHANNELS 1024

/* The name the server itself has in snapshots, CSV and Prometheus labels; no
 * channel may take it. */
#define CONFIG_RESERVED_NAME "server"

typedef struct {
  char name[HIRO_NAME_MAX];
  char **argv; /* NULL-terminated, argv[0] is the program (absolute when it held a
                * slash: relative ones are resolved against the workspace) */
  size_t argc;
  bool restart;
} channel_config;

typedef struct {
  char http_host[256];
  int http_port;
  bool admin_ui_enabled;
  int admin_ui_port;
  char *api_token; /* NULL when null/absent */
  bool metrics_enabled;
  double metrics_interval;
  size_t metrics_history_size;
  char *metrics_db_path; /* absolute (resolved against the workspace) */
  bool metrics_persist;
  double metrics_flush_interval; /* seconds a snapshot may wait for its commit; 0 = none */
  double retention_raw_hours, retention_minute_days, retention_hour_days;
  int app_metrics_udp_port;      /* 0 = no UDP listener for app metrics */
  size_t app_metrics_max_series; /* live series per publisher */
  double app_metrics_max_rate;   /* StatsD lines per second per publisher */
  channel_config *channels;
  size_t n_channels;
  size_t log_max_bytes; /* server.log is rotated before it passes this */
  int log_keep;         /* rotated files kept: server.log.1 .. .log_keep */
  /* Things that load but deserve a word: unknown keys (with a "did you mean"),
   * channel commands that cannot run, bad environment words, a port clash.
   * Each is also logged (log_warn) when it is found. Owned, freed by
   * config_free. */
  char **warnings;
  size_t n_warnings;
} hiro_config;

/* Fill cfg with every default (db path resolved against workspace). */
void config_defaults(hiro_config *cfg, const char *workspace);

/* Load <workspace>/config.json. A missing file gives the defaults. On a parse
 * error or a bad key, returns HIRO_EPARSE / HIRO_EINVAL with a message in err
 * naming the file, the key (and the line for parse errors); cfg is then left
 * freed/empty. Never writes the file. */
hiro_err config_load(const char *workspace, hiro_config *cfg, char *err,
                     size_t errlen) HIRO_MUST_USE;
void config_free(hiro_config *cfg);

/* Apply HIRO_METRICS / HIRO_ADMIN_UI from the environment: 1/true/yes/on and
 * 0/false/no/off (any case). Another value is ignored with a warning (logged
 * and added to cfg->warnings). */
void config_apply_env(hiro_config *cfg);

/* Parse a boolean word as the env overrides accept it. Returns false when the
 * word is none of them. */
bool config_parse_bool_word(const char *word, bool *value);

/* Why name cannot be a channel plugin's name (empty, too long, a control
 * character, the reserved "server"), or NULL when it can. The one check
 * config.json and `hirocli setup` share. */
const char *config_channel_name_error(const char *name);

/* Why host (http_host) is not an IP address or a host name, or NULL. */
const char *config_host_error(const char *host);

/* Merge changes into config.json (creating it if missing), validate the whole
 * result, and replace the file atomically (temporary file + fsync + rename,
 * mode 0600). Top-level keys are replaced, except objects such as
 * metrics_retention, whose sub-keys are merged. Unknown keys already in the
 * file are kept untouched; unknown keys in changes are refused. On error
 * nothing is written and err says why. On success report (if not NULL, an
 * object) gets one member per effective change, named by its key path
 * ("metrics_retention.raw_hours"): {"old": value, "new": value}, with secret
 * values (api_token) shown as "(set)". */
hiro_err config_update(const char *workspace, const cJSON *changes, cJSON *report, char *err,
                       size_t errlen) HIRO_MUST_USE;

/* Compact one-line JSON of v for messages (strings with invalid UTF-8
 * repaired), cut at max bytes with "...". "nothing" for NULL. */
void config_describe_value(const cJSON *v, char *out, size_t max);

/* <workspace>/config.json into buf. Returns buf (empty when it does not fit). */
char *config_path(const char *workspace, char *buf, size_t n);

#endif
