#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The Ansible example (examples/ansible/ndes-submit.yml) run with
# `ansible-playbook -c local` against the NDES stand-in and a private
# certmonger (the e2e harness' namespaces; every file under $T): it checks
# NDES, registers the CA, fetches a password on the "control node" and
# enrolls; the certificate is issued, the password file is emptied, and a
# second run changes nothing and fetches no password.
# ansible-playbook missing: skip, or fail when NS_PACKAGING=1 / CI=true
# (scripts/install-deps.sh --packaging installs it).
if [ -z "${E2E_INSIDE:-}" ] && ! command -v ansible-playbook >/dev/null 2>&1; then
	if [ "${NS_PACKAGING:-0}" = 1 ] || [ "${CI:-}" = true ]; then
		echo "FAIL: ansible: ansible-playbook not found: scripts/install-deps.sh --packaging"
		exit 1
	fi
	echo "SKIP: ansible: ansible-playbook not found (Debian package ansible; scripts/install-deps.sh --packaging)"
	exit 77
fi
E2E_TIMEOUT=${E2E_TIMEOUT:-400}
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
PLAYBOOK=$E2E_SRCDIR/examples/ansible/ndes-submit.yml

e2e_begin "the Ansible example enrolls, and a second run changes nothing"
e2e_require_helper
ndes_start

# Ansible's own files in $T too.
export ANSIBLE_LOCAL_TEMP=$T/ansible-local ANSIBLE_REMOTE_TEMP=$T/ansible-remote \
	ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_HOST_KEY_CHECKING=0 \
	ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3
printf '%s\n' "$NDES_PASSWORD" >"$T/alice.pw"
chmod 600 "$T/alice.pw"
# The control node's admin configuration (the same machine here).
cat >"$T/admin.conf" <<EOF
url = $NDES_URL
admin-url = $NDES_ADMIN_URL
user = $NDES_USER
password-file = $T/alice.pw
auth = ntlm
state-dir = $T/state
EOF
cat >"$T/vars.json" <<EOF
{
  "ndes_install_package": false,
  "ndes_hosts": "localhost",
  "ndes_helper": "$E2E_HELPER",
  "ndes_conf": "$T/etc/ndes-submit.conf",
  "ndes_config": {
    "url": "$NDES_URL",
    "state-dir": "$T/state",
    "certmonger-requests-dir": "$T/requests"
  },
  "ndes_request": "web",
  "ndes_cn": "ansible1.example.test",
  "ndes_dns": ["ansible1.example.test", "www.ansible1.example.test"],
  "ndes_key": "$T/keys/web.key",
  "ndes_cert": "$T/certs/web.crt",
  "ndes_otp_dir": "$T/otp",
  "ndes_otp_command": ["$E2E_HELPER", "--config", "$T/admin.conf", "otp"],
  "ndes_getcert_env": {"CERTMONGER_PVT_ADDRESS": "$CERTMONGER_PVT_ADDRESS"}
}
EOF
mkdir -p "$T/certs"
play() {
	ansible-playbook -c local -i localhost, -e "@$T/vars.json" "$PLAYBOOK" >"$T/play$1.out" 2>&1 ||
		e2e_fail "ansible-playbook run $1 failed: $(tail -n 40 "$T/play$1.out")"
	e2e_ok "ansible-playbook run $1 succeeded"
}

play 1
wait_for_state web MONITORING 30
check_cert "$T/certs/web.crt" "$T/keys/web.key" "CN=ansible1.example.test" \
	DNS:ansible1.example.test DNS:www.ansible1.example.test
assert_match "CA registered with the helper" "helper-location: $E2E_HELPER --config $T/etc/ndes-submit.conf" \
	"$(getcert list-cas -c ndes 2>&1 | grep helper-location)"
assert_eq "password file emptied after enrollment" "" "$(tr -d '\n' <"$T/otp/web.otp")"
assert_eq "password file mode" 600 "$(stat -c %a "$T/otp/web.otp")"
assert_eq "PKCSReq answered SUCCESS" 1 \
	"$(log_count 's("message_type") == "19" and s("pki_status") == "success"')"
pw_fetches=$(log_count 's("admin_result") == "password"')
assert_eq "passwords fetched in run 1" 1 "$pw_fetches"
grep -q 'Secr3t!' "$T/play1.out" && e2e_fail "the admin password is in Ansible's output"
e2e_ok "no admin password in Ansible's output"

# A second run: nothing changes, no password fetched, no new request.
play 2
grep -Eq 'localhost *: ok=[0-9]+ +changed=0 ' "$T/play2.out" ||
	e2e_fail "second run changed something: $(grep -A2 'PLAY RECAP' "$T/play2.out")"
e2e_ok "second run: changed=0"
assert_eq "passwords fetched after run 2" 1 "$(log_count 's("admin_result") == "password"')"
assert_eq "PKCSReqs after run 2" 1 "$(log_count 's("message_type") == "19"')"
e2e_pass
