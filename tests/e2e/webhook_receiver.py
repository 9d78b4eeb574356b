#!/usr/bin/python3
"""webhook_receiver.py: a webhook receiver on loopback for tests/e2e/test_webhooks.c.

usage: webhook_receiver.py DIR

Listens on 127.0.0.1 on a free port (standard library only) and writes the
port to DIR/port (renamed into place once listening). Every POST is stored
as DIR/NNNN.json: {"path", "event", "delivery", "signature", "body"} (the
body as received, a string), written to a temporary name and renamed, so a
reader that sees NNNN.json sees all of it. A path starting with /fail
answers 500, anything else 204. Stops on SIGTERM or SIGINT.
"""
import http.server
import itertools
import json
import os
import signal
import sys
import threading

DIR = sys.argv[1]
counter = itertools.count(1)
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(n, 1 << 20)).decode("utf-8", "replace")
        record = {
            "path": self.path,
            "event": self.headers.get("X-Supportdesk-Event"),
            "delivery": self.headers.get("X-Supportdesk-Delivery"),
            "signature": self.headers.get("X-Supportdesk-Signature"),
            "content_type": self.headers.get("Content-Type"),
            "body": body,
        }
        with lock:
            i = next(counter)
        tmp = os.path.join(DIR, "%04d.tmp" % i)
        with open(tmp, "w") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(DIR, "%04d.json" % i))
        self.send_response(500 if self.path.startswith("/fail") else 204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=server.shutdown).start())
signal.signal(signal.SIGINT, lambda *a: threading.Thread(target=server.shutdown).start())
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()
