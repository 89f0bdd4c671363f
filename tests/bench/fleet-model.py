#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A discrete-event model of a fleet enrolling in automatic password mode
against one NDES (the password cache: 5 unused passwords), with the
helper's retry policy (backoff.h): a first fetch waits U(0, password-spread);
after the n-th "cache full" in a row the next visit waits
U(backoff, min(backoff-max, backoff * 2^n)); with backoff 0 (the policy
before it) U(retry/2, retry).

Calibrated with what scripts/fleet-bench.sh measures (FLEET_OUT=DIR writes
DIR/fleet-HOSTS.json): how long a password is held (fetch to use, set by
certmonger: it waits ~30 s after exit 17 before it submits again), how
long the hosts take to send their first request, the retry overhead and
the tail from the last use to the last certificate seen. Costs: an
admin-page visit is an NTLM exchange (2 HTTP requests), a SCEP request 1.

  fleet-model.py [--check REAL.json] [--runs K] CAL.json [CAL.json...]
      predicts each real run given (from the others' calibration when
      there are several, else its own), --check: exit 1 unless the
      prediction of REAL.json is within 25 % (requests and time); then
      prints 1,000 and 10,000 host figures, with password-spread scaled
      to the fleet as in the real run (the bench sets 10 s per host, what
      the README advises).
"""

import argparse
import heapq
import json
import random
import statistics
import sys

SLOTS = 5
ADMIN_COST = 2   # NTLM: Type 1 -> 401, Type 3 -> the page
SCEP_COST = 1


class Params:
    def __init__(self, policy, holds, launch, overhead, tail):
        self.retry = policy.get("retry_interval", 20)
        self.spread = policy.get("password_spread", 0)
        self.backoff = policy.get("cache_full_backoff", 0)
        self.backoff_max = policy.get("cache_full_backoff_max", 0)
        self.holds = holds or [30.0]
        self.launch = launch        # seconds over which the hosts' first SUBMITs arrive
        self.overhead = overhead    # seconds from the end of a wait to the next visit
        self.tail = tail            # seconds from the last use to the last certificate seen


def delay_after_full(p, n, rnd):
    if p.backoff <= 0:   # the old policy: a jittered retry-interval
        return p.retry - rnd.randint(0, p.retry // 2)
    hi = p.backoff
    for _ in range(n):
        if hi >= p.backoff_max:
            break
        hi *= 2
    hi = min(hi, max(p.backoff_max, p.backoff))
    return rnd.uniform(p.backoff, hi)


def simulate(n, p, seed):
    """Returns (requests, cache-full answers, fetches, time to the last
    certificate) for n hosts starting together."""
    rnd = random.Random(seed)
    events = []   # (time, seq, kind, host)
    seq = 0
    for h in range(n):
        t = rnd.uniform(0, p.launch)
        if p.spread > 0:
            t += rnd.uniform(0, p.spread) + p.overhead
        heapq.heappush(events, (t, seq, "visit", h))
        seq += 1
    live = 0
    fulls = [0] * n
    requests = cache_full = fetches = 0
    last = 0.0
    while events:
        t, _, kind, h = heapq.heappop(events)
        if kind == "use":
            live -= 1
            requests += SCEP_COST
            last = max(last, t)
            continue
        requests += ADMIN_COST
        if live < SLOTS:
            live += 1
            fetches += 1
            fulls[h] = 0
            heapq.heappush(events, (t + rnd.choice(p.holds), seq, "use", h))
        else:
            cache_full += 1
            fulls[h] += 1
            heapq.heappush(events, (t + delay_after_full(p, fulls[h], rnd) + p.overhead,
                                    seq, "visit", h))
        seq += 1
    return requests, cache_full, fetches, last + p.tail


def predict(n, p, runs=20):
    res = [simulate(n, p, s) for s in range(runs)]
    return {k: statistics.mean(r[i] for r in res)
            for i, k in enumerate(("requests", "cache_full", "fetches", "time_s"))}


def calibration(runs):
    """The times the model takes from real runs: the holds of every run,
    and per-host launch spread, overhead and tail scaled as measured."""
    holds = [h for r in runs for h in r["holds"]]
    launch_per_host = statistics.mean(r["launch_s"] / r["hosts"] for r in runs)
    overhead = statistics.mean(r.get("overhead_s", 0.5) for r in runs)
    tail = statistics.mean(r["tail_s"] for r in runs)
    return holds, launch_per_host, overhead, tail


def params_for(n, policy, cal):
    holds, launch_per_host, overhead, tail = cal
    return Params(policy, holds, launch_per_host * n, overhead, tail)


def within(pred, real, tol=0.25):
    return abs(pred - real) <= tol * real


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cal", nargs="+", help="fleet-bench JSON files used for calibration")
    ap.add_argument("--check", metavar="REAL.json",
                    help="a real run to predict within 25%% before extrapolating")
    ap.add_argument("--runs", type=int, default=20, help="simulations averaged (default 20)")
    ap.add_argument("--hosts", type=int, nargs="*", default=[1000, 10000])
    a = ap.parse_args()
    cal_runs = [json.load(open(f)) for f in a.cal]
    cal = calibration(cal_runs)
    ref = cal_runs[-1]
    print("model: calibrated with %s: median hold %.1f s, launch %.2f s/host, retry "
          "overhead %.1f s, tail %.1f s" % (", ".join("%d hosts" % r["hosts"] for r in cal_runs),
                                             statistics.median(cal[0]), cal[1], cal[2], cal[3]))
    print("model: policy %s" % json.dumps(ref["policy"], sort_keys=True))
    ok = True
    if a.check:
        real = json.load(open(a.check))
        p = params_for(real["hosts"], real["policy"], cal)
        pr = predict(real["hosts"], p, a.runs)
        e = real["enroll"]
        rq = within(pr["requests"], e["requests"])
        tm = within(pr["time_s"], e["time_s"])
        print("model check: %d hosts: predicted %.0f requests (%.2f/host), %.0f s; real %d "
              "requests (%.2f/host), %d s: requests %s, time %s" % (
                  real["hosts"], pr["requests"], pr["requests"] / real["hosts"], pr["time_s"],
                  e["requests"], e["requests"] / real["hosts"], e["time_s"],
                  "within 25%" if rq else "OFF BY MORE THAN 25%",
                  "within 25%" if tm else "OFF BY MORE THAN 25%"))
        ok = rq and tm
        ref = real
    if not ok:
        print("model: the check failed; no extrapolation")
        return 1
    per_host = ref["policy"].get("password_spread", 0) / ref["hosts"]
    for n in a.hosts:
        policy = dict(ref["policy"], password_spread=round(per_host * n))
        p = params_for(n, policy, cal)
        pr = predict(n, p, max(2, a.runs // (n // 1000 + 1)))
        bound = n / SLOTS * statistics.median(cal[0])
        print("model: %d hosts (password-spread %d s): %.0f requests (%.2f/host), %.0f "
              "cache-full answers, %.0f fetches, %.0f s to the last certificate (bound %.0f s, "
              "ratio %.2f)" % (n, policy["password_spread"], pr["requests"], pr["requests"] / n,
                               pr["cache_full"], pr["fetches"], pr["time_s"], bound,
                               pr["time_s"] / bound))
    return 0


if __name__ == "__main__":
    sys.exit(main())
