#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Several NDES servers (url = A B over https, admin-url derived per server:
# https keeps each server's port), automatic passwords, and A stops in the
# middle of a rollout of 10 requests: every request ends issued; a password is only ever sent to the server that
# issued it (a request whose password came from A while A went down gets a
# new one from B); while A is up B gets no password fetch and no request,
# only the CA data (fetched from every server, must agree).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
N=10
FIRST=3	# issued by A before the others are made
e2e_begin "two NDES servers, the first stops during a rollout of $N requests"
ndes_multi_diagnostics
e2e_require_helper
ndes_multi_start a 18380 --tls --password-max $((N + 5))
ndes_multi_start b 18381 --tls --password-max $((N + 5))
umask 077
printf '%s\n' "$NDES_PASSWORD" >"$T/admin-pw"
# No admin-url: the helper derives one per server (https://HOST:PORT/
# certsrv/mscep_admin/ from an https url; from an http url it would be
# port 443, see the README).
helper_conf "url=$(ndes_url a) $(ndes_url b)" "ca-bundle=$NDES_PKI/root-ca.pem" \
	"user=$NDES_USER" "password-file=$T/admin-pw" "auth=ntlm" "auto-password=yes" \
	"retry-interval=5" "connect-timeout=3" "timeout=15"
grep -q "^url = $(ndes_url a) $(ndes_url b)\$" "$T/ndes-submit.conf" ||
	e2e_fail "helper_conf did not keep both URLs on the url line: $(grep '^url' "$T/ndes-submit.conf")"
cm_add_ca ndes
cm_wait_ca ndes 30 || e2e_fail "no SCEP CA certificates"

# CA data from every reachable server (the helper compares them).
for s in a b; do
	assert_ge "GetCACert answered by $s" 1 \
		"$(ndes_log_count $s 's("operation") == "getcacert" and s("http_status") == "200"')"
done

request() {	# request I: one automatic-password request
	echo >"$T/r$1.otp"
	getcert request -c ndes -I "r$1" -k "$T/r$1.key" -f "$T/r$1.crt" -g 2048 \
		-N "CN=r$1.example.test" -D "r$1.example.test" -l "$T/r$1.otp" \
		>"$T/request-r$1.out" 2>&1
}
all_issued() {	# all_issued FROM TO: requests rFROM..rTO MONITORING
	local i st
	for i in $(seq "$1" "$2"); do
		st=$(cm_status "r$i")
		case $st in
		MONITORING) ;;
		CA_REJECTED | NEED_GUIDANCE | CA_UNCONFIGURED) e2e_fail "request r$i stopped in $st: $(cm_field "r$i" ca-error)" ;;
		*) return 1 ;;
		esac
	done
}
admin_fetches() { ndes_log_count "$1" 's("operation") == "admin" and s("admin_result") == "password"'; }
pkiops() { ndes_log_count "$1" 's("operation") == "pkioperation"'; }

# The first requests, both servers up: A (first in the list) takes them.
for i in $(seq $FIRST); do request "$i" || e2e_fail "getcert request r$i failed: $(cat "$T/request-r$i.out")"; done
wait_until 150 "r1..r$FIRST MONITORING" all_issued 1 $FIRST
assert_eq "passwords fetched from A for r1..r$FIRST" $FIRST "$(admin_fetches a)"
assert_eq "passwords fetched from B while A is up" 0 "$(admin_fetches b)"
assert_eq "PKIOperations sent to B while A is up" 0 "$(pkiops b)"

# The rest of the rollout at once; A stops as soon as the first of their
# passwords has been fetched from it, so that some requests hold a
# password from A that they have not sent yet.
pids=()
for i in $(seq $((FIRST + 1)) $N); do
	request "$i" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || e2e_fail "a getcert request failed"; done
e2e_ok "requests r$((FIRST + 1))..r$N made at once"
start=$(date +%s)
until [ "$(admin_fetches a)" -gt $FIRST ]; do
	[ $(($(date +%s) - start)) -ge 120 ] && e2e_fail "no password fetched from A for r$((FIRST + 1))..r$N within 120 s"
	sleep 0.1
done
# B's log as it stands while A is still up (a copy: instant).
mkdir -p "$T/b-before"
cp "$T/ndes-b/log.jsonl" "$T/b-before/log.jsonl" 2>/dev/null || : >"$T/b-before/log.jsonl"
ndes_multi_stop a
a_fetched=$(admin_fetches a)
e2e_log "A stopped after $a_fetched password fetches"
assert_eq "passwords fetched from B while A was up" 0 \
	"$(NDES_DIR="$T/b-before" log_count 's("operation") == "admin" and s("admin_result") == "password"')"
assert_eq "PKIOperations sent to B while A was up" 0 \
	"$(NDES_DIR="$T/b-before" log_count 's("operation") == "pkioperation"')"

wait_until 240 "all $N requests MONITORING" all_issued 1 $N
ndes_use a
for i in $(seq $N); do
	check_cert "$T/r$i.crt" "$T/r$i.key" "CN=r$i.example.test" "DNS:r$i.example.test" >/dev/null ||
		e2e_fail "certificate r$i"
done
e2e_ok "$N certificates checked (chain to the shared root, subject, SAN, key)"
assert_eq "distinct serials" $N "$(for i in $(seq $N); do cert_serial "$T/r$i.crt"; done | sort -u | wc -l)"

# No password crossed servers: every request that reached a server carried
# a password that server issued and had not seen used.
for s in a b; do
	assert_eq "PKCSReqs at $s with a password other than ok (unknown, reused...)" 0 \
		"$(ndes_log_count $s 's("message_type") == "19" and s("password") != "ok"')"
	assert_eq "passwords consumed at $s = requests with a good password at $s" \
		"$(ndes_log_count $s 's("message_type") == "19" and s("password") == "ok"')" \
		"$(ndes_passwords $s used | wc -l)"
done
assert_eq "passwords issued by both A and B (separate caches)" 0 \
	"$(comm -12 <(ndes_passwords a | sort) <(ndes_passwords b | sort) | wc -l)"
a_ok=$(ndes_log_count a 's("message_type") == "19" and s("pki_status") == "success"')
b_ok=$(ndes_log_count b 's("message_type") == "19" and s("pki_status") == "success"')
assert_eq "certificates issued by A + by B" $N $((a_ok + b_ok))
assert_ge "certificates issued by A (r1..r$FIRST at least)" $FIRST "$a_ok"
# B took nothing while A was up (above): all of these came after A stopped.
assert_ge "certificates issued by B after A stopped" 1 "$b_ok"
e2e_log "A: $a_fetched passwords fetched, $a_ok used; B: $(admin_fetches b) fetched, $b_ok used"
# The case this scenario is for: a request holding a password from A when
# A went down. A stopped right after handing out the password; certmonger
# builds the CSR that carries it some 30 s later (its rekey delay), so that
# password never came back to A and the request got a new one from B.
assert_ge "passwords A issued that never came back (requests that switched to B)" 1 \
	"$(ndes_passwords a unused | wc -l)"
helper_messages | grep -aq "^ndes-submit: .*issued the request's password.*\(down\|cannot\)" ||
	e2e_fail "the helper never said that the server that issued a request's password was down"
e2e_ok "the helper said that the server that issued a request's password was down"
assert_eq "temporary files left in the state directory" 0 \
	"$(find "$T/state" -maxdepth 1 \( -name '*.tmp' -o -name '*.XXXXXX' \) | wc -l)"
e2e_pass
