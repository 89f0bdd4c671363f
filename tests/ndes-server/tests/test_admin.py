# SPDX-License-Identifier: GPL-3.0-or-later
"""The mscep_admin page through real curl (NTLM; Negotiate when the
environment has a KDC: NS_TEST_KRB5_CCACHE and NS_TEST_KEYTAB, set by
test_admin.sh). Run by test_admin.sh; TAP-like output."""

import hashlib
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
sys.dont_write_bytecode = True

import harness  # noqa: E402
import scepmsg as M  # noqa: E402

ADMIN = "/certsrv/mscep_admin/"
ALICE = "EXAMPLE\\alice:Secr3t!"


def curl(s, *args, path=ADMIN, host="127.0.0.1"):
    """(status, headers text, body bytes) of one curl run."""
    hdr = os.path.join(s.state, "curl-headers.txt")
    out = os.path.join(s.state, "curl-body.bin")
    p = subprocess.run(["curl", "-sS", "-D", hdr, "-o", out,
                        "-w", "%{http_code}", *args,
                        "http://%s:%d%s" % (host, s.port, path)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("curl failed: %s" % p.stderr)
    return int(p.stdout), open(hdr).read(), open(out, "rb").read()


def page_text(body):
    if body.startswith(b"\xff\xfe"):
        return body[2:].decode("utf-16-le")
    if len(body) > 1 and body[1] == 0:
        return body.decode("utf-16-le")
    return body.decode("utf-8")


def bolds(text):
    return re.findall(r"<B> ([^<]*) </B>", text)


def test_password_page(t):
    s = t.start()
    st, hdr, body = curl(s, "--ntlm", "-u", ALICE)
    t.eq(st, 200, "curl --ntlm with the right password: 200")
    t.check("Content-Type: text/html; charset=utf-8" in hdr,
            "Content-Type says utf-8 (NDES's lie)")
    t.check(body.startswith(b"\xff\xfe<\x00H\x00"), "body UTF-16LE with BOM")
    text = page_text(body)
    b = bolds(text)
    ca = M.der(s.issuing)
    md5 = hashlib.md5(ca).hexdigest().upper()
    t.eq(b[0], " ".join(md5[i:i + 8] for i in range(0, 32, 8)),
         "first <B>: MD5 thumbprint of the issuing CA")
    t.check(len(b) == 2 and re.fullmatch(r"[0-9A-F]{16}", b[1]) is not None,
            "second <B>: 16 uppercase hex characters", str(b))
    t.check("The enrollment challenge password is: <B> %s </B>" % b[1] in text,
            "NDES's sentence around the password")
    pws = open(os.path.join(s.state, "passwords.json")).read()
    t.check(b[1] in pws, "password stored in DIR/passwords.json")
    log = s.last_log("admin")
    t.check(log["admin_user"] == "EXAMPLE\\alice" and log["admin_result"] == "password",
            "log: user and result", str(log))
    t.check(b[1] not in open(os.path.join(s.state, "log.jsonl")).read(),
            "password not in the log")
    # the password works for a PKCSReq
    k = M.key()
    msg, _, _ = M.pkimessage(M.der(M.csr(k, password=b[1])), M.self_signed(k), k, s.ra_enc)
    _, _, rep = s.post_pki(msg)
    t.eq(M.CertRep(rep).status, "0", "the fetched password enrolls")
    st, _, _ = curl(s, "--ntlm", "-u", "EXAMPLE\\alice:wrong")
    t.eq(st, 401, "wrong password: 401")
    st, hdr, _ = curl(s)
    t.check(st == 401 and "WWW-Authenticate: Negotiate" in hdr
            and "WWW-Authenticate: NTLM" in hdr,
            "no credentials: 401 offering Negotiate and NTLM")
    st, hdr, _ = curl(s, path="/certsrv/mscep_admin")
    t.check(st == 301 and re.search(r"Location: http://127\.0\.0\.1:%d/certsrv/"
                                    r"mscep_admin/\r?\n" % s.port, hdr),
            "no trailing slash: 301 to the slash form", hdr)


def test_encodings_and_length(t):
    for enc, check in (("utf16le", lambda b: b.startswith(b"<\x00H\x00")),
                       ("utf8", lambda b: b.startswith(b"<HTML>"))):
        s = t.start("--admin-encoding", enc)
        st, _, body = curl(s, "--ntlm", "-u", ALICE)
        t.check(st == 200 and check(body) and len(bolds(page_text(body))) == 2,
                "--admin-encoding %s" % enc)
        t.stop(s)
    s = t.start("--password-length", "16")
    _, _, body = curl(s, "--ntlm", "-u", ALICE)
    t.check(re.fullmatch(r"[0-9A-F]{32}", bolds(page_text(body))[1]) is not None,
            "--password-length 16: 32 hex characters")
    t.stop(s)
    s = t.start("--single-password", "FIXEDPASSWORDFIXEDPASSWORD000000")
    _, _, body = curl(s, "--ntlm", "-u", ALICE)
    text = page_text(body)
    t.eq(bolds(text)[1], "FIXEDPASSWORDFIXEDPASSWORD000000",
         "--single-password: the page shows it")
    t.check("can be used multiple times and will not expire" in text and
            "can be used only once" not in text,
            "--single-password: the page says it is reusable and does not expire")
    t.stop(s)
    s = t.start()
    _, _, body = curl(s, "--ntlm", "-u", ALICE)
    t.check("can be used only once and will expire within 60 minutes"
            in page_text(body), "default page: used only once, expires")
    t.stop(s)
    s = t.start("--challenge-style", "arbitrary")
    pws = set()
    for _ in range(3):
        _, _, body = curl(s, "--ntlm", "-u", ALICE)
        b = bolds(page_text(body))
        pws.add(b[1])
        t.check(len(b) == 2 and re.fullmatch(r"[A-Za-z0-9\-.:=()+?/]{24,32}",
                                             b[1]) is not None,
                "--challenge-style arbitrary: 24-32 printable characters, "
                "no space, second <B>", str(b))
    t.check(any(not re.fullmatch(r"[0-9A-F]*", p) for p in pws),
            "--challenge-style arbitrary: not hex")
    # the page's password enrolls (it fits a PrintableString)
    pw = sorted(pws)[0]
    k = M.key()
    msg, _, _ = M.pkimessage(M.der(M.csr(k, password=pw)), M.self_signed(k), k,
                             s.ra_enc)
    _, _, rep = s.post_pki(msg)
    t.eq(M.CertRep(rep).status, "0", "an arbitrary challenge enrolls")


def test_cache_full(t):
    s = t.start("--password-max", "2")
    got = []
    for _ in range(3):
        st, _, body = curl(s, "--ntlm", "-u", ALICE)
        got.append((st, page_text(body)))
    t.check(all(len(bolds(x[1])) == 2 for x in got[:2]), "two passwords handed out")
    t.check(got[2][0] == 200 and "The password cache is full." in got[2][1]
            and "<B>" not in got[2][1], "third fetch: 'password cache is full' (200)")
    t.eq(s.last_log("admin")["admin_result"], "cache-full", "log cache-full")
    # using one frees a slot
    pw = bolds(got[0][1])[1]
    k = M.key()
    msg, _, _ = M.pkimessage(M.der(M.csr(k, password=pw)), M.self_signed(k), k, s.ra_enc)
    s.post_pki(msg)
    st, _, body = curl(s, "--ntlm", "-u", ALICE)
    t.check(len(bolds(page_text(body))) == 2, "a used password frees its slot")


def test_refusals(t):
    s = t.start("--user", "EXAMPLE\\bob:Bob-Pw1!", "--no-permission-user",
                "EXAMPLE\\bob")
    st, _, body = curl(s, "--ntlm", "-u", "EXAMPLE\\bob:Bob-Pw1!")
    text = page_text(body)
    t.check(st == 200 and "You do not have sufficient permission to enroll "
            "with SCEP." in text and "<B>" not in text,
            "--no-permission-user: permission page (200)")
    st, _, body = curl(s, "--ntlm", "-u", ALICE)
    t.check(len(bolds(page_text(body))) == 2, "other users still get passwords")
    t.stop(s)
    s = t.start("--admin-disabled")
    st, _, _ = curl(s, "--ntlm", "-u", ALICE)
    t.eq(st, 404, "--admin-disabled: 404")
    t.stop(s)
    s = t.start("--admin-error")
    st, _, _ = curl(s, "--ntlm", "-u", ALICE)
    t.eq(st, 500, "--admin-error: 500")
    st, _, _ = curl(s, "--ntlm", "-u", "EXAMPLE\\alice:bad")
    t.eq(st, 401, "--admin-error: still 401 before authentication")


def test_tls(t):
    s = t.start("--tls")
    p = subprocess.run(["curl", "-sS", "--cacert", os.path.join(s.state, "root-ca.pem"),
                        "--ntlm", "-u", ALICE, "-o", "-",
                        "https://localhost:%d%s" % (s.port, ADMIN)],
                       capture_output=True)
    t.check(p.returncode == 0 and len(bolds(page_text(p.stdout))) == 2,
            "--tls: curl --ntlm over HTTPS gets a password", p.stderr.decode())


def curl_https(s, *args):
    """(status, body) of curl over HTTPS to localhost (trusting root-ca.pem)."""
    p = subprocess.run(["curl", "-sS", "--cacert", os.path.join(s.state, "root-ca.pem"),
                        *args, "-o", "-", "-w", "\n%{http_code}",
                        "https://localhost:%d%s" % (s.port, ADMIN)],
                       capture_output=True)
    body, _, code = p.stdout.rpartition(b"\n")
    return int(code or 0), body


def curl_binds_spnego():
    """libcurl >= 8.10 with OpenSSL sends the tls-server-end-point binding
    with SPNEGO (curl PR 13098); older ones send none."""
    first = subprocess.run(["curl", "--version"], capture_output=True,
                           text=True).stdout.split("\n")[0]
    m = re.match(r"curl (\d+)\.(\d+)", first)
    return bool(m) and (int(m[1]), int(m[2])) >= (8, 10) and "OpenSSL/" in first


def test_epa(t):
    """Extended Protection on mscep_admin: curl's NTLM sends no binding."""
    for switches, want, cb in ((("--tls",), 200, "none"),
                               (("--tls", "--epa", "accept"), 200, "none"),
                               (("--tls", "--epa", "off"), 200, "not-checked"),
                               (("--tls", "--epa", "required"), 401, "none"),
                               ((), 200, "not-checked"),
                               (("--epa", "required"), 200, "not-checked")):
        s = t.start(*switches)
        what = " ".join(switches) or "plain HTTP"
        if "--tls" in switches:
            st, _ = curl_https(s, "--ntlm", "-u", ALICE)
        else:
            st, _, _ = curl(s, "--ntlm", "-u", ALICE)
        t.eq(st, want, "%s: curl --ntlm -> %d" % (what, want))
        t.eq(s.last_log("admin").get("channel_binding"), cb,
             "%s: log channel_binding %s" % (what, cb))
        if switches == ("--epa", "required"):
            t.check("no effect without --tls" in
                    open(os.path.join(s.state, "stdout.txt")).read(),
                    "--epa without --tls: the server says it has no effect")
    cc, kt = os.environ.get("NS_TEST_KRB5_CCACHE"), os.environ.get("NS_TEST_KEYTAB")
    if not (cc and kt):
        print("# skip: Kerberos EPA checks (no KDC)")
        return
    client = os.path.join(os.path.dirname(harness.HERE), "test_winauth_gssclient.py")
    env = dict(os.environ, KRB5CCNAME=cc)
    import gssapi  # the KDC part runs only where python3-gssapi is
    flag = hasattr(gssapi.RequirementFlag, "channel_bound")
    binds = curl_binds_spnego()
    s = t.start("--tls", "--epa", "required", "--keytab", kt)
    p = subprocess.run(["curl", "-sS", "--cacert", os.path.join(s.state, "root-ca.pem"),
                        "--negotiate", "-u", ":", "-o", "/dev/null", "-w", "%{http_code}",
                        "https://localhost:%d%s" % (s.port, ADMIN)],
                       capture_output=True, text=True, env=env)
    want = "200" if binds and flag else "401"
    t.eq(p.stdout, want, "--epa required: curl --negotiate (binds: %s) -> %s"
         % (binds, want))
    # without the flag (python-gssapi < 1.7, krb5 < 1.19: Debian 11) a
    # logon is "unproven" whatever it sent: SPNEGO there does not hand the
    # bindings to the Kerberos mechanism, so even a wrong one is not seen
    for cb, want, log in (("right", "200", "match"),
                          ("wrong", "401", "wrong" if flag else "unproven"),
                          ("none", "401", "none" if flag else "unproven")):
        if cb == "right" and not flag:
            print("# skip: python-gssapi without the channel_bound flag")
            continue
        p = subprocess.run(["/usr/bin/python3", client, "https://localhost:%d%s" % (
            s.port, ADMIN), os.path.join(s.state, "root-ca.pem"), cb],
            capture_output=True, text=True, env=env)
        t.eq(p.stdout.strip(), want, "--epa required: python-gssapi binding %s -> %s"
             % (cb, want))
        t.eq(s.last_log("admin").get("channel_binding"), log,
             "--epa required: binding %s logged as %s" % (cb, log))
    t.eq(s.last_log("admin").get("admin_result"), "challenge",
         "a refused binding is a plain challenge")


def test_negotiate(t):
    cc, kt = os.environ.get("NS_TEST_KRB5_CCACHE"), os.environ.get("NS_TEST_KEYTAB")
    if not (cc and kt):
        print("# skip: no KDC (NS_TEST_KRB5_CCACHE / NS_TEST_KEYTAB unset)")
        return
    s = t.start("--keytab", kt)
    env = dict(os.environ, KRB5CCNAME=cc)
    p = subprocess.run(["curl", "-sS", "--negotiate", "-u", ":", "-o", "-",
                        "-w", "\n%{http_code}",
                        "http://localhost:%d%s" % (s.port, ADMIN)],
                       capture_output=True, env=env)
    body, _, code = p.stdout.rpartition(b"\n")
    t.check(code == b"200" and len(bolds(page_text(body))) == 2,
            "curl --negotiate with a Kerberos ticket gets a password",
            p.stderr.decode())
    t.eq(s.last_log("admin")["admin_user"], "EXAMPLE\\alice",
         "Kerberos alice@EXAMPLE.TEST is EXAMPLE\\alice")


def main():
    t = harness.Run("admin")
    for fn in (test_password_page, test_encodings_and_length, test_cache_full,
               test_refusals, test_tls, test_epa, test_negotiate):
        t.case(fn)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
