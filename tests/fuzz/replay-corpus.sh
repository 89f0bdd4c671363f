#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Replays the checked-in corpus of every fuzz target (tests/fuzz/corpus/T/)
# through its harness, built with gcc, AddressSanitizer and UBSan against
# the library of a sanitizer build (BUILD_DIR, made by scripts/test.sh with
# CI=true or NS_SANITIZE=1). A crash, a sanitizer report or a broken
# "clear error" check fails it. Prints one line per target and ends with
# "corpus: N targets, N inputs replayed, N failed".
#   tests/fuzz/replay-corpus.sh BUILD_DIR
# Exit 0 pass, 1 fail, 77 when BUILD_DIR has no library.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
B=${1:?usage: replay-corpus.sh BUILD_DIR}
[ -f "$B/src/libndes.a" ] || { echo "SKIP: no $B/src/libndes.a"; exit 77; }
CC=${CC:-gcc}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
PKG="openssl libcurl talloc"
W=$(mktemp -d /tmp/ndes-replay.XXXXXX)
trap 'rm -rf "$W"' EXIT
targets=0 inputs=0 failed=0
for c in "$here"/fuzz_*.c; do
	t=$(basename "$c" .c)
	t=${t#fuzz_}
	[ -d "$here/corpus/$t" ] || { echo "no corpus for $t"; failed=$((failed + 1)); continue; }
	targets=$((targets + 1))
	# shellcheck disable=SC2086
	if ! $CC -g -O1 -D_GNU_SOURCE $SAN $(for l in core scep otp cadata enroll cmd; do printf -- "-I%s/src/%s " "$top" "$l"; done)-I"$B" -I"$top/tests/unit" \
		-DNS_VERSION='"replay"' -DNS_SYSCONFDIR='"/nonexistent"' \
		-DNS_FIXTURES_DIR='"/nonexistent"' $(pkg-config --cflags $PKG) \
		"$c" "$here/replay.c" "$B/src/libndes.a" $(pkg-config --libs $PKG) \
		-o "$W/$t" 2>"$W/$t.build"; then
		echo "FAILED $t: does not build"; sed -n 1,5p "$W/$t.build"
		failed=$((failed + 1))
		continue
	fi
	if ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$W/$t" "$here/corpus/$t" >"$W/$t.out" 2>&1; then
		n=$(sed -n 's/ inputs replayed$//p' "$W/$t.out")
		inputs=$((inputs + ${n:-0}))
		echo "ok $t: ${n:-0} inputs"
	else
		echo "FAILED $t:"
		grep -E 'ERROR: |runtime error|check failed|SUMMARY' "$W/$t.out" | head -5
		failed=$((failed + 1))
	fi
done
echo "corpus: $targets targets, $inputs inputs replayed, $failed failed"
[ "$failed" -eq 0 ]
