# SPDX-License-Identifier: GPL-3.0-or-later
"""ndes-server over HTTP: GetCACaps, GetCACert, IIS limits, the info page,
TLS, start/stop. Run by test_http.sh; TAP-like output."""

import http.client
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
sys.dont_write_bytecode = True

from cryptography import x509  # noqa: E402
from asn1crypto import cms  # noqa: E402

import harness  # noqa: E402
import scepmsg  # noqa: E402

DLL = "/certsrv/mscep/mscep.dll"
CAPS = b"POSTPKIOperation\r\nRenewal\r\nSHA-512\r\nSHA-256\r\nSHA-1\r\nDES3\r\n"


def cacert_certs(body):
    sd = cms.ContentInfo.load(body)["content"]
    return [x509.load_der_x509_certificate(c.chosen.dump())
            for c in sd["certificates"]]


def role_of(c):
    try:
        ku = c.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return "?"
    try:
        bc = c.extensions.get_extension_for_class(x509.BasicConstraints).value
        if bc.ca:
            return "root" if c.issuer == c.subject else "issuing"
    except x509.ExtensionNotFound:
        pass
    if ku.digital_signature and not ku.key_encipherment:
        return "ra-sign"
    if ku.key_encipherment and not ku.digital_signature:
        return "ra-enc"
    return "?"


def test_caps(t):
    s = t.start()
    for path in (DLL, DLL + "/pkiclient.exe"):
        st, h, body = s.request("GET", path + "?operation=GetCACaps&message=0")
        t.eq(st, 200, "GetCACaps status on " + path)
        t.eq(body, CAPS, "GetCACaps: NDES's exact list, CRLF lines")
        t.eq(h.get("Content-Type"), "text/plain", "GetCACaps content type")
    t.eq(s.last_log()["operation"], "GetCACaps", "log names the operation")


def test_no_caps(t):
    s = t.start("--no-caps", "close")
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
    c.request("GET", DLL + "?operation=GetCACaps&message=0")
    try:
        c.getresponse()
        closed = False
    except (http.client.RemoteDisconnected, ConnectionResetError):
        closed = True
    t.check(closed, "--no-caps close: connection closed without an answer")
    st, _, _ = s.request("GET", DLL + "?operation=GetCACert&message=0")
    t.eq(st, 200, "--no-caps close: GetCACert still answers")
    t.stop(s)
    s = t.start("--no-caps", "empty")
    st, _, body = s.request("GET", DLL + "?operation=GetCACaps&message=0")
    t.check(st == 200 and body == b"", "--no-caps empty: 200 with empty body")
    t.stop(s)
    s = t.start("--no-caps", "error")
    st, _, _ = s.request("GET", DLL + "?operation=GetCACaps&message=0")
    t.eq(st, 500, "--no-caps error: HTTP 500")


def test_no_post(t):
    s = t.start("--no-post", "--max-query-string", "65536")
    _, _, body = s.request("GET", DLL + "?operation=GetCACaps&message=0")
    t.check(b"POSTPKIOperation" not in body and b"DES3" in body,
            "--no-post: caps without POSTPKIOperation")
    k = scepmsg.key()
    rc, out, _ = t.cli("otp", "--state", s.state)
    pw = out.strip()
    csr = scepmsg.csr(k, password=pw)
    msg, _, _ = scepmsg.pkimessage(scepmsg.der(csr), scepmsg.self_signed(k), k,
                                   s.ra_enc)
    st, _, _ = s.post_pki(msg)
    t.eq(st, 405, "--no-post: POST PKIOperation refused with 405")
    st, h, body = s.get_pki(msg)
    t.eq(st, 200, "--no-post: GET PKIOperation answers")
    rep = scepmsg.CertRep(body, s.ra_sign)
    t.eq(rep.status, "0", "--no-post: GET PKIOperation SUCCESS")


