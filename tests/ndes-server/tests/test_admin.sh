#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# ndes-server's mscep_admin page through real curl: NTLM always, Negotiate
# (Kerberos) too when an MIT KDC can be started on loopback (port
# NS_ADMIN_KDC_PORT, default 18290; in a private network namespace when
# possible). Exit 0 pass, 77 skip, 1 fail.

# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"

# shellcheck source=../../lib/netns.sh
. "$here/../../lib/netns.sh"
netns_private "$0" "$@"

prereq_python cryptography asn1crypto
prereq_cmd curl
curl --version | grep -q ' NTLM' || prereq_skip "curl without NTLM"
if [ ! -f "$here/../winauth.py" ]; then
    echo "FAIL: tests/ndes-server/winauth.py missing"
    exit 1
fi

kdir=
# shellcheck disable=SC2317  # cleanup() runs from the EXIT trap
cleanup() {
    if [ -n "$kdir" ]; then
        kdc_stop "$kdir" 2>/dev/null
        rm -rf "$kdir"
    fi
}
trap cleanup EXIT

lib=$here/../../lib/kdc.sh
# shellcheck source=../../lib/kdc.sh disable=SC1091
if [ -f "$lib" ] && . "$lib" && kdc_available && curl --version | grep -q 'SPNEGO'; then
    kdir=$(mktemp -d /tmp/ns-admin-kdc.XXXXXX)
    if kdc_start "$kdir" "${NS_ADMIN_KDC_PORT:-18290}" &&
        kdc_kinit "$kdir" alice 'Secr3t!' "FILE:$kdir/alice.ccache"; then
        export NS_TEST_KRB5_CCACHE="FILE:$kdir/alice.ccache"
        export NS_TEST_KEYTAB="$kdir/http.keytab"
    else
        echo "# KDC did not start: Negotiate part skipped"
    fi
fi

"$PY" "$here/test_admin.py"
