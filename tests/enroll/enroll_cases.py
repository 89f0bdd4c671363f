# SPDX-License-Identifier: GPL-3.0-or-later
"""SUBMIT and POLL of the real helper over real HTTP (loopback) against the
NDES stand-in, and against a fault-injecting server/proxy for every way a
reply can be wrong. The helper is run the way certmonger runs it: a cleared
environment with CERTMONGER_* variables, SCEP messages built like
certmonger's (PKCSReq and GetCertInitial with the same transactionID and
senderNonce, signed by a self-signed "minicert"), CA certificates from the
helper's own FETCH-SCEP-CA-CERTS answer.

Run by enroll-cases.sh with Debian's python3. Ports 18150-18199."""

import http.server
import os
import re
import shutil
import sys
import tempfile
import threading
import time

SRCDIR = os.environ["abs_top_srcdir"]
sys.path.insert(0, os.path.join(SRCDIR, "tests", "lib"))
import ndes_client as nc  # noqa: E402
import scepmsg  # noqa: E402  (put on sys.path by ndes_client)
from ndes_client import PW, Client, Stand, helper, pem_blocks  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from asn1crypto import cms  # noqa: E402

PORT_BASE = 18150
FAILED = []
TMP = nc.TMP = tempfile.mkdtemp(prefix="enroll-cases.")


def check(what, cond, detail=""):
    if cond:
        print("ok: " + what)
        if os.environ.get("VERBOSE"):
            print("    %r" % (detail,))
    else:
        print("FAILED: %s %s" % (what, detail))
        FAILED.append(what)


# ------------------------------------------------------------ fault server
class Faults(http.server.ThreadingHTTPServer):
    """Answers PKIOperation as told; forwards everything to upstream otherwise."""
    daemon_threads = True
    upstream_timeout = 10


