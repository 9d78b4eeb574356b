/* server.c: the master binds the FastCGI socket and keeps N single-threaded
 * workers alive (respawn, crash-loop throttling, graceful reload on SIGHUP,
 * drain on SIGTERM), much as php-fpm does, and beside them one mailer and
 * one scheduler (each respawned with the same back-off, each optional).
 *
 * Workers keep SIGTERM blocked except while they wait for a connection in
 * epoll_pwait(2): a stop can only land between requests, never in the middle of
 * one, and there is no window in which it is missed. */
#include "app/server.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/fcgi_io.h"
#include "auth/crypto.h"
#include "core/clock.h"
#include "core/log.h"
#include "mail/mailer.h"
#include "sched/scheduler.h"

#define MAX_WORKERS 512
#define CRASH_WINDOW_S 1.0     /* a worker dying sooner than this after start crashed early */
#define BACKOFF_MAX_S 5.0

typedef struct {
	pid_t pid;
	unsigned generation;
	double started;
	bool stopping;
} worker_slot;

/* A helper process serve supervises beside the workers. */
typedef struct {
	const char *name;                /* "mailer", "scheduler": log lines name_pid=... */
	int (*run)(const config *cfg);   /* the child's whole life; its exit code */
	pid_t pid;
	double started;
	double backoff;
	double next_at;
} aux_child;

enum { AUX_MAILER, AUX_SCHEDULER, AUX_COUNT };

typedef struct {
	config *cfg;
	tmpl_set *templates;
	metrics *metrics;
	int listen_fd;
	unsigned generation;
	worker_slot workers[MAX_WORKERS];
	int nslots;
	double backoff;           /* current respawn delay after early crashes */
	double next_spawn_at;     /* no spawn before this time */
	pid_t master_pid;
	struct stat socket_st;    /* the socket file we made, so we only remove ours */
	bool socket_is_file;
	/* the mailer (SUPPORTDESK_MAILER=1) and the scheduler
	 * (SUPPORTDESK_SCHEDULER=1): one child each, respawned with back-off */
	aux_child aux[AUX_COUNT];
} master;

/* ---- worker ---- */

static volatile sig_atomic_t worker_stop;

static void worker_on_term(int sig)
{
	(void)sig;
	worker_stop = 1;
}

static void worker_signals(sigset_t *wait_mask)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = worker_on_term; /* no SA_RESTART: ppoll must return */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	/* Ctrl-C reaches the whole process group; the master decides. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_SETMASK, &block, NULL);
	sigemptyset(wait_mask);
}

/* A worker multiplexes up to WORKER_CONNS FastCGI connections: nginx keeps
 * upstream connections alive (fastcgi_keep_conn), and an idle kept
 * connection must never stop a worker from serving another one, or the
 * listen backlog would starve. Requests are still served one at a time. */
#define WORKER_CONNS 64
#define CONN_IDLE_S 120.0
#define LISTEN_TAG UINT32_MAX

typedef struct {
	FCGX_Request fr;
	int registered_fd;  /* fd we watch in epoll, -1 none */
	double last_used;
} worker_conn;

/* Keeps epoll in step with what libfcgi did to the slot's connection: kept
 * it, closed it, or closed it and accepted a new one, which may well get
 * the same descriptor number back (so comparing numbers is not enough, and
 * a closed descriptor has already left the epoll set). */
static void conn_sync(int ep, worker_conn *c, uint32_t index)
{
	if (c->fr.ipcFd < 0) {
		if (c->registered_fd >= 0)
			epoll_ctl(ep, EPOLL_CTL_DEL, c->registered_fd, NULL); /* may be closed already */
		c->registered_fd = -1;
		return;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = index };
	if (c->registered_fd >= 0 && c->registered_fd != c->fr.ipcFd)
		epoll_ctl(ep, EPOLL_CTL_DEL, c->registered_fd, NULL);
	if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fr.ipcFd, &ev) < 0 &&
	    epoll_ctl(ep, EPOLL_CTL_ADD, c->fr.ipcFd, &ev) < 0) {
		log_error("epoll_ctl failed", "err=\"%s\"", strerror(errno));
		c->registered_fd = -1;
		return;
	}
	c->registered_fd = c->fr.ipcFd;
}

