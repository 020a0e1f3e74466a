/* clock.h - wall and monotonic time in seconds, replaceable for tests. */
#ifndef HIRO_CLOCK_H
#define HIRO_CLOCK_H

/* Wall-clock Unix seconds (for timestamps). */
double clock_wall(void);
/* Monotonic seconds (for rates and scheduling); never goes backwards. */
double clock_mono(void);

/* Test hook: when set, both functions return values from these instead. Pass
 * NULL to restore the real clocks. Not thread-safe; set before threads start. */
typedef double (*clock_fn)(void);
void clock_override(clock_fn wall, clock_fn mono);

#endif
