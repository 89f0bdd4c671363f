# SPDX-License-Identifier: GPL-3.0-or-later
"""The client side shared by the enrollment cases (tests/enroll) and the
fault matrix (tests/faults): the NDES stand-in as a process (Stand), the
helper run the way certmonger runs it (helper), one certmonger request with
its key, CSR and SCEP messages (Client), and the base of a fault-injecting
HTTP proxy (ForwardingHandler).

Needs abs_top_srcdir and NS_HELPER in the environment; a suite sets TMP (a
directory of its own) before it starts anything."""

import base64
import http.client
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import time

SRCDIR = os.environ["abs_top_srcdir"]
HELPER = os.environ["NS_HELPER"]
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import scepmsg  # noqa: E402  (the test-side SCEP client pieces)
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from asn1crypto import cms  # noqa: E402

SERVER = os.path.join(SRCDIR, "tests", "ndes-server", "ndes-server")
PW = "S1nglePassw0rd"
TMP = None      # the suite's temporary directory: set it first


# ------------------------------------------------------------ the stand-in
class Stand:
    def __init__(self, name, port, *switches, single_password=True):
        self.port = port
        if single_password:
            switches = ("--single-password", PW) + switches
        self.state = os.path.join(TMP, name)
        self.log = open(os.path.join(TMP, name + ".log"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, SERVER, "--listen", "127.0.0.1:%d" % port,
             "--state", self.state] + list(switches),
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_port(port, self.proc)
        self.url = "http://127.0.0.1:%d/certsrv/mscep/mscep.dll" % port

    def records(self):
        try:
            with open(os.path.join(self.state, "log.jsonl")) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def verdict(self, what, txid):
        subprocess.run([sys.executable, SERVER, what, "--state", self.state, txid],
                       check=True, stdout=subprocess.DEVNULL)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


def free_port():
    """A loopback port nobody listens on now (other suites may run at once)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc=None, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        if proc is not None and proc.poll() is not None:
            raise SystemExit("server on port %d died" % port)
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("nothing listens on port %d" % port)


# ------------------------------------------------------------ the helper
def helper(url, op, extra=None, opts=()):
    """Runs the helper like certmonger: cleared environment."""
    env = {"PATH": "/usr/bin:/bin", "HOME": TMP, "CERTMONGER_OPERATION": op,
           "CERTMONGER_CA_NICKNAME": "ndes"}
    env.update(extra or {})
    # NS_VALGRIND=1: run the helper under valgrind; its errors fail the checks
    pre = (["valgrind", "-q", "--leak-check=full", "--errors-for-leak-kinds=definite",
            "--error-exitcode=99"] if os.environ.get("NS_VALGRIND") else [])
    # These cases play certmonger 0.79.14 or later, whatever certmonger is
    # installed here (the 0.79.13 ones say so).
    if "--certmonger-version" not in opts:
        opts = ("--certmonger-version", "0.79.17") + tuple(opts)
    argv = pre + [HELPER, "--url", url, "--state-dir", os.path.join(TMP, "cache"),
            "--timeout", "5", "--connect-timeout", "2"] + list(opts)
    t0 = time.time()
    p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode(), time.time() - t0


def pem_blocks(text):
    return re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n?",
                      text, re.S)


class Client:
    """One certmonger request: key, CSR, minicert, CA data, messages."""

    def __init__(self, url, cn, password=PW, opts=()):
        self.url, self.opts = url, opts
        rc, out, err, _ = helper(url, "FETCH-SCEP-CA-CERTS", opts=opts)
        assert rc == 0, (rc, out, err)
        blocks = pem_blocks(out)
        self.env_certs = {"CERTMONGER_SCEP_RA_CERTIFICATE": blocks[0],
                          "CERTMONGER_SCEP_CA_CERTIFICATE": blocks[1],
                          "CERTMONGER_SCEP_CERTIFICATES": "".join(blocks[2:])}
        self.ra = x509.load_pem_x509_certificate(blocks[0].encode())
        self.second = x509.load_pem_x509_certificate(blocks[1].encode())
        helper(url, "FETCH-SCEP-CA-CAPS", opts=opts)	# fills the caps cache
        self.key = scepmsg.key(2048)
        self.csr = scepmsg.csr(self.key, cn=cn, password=password)
        self.mini = scepmsg.self_signed(self.key, cn=cn)
        self.txid = None

    def messages(self):
        """A fresh message set, as certmonger makes for each SUBMIT."""
        csr_der = self.csr.public_bytes(serialization.Encoding.DER)
        nonce = os.urandom(16)
        req, txid, _ = scepmsg.pkimessage(csr_der, self.mini, self.key, self.ra, "19",
                                          txid=self.txid, nonce=nonce)
        self.txid = txid
        # certmonger: issuer = the issuer of the 2nd FETCH-SCEP-CA-CERTS cert
        ias = scepmsg.issuer_and_subject(self.second.issuer, self.mini.subject)
        gci, _, _ = scepmsg.pkimessage(ias, self.mini, self.key, self.ra, "20",
                                       txid=txid, nonce=nonce)
        self.nonce = nonce
        return {"CERTMONGER_PKCSREQ": pem("PKCS7", req),
                "CERTMONGER_GETCERTINITIAL": pem("PKCS7", gci)}

    def env(self, with_messages=True, cookie=None):
        e = dict(self.env_certs)
        e["CERTMONGER_CSR"] = self.csr.public_bytes(serialization.Encoding.PEM).decode()
        if with_messages:
            e.update(self.messages())
        if cookie:
            e["CERTMONGER_CA_COOKIE"] = cookie
        return e

    def submit(self, url=None, opts=None, **kw):
        return helper(url or self.url, "SUBMIT", self.env(**kw),
                      opts=self.opts if opts is None else opts)

    def poll(self, cookie, url=None, opts=None):
        return helper(url or self.url, "POLL", self.env(False, cookie),
                      opts=self.opts if opts is None else opts)

    def issued_cert(self, out):
        """Decrypts the envelope the helper printed (certmonger's job)."""
        der = base64.b64decode("".join(out.split("-----")[2].split()))
        alg, inner = scepmsg.open_envelope(der, self.key)
        d = cms.ContentInfo.load(inner)["content"]
        pub = self.key.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
        for c in d["certificates"]:
            cert = x509.load_der_x509_certificate(c.chosen.dump())
            if cert.public_key().public_bytes(
                    serialization.Encoding.DER,
                    serialization.PublicFormat.SubjectPublicKeyInfo) == pub:
                return cert
        return None


def pem(label, der):
    b = base64.encodebytes(der).decode()
    return "-----BEGIN %s-----\n%s-----END %s-----\n" % (label, b, label)


# ------------------------------------------------------------ fault server
class ForwardingHandler(http.server.BaseHTTPRequestHandler):
    """Forwards a request to the server's upstream_port (upstream, forward),
    answers (send) and injects the faults both suites know (canned, replay,
    bad_signature); a suite's fault handler adds handle_any(body). The
    server holds upstream_port, upstream_timeout, mode and last."""

    def log_message(self, *a):
        pass

    def do_GET(self):
        self.handle_any(None)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.handle_any(self.rfile.read(n))

    def upstream(self, body, path=None):
        c = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port,
                                       timeout=self.server.upstream_timeout)
        if body is None:
            c.request("GET", path or self.path)
        else:
            c.request("POST", path or self.path, body,
                      {"Content-Type": self.headers.get("Content-Type", "")})
        r = c.getresponse()
        data = r.read()
        ctype = r.getheader("Content-Type", "")
        c.close()
        return r.status, ctype, data

    def forward(self, body):
        """Passes the request on; keeps a PKIOperation reply (replay)."""
        status, ctype, data = self.upstream(body)
        if "PKIOperation" in self.path:
            self.server.last = data
        return self.send(status, ctype, data)

    def replay(self, data):
        """The PKIOperation reply kept before; keeps data instead."""
        old, self.server.last = self.server.last, data
        return old

    def canned(self, mode):
        """Sends the reply of a fault that needs no upstream (html: a proxy's
        login page, 503, garbage); False for any other mode."""
        if mode == "html":
            self.send(200, "text/html; charset=utf-8",
                      b"<html><head><title>Proxy login required</title></head></html>")
        elif mode == "503":
            self.send(503, "text/html", b"<title>Service Unavailable</title>")
        elif mode == "garbage":
            self.send(200, "application/x-pki-message", os.urandom(700))
        else:
            return False
        return True

    def send(self, status, ctype, data, length=None, headers=()):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for h in headers:
            self.send_header(*h)
        self.send_header("Content-Length", str(len(data) if length is None else length))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()


def bad_signature(data):
    """The pkiMessage data with one bit of its signature flipped."""
    ci = cms.ContentInfo.load(data)
    si = ci["content"]["signer_infos"][0]
    sig = bytearray(si["signature"].native)
    sig[len(sig) // 2] ^= 1
    si["signature"] = bytes(sig)
    return ci.dump(force=True)
