#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# "ndes-submit otp" against the NDES stand-in's admin page over NTLM: the
# right password, a wrong one, each failure page, password file checks,
# the CA thumbprint, and that no secret reaches stdout/stderr/argv.
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
otp_netns "$@"
otp_require

umask 077
printf 'Secr3t!\n' >"$T/alice.pw"
printf 'wrong-pw\n' >"$T/wrong.pw"
printf 'Car0l-pw\n' >"$T/carol.pw"
chmod 600 "$T"/*.pw

# The admin page of the running stand-in, as alice (after every otp_start).
start() {
	otp_start "$@"
	A=(--admin-url "$ADMIN" --user 'EXAMPLE\alice' --password-file "$T/alice.pw")
}
start --no-permission-user carol

# 1. the right password, NTLM
run "NTLM, right password" 0 "${A[@]}" --auth ntlm otp
pw=$(cat "$T/out")
if [[ "$pw" =~ ^[0-9A-F]{16}$ ]] && [ "$(wc -l <"$T/out")" = 1 ]; then
	ok "the password alone on stdout: 16 hex digits"
else
	bad "stdout is not one 16-hex password: $(cat "$T/out")"
fi
grep -qF "\"$pw\"" "$T/ndes/passwords.json" && ok "the server handed out that password" ||
	bad "password $pw not in the server's passwords.json"
grep -q 'NTLM.*logon' "$T/server.out" && ok "the stand-in saw an NTLM logon" ||
	bad "no NTLM logon: $(tail -n 3 "$T/server.out")"
expect_in "$T/err" "plain http" "plain http warns that credentials may be exposed"
expect_not_in "$T/err" "Secr3t!" "admin password not on stderr"

# 2. auth any (the default) with user and password: NTLM too; options after the subcommand
run "auth any, options after the subcommand" 0 otp "${A[@]}"
[[ "$(cat "$T/out")" =~ ^[0-9A-F]{16}$ ]] && ok "auth any gave a password" || bad "auth any: $(cat "$T/out")"
[ "$(cat "$T/out")" != "$pw" ] && ok "a new password each fetch" || bad "same password twice"

# 2b. the user as name@domain (UPN form)
run "NTLM, user as alice@example.test" 0 --admin-url "$ADMIN" --user 'alice@example.test' \
	--password-file "$T/alice.pw" --auth ntlm otp

# 3. --show-thumbprint, compared with GetCACert (no warning when they match)
run "--show-thumbprint" 0 --url "$URL" "${A[@]}" otp --show-thumbprint -v
want=$(openssl x509 -in "$T/ndes/issuing-ca.pem" -noout -fingerprint -md5 | sed 's/.*=//; s/://g' |
	sed -E 's/(.{8})(.{8})(.{8})(.{8})/\1 \2 \3 \4/')
[ "$(sed -n 2p "$T/out")" = "$want" ] && ok "thumbprint = MD5 of the issuing CA ($want)" ||
	bad "thumbprint line \"$(sed -n 2p "$T/out")\", expected \"$want\""
expect_in "$T/err" "matches GetCACert" "thumbprint checked against GetCACert"
expect_not_in "$T/err" "Secr3t!" "verbose output has no admin password"
expect_not_in "$T/err" "$(sed -n 1p "$T/out")" "verbose output has no one-time password"
expect_not_in "$T/err" "Authorization" "verbose output has no Authorization header"

# 4. a different CA behind url than on the admin page: warning
otp_stop
mkdir -p "$T/other"
"$SERVER" --listen 127.0.0.1:0 --state "$T/other" --user 'EXAMPLE\alice:Secr3t!' >"$T/other.out" 2>&1 &
other_pid=$!
for _ in $(seq 600); do [ -s "$T/other/port" ] && break; sleep 0.1; done
start --no-permission-user carol
run "thumbprint of another CA" 0 --url "http://127.0.0.1:$(cat "$T/other/port")/certsrv/mscep/mscep.dll" \
	"${A[@]}" otp
expect_in "$T/err" "matches no certificate from GetCACert" "mismatch warning"
kill "$other_pid"; wait "$other_pid" 2>/dev/null

# 5. wrong password: 401, the offered schemes, no secret
run "NTLM, wrong password" 10 --admin-url "$ADMIN" --user 'EXAMPLE\alice' \
	--password-file "$T/wrong.pw" --auth ntlm otp
expect_in "$T/err" "wrong credentials (HTTP 401)" "401 explained"
expect_in "$T/err" "Negotiate" "the server's schemes named"
expect_in "$T/err" "NTLM" "the server's schemes named (NTLM)"
expect_not_in "$T/err" "wrong-pw" "tried password not shown"
[ -s "$T/out" ] && bad "stdout not empty on failure" || ok "stdout empty on failure"

# 6. password file readable by others: refused before any request
chmod 644 "$T/alice.pw"
run "password file mode 0644" 4 "${A[@]}" otp
expect_in "$T/err" "mode 0644" "mode named"
expect_in "$T/err" "chmod 600" "fix named"
chmod 600 "$T/alice.pw"

# 7. no --password option: secrets never on the command line
run "no --password option" 4 --admin-url "$ADMIN" --user 'EXAMPLE\alice' --password 'Secr3t!' otp

# 8. Basic over http: refused
run "Basic over plain http" 4 "${A[@]}" --auth basic otp
expect_in "$T/err" "https" "Basic needs TLS"

# 9. an account without Enroll permission
run "no permission page" 11 --admin-url "$ADMIN" --user 'EXAMPLE\carol' \
	--password-file "$T/carol.pw" otp
expect_in "$T/err" "no permission" "no permission explained"

# 10. the cache is full
start --no-permission-user carol --password-max 1
run "first of one slot" 0 "${A[@]}" otp
run "password cache full" 12 "${A[@]}" otp
expect_in "$T/err" "at most 5 unused passwords" "PasswordMax named"
expect_in "$T/err" "60 minutes" "PasswordValidity named"

# 11. admin page disabled / NDES cannot decrypt its password
start --admin-disabled
run "admin page disabled (404)" 13 "${A[@]}" otp
expect_in "$T/err" "Intune" "hardening / Intune named"
start --admin-error
run "server error (500)" 14 "${A[@]}" otp
expect_in "$T/err" "events 2 and 49" "NDES events named"

# 12. the page in each encoding NDES uses
for enc in utf16le utf8; do
	start --admin-encoding "$enc"
	run "admin page in $enc" 0 "${A[@]}" otp
	[[ "$(cat "$T/out")" =~ ^[0-9A-F]{16}$ ]] && ok "$enc: password read" || bad "$enc: $(cat "$T/out")"
done
start --password-length 16
run "32-hex password" 0 "${A[@]}" otp
[[ "$(cat "$T/out")" =~ ^[0-9A-F]{32}$ ]] && ok "32 hex digits read" || bad "32: $(cat "$T/out")"

# 12b. over TLS: trusted through ca-bundle, no plain-http warning; untrusted: 3
start --tls
HTTPS_ADMIN="https://127.0.0.1:$PORT/certsrv/mscep_admin/"
run "NTLM over https" 0 --ca-bundle "$T/ndes/root-ca.pem" --admin-url "$HTTPS_ADMIN" \
	--user 'EXAMPLE\alice' --password-file "$T/alice.pw" otp
[[ "$(cat "$T/out")" =~ ^[0-9A-F]{16}$ ]] && ok "password over https" || bad "https: $(cat "$T/out")"
expect_not_in "$T/err" "plain http" "no plain-http warning over https"
run "https, CA not trusted" 3 --admin-url "$HTTPS_ADMIN" --user 'EXAMPLE\alice' \
	--password-file "$T/alice.pw" otp
expect_in "$T/err" "TLS" "TLS failure named"
run "Basic over https, server without Basic" 10 --ca-bundle "$T/ndes/root-ca.pem" \
	--admin-url "$HTTPS_ADMIN" --user 'EXAMPLE\alice' --password-file "$T/alice.pw" --auth basic otp
expect_in "$T/err" "offers: Negotiate, NTLM" "offered schemes named"

# 13. nobody listening / admin URL derived from url (https, port 443)
port=$PORT
otp_stop
run "server down" 3 "${A[@]}" otp
expect_in "$T/err" "127.0.0.1:$port" "address named"
run "derived admin URL" 3 --url "http://127.0.0.1:$port/certsrv/mscep/mscep.dll" \
	--user 'EXAMPLE\alice' --password-file "$T/alice.pw" otp
expect_in "$T/err" "127.0.0.1:443" "https://HOST/certsrv/mscep_admin/ tried"

otp_finish