static void conn_close(int ep, worker_conn *c, uint32_t index)
{
	if (c->fr.ipcFd >= 0) {
		c->fr.keepConnection = 0;
		FCGX_Free(&c->fr, 1);
	}
	conn_sync(ep, c, index);
}

/* Serves the request that is waiting on slot c (a new connection when the
 * slot is empty). False when there was none. */
static bool conn_serve(app *a, master *m, arena *mem, int ep, worker_conn *c, uint32_t index)
{
	if (FCGX_Accept_r(&c->fr) < 0) {
		/* EAGAIN on the listening socket (another worker took the
		 * connection), or nginx closed a kept one. */
		conn_sync(ep, c, index);
		return false;
	}
	req_io io;
	fcgi_io_bind(&io, &c->fr);
	app_handle(a, &io, mem);
	/* Read what is left of the body so the answer is never lost to a
	 * reset. nginx buffers bodies and sends CONTENT_LENGTH exactly, and
	 * bounds it (client_max_body_size); our ceiling guards the rest. */
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", c->fr.envp);
	long declared = cl ? strtol(cl, NULL, 10) : 0;
	long cap = (declared > m->cfg->max_body ? declared : m->cfg->max_body) + 65536;
	if (cap > (1L << 30))
		cap = 1L << 30;
	bool drained = fcgi_io_drain(&c->fr, cap, declared != 0);
	/* A stopping worker hangs up after each answer, so its kept
	 * connections drain. When closing, the response is complete and the
	 * body drained, so libfcgi's lingering close (shutdown, then wait
	 * for nginx to hang up) only costs a round trip: detached skips it. */
	if (worker_stop)
		c->fr.keepConnection = 0;
	if (!drained)
		c->fr.keepConnection = 0; /* libfcgi's lingering close reads the rest */
	else if (!c->fr.keepConnection)
		FCGX_Detach(&c->fr);
	FCGX_Finish_r(&c->fr);
	c->last_used = clock_seconds();
	conn_sync(ep, c, index);
	arena_reset(mem);
	return true;
}

static uint32_t conn_free_slot(int ep, worker_conn *conns)
{
	for (uint32_t i = 0; i < WORKER_CONNS; i++)
		if (conns[i].fr.ipcFd < 0)
			return i;
	/* Full: drop the longest-idle kept connection; nginx opens another
	 * when it needs one. */
	uint32_t oldest = 0;
	for (uint32_t i = 1; i < WORKER_CONNS; i++)
		if (conns[i].last_used < conns[oldest].last_used)
			oldest = i;
	conn_close(ep, &conns[oldest], oldest);
	return oldest;
}

