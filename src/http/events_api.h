/* events_api.h - GET /metrics/events: lifecycle events of a time range,
 * filtered by process and kind, as a JSON array (oldest first). */
#ifndef HIRO_EVENTS_API_H
#define HIRO_EVENTS_API_H
#include "http/api.h"
#include "model/event.h"
#include "common/strbuf.h"

void events_route(const api_context *ctx, const api_request *req, api_response *resp);

/* One event as a JSON object (numbers that do not apply are null). */
void event_to_json(strbuf *b, const hiro_event *e);

#endif
