#!/usr/bin/env python3
"""submit_bench.py: full public submissions per second through nginx.

    BASE_URL=http://127.0.0.1:PORT MAIL_DIR=... [VAR_DIR=...] \\
        python3 tests/bench/submit_bench.py [N] [CONCURRENCY]

1. prepare (not timed): N forms (GET /submit?request_type=...), each with
   its own cookie, and their embedded captcha challenges solved, in
   parallel processes;
2. submit: N POST /submit (multipart, solved captcha), CONCURRENCY at a time;
3. collect the N verification links from $MAIL_DIR (the file mailer);
4. verify: N x (GET /verify/{token}, then POST with the CSRF token and the
   cookie that GET gave), CONCURRENCY at a time, each answered 303 to the
   new ticket; then wait for the N confirmation emails.

Prints submissions/s, verifications/s and the whole flow's rate (N over the
time of steps 2 and 4), with p50/p99 latencies. With VAR_DIR (the stack's
directory) it also prints the CPU time each process group of the stack
spent per operation (tests/bench/stack_cpu.py), and the client's own.

The client is meant to cost little next to the server, since it runs on
the same cores: CONCURRENCY processes (no GIL in the way), each with one
keep-alive connection (as a browser keeps one), sending prepared bytes and
reading responses with a minimal HTTP/1.1 parser. Items are handed out from
a shared counter, so no process idles while another has a queue.

The server needs raised rate limits (scripts/bench.sh sets them). Exits 0
with "no figures" lines on failure: it is a benchmark, not a test.
"""
import base64, glob, hashlib, html, http.client, json, multiprocessing as mp, os, re, socket, sys, time, uuid
from urllib.parse import urlsplit, quote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stack_cpu import GROUPS, Stack, client_ms  # noqa: E402

BASE = os.environ.get("BASE_URL", "http://127.0.0.1:8080").rstrip("/")
U = urlsplit(BASE)
HOST = U.hostname or "127.0.0.1"
PORT = U.port or 80
MAIL_DIR = os.environ.get("MAIL_DIR", "")
TAG = uuid.uuid4().hex[:10]
FORK = mp.get_context("fork")

# --------------------------------------------------------------- preparation
# (http.client: not timed)


def conn():
    return http.client.HTTPConnection(HOST, PORT, timeout=60)


def request(c, method, path, body=None, headers=None):
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    return r.status, r.getheaders(), data


def cookies_of(headers):
    return "; ".join(v.split(";", 1)[0] for k, v in headers if k.lower() == "set-cookie")


def field(page, name):
    m = re.search(r'name="%s" value="([^"]*)"' % name, page)
    return html.unescape(m.group(1)) if m else None


def solve(ch):
    salt = ch["salt"].encode()
    want = ch["challenge"]
    for n in range(ch["maxnumber"] + 1):
        if hashlib.sha256(salt + str(n).encode()).hexdigest() == want:
            return n
    return None


def prepare(args):
    """One form, fetched and filled in: the raw bytes of its POST /submit."""
    i, type_id = args
    c = conn()
    st, hdrs, body = request(c, "GET", "/submit?request_type=" + type_id)
    page = body.decode()
    if st != 200:
        return None
    ch = json.loads(html.unescape(re.search(r'data-challenge="([^"]*)"', page).group(1)))
    n = solve(ch)
    payload = base64.b64encode(json.dumps({"algorithm": "SHA-256", "challenge": ch["challenge"], "number": n,
                                           "salt": ch["salt"], "signature": ch["signature"]}).encode()).decode()
    email = "bench-%s-%05d@example.com" % (TAG, i)
    fields = {"_csrf": field(page, "_csrf"), "idem": field(page, "idem"), "started": field(page, "started"),
              "request_type": type_id, "email": email, "name": "Bench %d" % i,
              "title": "Bench submission %s %d" % (TAG, i),
              "description": "A benchmark submission, number %d, with a little text in it." % i,
              "website": "", "altcha": payload}
    b = "----bench" + uuid.uuid4().hex
    parts = ["--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (b, k, v) for k, v in fields.items()]
    parts.append("--%s--\r\n" % b)
    form = "".join(parts).encode()
    head = ("POST /submit HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: submit-bench\r\n"
            "Content-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\nCookie: %s\r\n\r\n"
            % (HOST, PORT, b, len(form), cookies_of(hdrs))).encode()
    return {"email": email, "raw": head + form}


# ---------------------------------------------------------------- the client


class Conn:
    """One keep-alive HTTP/1.1 connection: prepared bytes out, (status,
    headers, body) back. Reconnects when the server closed it."""

    def __init__(self):
        self.s = None
        self.buf = b""

    def _connect(self):
        self.s = socket.create_connection((HOST, PORT), timeout=60)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        if self.s:
            self.s.close()
        self.s = None

    def _fill(self):
        chunk = self.s.recv(65536)
        if not chunk:
            raise ConnectionError("closed by the server")
        self.buf += chunk

    def request(self, raw):
        if self.s is None:
            self._connect()
        self.s.sendall(raw)
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            self._fill()
        head, self.buf = self.buf[:end].decode("latin-1"), self.buf[end + 4:]
        lines = head.split("\r\n")
        status = int(lines[0][9:12])
        headers = []
        length = 0
        chunked = close = False
        for line in lines[1:]:
            k, _, v = line.partition(":")
            k, v = k.lower(), v.strip()
            headers.append((k, v))
            if k == "content-length":
                length = int(v)
            elif k == "transfer-encoding" and "chunked" in v.lower():
                chunked = True
            elif k == "connection" and v.lower() == "close":
                close = True
        if chunked:
            body = b""
            while True:
                while b"\r\n" not in self.buf:
                    self._fill()
                size_line, self.buf = self.buf.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0], 16)
                while len(self.buf) < size + 2:
                    self._fill()
                body, self.buf = body + self.buf[:size], self.buf[size + 2:]
                if size == 0:
                    break
        else:
            while len(self.buf) < length:
                self._fill()
            body, self.buf = self.buf[:length], self.buf[length:]
        if close:
            self.close()
        return status, headers, body


