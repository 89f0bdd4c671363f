#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Two NDES servers behind a load balancer without stickiness, configured as
# ONE url (the balancer): the one-time password is fetched from one server
# and the request that carries it reaches the other, which has never heard
# of it (0x80070490). Nothing is issued, and ca-error says what happened:
# the password went to another NDES server; make the balancer sticky or
# list the servers in the helper's url setting.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "load balancer without stickiness in front of two NDES servers"
ndes_multi_diagnostics
e2e_require_helper
ndes_multi_start a 18383
ndes_multi_start b 18384
# Per-connection, no stickiness. The admin page goes to A and every other
# connection to B (--admin-to 0): the password and the request travel on
# different connections anyway, and this makes them land on different
# servers whatever else the helper does in between (plain round robin
# would depend on the parity of the connections in between).
rr_proxy_start 18385 --admin-to 0 18383 18384
umask 077
printf '%s\n' "$NDES_PASSWORD" >"$T/admin-pw"
# One url: the balancer's, and the admin page through it too (an http url
# would give https://HOST:443/ as the derived admin page).
helper_conf "url=$RR_PROXY_URL" "admin-url=$RR_PROXY_ADMIN_URL" \
	"user=$NDES_USER" "password-file=$T/admin-pw" \
	"auth=ntlm" "auto-password=yes" "retry-interval=5"
cm_add_ca ndes
cm_wait_ca ndes 30 || e2e_fail "no SCEP CA certificates"

echo >"$T/lb.otp"
cm_request lb -g 2048 -N CN=lb1.example.test -D lb1.example.test -l "$T/lb.otp"
# Loosely: "another NDES server", "one NDES server and ... another".
ANOTHER='another (NDES )?server|one NDES server.* another'
explained() { getcert list -i lb | grep -Eqi "ca-error: .*($ANOTHER)"; }
# (Issued would be wrong too: stop waiting then, the checks below say why.)
settled() { explained || [ "$(cm_status lb)" = MONITORING ]; }
wait_until 150 "ca-error of lb explains the password went to another server (or lb issued)" settled
assert_ne "state" MONITORING "$(cm_status lb)"
err=$(cm_field lb ca-error)
assert_match "ca-error: another NDES server" "$ANOTHER" "$err"
assert_match "ca-error: load balancer stickiness" 'stick' "$err"
assert_match "ca-error: the several-servers setting (url)" '\burl\b|several' "$err"
for pw in $(ndes_passwords a); do
	case $err in *"$pw"*) e2e_fail "ca-error shows the one-time password" ;; esac
done
e2e_ok "no one-time password in ca-error"
admin_ok='s("operation") == "admin" and s("admin_result") == "password"'
fetched=$(ndes_log_count a "$admin_ok")
# Not issued, and it stays that way: over more than a retry-interval no
# certificate, and no further password fetched into a balancer that loses
# them (each one takes a slot of NDES' password cache).
sleep 8
st=$(cm_status lb)
assert_ne "state" MONITORING "$st"
[ -s "$T/lb.crt" ] && e2e_fail "a certificate was issued through the non-sticky balancer"
e2e_ok "no certificate (state $st)"

# What the servers saw: A issued the password(s) and never got a request;
# B got the request(s) and reported the password unknown; B issued none.
assert_ge "passwords issued by A" 1 "$(ndes_log_count a "$admin_ok")"
assert_eq "passwords issued by B" 0 "$(ndes_log_count b "$admin_ok")"
assert_eq "PKCSReqs that reached A" 0 "$(ndes_log_count a 's("message_type") == "19"')"
unknown=$(ndes_log_count b 's("message_type") == "19" and s("password") == "unknown"')
assert_ge "PKCSReqs at B with a password B did not know" 1 "$unknown"
assert_eq "PKCSReqs at B with any other password outcome" 0 \
	"$(ndes_log_count b 's("message_type") == "19" and s("password") != "unknown"')"
assert_eq "hresult at B" 0x80070490 \
	"$(NDES_DIR="$T/ndes-b" log_last 's("message_type") == "19"' hresult)"
assert_eq "passwords in B's cache" 0 "$(ndes_passwords b | wc -l)"
assert_eq "passwords A issued that were used (at A)" 0 "$(ndes_passwords a used | wc -l)"
assert_eq "passwords fetched after ca-error explained it (no retry loop)" "$fetched" \
	"$(ndes_log_count a "$admin_ok")"
grep -q '(admin)' "$T/rr-proxy.log" && grep -q '(scep)' "$T/rr-proxy.log" ||
	e2e_fail "the proxy log does not show both kinds of connection"
e2e_ok "proxy: $(grep -c '(admin)$' "$T/rr-proxy.log") admin and $(grep -c '(scep)$' "$T/rr-proxy.log") SCEP connections"
e2e_pass
