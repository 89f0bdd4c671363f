# SPDX-License-Identifier: GPL-3.0-or-later
"""ndes-server --pki: several stand-ins share one CA and RA certificates
(NDES servers behind a load balancer) while each keeps its own password
cache, pending requests and log in its --state. Run by test_shared_pki.sh;
TAP-like output."""

import hashlib
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
sys.dont_write_bytecode = True

import harness  # noqa: E402
import scepmsg as M  # noqa: E402

DLL = "/certsrv/mscep/mscep.dll"
NOT_FOUND = "-2147023728"  # 0x80070490 ERROR_NOT_FOUND


def cacert_set(s):
    """The certificates of GetCACert (whose order NDES shuffles), sorted."""
    from asn1crypto import cms
    st, h, body = s.request("GET", DLL + "?operation=GetCACert&message=0")
    assert st == 200, st
    sd = cms.ContentInfo.load(body)["content"]
    return sorted(c.chosen.dump() for c in sd["certificates"])


def start_together(t, states, pki):
    """Start one server per state dir at the same moment, all on one --pki
    (empty: they race to create it)."""
    procs = []
    for st in states:
        os.makedirs(st, exist_ok=True)
        out = open(os.path.join(st, "stdout.txt"), "w")
        procs.append(subprocess.Popen(
            [harness.SERVER, "--listen", "127.0.0.1:0", "--state", st,
             "--pki", pki, "--user", "EXAMPLE\\alice:Secr3t!"],
            stdout=out, stderr=subprocess.STDOUT))
    servers = []
    for st, proc in zip(states, procs):
        port = os.path.join(st, "port")
        for _ in range(1200):  # key generation: allow a minute
            if os.path.exists(port) and open(port).read().strip():
                break
            if proc.poll() is not None:
                raise RuntimeError("ndes-server exited: %s" % open(
                    os.path.join(st, "stdout.txt")).read())
            time.sleep(0.05)
        else:
            raise RuntimeError("ndes-server did not start")
        s = M.Server(st)
        s.proc = proc
        t.servers.append(s)
        servers.append(s)
    return servers


def enroll(s, password):
    k = M.key()
    msg, _, _ = M.pkimessage(M.der(M.csr(k, password=password)), M.self_signed(k),
                             k, s.ra_enc)
    st, _, rep = s.post_pki(msg)
    assert st == 200, st
    return M.CertRep(rep, s.ra_sign), k


def test_shared(t):
    pki = os.path.join(t.tmp, "shared-pki")
    sa, sb = os.path.join(t.tmp, "state-a"), os.path.join(t.tmp, "state-b")
    a, b = start_together(t, [sa, sb], pki)
    t.check(os.path.exists(os.path.join(pki, "pki", "ra-enc.key")),
            "the PKI (keys) lives in --pki")
    t.check(not os.path.exists(os.path.join(sa, "pki"))
            and not os.path.exists(os.path.join(sb, "pki")),
            "no keys in the --state dirs")
    for n in ("root-ca.pem", "issuing-ca.pem", "ra-sign.pem", "ra-enc.pem"):
        ha = hashlib.sha256(open(os.path.join(sa, n), "rb").read()).hexdigest()
        hb = hashlib.sha256(open(os.path.join(sb, n), "rb").read()).hexdigest()
        hp = hashlib.sha256(open(os.path.join(pki, n), "rb").read()).hexdigest()
        t.check(ha == hb == hp, "%s copied into both state dirs, the same" % n)
    ca_a, ca_b = cacert_set(a), cacert_set(b)
    t.eq(len(ca_a), 4, "GetCACert of A: four certificates")
    t.check(ca_a == ca_b, "started together on an empty --pki: A and B serve "
            "the same GetCACert certificates")

    # passwords: each server its own cache
    rc, out, err = t.cli("otp", "--state", sa)
    t.check(rc == 0, "otp at A", err)
    pw = out.strip()
    rep, _ = enroll(b, pw)
    t.eq((rep.status, rep.hresult), ("2", NOT_FOUND),
         "A's password at B: FAILURE 0x80070490 (unknown)")
    t.eq(b.last_log("PKIOperation")["password"], "unknown", "B logs password: unknown")
    rep, k = enroll(a, pw)
    t.eq(rep.status, "0", "the same password at A: SUCCESS")
    _, certs = rep.issued_certs(k)
    t.eq(certs[0].issuer, M.load_pem(os.path.join(sb, "issuing-ca.pem")).subject,
         "issued by the shared issuing CA")
    rc, out, err = t.cli("otp", "--state", sb)
    rep, _ = enroll(b, out.strip())
    t.eq(rep.status, "0", "B's own password at B: SUCCESS")
    pws_a = open(os.path.join(sa, "passwords.json")).read()
    pws_b = open(os.path.join(sb, "passwords.json")).read()
    t.check(pw in pws_a and pw not in pws_b, "separate passwords.json")
    t.check(not any(r.get("operation") == "PKIOperation" and
                    r.get("password") == "unknown" for r in a.log()),
            "separate log.jsonl (B's refusal is not in A's log)")
    t.check(not os.path.exists(os.path.join(pki, "log.jsonl")),
            "nothing logged in --pki")

    # a third instance started later reuses the PKI
    t.stop(b)
    sc = os.path.join(t.tmp, "state-c")
    c = t.start("--pki", pki, state=sc)
    t.check(cacert_set(c) == ca_a, "a later start on the same --pki: same certificates")

    # the issue subcommand with --pki
    kk = M.key()
    csr = os.path.join(t.tmp, "hand.csr")
    with open(csr, "wb") as f:
        f.write(M.der(M.csr(kk, cn="hand.example.test")))
    out_pem = os.path.join(t.tmp, "hand.pem")
    rc, out, err = t.cli("issue", "--state", sc, "--pki", pki, "--csr", csr,
                         "--out", out_pem)
    t.check(rc == 0, "issue --state C --pki PKIDIR", err)
    cert = M.load_pem(out_pem)
    t.eq(cert.issuer, M.load_pem(os.path.join(pki, "issuing-ca.pem")).subject,
         "issue: issued by the shared CA")
    serial = "%x" % cert.serial_number
    t.check(os.path.exists(os.path.join(sc, "issued", serial + ".pem"))
            and not os.path.exists(os.path.join(pki, "issued")),
            "issue: recorded in the --state dir, not in --pki")


def main():
    t = harness.Run("shared-pki")
    t.case(test_shared)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
