#!/usr/bin/python3
"""smtp_sink.py: a local SMTP server for tests/mail/smtp_test.sh.

usage: smtp_sink.py PORT DIR

Listens on 127.0.0.1:PORT (aiosmtpd, Debian's python3-aiosmtpd) and stores
every accepted message as DIR/NNNN.eml (the bytes received after
dot-unstuffing) with DIR/NNNN.json ({"mail_from": ..., "rcpt_tos": [...]}).
The .json is written first and the .eml renamed into place, so a reader that
sees NNNN.eml sees a complete message. Recipients whose address starts with
"reject" get "550 5.1.1", so the mailer's permanent-failure path is testable;
recipients starting with "tempfail" get "451 4.3.0" (a temporary failure).
Prints "ready PORT" once listening; stops on SIGTERM or SIGINT.
"""
import itertools
import json
import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.seq = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("reject"):
            return "550 5.1.1 <%s>: recipient rejected by test sink" % address
        if address.lower().startswith("tempfail"):
            return "451 4.3.0 <%s>: try again later (test sink)" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            n = next(self.seq)
        base = os.path.join(self.directory, "%04d" % n)
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 stored as %04d" % n


def main():
    if len(sys.argv) != 3:
        print("usage: smtp_sink.py PORT DIR", file=sys.stderr)
        return 2
    port, directory = int(sys.argv[1]), sys.argv[2]
    os.makedirs(directory, exist_ok=True)
    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print("ready %d" % port, flush=True)
    while not stop.wait(0.5):
        pass
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
