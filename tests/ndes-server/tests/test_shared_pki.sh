#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# ndes-server --pki: two stand-ins sharing one PKI (see test_shared_pki.py).
# Exit 0 pass, 77 skip, 1 fail. Servers listen on 127.0.0.1 port 0.
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
prereq_python cryptography asn1crypto
exec "$PY" "$here/test_shared_pki.py"
