#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Acceptance test: an independent SCEP client (micromdm scepclient, Debian
# package "scep") enrolls against ndes-server with a one-time password that
# curl fetched from mscep_admin with NTLM, then renews with the issued
# certificate. Exit 0 pass, 77 skip, 1 fail.
#
# scepclient 2.1 quirks met here (not the server's): it stores the FIRST
# certificate of the reply envelope as its certificate (the server's
# default, --envelope-certs issued-first, puts the issued one there), it
# renews with the same key and so the same transactionID (the server then
# replays the existing certificate, as MSCEP did in sscep #189), it
# encrypts with single DES to every GetCACert certificate, and on GET it
# sends URL-safe base64.

# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
prereq_python cryptography asn1crypto
prereq_cmd curl openssl scepclient iconv
if [ ! -f "$here/../winauth.py" ]; then
    echo "FAIL: tests/ndes-server/winauth.py missing"
    exit 1
fi

server=$here/../ndes-server
work=$(mktemp -d /tmp/ns-scepclient.XXXXXX)
state=$work/state
pid=
fails=0
n=0

# shellcheck disable=SC2317  # cleanup() runs from the EXIT trap
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    if [ "$fails" = 0 ]; then
        rm -rf "$work"
    else
        echo "# state kept in $work"
    fi
}
trap cleanup EXIT

ok() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        fails=$((fails + 1))
    fi
}

start() {
    rm -f "$state/port"
    "$server" --listen 127.0.0.1:0 --state "$state" --user 'EXAMPLE\alice:Secr3t!' "$@" \
        >>"$work/server.out" 2>&1 &
    pid=$!
    for _ in $(seq 1 200); do
        [ -s "$state/port" ] && break
        sleep 0.05
    done
    if [ ! -s "$state/port" ]; then
        echo "not ok - ndes-server did not start"
        cat "$work/server.out"
        exit 1
    fi
    port=$(cat "$state/port")
    url=http://127.0.0.1:$port/certsrv/mscep/mscep.dll
}

stop() {
    kill "$pid"
    wait "$pid"
    ok $? "ndes-server exits 0 on SIGTERM"
    pid=
}

fetch_password() {
    # exactly what a newcomer types, then the second <B> of the UTF-16 page
    curl -sS --ntlm -u 'EXAMPLE\alice:Secr3t!' "http://127.0.0.1:$port/certsrv/mscep_admin/" \
        -o "$work/admin.html" || return 1
    iconv -f UTF-16 -t UTF-8 "$work/admin.html" |
        sed -n 's/.*challenge password is: <B> \([0-9A-F]*\) <\/B>.*/\1/p'
}

last_pkiop() {
    # field $1 of the last PKIOperation line of the log
    "$PY" -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
recs = [r for r in recs if r.get("operation") == "PKIOperation"]
print(recs[-1].get(sys.argv[2]) if recs else "")' "$state/log.jsonl" "$1"
}

same_key() {
    # does certificate $1 hold the public key of private key $2?
    [ "$(openssl x509 -in "$1" -noout -pubkey 2>/dev/null | openssl pkey -pubin -outform DER 2>/dev/null | sha256sum)" = \
      "$(openssl pkey -in "$2" -pubout -outform DER 2>/dev/null | sha256sum)" ]
}

enroll() {
    # enroll DIR CN PASSWORD
    mkdir -p "$1"
    timeout 60 scepclient -server-url "$url" -challenge "$3" -cn "$2" \
        -private-key "$1/key.pem" -certificate "$1/cert.pem" >"$1/out.txt" 2>&1
}

serial_of() {
    # hex serial of PEM certificate $1, lower case without leading zeros, as
    # the server names DIR/issued/SERIAL.pem
    openssl x509 -in "$1" -noout -serial | sed 's/^serial=0*//' | tr 'A-F' 'a-f'
}

# --- 1. defaults: the issued certificate comes first in the envelope, so
# scepclient's cert.pem is the issued certificate
start
pw=$(fetch_password)
[ "${#pw}" = 16 ]
ok $? "curl --ntlm fetched a 16-character password from mscep_admin"
enroll "$work/c1" scep-host1 "$pw"
ok $? "scepclient enrolls (POST, default server)"
ok "$([ "$(last_pkiop pki_status)" = SUCCESS ]; echo $?)" "server logged SUCCESS"
ok "$([ "$(last_pkiop password)" = ok ]; echo $?)" "server logged the password as ok"
echo "# scepclient's request: cipher $(last_pkiop envelope_cipher), digest $(last_pkiop digest), method $(last_pkiop method)"
serial=$(last_pkiop issued_serial)
ok "$([ -n "$serial" ] && [ "$(serial_of "$work/c1/cert.pem")" = "$serial" ]; echo $?)" \
    "scepclient stored the ISSUED certificate (serial $serial) from the default reply"