static void worker_main(master *m)
{
	log_set_component("worker");
	log_hold(true);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	sigset_t wait_mask;
	worker_signals(&wait_mask);
	if (getppid() != m->master_pid)
		_exit(0);

	app a;
	if (app_init(&a, m->cfg, m->templates, m->metrics) < 0) {
		log_error("worker init failed", NULL);
		_exit(2);
	}
	/* Connect before the first request so it doesn't pay for it; failures
	 * are retried on use. */
	db_ensure(a.db);
	kv_ping(a.kv);
	FCGX_Init();

	static worker_conn conns[WORKER_CONNS];
	for (uint32_t i = 0; i < WORKER_CONNS; i++) {
		FCGX_InitRequest(&conns[i].fr, m->listen_fd, 0);
		conns[i].registered_fd = -1;
	}
	/* EPOLLEXCLUSIVE wakes one idle worker per new connection, not all. */
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event lev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.u32 = LISTEN_TAG };
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, m->listen_fd, &lev) < 0) {
		log_error("epoll failed", "err=\"%s\"", strerror(errno));
		_exit(2);
	}
	bool listening = true;
	arena *mem = arena_new(64 * 1024);
	double stop_deadline = 0;
	for (;;) {
		if (worker_stop && listening) {
			epoll_ctl(ep, EPOLL_CTL_DEL, m->listen_fd, NULL);
			listening = false;
			stop_deadline = clock_seconds() + 1.0;
			/* An exclusive wake-up this worker took but never acted on
			 * (the stop interrupted the wait) would leave a connection
			 * in the backlog with nobody told: accept what is pending
			 * before leaving. Later arrivals wake the other workers. */
			uint32_t i = conn_free_slot(ep, conns);
			while (clock_seconds() < stop_deadline && conn_serve(&a, m, mem, ep, &conns[i], i))
				i = conn_free_slot(ep, conns);
		}
		int open = 0;
		for (uint32_t i = 0; i < WORKER_CONNS; i++)
			open += conns[i].registered_fd >= 0;
		if (worker_stop && (open == 0 || clock_seconds() > stop_deadline))
			break;
		struct epoll_event evs[16];
		/* The request lines of the batch just answered go out when there
		 * is nothing more to answer at once, before the worker waits. */
		int n = epoll_pwait(ep, evs, 16, 0, &wait_mask);
		if (n == 0) {
			log_flush();
			n = epoll_pwait(ep, evs, 16, worker_stop ? 100 : 1000, &wait_mask);
		}
		if (n < 0 && errno != EINTR) {
			log_error("epoll_pwait failed", "err=\"%s\"", strerror(errno));
			break;
		}
		for (int k = 0; k < n; k++) {
			uint32_t idx = evs[k].data.u32;
			if (idx != LISTEN_TAG) {
				conn_serve(&a, m, mem, ep, &conns[idx], idx);
				continue;
			}
			uint32_t free_idx = conn_free_slot(ep, conns);
			conn_serve(&a, m, mem, ep, &conns[free_idx], free_idx);
		}
		double now = clock_seconds();
		for (uint32_t i = 0; i < WORKER_CONNS; i++)
			if (conns[i].registered_fd >= 0 && now - conns[i].last_used > CONN_IDLE_S)
				conn_close(ep, &conns[i], i);
	}
	for (uint32_t i = 0; i < WORKER_CONNS; i++)
		conn_close(ep, &conns[i], i);
	close(ep);
	arena_free(mem);
	app_free(&a);
	log_hold(false);
	_exit(0);
}

/* ---- master ---- */

double server_respawn_delay(double previous, bool crashed, double lived_s)
{
	/* A worker that dies soon after it started is crashing in a loop
	 * (bad deploy, dependency it cannot survive): back off exponentially
	 * instead of forking thousands of times a second. A worker that lived
	 * a while is replaced at once. */
	if (!crashed || lived_s >= CRASH_WINDOW_S)
		return 0;
	double next = previous > 0 ? previous * 2 : 0.1;
	return next > BACKOFF_MAX_S ? BACKOFF_MAX_S : next;
}

static int spawn_worker(master *m, int slot)
{
	pid_t pid = fork();
	if (pid < 0) {
		log_error("fork failed", "err=\"%s\"", strerror(errno));
		return -1;
	}
	if (pid == 0)
		worker_main(m);
	m->workers[slot] = (worker_slot){ pid, m->generation, clock_seconds(), false };
	atomic_fetch_add(&m->metrics->workers, 1);
	log_info("worker started", "worker_pid=%d generation=%u", (int)pid, m->generation);
	return 0;
}

static int free_slot(master *m)
{
	for (int i = 0; i < m->nslots; i++)
		if (m->workers[i].pid == 0)
			return i;
	if (m->nslots < MAX_WORKERS)
		return m->nslots++;
	return -1;
}

static int live_current(const master *m)
{
	int n = 0;
	for (int i = 0; i < m->nslots; i++)
		if (m->workers[i].pid && m->workers[i].generation == m->generation && !m->workers[i].stopping)
			n++;
	return n;
}

static void spawn_missing(master *m, bool stopping)
{
	if (stopping || clock_seconds() < m->next_spawn_at)
		return;
	while (live_current(m) < m->cfg->workers) {
		int slot = free_slot(m);
		if (slot < 0 || spawn_worker(m, slot) < 0)
			break;
	}
}

