/* config_keys.c - the key table of config.json and what is derived from it:
 * defaults, the "must be ..." wording, typo suggestions, and the checks of
 * channel names and host names that config.json and `hirocli setup` share. */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "server/config_internal.h"

#define CFG(m) offsetof(hiro_config, m), sizeof(((hiro_config *)0)->m)
#define CHAN(m) offsetof(channel_config, m), sizeof(((channel_config *)0)->m)

static const key_desc retention_keys[] = {
    {"raw_hours", KT_NUMBER, KF_ABOVE_MIN, 0, 1e6, "48", CFG(retention_raw_hours), NULL},
    {"minute_days", KT_NUMBER, KF_ABOVE_MIN, 0, 1e6, "30", CFG(retention_minute_days), NULL},
    {"hour_days", KT_NUMBER, KF_ABOVE_MIN, 0, 1e6, "400", CFG(retention_hour_days), NULL},
    {NULL, 0, 0, 0, 0, NULL, 0, 0, NULL},
};

static const key_desc channel_keys[] = {
    {"name", KT_STRING, KF_NO_CTRL | KF_CHANNEL_NAME, 1, HIRO_NAME_MAX - 1, NULL, CHAN(name), NULL},
    {"command", KT_ARGV, 0, 0, 0, NULL, CHAN(argv), NULL},
    {"restart", KT_BOOL, 0, 0, 0, "true", CHAN(restart), NULL},
    {NULL, 0, 0, 0, 0, NULL, 0, 0, NULL},
};

const key_desc config_keys[] = {
    {"http_host", KT_STRING, KF_NO_CTRL | KF_HOST, 1, 255, "\"127.0.0.1\"", CFG(http_host), NULL},
    {"http_port", KT_INT, 0, 1, 65535, "18080", CFG(http_port), NULL},
    {"admin_ui_enabled", KT_BOOL, 0, 0, 0, "false", CFG(admin_ui_enabled), NULL},
    {"admin_ui_port", KT_INT, 0, 1, 65535, "18081", CFG(admin_ui_port), NULL},
    {"api_token", KT_STRING, KF_HEAP | KF_NULLABLE | KF_NO_CTRL | KF_SECRET, 1, 4096, "null",
     CFG(api_token), NULL},
    {"metrics_enabled", KT_BOOL, 0, 0, 0, "false", CFG(metrics_enabled), NULL},
    {"metrics_interval", KT_NUMBER, 0, 1, 3600, "2.0", CFG(metrics_interval), NULL},
    {"metrics_history_size", KT_INT, 0, 1, 1000000, "1800", CFG(metrics_history_size), NULL},
    {"metrics_db_path", KT_STRING, KF_HEAP | KF_PATH, 1, 4000, "\"metrics.db\"",
     CFG(metrics_db_path), NULL},
    {"metrics_persist", KT_BOOL, 0, 0, 0, "true", CFG(metrics_persist), NULL},
    {"metrics_flush_interval", KT_NUMBER, 0, 0, 3600, "30", CFG(metrics_flush_interval), NULL},
    {"metrics_retention", KT_OBJECT, 0, 0, 0, "{}", 0, 0, retention_keys},
    {"app_metrics_udp_port", KT_INT, 0, 0, 65535, "0", CFG(app_metrics_udp_port), NULL},
    {"app_metrics_max_series", KT_INT, 0, 1, 100000, "1000", CFG(app_metrics_max_series), NULL},
    {"app_metrics_max_rate", KT_NUMBER, 0, 1, 1e8, "100000", CFG(app_metrics_max_rate), NULL},
    {"channels", KT_CHANNELS, 0, 0, CONFIG_MAX_CHANNELS, "[]", CFG(channels), channel_keys},
    {"log_max_bytes", KT_INT, 0, 65536, 1099511627776.0, "10485760", CFG(log_max_bytes), NULL},
    {"log_keep", KT_INT, 0, 0, 99, "3", CFG(log_keep), NULL},
    {NULL, 0, 0, 0, 0, NULL, 0, 0, NULL},
};

const key_desc *config_find_key(const key_desc *table, const char *name) {
  for (const key_desc *k = table; k->name; k++)
    if (strcmp(k->name, name) == 0) return k;
  return NULL;
}

cJSON *config_default_json(const key_desc *k) {
  if (k->type != KT_OBJECT) return cJSON_Parse(k->def);
  cJSON *obj = cJSON_CreateObject();
  for (const key_desc *sub = k->sub; sub->name; sub++)
    cJSON_AddItemToObject(obj, sub->name, config_default_json(sub));
  return obj;
}

