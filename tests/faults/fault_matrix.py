#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault matrix (issue 11): the built helper, run as certmonger runs it,
against injected faults in transport, SCEP replies, the admin page and
files. Every fault has the certmonger exit status and the message the
README ("Troubleshooting", "Exit codes", "Transient trouble") promises.

A fault is HANDLED when the helper
  - exits with the expected status,
  - prints the expected message: a regex searched in
      "out"    the first stdout line (certmonger's ca-error);
      "retry"  for exit 5: the first line must be a delay within
               [retry-interval/2, retry-interval], and the regex is searched
               in the rest of stdout (the retry cookie ndes1:R:...) and stderr
               (certmonger's log), where the README puts the reason;
      "err"    stderr (the admin subcommand `otp` prints its messages there);
  - did not crash (no signal, no status >= 128),
  - did not hang: it ended within the fault's bound (`timeout`),
  - printed no secret (the challenge password, the admin password, a
    one-time password on a page) on stdout or stderr.

Faults are never weakened to match the helper: a fault the current helper
does not handle is reported "NOT HANDLED" with what it did, and the run
fails. The last line is always `faults: N injected, M handled`.

Run by fault-matrix.sh with Debian's python3 (python3-cryptography,
python3-asn1crypto). Ports 18600-18609. Writes only in its temp directory.
"""

import datetime
import hashlib
import http.server
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

SRCDIR = os.environ["abs_top_srcdir"]
HELPER = os.environ["NS_HELPER"]
sys.path.insert(0, os.path.join(SRCDIR, "tests", "lib"))
sys.path.insert(0, os.path.join(SRCDIR, "tests", "ndes-server"))
import ndes_client as nc  # noqa: E402  (Stand, Client, the forwarding handler)
import scepmsg  # noqa: E402
import ndes_admin  # noqa: E402  (the admin pages as NDES writes them)
from ndes_http import iis_error_page  # noqa: E402
from asn1crypto import cms, core, x509 as ax509  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402

PORT_STAND = 18600      # NDES stand-in
PORT_FAULT = 18601      # fault-injecting SCEP server / proxy to the stand-in
PORT_ADMIN = 18602      # canned admin pages
PORT_CLOSED = 18603     # nothing listens here
RETRY = 20              # --retry-interval for every run
TIMEOUT = 3             # --timeout (silent and trickling servers)
BOUND = 25              # seconds before a helper run counts as hung
ADMIN_USER = "EXAMPLE\\svc-ndes"
ADMIN_PW = "Adm1n-S3cret-Pw!"
PAGE_OTP = "8CE317021F690069"   # a one-time password on a canned page
TMP = tempfile.mkdtemp(prefix="fault-matrix.")
nc.TMP = os.path.join(TMP, "enroll")      # the stand-in's and the clients' files
os.mkdir(nc.TMP, 0o700)
STAND_URL = "http://127.0.0.1:%d/certsrv/mscep/mscep.dll" % PORT_STAND
FAULT_URL = "http://127.0.0.1:%d/certsrv/mscep/mscep.dll" % PORT_FAULT
ADMIN_URL = "http://127.0.0.1:%d/certsrv/mscep_admin/" % PORT_ADMIN
CLOSED_URL = "http://127.0.0.1:%d/certsrv/mscep/mscep.dll" % PORT_CLOSED
SECRETS = [nc.PW, ADMIN_PW, PAGE_OTP]
SCEP = scepmsg.SCEP
MS_ERR = scepmsg.MS_ERR

# ------------------------------------------------------------ the matrix
# (category, name, how the fault is injected, runner, expected exit,
#  where the message is looked for, message regex[, bound seconds])
# runner "FN:ARG" calls run_FN(ctx, ARG, fault) below, which injects the fault
# and runs the helper. Expected statuses and messages are the README's; the
# few that come from issue 11 alone say so in "how".
HR = [  # FAILURE CertReps: (HRESULT, failInfo, symbol, hint from the README's table)
    (0x80070490, "badMessageCheck", "ERROR_NOT_FOUND", r"unknown or was already used"),
    (0x800B0110, "badMessageCheck", "CERT_E_WRONG_USAGE", r"already used"),
    (0x80096004, "badMessageCheck", "TRUST_E_CERT_SIGNATURE", r"requires a challenge password"),
    (0x80090005, "badMessageCheck", "NTE_BAD_DATA", r"cannot decrypt the request"),
    (0x80070057, "badRequest", "E_INVALIDARG", r"refused the request as invalid"),
    (0x80094001, "badRequest", "CERTSRV_E_BAD_REQUESTSUBJECT", r"refused the subject name"),
    (0x80094811, "badRequest", "CERTSRV_E_KEY_LENGTH", r"key is too short"),
    (0x80094800, "badRequest", "CERTSRV_E_UNSUPPORTED_CERT_TYPE", r"does not offer the certificate template"),
]

FAULTS = [
    # --- transport: SUBMIT (README "Transient trouble": no answer, cut short
    # and 5xx are retried, exit 5; oversized, HTML, 4xx are not)
    ("transport", "connection refused", "SUBMIT to a port nobody listens on",
     "submit_closed", 5, "retry", r"cannot connect to 127\.0\.0\.1:%d" % PORT_CLOSED),
    ("transport", "reset mid-reply", "headers and half the body, then a TCP RST",
     "submit:reset", 5, "retry", r"connection to 127\.0\.0\.1:\d+ broke|cut short"),
    ("transport", "silent server", "accepts, reads the request, never answers (timeout 3 s)",
     "submit:silent", 5, "retry", r"timed out after 3 s"),
    ("transport", "trickle", "headers, then one body byte every 0.5 s past the timeout",
     "submit:trickle", 5, "retry", r"timed out after 3 s"),
    ("transport", "oversized reply", "2 MiB of application/x-pki-message",
     "submit:big", 3, "out", r"^the reply from 127\.0\.0\.1:\d+ is larger than 1048576 bytes"),
    ("transport", "truncated body", "Content-Length 1000 bytes more than sent, then close",
     "submit:truncate", 5, "retry", r"cut short"),
    ("transport", "wrong content type", "HTTP 200 text/html (an IIS/proxy page) to PKIOperation",
     "submit:html", 2, "out", r"^the SCEP server answered with text/html.* instead of a SCEP reply"),
    ("transport", "redirect on POST", "302 to another http URL (the stand-in) for the PKIOperation POST",
     "submit:redirect", 4, "out", r"^the SCEP server answered HTTP 302 .*to the POST request: check url"),
    ("transport", "redirect to another http URL (GET)",
     "FETCH-SCEP-CA-CERTS: 302 to the stand-in's GetCACert (GET follows redirects)",
     "cacerts:redirect", 0, "out", r"^-----BEGIN CERTIFICATE-----$"),
    ("transport", "redirect to ftp:// (GET)",
     "FETCH-SCEP-CA-CERTS: 302 to ftp:// (issue 11: the message must name the redirect, "
     "not call the configured URL bad)",
     "cacerts:redirect_ftp", 4, "out", r"(?i)redirect.*ftp://"),
    ("transport", "HTTP 414", "method get: 414 Request-URI Too Long to the PKIOperation GET",
     "submit_get:414", 4, "out", r"^the server refused the GET request as too long \(HTTP 414 URI Too Long"),
    ("transport", "IIS 404.15", "method get: IIS 404.15 page to the PKIOperation GET",
     "submit_get:404.15", 4, "out", r"^the server refused the GET request as too long \(HTTP 404, IIS 404\.15 query string too long\)"),
    ("transport", "HTTP 500", "500 with IIS' 500.0 page (RA certificates valid)",
     "submit:500", 5, "retry", r"HTTP 500"),
    ("transport", "HTTP 503", "503 Service Unavailable",
     "submit:503", 5, "retry", r"HTTP 503"),
    ("transport", "GetCACaps 503 at SUBMIT", "empty caps cache, GetCACaps answers 503 during SUBMIT",
     "submit_fresh:caps503", 5, "retry", r"503"),
    ("transport", "GetCACaps cut short at SUBMIT", "empty caps cache, GetCACaps reply cut short during SUBMIT",
     "submit_fresh:capstrunc", 5, "retry", r"cut short"),
    ("transport", "GetCACaps 503 (FETCH-SCEP-CA-CAPS)", "GetCACaps answers 503",
     "caps:caps503", 5, "retry", r"503"),
    ("transport", "failed GetCACaps not cached",
     "FETCH-SCEP-CA-CAPS meets a 503, then SUBMIT with the same state dir once NDES is back",
     "caps_then_submit", 0, "out", r"^-----BEGIN PKCS7-----$"),
    ("transport", "GetCACert refused (FETCH-SCEP-CA-CERTS)", "nobody listens",
     "cacerts_closed", 5, "retry", r"cannot connect"),
    # --- SCEP replies (README "Verifying NDES' reply", "NDES refused the request")
    ("scep", "bad signature", "one bit of the CertRep's signature flipped",
     "submit:badsig", 2, "out", r"^the server's reply has a bad signature"),
    ("scep", "wrong signer", "CertRep re-signed by an unknown key (its self-signed certificate included)",
     "submit:wrongsigner", 2, "out", r"^the server's reply is signed by "),
    ("scep", "wrong recipientNonce", "CertRep (signed by the RA) with a random recipientNonce",
     "submit:badnonce", 2, "out", r"^the server's reply does not answer our request \(recipientNonce differs"),
    ("scep", "wrong transactionID", "CertRep (signed by the RA) with another transactionID",
     "submit:badtxid", 2, "out", r"^the server's reply is for another transaction"),
    ("scep", "replayed reply", "the previous request's genuine CertRep sent again",
     "submit:replay", 2, "out", r"recipientNonce differs.*replayed"),
    ("scep", "garbage body", "700 random bytes as application/x-pki-message",
     "submit:garbage", 2, "out", r"^the server's reply is not a SCEP pkiMessage"),
] + [
    ("scep", "FAILURE 0x%08X" % h, "CertRep FAILURE %s with HRESULT 0x%08X" % (fi, h),
     "submit:fail%08X" % h, 2, "out",
     r"^NDES rejected the request: %s, 0x%08X %s: .*%s" % (fi, h, sym, hint))
    for h, fi, sym, hint in HR
] + [
    ("scep", "FAILURE 0x800706BA", "CertRep FAILURE badRequest with HRESULT 0x800706BA (CA unreachable)",
     "submit:fail800706BA", 5, "retry", r"0x800706BA"),
    # --- admin page through `ndes-submit otp` (README "otp" exit table)
    ("admin", "401", "401 with WWW-Authenticate NTLM/Negotiate, always",
     "otp:401", 10, "err", r"admin page: wrong credentials \(HTTP 401\)"),
    ("admin", "no permission", "NDES' \"You do not have sufficient permission\" page",
     "otp:noperm", 11, "err", r"admin page: no permission"),
    ("admin", "cache full", "NDES' \"The password cache is full.\" page",
     "otp:full", 12, "err", r"admin page: the password cache is full"),
    ("admin", "404", "IIS 404.0 page (mscep_admin disabled)",
     "otp:404", 13, "err", r"admin page not found \(HTTP 404\)"),
    ("admin", "500", "IIS 500.0 page",
     "otp:500", 14, "err", r"admin page: server error \(HTTP 500\)"),
    ("admin", "garbage", "HTTP 200, UTF-16 text without a password but with a hex token",
     "otp:garbage", 15, "err", r"admin page: no password found on the page"),
    # --- admin page in automatic password mode (README "Automatic mode": 401, no
    # permission, 404 are exit 4; cache full, 5xx, a page without password are
    # passing trouble, retried with exit 5)
    ("admin", "auto: 401", "SUBMIT, auto-password, CSR without password: admin page 401",
     "auto:401", 4, "out", r"^automatic password: admin page: wrong credentials \(HTTP 401\)"),
    ("admin", "auto: no permission", "same, the no-permission page",
     "auto:noperm", 4, "out", r"^automatic password: admin page: no permission"),
    ("admin", "auto: cache full", "same, the cache-full page",
     "auto:full", 5, "retry", r"the password cache is full"),
    ("admin", "auto: 404", "same, IIS 404.0",
     "auto:404", 4, "out", r"^automatic password: admin page not found \(HTTP 404\)"),
    ("admin", "auto: 500", "same, IIS 500.0",
     "auto:500", 5, "retry", r"admin page: server error \(HTTP 500\)"),
    ("admin", "auto: garbage", "same, a page without password",
     "auto:garbage", 5, "retry", r"admin page: no password found on the page"),
    # --- files
    ("files", "read-only state directory", "state-dir mode 0500 (without CAP_DAC_OVERRIDE); "
     "README: not writable = no cache", "submit_state:readonly", 0, "out", r"^-----BEGIN PKCS7-----$"),
    ("files", "missing state directory", "state-dir under a regular file (cannot be created)",
     "submit_state:missing", 0, "out", r"^-----BEGIN PKCS7-----$"),
    ("files", "corrupted caps cache", "the cache file for the URL holds random bytes",
     "submit_state:garbagecache", 0, "out", r"^-----BEGIN PKCS7-----$"),
    ("files", "caps cache cut short in place", "a cache entry listing POSTPKIOperation last, cut "
     "before it (no end marker): must be refetched, not used (GET would be refused as too long)",
     "submit_state:cutcache", 0, "out", r"^-----BEGIN PKCS7-----$"),
    ("files", "unreadable password file", "otp: password file mode 0000 (without CAP_DAC_OVERRIDE)",
     "otp_pwfile:unreadable", 4, "err", r"password file .*(cannot|not)|cannot read password file"),
    ("files", "FIFO as password file", "otp: a named pipe nobody writes to (bound: timeout 10)",
     "otp_pwfile:fifo", 4, "err", r"password file .* is not a regular file", 10),
    ("files", "unwritable -l FILE directory", "auto-password: FILE's directory mode 0500 (without "
     "CAP_DAC_OVERRIDE); must be refused before a fetch (issue 11: a fetch burns an NDES slot)",
     "auto_unwritable", 4, "out", r"^automatic password: cannot (create a file next to|write|replace) "),
    ("files", "FIFO as trusted-ca", "FETCH-ROOTS --trusted-ca a named pipe (bound: timeout 10)",
     "fifo_trusted", 4, "out", r"trusted-ca", 10),
    ("files", "FIFO as configuration file", "SUBMIT --config a named pipe (bound: timeout 10)",
     "fifo_config", 4, "out", r"configuration file .*(not a regular file|not a text file|cannot read)", 10),
    ("files", "corrupted retry record", "SUBMIT meets a 503 (state-dir/retry-* written), the "
     "record is overwritten with random bytes, then SUBMIT once NDES is back",
     "corrupt_state:retry", 0, "out", r"^-----BEGIN PKCS7-----$"),
    ("files", "corrupted used-passwords", "state-dir/used-passwords holds random bytes; SUBMIT",
     "corrupt_state:usedpw", 0, "out", r"^-----BEGIN PKCS7-----$"),
    ("files", "damaged pending cookie", "POLL with ndes1:P:p:1:12:AAAA",
     "poll:ndes1:P:p:1:12:AAAA", 2, "out", r"stored cookie.*resubmit"),
    ("files", "corrupted cookie", "POLL with a pending cookie whose CertPoll is 300 random bytes",
     "poll:random", 2, "out", r"stored cookie.*resubmit"),
    ("clock", "clock 6 hours ahead", "faketime +6h on SUBMIT", "skew:+6h", 0, "out",
     r"^-----BEGIN PKCS7-----$"),
    ("clock", "clock 6 hours behind", "faketime -6h on SUBMIT (the RA certificates are 10 minutes old)",
     "skew:-6h", 2, "out", r"^the server's reply is signed by a certificate that does not chain to the CA: .*not yet valid"),
]


# ------------------------------------------------------------ running the helper
def as_unprivileged_files():
    """root ignores file modes: drop CAP_DAC_OVERRIDE/READ_SEARCH for the run.
    None when that is impossible (root without setpriv): the fault is skipped."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv"):
        return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    return None


