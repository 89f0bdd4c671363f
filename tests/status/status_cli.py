# SPDX-License-Identifier: GPL-3.0-or-later
"""ndes-submit status against certmonger records in temp directories and the
NDES stand-in: one request issued while the stand-in runs, another failing
after it was stopped (an outage). Checks the table, --json, --prometheus
(parsed here, and by promtool when present) and the exit statuses.

Run by status-cli.sh with Debian's python3, on a free loopback port."""

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ["abs_top_srcdir"], "tests", "lib"))
import ndes_client as nc  # noqa: E402
from ndes_client import HELPER, PW, SRCDIR  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402

TMP = nc.TMP = tempfile.mkdtemp(prefix="ns-status-cli.")
# ndes_client's helper keeps its state in TMP/cache: status reads it there
REQS, CAS, STATE = (os.path.join(TMP, d) for d in ("requests", "cas", "cache"))
OPTS = ("--retry-interval", "30")
FAILED = []


def check(what, cond, detail=""):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        FAILED.append(what)
        if detail:
            print("    " + str(detail)[:2000])


def status(*args, requests=REQS, state=STATE):
    argv = [HELPER, "--state-dir", state, "status", "--cas-dir", CAS,
            "--requests-dir", requests] + list(args)
    p = subprocess.run(argv, env={"PATH": "/usr/bin:/bin", "HOME": TMP},
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def record_value(text):
    """A multi-line value as certmonger stores it: continuation lines start
    with a space."""
    lines = text.strip("\n").split("\n")
    return "\n".join([lines[0]] + [" " + x for x in lines[1:]])


def write(path, text, mode=0o600):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def parse_prometheus(text):
    """{(name, frozenset(labels)): value}; raises on a malformed line."""
    samples, typed = {}, set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
            continue
        m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)', line)
        if not m:
            raise ValueError("bad line: %r" % line)
        labels = re.findall(r'([a-zA-Z_]\w*)="((?:[^"\\\n]|\\.)*)"', m.group(3) or "")
        if m.group(1) not in typed:
            raise ValueError("no TYPE for %s" % m.group(1))
        samples[(m.group(1), frozenset(labels))] = float(m.group(4))
    return samples


def metric(samples, name, **labels):
    for (n, ls), v in samples.items():
        if n == name and all((k, v2) in ls for k, v2 in labels.items()):
            return v
    return None


def promtool():
    p = os.environ.get("PROMTOOL") or shutil.which("promtool")
    return p if p and os.access(p, os.X_OK) else None


