/* chart.h: the geometry of the reports' SVG charts, in the units of a
 * viewBox (the SVG scales to its container, down to 360 px). Pure: values
 * in, coordinates out; the template draws them (no markup here).
 *
 * Horizontal bars: one row per value, its label above the bar, the scale
 * (0 to a round maximum, with ticks) along the bottom. Line: one point per
 * value from left to right, the scale up the left side. */
#ifndef SD_CORE_CHART_H
#define SD_CORE_CHART_H

#include <stddef.h>

#include "core/arena.h"

#define CHART_WIDTH 600.0
#define CHART_MAX_TICKS 12

typedef struct {
	double pos;        /* x of a bar chart's tick, y of a line chart's */
	long long value;
} chart_tick;

typedef struct {
	double x, y, w, h;     /* the bar */
	double label_y;        /* baseline of the label above it */
	double value_x;        /* where the value is written, after the bar */
} chart_bar;

typedef struct {
	double x, y;
} chart_point;

typedef struct {
	double width, height;                 /* the viewBox */
	double plot_x, plot_y, plot_w, plot_h;
	long long axis_max;                   /* the scale's end: a round number >= every value */
	chart_tick ticks[CHART_MAX_TICKS];
	size_t nticks;
	chart_bar *bars;                      /* bar chart: n */
	chart_point *points;                  /* line chart: n */
	size_t n;
} chart;

/* The round scale for a maximum: the smallest 1, 2 or 5 x 10^k step such
 * that at most `most` steps reach max (max <= 0: one step of 1). *steps
 * is the number of steps to the end of the scale (step * steps >= max). */
long long chart_nice_step(long long max, int most, int *steps);

/* Lays out n values (negative ones count as 0) as horizontal bars. */
void chart_bars(arena *a, const long long *values, size_t n, chart *out);
/* Lays out n values as a line. */
void chart_line(arena *a, const long long *values, size_t n, chart *out);

#endif
