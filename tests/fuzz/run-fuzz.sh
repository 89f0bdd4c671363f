#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the libFuzzer harnesses of tests/fuzz/ with clang
# (-fsanitize=fuzzer,address,undefined) against src/*/*.c, makes seed corpora
# at run time (gen_seeds.c; the real NDES fixtures are read in place), and
# runs each target for a bounded time, printing executions and any crash.
# Not part of "make check": it needs clang and libclang-rt-14-dev.
#
#   tests/fuzz/run-fuzz.sh [TARGET...]
#   FUZZ_SECONDS=60 (per target)  FUZZ_WORK=/tmp/ndes-fuzz (build and corpora)
#   FUZZ_JOBS=1 (targets run in parallel)  CC=clang
# Crash inputs land in $FUZZ_WORK/crashes/<target>/; rerun one with
#   $FUZZ_WORK/bin/fuzz_<target> FILE
# Exit status: 0 no findings, 1 findings, 77 no clang/libFuzzer.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
CC=${CC:-clang}
W=${FUZZ_WORK:-/tmp/ndes-fuzz}
SECS=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-1}
FIX=${NS_FIXTURES_DIR:-$top/../shared/fixtures/ndes}
ALL="certs roles caps certrep pkimsg cookie adminpage cmreq csr mserr config argv reply"
TARGETS=${*:-$ALL}

command -v "$CC" >/dev/null 2>&1 || { echo "SKIP: $CC not found"; exit 77; }
export FUZZ_WORK="$W"
mkdir -p "$W/obj" "$W/bin" "$W/logs" "$W/corpus" "$W/crashes" || exit 1

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
PKG="openssl libcurl talloc"
CFL="-g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE $(for l in core scep otp cadata enroll cmd; do printf -- "-I%s/src/%s " "$top" "$l"; done)-I$top/tests/unit \
 -DNS_VERSION=\"fuzz\" -DNS_SYSCONFDIR=\"/nonexistent\" -DNS_FIXTURES_DIR=\"$FIX\" $(pkg-config --cflags $PKG)"
LIBS="$(pkg-config --libs $PKG)"

# The library objects, instrumented for coverage.
objs=""
for src in "$top"/src/*/*.c; do
	b=$(basename "$src" .c)
	[ "$b" = ndes-submit ] && continue
	o="$W/obj/$b.o"
	if [ ! -f "$o" ] || [ "$src" -nt "$o" ] || [ "$(dirname "$src")" -nt "$o" ]; then
		$CC $CFL $SAN -fsanitize=fuzzer-no-link -c "$src" -o "$o" || exit 1
	fi
	objs="$objs $o"
done
for t in $TARGETS; do
	$CC $CFL $SAN -fsanitize=fuzzer "$here/fuzz_$t.c" $objs $LIBS -o "$W/bin/fuzz_$t" || {
		echo "SKIP: cannot build fuzz_$t (libclang-rt-14-dev missing?)"; exit 77; }
done
# Seeds: generated, plain (no coverage) so they do not depend on libFuzzer.
$CC $CFL $SAN "$here/gen_seeds.c" "$top/tests/lib/scepbuild.c" "$top/tests/lib/testcerts.c" \
	"$top"/src/core/x509util.c "$top"/src/scep/cookie.c "$top"/src/scep/csr.c \
	"$top"/src/core/err.c "$top"/src/core/sslcompat.c "$top"/src/core/file.c $LIBS -o "$W/bin/gen_seeds" || exit 1
rm -rf "$W/seeds"
ASAN_OPTIONS=detect_leaks=0 "$W/bin/gen_seeds" "$W" || exit 1

fixtures() {
	[ -d "$FIX" ] || return 0
	case $1 in
	certs|roles) ls "$FIX"/getcacert-*.der ;;
	certrep) ls "$FIX"/certrep-*.der ;;
	adminpage|reply) ls "$FIX"/mscep_admin-*.html ;;
	esac 2>/dev/null | paste -sd, -
}

run_one() {
	t=$1
	mkdir -p "$W/corpus/$t" "$W/crashes/$t"
	seeds=$(fixtures "$t")
	set -- -max_total_time="$SECS" -error_exitcode=1 -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
		-print_final_stats=1 -artifact_prefix="$W/crashes/$t/"
	[ -n "$seeds" ] && set -- "$@" -seed_inputs="$seeds"
	[ -d "$W/seeds/$t" ] && set -- "$@" "$W/corpus/$t" "$W/seeds/$t" || set -- "$@" "$W/corpus/$t"
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$W/bin/fuzz_$t" "$@" > "$W/logs/$t.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$W/logs/$t.log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$W/logs/$t.log" | tail -1)
	if [ $rc -eq 0 ]; then
		echo "ok    $t: ${execs:-?} executions in ${SECS}s, $cov"
	else
		echo "FOUND $t (exit $rc) after ${execs:-?} executions; see $W/logs/$t.log:"
		grep -E 'ERROR: |runtime error|check failed|SUMMARY|Test unit written' "$W/logs/$t.log" | head -5
	fi
	return $rc
}

status=0
running=0
for t in $TARGETS; do
	if [ "$JOBS" -gt 1 ]; then
		( run_one "$t" ) &
		running=$((running + 1))
		if [ $running -ge "$JOBS" ]; then
			wait
			running=0
		fi
	else
		run_one "$t" || status=1
	fi
done
wait
if [ "$JOBS" -gt 1 ] && grep -lE 'ERROR: |runtime error|check failed' "$W"/logs/*.log >/dev/null 2>&1; then
	status=1
fi
exit $status