def cookie_header(headers):
    return "; ".join(v.split(";", 1)[0] for k, v in headers if k == "set-cookie")


def do_submit(c, item):
    st, _, body = c.request(item["raw"])
    return st == 200 and b"Check your email" in body, st


def do_verify(c, path):
    # A new visitor, as someone who follows the link from their mailbox:
    # no cookie on the GET, the one it sets on the POST.
    get = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: submit-bench\r\n\r\n" % (path, HOST, PORT)).encode()
    st, hdrs, body = c.request(get)
    if st != 200:
        return False, st
    form = "_csrf=" + quote(field(body.decode(), "_csrf") or "", safe="")
    post = ("POST %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: submit-bench\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nCookie: %s\r\n\r\n%s"
            % (path, HOST, PORT, len(form), cookie_header(hdrs), form)).encode()
    st, hdrs, _ = c.request(post)
    loc = dict(hdrs).get("location", "")
    return st == 303 and loc.startswith("/my/tickets/"), st


_phase = {}  # what the forked processes of a phase work on (inherited, not pickled)


def _phase_process(k, go, out):
    fn, items, next_i = _phase["fn"], _phase["items"], _phase["next"]
    c = Conn()
    res = []
    go.wait()
    while True:
        with next_i.get_lock():
            i = next_i.value
            next_i.value += 1
        if i >= len(items):
            break
        t = time.monotonic()
        try:
            ok, st = fn(c, items[i])
        except (OSError, ValueError) as e:
            c.close()
            ok, st = False, type(e).__name__
        res.append((ok, time.monotonic() - t, st))
    c.close()
    out.send((res, time.monotonic()))
    out.close()


def run_phase(fn, items, par, stack):
    """Runs fn(conn, item) for every item in par processes. Returns
    (results, seconds, stack CPU ms by group, client CPU ms)."""
    _phase.update(fn=fn, items=items, next=FORK.Value("l", 0))
    go = FORK.Event()
    procs, pipes = [], []
    for k in range(par):
        r, w = FORK.Pipe(duplex=False)
        p = FORK.Process(target=_phase_process, args=(k, go, w))
        p.start()
        w.close()
        procs.append(p)
        pipes.append(r)
    time.sleep(0.2)  # every process started and waiting
    c0 = client_ms(with_self=True)
    s0 = stack.snapshot() if stack else {}
    t0 = time.monotonic()
    go.set()
    results, t_end = [], t0
    for r in pipes:
        res, end = r.recv()
        results.extend(res)
        t_end = max(t_end, end)
    s1 = stack.snapshot() if stack else {}
    for p in procs:
        p.join()
    return results, t_end - t0, Stack.diff(s0, s1) if stack else {}, client_ms(with_self=True) - c0


# --------------------------------------------------------------------- mail

_mails = {}  # path -> (recipient, text), each file read once


def mails_for(emails, pattern, deadline):
    """{email: first match of pattern} from the mails in MAIL_DIR to these
    addresses, waiting until every address has one or the deadline."""
    want = {e.lower() for e in emails}
    while True:
        for p in glob.glob(os.path.join(MAIL_DIR, "*.eml")):
            if p not in _mails:
                raw = open(p, "rb").read().decode("utf-8", "replace")
                m = re.search(r"^To:(?:.*<([^>]+)>|\s*(\S+@\S+))\s*$", raw, re.M)
                _mails[p] = ((m.group(1) or m.group(2)).lower() if m else "", re.sub(r"=\r?\n", "", raw))
        found = {}
        for to, text in _mails.values():
            if to in want and to not in found:
                lm = re.search(pattern, text)
                if lm:
                    found[to] = lm.group(0)
        if len(found) >= len(want) or time.monotonic() >= deadline:
            return found
        time.sleep(0.1)


