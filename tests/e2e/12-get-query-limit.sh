#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A server without POSTPKIOperation (GET only) behind IIS' default query
# string limit (2048): a 2048-bit request does not fit, and the ca-error
# says so. With the limit raised on the server (and the helper told), the
# request goes through by GET.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_begin "GET-only server and the IIS query-string limit"
ndes_setup --no-post

PW=$(otp_fetch) || e2e_fail "no one-time password"
cm_request big -g 2048 -N CN=get1.example.test -L "$PW"
wait_for_state big 'CA_REJECTED|CA_UNCONFIGURED|NEED_GUIDANCE' 90
assert_match "state" '^(CA_REJECTED|CA_UNCONFIGURED)$' "$(cm_status big)"
err=$(cm_field big ca-error)
assert_match "ca-error names the query-string limit" 'query|maxQueryString|URL|too long|414|404\.1[45]' "$err"
[ -s "$T/big.crt" ] && e2e_fail "a certificate was saved"
e2e_ok "no certificate"
assert_eq "POSTed PKIOperations" 0 \
	"$(log_count 's("operation") == "pkioperation" and s("method") == "post"')"

# The server's limit raised (as NDES does for its own location), and the
# helper allowed to send long GETs.
ndes_stop
ndes_start --no-post --max-query-string 65536 --max-url 65536
helper_conf "url=$NDES_URL" "max-get-length=65536"
PW=$(otp_fetch) || e2e_fail "no one-time password"
cm_request get -g 2048 -N CN=get2.example.test -D get2.example.test -L "$PW"
wait_for_state get MONITORING 90
check_cert "$T/get.crt" "$T/get.key" "CN=get2.example.test" DNS:get2.example.test
assert_eq "PKCSReq by GET answered SUCCESS" 1 \
	"$(log_count 's("message_type") == "19" and s("method") == "get" and s("pki_status") == "success"')"
assert_eq "POSTed PKIOperations" 0 \
	"$(log_count 's("operation") == "pkioperation" and s("method") == "post"')"
e2e_pass
