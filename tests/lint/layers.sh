#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# src/ is in layers (Makefile.am's NS_LAYERS, lowest first): a file may
# include headers of its own layer and of those before it, never of a later
# one, and every source file lives in a layer folder. The check is first run
# on a tree it must refuse. Exit 0 pass, 1 fail.
top=${abs_top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
layers=$(sed -n 's/^NS_LAYERS = //p' "$top/Makefile.am")
[ -n "$layers" ] || { echo "FAIL: no NS_LAYERS in Makefile.am"; exit 1; }

# check SRC: prints one FAIL line per upward include or stray file.
check() {
	src=$1
	for f in "$src"/*.[ch]; do
		[ -e "$f" ] && echo "FAIL: $f is in no layer folder"
	done
	rank=0
	for l in $layers; do
		rank=$((rank + 1))
		for h in "$src/$l"/*.h; do
			[ -e "$h" ] && echo "H $(basename "$h") $rank $l"
		done
	done >"$tmp/headers"
	rank=0
	for l in $layers; do
		rank=$((rank + 1))
		for f in "$src/$l"/*.[ch]; do
			[ -e "$f" ] || continue
			sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
			while read -r inc; do
				line=$(grep "^H $inc " "$tmp/headers") || continue
				set -- $line
				[ "$3" -le "$rank" ] || echo "FAIL: $f ($l) includes $inc of a later layer ($4)"
			done
		done
	done
}

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# A tree the check must refuse: core including a scep header, and a stray file.
mkdir -p "$tmp/bad/core" "$tmp/bad/scep"
printf '#include "pkimsg.h"\n' >"$tmp/bad/core/err.c"
printf '#include "err.h"\n' >"$tmp/bad/scep/pkimsg.h"
printf '\n' >"$tmp/bad/stray.c"
out=$(check "$tmp/bad")
if [ "$(echo "$out" | grep -c '^FAIL:')" -ne 2 ] || ! echo "$out" | grep -q 'includes pkimsg.h of a later layer'; then
	echo "FAIL: the check does not refuse what it must; it said:"
	echo "$out"
	exit 1
fi
echo "ok: the check refuses an upward include and a file outside the layers"

out=$(check "$top/src")
if [ -n "$out" ]; then
	echo "$out"
	exit 1
fi
echo "ok: $(ls "$top"/src/*/*.[ch] | wc -l) files in layers ($layers), no upward include"
