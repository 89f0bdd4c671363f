#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# "ndes-submit otp --count N" against the NDES stand-in's admin page (NTLM):
# N passwords, each alone on its line, all different, all handed out by the
# server, and each one working: an independent SCEP client (micromdm's
# scepclient) enrolls with each. More than NDES' default cache of 5 warns;
# past the stand-in's cache the passwords fetched so far are still printed
# and the exit status is "cache full" (12). Bad counts are refused (4).
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
otp_netns "$@"
otp_require
command -v scepclient >/dev/null ||
	prereq_skip "scepclient (Debian package scep) missing: scripts/install-deps.sh"

umask 077
printf 'Secr3t!\n' >"$T/alice.pw"
chmod 600 "$T/alice.pw"
otp_start
A=(--admin-url "$ADMIN" --user 'EXAMPLE\alice' --password-file "$T/alice.pw" --auth ntlm)

# 1. three passwords
run "otp --count 3" 0 "${A[@]}" otp --count 3
if [ "$(wc -l <"$T/out")" = 3 ] && ! grep -qvE '^[0-9A-F]{16}$' "$T/out"; then
	ok "three lines of 16 hex digits"
else
	bad "stdout is not three passwords: $(cat "$T/out")"
fi
[ "$(sort -u "$T/out" | wc -l)" = 3 ] && ok "three different passwords" || bad "passwords repeat"
cp "$T/out" "$T/three"
n=0
while read -r pw; do
	grep -qF "\"$pw\"" "$T/ndes/passwords.json" && n=$((n + 1))
done <"$T/three"
[ "$n" = 3 ] && ok "the server handed out all three" || bad "only $n of 3 in passwords.json"
expect_not_in "$T/err" "exceeds NDES' default cache" "no cache warning for 3"
expect_not_in "$T/err" "Secr3t!" "admin password not on stderr"

# 2. each one works: scepclient enrolls with it (judged by the server's log:
#    scepclient may store another certificate of the reply as its own)
last_pkiop() {
	"$PY" -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
recs = [r for r in recs if r.get("operation") == "PKIOperation"]
print(recs[-1].get(sys.argv[2]) if recs else "")' "$T/ndes/log.jsonl" "$1"
}
i=0
while read -r pw; do
	i=$((i + 1))
	mkdir -p "$T/c$i"
	if timeout 60 scepclient -server-url "$URL" -challenge "$pw" -cn "count-host$i" \
		-private-key "$T/c$i/key.pem" -certificate "$T/c$i/cert.pem" >"$T/c$i/out.txt" 2>&1 &&
		[ "$(last_pkiop pki_status)" = SUCCESS ] && [ "$(last_pkiop password)" = ok ]; then
		ok "password $i enrolls count-host$i"
	else
		bad "password $i did not enroll: $(tail -n 3 "$T/c$i/out.txt")"
	fi
done <"$T/three"

# 3. --count=N form, with --show-thumbprint: N passwords, then the thumbprint
run "otp --count=2 --show-thumbprint" 0 "${A[@]}" otp --count=2 --show-thumbprint
want=$(openssl x509 -in "$T/ndes/issuing-ca.pem" -noout -fingerprint -md5 | sed 's/.*=//; s/://g' |
	sed -E 's/(.{8})(.{8})(.{8})(.{8})/\1 \2 \3 \4/')
if [ "$(wc -l <"$T/out")" = 3 ] && [ "$(sed -n 3p "$T/out")" = "$want" ] &&
	[ "$(head -n 2 "$T/out" | grep -cE '^[0-9A-F]{16}$')" = 2 ]; then
	ok "two passwords, then the thumbprint"
else
	bad "--count=2 --show-thumbprint printed: $(cat "$T/out")"
fi

# 4. more than 5: a warning; the stand-in's cache (5) fills: exit 12, the
#    passwords fetched before are printed.
otp_start --password-max 5
A=(--admin-url "$ADMIN" --user 'EXAMPLE\alice' --password-file "$T/alice.pw" --auth ntlm)
run "otp --count 7, cache of 5" 12 "${A[@]}" otp --count 7
expect_in "$T/err" "--count 7 exceeds NDES' default cache of 5" "warning above 5"
expect_in "$T/err" "5 of 7 password(s) fetched and printed" "says how many were fetched"
[ "$(grep -cE '^[0-9A-F]{16}$' "$T/out")" = 5 ] && ok "the five fetched passwords are printed" ||
	bad "expected 5 passwords on stdout, got: $(cat "$T/out")"

# 5. bad counts
for c in 0 -1 abc 101 ""; do
	run "otp --count '$c' refused" 4 "${A[@]}" otp --count "$c"
	[ -s "$T/out" ] && bad "--count '$c' printed something"
done
run "otp --count without a number" 4 "${A[@]}" otp --count
expect_in "$T/err" "needs a number" "--count alone: says a number is needed"
otp_finish