def test_getcacert(t):
    s = t.start()
    st, h, body = s.request("GET", DLL + "?operation=GetCACert&message=0")
    t.eq(st, 200, "GetCACert status")
    t.eq(h.get("Content-Type"), "application/x-x509-ca-ra-cert",
         "GetCACert content type")
    certs = cacert_certs(body)
    roles = sorted(role_of(c) for c in certs)
    t.eq(roles, ["issuing", "ra-enc", "ra-sign", "root"], "GetCACert roles")
    by = {role_of(c): c for c in certs}
    eau = x509.ObjectIdentifier("1.3.6.1.4.1.311.20.2.1")
    for r, tmpl in (("ra-sign", "EnrollmentAgentOffline"),
                    ("ra-enc", "CEPEncryption")):
        c = by[r]
        eku = c.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        t.check(eau in list(eku), "%s has EKU 1.3.6.1.4.1.311.20.2.1" % r)
        ext = c.extensions.get_extension_for_oid(
            x509.ObjectIdentifier("1.3.6.1.4.1.311.20.2")).value.value
        t.eq(ext[2:].decode("utf-16-be"), tmpl, "%s template name" % r)
        t.eq(c.issuer, by["issuing"].subject, "%s issued by the issuing CA" % r)
    t.eq(by["ra-sign"].subject, by["ra-enc"].subject, "RA certs share a subject")
    t.eq(by["issuing"].issuer, by["root"].subject, "issuing CA under the root")
    for n, c in (("root-ca.pem", by["root"]), ("issuing-ca.pem", by["issuing"]),
                 ("ra-sign.pem", by["ra-sign"]), ("ra-enc.pem", by["ra-enc"])):
        t.eq(scepmsg.load_pem(os.path.join(s.state, n)), c, "DIR/" + n)
    v = subprocess.run(["openssl", "verify", "-CAfile",
                        os.path.join(s.state, "root-ca.pem"), "-untrusted",
                        os.path.join(s.state, "issuing-ca.pem"),
                        os.path.join(s.state, "ra-sign.pem"),
                        os.path.join(s.state, "ra-enc.pem")],
                       capture_output=True, text=True)
    t.eq(v.returncode, 0, "RA certs verify up to the root (openssl verify)")
    orders = set()
    for _ in range(12):
        _, _, body = s.request("GET", DLL + "?operation=GetCACert&message=0")
        orders.add(tuple(role_of(c) for c in cacert_certs(body)))
    t.check(len(orders) > 1, "GetCACert order varies between requests",
            "(%d orders seen)" % len(orders))
    t.stop(s)
    s = t.start("--no-root-in-cacert")
    _, _, body = s.request("GET", DLL + "?operation=GetCACert&message=0")
    t.eq(sorted(role_of(c) for c in cacert_certs(body)),
         ["issuing", "ra-enc", "ra-sign"], "--no-root-in-cacert leaves the root out")
    t.stop(s)
    s = t.start("--single-ca")
    _, _, body = s.request("GET", DLL + "?operation=GetCACert&message=0")
    certs = cacert_certs(body)
    t.eq(sorted(role_of(c) for c in certs), ["ra-enc", "ra-sign", "root"],
         "--single-ca: self-signed issuing CA plus the RAs")
    ca = [c for c in certs if role_of(c) == "root"][0]
    t.eq(scepmsg.load_pem(os.path.join(s.state, "issuing-ca.pem")), ca,
         "--single-ca: DIR/issuing-ca.pem is the self-signed CA")


def test_expired_ra(t):
    s = t.start("--expired-ra")
    _, _, body = s.request("GET", DLL + "?operation=GetCACert&message=0")
    ras = [c for c in cacert_certs(body) if role_of(c).startswith("ra-")]
    import datetime
    now = datetime.datetime.utcnow()
    t.check(len(ras) == 2 and all(c.not_valid_after < now for c in ras),
            "--expired-ra: both RA certs expired")
    state = s.state
    t.stop(s)
    s = t.start(state=state)
    _, _, body = s.request("GET", DLL + "?operation=GetCACert&message=0")
    ras = [c for c in cacert_certs(body) if role_of(c).startswith("ra-")]
    t.check(all(c.not_valid_after > now for c in ras),
            "restart without --expired-ra: RA certs valid again (same keys)")