void config_expectation(const key_desc *k, char *out, size_t n) {
  switch (k->type) {
  case KT_BOOL: snprintf(out, n, "must be true or false"); break;
  case KT_INT:
    snprintf(out, n, "must be an integer between %.15g and %.15g", k->min, k->max);
    break;
  case KT_NUMBER:
    snprintf(out, n,
             k->flags & KF_ABOVE_MIN ? "must be a number greater than %.15g and at most %.15g"
                                     : "must be a number between %.15g and %.15g",
             k->min, k->max);
    break;
  case KT_STRING:
    snprintf(out, n, "must be %sa string of %.15g to %.15g bytes%s",
             k->flags & KF_NULLABLE ? "null or " : "", k->min, k->max,
             k->flags & KF_NO_CTRL ? " without control characters" : "");
    break;
  case KT_OBJECT: snprintf(out, n, "must be an object"); break;
  case KT_CHANNELS: snprintf(out, n, "must be an array of channel objects"); break;
  case KT_ARGV: snprintf(out, n, "must be a non-empty array of non-empty strings"); break;
  }
}

/* Edit distance with adjacent transpositions (optimal string alignment), so
 * "enabeld" is one edit from "enabled". Names are short: a small table. */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 63 || lb > 63) return (size_t)-1;
  size_t d[64][64];
  for (size_t i = 0; i <= la; i++) d[i][0] = i;
  for (size_t j = 0; j <= lb; j++) d[0][j] = j;
  for (size_t i = 1; i <= la; i++) {
    for (size_t j = 1; j <= lb; j++) {
      size_t cost = a[i - 1] != b[j - 1];
      size_t best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + cost < best) best = d[i - 1][j - 1] + cost;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
          d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  }
  return d[la][lb];
}

const char *config_suggest_key(const key_desc *table, const char *name) {
  const char *best = NULL;
  size_t best_distance = (size_t)-1;
  for (const key_desc *k = table; k->name; k++) {
    size_t dist = edit_distance(name, k->name);
    if (dist < best_distance) {
      best_distance = dist;
      best = k->name;
    }
  }
  /* A third of the key may be wrong ("raw_hour", "metrics_enabeld",
   * "metric_interval"); beyond that a suggestion is a guess. */
  size_t allowed = strlen(name) / 3 > 1 ? strlen(name) / 3 : 1;
  return best && best_distance <= allowed ? best : NULL;
}

const char *config_host_error(const char *host) {
  unsigned char addr[16];
  if (strchr(host, ':'))
    return inet_pton(AF_INET6, host, addr) == 1 ? NULL : "is not a valid IPv6 address";
  if (strspn(host, "0123456789.") == strlen(host))
    return inet_pton(AF_INET, host, addr) == 1 ? NULL : "is not a valid IPv4 address";
  /* A host name: labels of letters, digits and '-', not starting with '-'. */
  for (const char *label = host; *label;) {
    size_t len = strspn(label, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
    if (len == 0 || len > 63 || label[0] == '-') return "is not an IP address or a host name";
    label += len;
    if (*label == '.')
      label++;
    else if (*label)
      return "is not an IP address or a host name";
  }
  return NULL;
}

const char *config_channel_name_error(const char *name) {
  if (!name || !name[0]) return "a channel name must not be empty";
  if (strlen(name) >= HIRO_NAME_MAX) return "a channel name has at most 63 bytes";
  for (const char *p = name; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      return "a channel name must not contain control characters";
  if (strcmp(name, CONFIG_RESERVED_NAME) == 0)
    return "\"" CONFIG_RESERVED_NAME "\" is reserved for the server itself; choose another name";
  return NULL;
}

void config_describe_value(const cJSON *v, char *out, size_t max) {
  if (max == 0) return;
  strbuf b;
  sb_init(&b, 64);
  if (!v) {
    sb_puts(&b, "nothing");
  } else if (cJSON_IsString(v)) {
    sb_json_string(&b, v->valuestring);
  } else if (cJSON_IsNumber(v) && !isfinite(v->valuedouble)) {
    sb_puts(&b, "a number out of range");
  } else {
    char *text = cJSON_PrintUnformatted(v);
    sb_puts(&b, text ? text : "?");
    cJSON_free(text);
  }
  if (b.len >= max && max > 4) {
    b.len = max - 4;
    while (b.len > 0 && ((unsigned char)b.data[b.len] & 0xC0) == 0x80) b.len--; /* whole chars */
    b.data[b.len] = '\0';
    sb_puts(&b, "...");
  }
  hiro_strlcpy(out, b.data, max);
  sb_free(&b);
}