# ------------------------------------------------------------------- report


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] * 1000 if xs else float("nan")


def cpu_line(what, ms, n, client=None):
    """One line of CPU ms per operation, by process group."""
    if not n:
        return
    parts = ["%s %.2f" % (g, ms.get(g, 0.0) / n) for g in GROUPS]
    total = sum(ms.get(g, 0.0) for g in GROUPS) / n
    tail = "  (client %.2f)" % (client / n) if client is not None else ""
    print("submit-bench: CPU ms per %-18s %s  = stack %.2f%s" % (what + ":", "  ".join(parts), total, tail))


def outcome(res):
    ok = [r for r in res if r[0]]
    bad = sorted({str(r[2]) for r in res if not r[0]})
    return ok, len(res) - len(ok), ("(statuses %s)" % ", ".join(bad)) if bad else ""


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    par = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    var_dir = os.environ.get("VAR_DIR", "")
    stack = Stack(var_dir) if var_dir else None
    c = conn()
    st, _, body = request(c, "GET", "/submit")
    m = re.search(r'<option value="([0-9a-f-]{36})"[^>]*>General question</option>', body.decode())
    if st != 200 or not m:
        print("submit-bench: GET /submit answered %d without the General question type; no figures" % st)
        return
    type_id = m.group(1)
    nprep = max(par, os.cpu_count() or 1)
    with FORK.Pool(nprep) as pool:
        t0 = time.monotonic()
        items = [x for x in pool.map(prepare, [(i, type_id) for i in range(n)]) if x]
        t_prep = time.monotonic() - t0
    if len(items) < n:
        print("submit-bench: only %d of %d forms prepared" % (len(items), n))
    print("submit-bench: %d forms fetched and solved in %.1f s (%.0f ms per captcha, in %d processes)"
          % (len(items), t_prep, 1000 * t_prep * nprep / max(len(items), 1), nprep))

    s_begin = stack.snapshot() if stack else {}
    res, t_sub, cpu_sub, cl_sub = run_phase(do_submit, items, par, stack)
    ok, nbad, bad = outcome(res)
    print("submit-bench: POST /submit     %5d ok %3d failed %s in %6.2f s: %7.1f submissions/s  p50 %.1f ms  p99 %.1f ms"
          % (len(ok), nbad, bad, t_sub, len(ok) / t_sub, pct([r[1] for r in res], .5), pct([r[1] for r in res], .99)))
    if not MAIL_DIR:
        print("submit-bench: MAIL_DIR not set: no verification figures")
        return
    emails = [it["email"] for it in items]
    t0 = time.monotonic()
    links = mails_for(emails, r"/verify/[A-Za-z0-9_-]{43}", time.monotonic() + 30)
    print("submit-bench: %d of %d verification emails delivered by the mailer within %.1f s after the burst"
          % (len(links), len(items), time.monotonic() - t0))

    vres, t_ver, cpu_ver, cl_ver = run_phase(do_verify, list(links.values()), par, stack)
    vok, nvbad, vbad = outcome(vres)
    print("submit-bench: GET+POST /verify %4d ok %3d failed %s in %6.2f s: %7.1f tickets/s  p50 %.1f ms  p99 %.1f ms"
          % (len(vok), nvbad, vbad, t_ver, len(vok) / t_ver if t_ver else 0, pct([r[1] for r in vres], .5),
             pct([r[1] for r in vres], .99)))
    total = t_sub + t_ver
    print("submit-bench: full submissions (POST /submit + verify, excluding the captcha and the mail delay): "
          "%.1f per second" % (min(len(ok), len(vok)) / total if total else 0))
    if not stack:
        return
    # The confirmation emails, so that the mailer's work for them counts too.
    t0 = time.monotonic()
    done = mails_for(emails, r"/login/link/[A-Za-z0-9_-]{43}", time.monotonic() + 30)
    s_end = stack.snapshot()
    print("submit-bench: %d of %d confirmation emails delivered within %.1f s after the verifications"
          % (len(done), len(items), time.monotonic() - t0))
    # Everything the stack spent on the submissions: both timed phases, and
    # the mailer (and its backend) delivering both emails, in and between them.
    full = Stack.diff(s_begin, s_end)
    cpu_line("POST /submit", cpu_sub, len(ok), cl_sub)
    cpu_line("GET+POST /verify", cpu_ver, len(vok), cl_ver)
    cpu_line("full submission", full, min(len(ok), len(vok)), cl_sub + cl_ver)
    print("submit-bench: (full submission: both phases and the mailer delivering both emails; "
          "client: this load generator, on the same cores, not part of the stack)")


if __name__ == "__main__":
    main()