same_key "$work/c1/cert.pem" "$work/c1/key.pem"
ok $? "scepclient's cert.pem holds its key"
openssl x509 -in "$work/c1/cert.pem" -noout -subject | grep -q 'CN *= *scep-host1'
ok $? "issued subject CN=scep-host1"
openssl verify -CAfile "$state/root-ca.pem" -untrusted "$state/issuing-ca.pem" \
    "$work/c1/cert.pem" >/dev/null 2>&1
ok $? "scepclient's certificate verifies to DIR/root-ca.pem"
rc=0; enroll "$work/c1b" scep-host1 "$pw" || rc=$?
ok "$([ "$rc" != 0 ] && [ "$(last_pkiop hresult)" = 0x80070490 ] &&
      [ "$(last_pkiop password)" = reused ]; echo $?)" \
    "the same password again: refused as unknown (0x80070490)"

# --- 2. same-key renewal: scepclient reuses its key, so its transactionID
# (a digest of the key) is the first enrolment's: the same certificate back
cp "$work/c1/cert.pem" "$work/c1/first.pem"
timeout 60 scepclient -server-url "$url" -cn scep-host1 -private-key "$work/c1/key.pem" \
    -certificate "$work/c1/cert.pem" >"$work/c1/renew.txt" 2>&1
ok $? "scepclient renews (same key) without a password"
ok "$([ "$(last_pkiop message_type)" = 17 ] && [ "$(last_pkiop replayed)" = True ] &&
      [ "$(last_pkiop issued_serial)" = "$serial" ]; echo $?)" \
    "server saw RenewalReq (17) with the known transactionID and replayed it"
ok "$([ "$(serial_of "$work/c1/cert.pem")" = "$serial" ] &&
      cmp -s "$work/c1/cert.pem" "$work/c1/first.pem"; echo $?)" \
    "scepclient got the existing certificate back (same serial $serial)"
stop

# --- 3. without transactionID replay: scepclient's renewal is a real one.
# (scepclient reuses its CSR, which still carries the spent password: by
# default the server checks a renewal's password, so that fails)
start --no-txid-replay
rc=0
timeout 60 scepclient -server-url "$url" -cn scep-host1 -private-key "$work/c1/key.pem" \
    -certificate "$work/c1/cert.pem" >"$work/c1/renew2.txt" 2>&1 || rc=$?
ok "$([ "$rc" != 0 ] && [ "$(last_pkiop renewal)" = True ] &&
      [ "$(last_pkiop password)" = reused ]; echo $?)" \
    "--no-txid-replay: renewal carrying the spent password is refused"
stop
start --no-txid-replay --ignore-renewal-password
timeout 60 scepclient -server-url "$url" -cn scep-host1 -private-key "$work/c1/key.pem" \
    -certificate "$work/c1/cert.pem" >"$work/c1/renew3.txt" 2>&1
ok $? "--no-txid-replay --ignore-renewal-password: scepclient renews"
ok "$([ "$(last_pkiop renewal)" = True ] &&
      [ "$(last_pkiop signer_kind)" = issued-valid ]; echo $?)" \
    "server saw a renewal signed by the issued certificate"
ok "$([ "$(serial_of "$work/c1/cert.pem")" != "$serial" ] &&
      [ "$(serial_of "$work/c1/cert.pem")" = "$(last_pkiop issued_serial)" ]; echo $?)" \
    "a new certificate after renewal, stored by scepclient"
stop

# --- 4. renewal refused when the server demands passwords for renewals
start --no-txid-replay --refuse-renewal
rc=0
timeout 60 scepclient -server-url "$url" -cn scep-host1 -private-key "$work/c1/key.pem" \
    -certificate "$work/c1/cert.pem" >"$work/c1/renew4.txt" 2>&1 || rc=$?
ok "$([ "$rc" != 0 ] && [ "$(last_pkiop renewal)" = False ] &&
      [ "$(last_pkiop fail_info)" = badMessageCheck ]; echo $?)" \
    "--refuse-renewal: scepclient's renewal needs a password and is refused"
stop

# --- 5. GET PKIOperation (caps without POSTPKIOperation, NDES's 65536 limit)
start --no-post --max-query-string 65536
pw=$(fetch_password)
enroll "$work/c5" scep-host5 "$pw"
ok $? "scepclient enrolls by GET when POSTPKIOperation is not offered"
ok "$([ "$(last_pkiop method)" = GET ]; echo $?)" "server saw a GET PKIOperation"
same_key "$work/c5/cert.pem" "$work/c5/key.pem"
ok $? "GET enrolment: cert.pem holds the key"
stop

echo "1..$n"
[ "$fails" = 0 ] || { cat "$work"/c*/out.txt 2>/dev/null | tail -20 | sed 's/^/# /'; exit 1; }
exit 0
