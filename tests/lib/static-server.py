#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A tiny loopback HTTP(S) server for script tests.

Serves canned replies chosen by the request's "operation" query parameter
(SCEP style) or by path, and can misbehave on purpose: close the connection,
hang, truncate a body, send too much. Standard library only.

  static-server.py --port 18100 [--tls CERT KEY] [--log FILE] [--port-file F]
      [--lifetime SECONDS] --on KEY SPEC [--on KEY SPEC ...]

KEY: an operation value (GetCACaps, GetCACert...), a path starting with "/",
or "*" (anything else). SPEC: comma-separated key=value:
  file=PATH       body from a file
  body=TEXT       body text ("\\n" and "\\r" are decoded)
  type=CT         Content-Type (none when absent)
  status=N        HTTP status (default 200)
  action=A        close    close the connection without answering
                  hang     accept, read the request, never answer
                  truncate announce more bytes than sent, then close
                  big      send a 2 MiB body
                  badchunk chunked body whose second chunk size is no number
                  redirect send 302 to location=URL
  location=URL    for action=redirect
  header=NAME:VAL an extra header (may repeat)
Each request is logged as "METHOD PATH?QUERY" (one line) to --log.
"""
import argparse
import os
import socketserver
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit


def parse_spec(text):
    spec = {"headers": []}
    for part in text.split(","):
        if not part:
            continue
        key, _, value = part.partition("=")
        if key == "header":
            spec["headers"].append(value)
        else:
            spec[key] = value
    if "body" in spec:
        spec["body"] = spec["body"].replace("\\n", "\n").replace("\\r", "\r").encode()
    elif "file" in spec:
        with open(spec["file"], "rb") as f:
            spec["body"] = f.read()
    else:
        spec["body"] = b""
    return spec


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the request log is enough
        pass

    def route(self):
        parts = urlsplit(self.path)
        op = parse_qs(parts.query).get("operation", [None])[0]
        routes = self.server.routes
        if op is not None and op in routes:
            return routes[op]
        if parts.path in routes:
            return routes[parts.path]
        return routes.get("*")

    def record(self):
        if self.server.log_path:
            with self.server.log_lock, open(self.server.log_path, "a") as f:
                f.write("%s %s\n" % (self.command, self.path))

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.record()
        spec = self.route()
        if spec is None:
            spec = {"status": "404", "body": b"not found\n", "type": "text/plain",
                    "headers": []}
        action = spec.get("action")
        if action == "close":
            self.close_connection = True
            return
        if action == "hang":
            time.sleep(self.server.lifetime)
            self.close_connection = True
            return
        body = spec["body"]
        if action == "big":
            body = b"x" * (2 * 1024 * 1024)
        status = int(spec.get("status", "302" if action == "redirect" else "200"))
        self.send_response(status)
        if "type" in spec:
            self.send_header("Content-Type", spec["type"])
        if action == "redirect":
            self.send_header("Location", spec.get("location", "/"))
        for h in spec["headers"]:
            name, _, value = h.partition(":")
            self.send_header(name, value)
        if action == "truncate":
            self.send_header("Content-Length", str(len(body) + 1000))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            return
        if action == "badchunk":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"%x\r\n%s\r\nzz\r\n" % (len(body), body))
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_HEAD = handle_any


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--log")
    ap.add_argument("--port-file")
    ap.add_argument("--lifetime", type=float, default=300.0)
    ap.add_argument("--on", nargs=2, action="append", default=[], metavar=("KEY", "SPEC"))
    args = ap.parse_args()

    server = Server(("127.0.0.1", args.port), Handler)
    server.routes = {key: parse_spec(spec) for key, spec in args.on}
    server.log_path = args.log
    server.log_lock = threading.Lock()
    server.lifetime = args.lifetime
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % server.server_address[1])
        os.rename(tmp, args.port_file)
    # Never outlive a test that forgot to stop us.
    threading.Timer(args.lifetime, lambda: os._exit(0)).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
