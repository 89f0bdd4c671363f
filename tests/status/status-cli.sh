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
# shellcheck source=../lib/prereq.sh
. "$srcdir/tests/lib/prereq.sh"
prereq_python asn1crypto cryptography
[ -x "$NS_HELPER" ] || prereq_skip "helper $NS_HELPER not built"
[ -f "$srcdir/tests/ndes-server/ndes-server" ] || prereq_skip "NDES stand-in not found"
case $NS_HELPER in /*) ;; *) NS_HELPER=$(pwd)/$NS_HELPER ;; esac
abs_top_srcdir=$srcdir NS_HELPER=$NS_HELPER exec timeout 300 "$PY" "$srcdir/tests/status/status_cli.py"