class FaultHandler(nc.ForwardingHandler):
    def handle_any(self, body):
        mode = self.server.mode
        if "PKIOperation" not in self.path or mode == "pass":
            return self.forward(body)
        if self.canned(mode):
            return
        if mode == "500":
            return self.send(500, "text/plain", b"oops")
        if mode == "empty":
            return self.send(200, "application/x-pki-message", b"")
        if mode == "hang":
            time.sleep(8)
            return
        status, ctype, data = self.upstream(body)
        if mode == "truncate":
            self.send(200, ctype, data[: len(data) // 2], length=len(data))
            self.close_connection = True
            return
        if mode == "cut":		# a complete HTTP reply holding half a pkiMessage
            return self.send(200, ctype, data[: len(data) // 2])
        if mode == "badsig":
            return self.send(200, ctype, nc.bad_signature(data))
        if mode == "replay":
            return self.send(200, ctype, self.replay(data))
        if mode in ("resign-enc", "resign-ca"):
            # a valid signature by a certificate certmonger holds for this
            # CA, but not the signing RA: the encryption RA or the CA
            who = {"resign-enc": "ra-enc", "resign-ca": "issuing"}[mode]
            return self.send(200, ctype, resign(data, self.server.pki_dir, who))
        raise SystemExit("unknown mode " + mode)


def resign(data, pki_dir, who):
    """The CertRep data re-signed (same signed attributes) by the stand-in's
    certificate/key WHO (ra-enc or issuing, from its state directory)."""
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives import hashes
    from asn1crypto import x509 as ax509
    cert_pem = open(os.path.join(pki_dir, "..", "ra-enc.pem" if who == "ra-enc"
                                 else "issuing-ca.pem"), "rb").read()
    key = serialization.load_pem_private_key(
        open(os.path.join(pki_dir, who + ".key"), "rb").read(), None)
    sc = ax509.Certificate.load(x509.load_pem_x509_certificate(cert_pem).public_bytes(
        serialization.Encoding.DER))
    ci = cms.ContentInfo.load(data)
    sd = ci["content"]
    si = sd["signer_infos"][0]
    to_sign = b"\x31" + si["signed_attrs"].dump(force=True)[1:]
    si["signature"] = key.sign(to_sign, padding.PKCS1v15(), hashes.SHA1())
    si["sid"] = cms.SignerIdentifier(name="issuer_and_serial_number",
                                     value=cms.IssuerAndSerialNumber({
                                         "issuer": sc.issuer, "serial_number": sc.serial_number}))
    sd["certificates"] = [sc]
    return ci.dump(force=True)


def start_faults(port, upstream_port, pki_dir=None):
    srv = Faults(("127.0.0.1", port), FaultHandler)
    srv.upstream_port = upstream_port
    srv.pki_dir = pki_dir
    srv.mode = "pass"
    srv.last = None
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


# ------------------------------------------------------------ cases
def pkiops(stand, since):
    return [r for r in stand.records()[since:] if r.get("operation") == "PKIOperation"]


def cases_normal(stand):
    c = Client(stand.url, "web1.example.test")
    rc, out, err, _ = c.submit(with_messages=False)
    check("SUBMIT without messages asks for them (16)", rc == 16, (rc, out))
    n0 = len(stand.records())
    rc, out, err, _ = c.submit()
    check("first enrollment issued (0)", rc == 0, (rc, out, err))
    check("output is PEM PKCS7", out.startswith("-----BEGIN PKCS7-----"), out[:80])
    cert = c.issued_cert(out) if rc == 0 else None
    check("the envelope holds a certificate for our key", cert is not None)
    recs = stand.records()[n0:]
    check("steady state: exactly one HTTP request (the PKIOperation)",
          len(recs) == 1 and recs[0].get("operation") == "PKIOperation", recs)
    check("it was a POST (POSTPKIOperation advertised)",
          recs and recs[-1].get("method") == "POST", recs)
    check("the password never appears in output or log", PW not in out + err)

    # After exit 17 on a first enrollment certmonger builds only the _REKEY
    # pair (new key, no certificate yet): that one must be sent.
    r = Client(stand.url, "rekeyonly.example.test")
    e = r.env()
    e["CERTMONGER_PKCSREQ_REKEY"] = e.pop("CERTMONGER_PKCSREQ")
    e["CERTMONGER_GETCERTINITIAL_REKEY"] = e.pop("CERTMONGER_GETCERTINITIAL")
    rc, out, err, _ = helper(stand.url, "SUBMIT", e)
    check("only the _REKEY messages (new key, no certificate): sent and issued (0)",
          rc == 0 and r.issued_cert(out) is not None, (rc, out[:200], err))

    c2 = Client(stand.url, "wrongpw.example.test", password="not-the-password")
    rc, out, err, _ = c2.submit()
    check("wrong password: rejected (2)", rc == 2, (rc, out))
    check("wrong password: message names badMessageCheck and says what to do",
          "NDES rejected the request: badMessageCheck" in out and "password" in out, out)
    check("wrong password: never printed", "not-the-password" not in out + err)
    check("wrong password: one line", len(out.strip().splitlines()) == 1, out)

    rc, out, err, _ = c.poll("garbage-cookie-from-another-helper")
    check("garbage cookie: clean refusal (2)", rc == 2 and "resubmit" in out, (rc, out, err))
    rc, out, err, _ = c.poll("ndes1:P:p:1:12:AAAA")
    check("damaged cookie: clean refusal (2)",
          rc == 2 and "stored cookie" in out and "resubmit" in out, (rc, out, err))


def cases_pending(stand):
    c = Client(stand.url, "mail1.example.test", opts=("--poll-interval", "7"))
    n0 = len(stand.records())
    rc, out, err, _ = c.submit()
    lines = out.splitlines()
    check("pending: WAIT_WITH_DELAY (5)", rc == 5, (rc, out, err))
    check("pending: delay is poll-interval", lines and lines[0] == "7", out)
    cookie = lines[1] if len(lines) > 1 else ""
    check("pending: cookie is one printable line", re.match(r"^ndes1:P:p:[01]:\d+:[A-Za-z0-9+/=]+$", cookie) is not None, cookie[:60])
    rc, out2, err, _ = c.poll(cookie)
    check("poll while pending: 5 with the same cookie",
          rc == 5 and out2.splitlines()[1:] == [cookie], (rc, out2[:100], err))
    polls = pkiops(stand, n0)
    check("polling sent a CertPoll (20), not a new PKCSReq",
          [r.get("message_type") for r in polls] == ["19", "20"], [r.get("message_type") for r in polls])
    stand.verdict("approve", c.txid)
    rc, out, err, _ = c.poll(cookie)
    check("approved: poll issues (0)", rc == 0 and c.issued_cert(out) is not None, (rc, out[:80], err))

    d = Client(stand.url, "denied.example.test")
    rc, out, err, _ = d.submit()
    cookie = out.splitlines()[1] if rc == 5 else ""
    stand.verdict("deny", d.txid)
    rc, out, err, _ = d.poll(cookie)
    check("denied: poll rejected (2) saying so",
          rc == 2 and "denied" in out and "CERTSRV_E_ADMIN_DENIED_REQUEST" in out, (rc, out, err))

    # Old CA data (fetched before this helper): the 2nd certificate is the
    # root, so certmonger's CertPoll names the root as issuer. The helper
    # notices at SUBMIT and says what to do when the poll fails.
    w = Client(stand.url, "wrongissuer.example.test")
    pool = pem_blocks(w.env_certs["CERTMONGER_SCEP_CERTIFICATES"])
    roots = [b for b in pool if is_self_signed(b)]
    if roots:
        rest = [b for b in pool if b != roots[0]] + [w.env_certs["CERTMONGER_SCEP_CA_CERTIFICATE"]]
        w.env_certs["CERTMONGER_SCEP_CA_CERTIFICATE"] = roots[0]
        w.env_certs["CERTMONGER_SCEP_CERTIFICATES"] = "".join(rest)
        w.second = x509.load_pem_x509_certificate(roots[0].encode())
    rc, out, err, _ = w.submit()
    cookie = out.splitlines()[1] if rc == 5 else ""
    check("wrong CertPoll issuer noticed at SUBMIT", bool(roots) and rc == 5
          and cookie.startswith("ndes1:P:p:0:") and "refresh-ca" in err, (rc, out[:60], err))
    rc, out, err, _ = w.poll(cookie)
    check("failed poll with the wrong issuer tells to refresh the CA data",
          rc == 2 and "getcert refresh-ca -c ndes" in out, (rc, out, err))


def is_self_signed(pem_text):
    c = x509.load_pem_x509_certificate(pem_text.encode())
    return c.issuer == c.subject


def cases_transient(stand_unreach, down_url):
    c = Client(stand_unreach.url, "retry.example.test", opts=("--retry-interval", "11"))
    rc, out, err, _ = c.submit()
    lines = out.splitlines()
    # retry-interval 11: a delay between 5 and 11 s (spread, not in lockstep)
    check("NDES cannot reach its CA: bounded retry (5)",
          rc == 5 and lines[0].isdigit() and 5 <= int(lines[0]) <= 11, (rc, out))
    check("... with a retry cookie naming the reason",
          len(lines) > 1 and lines[1].startswith("ndes1:R:") and "0x800706BA" in lines[1], out)
    check("... and the reason on stderr", "0x800706BA" in err, err)
    rc, out, err, _ = c.poll(lines[1] if len(lines) > 1 else "")
    check("the retry POLL asks certmonger for fresh messages (16)", rc == 16, (rc, out))

    rc, out, err, secs = c.submit(url=down_url)
    lines = out.splitlines()
    check("server down: bounded retry (5)",
          rc == 5 and lines[0].isdigit() and 5 <= int(lines[0]) <= 11, (rc, out, err))
    delays = set()
    for _ in range(6):
        rc, out, err, _ = c.submit(url=down_url)
        delays.add(out.splitlines()[0] if out else "")
    check("retries of many hosts are spread: 6 tries, more than one delay", len(delays) > 1,
          delays)
    check("server down: reason in cookie and stderr",
          len(lines) > 1 and "connect" in lines[1] and "connect" in err, (out, err))


def cases_get_limits(port):
    s = Stand("nopost", port, "--no-post", "--max-query-string", "2048")
    try:
        c = Client(s.url, "get.example.test")
        rc, out, err, _ = c.submit()
        check("GET over max-get-length: refused before sending (4)",
              rc == 4 and "maxQueryString" in out and "method = post" in out, (rc, out))
        check("... nothing was sent", pkiops(s, 0) == [], pkiops(s, 0))
        rc, out, err, _ = c.submit(opts=("--max-get-length", "65536"))
        check("IIS 404.15 recognised (4)", rc == 4 and "404.15" in out and "maxQueryString" in out,
              (rc, out))
    finally:
        s.stop()
    s = Stand("nopost414", port + 1, "--no-post", "--max-query-string", "2048", "--http-414")
    try:
        c = Client(s.url, "get414.example.test")
        rc, out, err, _ = c.submit(opts=("--max-get-length", "65536"))
        check("HTTP 414 recognised (4)", rc == 4 and "414" in out and "maxQueryString" in out, (rc, out))
    finally:
        s.stop()
    s = Stand("nopostbig", port + 2, "--no-post", "--max-query-string", "65536")
    try:
        c = Client(s.url, "getok.example.test")
        rc, out, err, _ = c.submit(opts=("--max-get-length", "65536"))
        recs = pkiops(s, 0)
        check("GET with a raised limit issues (0)", rc == 0 and c.issued_cert(out) is not None, (rc, out[:80], err))
        check("... sent as GET", recs and recs[-1].get("method") == "GET", recs)
    finally:
        s.stop()


def cases_faults(stand, fport):
    f = start_faults(fport, stand.port, os.path.join(stand.state, "pki"))
    furl = "http://127.0.0.1:%d/certsrv/mscep/mscep.dll" % fport
    c = Client(furl, "faults.example.test")
    expect = {
        "html": (2, "text/html"),
        "503": (5, None),
        "500": (5, None),
        "garbage": (2, "not a SCEP pkiMessage"),
        "empty": (2, "empty"),
        "truncate": (5, None),
        "cut": (2, "not a SCEP pkiMessage"),
        "badsig": (2, "bad signature"),
        "resign-enc": (2, "not NDES' signing RA"),
        "resign-ca": (2, "not NDES' signing RA"),
        "hang": (5, None),
    }
    for mode, (want_rc, want_text) in expect.items():
        f.mode = mode
        rc, out, err, secs = c.submit()
        ok = rc == want_rc and (want_text is None or want_text in out)
        check("reply fault %s -> exit %d%s" % (mode, want_rc,
              " '%s'" % want_text if want_text else ""), ok, (rc, out[:300], err[-300:]))
        check("reply fault %s: at most two lines, no crash" % mode,
              len(out.strip().splitlines()) <= 2 and rc < 128, out)
        if mode == "hang":
            check("hang is bounded by the timeout", secs < 20, secs)
    f.mode = "html"
    rc, out, err, _ = c.submit()
    check("HTML page: its title is named", "Proxy login required" in out, out)
    # a stale reply (answer to an earlier request) is refused
    f.mode = "pass"
    c2 = Client(furl, "replay.example.test", password="wrong")
    c2.submit()
    f.mode = "replay"
    rc, out, err, _ = c2.submit()
    check("replayed reply: refused for its nonce (2)", rc == 2 and "recipientNonce" in out, (rc, out))
    f.shutdown()


def cases_expired_ra(port):
    # NDES with expired RA certificates answers PKIOperation with HTTP 500
    # (ndes.md): the helper names the certificates and their dates, and does
    # not retry (exit 3: ca-error stays, certmonger's own long delay).
    s = Stand("expired", port, "--expired-ra")
    try:
        c = Client(s.url, "expired.example.test")
        rc, out, err, _ = c.submit()
        check("expired RA certificates, HTTP 500: exit 3 naming the cause, dates and fix",
              rc == 3 and "HTTP 500 and its RA certificates have expired" in out
              and "signing RA" in out and "encryption RA" in out and "NDES admin" in out
              and "getcert refresh-ca -c ndes" in out, (rc, out, err))
        check("expired RA certificates: one line", len(out.strip().splitlines()) == 1, out)
    finally:
        s.stop()
    # A lenient server that still signs with the expired RA: the CertRep is refused.
    s = Stand("expired-works", port, "--expired-ra", "--expired-ra-works")
    try:
        c = Client(s.url, "expired.example.test")
        rc, out, err, _ = c.submit()
        check("expired RA certificate signing a CertRep: rejected (2) naming the cause and fix",
              rc == 2 and "expired" in out and "getcert refresh-ca -c ndes" in out, (rc, out, err))
    finally:
        s.stop()


def cases_renewal(stand):
    """Renewal policy before anything is sent (ndes.md "Renewal")."""
    c = Client(stand.url, "renew1.example.test")
    rc, out, err, _ = c.submit()
    cert = c.issued_cert(out) if rc == 0 else None
    check("renewal cases: first certificate issued", cert is not None, (rc, out, err))
    if cert is None:
        return
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    n0 = len(stand.records())

    def renew(client, opts=None, cert_env=cert_pem, with_messages=False):
        e = client.env(with_messages=with_messages)
        e["CERTMONGER_CERTIFICATE"] = cert_env
        return helper(stand.url, "SUBMIT", e, opts=opts or ())

    # Same key: NDES would hand back the certificate being renewed.
    same = Client(stand.url, "renew1.example.test", password=None)
    same.key = c.key
    same.csr = scepmsg.csr(c.key, cn="renew1.example.test")
    rc, out, err, _ = renew(same)
    check("renewal with the same key: certmonger is asked for a new key (17)",
          rc == 17 and "new key" in out, (rc, out, err))
    rc, out, err, _ = renew(same, opts=("--renewal-key", "same"))
    check("renewal-key = same: goes on with the same key (16) and warns",
          rc == 16 and "same key" in err, (rc, out, err))

    # New key, same names, no password: goes on.
    ok = Client(stand.url, "renew1.example.test", password=None)
    rc, out, err, _ = renew(ok)
    check("renewal with a new key and the same names: goes on (16)", rc == 16, (rc, out, err))

    # New key, other names, no password: NDES would refuse; say why and how.
    other = Client(stand.url, "renew2.example.test", password=None)
    rc, out, err, _ = renew(other)
    check("renewal with other names: refused before sending (2)", rc == 2, (rc, out, err))
    check("... naming both subjects",
          'subject "CN=renew2.example.test" (certificate: "CN=renew1.example.test")' in out, out)
    check("... giving the resubmit options that keep the names",
          "-N 'CN=renew1.example.test'" in out and "-L PASSWORD" in out, out)
    rc, out, err, _ = renew(other, opts=("--renewal-subject-check", "no"))
    check("renewal-subject-check = no: sent anyway (16) with a warning",
          rc == 16 and "other names" in err, (rc, out, err))

    # certmonger 0.79.13 reads only the reply to the new key's request: the
    # renewal goes as a new enrollment and needs a password NDES has not
    # consumed (cmversion.h).
    legacy = ("--certmonger-version", "0.79.13")
    rc, out, err, _ = renew(ok, opts=legacy)
    check("certmonger 0.79.13, renewal without a password: refused before sending (2)",
          rc == 2 and "before 0.79.14" in out and "new one-time password" in out
          and "getcert resubmit -i REQUEST -L PASSWORD" in out, (rc, out, err))
    rc, out, err, _ = renew(Client(stand.url, "renew1.example.test", password=PW), opts=legacy)
    check("certmonger 0.79.13, renewal with the consumed password: refused before sending (2)",
          rc == 2 and "new one-time password" in out and PW not in out + err, (rc, out, err))
    rc, out, err, _ = renew(Client(stand.url, "renew1.example.test", password="Fresh0ne"),
                            opts=legacy)
    check("certmonger 0.79.13, renewal with a fresh password: goes on (16)",
          rc == 16, (rc, out, err))
    check("nothing was sent to NDES for these renewals",
          not pkiops(stand, n0), pkiops(stand, n0))

    # The first enrollment's password (consumed by NDES) is still in the CSR.
    stale = Client(stand.url, "renew1.example.test", password=PW)
    rc, out, err, _ = renew(stale, with_messages=True)
    check("renewal CSR with the first enrollment's password: said in the log",
          "one-time password of an earlier enrollment" in err
          and "challenge_password_otp" in err, (rc, out, err))
    check("... without printing it", PW not in out + err)
    fresh = Client(stand.url, "renew1.example.test", password="Fresh0ne")
    rc, out, err, _ = renew(fresh, with_messages=True)
    check("renewal CSR with another password: no such warning",
          "earlier enrollment" not in err, (rc, out, err))
    rc, out, err, _ = renew(ok, cert_env="-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    check("unreadable current certificate: warned, goes on (16)",
          rc == 16 and "cannot compare" in err, (rc, out, err))


def cases_aes(stand):
    # NDES answers AES requests with replies nobody can decrypt (RFC 8894
    # 3.5.2): certmonger must be told DES3 even when caps say AES.
    for caps in ("POSTPKIOperation,AES,SHA-256", "SCEPStandard"):
        rc, out, err, _ = helper(stand.url, "FETCH-SCEP-CA-CAPS", opts=("--caps", caps))
        lines = out.split()
        check("caps %r on NDES: no AES for certmonger, DES3 instead" % caps,
              rc == 0 and "AES" not in lines and "SCEPStandard" not in lines
              and "DES3" in lines and "AES" in err, (rc, out, err))
    rc, out, err, _ = helper(stand.url, "FETCH-SCEP-CA-CAPS",
                             opts=("--caps", "POSTPKIOperation,DES3,SHA-256"))
    check("caps without AES: unchanged, no warning",
          rc == 0 and out.split() == ["POSTPKIOperation", "DES3", "SHA-256"] and "AES" not in err,
          (rc, out, err))


def main():
    try:
        normal = Stand("normal", PORT_BASE)
        try:
            cases_normal(normal)
            cases_renewal(normal)
            cases_aes(normal)
            cases_faults(normal, PORT_BASE + 1)
        finally:
            normal.stop()
        pend = Stand("pending", PORT_BASE + 2, "--pending")
        try:
            cases_pending(pend)
        finally:
            pend.stop()
        unreach = Stand("unreach", PORT_BASE + 3, "--ca-unreachable")
        try:
            cases_transient(unreach, "http://127.0.0.1:%d/certsrv/mscep/mscep.dll" % (PORT_BASE + 4))
        finally:
            unreach.stop()
        cases_get_limits(PORT_BASE + 5)
        cases_expired_ra(PORT_BASE + 10)
    finally:
        if not FAILED and not os.environ.get("KEEP"):
            shutil.rmtree(TMP, ignore_errors=True)
        else:
            print("state kept in " + TMP)
    if FAILED:
        print("%d check(s) failed" % len(FAILED))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