static bool aux_enabled(const master *m, int i)
{
	return i == AUX_MAILER ? m->cfg->run_mailer : m->cfg->run_scheduler;
}

static void spawn_aux(master *m, int i, bool stopping)
{
	aux_child *c = &m->aux[i];
	if (!aux_enabled(m, i) || stopping || c->pid || clock_seconds() < c->next_at)
		return;
	pid_t pid = fork();
	if (pid < 0) {
		log_error("fork failed", "err=\"%s\"", strerror(errno));
		return;
	}
	if (pid == 0) {
		close(m->listen_fd);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != m->master_pid)
			_exit(0);
		/* ps, top and the tests tell the helpers from the workers. */
		char comm[16];
		snprintf(comm, sizeof comm, "sd-%s", c->name);
		prctl(PR_SET_NAME, comm);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		_exit(c->run(m->cfg));
	}
	c->pid = pid;
	c->started = clock_seconds();
	char msg[48];
	snprintf(msg, sizeof msg, "%s started", c->name);
	log_info(msg, "%s_pid=%d", c->name, (int)pid);
}

/* A helper ended: log why and schedule the next one (with the same
 * crash-loop back-off as workers). */
static void aux_exited(aux_child *c, int status, bool stopping)
{
	double lived = clock_seconds() - c->started;
	bool crashed = WIFSIGNALED(status) || WEXITSTATUS(status) != 0;
	char msg[48];
	if (WIFSIGNALED(status)) {
		snprintf(msg, sizeof msg, "%s died", c->name);
		log_warn(msg, "%s_pid=%d signal=%d lived_s=%.1f", c->name, (int)c->pid, WTERMSIG(status), lived);
	} else {
		snprintf(msg, sizeof msg, "%s exited", c->name);
		log_info(msg, "%s_pid=%d status=%d lived_s=%.1f", c->name, (int)c->pid, WEXITSTATUS(status), lived);
	}
	c->pid = 0;
	if (stopping)
		return;
	c->backoff = server_respawn_delay(c->backoff, crashed, lived);
	c->next_at = clock_seconds() + c->backoff;
}

static void signal_aux(master *m, int sig)
{
	for (int i = 0; i < AUX_COUNT; i++)
		if (m->aux[i].pid)
			kill(m->aux[i].pid, sig);
}

static void reap(master *m, bool stopping)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		int k;
		for (k = 0; k < AUX_COUNT && m->aux[k].pid != pid; k++)
			;
		if (k < AUX_COUNT) {
			aux_exited(&m->aux[k], status, stopping);
			continue;
		}
		int i;
		for (i = 0; i < m->nslots; i++)
			if (m->workers[i].pid == pid)
				break;
		if (i == m->nslots)
			continue;
		worker_slot w = m->workers[i];
		m->workers[i].pid = 0;
		atomic_fetch_sub(&m->metrics->workers, 1);
		double lived = clock_seconds() - w.started;
		if (WIFSIGNALED(status))
			log_warn("worker died", "worker_pid=%d signal=%d lived_s=%.1f", (int)pid,
			    WTERMSIG(status), lived);
		else
			log_info("worker exited", "worker_pid=%d status=%d lived_s=%.1f", (int)pid,
			    WEXITSTATUS(status), lived);
		if (w.stopping || stopping)
			continue;
		bool crashed = WIFSIGNALED(status) || WEXITSTATUS(status) != 0;
		if (crashed)
			atomic_fetch_add(&m->metrics->worker_crashes, 1);
		atomic_fetch_add(&m->metrics->worker_restarts, 1);
		m->backoff = server_respawn_delay(m->backoff, crashed, lived);
		if (m->backoff > 0) {
			m->next_spawn_at = clock_seconds() + m->backoff;
			log_warn("worker crash loop; delaying respawn", "delay_s=%.1f", m->backoff);
		}
	}
}

static void signal_workers(master *m, int sig, bool only_old)
{
	for (int i = 0; i < m->nslots; i++) {
		worker_slot *w = &m->workers[i];
		if (!w->pid || (only_old && w->generation == m->generation))
			continue;
		w->stopping = true;
		kill(w->pid, sig);
	}
}

