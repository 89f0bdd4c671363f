# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# Shared prologue of the ndes-server test scripts: checks the Python
# prerequisites (exit 77 = skip when missing) and keeps the tree clean.
# Source it; it sets PY and here.

# shellcheck disable=SC2034  # used by the scripts that source this
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
# The source tree may be read-only (make distcheck): no __pycache__ in it.
export PYTHONDONTWRITEBYTECODE=1

ns_require_python() {
    if [ ! -x "$PY" ]; then
        echo "SKIP: $PY missing"
        exit 77
    fi
    if ! "$PY" -c 'import cryptography, asn1crypto' 2>/dev/null; then
        echo "SKIP: python3-cryptography / python3-asn1crypto missing"
        exit 77
    fi
}

ns_require_cmd() {
    local c
    for c in "$@"; do
        if ! command -v "$c" >/dev/null 2>&1; then
            echo "SKIP: $c not installed"
            exit 77
        fi
    done
}
