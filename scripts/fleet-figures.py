#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The figures of one fleet-bench phase, from the NDES stand-in's state
directory (log.jsonl, passwords.json): requests (admin page and SCEP),
password fetches, cache-full answers, how long each password was held
(fetched to used: the cache slot it takes), and per host the admin-page
visits (each host logs on as its own user). Used by scripts/fleet-bench.sh.

  fleet-figures.py STATE-DIR FROM-LINE START-EPOCH
prints one JSON object."""

import datetime
import json
import statistics
import sys


def epoch(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def main():
    state, first, start = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    with open(state + "/log.jsonl") as f:
        recs = [json.loads(l) for l in f.read().splitlines()[first:] if l.strip()]
    admin = [r for r in recs if r.get("operation") == "admin"]
    scep = [r for r in recs if (r.get("operation") or "").lower() == "pkioperation"]
    try:
        with open(state + "/passwords.json") as f:
            pws = [e for e in json.load(f) if epoch(e["created"]) >= start]
    except FileNotFoundError:
        pws = []
    holds = sorted(epoch(e["used"]) - epoch(e["created"]) for e in pws if e.get("used"))
    visits = {}
    for r in admin:
        if r.get("admin_user"):
            visits.setdefault(r["admin_user"], []).append(
                [round(epoch(r["time"]) - start, 3), r.get("admin_result")])
    scep_t = [epoch(r["time"]) - start for r in scep]
    print(json.dumps({
        "requests": len(recs),
        "admin_requests": len(admin),
        "scep_requests": len(scep),
        "other_requests": len(recs) - len(admin) - len(scep),
        "fetches": sum(1 for r in admin if r.get("admin_result") == "password"),
        "cache_full": sum(1 for r in admin if r.get("admin_result") == "cache-full"),
        "peak_concurrent": max([r.get("concurrent") or 0 for r in recs] or [0]),
        "holds": [round(h, 3) for h in holds],
        "median_hold_s": round(statistics.median(holds), 3) if holds else 0,
        "last_scep_s": round(max(scep_t), 3) if scep_t else 0,
        "visits": visits,
    }, sort_keys=True))


if __name__ == "__main__":
    main()
