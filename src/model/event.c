/* event.c - names of the lifecycle event kinds and the record's defaults. */
#include "model/event.h"

#include <math.h>
#include <string.h>

#define KIND_NAME(id, name) [EVENT_##id] = name,
static const char *const kind_names[EVENT_KINDS] = {MODEL_EVENT_KINDS(KIND_NAME)};
#undef KIND_NAME

const char *event_kind_name(event_kind k) {
  return (unsigned)k < EVENT_KINDS ? kind_names[k] : "unknown";
}

bool event_kind_parse(const char *name, event_kind *out) {
  for (int k = 0; k < EVENT_KINDS; k++)
    if (strcmp(kind_names[k], name) == 0) {
      *out = (event_kind)k;
      return true;
    }
  return false;
}

void event_init(hiro_event *e, event_kind k, double now, const char *process, int pid) {
  memset(e, 0, sizeof *e);
  /* Milliseconds, as served: a timestamp read from a response is an exact
   * from/to bound (events --follow asks from the newest it showed). */
  e->timestamp = round(now * 1000.0) / 1000.0;
  e->kind = k;
  hiro_strlcpy(e->process, process ? process : "", sizeof e->process);
  e->pid = pid;
  e->exit_code = e->signal = e->err = -1;
  e->cpu_seconds = e->lifetime_seconds = e->delay_seconds = NAN;
}
