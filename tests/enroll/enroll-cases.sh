#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# SUBMIT/POLL through real HTTP against the NDES stand-in and a fault
# injector (enroll_cases.py). Exit 0 pass, 77 skip, 1 fail.
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
abs_top_srcdir=$srcdir NS_HELPER=$NS_HELPER exec timeout 600 "$PY" "$srcdir/tests/enroll/enroll_cases.py"
