/* rate.h - rates and percentages from counter deltas, safe against counter
 * wraps/resets and zero elapsed time. Pure functions. */
#ifndef HIRO_RATE_H
#define HIRO_RATE_H
#include <stdint.h>

/* (cur - prev) / elapsed. A counter that went down (wrap, reset, a device
 * that disappeared) or elapsed <= 0 gives 0 for this tick, never a negative
 * or huge number. */
double rate_per_sec(uint64_t prev, uint64_t cur, double elapsed);

/* Process CPU % (0-100 x cores) from CPU-time counters in units of
 * 1/units_per_sec seconds (clock ticks, nanoseconds) over elapsed seconds. */
double rate_cpu_percent(uint64_t prev_ticks, uint64_t cur_ticks, double ticks_per_sec,
                        double elapsed);

/* System busy % (0-100) from busy/total jiffy counters; 0 when total did not
 * advance, clamped to [0, 100]. */
double rate_busy_percent(uint64_t prev_busy, uint64_t prev_total, uint64_t cur_busy,
                         uint64_t cur_total);

#endif
