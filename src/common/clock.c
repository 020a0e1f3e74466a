/* clock.c - wall and monotonic clocks with a test override. */
#include "common/clock.h"

#include <time.h>

static clock_fn wall_override, mono_override;

static double read_clock(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double clock_wall(void) { return wall_override ? wall_override() : read_clock(CLOCK_REALTIME); }
double clock_mono(void) { return mono_override ? mono_override() : read_clock(CLOCK_MONOTONIC); }

void clock_override(clock_fn wall, clock_fn mono) {
  wall_override = wall;
  mono_override = mono;
}
