/* rate.c - counter deltas to rates. */
#include "collector/rate.h"

double rate_per_sec(uint64_t prev, uint64_t cur, double elapsed) {
  if (cur < prev || !(elapsed > 0)) return 0.0;
  return (double)(cur - prev) / elapsed;
}

double rate_cpu_percent(uint64_t prev_ticks, uint64_t cur_ticks, double ticks_per_sec,
                        double elapsed) {
  if (!(ticks_per_sec > 0)) return 0.0;
  return rate_per_sec(prev_ticks, cur_ticks, elapsed) / ticks_per_sec * 100.0;
}

double rate_busy_percent(uint64_t prev_busy, uint64_t prev_total, uint64_t cur_busy,
                         uint64_t cur_total) {
  if (cur_total <= prev_total) return 0.0;
  uint64_t busy = cur_busy > prev_busy ? cur_busy - prev_busy : 0;
  double pct = (double)busy / (double)(cur_total - prev_total) * 100.0;
  return pct > 100.0 ? 100.0 : pct;
}