def test_limits(t):
    s = t.start()
    q = "operation=GetCACaps&message=" + "A" * (2048 - 28)
    st, _, _ = s.request("GET", DLL + "?" + q)
    t.eq(st, 200, "query string of exactly 2048 characters passes")
    st, h, body = s.request("GET", DLL + "?" + q + "A")
    t.eq(st, 404, "query string of 2049 characters: 404")
    t.check(b"404.15" in body and b"query string is too long" in body,
            "404.15 body like IIS's request filtering page")
    t.eq(s.last_log()["iis_substatus"], "404.15", "log records 404.15")
    st, _, body = s.request("GET", DLL + "/" + "x" * 4100 + "?operation=GetCACaps")
    t.check(st == 404 and b"404.14" in body, "path over maxUrl: 404.14")
    t.stop(s)
    s = t.start("--max-url", "30")
    st, _, body = s.request("GET", DLL + "/pkiclient.exe?operation=GetCACaps")
    t.check(st == 404 and b"404.14" in body, "--max-url 30: a 38-character path gets 404.14")
    st, _, _ = s.request("GET", DLL + "?operation=GetCACaps")
    t.eq(st, 200, "--max-url 30: a 24-character path passes")
    # a GET PKIOperation of a 2048-bit request (~3.5 KB) trips the default
    k = scepmsg.key()
    msg, _, _ = scepmsg.pkimessage(scepmsg.der(scepmsg.csr(k, password="X")),
                                   scepmsg.self_signed(k), k, s.ra_enc)
    st, _, body = s.get_pki(msg)
    t.check(st == 404 and b"404.15" in body,
            "GET PKIOperation of a 2048-bit request: 404.15 by default")
    t.stop(s)
    s = t.start("--max-query-string", "65536")
    st, _, body = s.get_pki(msg)
    t.check(st == 200 and scepmsg.CertRep(body).status == "2",
            "--max-query-string 65536: the same GET gets a CertRep")
    t.stop(s)
    s = t.start("--http-414", "--max-query-string", "100")
    st, _, _ = s.request("GET", DLL + "?operation=GetCACaps&message=" + "A" * 100)
    t.eq(st, 414, "--http-414: 414 instead of 404.15")


def test_info_page_and_message(t):
    s = t.start()
    st, h, body = s.request("GET", DLL)
    text = body.decode("utf-16")
    t.check(st == 200 and "Network Device Enrollment Service" in text
            and "mscep_admin" in text, "no operation: NDES info page")
    st, _, _ = s.request("GET", DLL + "?operation=GetCACaps")
    t.eq(st, 200, "GetCACaps without message= accepted by default")
    t.eq(s.last_log()["message_param"], False, "log: message_param false")
    st, _, _ = s.request("GET", DLL + "?operation=PKIOperation")
    t.eq(st, 500, "GET PKIOperation without message=: HTTP 500")
    st, _, _ = s.request("GET", DLL + "?operation=Bogus&message=0")
    t.eq(st, 400, "unknown operation: 400")
    st, _, _ = s.request("GET", "/certsrv/nothing")
    t.eq(st, 404, "unknown path: 404")
    t.stop(s)
    s = t.start("--require-message")
    st, _, _ = s.request("GET", DLL + "?operation=GetCACaps")
    t.eq(st, 500, "--require-message: GetCACaps without message= gets 500")
    st, _, _ = s.request("GET", DLL + "?operation=GetCACaps&message=x")
    t.eq(st, 200, "--require-message: with message= fine")
    t.stop(s)
    s = t.start("--intune")
    st, _, _ = s.request("GET", DLL)
    t.eq(st, 403, "--intune: info page 403")


def test_tls(t):
    s = t.start("--tls")
    root = os.path.join(s.state, "root-ca.pem")
    for host in ("localhost", "127.0.0.1"):
        p = subprocess.run(["curl", "-sS", "--cacert", root,
                            "https://%s:%d%s?operation=GetCACaps&message=0"
                            % (host, s.port, DLL)], capture_output=True)
        t.check(p.returncode == 0 and p.stdout == CAPS,
                "--tls: curl verifies https://%s with DIR/root-ca.pem" % host,
                p.stderr.decode())
    p = subprocess.run(["curl", "-sS", "https://127.0.0.1:%d%s?operation=GetCACaps"
                        % (s.port, DLL)], capture_output=True)
    t.check(p.returncode != 0, "--tls: not trusted without the root")


def test_lifecycle(t):
    s = t.start()
    pid_file = os.path.join(s.state, "server.pid")
    t.eq(int(open(pid_file).read()), s.proc.pid, "DIR/server.pid holds the pid")
    out = open(os.path.join(s.state, "stdout.txt")).read()
    t.check(("listening on http://127.0.0.1:%d/" % s.port) in out,
            "prints one 'listening on URL' line")
    # a second, idle keep-alive connection must not block shutdown
    idle = socket.create_connection(("127.0.0.1", s.port))
    t.stop(s)
    idle.close()
    t.eq(s.proc.returncode, 0, "SIGTERM: exit status 0")
    t.check(not os.path.exists(pid_file), "SIGTERM: server.pid removed")
    t.check(os.path.exists(os.path.join(s.state, "pki", "issuing.key")),
            "PKI kept in the state dir")


def main():
    t = harness.Run("http")
    for fn in (test_caps, test_no_caps, test_no_post, test_getcacert,
               test_expired_ra, test_limits, test_info_page_and_message,
               test_tls, test_lifecycle):
        t.case(fn)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
