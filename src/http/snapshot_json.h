/* snapshot_json.h - MetricsSnapshot to JSON with the design document's field
 * names (the wire format of /metrics and /metrics/history). */
#ifndef HIRO_SNAPSHOT_JSON_H
#define HIRO_SNAPSHOT_JSON_H
#include <stddef.h>

#include "model/model.h"

/* Compact JSON text of s (malloc'd, caller frees). */
char *snapshot_to_json_string(const metrics_snapshot *s);
/* JSON array of n snapshots as compact text (malloc'd, caller frees). */
char *snapshots_to_json_string(const metrics_snapshot *snaps, size_t n);

#endif
