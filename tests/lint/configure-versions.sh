#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# configure refuses libraries older than the oldest the helper supports
# (OpenSSL 1.1.1, libcurl 7.61, talloc 2.1: RHEL 8) and names the package to
# install. Each library in turn is shadowed by a .pc file of an older
# version, first in PKG_CONFIG_PATH. Exit 0 pass, 77 skip, 1 fail.
top=${abs_top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=../lib/prereq.sh
. "$top/tests/lib/prereq.sh"
[ -x "$top/configure" ] || prereq_skip "no configure script (run autoreconf -fi)"
prereq_cmd pkg-config
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
fails=0

# old MODULE VERSION: a .pc file for MODULE at VERSION.
old() {
	mkdir -p "$t/pc"
	rm -f "$t/pc"/*.pc
	printf 'Name: %s\nDescription: too old\nVersion: %s\nLibs:\nCflags:\n' "$1" "$2" >"$t/pc/$1.pc"
}

# expect MODULE VERSION TEXT...: configure stops and says each TEXT.
expect() {
	local mod=$1 ver=$2 out rc
	shift 2
	old "$mod" "$ver"
	rm -rf "$t/b" && mkdir "$t/b"
	out=$(cd "$t/b" && PKG_CONFIG_PATH="$t/pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" \
		"$top/configure" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "FAIL: configure accepted $mod $ver"
		fails=$((fails + 1))
		return
	fi
	for want in "$@"; do
		if ! printf '%s\n' "$out" | grep -qF -- "$want"; then
			echo "FAIL: with $mod $ver configure did not say '$want'; it said:"
			printf '%s\n' "$out" | tail -n 5
			fails=$((fails + 1))
			return
		fi
	done
	echo "ok: $mod $ver refused: $(printf '%s\n' "$out" | grep 'error:' | head -n 1 | sed 's/^configure: error: //')"
}

expect libcrypto 1.1.0l "OpenSSL >= 1.1.1" "libssl-dev" "openssl-devel"
expect libcurl 7.60.0 "libcurl >= 7.61" "libcurl4-openssl-dev" "libcurl-devel"
expect talloc 2.0.8 "talloc >= 2.1" "libtalloc-dev" "libtalloc-devel"
[ "$fails" -eq 0 ]
