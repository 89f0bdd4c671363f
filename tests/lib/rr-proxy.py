#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A load balancer without stickiness, for tests: a TCP proxy that sends
each new connection to the next backend in turn (round robin) and pipes the
bytes both ways. Nothing ties a client to a backend, so two connections of
the same client (the helper fetches its one-time password on one keep-alive
connection, NTLM being bound to it, and sends the SCEP request on another)
land on different servers.

  rr-proxy.py --listen 127.0.0.1:0 --backend 127.0.0.1:8001 \\
      --backend 127.0.0.1:8002 [--log FILE] [--port-file FILE] [--admin-to I]

Each connection is logged as one line when it is made:
  conn N CLIENT_ADDR:PORT -> backend I HOST:PORT
or, when that backend cannot be reached (the client's connection is then
closed without a byte, as a balancer without health checks would do):
  conn N CLIENT_ADDR:PORT -> backend I HOST:PORT failed: REASON
and one line when it ends: `conn N closed up=BYTES down=BYTES`.
--port-file gets the listening port once the socket listens (useful with
port 0). SIGTERM or SIGINT: exit 0. Python 3 standard library only.

Plain round robin splits the password's connection from the request's only
when an odd number of connections lies between them, which depends on what
else the client does in between. --admin-to I makes the split certain
(still per connection, still no stickiness): a connection whose first HTTP
request is for the admin page (/certsrv/mscep_admin, any case) goes to
backend I, every other connection to the next of the other backends in turn.
The log line then ends with ` (admin)` or ` (scep)`.
"""

import argparse
import itertools
import os
import signal
import socket
import sys
import threading
import time

LOCK = threading.Lock()
LOG = sys.stderr


def log(line):
    with LOCK:
        LOG.write(line + "\n")
        LOG.flush()


def addr(text):
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise argparse.ArgumentTypeError("expected HOST:PORT, got %r" % text)
    return host.strip("[]"), int(port)


def pump(src, dst, counter, key):
    """Copy src to dst until src ends; then half-close dst so that the
    other side sees the end too."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
            counter[key] += len(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def first_path(client, timeout):
    """The path of the first HTTP request line on the connection, read
    with MSG_PEEK (the bytes stay for the backend); "" when none comes."""
    client.settimeout(timeout)
    data = b""
    try:
        for _ in range(200):
            data = client.recv(4096, socket.MSG_PEEK)
            if not data or b"\n" in data or len(data) >= 4096:
                break
            time.sleep(0.01)
    except OSError:
        pass
    finally:
        client.settimeout(None)
    parts = data.split(b"\n", 1)[0].split()
    return parts[1].decode("latin-1") if len(parts) >= 2 else ""


def handle(n, client, peer, index, backend, timeout, what=""):
    where = "conn %d %s:%d -> backend %d %s:%d%s" % (
        n, peer[0], peer[1], index, backend[0], backend[1], what)
    try:
        upstream = socket.create_connection(backend, timeout=timeout)
    except OSError as e:
        log("%s failed: %s" % (where, e.strerror or e))
        client.close()
        return
    upstream.settimeout(None)
    log(where)
    counter = {"up": 0, "down": 0}
    t = threading.Thread(target=pump, args=(client, upstream, counter, "up"),
                         daemon=True)
    t.start()
    pump(upstream, client, counter, "down")
    t.join()
    for s in (client, upstream):
        try:
            s.close()
        except OSError:
            pass
    log("conn %d closed up=%d down=%d" % (n, counter["up"], counter["down"]))


def main(argv):
    global LOG
    p = argparse.ArgumentParser(prog="rr-proxy.py",
                                description="round-robin TCP proxy (no stickiness)")
    p.add_argument("--listen", type=addr, required=True, metavar="HOST:PORT",
                   help="where to listen (port 0: any free port)")
    p.add_argument("--backend", type=addr, action="append", required=True,
                   metavar="HOST:PORT", help="a backend (repeat, in order)")
    p.add_argument("--log", metavar="FILE", help="connection log (default stderr)")
    p.add_argument("--port-file", metavar="FILE",
                   help="write the listening port here once ready")
    p.add_argument("--connect-timeout", type=float, default=5.0, metavar="S")
    p.add_argument("--admin-to", type=int, metavar="I",
                   help="admin-page connections to backend I (0-based), the "
                   "others round robin over the other backends")
    a = p.parse_args(argv)
    if a.admin_to is not None and not (0 <= a.admin_to < len(a.backend)
                                       and len(a.backend) >= 2):
        p.error("--admin-to wants the index of one of at least two backends")
    if a.log:
        LOG = open(a.log, "a", buffering=1)

    def stop(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    family = socket.AF_INET6 if ":" in a.listen[0] else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        srv.bind(a.listen)
    except OSError as e:
        print("rr-proxy.py: cannot listen on %s:%d: %s" % (a.listen[0], a.listen[1],
                                                          e.strerror), file=sys.stderr)
        return 1
    srv.listen(64)
    port = srv.getsockname()[1]
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, a.port_file)
    log("listening on %s:%d, backends %s" % (
        a.listen[0], port, " ".join("%s:%d" % b for b in a.backend)))
    if a.admin_to is None:
        turn = itertools.cycle(range(len(a.backend)))
    else:
        turn = itertools.cycle([i for i in range(len(a.backend)) if i != a.admin_to])
    turn_lock = threading.Lock()

    def route(n, client, peer, i):
        what = ""
        if a.admin_to is not None:
            admin = first_path(client, a.connect_timeout).lower().startswith(
                "/certsrv/mscep_admin")
            what = " (admin)" if admin else " (scep)"
            if admin:
                i = a.admin_to
            else:
                with turn_lock:
                    i = next(turn)
        handle(n, client, peer, i, a.backend[i], a.connect_timeout, what)

    try:
        for n in itertools.count(1):
            client, peer = srv.accept()
            # Plain round robin: the turn is taken here, in accept order.
            i = next(turn) if a.admin_to is None else None
            threading.Thread(target=route, args=(n, client, peer[:2], i),
                             daemon=True).start()
    except SystemExit:
        pass
    finally:
        srv.close()
        if a.port_file:
            try:
                os.unlink(a.port_file)
            except OSError:
                pass
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
