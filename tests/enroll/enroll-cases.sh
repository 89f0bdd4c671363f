#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# SUBMIT/POLL through real HTTP against the NDES stand-in and a fault
# injector (enroll_cases.py). Exit 0 pass, 77 skip, 1 fail.
srcdir=${abs_top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
NS_HELPER=${NS_HELPER:-${abs_top_builddir:-.}/src/ndes-submit}
PY=/usr/bin/python3
# shellcheck source=../lib/prereq.sh
. "$srcdir/tests/lib/prereq.sh"
prereq_python asn1crypto cryptography
[ -x "$NS_HELPER" ] || prereq_skip "helper $NS_HELPER not built"
[ -f "$srcdir/tests/ndes-server/ndes-server" ] || prereq_skip "NDES stand-in not found"
case $NS_HELPER in /*) ;; *) NS_HELPER=$(pwd)/$NS_HELPER ;; esac
abs_top_srcdir=$srcdir NS_HELPER=$NS_HELPER exec timeout 600 "$PY" "$srcdir/tests/enroll/enroll_cases.py"
