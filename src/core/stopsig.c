/* stopsig.c: stop signals taken only while waiting (see stopsig.h). */
#include "core/stopsig.h"

/* Process-wide by nature: the handler can only set a flag. */
static volatile sig_atomic_t stop_flag;
static bool installed;
static sigset_t stop_set;   /* blocked except while waiting */
static sigset_t wait_mask;  /* the mask ppoll waits with */

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

void stopsig_install(void)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&stop_set);
	sigaddset(&stop_set, SIGTERM);
	sigaddset(&stop_set, SIGINT);
	sigprocmask(SIG_SETMASK, &stop_set, NULL);
	sigemptyset(&wait_mask);
	installed = true;
}

bool stopsig_requested(void)
{
	if (installed) {
		sigprocmask(SIG_SETMASK, &wait_mask, NULL);
		sigprocmask(SIG_SETMASK, &stop_set, NULL);
	}
	return stop_flag != 0;
}

const sigset_t *stopsig_wait_mask(void)
{
	return installed ? &wait_mask : NULL;
}
