/* prometheus_app.h - application metrics in the Prometheus exposition. */
#ifndef HIRO_PROMETHEUS_APP_H
#define HIRO_PROMETHEUS_APP_H
#include "appmetrics/appmetrics.h"
#include "common/strbuf.h"

/* Append the families of frame f (see prometheus_app.c). f may be NULL. */
void prometheus_app_render(strbuf *b, const app_frame *f);
/* text (malloc'd, ownership taken) with app's latest frame appended; returns
 * the new text (malloc'd). */
char *prometheus_app_append(char *text, appmetrics *app);

#endif
