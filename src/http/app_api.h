/* app_api.h - the application-metrics parts of the REST API: the
 * "app_metrics" object of /metrics/status and GET /metrics/app/history.
 *
 * History has its own endpoint rather than an option of /metrics/history:
 * that one answers an array of MetricsSnapshot objects, whose shape is the
 * design document's; application series have dynamic names and per-type
 * figures, so they come as one object per series with a column list and
 * rows of numbers (compact for 1800 points x 50 series), filterable by
 * process and by series name so a chart asks only for its series. */
#ifndef HIRO_APP_API_H
#define HIRO_APP_API_H
#include "appmetrics/appmetrics.h"
#include "common/strbuf.h"
#include "http/api.h"

/* The "app_metrics" status object, or null when app metrics are off. */
void app_api_status_json(strbuf *b, appmetrics *app);

/* GET /metrics/app/history?process=&name=&minutes=|from=&to=&max_points=&agg=
 * (see docs/app-metrics.md). */
void app_api_history(const api_context *ctx, const api_request *req, api_response *resp);

#endif
