#!/bin/sh
# Installs the Debian packages ndes-submit needs to build, test and demo.
# Runs apt-get only when something is missing, so repeated runs are fast.
set -eu

PKGS="autoconf automake make gcc pkg-config libssl-dev libcurl4-openssl-dev \
libtalloc-dev libcmocka-dev openssl curl ca-certificates iproute2 util-linux procps time \
certmonger scep python3 python3-cryptography python3-asn1crypto python3-gssapi \
krb5-kdc krb5-admin-server krb5-user"

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
