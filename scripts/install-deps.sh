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
# Runs apt-get only when something is missing, so repeated runs are fast.
set -eu

RUNTIME="libssl3 libcurl4 libtalloc2 certmonger ca-certificates"
BUILD="autoconf automake make gcc pkg-config libssl-dev libcurl4-openssl-dev libtalloc-dev"
# Tests: unit tests, the NDES stand-in (python), the private KDC, micromdm's
# scep, the SELinux policy test (refpolicy devel files, the distribution's
# modules, setools, semodule, matchpathcon), the RPM build test (rpmbuild),
# the fault matrix's clock skew (faketime), and what the packaging tests run
# with CI=true (the .deb build and lintian, the Ansible example).
TEST="libcmocka-dev openssl curl iproute2 util-linux procps time \
scep python3 python3-cryptography python3-asn1crypto python3-gssapi \
krb5-kdc krb5-admin-server krb5-user \
selinux-policy-dev selinux-policy-default setools policycoreutils selinux-utils \
rpm cpio faketime \
debhelper dpkg-dev fakeroot lintian ansible"

# Packaging: dpkg-buildpackage, lintian, rpmbuild (--nodeps), ansible-playbook.
PACKAGING="debhelper dpkg-dev fakeroot lintian rpm cpio selinux-policy-dev ansible"

case "${1:-}" in
--runtime) PKGS=$RUNTIME ;;
--build) PKGS=$BUILD ;;
--packaging) PKGS="$BUILD $RUNTIME $PACKAGING" ;;
"" | --test) PKGS="$BUILD $RUNTIME $TEST" ;;
-h | --help)
	sed -n '2,10s/^# \{0,1\}//p' "$0"
	exit 0 ;;
*)
	echo "install-deps: unknown argument \"$1\" (--runtime, --build, --test, --packaging)" >&2
	exit 2 ;;
esac

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing; run as root (or with sudo)" >&2
	exit 1
fi
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# certmonger's and krb5's postinst try to start services; there is no init here
# in CI containers, and we run private instances anyway.
apt-get install -y -q --no-install-recommends $missing
