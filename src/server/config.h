/* config.h - config.json: defaults, validation, environment overrides and the
 * atomic rewrite that `hirocli setup` does. Every key is described once in a
 * table (config.c); the loader, validator, writer and messages all use it. */
#ifndef HIRO_CONFIG_H
#define HIRO_CONFIG_H
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "common/hiro.h"

typedef struct {
  char name[HIRO_NAME_MAX];
  char **argv; /* NULL-terminated, argv[0] is the program */
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
  double retention_raw_hours, retention_minute_days, retention_hour_days;
  channel_config *channels;
  size_t n_channels;
} hiro_config;

/* Fill cfg with every default (db path resolved against workspace). */
void config_defaults(hiro_config *cfg, const char *workspace);

/* Load <workspace>/config.json. A missing file gives the defaults. On a parse
 * error or a bad key, returns HIRO_EPARSE / HIRO_EINVAL with a message in err
 * naming the file, the key (and the line for parse errors); cfg is then left
 * freed/empty. Never writes the file. */
hiro_err config_load(const char *workspace, hiro_config *cfg, char *err, size_t errlen)
    HIRO_MUST_USE;
void config_free(hiro_config *cfg);

/* Apply HIRO_METRICS / HIRO_ADMIN_UI from the environment: 1/true/yes/on and
 * 0/false/no/off (any case). Another value is ignored and a warning is logged. */
void config_apply_env(hiro_config *cfg);

/* Parse a boolean word as the env overrides accept it. Returns false when the
 * word is none of them. */
bool config_parse_bool_word(const char *word, bool *value);

/* Merge the top-level keys of changes into config.json (creating it if
 * missing), validate the whole result, and replace the file atomically
 * (temporary file + fsync + rename, mode 0600). Unknown keys already in the
 * file are kept untouched. On error nothing is written and err says why. On
 * success report (if not NULL) gets one "key: old -> new" line per change
 * (nothing for unchanged keys). */
hiro_err config_update(const char *workspace, const cJSON *changes, char *report,
                       size_t report_len, char *err, size_t errlen) HIRO_MUST_USE;

/* Path helpers: <workspace>/config.json etc. into buf. Return buf. */
char *config_path(const char *workspace, char *buf, size_t n);

#endif
