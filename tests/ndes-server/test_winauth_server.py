# SPDX-License-Identifier: GPL-3.0-or-later
"""Tiny HTTP server protected by WindowsAuth, for test_winauth.sh.

    /usr/bin/python3 test_winauth_server.py --port N [--keytab F] [--basic]
        [--users-file F] [--ready-file F] [--tls-cert PEM --tls-key PEM]
        [--epa off|accept|required]

Every path answers 200 "user=<name> method=<scheme>" once authenticated.
--users-file holds lines "DOMAIN\\user:password" (default: EXAMPLE\\alice
with Secr3t! and EXAMPLE\\bob with Bob-Pw1!, the accounts of tests/lib/kdc.sh);
passwords stay out of argv and logs.  Writes "ready" to --ready-file once
listening.  With --tls-cert, Extended Protection (--epa, default accept)
checks the tls-server-end-point binding of that certificate; winauth's log
lines (stderr) say what was seen: "[channel_binding=... epa=...]".
"""

import argparse
import os
import socket
import ssl
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from winauth import WindowsAuth, tls_server_end_point  # noqa: E402


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without this, Nagle and
        # delayed ACKs add 40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self):
        return "Microsoft-IIS/10.0"

    def _serve(self):
        res = self.server.auth.authenticate(self)
        if res is None:
            return
        length = int(self.headers.get("Content-Length", "0") or "0")
        if length:
            self.rfile.read(length)
        body = ("user=%s method=%s\n" % (res.user, res.method)).encode("utf-8")
        self.send_response(200)
        for name, value in res.headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = _serve
    do_POST = _serve
    do_HEAD = _serve

    def log_message(self, fmt, *args):  # request lines carry no secrets
        sys.stderr.write("server: %s\n" % (fmt % args))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--keytab")
    ap.add_argument("--basic", action="store_true")
    ap.add_argument("--users-file")
    ap.add_argument("--ready-file")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--epa", choices=["off", "accept", "required"], default="accept")
    args = ap.parse_args()
    users = {"EXAMPLE\\alice": "Secr3t!", "EXAMPLE\\bob": "Bob-Pw1!"}
    if args.users_file:
        users = {}
        with open(args.users_file, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\r\n")
                if line and not line.startswith("#"):
                    name, _, password = line.partition(":")
                    users[name] = password
    srv = ThreadingHTTPServer((args.bind, args.port), Handler)
    srv.daemon_threads = True
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    binding = None
    if args.tls_cert:
        with open(args.tls_cert, "rb") as f:
            pem = f.read()
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        der = x509.load_pem_x509_certificate(pem).public_bytes(
            serialization.Encoding.DER)
        binding = tls_server_end_point(der)
    srv.auth = WindowsAuth(users=users, keytab=args.keytab, basic=args.basic,
                           epa=args.epa, channel_binding=binding)
    if args.ready_file:
        with open(args.ready_file, "w", encoding="ascii") as f:
            f.write("ready\n")
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
