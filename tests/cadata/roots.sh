#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# FETCH-ROOTS only from authenticated data, in certmonger's JSON form: a
# trusted-ca file, or a pinned fingerprint the fetched CA matches.
. "$(dirname "$0")/lib.sh"
need_fixture getcacert-cats-ca.der
PY=/usr/bin/python3
[ -x $PY ] || PY=python3

start_server 18142 \
	--on GetCACert "file=$FIXTURES/getcacert-cats-ca.der,type=application/x-x509-ca-ra-cert"
URL=http://127.0.0.1:18142/certsrv/mscep/mscep.dll
PIN=2FCD0A56BA6C8F893383027BF0AFED2468EA4D57FE5E2650306D0B6DEED4391D

# Checks the JSON: only the listed keys, nicknames, and PEM that parses.
json_check() {
	$PY - "$T/out" "$1" "$2" <<'PY' || fail "JSON check failed: $(cat "$T/out")"
import json, subprocess, sys
doc = json.load(open(sys.argv[1]))
want_roots, want_other = sys.argv[2], sys.argv[3]
got_roots = ",".join(c["nickname"] for c in doc.get("roots", []))
got_other = ",".join(c["nickname"] for c in doc.get("other", []))
assert set(doc) <= {"roots", "other"}, doc.keys()
assert got_roots == want_roots, (got_roots, want_roots)
assert got_other == want_other, (got_other, want_other)
for c in doc.get("roots", []) + doc.get("other", []):
    pem = c["certificate"]
    assert pem.startswith("-----BEGIN CERTIFICATE-----\n") and pem.endswith("-----END CERTIFICATE-----\n")
    subprocess.run(["openssl", "x509", "-noout"], input=pem.encode(), check=True)
PY
}

run_helper FETCH-ROOTS --url "$URL" --ca-fingerprint "$PIN"
expect_rc 0 "FETCH-ROOTS with a matching pin"
json_check cats-ca ""
grep -q '\\n' "$T/out" || fail "PEM newlines are not escaped as \\n"

run_helper FETCH-ROOTS --url "$URL" --ca-fingerprint "$(echo $PIN | tr 2 3)"
expect_rc 4 "FETCH-ROOTS with a wrong pin"
expect_out 'no certificate from .* matches ca-fingerprint'
grep -q BEGIN "$T/out" && fail "certificates printed despite a pin mismatch"

# trusted-ca: self-signed ones are roots, the rest "other".
run_admin cacert --file "$FIXTURES/getcacert-cats-ca.der" --pem
awk '/BEGIN CERT/{n++} {print > ("'"$T"'/f" n ".pem")}' "$T/out"
cat "$T"/f*.pem | sed -n '/BEGIN CERT/,/END CERT/p' >"$T/trusted.pem"
run_helper FETCH-ROOTS --trusted-ca "$T/trusted.pem"
expect_rc 0 "FETCH-ROOTS from trusted-ca"
json_check cats-ca "CATS-MSCEP-RA,CATS-MSCEP-RA #2"

printf 'not a certificate\n' >"$T/junk.pem"
run_helper FETCH-ROOTS --trusted-ca "$T/junk.pem"
expect_rc 4 "FETCH-ROOTS from a junk file"
expect_out "trusted-ca $T/junk.pem: no usable certificate"
exit 0
