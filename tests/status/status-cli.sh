#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# "ndes-submit status" as a program (status_cli.py): certmonger's records in
# temp directories, one certificate issued by the NDES stand-in, then the
# stand-in stopped and a SUBMIT that fails: status must report the request
# failing since then, the CA's outage in the table, the JSON and the
# Prometheus textfile (checked with promtool when installed; PROMTOOL=path
# to use another one). Exit 0 pass, 77 skip, 1 fail.
srcdir=${abs_top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
NS_HELPER=${NS_HELPER:-${abs_top_builddir:-.}/src/ndes-submit}
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "SKIP: /usr/bin/python3 not found"; exit 77; }
"$PY" -c 'import asn1crypto, cryptography' 2>/dev/null ||
	{ echo "SKIP: python3-asn1crypto and python3-cryptography are needed"; exit 77; }
[ -x "$NS_HELPER" ] || { echo "SKIP: helper $NS_HELPER not built"; exit 77; }
[ -f "$srcdir/tests/ndes-server/ndes-server" ] ||
	{ echo "SKIP: NDES stand-in not found"; exit 77; }
case $NS_HELPER in /*) ;; *) NS_HELPER=$(pwd)/$NS_HELPER ;; esac
abs_top_srcdir=$srcdir NS_HELPER=$NS_HELPER exec timeout 300 "$PY" "$srcdir/tests/status/status_cli.py"
