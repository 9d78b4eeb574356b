#!/usr/bin/env python3
"""stack_cpu.py: CPU time spent by each process group of one local stack.

    python3 tests/bench/stack_cpu.py [--rss] VAR_DIR -- COMMAND [ARGS...]

runs COMMAND, passes its output through, and then prints one line

    CPU ms workers=F mailer=F postgres=F nginx=F redis=F client=F

and with --rss a second one, the supportdesk workers' memory while COMMAND
ran: the largest VmRSS of any worker, sampled every 10 ms, and the largest
VmHWM (the kernel's own peak, over each worker's whole life) at the end:

    RSS kB peak=N hwm=N

with the CPU time (utime + stime from /proc/PID/stat, in milliseconds) that
each group used while COMMAND ran. Only this stack's processes count, found
from its pidfiles, so other stacks on the machine do not:

  workers   children of $VAR_DIR/run/supportdesk.pid that hold the FastCGI
            socket (the master's), i.e. the supportdesk workers
  mailer    the master's other children (the mailer)
  postgres  children of the postmaster ($VAR_DIR/pg/postmaster.pid): the
            backends and PostgreSQL's own background processes, plus those
            that exited meanwhile (the postmaster's cutime + cstime)
  nginx     children of $VAR_DIR/nginx/nginx.pid (the nginx workers)
  redis     $VAR_DIR/run/redis.pid
  client    COMMAND itself and its children (wrk, or the benchmark client)

submit_bench.py imports Stack to measure each of its phases the same way.
The resolution is the kernel's clock tick (10 ms): divide by many requests.
"""
import os, resource, subprocess, sys, threading

TICK_MS = 1000.0 / os.sysconf("SC_CLK_TCK")
GROUPS = ("workers", "mailer", "postgres", "nginx", "redis")


def _pid_of(path):
    try:
        with open(path) as f:
            s = f.readline().strip()
        return int(s) if s.isdigit() else None
    except OSError:
        return None


def _stat(pid):
    """(ppid, utime+stime, cutime+cstime) in ticks, or None when gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    f = s[s.rindex(")") + 2:].split()
    # fields after the command: state ppid ... utime(12) stime(13) cutime(14) cstime(15)
    return int(f[1]), int(f[11]) + int(f[12]), int(f[13]) + int(f[14])


def _sockets(pid):
    out = set()
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if link.startswith("socket:"):
                out.add(link)
    except OSError:
        pass
    return out


class Stack:
    def __init__(self, var_dir):
        self.var_dir = var_dir
        self.roots = {
            "supportdesk": _pid_of(os.path.join(var_dir, "run", "supportdesk.pid")),
            "postgres": _pid_of(os.path.join(var_dir, "pg", "postmaster.pid")),
            "nginx": _pid_of(os.path.join(var_dir, "nginx", "nginx.pid")),
        }
        self.redis = _pid_of(os.path.join(var_dir, "run", "redis.pid"))
        self._master_sockets = _sockets(self.roots["supportdesk"]) if self.roots["supportdesk"] else set()
        self._roles = {}

    def _role(self, pid):
        """workers or mailer, for a child of the supportdesk master."""
        if pid not in self._roles:
            self._roles[pid] = "workers" if _sockets(pid) & self._master_sockets else "mailer"
        return self._roles[pid]

    def snapshot(self):
        """{(group, pid): ticks}, with the reaped children of a root as pid 0."""
        snap = {}
        parents = {v: k for k, v in self.roots.items() if v}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            pid = int(name)
            st = _stat(pid)
            if not st or st[0] not in parents:
                continue
            root = parents[st[0]]
            group = self._role(pid) if root == "supportdesk" else root
            snap[(group, pid)] = st[1]
        pm = self.roots["postgres"]
        st = _stat(pm) if pm else None
        if st:
            snap[("postgres", 0)] = st[2]
        if self.redis:
            st = _stat(self.redis)
            if st:
                snap[("redis", self.redis)] = st[1]
        return snap

    @staticmethod
    def diff(a, b):
        """{group: ms} used between snapshots a and b (processes in both,
        or new in b: a process that started meanwhile counts from zero)."""
        out = dict.fromkeys(GROUPS, 0.0)
        for key, ticks in b.items():
            out[key[0]] = out.get(key[0], 0.0) + (ticks - a.get(key, 0)) * TICK_MS
        return out


    def workers(self):
        """The pids of the supportdesk workers (children holding the socket)."""
        root = self.roots["supportdesk"]
        out = []
        if not root:
            return out
        for name in os.listdir("/proc"):
            if name.isdigit():
                st = _stat(int(name))
                if st and st[0] == root and self._role(int(name)) == "workers":
                    out.append(int(name))
        return out


def _status_kb(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for ln in f:
                if ln.startswith(key + ":"):
                    return int(ln.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class RssSampler(threading.Thread):
    """The largest VmRSS of the given processes, every 10 ms until stopped."""

    def __init__(self, pids):
        super().__init__(daemon=True)
        self.pids, self.peak, self._halt = pids, 0, threading.Event()

    def run(self):
        while not self._halt.is_set():
            for pid in self.pids:
                self.peak = max(self.peak, _status_kb(pid, "VmRSS"))
            self._halt.wait(0.01)

    def stop(self):
        self._halt.set()
        self.join()
        return self.peak


def client_ms(with_self=False):
    """CPU of this process's reaped children (and of itself), in ms."""
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    ms = 1000.0 * (c.ru_utime + c.ru_stime)
    if with_self:
        s = resource.getrusage(resource.RUSAGE_SELF)
        ms += 1000.0 * (s.ru_utime + s.ru_stime)
    return ms


def line(ms, client_ms):
    parts = ["%s=%.1f" % (g, ms.get(g, 0.0)) for g in GROUPS]
    return "CPU ms " + " ".join(parts) + " client=%.1f" % client_ms


def main():
    args = sys.argv[1:]
    rss = bool(args) and args[0] == "--rss"
    if rss:
        args = args[1:]
    if len(args) < 3 or args[1] != "--":
        print("usage: stack_cpu.py [--rss] VAR_DIR -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    stack = Stack(args[0])
    sampler = None
    if rss:
        sampler = RssSampler(stack.workers())
        sampler.start()
    c0 = client_ms()
    a = stack.snapshot()
    rc = subprocess.call(args[2:])
    b = stack.snapshot()
    sys.stdout.flush()
    print(line(Stack.diff(a, b), client_ms() - c0))
    if sampler:
        peak = sampler.stop()
        hwm = max([_status_kb(p, "VmHWM") for p in sampler.pids] or [0])
        print("RSS kB peak=%d hwm=%d" % (peak, hwm))
    return rc


if __name__ == "__main__":
    sys.exit(main())