NO_SETPRIV = ("SKIP", "running as root without setpriv(1): file modes cannot be enforced")


def run(op, env=None, url=FAULT_URL, opts=(), state=None, wrap=(), bound=BOUND, admin=False):
    """The helper as certmonger runs it (cleared environment), or as an admin
    runs a subcommand (admin=True). Returns (rc, out, err, secs, hung)."""
    e = {"PATH": "/usr/bin:/bin", "HOME": TMP}
    if not admin:
        e.update({"CERTMONGER_OPERATION": op, "CERTMONGER_CA_NICKNAME": "ndes"})
    e.update(env or {})
    argv = list(wrap) + [HELPER, "--url", url,
                         "--state-dir", state or os.path.join(TMP, "state"),
                         "--timeout", str(TIMEOUT), "--connect-timeout", "2",
                         "--retry-interval", str(RETRY)] + list(opts)
    if admin:
        argv.append(op)
    t0 = time.time()
    p = subprocess.Popen(argv, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=bound)
        hung = False
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        out, err = p.communicate()
        hung = True
    if wrap and wrap[0] == "timeout" and p.returncode in (124, 137, -9):
        hung = True     # stopped by timeout(1)
    return p.returncode, out.decode(errors="replace"), err.decode(errors="replace"), \
        time.time() - t0, hung


