/* api_history.c - GET /metrics/history: the parameters (http/params.c), the
 * answer from the history path (src/history/), its JSON and its headers. */
#include <string.h>

#include "common/clock.h"
#include "history/history.h"
#include "http/api.h"
#include "http/params.h"
#include "http/snapshot_json.h"

void api_history(const api_context *ctx, const api_request *req, api_response *resp) {
  history_params hp;
  char err[256];
  if (!params_parse_history(req->args, req->n_args, clock_wall(), NULL, &hp, err, sizeof err)) {
    api_error(resp, 400, err);
    return;
  }
  history_request hr = {
      .from = hp.range.from,
      .to = hp.range.to,
      .max_points = hp.max_points,
      .agg = hp.agg,
      .processes = hp.range.processes,
      .n_processes = hp.range.n_processes,
  };
  history_answer ans;
  if (history_query(ctx->coll, ctx->db, &hr, &ans, err, sizeof err) != HIRO_OK) {
    api_error(resp, 500, err);
    return;
  }
  resp->status = 200;
  resp->content_type = "application/json";
  resp->body = snapshots_to_json_string(ans.points, ans.n);
  resp->body_len = strlen(resp->body);
  api_add_header(resp, "X-Metrics-Source", ans.from_disk ? "disk" : "memory");
  api_add_header(resp, "X-Metrics-Resolution", ans.resolution_text);
  history_answer_free(&ans);
}
