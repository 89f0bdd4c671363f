#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# README command 2: install what is missing, build (warnings are errors) and run
# the whole suite: unit tests, script tests, the NDES stand-in's own tests and
# the end-to-end scenarios through the real certmonger daemon.
# With CI=true (or NS_MATRIX=all, or a list of releases) it then runs the
# platform matrix, scripts/matrix.sh: the same tree built and tested in
# Debian 11, 12 and 13 chroots (OpenSSL 1.1.1 to 3.5, certmonger 0.79.13 to
# 0.79.20). NS_MATRIX=none skips it.
# Ends with "N passed, N failed". Environment: BUILD_DIR (default ./build),
# NS_SKIP_DEPS=1 to skip the package check, TESTS="..." to run a subset.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}

if [ "${NS_SKIP_DEPS:-0}" != 1 ]; then
	"$top/scripts/install-deps.sh"
fi

cd "$top"
autoreconf -fi >/dev/null
mkdir -p "$build"
cd "$build"
"$top/configure" --enable-werror >configure.out 2>&1 || { cat configure.out; exit 1; }
make -j"$(nproc)" >make.out 2>&1 || { cat make.out; exit 1; }

# With CI=true or NS_SANITIZE=1: a second build with AddressSanitizer and
# UBSan runs the unit and script tests (not the end-to-end scenarios, which
# would run certmonger's children under it) and replays the fuzz corpus.
sanitize() {
	local asan=${build}-asan list
	mkdir -p "$asan"
	(cd "$asan" && "$top/configure" --enable-werror \
		CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
		LDFLAGS="-fsanitize=address,undefined" >configure.out 2>&1 &&
		make -j"$(nproc)" >make.out 2>&1) || { echo "sanitizer build failed"; return 1; }
	list=$(make -s -C "$asan" print-tests | tr ' ' '\n' |
		grep -E '^tests/(unit/test_|cadata/|otp/|enroll/|faults/|lint/|status/)' | tr '\n' ' ')
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		make -C "$asan" -j1 check TESTS="$list" >"$asan/check.out" 2>&1
	"$top/tests/fuzz/replay-corpus.sh" "$asan" >"$asan/corpus.out" 2>&1
}

rc=0
if [ -n "${TESTS:-}" ]; then
	make -j1 check TESTS="$TESTS" || rc=$?
else
	make -j1 check || rc=$?
fi

# Automake's summary counts one line per test case (cmocka runs through the TAP driver).
log=test-suite.log
count() { sed -n "s/^# $1: *\([0-9][0-9]*\)$/\1/p" "$log" | head -n 1; }
if [ -f "$log" ]; then
	pass=$(count PASS); fail=$(count FAIL); err=$(count ERROR)
	skip=$(count SKIP); xfail=$(count XFAIL); xpass=$(count XPASS)
	passed=$(( ${pass:-0} + ${xfail:-0} ))
	failed=$(( ${fail:-0} + ${err:-0} + ${xpass:-0} ))
	if [ "$failed" -gt 0 ]; then
		echo "--- failed tests ---"
		grep -E '^(FAIL|ERROR|XPASS):' "$log" || true
	fi
else
	passed=0; failed=1
	echo "no test-suite.log: the suite did not run" >&2
fi
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	failed=1
fi

if { [ "${CI:-}" = true ] || [ "${NS_SANITIZE:-0}" = 1 ]; } && [ -z "${TESTS:-}" ]; then
	echo "--- sanitizer build (ASan + UBSan): unit and script tests, fuzz corpus replay ---"
	srch=0
	sanitize || srch=$?
	alog=${build}-asan/test-suite.log
	if [ -f "$alog" ]; then
		log=$alog
		ap=$(count PASS); af=$(count FAIL); ae=$(count ERROR); as=$(count SKIP)
		echo "sanitizer build: ${ap:-0} passed, $(( ${af:-0} + ${ae:-0} )) failed, ${as:-0} skipped"
		grep -E '^(FAIL|ERROR):' "$alog" || true
		passed=$(( passed + ${ap:-0} ))
		failed=$(( failed + ${af:-0} + ${ae:-0} ))
		skip=$(( ${skip:-0} + ${as:-0} ))
	else
		echo "sanitizer build: no test-suite.log"
		failed=$(( failed + 1 ))
	fi
	cat "${build}-asan/corpus.out" 2>/dev/null | tail -n 20
	if grep -q '^corpus: .* 0 failed$' "${build}-asan/corpus.out" 2>/dev/null; then
		passed=$(( passed + 1 ))
	else
		failed=$(( failed + 1 ))
	fi
	[ "$srch" -eq 0 ] || [ -f "$alog" ] || failed=$(( failed + 1 ))
fi
matrix=${NS_MATRIX:-}
[ -n "$matrix" ] || { [ "${CI:-}" = true ] && [ -z "${TESTS:-}" ] && matrix=all; }
if [ -n "$matrix" ] && [ "$matrix" != none ]; then
	echo "--- platform matrix (scripts/matrix.sh $matrix) ---"
	mout=$build/matrix.out
	# shellcheck disable=SC2086
	"$top/scripts/matrix.sh" $matrix >"$mout" 2>&1 || true
	grep '^matrix: ' "$mout" || tail -n 20 "$mout"
	mtot=$(sed -n 's/^matrix: total [0-9]* s: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' "$mout")
	if [ -n "$mtot" ]; then
		set -- $mtot
		passed=$(( passed + $1 )); failed=$(( failed + $2 )); skip=$(( ${skip:-0} + $3 ))
	else
		echo "matrix: no summary (see $mout)"
		failed=$(( failed + 1 ))
	fi
fi
echo "${passed} passed, ${failed} failed, ${skip:-0} skipped"
[ "$failed" -eq 0 ]