# ------------------------------------------------------------ CertReps
def _attr(oid, value):
    return cms.CMSAttribute({"type": cms.CMSAttributeType(oid), "values": [value]})


def certrep(txid, rnonce, status, signer_cert, signer_key, content=b"\x00",
            fail_info=None, hresult=None, extra_certs=()):
    """A CertRep shaped like NDES': SHA-1, signed attributes in DER order."""
    md = hashlib.sha1(content).digest()
    attrs = [
        _attr("content_type", cms.ContentType("data")),
        _attr("message_digest", core.OctetString(md)),
        cms.CMSAttribute({"type": SCEP + "2", "values": [core.PrintableString("3")]}),
        cms.CMSAttribute({"type": SCEP + "3", "values": [core.PrintableString(status)]}),
        cms.CMSAttribute({"type": SCEP + "7", "values": [core.PrintableString(txid)]}),
        cms.CMSAttribute({"type": SCEP + "5", "values": [core.OctetString(os.urandom(16))]}),
        cms.CMSAttribute({"type": SCEP + "6", "values": [core.OctetString(rnonce)]}),
    ]
    if fail_info is not None:
        attrs.append(cms.CMSAttribute({"type": SCEP + "4",
                                       "values": [core.PrintableString(fail_info)]}))
    if hresult is not None:
        signed = hresult - (1 << 32) if hresult & 0x80000000 else hresult
        attrs.append(cms.CMSAttribute({"type": MS_ERR,
                                       "values": [core.PrintableString(str(signed))]}))
    attrs.sort(key=lambda a: a.dump(force=True))  # DER SET OF order
    sa = cms.CMSAttributes(attrs)
    to_sign = b"\x31" + sa.dump(force=True)[1:]
    sig = signer_key.sign(to_sign, padding.PKCS1v15(), hashes.SHA1())
    sc = ax509.Certificate.load(signer_cert.public_bytes(serialization.Encoding.DER))
    si = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier(name="issuer_and_serial_number",
                                    value=cms.IssuerAndSerialNumber({
                                        "issuer": sc.issuer, "serial_number": sc.serial_number})),
        "digest_algorithm": {"algorithm": "sha1"},
        "signed_attrs": sa,
        "signature_algorithm": {"algorithm": "rsassa_pkcs1v15"},
        "signature": sig,
    })
    certs = [sc] + [ax509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
                    for c in extra_certs]
    sd = cms.SignedData({
        "version": "v1",
        "digest_algorithms": [{"algorithm": "sha1"}],
        "encap_content_info": {"content_type": "data", "content": core.OctetString(content)},
        "certificates": certs,
        "signer_infos": [si],
    })
    return cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()


