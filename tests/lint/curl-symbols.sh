#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Every libcurl symbol the helper uses must exist in libcurl 7.61.0 (RHEL 8
# ships 7.61.1), unless it is guarded by "#if LIBCURL_VERSION_NUM >= 0xXXYYZZ"
# (or CURL_AT_LEAST_VERSION, or #ifdef SYMBOL) with a version at least the one
# that introduced it. Versions come from curl's own tables, checked in under
# tests/lint/curl/ with curl's licence: symbols-in-versions (constants) and
# functions-in-versions (functions, from curl's man pages). A symbol in
# neither table fails too, so a new one cannot slip past unchecked.
# Exit 0 pass, 1 fail.
top=${abs_top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
min=${NS_CURL_MIN:-7.61.0}
tables=$top/tests/lint/curl

# Types are not in curl's tables: the version each came in, from curl's
# headers' history (CURLU with the URL API, 7.62.0).
types="CURL 7.1
CURLcode 7.1
CURLoption 7.1
CURLINFO 7.4.1
curl_slist 7.1
curl_off_t 7.11.0
CURLU 7.62.0"

# check DIR: the awk below over every .c/.h under DIR.
check() {
	files=$(find "$1" -name '*.[ch]' | sort)
	[ -n "$files" ] || { echo "FAIL: no sources under $1"; return 1; }
	{
	echo "$types" | sed 's/^/T /'
	sed -n 's/^\(CURL[A-Za-z0-9_]*\)  *\([0-9][0-9.]*\).*/T \1 \2/p' "$tables/symbols-in-versions"
	sed -n 's/^\(curl_[a-z0-9_]*\) \([0-9][0-9.]*\)$/T \1 \2/p' "$tables/functions-in-versions"
	for f in $files; do
		echo "F $f"
		cat "$f"
	done
} | awk -v min="$min" '
function vnum(v,   a, n) {
	n = split(v, a, ".")
	return (a[1] + 0) * 65536 + (n > 1 ? a[2] + 0 : 0) * 256 + (n > 2 ? a[3] + 0 : 0)
}
# The version (as a number) a condition line guarantees, 0 if none.
function cond_version(line,   m, h, v) {
	if (match(line, /LIBCURL_VERSION_NUM[ \t]*>=?[ \t]*0x[0-9A-Fa-f]+/)) {
		m = substr(line, RSTART, RLENGTH)
		sub(/.*0x/, "", m)
		v = 0
		for (h = 1; h <= length(m); h++)
			v = v * 16 + index("0123456789abcdef", tolower(substr(m, h, 1))) - 1
		return v
	}
	if (match(line, /CURL_AT_LEAST_VERSION[ \t]*\([ \t]*[0-9]+[ \t]*,[ \t]*[0-9]+[ \t]*,[ \t]*[0-9]+/)) {
		m = substr(line, RSTART, RLENGTH)
		sub(/.*\(/, "", m)
		gsub(/[ \t]/, "", m)
		gsub(/,/, ".", m)
		return vnum(m)
	}
	return 0
}
function guarded_by(sym,   i) {
	for (i = 1; i <= depth; i++)
		if (live[i] && def[i] == sym)
			return 1
	return 0
}
function guard_version(   i, g) {
	g = 0
	for (i = 1; i <= depth; i++)
		if (live[i] && ver[i] > g)
			g = ver[i]
	return g
}
BEGIN { minv = vnum(min); bad = 0; used = 0 }
$1 == "T" { intro[$2] = $3; next }
$1 == "F" { file = $2; sub(/.*\/src\//, "src/", file); lineno = 0; depth = 0; incomment = 0; next }
{
	lineno++
	line = $0
	# Comments out (block comments may span lines).
	if (incomment) {
		if (index(line, "*/") == 0) next
		line = substr(line, index(line, "*/") + 2); incomment = 0
	}
	while (match(line, /\/\*/)) {
		rest = substr(line, RSTART + 2)
		if (index(rest, "*/") == 0) { line = substr(line, 1, RSTART - 1); incomment = 1; break }
		line = substr(line, 1, RSTART - 1) " " substr(rest, index(rest, "*/") + 2)
	}
	sub(/\/\/.*/, "", line)
	gsub(/"([^"\\]|\\.)*"/, "\"\"", line)
	if (line ~ /^[ \t]*#[ \t]*if/) {
		depth++; ver[depth] = cond_version(line); def[depth] = ""; live[depth] = 1
		if (line ~ /^[ \t]*#[ \t]*ifdef/) { d = line; sub(/.*ifdef[ \t]+/, "", d); sub(/[ \t].*/, "", d); def[depth] = d }
		else if (match(line, /defined[ \t]*\(?[ \t]*[A-Za-z_0-9]+/)) { d = substr(line, RSTART, RLENGTH); sub(/defined[ \t]*\(?[ \t]*/, "", d); def[depth] = d }
		if (line ~ /^[ \t]*#[ \t]*ifndef/) { ver[depth] = 0; def[depth] = "" }
		next
	}
	if (line ~ /^[ \t]*#[ \t]*(else|elif)/) { live[depth] = 0; next }
	if (line ~ /^[ \t]*#[ \t]*endif/) { if (depth > 0) depth--; next }
	if (line ~ /^[ \t]*#/) next
	while (match(line, /[A-Za-z_][A-Za-z_0-9]*/)) {
		sym = substr(line, RSTART, RLENGTH)
		line = substr(line, RSTART + RLENGTH)
		if (sym !~ /^(CURL|curl_)/) continue
		key = file ":" sym
		if (seen[key]++) continue
		used++
		if (!(sym in intro)) {
			printf "FAIL: %s:%d: %s is in neither of curl'"'"'s tables (tests/lint/curl/)\n", file, lineno, sym
			bad++
			continue
		}
		need = vnum(intro[sym])
		if (need <= minv || guarded_by(sym) || guard_version() >= need) continue
		printf "FAIL: %s:%d: %s needs libcurl %s (newer than %s) and is not guarded by #if LIBCURL_VERSION_NUM >= 0x%06x\n", file, lineno, sym, intro[sym], min, need
		bad++
	}
}
END {
	if (used == 0) { print "FAIL: no libcurl symbol found: is the scan broken?"; exit 1 }
	if (bad) exit 1
	printf "ok: %d uses of libcurl symbols checked, each in libcurl %s or guarded\n", used, min
}'
}

# First the check itself, on code it must refuse: one unguarded 7.85 option,
# the same option guarded, the deprecated one in the #else branch, a 7.62
# function, and a name curl never had.
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
mkdir "$t/src"
cat >"$t/src/probe.c" <<'PROBE'
#include <curl/curl.h>
void probe(CURL *c)
{
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");	/* unguarded: refused */
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http");
#else
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, 3L);
#endif
	curl_url();						/* 7.62: refused */
	curl_easy_setopt(c, CURLOPT_NO_SUCH_OPTION, 1L);	/* unknown: refused */
}
PROBE
out=$(check "$t/src")
if [ "$(echo "$out" | grep -c '^FAIL:')" -ne 3 ] ||
	! echo "$out" | grep -q 'CURLOPT_PROTOCOLS_STR needs libcurl 7.85.0' ||
	! echo "$out" | grep -q 'curl_url needs libcurl 7.62.0' ||
	! echo "$out" | grep -q 'CURLOPT_NO_SUCH_OPTION is in neither'; then
	echo "FAIL: the check does not refuse what it must; it said:"
	echo "$out"
	exit 1
fi
echo "ok: the check refuses an unguarded 7.85 option, a 7.62 function and an unknown name"

check "$top/src"
