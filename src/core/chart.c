/* chart.c: see chart.h. */
#include "core/chart.h"

#include <string.h>

#define BAR_ROW 34.0       /* a label line and a bar */
#define BAR_H 16.0
#define BAR_LABEL 14.0     /* the label's line above the bar */
#define BAR_VALUE_ROOM 70.0
#define AXIS_ROOM 28.0     /* tick labels below the bars / left of the line */
#define LINE_H 220.0
#define LINE_LEFT 56.0

long long chart_nice_step(long long max, int most, int *steps)
{
	if (most < 1)
		most = 1;
	if (max <= 0) {
		*steps = 1;
		return 1;
	}
	static const long long mult[3] = { 1, 2, 5 };
	for (long long p = 1; p <= max; p *= 10) {
		for (int i = 0; i < 3; i++) {
			long long step = mult[i] * p;
			long long n = (max + step - 1) / step;
			if (n <= most) {
				*steps = (int)n;
				return step;
			}
		}
		if (p > 1000000000000000LL)
			break;
	}
	*steps = 1;
	return max;
}

static long long max_of(const long long *v, size_t n)
{
	long long m = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

static void scale(chart *c, long long max, int most, double origin, double length, int direction)
{
	int steps;
	long long step = chart_nice_step(max, most, &steps);
	c->axis_max = step * steps;
	c->nticks = 0;
	for (int i = 0; i <= steps && c->nticks < CHART_MAX_TICKS; i++) {
		double f = (double)i / steps;
		c->ticks[c->nticks].pos = origin + direction * f * length;
		c->ticks[c->nticks].value = step * i;
		c->nticks++;
	}
}

void chart_bars(arena *a, const long long *values, size_t n, chart *out)
{
	memset(out, 0, sizeof *out);
	out->width = CHART_WIDTH;
	out->plot_x = 8;
	out->plot_y = 8;
	out->plot_w = CHART_WIDTH - out->plot_x - BAR_VALUE_ROOM;
	out->plot_h = BAR_ROW * (double)n;
	out->height = out->plot_y + out->plot_h + AXIS_ROOM;
	scale(out, max_of(values, n), 5, out->plot_x, out->plot_w, 1);
	out->bars = arena_calloc(a, n + 1, sizeof *out->bars);
	out->n = n;
	for (size_t i = 0; i < n; i++) {
		chart_bar *b = &out->bars[i];
		long long v = values[i] > 0 ? values[i] : 0;
		double top = out->plot_y + BAR_ROW * (double)i;
		b->label_y = top + BAR_LABEL - 4;
		b->x = out->plot_x;
		b->y = top + BAR_LABEL;
		b->h = BAR_H;
		b->w = out->plot_w * (double)v / (double)out->axis_max;
		b->value_x = b->x + b->w + 6;
	}
}

void chart_line(arena *a, const long long *values, size_t n, chart *out)
{
	memset(out, 0, sizeof *out);
	out->width = CHART_WIDTH;
	out->plot_x = LINE_LEFT;
	out->plot_y = 10;
	out->plot_w = CHART_WIDTH - LINE_LEFT - 12;
	out->plot_h = LINE_H;
	out->height = out->plot_y + out->plot_h + AXIS_ROOM;
	double bottom = out->plot_y + out->plot_h;
	scale(out, max_of(values, n), 4, bottom, out->plot_h, -1);
	out->points = arena_calloc(a, n + 1, sizeof *out->points);
	out->n = n;
	for (size_t i = 0; i < n; i++) {
		long long v = values[i] > 0 ? values[i] : 0;
		out->points[i].x = n > 1 ? out->plot_x + out->plot_w * (double)i / (double)(n - 1)
		                         : out->plot_x + out->plot_w / 2;
		out->points[i].y = bottom - out->plot_h * (double)v / (double)out->axis_max;
	}
}
