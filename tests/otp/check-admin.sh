#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# "ndes-submit check" with admin-page settings, against the NDES stand-in:
# credential file modes, NTLM/Basic over plain http, the admin page reached
# without credentials and the schemes its 401 offers compared with `auth`,
# a disabled admin page (404) -- all without spending a one-time password.
# Without admin settings check prints no admin lines.
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
otp_netns "$@"
otp_require

umask 077
printf 'Secr3t!\n' >"$T/alice.pw"
chmod 600 "$T/alice.pw"
printf 'Secr3t!\n' >"$T/open.pw"
chmod 644 "$T/open.pw"
otp_start
A=(--url "$URL" --admin-url "$ADMIN" --user 'EXAMPLE\alice')
passwords() { "$PY" -c 'import json,sys
try: print(len(json.load(open(sys.argv[1]))))
except FileNotFoundError: print(0)' "$T/ndes/passwords.json"; }
before=$(passwords)

# 1. NTLM over http: everything fine but a warning; no password spent
run "check, NTLM admin settings" 0 "${A[@]}" --password-file "$T/alice.pw" --auth ntlm check
expect_in "$T/out" "[ OK ] password-file $T/alice.pw: mode 0600" "password file mode checked"
expect_in "$T/out" "[WARN] the admin page $ADMIN is plain http: the NTLM exchange can be captured" \
	"NTLM over http warns"
expect_in "$T/out" "[ OK ] the admin page $ADMIN is reachable and asks for authentication (HTTP 401), offering: " \
	"admin page reached, 401"
grep -q '^\[ OK \] the admin page .* offering: .*NTLM' "$T/out" && ok "the 401's schemes are listed (NTLM)" ||
	bad "no NTLM in the offered schemes: $(grep offering "$T/out")"
expect_in "$T/out" "[ OK ] auth ntlm: offered" "auth ntlm matches the offer"
expect_in "$T/out" "0 failure(s), 1 warning(s)" "summary: no failure, one warning"
expect_not_in "$T/out" "Secr3t!" "no admin password on stdout"
expect_not_in "$T/err" "Secr3t!" "no admin password on stderr"
[ "$(passwords)" = "$before" ] && ok "no one-time password was spent ($before handed out)" ||
	bad "check spent a password: $before -> $(passwords)"
grep -q 'NTLM.*logon' "$T/server.out" && bad "check logged on to the admin page" ||
	ok "check did not authenticate"

# 2. a password file others may read: FAIL, exit 4 (UNCONFIGURED)
run "check, password file 0644" 4 "${A[@]}" --password-file "$T/open.pw" --auth ntlm check
expect_in "$T/out" "[FAIL] password-file $T/open.pw is mode 0644: group or others may read it; chmod 600" \
	"mode 0644 fails with the fix"
# a missing keytab
run "check, missing keytab" 4 "${A[@]}" --keytab "$T/none.keytab" --auth negotiate check
expect_in "$T/out" "[FAIL] keytab $T/none.keytab: No such file or directory" "missing keytab fails"

# 3. Basic over plain http: refused
run "check, basic over http" 4 "${A[@]}" --password-file "$T/alice.pw" --auth basic check
expect_in "$T/out" "[FAIL] auth basic to the plain http admin page $ADMIN: the password would travel in clear" \
	"Basic over http fails"
grep -q '^\[FAIL\] auth basic, but the admin page offers no Basic' "$T/out" &&
	ok "the stand-in (like NDES) offers no Basic: said" || bad "no 'offers no Basic' line: $(cat "$T/out")"

# 4. Kerberos settings: Negotiate offered (the stand-in offers it, as NDES);
#    a ccache not there yet only warns (another service may write it later)
run "check, negotiate" 0 "${A[@]}" --ccache "FILE:$T/none.cc" --auth negotiate check
expect_in "$T/out" "[ OK ] auth negotiate: offered" "negotiate matches the offer"
expect_in "$T/out" "[WARN] ccache $T/none.cc does not exist (yet)" "a missing ccache only warns"
expect_not_in "$T/out" "is plain http" "no plain-http warning for Kerberos"

# 5. the admin page disabled (hardened NDES): 404 fails
otp_start --admin-disabled
A=(--url "$URL" --admin-url "$ADMIN" --user 'EXAMPLE\alice')
run "check, admin page disabled" 4 "${A[@]}" --password-file "$T/alice.pw" check
expect_in "$T/out" "[FAIL] the admin page $ADMIN answers HTTP 404: it is disabled" "404 explained"
expect_in "$T/out" "is reachable (GetCACaps: HTTP 200)" "the SCEP checks still run"

# 6. nobody listening on the admin URL: unreachable (3)
run "check, admin page unreachable" 3 --url "$URL" --admin-url "http://127.0.0.1:1/certsrv/mscep_admin/" \
	--user 'EXAMPLE\alice' --password-file "$T/alice.pw" check
expect_in "$T/out" "[FAIL] admin page not reachable: cannot connect to 127.0.0.1:1" "unreachable admin page"

# 7. no admin settings: no admin lines
run "check, no admin settings" 0 --url "$URL" check
expect_not_in "$T/out" "admin page" "no admin-page lines without admin settings"
otp_finish
