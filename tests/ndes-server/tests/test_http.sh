#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# ndes-server tests: see test_http.py. Exit 0 pass, 77 skip, 1 fail.
# Servers listen on 127.0.0.1 port 0 (the kernel picks), so runs never clash.
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
prereq_python cryptography asn1crypto
prereq_cmd openssl curl
exec "$PY" "$here/test_http.py"
