#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Fault matrix (issue 11): transport, SCEP reply, admin page and file faults
# injected under the built helper, each with the exit status and message the
# README promises (table in fault_matrix.py). Prints
# "faults: N injected, M handled". Exit 0 when all are handled, 1 otherwise,
# 77 (skip) only when python3-cryptography/python3-asn1crypto are missing.
srcdir=${abs_top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
NS_HELPER=${NS_HELPER:-${abs_top_builddir:-.}/src/ndes-submit}
PY=/usr/bin/python3
# shellcheck source=../lib/prereq.sh
. "$srcdir/tests/lib/prereq.sh"
prereq_python asn1crypto cryptography
[ -x "$NS_HELPER" ] || { echo "FAIL: helper $NS_HELPER not built"; exit 1; }
case $NS_HELPER in /*) ;; *) NS_HELPER=$(pwd)/$NS_HELPER ;; esac
command -v faketime >/dev/null ||
	echo "note: faketime not installed (Debian package faketime): the clock-skew faults are skipped"
PYTHONDONTWRITEBYTECODE=1 abs_top_srcdir=$srcdir NS_HELPER=$NS_HELPER \
	timeout 170 "$PY" "$srcdir/tests/faults/fault_matrix.py"
rc=$?
[ "$rc" = 0 ] || rc=1
exit "$rc"