def main():
    for d in (REQS, CAS, STATE):
        os.mkdir(d, 0o700)
    stand = nc.Stand("ndes", nc.free_port())
    url = stand.url
    try:
        # certmonger's CA record, from the helper's own FETCH-SCEP-CA-CERTS
        rc, out, err, _ = nc.helper(url, "FETCH-SCEP-CA-CERTS", opts=OPTS)
        check("FETCH-SCEP-CA-CERTS while the stand-in runs", rc == 0, (rc, err))
        blocks = nc.pem_blocks(out)
        write(os.path.join(CAS, "20260101000000"),
              "id=ndes\nca_type=EXTERNAL\nca_is_default=0\n"
              "ca_external_helper=%s --url %s\n" % (HELPER, url) +
              "ca_encryption_cert=%s\n" % record_value(blocks[0]) +
              "ca_encryption_issuer_cert=%s\n" % record_value(blocks[1]) +
              ("ca_encryption_cert_pool=%s\n" % record_value("".join(blocks[2:]))
               if len(blocks) > 2 else ""))
        # one operation: a certificate issued
        good = nc.Client(url, "issued.example.test", opts=OPTS)
        rc, out, err, _ = good.submit()
        check("SUBMIT while the stand-in runs: issued (0)", rc == 0, (rc, out, err))
        cert = good.issued_cert(out)
        check("... the certificate decrypts", cert is not None)
        write(os.path.join(REQS, "20260101000010"),
              "id=issued\nca_name=ndes\nstate=MONITORING\nscep_tx=%s\ncert=%s\n"
              % (good.txid, record_value(cert.public_bytes(serialization.Encoding.PEM)
                                         .decode())))
        down = nc.Client(url, "down.example.test", opts=OPTS)
    finally:
        stand.stop()

    # the stand-in is down: a SUBMIT fails with a bounded retry (5), twice
    rc, out, err, _ = down.submit()
    check("SUBMIT with the stand-in stopped: retry (5)", rc == 5, (rc, out, err))
    time.sleep(1.2)
    rc, out, err, _ = down.submit()
    check("... and again (5)", rc == 5, (rc, out, err))
    os.mkdir(os.path.join(TMP, "pw"))
    write(os.path.join(REQS, "20260101000011"),
          "id=down\nca_name=ndes\nstate=SUBMITTING\nscep_tx=%s\n"
          "template_challenge_password=%s\ntemplate_challenge_password_file=%s\n"
          % (down.txid, PW, os.path.join(TMP, "pw", "down")))
    # autopw.c's record: a fetch a minute ago, then "cache full" twice and a
    # backoff for ten minutes
    backoff_end = int(time.time()) + 600
    write(os.path.join(TMP, "pw", "down.ndes-submit-state"),
          "# no secrets\nfetched=%d\ncache_full=2\nnot_before=%d\ntotal_password=1\n"
          "total_cache_full=2\ntotal_failed=0\n" % (int(time.time()) - 60, backoff_end))
    time.sleep(1.1)

    # the table
    rc, out, err = status()
    check("status: exit 1 (a request failing)", rc == 1, (rc, out, err))
    row = [ln for ln in out.splitlines() if ln.startswith("down ")]
    check("status: the failing request's row", len(row) == 1 and "failing" in row[0], out)
    check("... with its failing-since date", len(row) == 1 and
          re.search(r"failing\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC", row[0]) is not None, out)
    issued_row = [ln for ln in out.splitlines() if ln.startswith("issued ")]
    check("status: the issued request's row",
          len(issued_row) == 1 and "MONITORING" in issued_row[0] and "issued" in issued_row[0],
          out)
    check("status: the CA's outage", re.search(r"CA ndes .*outage since", out) is not None, out)
    check("status: no password printed", PW not in out and PW not in err)

    # JSON
    rc, out, err = status("--json")
    check("status --json: exit 1", rc == 1, (rc, err))
    try:
        js = json.loads(out)
    except ValueError as e:
        js = None
        check("status --json parses", False, (e, out))
    if js is not None:
        reqs = {r["nickname"]: r for r in js["requests"]}
        check("JSON: version 1 and the keys",
              js["version"] == 1 and set(js) == {"version", "now", "requests", "cas",
                                                 "unreadable", "summary"}, js.keys())
        d = reqs.get("down", {})
        check("JSON: down is failing since the first failed SUBMIT",
              d.get("outcome") == "failing" and d.get("failing_since") is not None and
              d.get("last_failure") is not None, d)
        check("JSON: down's next attempt is the end of its backoff",
              d.get("next_attempt") == time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                     time.gmtime(backoff_end)), d)
        check("JSON: down's admin-page visits by result",
              d.get("password_fetch_total") == {"password": 1, "cache_full": 2, "failed": 0}, d)
        check("JSON: down's password fetches in the last hour",
              d.get("password_fetches_last_hour") == 1, d)
        i = reqs.get("issued", {})
        exp = cert.not_valid_after.strftime("%Y-%m-%dT%H:%M:%SZ")
        check("JSON: issued's expiry is the certificate's notAfter",
              i.get("outcome") == "issued" and i.get("cert_not_after") == exp, (i, exp))
        ca = js["cas"][0] if js["cas"] else {}
        check("JSON: the CA's outage", ca.get("outage_seconds", 0) > 0, ca)
        roles = sorted(c["role"] for c in ca.get("certs", []))
        check("JSON: RA certificates per role", roles == ["ca", "encryption", "signing"], roles)
        check("JSON: summary", js["summary"] == {"requests": 2, "failing": 1, "unreadable": 0},
              js["summary"])
        check("JSON: no password", PW not in out)

    # Prometheus
    prom = os.path.join(TMP, "textfile", "ndes_submit.prom")
    os.mkdir(os.path.dirname(prom))
    rc, out, err = status("--prometheus", prom, "--quiet")
    check("status --prometheus -q: exit 1, nothing on stdout", rc == 1 and out == "",
          (rc, out, err))
    text = open(prom).read() if os.path.exists(prom) else ""
    try:
        samples = parse_prometheus(text)
    except ValueError as e:
        samples = {}
        check("the textfile parses", False, e)
    outage = metric(samples, "ndes_submit_outage_seconds", ca="ndes")
    check("ndes_submit_outage_seconds{ca=\"ndes\"} > 0", outage is not None and outage > 0,
          text)
    check("ndes_submit_request_failing{nickname=\"down\"} 1",
          metric(samples, "ndes_submit_request_failing", nickname="down") == 1, text)
    check("ndes_submit_password_fetch_total{nickname=\"down\",result=\"cache_full\"} 2",
          metric(samples, "ndes_submit_password_fetch_total", nickname="down",
                 result="cache_full") == 2, text)
    check("ndes_submit_cert_expiry_timestamp_seconds of issued",
          metric(samples, "ndes_submit_cert_expiry_timestamp_seconds", nickname="issued") ==
          cert.not_valid_after.replace(tzinfo=datetime.timezone.utc).timestamp(),
          text)
    check("ndes_submit_ra_cert_expiry_timestamp_seconds per role",
          all(metric(samples, "ndes_submit_ra_cert_expiry_timestamp_seconds", role=r)
              for r in ("signing", "encryption", "ca")), text)
    check("ndes_submit_status_unreadable 0",
          metric(samples, "ndes_submit_status_unreadable") == 0, text)
    check("no temp file left next to the textfile",
          os.listdir(os.path.dirname(prom)) == ["ndes_submit.prom"],
          os.listdir(os.path.dirname(prom)))
    check("the textfile is mode 0644", os.stat(prom).st_mode & 0o777 == 0o644)
    tool = promtool()
    if tool:
        p = subprocess.run([tool, "check", "metrics"], input=text.encode(),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        check("promtool check metrics", p.returncode == 0, p.stdout.decode())
        p = subprocess.run([tool, "check", "rules",
                            os.path.join(SRCDIR, "examples", "ndes-submit-alerts.yml")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        check("promtool check rules examples/ndes-submit-alerts.yml", p.returncode == 0,
              p.stdout.decode())
    else:
        print("skip: promtool not installed (Debian package prometheus): not checked by it")

    # exit statuses
    rc, out, err = status("--prometheus", os.path.join(TMP, "no", "such", "dir", "x.prom"))
    check("metrics file cannot be written: exit 3", rc == 3 and "cannot write" in err,
          (rc, err))
    os.symlink("/dev/null", os.path.join(TMP, "link.prom"))
    rc, out, err = status("-q", "--prometheus", os.path.join(TMP, "link.prom"))
    check("a symbolic link as metrics file: refused (3), left alone",
          rc == 3 and "not a regular file" in err and
          os.readlink(os.path.join(TMP, "link.prom")) == "/dev/null", (rc, err))
    rc, out, err = status("--bogus")
    check("bad option: exit 4", rc == 4 and "unknown option" in err, (rc, err))
    healthy = os.path.join(TMP, "healthy")
    os.mkdir(healthy)
    shutil.copy(os.path.join(REQS, "20260101000010"), healthy)
    empty_state = os.path.join(TMP, "empty-state")
    os.mkdir(empty_state)
    rc, out, err = status(requests=healthy, state=empty_state)
    check("all fine: exit 0", rc == 0, (rc, out, err))
    write(os.path.join(healthy, "20260101000012"), "\x00garbage\n")
    rc, out, err = status("--json", requests=healthy, state=empty_state)
    check("a malformed record: exit 1, listed as unreadable",
          rc == 1 and len(json.loads(out)["unreadable"]) == 1, (rc, out))

    if FAILED:
        print("%d check(s) failed; state kept in %s" % (len(FAILED), TMP))
        return 1
    shutil.rmtree(TMP, ignore_errors=True)
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
