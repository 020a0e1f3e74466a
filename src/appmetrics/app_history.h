/* app_history.h - the recent application-metrics frames in memory, newest
 * last, bounded by a byte budget (frames of plugins that publish many series
 * are large, so a count alone would not bound memory). Older ranges are read
 * from the store. Not thread-safe: the owner locks. */
#ifndef HIRO_APP_HISTORY_H
#define HIRO_APP_HISTORY_H
#include <stddef.h>

#include "appmetrics/app_frame.h"

typedef struct app_history app_history;

/* A history holding at most max_frames frames and max_bytes of them. */
app_history *app_history_new(size_t max_frames, size_t max_bytes);
/* Release every frame held. Safe on NULL. */
void app_history_free(app_history *h);
/* Append f (takes a reference of its own), dropping the oldest frames that
 * no longer fit. */
void app_history_push(app_history *h, app_frame *f);
/* Change the frame limit (the ring's history_size); keeps the newest. */
void app_history_resize(app_history *h, size_t max_frames);
/* The frames with from <= timestamp <= to, oldest first: *out is a new
 * array of new references (release each, then free the array). Returns how
 * many; *oldest gets the oldest timestamp held (0 when empty). */
size_t app_history_range(app_history *h, double from, double to, app_frame ***out, double *oldest);
/* Frames and bytes held. */
size_t app_history_count(const app_history *h);
size_t app_history_bytes(const app_history *h);

#endif
