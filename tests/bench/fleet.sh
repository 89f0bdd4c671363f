#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The fleet benchmark with 20 hosts (scripts/fleet-bench.sh), as a test of
# behaviour, not speed: every host gets and renews its certificate, none is
# left in NEED_GUIDANCE or CA_REJECTED, about one password is fetched per
# host (at most HOSTS + 5: NDES' cache holds 5) and renewals fetch none.
# Exit 0 pass, 77 skip (not root, no namespaces, no certmonger), 1 fail.
top=${abs_top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
hosts=${FLEET_HOSTS:-20}
out=$(mktemp /tmp/fleet-test.XXXXXX)
trap 'rm -f "$out"' EXIT
"$top/scripts/fleet-bench.sh" "$hosts" >"$out" 2>&1
rc=$?
cat "$out"
[ "$rc" = 77 ] && exit 77
field() {	# field PHASE N: the N-th number of the "fleet PHASE:" line
	sed -n "s/^fleet $1: //p" "$out" | tr -c '0-9\n' ' ' | awk -v n="$2" '{ print $n }'
}
fail=0
check() {	# check WHAT TEST...
	what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; fail=1; fi
}
check "fleet-bench exit status 0" [ "$rc" = 0 ]
check "all $hosts issued" [ "$(field enroll 2)" = "$hosts" ]
check "all $hosts renewed" [ "$(field renew 2)" = "$hosts" ]
check "at most $((hosts + 5)) password fetches to enroll" [ "$(field enroll 3)" -le $((hosts + 5)) ]
check "no password fetched to renew" [ "$(field renew 3)" = 0 ]
check "no host stuck" [ "$(sed -n 's/.*NEED_GUIDANCE or CA_REJECTED \([0-9]*\).*/\1/p' "$out")" = 0 ]
exit $fail
