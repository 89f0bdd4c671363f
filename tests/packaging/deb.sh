#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The Debian package, as an admin gets it: builds it from a copy of the tree
# with `dpkg-buildpackage -us -uc -b`, runs lintian (no error or warning),
# installs it with `dpkg -i` (its postinst registers the CA "ndes" with the
# running certmonger), configures the installed helper for the NDES stand-in
# and enrolls a certificate through certmonger with a one-time password
# fetched by the installed `ndes-submit otp`; then purges the package and
# checks the CA is gone from certmonger.
#
# It installs a package system-wide, so it runs only when asked:
# NS_PACKAGING=1 (or CI=true); otherwise it skips saying so. Asked, missing
# tools are a failure (scripts/install-deps.sh --packaging installs them).
# Everything else (certmonger, the stand-in, /etc/ndes-submit) lives in the
# e2e harness' private namespaces and $T.

if [ -z "${E2E_INSIDE:-}" ]; then
	if [ "${NS_PACKAGING:-0}" != 1 ] && [ "${CI:-}" != true ]; then
		echo "SKIP: deb: installs a .deb system-wide; run with NS_PACKAGING=1 (or CI=true)"
		exit 77
	fi
	for p in dpkg-buildpackage dh lintian dpkg; do
		if ! command -v "$p" >/dev/null 2>&1; then
			echo "FAIL: deb: '$p' not found: scripts/install-deps.sh --packaging"
			exit 1
		fi
	done
fi
E2E_TIMEOUT=${E2E_TIMEOUT:-600}
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

PKG=ndes-submit
INSTALLED_HELPER=/usr/lib/certmonger/ndes-submit
was_installed=$(dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -c 'install ok installed')
made_etc=

deb_cleanup() {
	umount /etc/ndes-submit 2>/dev/null
	[ -n "$made_etc" ] && rmdir /etc/ndes-submit 2>/dev/null
	if [ "$was_installed" = 0 ] && dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null |
		grep -q 'installed'; then
		dpkg --purge "$PKG" >/dev/null 2>&1
	fi
}
trap 'deb_cleanup; e2e_cleanup' EXIT

e2e_begin "the .deb builds lintian-clean, installs, registers the CA and enrolls"

# ---- build -----------------------------------------------------------------
mkdir -p "$T/pkg/src"
tar -C "$E2E_SRCDIR" --exclude=./.git --exclude='./build*' --exclude=./autom4te.cache \
	-cf - . | tar -C "$T/pkg/src" -xf -
# A tree configured in place would be cleaned by dh_auto_clean; start clean.
[ -f "$T/pkg/src/Makefile" ] && make -C "$T/pkg/src" distclean >/dev/null 2>&1
(cd "$T/pkg/src" && dpkg-buildpackage -us -uc -b) >"$T/pkg/build.log" 2>&1 ||
	e2e_fail "dpkg-buildpackage failed: $(tail -n 30 "$T/pkg/build.log")"
deb=$(ls "$T"/pkg/${PKG}_*.deb 2>/dev/null | head -n 1)
assert_file "the built .deb" "$deb"
dpkg-deb -c "$deb" | awk '{print $6}' >"$T/pkg/contents"
for f in ./usr/lib/certmonger/ndes-submit ./usr/sbin/ndes-submit ./usr/share/ndes-submit/ndes.ca \
	./usr/share/ndes-submit/register-ca ./usr/lib/tmpfiles.d/ndes-submit.conf \
	./usr/share/man/man8/ndes-submit.8.gz ./usr/share/doc/ndes-submit/copyright; do
	grep -qx -- "$f" "$T/pkg/contents" || e2e_fail "the .deb lacks $f"
done
e2e_ok "the .deb holds the helper in /usr/lib/certmonger, the CA definition, tmpfiles.d, the man page"
assert_match "the configuration is a conffile" "^/etc/ndes-submit/ndes-submit.conf$" \
	"$(dpkg-deb -f "$deb" Package >/dev/null && dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles)"

