#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A syslog socket for tests: what /dev/log is to the helper.

  syslog-sink.py SOCKET FILE

Binds a Unix datagram socket at SOCKET and appends every datagram it
receives, one per line, to FILE. Runs until killed. Standard library only.
"""
import os
import signal
import socket
import sys


def main():
    path, out = sys.argv[1], sys.argv[2]
    # Stopped with SIGTERM even where it was started with SIGTERM ignored.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if os.path.exists(path):
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    with open(out, "ab", buffering=0) as f:
        while True:
            data = sock.recv(65536)
            f.write(data.replace(b"\n", b" ") + b"\n")


if __name__ == "__main__":
    main()
