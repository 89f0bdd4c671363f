#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The fleet model (tests/bench/fleet-model.py) against real runs of
# scripts/fleet-bench.sh kept in tests/bench/data (FLEET_OUT's JSON, the
# per-host visits left out): calibrated with the 20- and 100-host runs, it
# must predict the 100-host run within 25 % (requests and time) and only
# then print 1,000 and 10,000 host figures; a run that it cannot predict (the
# same run with twice the requests) must fail the check and print none.
# Runs in seconds; no root. Exit 0 pass, 1 fail.
top=${abs_top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
PY=/usr/bin/python3
model=$top/tests/bench/fleet-model.py
data=$top/tests/bench/data
tmp=$(mktemp -d /tmp/fleet-model.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {	# check WHAT TEST...
	what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; fail=1; fi
}

"$PY" "$model" --check "$data/fleet-100.json" "$data/fleet-20.json" "$data/fleet-100.json" \
	>"$tmp/good" 2>&1
rc=$?
cat "$tmp/good"
check "the model predicts the 100-host run within 25 %" [ "$rc" = 0 ]
check "it prints the 1,000-host figures" grep -q '^model: 1000 hosts' "$tmp/good"
check "it prints the 10,000-host figures" grep -q '^model: 10000 hosts' "$tmp/good"
check "with the bound and the ratio" grep -q '^model: 1000 hosts.*bound [0-9]* s, ratio [0-9.]*)' "$tmp/good"

# The same run with twice the requests: not what the model predicts.
"$PY" - "$data/fleet-100.json" "$tmp/off.json" <<'PYEOF'
import json, sys
run = json.load(open(sys.argv[1]))
run["enroll"]["requests"] *= 2
json.dump(run, open(sys.argv[2], "w"))
PYEOF
"$PY" "$model" --check "$tmp/off.json" "$data/fleet-20.json" "$data/fleet-100.json" \
	>"$tmp/off" 2>&1
rc=$?
cat "$tmp/off"
check "a run twice as costly fails the check" [ "$rc" = 1 ]
check "and gets no extrapolation" sh -c "! grep -q '^model: 1000 hosts' '$tmp/off'"
exit $fail