# ---- lintian: no error, no warning (overrides are explained in debian/) -----
lintian --pedantic "${deb%.deb}.changes" "$deb" >"$T/pkg/lintian.out" 2>&1
bad=$(grep -E '^[EW]: ' "$T/pkg/lintian.out" || true)
[ -z "$bad" ] || e2e_fail "lintian: $bad"
e2e_ok "lintian: no error or warning ($(grep -c '^[IPX]: ' "$T/pkg/lintian.out") info/pedantic/experimental tag(s))"

# ---- install: /etc/ndes-submit private to this test -------------------------
[ -d /etc/ndes-submit ] || { mkdir /etc/ndes-submit && made_etc=1; }
mkdir -p "$T/etc-ndes"
mount --bind "$T/etc-ndes" /etc/ndes-submit || e2e_fail "cannot bind-mount over /etc/ndes-submit"
e2e_require_ndes
ndes_start
# The postinst registers the CA with the running certmonger (ours: the
# harness exported CERTMONGER_PVT_ADDRESS).
dpkg -i "$deb" >"$T/pkg/dpkg-i.out" 2>&1 || e2e_fail "dpkg -i failed: $(cat "$T/pkg/dpkg-i.out")"
e2e_ok "dpkg -i $(basename "$deb")"
[ -x "$INSTALLED_HELPER" ] || e2e_fail "$INSTALLED_HELPER not installed"
assert_match "the CA registered by the postinst" \
	"helper-location: $INSTALLED_HELPER --config /etc/ndes-submit/ndes-submit.conf" \
	"$(getcert list-cas -c ndes 2>&1)"
# Idempotent: a second registration leaves the CA as it is.
assert_match "register-ca add again" "registered already" \
	"$(/usr/share/ndes-submit/register-ca add 2>&1)"

# The admin's configuration, in the installed default location.
printf '%s\n' "$NDES_PASSWORD" >/etc/ndes-submit/alice.password
chmod 600 /etc/ndes-submit/alice.password
cat >/etc/ndes-submit/ndes-submit.conf <<EOF
url = $NDES_URL
admin-url = $NDES_ADMIN_URL
user = $NDES_USER
password-file = /etc/ndes-submit/alice.password
auth = ntlm
state-dir = $T/state
certmonger-requests-dir = $T/requests
EOF
getcert refresh-ca -c ndes >/dev/null 2>&1
cm_wait_ca ndes 30 || e2e_fail "certmonger did not get the CA certificates through the installed helper"

# A password by the installed command, with its default configuration file.
PW=$(/usr/sbin/ndes-submit otp 2>"$T/otp.err") || e2e_fail "ndes-submit otp failed: $(cat "$T/otp.err")"
printf '%s' "$PW" | grep -Eqx '[0-9A-F]{16,64}' ||
	e2e_fail "installed ndes-submit otp printed no password"
e2e_ok "one-time password from the installed ndes-submit otp"
cm_request web -g 2048 -N "CN=deb1.example.test" -D deb1.example.test -L "$PW"
wait_for_state web MONITORING 90
check_cert "$T/web.crt" "$T/web.key" "CN=deb1.example.test" "DNS:deb1.example.test"
assert_eq "PKCSReq answered SUCCESS" 1 \
	"$(log_count 's("message_type") == "19" and s("pki_status") == "success"')"

# ---- removal: the CA goes with the helper ------------------------------------
if [ "$was_installed" = 0 ]; then
	dpkg --purge "$PKG" >"$T/pkg/purge.out" 2>&1 || e2e_fail "dpkg --purge failed: $(cat "$T/pkg/purge.out")"
	[ ! -e "$INSTALLED_HELPER" ] || e2e_fail "$INSTALLED_HELPER left after purge"
	assert_no_match "CA 'ndes' after purge" "^CA 'ndes'" "$(getcert list-cas 2>&1)"
else
	e2e_log "$PKG was installed before this test: the built package stays installed"
fi
e2e_pass