def request_ids(body):
    """transactionID and senderNonce of the PKCSReq the helper sent."""
    si = cms.ContentInfo.load(body)["content"]["signer_infos"][0]
    txid = nonce = None
    for a in si["signed_attrs"]:
        v = a["values"][0]
        p = v.parse() if isinstance(v, core.Any) else v
        if a["type"].dotted == SCEP + "7":
            txid = p.native
        elif a["type"].dotted == SCEP + "5":
            nonce = p.native
    return txid, nonce


# ------------------------------------------------------------ fault server
class FaultServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass    # a helper that gave up (timeout) resets the connection: expected


class FaultHandler(nc.ForwardingHandler):
    """Forwards to the stand-in, or injects the fault the server's mode names."""
    protocol_version = "HTTP/1.1"

    def pkiop_body(self, body):
        """The request's pkiMessage (POST body or GET message=)."""
        if body is not None:
            return body
        import base64
        import urllib.parse
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        return base64.b64decode(q["message"][0])

    def handle_any(self, body):
        mode = self.server.mode
        srv = self.server
        if "GetCACaps" in self.path:
            if mode == "caps503":
                return self.send(503, "text/html", b"<title>Service Unavailable</title>")
            if mode == "capstrunc":
                self.send(200, "text/plain", b"POSTPKIOperation\r\nRen", length=80)
                self.close_connection = True
                return
        if "GetCACert" in self.path:
            if mode == "redirect":
                loc = STAND_URL + "?operation=GetCACert&message=ndes"
                return self.send(302, "text/html", b"moved", headers=[("Location", loc)])
            if mode == "redirect_ftp":
                return self.send(302, "text/html", b"moved",
                                 headers=[("Location", "ftp://127.0.0.1/certsrv/cacert.p7b")])
        if "PKIOperation" not in self.path or mode in ("pass", "caps503", "capstrunc"):
            return self.forward(body)
        if self.canned(mode):
            return
        if mode == "500":
            return self.send(500, "text/html", iis_error_page("500.0"))
        if mode == "414":
            return self.send(414, "text/html", b"<h1>Request-URI Too Long</h1>")
        if mode == "404.15":
            return self.send(404, "text/html", iis_error_page("404.15"))
        if mode == "big":
            return self.send(200, "application/x-pki-message", b"\x30" * (2 << 20))
        if mode == "redirect":
            return self.send(302, "text/html", b"moved", headers=[("Location", STAND_URL)])
        if mode == "silent":
            time.sleep(TIMEOUT + 4)
            self.close_connection = True
            return
        if mode == "trickle":
            self.send_response(200)
            self.send_header("Content-Type", "application/x-pki-message")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(int((TIMEOUT + 4) / 0.5)):
                    self.wfile.write(b"\x30")
                    self.wfile.flush()
                    time.sleep(0.5)
            except OSError:
                pass
            self.close_connection = True
            return
        status, ctype, data = self.upstream(body)
        if mode == "truncate":
            self.send(200, ctype, data[: len(data) // 2], length=len(data) + 1000)
            self.close_connection = True
            return
        if mode == "reset":
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            time.sleep(0.2)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if mode == "badsig":
            return self.send(200, ctype, nc.bad_signature(data))
        if mode == "replay":
            return self.send(200, ctype, self.replay(data))
        txid, nonce = request_ids(self.pkiop_body(body))
        rep = scepmsg.CertRep(data)
        if mode == "wrongsigner":
            out = certrep(txid, nonce, rep.status, srv.rogue_cert, srv.rogue_key,
                          content=rep.content or b"\x00")
        elif mode == "badnonce":
            out = certrep(txid, os.urandom(16), rep.status, srv.ra_cert, srv.ra_key,
                          content=rep.content or b"\x00", extra_certs=[srv.issuing])
        elif mode == "badtxid":
            other = hashlib.sha1(os.urandom(8)).hexdigest().upper()
            out = certrep(other, nonce, rep.status, srv.ra_cert, srv.ra_key,
                          content=rep.content or b"\x00", extra_certs=[srv.issuing])
        elif mode.startswith("fail"):
            h = int(mode[4:], 16)
            name = {x[0]: x[1] for x in HR}.get(h, "badRequest")
            fi = {"badMessageCheck": "1", "badRequest": "2"}[name]
            out = certrep(txid, nonce, "2", srv.ra_cert, srv.ra_key, fail_info=fi, hresult=h)
        else:
            raise SystemExit("unknown mode " + mode)
        return self.send(200, "application/x-pki-message", out)


def start_fault_server(stand):
    srv = FaultServer(("127.0.0.1", PORT_FAULT), FaultHandler)
    srv.upstream_port, srv.upstream_timeout = PORT_STAND, 20
    srv.mode = "pass"
    srv.last = None
    pki = os.path.join(stand.state, "pki")
    with open(os.path.join(pki, "ra-sign.key"), "rb") as f:
        srv.ra_key = serialization.load_pem_private_key(f.read(), None)
    srv.ra_cert = scepmsg.load_pem(os.path.join(stand.state, "ra-sign.pem"))
    srv.issuing = scepmsg.load_pem(os.path.join(stand.state, "issuing-ca.pem"))
    srv.rogue_key = scepmsg.key(2048)
    n = x509.Name([x509.NameAttribute(x509.oid.NameOID.COUNTRY_NAME, "US"),
                   x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "NDES-TEST-MSCEP-RA")])
    t = datetime.datetime.utcnow()
    srv.rogue_cert = (x509.CertificateBuilder().subject_name(n).issuer_name(n)
                      .public_key(srv.rogue_key.public_key())
                      .serial_number(x509.random_serial_number())
                      .not_valid_before(t - datetime.timedelta(days=1))
                      .not_valid_after(t + datetime.timedelta(days=30))
                      .sign(srv.rogue_key, hashes.SHA256()))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


# ------------------------------------------------------------ admin pages
class AdminHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, data, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Server", "Microsoft-IIS/10.0")
        for h in headers:
            self.send_header(*h)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        mode = self.server.mode
        self.server.requests += 1
        enc = lambda t: ndes_admin.encode(t, "utf16le-bom")  # noqa: E731
        if mode == "401":
            return self.send(401, b"<h1>401 Unauthorized</h1>",
                             [("WWW-Authenticate", "Negotiate"), ("WWW-Authenticate", "NTLM")])
        if mode == "noperm":
            return self.send(200, enc(ndes_admin.no_permission_page()))
        if mode == "full":
            return self.send(200, enc(ndes_admin.cache_full_page(60, 5)))
        if mode == "404":
            return self.send(404, iis_error_page("404.0"))
        if mode == "500":
            return self.send(500, iis_error_page("500.0"))
        if mode == "page":
            return self.send(200, enc(ndes_admin.password_page(self.server.ca_der, PAGE_OTP, 60)))
        if mode == "garbage":
            return self.send(200, enc("<html><body>Maintenance %s in progress; "
                                      "try again later</body></html>" % PAGE_OTP))
        raise SystemExit("unknown admin mode " + mode)


def start_admin_server(stand):
    srv = FaultServer(("127.0.0.1", PORT_ADMIN), AdminHandler)
    srv.mode = "404"
    srv.requests = 0
    srv.ca_der = scepmsg.load_pem(os.path.join(stand.state, "issuing-ca.pem")).public_bytes(
        serialization.Encoding.DER)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


# ------------------------------------------------------------ injections
class Ctx:
    pass


def newdir(name):
    d = tempfile.mkdtemp(prefix=name + ".", dir=TMP)
    os.chmod(d, 0o700)
    return d


def warm_state(client):
    """A state dir whose caps cache holds the fault server's real GetCACaps."""
    d = newdir("state")
    run("FETCH-SCEP-CA-CAPS", state=d)
    return d


def run_submit(ctx, mode, fault):
    ctx.fs.mode = mode
    if mode == "replay":   # the reply to be replayed: a genuine one for an earlier request
        ctx.fs.mode = "pass"
        run("SUBMIT", ctx.client.env(), state=ctx.state)
        ctx.fs.mode = "replay"
    try:
        return run("SUBMIT", ctx.client.env(), state=ctx.state)
    finally:
        ctx.fs.mode = "pass"


def run_submit_closed(ctx, arg, fault):
    return run("SUBMIT", ctx.client.env(), url=CLOSED_URL, state=ctx.state)


def run_submit_get(ctx, mode, fault):
    ctx.fs.mode = mode
    try:
        return run("SUBMIT", ctx.client.env(), state=ctx.state,
                   opts=("--method", "get", "--max-get-length", "65536"))
    finally:
        ctx.fs.mode = "pass"


def run_submit_fresh(ctx, mode, fault):
    ctx.fs.mode = mode
    try:
        return run("SUBMIT", ctx.client.env(), state=newdir("fresh"))
    finally:
        ctx.fs.mode = "pass"


def run_caps(ctx, mode, fault):
    ctx.fs.mode = mode
    try:
        return run("FETCH-SCEP-CA-CAPS", state=newdir("caps"))
    finally:
        ctx.fs.mode = "pass"


def run_caps_then_submit(ctx, arg, fault):
    d = newdir("capsfail")
    ctx.fs.mode = "caps503"
    try:
        run("FETCH-SCEP-CA-CAPS", state=d)
    finally:
        ctx.fs.mode = "pass"
    return run("SUBMIT", ctx.client.env(), state=d)


def run_cacerts(ctx, mode, fault):
    ctx.fs.mode = mode
    try:
        return run("FETCH-SCEP-CA-CERTS", state=newdir("cacerts"))
    finally:
        ctx.fs.mode = "pass"


def run_cacerts_closed(ctx, arg, fault):
    return run("FETCH-SCEP-CA-CERTS", url=CLOSED_URL, state=newdir("cacerts"))


def password_file(mode=0o600):
    d = newdir("pw")
    p = os.path.join(d, "admin.password")
    with open(p, "w") as f:
        f.write(ADMIN_PW + "\n")
    os.chmod(p, mode)
    return p


def otp_opts(pwfile):
    return ("--admin-url", ADMIN_URL, "--auth", "ntlm", "--user", ADMIN_USER,
            "--password-file", pwfile)


def run_otp(ctx, mode, fault):
    ctx.admin.mode = mode
    return run("otp", url=STAND_URL, admin=True, state=newdir("otp"),
               opts=otp_opts(ctx.pwfile))


def run_otp_pwfile(ctx, kind, fault):
    ctx.admin.mode = "full"
    if kind == "unreadable":
        if as_unprivileged_files() is None:
            return NO_SETPRIV
        p = password_file(0o000)
        return run("otp", url=STAND_URL, admin=True, state=newdir("otp"),
                   opts=otp_opts(p), wrap=as_unprivileged_files())
    d = newdir("fifo")
    p = os.path.join(d, "admin.password")
    os.mkfifo(p, 0o600)
    return run("otp", url=STAND_URL, admin=True, state=newdir("otp"),
               opts=otp_opts(p), wrap=["timeout", "-k", "2", str(fault_bound(fault))],
               bound=fault_bound(fault) + 5)


def run_fifo_config(ctx, arg, fault):
    d = newdir("fifo")
    p = os.path.join(d, "ndes-submit.conf")
    os.mkfifo(p, 0o600)
    return run("SUBMIT", ctx.client.env(), state=ctx.state, opts=("--config", p),
               wrap=["timeout", "-k", "2", str(fault_bound(fault))],
               bound=fault_bound(fault) + 5)


def cache_file(state):
    names = [n for n in os.listdir(state) if n.startswith("caps-") and not n.endswith(".tmp")]
    assert len(names) == 1, names
    return os.path.join(state, names[0])


def run_submit_state(ctx, kind, fault):
    wrap = ()
    if kind == "readonly":
        if as_unprivileged_files() is None:
            return NO_SETPRIV
        d = newdir("ro")
        os.chmod(d, 0o500)
        wrap = as_unprivileged_files()
    elif kind == "missing":
        f = os.path.join(newdir("missing"), "a-file")
        open(f, "w").close()
        d = os.path.join(f, "state")
    elif kind == "garbagecache":
        d = warm_state(ctx.client)
        with open(cache_file(d), "wb") as f:
            f.write(os.urandom(300))
    elif kind == "cutcache":
        d = warm_state(ctx.client)
        path = cache_file(d)
        with open(path) as f:
            text = f.read()
        # header lines up to size=, then the caps text, then the end marker
        head, _, rest = text.partition("\nsize=")
        size_line, _, body = rest.partition("\n")
        caps = "Renewal\r\nSHA-512\r\nSHA-256\r\nSHA-1\r\nDES3\r\nPOSTPKIOperation\r\n"
        full = "%s\nsize=%d\n%s" % (head, len(caps), caps)
        cut = full[: full.index("POSTPKIOperation")]
        with open(path, "w") as f:
            f.write(cut)
    else:
        raise SystemExit(kind)
    return run("SUBMIT", ctx.client.env(), state=d, wrap=wrap)


def run_corrupt_state(ctx, kind, fault):
    d = warm_state(ctx.client)
    if kind == "retry":
        ctx.fs.mode = "503"
        try:
            rc = run("SUBMIT", ctx.client.env(), state=d)[0]
        finally:
            ctx.fs.mode = "pass"
        names = [n for n in os.listdir(d) if n.startswith("retry-")]
        if rc != 5 or not names:
            return (rc, "", "setup: no retry record written (%r)" % os.listdir(d), 0, False)
    else:
        names = ["used-passwords"]
    for n in names:
        with open(os.path.join(d, n), "wb") as f:
            f.write(os.urandom(200))
    return run("SUBMIT", ctx.client.env(), state=d)


def auto_setup(ctx, file_dir_mode=0o700):
    """certmonger's request file (found by the CSR) and its -l FILE."""
    d = newdir("auto")
    reqs = os.path.join(d, "requests")
    fdir = os.path.join(d, "otp")
    os.mkdir(reqs, 0o700)
    os.mkdir(fdir, 0o700)
    pwf = os.path.join(fdir, "req.otp")
    with open(pwf, "w") as f:
        f.write("\n")
    os.chmod(pwf, 0o600)
    os.chmod(fdir, file_dir_mode)
    csr = ctx.auto.csr.public_bytes(serialization.Encoding.PEM).decode().splitlines()
    with open(os.path.join(reqs, "20260101000001"), "w") as f:
        f.write("id=20260101000001\nkey_type=RSA\ntemplate_challenge_password_file=%s\n"
                "csr=%s\n%s\nstate=HAVE_CSR\nca_name=ndes\n"
                % (pwf, csr[0], "\n".join(" " + x for x in csr[1:])))
    # "cache full" backs off by its own window (backoff.h): the same
    # [retry-interval/2, retry-interval] as every other "retry" case here.
    opts = ("--auto-password", "--certmonger-requests-dir", reqs,
            "--cache-full-backoff", str(RETRY // 2), "--cache-full-backoff-max", str(RETRY)) \
        + otp_opts(ctx.pwfile)
    return d, opts


def run_auto(ctx, mode, fault):
    d, opts = auto_setup(ctx)
    ctx.admin.mode = mode
    return run("SUBMIT", ctx.auto.env(with_messages=False), state=os.path.join(d, "state"),
               opts=opts)


def run_auto_unwritable(ctx, arg, fault):
    if as_unprivileged_files() is None:
        return NO_SETPRIV
    d, opts = auto_setup(ctx, 0o500)
    ctx.admin.mode = "page"
    n0 = ctx.admin.requests
    r = run("SUBMIT", ctx.auto.env(with_messages=False), state=os.path.join(d, "state"),
            opts=opts, wrap=as_unprivileged_files())
    fetched = ctx.admin.requests - n0
    return r + ((["fetched %d password(s) it could not store" % fetched] if fetched else []),)


def run_fifo_trusted(ctx, arg, fault):
    d = newdir("fifo")
    p = os.path.join(d, "trusted.pem")
    os.mkfifo(p, 0o600)
    return run("FETCH-ROOTS", state=ctx.state, opts=("--trusted-ca", p),
               wrap=["timeout", "-k", "2", str(fault_bound(fault))],
               bound=fault_bound(fault) + 5)


def run_poll(ctx, cookie, fault):
    if cookie == "random":
        import base64
        cookie = "ndes1:P:p:1:%d:%s" % (int(time.time()),
                                        base64.b64encode(os.urandom(300)).decode())
    return run("POLL", ctx.client.env(False, cookie), state=ctx.state)


def run_skew(ctx, offset, fault):
    if not ctx.faketime:
        return ("SKIP", "faketime not installed (Debian package faketime)")
    # In CI's AddressSanitizer build the preloaded libfaketime would come
    # before ASan's runtime, which ASan refuses unless told not to check.
    env = dict(ctx.client.env())
    env["ASAN_OPTIONS"] = "verify_asan_link_order=0:detect_leaks=0"
    return run("SUBMIT", env, state=newdir("skew"), wrap=["faketime", "-f", offset])


def fault_bound(fault):
    return fault[7] if len(fault) > 7 else BOUND


# ------------------------------------------------------------ judging
def judge(fault, result):
    cat, name, how, runner, want_rc, where, regex = fault[:7]
    if result[0] == "SKIP":
        return None, result[1]
    rc, out, err, secs, hung = result[:5]
    lines = out.strip("\n").splitlines()
    first = lines[0] if lines else ""
    problems = []
    if hung:
        problems.append("hung: killed after %.0f s" % secs)
    elif rc < 0 or rc >= 128:
        problems.append("crashed: status %d" % rc)
    if rc != want_rc and not hung:
        problems.append("exit %d, expected %d" % (rc, want_rc))
    if where == "out":
        text = first
    elif where == "err":
        text = err
    else:
        text = "\n".join(lines[1:]) + "\n" + err
        if rc == 5 and not (first.isdigit() and RETRY // 2 <= int(first) <= RETRY):
            problems.append("exit 5 without a delay within retry-interval: %r" % first)
    if not re.search(regex, text, re.M):
        problems.append("message %r does not match /%s/" % (
            (first if where == "out" else text.strip()[-400:]), regex))
    leaked = [s for s in SECRETS if s in out or s in err]
    if leaked:
        problems.append("printed a secret")
    if len(result) > 5:
        problems.extend(result[5])
    return not problems, "; ".join(problems) or "ok"


def main():
    only = os.environ.get("FAULTS")  # a regex on fault names, for debugging
    injected = handled = 0
    not_handled, skipped = [], []
    stand = nc.Stand("stand", PORT_STAND)
    fs = admin = None
    try:
        fs = start_fault_server(stand)
        admin = start_admin_server(stand)
        ctx = Ctx()
        ctx.fs, ctx.admin, ctx.stand = fs, admin, stand
        ctx.client = nc.Client(FAULT_URL, "faults.example.test")
        ctx.auto = nc.Client(FAULT_URL, "auto.example.test", password=None)
        ctx.state = warm_state(ctx.client)
        ctx.pwfile = password_file()
        ctx.faketime = shutil.which("faketime") is not None
        # sanity: without a fault the request is issued
        rc, out, err, _, _ = run("SUBMIT", ctx.client.env(), state=ctx.state)
        if rc != 0:
            print("setup failed: SUBMIT without a fault gave %d: %s %s" % (rc, out, err))
            return 1
        for fault in FAULTS:
            cat, name, how, runner, want_rc, where, regex = fault[:7]
            if only and not re.search(only, name):
                continue
            fn, _, arg = runner.partition(":")
            result = globals()["run_" + fn](ctx, arg, fault)
            ok, why = judge(fault, result)
            if ok is None:
                skipped.append(name)
                print("SKIP  [%s] %s: %s (%s)" % (cat, name, how, why))
                continue
            injected += 1
            if ok:
                handled += 1
                print("ok    [%s] %s -> exit %d" % (cat, name, want_rc))
            else:
                rc, out, err, secs, hung = result[:5]
                not_handled.append(name)
                print("NOT HANDLED [%s] %s (%s): %s" % (cat, name, how, why))
                print("      stdout: %r" % out[:300])
                print("      stderr: %r" % err[-400:])
            if os.environ.get("VERBOSE"):
                print("      %r" % (result,))
    finally:
        for s in (fs, admin):
            if s is not None:
                s.shutdown()
        stand.stop()
        if os.environ.get("KEEP"):
            print("state kept in " + TMP)
        else:
            for root, dirs, _ in os.walk(TMP):
                for d in dirs:
                    os.chmod(os.path.join(root, d), 0o700)
            shutil.rmtree(TMP, ignore_errors=True)
    if skipped:
        print("skipped: " + ", ".join(skipped))
    if not_handled:
        print("not handled: " + ", ".join(not_handled))
    sys.stdout.flush()
    sys.stderr.flush()
    print("faults: %d injected, %d handled" % (injected, handled), flush=True)
    return 0 if injected == handled and injected > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
