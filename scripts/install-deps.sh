#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the Debian packages ndes-submit needs.
#   scripts/install-deps.sh            build, test and demo (the default)
#   scripts/install-deps.sh --runtime  only what an installed helper needs to
#                                      run: its libraries and certmonger (no
#                                      compiler, no KDC, no test servers)
#   scripts/install-deps.sh --build    build only (compiler and -dev packages)
#   scripts/install-deps.sh --packaging  build and check the .deb and the .rpm,
#                                      run the Ansible example (tests/packaging)
#   scripts/install-deps.sh --matrix   build and the tests scripts/matrix.sh runs
#                                      in each release's chroot (no SELinux or
#                                      packaging tools)
# Works on Debian 11, 12 and 13 (library package names differ by release).
# Runs apt-get only when something is missing, so repeated runs are fast.
set -eu

# Library package names by release: OpenSSL 1.1.1 in Debian 11, the 64-bit
# time_t rename (t64) in Debian 13.
codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
case $codename in
bullseye) LIBS="libssl1.1 libcurl4 libtalloc2" ;;
bookworm | "") LIBS="libssl3 libcurl4 libtalloc2" ;;
*) LIBS="libssl3t64 libcurl4t64 libtalloc2" ;;
esac
# NTLM through GSS-API (auth = ntlm-gssapi, Extended Protection): only where
# libcurl (>= 8.10) hands SPNEGO the TLS channel binding, Debian 13 on; on
# older releases it would change nothing but what SPNEGO offers.
case $codename in
bullseye | bookworm | "") NTLMSSP="" ;;
*) NTLMSSP="gss-ntlmssp" ;;
esac
RUNTIME="$LIBS certmonger ca-certificates"
BUILD="autoconf automake make gcc libc6-dev pkg-config libssl-dev libcurl4-openssl-dev libtalloc-dev"
# Tests: unit tests, the NDES stand-in (python), the private KDC, micromdm's
# scep, the SELinux policy test (refpolicy devel files, the distribution's
# modules, setools, semodule, matchpathcon), the RPM build test (rpmbuild),
# the fault matrix's clock skew (faketime), and what the packaging tests run
# with CI=true (the .deb build and lintian, the Ansible example), and
# debootstrap for the platform matrix's chroots (scripts/matrix.sh).
TEST="libcmocka-dev openssl curl iproute2 util-linux procps time valgrind \
scep python3 python3-cryptography python3-asn1crypto python3-gssapi \
krb5-kdc krb5-admin-server krb5-user $NTLMSSP \
selinux-policy-dev selinux-policy-default setools policycoreutils selinux-utils \
rpm cpio faketime \
debhelper dpkg-dev fakeroot lintian ansible debootstrap"

# The platform matrix (scripts/matrix.sh): unit tests, the stand-in, the
# e2e scenarios it runs (micromdm's scep, Kerberos), and the rest of the
# script tests; not SELinux, packaging or the fleet.
MATRIX="libcmocka-dev openssl curl iproute2 util-linux procps time \
python3 python3-cryptography python3-asn1crypto python3-gssapi \
krb5-kdc krb5-admin-server krb5-user faketime $NTLMSSP"
# Installed where the release has them: Debian 11 has no scep package
# (scripts/matrix.sh then lends it the host's static scepserver).
OPTIONAL="scep"

# Packaging: dpkg-buildpackage, lintian, rpmbuild (--nodeps), ansible-playbook.
PACKAGING="debhelper dpkg-dev fakeroot lintian rpm cpio selinux-policy-dev ansible"

case "${1:-}" in
--runtime) PKGS=$RUNTIME ;;
--build) PKGS=$BUILD ;;
--packaging) PKGS="$BUILD $RUNTIME $PACKAGING" ;;
--matrix) PKGS="$BUILD $RUNTIME $MATRIX $OPTIONAL" ;;
"" | --test) PKGS="$BUILD $RUNTIME $TEST" ;;
-h | --help)
	sed -n '2,14s/^# \{0,1\}//p' "$0"
	exit 0 ;;
*)
	echo "install-deps: unknown argument \"$1\" (--runtime, --build, --test, --packaging, --matrix)" >&2
	exit 2 ;;
esac

missing=""
have_lists() { ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; }
for p in $PKGS; do
	# An optional package the release's (already read) lists do not have.
	case " $OPTIONAL " in *" $p "*)
		if have_lists && ! apt-cache show "$p" >/dev/null 2>&1 &&
			! dpkg-query -W "$p" >/dev/null 2>&1; then
			continue
		fi ;;
	esac
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
# promtool, which checks the Prometheus texts of "ndes-submit status"
# (tests/status): Debian ships it only inside the prometheus package, whose
# postinst starts a Prometheus server, so the test set-up takes just the
# promtool binary out of the package into /usr/local/bin.
install_promtool() {
	case "${1:-}" in "" | --test) ;; *) return 0 ;; esac
	command -v promtool >/dev/null 2>&1 && return 0
	[ "$(id -u)" -eq 0 ] || { echo "install-deps: promtool missing (run as root to add it)"; return 0; }
	local d
	d=$(mktemp -d) || return 0
	if (cd "$d" && apt-get download -q prometheus >/dev/null 2>&1) &&
		dpkg-deb --fsys-tarfile "$d"/prometheus_*.deb | tar -x -C "$d" ./usr/bin/promtool 2>/dev/null &&
		install -m 0755 "$d"/usr/bin/promtool /usr/local/bin/promtool; then
		echo "install-deps: promtool from Debian's prometheus package into /usr/local/bin"
	else
		echo "install-deps: promtool not available (tests/status skips its promtool checks)"
	fi
	rm -rf "$d"
}

if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	install_promtool "${1:-}"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing; run as root (or with sudo)" >&2
	exit 1
fi
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# Optional packages this release does not have are left out, with a note.
for p in $OPTIONAL; do
	case " $missing " in *" $p "*) ;; *) continue ;; esac
	if ! apt-cache show "$p" >/dev/null 2>&1; then
		echo "install-deps: $p is not available on this release ($codename); left out"
		missing=$(echo " $missing " | sed "s/ $p / /")
	fi
done
# certmonger's and krb5's postinst try to start services; there is no init here
# in CI containers, and we run private instances anyway.
apt-get install -y -q --no-install-recommends $missing
install_promtool "${1:-}"
