#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One certmonger tracking 20 requests at once, in automatic password mode:
# the helpers run in parallel on the same GetCACaps cache, the same state
# directory and the same admin account, and every request ends issued, with
# one password fetched each and no state file torn.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
N=20
e2e_begin "$N requests at once in one certmonger"
e2e_require_helper
ndes_start --password-max $((N + 5))
umask 077
printf '%s\n' "$NDES_PASSWORD" >"$T/admin-pw"
helper_conf "url=$NDES_URL" "admin-url=$NDES_ADMIN_URL" "user=$NDES_USER" \
	"password-file=$T/admin-pw" "auth=ntlm" "auto-password=yes" "retry-interval=10"
cm_add_ca ndes
cm_wait_ca ndes 30

pids=()
for i in $(seq $N); do
	echo >"$T/r$i.otp"
	getcert request -c ndes -I "r$i" -k "$T/r$i.key" -f "$T/r$i.crt" -g 2048 \
		-N "CN=r$i.example.test" -D "r$i.example.test" -l "$T/r$i.otp" >"$T/request-r$i.out" 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || e2e_fail "a getcert request failed"; done
e2e_ok "$N requests made at once"

all_done() {
	local i st
	for i in $(seq $N); do
		st=$(cm_status "r$i")
		case $st in
		MONITORING) ;;
		CA_REJECTED | NEED_GUIDANCE | CA_UNCONFIGURED) e2e_fail "request r$i stopped in $st: $(cm_field "r$i" ca-error)" ;;
		*) return 1 ;;
		esac
	done
}
wait_until 300 "all $N requests MONITORING" all_done
for i in $(seq $N); do
	check_cert "$T/r$i.crt" "$T/r$i.key" "CN=r$i.example.test" "DNS:r$i.example.test" >/dev/null ||
		e2e_fail "certificate r$i"
done
e2e_ok "$N certificates checked (chain, subject, SAN, key)"
assert_eq "passwords fetched (one per request)" $N \
	"$(log_count 's("operation") == "admin" and s("admin_result") == "password"')"
assert_eq "distinct serials" $N "$(for i in $(seq $N); do cert_serial "$T/r$i.crt"; done | sort -u | wc -l)"
assert_eq "GetCACaps cache files" 1 "$(find "$T/state" -maxdepth 1 -name 'caps-*' ! -name '*.tmp' ! -name '*.failed' | wc -l)"
assert_eq "temporary files left in the state directory" 0 \
	"$(find "$T/state" -maxdepth 1 \( -name '*.tmp' -o -name '*.XXXXXX' -o -name '*.[A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9]' \) | wc -l)"
assert_eq "consumed passwords recorded (no lost update)" $N \
	"$(grep -Ec '^[0-9]+ [0-9a-f]{64}$' "$T/state/used-passwords")"
e2e_pass
