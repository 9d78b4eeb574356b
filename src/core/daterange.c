/* daterange.c: see daterange.h. Day numbers by Howard Hinnant's
 * days_from_civil / civil_from_days. */
#include "core/daterange.h"

#include <stdio.h>

static long days_from_civil(long y, long m, long d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, long *y, long *m, long *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

static bool digits(const char *p, int n, long *out)
{
	long v = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return true;
}

bool date_parse(str s, long *day)
{
	long y, m, d;
	if (s.len != DATE_LEN || s.ptr[4] != '-' || s.ptr[7] != '-' || !digits(s.ptr, 4, &y) ||
	    !digits(s.ptr + 5, 2, &m) || !digits(s.ptr + 8, 2, &d))
		return false;
	if (y < 2000 || y > 2999 || m < 1 || m > 12 || d < 1)
		return false;
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
		return false;
	*day = days_from_civil(y, m, d);
	return true;
}

void date_format(long day, char out[DATE_LEN + 1])
{
	long y, m, d;
	civil_from_days(day, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 0;
	unsigned yy = (unsigned)y % 10000u, mm = (unsigned)m % 100u, dd = (unsigned)d % 100u;
	snprintf(out, DATE_LEN + 1, "%04u-%02u-%02u", yy, mm, dd);
}

long date_of_epoch(long long epoch)
{
	long long d = epoch / 86400;
	if (epoch < 0 && epoch % 86400)
		d--;
	return (long)d;
}

enum range_error date_range_parse(str from, str to, long today, int default_days, int max_days,
    long *from_day, long *to_day)
{
	long f = 0, t = today;
	if (to.len && !date_parse(to, &t))
		return RANGE_BAD_TO;
	if (from.len) {
		if (!date_parse(from, &f))
			return RANGE_BAD_FROM;
	} else {
		f = t - (default_days > 0 ? default_days - 1 : 0);
		/* Not before the first day a date may name (2000-01-01): the form
		 * shows the default, and must take it back. */
		long first;
		if (date_parse(str_from_cstr("2000-01-01"), &first) && f < first)
			f = first;
	}
	if (f > t)
		return RANGE_REVERSED;
	if (t - f + 1 > max_days)
		return RANGE_TOO_LONG;
	*from_day = f;
	*to_day = t;
	return RANGE_OK;
}
