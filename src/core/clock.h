/* clock.h: seconds on the monotonic clock, for timeouts, back-off and
 * request timing (never for dates). */
#ifndef SD_CLOCK_H
#define SD_CLOCK_H

double clock_seconds(void);

#endif
