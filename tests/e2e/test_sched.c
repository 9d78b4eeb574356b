/* test_sched.c: `serve` supervises the scheduler: one child named
 * sd-scheduler beside the workers, replaced when it dies; and a second
 * scheduler (`supportdesk scheduler --once`) against the same database
 * while serve's runs does its jobs without a failure. Needs the stack's
 * environment and `serve` running (scripts/test.sh's e2e layer). */
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static pid_t serve_master(void)
{
	const char *path = getenv("SUPPORTDESK_PIDFILE");
	ck_assert_msg(path && *path, "SUPPORTDESK_PIDFILE is not set");
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	int pid = 0;
	ck_assert_int_eq(fscanf(f, "%d", &pid), 1);
	fclose(f);
	return (pid_t)pid;
}

/* The master's child whose name (comm) is `name`, or 0. */
static pid_t child_named(pid_t master, const char *name)
{
	DIR *d = opendir("/proc");
	ck_assert_ptr_nonnull(d);
	struct dirent *e;
	pid_t found = 0;
	while (!found && (e = readdir(d))) {
		pid_t p = (pid_t)atoi(e->d_name);
		if (p <= 0)
			continue;
		char path[64], buf[512];
		snprintf(path, sizeof path, "/proc/%d/stat", (int)p);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		/* "pid (comm) state ppid ..." */
		char *open = strchr(buf, '('), *close = strrchr(buf, ')');
		if (!open || !close || close < open)
			continue;
		*close = '\0';
		int ppid = 0;
		char state;
		if (sscanf(close + 1, " %c %d", &state, &ppid) != 2 || ppid != (int)master || state == 'Z')
			continue;
		if (strcmp(open + 1, name) == 0)
			found = p;
	}
	closedir(d);
	return found;
}

/* Polls (every 50 ms, up to `seconds`) for a child named sd-scheduler other
 * than `not`. */
static pid_t wait_scheduler(pid_t master, pid_t not, double seconds)
{
	double deadline = now_s() + seconds;
	for (;;) {
		pid_t p = child_named(master, "sd-scheduler");
		if (p && p != not)
			return p;
		if (now_s() > deadline)
			return 0;
		pause_ms(50);
	}
}

START_TEST(serve_respawns_its_scheduler)
{
	pid_t m = serve_master();
	pid_t first = wait_scheduler(m, 0, 15);
	ck_assert_msg(first > 0, "serve (pid %d) runs no sd-scheduler child", (int)m);
	ck_assert_int_eq(kill(first, SIGKILL), 0);
	/* Replaced at once when it had lived a while; within the crash
	 * back-off's 5 s cap otherwise. Generous for a loaded machine. */
	pid_t second = wait_scheduler(m, first, 20);
	ck_assert_msg(second > 0, "no new sd-scheduler within 20 s of killing %d", (int)first);
	ck_assert_int_ne(second, first);
}
END_TEST

/* A second scheduler on the same database: every job either runs or is
 * skipped (serve's holds it), none fails. */
START_TEST(second_scheduler_runs_beside_serves)
{
	const char *bin = getenv("SUPPORTDESK_BIN");
	ck_assert_msg(bin && *bin, "SUPPORTDESK_BIN is not set");
	const char *app = getenv("APP_DATABASE_URL");
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "DATABASE_URL='%s' '%s' scheduler --once 2>/dev/null", app ? app : "", bin);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	char line[512] = "";
	ck_assert_ptr_nonnull(fgets(line, sizeof line, p));
	int rc = pclose(p);
	ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "scheduler --once: %s", line);
	ck_assert_msg(strstr(line, " 0 failed") != NULL, "scheduler --once: %s", line);
}
END_TEST

Suite *sched_e2e_suite(void); /* registered by test_e2e.c's main() */
Suite *sched_e2e_suite(void)
{
	Suite *s = suite_create("sched_e2e");
	TCase *tc = tcase_create("scheduler");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, serve_respawns_its_scheduler);
	tcase_add_test(tc, second_scheduler_runs_beside_serves);
	suite_add_tcase(s, tc);
	return s;
}
