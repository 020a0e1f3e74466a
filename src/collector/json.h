/* json.h - MetricsSnapshot <-> JSON with the design document's field names. */
#ifndef HIRO_SNAPSHOT_JSON_H
#define HIRO_SNAPSHOT_JSON_H
#include <cjson/cJSON.h>

#include "collector/model.h"

/* Build the JSON object for s. Caller owns the result (cJSON_Delete). */
cJSON *snapshot_to_json(const metrics_snapshot *s);
/* Compact JSON text of s (malloc'd, caller frees). */
char *snapshot_to_json_string(const metrics_snapshot *s);
/* JSON array of n snapshots as compact text (malloc'd, caller frees). */
char *snapshots_to_json_string(const metrics_snapshot *snaps, size_t n);

#endif
