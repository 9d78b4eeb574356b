#!/usr/bin/env python3
"""submit_bench.py: full public submissions per second through nginx.

    BASE_URL=http://127.0.0.1:PORT MAIL_DIR=... python3 tests/bench/submit_bench.py [N] [CONCURRENCY]

1. prepare: N forms (GET /submit?request_type=...), each in its own cookie
   jar, and their embedded captcha challenges solved (in parallel processes);
2. submit: N POST /submit (multipart, solved captcha), CONCURRENCY at a time;
3. collect the N verification links from $MAIL_DIR (the file mailer);
4. verify: N x (GET /verify/{token} + POST with its CSRF token), CONCURRENCY
   at a time, each answered 303 to the new ticket.

Prints submissions/s, verifications/s and the whole flow's rate, with
p50/p99 latencies. The requests run in CONCURRENCY processes (no GIL in the
way); the server needs raised rate limits (scripts/bench.sh sets them).
Exits 0 with "no figures" lines on failure: it is a benchmark, not a test.
"""
import base64, glob, hashlib, html, http.client, json, multiprocessing as mp, os, re, sys, time, uuid
from urllib.parse import urlsplit, quote

BASE = os.environ.get("BASE_URL", "http://127.0.0.1:8080").rstrip("/")
U = urlsplit(BASE)
MAIL_DIR = os.environ.get("MAIL_DIR", "")
TAG = uuid.uuid4().hex[:10]


def conn():
    return http.client.HTTPConnection(U.hostname, U.port or 80, timeout=60)


def request(c, method, path, body=None, headers=None):
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    return r.status, r.getheaders(), data


def cookies_of(headers):
    out = []
    for k, v in headers:
        if k.lower() == "set-cookie":
            out.append(v.split(";", 1)[0])
    return "; ".join(out)


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
    parts = []
    for k, v in fields.items():
        parts.append("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (b, k, v))
    parts.append("--%s--\r\n" % b)
    return {"email": email, "cookie": cookies_of(hdrs), "ctype": "multipart/form-data; boundary=" + b,
            "body": "".join(parts).encode()}


def do_submit(item):
    c = conn()
    t = time.monotonic()
    st, _, body = request(c, "POST", "/submit", item["body"], {"Content-Type": item["ctype"], "Cookie": item["cookie"]})
    ok = st == 200 and b"Check your email" in body
    return ok, time.monotonic() - t, st


def do_verify(path):
    c = conn()
    t = time.monotonic()
    st, hdrs, body = request(c, "GET", path)
    if st != 200:
        return False, time.monotonic() - t, st
    csrf = field(body.decode(), "_csrf")
    st, hdrs, body = request(c, "POST", path, "_csrf=" + quote(csrf, safe=""),
                             {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookies_of(hdrs)})
    loc = dict((k.lower(), v) for k, v in hdrs).get("location", "")
    return st == 303 and loc.startswith("/my/tickets/"), time.monotonic() - t, st


def links_for(emails, deadline):
    want = {e.lower() for e in emails}
    found = {}
    while time.monotonic() < deadline and len(found) < len(want):
        for p in glob.glob(os.path.join(MAIL_DIR, "*.eml")):
            if p in found.values():
                continue
            raw = open(p, "rb").read().decode("utf-8", "replace")
            m = re.search(r"^To:.*<([^>]+)>", raw, re.M)
            if not m or m.group(1).lower() not in want or m.group(1).lower() in found:
                continue
            text = re.sub(r"=\r?\n", "", raw)
            lm = re.search(r"/verify/([A-Za-z0-9_-]{43})", text)
            if lm:
                found[m.group(1).lower()] = "/verify/" + lm.group(1)
        time.sleep(0.2)
    return found


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] * 1000 if xs else float("nan")


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    par = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    c = conn()
    st, _, body = request(c, "GET", "/submit")
    m = re.search(r'<option value="([0-9a-f-]{36})"[^>]*>General question</option>', body.decode())
    if st != 200 or not m:
        print("submit-bench: GET /submit answered %d without the General question type; no figures" % st)
        return
    type_id = m.group(1)
    with mp.Pool(max(par, os.cpu_count() or 1)) as pool:
        t0 = time.monotonic()
        items = [x for x in pool.map(prepare, [(i, type_id) for i in range(n)]) if x]
        t_prep = time.monotonic() - t0
        if len(items) < n:
            print("submit-bench: only %d of %d forms prepared" % (len(items), n))
    with mp.Pool(par) as pool:
        t0 = time.monotonic()
        res = pool.map(do_submit, items, chunksize=1)
        t_sub = time.monotonic() - t0
    ok = [r for r in res if r[0]]
    bad = [r[2] for r in res if not r[0]]
    print("submit-bench: %d forms fetched and solved in %.1f s (%.0f ms per captcha, in %d processes)"
          % (len(items), t_prep, 1000 * t_prep * max(par, os.cpu_count() or 1) / max(len(items), 1), max(par, os.cpu_count() or 1)))
    print("submit-bench: POST /submit   %5d ok %3d failed %s in %6.2f s: %7.1f submissions/s  p50 %.1f ms  p99 %.1f ms"
          % (len(ok), len(bad), ("(statuses %s)" % sorted(set(bad))) if bad else "", t_sub, len(ok) / t_sub,
             pct([r[1] for r in res], .5), pct([r[1] for r in res], .99)))
    if not MAIL_DIR:
        print("submit-bench: MAIL_DIR not set: no verification figures")
        return
    t0 = time.monotonic()
    links = links_for([it["email"] for it in items], time.monotonic() + 30)
    t_mail = time.monotonic() - t0
    print("submit-bench: %d of %d verification emails delivered by the mailer within %.1f s after the burst"
          % (len(links), len(items), t_mail))
    with mp.Pool(par) as pool:
        t0 = time.monotonic()
        vres = pool.map(do_verify, list(links.values()), chunksize=1)
        t_ver = time.monotonic() - t0
    vok = [r for r in vres if r[0]]
    vbad = [r[2] for r in vres if not r[0]]
    print("submit-bench: GET+POST /verify %4d ok %3d failed %s in %6.2f s: %7.1f tickets/s  p50 %.1f ms  p99 %.1f ms"
          % (len(vok), len(vbad), ("(statuses %s)" % sorted(set(vbad))) if vbad else "", t_ver,
             len(vok) / t_ver if t_ver else 0, pct([r[1] for r in vres], .5), pct([r[1] for r in vres], .99)))
    total = t_sub + t_ver
    print("submit-bench: full submissions (POST /submit + verify, excluding the captcha and the mail delay): "
          "%.1f per second" % (min(len(ok), len(vok)) / total if total else 0))


if __name__ == "__main__":
    main()
