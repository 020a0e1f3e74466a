/* snapshot_json.h - MetricsSnapshot to JSON with the design document's field
 * names (the wire format of /metrics and /metrics/history). */
#ifndef HIRO_SNAPSHOT_JSON_H
#define HIRO_SNAPSHOT_JSON_H
#include <stddef.h>

#include "appmetrics/app_frame.h"
#include "common/strbuf.h"
#include "model/model.h"

/* Compact JSON text of s (malloc'd, caller frees). */
char *snapshot_to_json_string(const metrics_snapshot *s);
/* The same, with the application metrics of app (may be NULL) as an "app"
 * object in every process that published some. */
char *snapshot_app_to_json_string(const metrics_snapshot *s, const app_frame *app);
/* JSON array of n snapshots as compact text (malloc'd, caller frees). */
char *snapshots_to_json_string(const metrics_snapshot *snaps, size_t n);

/* A plugin's lifecycle keys, each followed by a comma: "restarts":N,
 * "started_at":t|null,
 * "last_exit":{code,signal,time}|null, "restart":bool, "next_restart_at":t|null. */
void snapshot_json_lifecycle(strbuf *b, const plugin_lifecycle *life);

#endif