static int load_templates(const config *cfg, tmpl_set **out)
{
	char err[512];
	if (tmpl_set_load_dir(cfg->templates_dir, out, err, sizeof err) < 0 ||
	    app_check_templates(*out, err, sizeof err) < 0) {
		log_error("templates", "err=\"%s\"", err);
		fprintf(stderr, "supportdesk: %s\n", err);
		return -1;
	}
	return 0;
}

/* Every worker opens the upload directory at start: one that cannot take
 * a file would make each of them exit, so it is refused here, once, with a
 * message. One on tmpfs works but keeps uploads in RAM: a warning. */
static int check_upload_dir(const config *c, char *err, size_t errlen)
{
	char why[400];
	bool in_memory;
	int fd = http_upload_dir_open(c->upload_dir, &in_memory, why, sizeof why);
	if (fd < 0) {
		snprintf(err, errlen, "SUPPORTDESK_UPLOAD_DIR: %s", why);
		return -1;
	}
	close(fd);
	if (in_memory)
		log_warn("SUPPORTDESK_UPLOAD_DIR is on tmpfs: uploads being received stay in memory; choose a directory on disk",
		    "dir=\"%s\"", c->upload_dir);
	return 0;
}

static int load_config(config **out)
{
	char err[512];
	config *c = calloc(1, sizeof *c);
	if (!c)
		return -1;
	if (config_load(c, err, sizeof err) < 0 || config_load_secret(c, err, sizeof err) < 0 ||
	    check_upload_dir(c, err, sizeof err) < 0) {
		fprintf(stderr, "supportdesk: %s\n", err);
		log_error("config", "err=\"%s\"", err);
		config_free(c);
		free(c);
		return -1;
	}
	*out = c;
	return 0;
}

static void reload(master *m)
{
	config *cfg;
	tmpl_set *t;
	if (load_config(&cfg) < 0)
		return;
	if (load_templates(cfg, &t) < 0) {
		config_free(cfg);
		free(cfg);
		log_error("reload refused; the old workers keep serving", NULL);
		return;
	}
	config *old_cfg = m->cfg;
	tmpl_set *old_t = m->templates;
	m->cfg = cfg;
	m->templates = t;
	m->generation++;
	m->backoff = 0;
	m->next_spawn_at = 0;
	/* New workers first, so the socket always has someone accepting; then
	 * the old ones finish what they are doing and leave. */
	spawn_missing(m, false);
	signal_workers(m, SIGTERM, true);
	signal_aux(m, SIGTERM); /* respawned with the new config once they have left */
	atomic_fetch_add(&m->metrics->reloads, 1);
	log_info("reloaded", "generation=%u workers=%d", m->generation, cfg->workers);
	tmpl_set_free(old_t);
	config_free(old_cfg);
	free(old_cfg);
}

