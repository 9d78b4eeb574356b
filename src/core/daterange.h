/* daterange.h: the reports' date ranges: calendar dates "YYYY-MM-DD" (UTC),
 * as day numbers since 1970-01-01, parsed strictly (no other form, a real
 * day of the Gregorian calendar between 2000 and 2999). */
#ifndef SD_CORE_DATERANGE_H
#define SD_CORE_DATERANGE_H

#include <stdbool.h>

#include "core/str.h"

#define DATE_LEN 10   /* "YYYY-MM-DD" */

/* The day number of s, or false. */
bool date_parse(str s, long *day);
/* "YYYY-MM-DD" of a day number into out (DATE_LEN + 1 bytes). */
void date_format(long day, char out[DATE_LEN + 1]);
/* Today's day number (UTC) from unix seconds. */
long date_of_epoch(long long epoch);

enum range_error {
	RANGE_OK,
	RANGE_BAD_FROM,     /* not a date */
	RANGE_BAD_TO,
	RANGE_REVERSED,     /* from after to */
	RANGE_TOO_LONG,     /* more than max_days days */
};

/* from/to as given (empty: the default, the `default_days` days up to
 * today). Sets *from_day and *to_day on RANGE_OK. */
enum range_error date_range_parse(str from, str to, long today, int default_days, int max_days,
    long *from_day, long *to_day);

#endif
