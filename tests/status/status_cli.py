# SPDX-License-Identifier: GPL-3.0-or-later
"""ndes-submit status against certmonger records in temp directories and the
NDES stand-in: one request issued while the stand-in runs, another failing
after it was stopped (an outage). Checks the table, --json, --prometheus
(parsed here, and by promtool when present) and the exit statuses.

Run by status-cli.sh with Debian's python3, on a free loopback port."""

import base64
import datetime
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

SRCDIR = os.environ["abs_top_srcdir"]
HELPER = os.environ["NS_HELPER"]
sys.path.insert(0, os.path.join(SRCDIR, "tests", "ndes-server", "tests"))
import scepmsg  # noqa: E402
from asn1crypto import cms  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402

SERVER = os.path.join(SRCDIR, "tests", "ndes-server", "ndes-server")
PW = "S1nglePassw0rd"


def free_port():
    """A port nobody listens on now (other worktrees run tests on this host)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


PORT = free_port()
URL = "http://127.0.0.1:%d/certsrv/mscep/mscep.dll" % PORT
TMP = tempfile.mkdtemp(prefix="ns-status-cli.")
REQS, CAS, STATE = (os.path.join(TMP, d) for d in ("requests", "cas", "state"))
FAILED = []


def check(what, cond, detail=""):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        FAILED.append(what)
        if detail:
            print("    " + str(detail)[:2000])


def wait_port(port, proc, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise SystemExit("the stand-in died")
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("nothing listens on port %d" % port)


def helper(op, extra=None):
    """The helper as certmonger runs it: a cleared environment."""
    env = {"PATH": "/usr/bin:/bin", "HOME": TMP, "CERTMONGER_OPERATION": op,
           "CERTMONGER_CA_NICKNAME": "ndes"}
    env.update(extra or {})
    argv = [HELPER, "--url", URL, "--state-dir", STATE, "--timeout", "5",
            "--connect-timeout", "2", "--retry-interval", "30",
            "--certmonger-version", "0.79.17"]
    p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def status(*args, requests=REQS, state=STATE):
    argv = [HELPER, "--state-dir", state, "status", "--cas-dir", CAS,
            "--requests-dir", requests] + list(args)
    p = subprocess.run(argv, env={"PATH": "/usr/bin:/bin", "HOME": TMP},
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def pem_blocks(text):
    return re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n?", text, re.S)


def pem(label, der):
    b = base64.encodebytes(der).decode()
    return "-----BEGIN %s-----\n%s-----END %s-----\n" % (label, b, label)


def record_value(text):
    """A multi-line value as certmonger stores it: continuation lines start
    with a space."""
    lines = text.strip("\n").split("\n")
    return "\n".join([lines[0]] + [" " + x for x in lines[1:]])


class Request:
    """One certmonger request: key, CSR, minicert and its SCEP messages."""

    def __init__(self, cn, blocks):
        self.blocks = blocks
        self.ra = x509.load_pem_x509_certificate(blocks[0].encode())
        self.second = x509.load_pem_x509_certificate(blocks[1].encode())
        self.key = scepmsg.key(2048)
        self.csr = scepmsg.csr(self.key, cn=cn, password=PW)
        self.mini = scepmsg.self_signed(self.key, cn=cn)
        self.txid = None

    def env(self):
        csr_der = self.csr.public_bytes(serialization.Encoding.DER)
        nonce = os.urandom(16)
        req, self.txid, _ = scepmsg.pkimessage(csr_der, self.mini, self.key, self.ra, "19",
                                               txid=self.txid, nonce=nonce)
        ias = scepmsg.issuer_and_subject(self.second.issuer, self.mini.subject)
        gci, _, _ = scepmsg.pkimessage(ias, self.mini, self.key, self.ra, "20",
                                       txid=self.txid, nonce=nonce)
        return {"CERTMONGER_SCEP_RA_CERTIFICATE": self.blocks[0],
                "CERTMONGER_SCEP_CA_CERTIFICATE": self.blocks[1],
                "CERTMONGER_SCEP_CERTIFICATES": "".join(self.blocks[2:]),
                "CERTMONGER_CSR": self.csr.public_bytes(serialization.Encoding.PEM).decode(),
                "CERTMONGER_PKCSREQ": pem("PKCS7", req),
                "CERTMONGER_GETCERTINITIAL": pem("PKCS7", gci)}

    def issued(self, out):
        """Decrypts the envelope the helper printed (certmonger's job)."""
        der = base64.b64decode("".join(out.split("-----")[2].split()))
        _, inner = scepmsg.open_envelope(der, self.key)
        spki = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        for c in cms.ContentInfo.load(inner)["content"]["certificates"]:
            cert = x509.load_der_x509_certificate(c.chosen.dump())
            if cert.public_key().public_bytes(
                    serialization.Encoding.DER,
                    serialization.PublicFormat.SubjectPublicKeyInfo) == spki:
                return cert
        return None


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
    log = open(os.path.join(TMP, "stand-in.log"), "w")
    stand = subprocess.Popen([sys.executable, SERVER, "--listen", "127.0.0.1:%d" % PORT,
                              "--state", os.path.join(TMP, "ndes"), "--single-password", PW],
                             stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_port(PORT, stand)
        # certmonger's CA record, from the helper's own FETCH-SCEP-CA-CERTS
        rc, out, err = helper("FETCH-SCEP-CA-CERTS")
        check("FETCH-SCEP-CA-CERTS while the stand-in runs", rc == 0, (rc, err))
        blocks = pem_blocks(out)
        write(os.path.join(CAS, "20260101000000"),
              "id=ndes\nca_type=EXTERNAL\nca_is_default=0\n"
              "ca_external_helper=%s --url %s\n" % (HELPER, URL) +
              "ca_encryption_cert=%s\n" % record_value(blocks[0]) +
              "ca_encryption_issuer_cert=%s\n" % record_value(blocks[1]) +
              ("ca_encryption_cert_pool=%s\n" % record_value("".join(blocks[2:]))
               if len(blocks) > 2 else ""))
        # one operation: a certificate issued
        good = Request("issued.example.test", blocks)
        rc, out, err = helper("SUBMIT", good.env())
        check("SUBMIT while the stand-in runs: issued (0)", rc == 0, (rc, out, err))
        cert = good.issued(out)
        check("... the certificate decrypts", cert is not None)
        write(os.path.join(REQS, "20260101000010"),
              "id=issued\nca_name=ndes\nstate=MONITORING\nscep_tx=%s\ncert=%s\n"
              % (good.txid, record_value(cert.public_bytes(serialization.Encoding.PEM)
                                         .decode())))
    finally:
        stand.terminate()
        stand.wait(10)
        log.close()

    # the stand-in is down: a SUBMIT fails with a bounded retry (5), twice
    down = Request("down.example.test", blocks)
    rc, out, err = helper("SUBMIT", down.env())
    check("SUBMIT with the stand-in stopped: retry (5)", rc == 5, (rc, out, err))
    time.sleep(1.2)
    rc, out, err = helper("SUBMIT", down.env())
    check("... and again (5)", rc == 5, (rc, out, err))
    os.mkdir(os.path.join(TMP, "pw"))
    write(os.path.join(REQS, "20260101000011"),
          "id=down\nca_name=ndes\nstate=SUBMITTING\nscep_tx=%s\n"
          "template_challenge_password=%s\ntemplate_challenge_password_file=%s\n"
          % (down.txid, PW, os.path.join(TMP, "pw", "down")))
    write(os.path.join(TMP, "pw", "down.ndes-submit-state"),
          "# no secrets\nfetched=%d\n" % (int(time.time()) - 60))
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
              d.get("last_failure") is not None and d.get("next_attempt") is None, d)
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