static int open_listen_socket(const config *cfg)
{
	const char *addr = cfg->listen;
	bool is_unix = addr[0] == '/' || addr[0] == '.' || strchr(addr, ':') == NULL;
	if (is_unix) {
		struct stat st;
		/* A socket left by a killed master would make bind fail. */
		if (lstat(addr, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(addr);
	}
	int fd = FCGX_OpenSocket(addr, cfg->backlog);
	if (fd < 0) {
		fprintf(stderr, "supportdesk: cannot listen on %s: %s\n", addr, strerror(errno));
		return -1;
	}
	if (is_unix && chmod(addr, (mode_t)cfg->socket_mode) < 0)
		log_warn("chmod socket failed", "err=\"%s\"", strerror(errno));
	int flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

static bool pidfile_is_ours(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	int pid = 0;
	bool ours = fscanf(f, "%d", &pid) == 1 && pid == (int)getpid();
	fclose(f);
	return ours;
}

static void write_pidfile(const char *path)
{
	if (!path || !*path)
		return;
	FILE *f = fopen(path, "w");
	if (!f) {
		log_warn("cannot write pidfile", "path=\"%s\"", path);
		return;
	}
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
}

int server_run(void)
{
	master m = { 0 };
	m.listen_fd = -1;
	m.aux[AUX_MAILER] = (aux_child){ .name = "mailer", .run = mailer_run };
	m.aux[AUX_SCHEDULER] = (aux_child){ .name = "scheduler", .run = sched_run };
	log_set_component("master");
	if (crypto_init() < 0) {
		fprintf(stderr, "supportdesk: libsodium failed to initialise\n");
		return 1;
	}
	if (load_config(&m.cfg) < 0)
		return 1;
	if (strcmp(m.cfg->log_level, "debug") == 0)
		log_set_level(LOG_DEBUG);
	else if (strcmp(m.cfg->log_level, "warn") == 0)
		log_set_level(LOG_WARN);
	else if (strcmp(m.cfg->log_level, "error") == 0)
		log_set_level(LOG_ERROR);
	if (load_templates(m.cfg, &m.templates) < 0)
		return 1;
	/* A malformed REDIS_URL would make every worker exit at start: refuse
	 * it here, once, with a message. */
	kv *probe = kv_new(m.cfg->redis_url, m.cfg->redis_timeout_ms);
	if (!probe) {
		fprintf(stderr, "supportdesk: REDIS_URL must be unix:///path or redis://host:port/db\n");
		return 1;
	}
	kv_free(probe);
	m.metrics = metrics_new_shared();
	if (!m.metrics)
		return 1;
	m.listen_fd = open_listen_socket(m.cfg);
	if (m.listen_fd < 0)
		return 1;
	m.socket_is_file = lstat(m.cfg->listen, &m.socket_st) == 0 && S_ISSOCK(m.socket_st.st_mode);
	m.master_pid = getpid();
	write_pidfile(m.cfg->pidfile);

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGQUIT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	log_info("serving", "listen=\"%s\" workers=%d", m.cfg->listen, m.cfg->workers);
	bool stopping = false;
	double stop_deadline = 0;
	for (;;) {
		spawn_missing(&m, stopping);
		for (int i = 0; i < AUX_COUNT; i++)
			spawn_aux(&m, i, stopping);
		struct timespec timeout = { 0, 100 * 1000 * 1000 };
		siginfo_t info;
		int sig = sigtimedwait(&set, &info, &timeout);
		if (sig == SIGHUP && !stopping) {
			log_info("SIGHUP: reloading", NULL);
			reload(&m);
		} else if ((sig == SIGTERM || sig == SIGINT || sig == SIGQUIT) && !stopping) {
			log_info("stopping: draining workers", "signal=%d", sig);
			stopping = true;
			stop_deadline = clock_seconds() + m.cfg->drain_timeout_s;
			signal_workers(&m, SIGTERM, false);
			signal_aux(&m, SIGTERM);
		}
		reap(&m, stopping);
		if (stopping) {
			bool any = false;
			for (int i = 0; i < AUX_COUNT; i++)
				any |= m.aux[i].pid != 0;
			for (int i = 0; i < m.nslots; i++)
				any |= m.workers[i].pid != 0;
			if (!any)
				break;
			if (clock_seconds() > stop_deadline) {
				log_warn("drain timeout; killing workers", NULL);
				signal_workers(&m, SIGKILL, false);
				/* the mailer's row is retried after its lease; the
				 * scheduler's job rolls back and runs again */
				signal_aux(&m, SIGKILL);
				stop_deadline = clock_seconds() + 5;
			}
		}
	}
	close(m.listen_fd);
	/* A newer master may already have replaced the socket and the pidfile
	 * (a restart while this one drained): remove only our own. */
	struct stat now_st;
	if (m.socket_is_file && lstat(m.cfg->listen, &now_st) == 0 && now_st.st_ino == m.socket_st.st_ino &&
	    now_st.st_dev == m.socket_st.st_dev)
		unlink(m.cfg->listen);
	if (m.cfg->pidfile && *m.cfg->pidfile && pidfile_is_ours(m.cfg->pidfile))
		unlink(m.cfg->pidfile);
	log_info("stopped", NULL);
	tmpl_set_free(m.templates);
	config_free(m.cfg);
	free(m.cfg);
	metrics_free(m.metrics);
	return 0;
}
