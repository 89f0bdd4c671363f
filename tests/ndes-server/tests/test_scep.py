# SPDX-License-Identifier: GPL-3.0-or-later
"""ndes-server's PKIOperation: enrolment, passwords, templates, CA
refusals, decryption rules, renewal and PENDING/CertPoll. Messages are built
by scepmsg.py (test side). Run by test_scep.sh; TAP-like output."""

import datetime
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
sys.dont_write_bytecode = True

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

import harness  # noqa: E402
import scepmsg as M  # noqa: E402

FIXTURES = os.environ.get("NS_FIXTURES_DIR") or os.path.join(
    os.path.dirname(os.path.realpath(__file__)), "..", "..", "..", "..",
    "shared", "fixtures", "ndes")

H = {  # HRESULT attribute values (signed decimal text)
    "TRUST_E_CERT_SIGNATURE": "-2146869244",   # 0x80096004
    "ERROR_NOT_FOUND": "-2147023728",          # 0x80070490
    "CERT_E_WRONG_USAGE": "-2146762480",       # 0x800B0110
    "NTE_BAD_DATA": "-2146893819",             # 0x80090005
    "NTE_BAD_SIGNATURE": "-2146893818",        # 0x80090006
    "RPC_S_SERVER_UNAVAILABLE": "-2147023174",  # 0x800706BA
    "CERTSRV_E_KEY_LENGTH": "-2146875375",     # 0x80094811
    "CERTSRV_E_ADMIN_DENIED_REQUEST": "-2146877420",  # 0x80094014
    "CERTSRV_E_BAD_REQUESTSUBJECT": "-2146877439",  # 0x80094001
}


def otp(t, s):
    rc, out, err = t.cli("otp", "--state", s.state)
    assert rc == 0, err
    return out.strip()


def enroll(s, k=None, password=None, signer=None, signer_key=None,
           recipient=None, **kw):
    """PKCSReq; returns (CertRep, key, txid, nonce)."""
    k = k or M.key()
    csr_kw = {n: kw.pop(n) for n in ("cn", "pw_type", "usage", "dns", "ips")
              if n in kw}
    csr = M.csr(k, password=password, **csr_kw)
    signer = signer or M.self_signed(k)
    msg, txid, nonce = M.pkimessage(M.der(csr), signer, signer_key or k,
                                    recipient or s.ra_enc, **kw)
    st, h, body = s.post_pki(msg)
    assert st == 200, "HTTP %s" % st
    assert h.get("Content-Type") == "application/x-pki-message", h
    return M.CertRep(body, s.ra_sign), k, txid, nonce


def failure(t, rep, fail_info, hresult, what):
    t.check(rep.status == "2" and rep.fail_info == fail_info
            and rep.hresult == H[hresult],
            "%s: FAILURE failInfo %s %s" % (what, fail_info, hresult),
            "(got status %s failInfo %s hresult %s)"
            % (rep.status, rep.fail_info, rep.hresult))


def test_enroll(t):
    s = t.start()
    pw = otp(t, s)
    k = M.key()
    rep, k, txid, nonce = enroll(s, k, pw, cn="host1.example.test",
                                 dns=["host1.example.test", "alt.example.test"],
                                 ips=["192.0.2.7"])
    t.eq(rep.status, "0", "PKCSReq with a fresh password: SUCCESS")
    t.eq(rep.signature_ok, True, "CertRep verifies with the signing RA cert")
    t.eq(rep.digest, "sha1", "CertRep digest is SHA-1")
    t.eq(rep.txid, txid, "transactionID echoed")
    t.eq(rep.recipient_nonce, nonce, "recipientNonce = request senderNonce")
    t.check(isinstance(rep.sender_nonce, bytes) and len(rep.sender_nonce) == 16
            and rep.sender_nonce != nonce, "new 16-byte senderNonce")
    t.eq(rep.message_type, "3", "messageType 3")
    t.eq(rep.attr_types[M.SCEP + "3"], "PrintableString", "pkiStatus PrintableString")
    t.check(M.MS_ERR not in rep.attrs and M.SCEP + "4" not in rep.attrs,
            "SUCCESS carries no failInfo/HRESULT")
    t.check(M.der(s.ra_sign) in rep.certs, "SUCCESS CertRep carries the signing RA")
    alg, certs = rep.issued_certs(k)
    t.eq(alg, "tripledes_3key", "SUCCESS envelope is des-ede3-cbc")
    mine = [c for c in certs if c.public_key().public_numbers()
            == k.public_key().public_numbers()]
    t.eq(len(mine), 1, "envelope holds the issued cert")
    c = mine[0]
    t.eq(len(certs), 3, "envelope holds issued cert + issuing CA + root")
    t.check(certs[0] is c, "default envelope order: the issued cert first")
    back = (datetime.datetime.utcnow() - c.not_valid_before).total_seconds() / 60
    t.check(9 <= back <= 11, "default notBefore 10 minutes back", "(%.1f)" % back)
    t.eq(c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value,
         "host1.example.test", "subject from the CSR")
    san = c.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    t.eq(sorted(san.get_values_for_type(x509.DNSName)),
         ["alt.example.test", "host1.example.test"], "DNS SANs from the CSR")
    t.eq([str(i) for i in san.get_values_for_type(x509.IPAddress)],
         ["192.0.2.7"], "IP SAN from the CSR")
    t.eq(c.issuer, s.issuing.subject, "issued by the issuing CA")
    days = (c.not_valid_after - datetime.datetime.utcnow()).days
    t.check(363 <= days <= 365, "default validity 365 days", "(%d)" % days)
    pem = os.path.join(s.state, "leaf.pem")
    with open(pem, "wb") as f:
        f.write(c.public_bytes(serialization.Encoding.PEM))
    v = subprocess.run(["openssl", "verify", "-CAfile",
                        os.path.join(s.state, "root-ca.pem"), "-untrusted",
                        os.path.join(s.state, "issuing-ca.pem"), pem],
                       capture_output=True)
    t.eq(v.returncode, 0, "issued cert verifies to the root")
    serial = "%x" % c.serial_number
    t.check(os.path.exists(os.path.join(s.state, "issued", serial + ".pem")),
            "DIR/issued/SERIAL.pem stored")
    log = s.last_log("PKIOperation")
    for key, want in (("pki_status", "SUCCESS"), ("password", "ok"),
                      ("password_type", "PrintableString"),
                      ("message_type", "19"), ("transaction_id", txid),
                      ("signer_kind", "self-signed"), ("renewal", False),
                      ("envelope_cipher", "des-ede3-cbc"), ("digest", "sha256"),
                      ("issued_serial", serial)):
        t.eq(log.get(key), want, "log %s" % key)
    t.check(pw not in open(os.path.join(s.state, "log.jsonl")).read(),
            "the password never appears in the log")
    # the same request again (new transactionID): the password is spent,
    # and NDES has forgotten it (KB 959193): "unknown"
    rep, _, _, _ = enroll(s, k, pw)
    failure(t, rep, "1", "ERROR_NOT_FOUND", "reused password")
    t.eq(s.last_log("PKIOperation")["password"], "reused", "log password reused")


def test_shapes(t):
    s = t.start("--cert-minutes", "30", "--backdate-minutes", "90")
    rep, k, _, _ = enroll(s, password=otp(t, s))
    _, certs = rep.issued_certs(k)
    t.eq(certs[0].public_key().public_numbers(), k.public_key().public_numbers(),
         "default (issued-first): issued cert first")
    now = datetime.datetime.utcnow()
    mins = (certs[0].not_valid_after - now).total_seconds() / 60
    t.check(28 <= mins <= 30, "--cert-minutes 30", "(%.1f)" % mins)
    back = (now - certs[0].not_valid_before).total_seconds() / 60
    t.check(89 <= back <= 91, "--backdate-minutes 90", "(%.1f)" % back)
    t.stop(s)
    s = t.start("--envelope-certs", "shuffled")
    firsts = []
    for _ in range(10):   # issued first with probability 1/3 each time
        rep, k, _, _ = enroll(s, password=otp(t, s))
        _, certs = rep.issued_certs(k)
        firsts.append(certs[0].public_key().public_numbers()
                      == k.public_key().public_numbers())
        if not firsts[-1]:
            break
    t.check(len(certs) == 3 and not firsts[-1],
            "--envelope-certs shuffled: issued cert not always first",
            str(firsts))
    t.stop(s)
    s = t.start("--envelope-certs", "issued-only", "--certrep-certs", "never")
    rep, k, _, _ = enroll(s, password=otp(t, s))
    t.eq(len(rep.issued_certs(k)[1]), 1, "--envelope-certs issued-only")
    t.eq(rep.certs, [], "--certrep-certs never: CertRep without certificates")
    t.stop(s)
    s = t.start("--cert-days", "10", "--certrep-certs", "always",
                "--empty-content", "absent")
    rep, k, _, _ = enroll(s, password=otp(t, s))
    c = [c for c in rep.issued_certs(k)[1] if c.issuer == s.issuing.subject][0]
    days = (c.not_valid_after - datetime.datetime.utcnow()).days
    t.check(8 <= days <= 10, "--cert-days 10", "(%d)" % days)
    rep, _, _, _ = enroll(s, password="wrong")
    t.check(rep.status == "2" and M.der(s.ra_sign) in rep.certs,
            "--certrep-certs always: FAILURE carries the signing RA")
    t.check(rep.content is None and rep.signature_ok,
            "--empty-content absent: FAILURE without eContent, still verifies")


def test_ciphers_and_get(t):
    s = t.start("--max-query-string", "65536")
    for cipher, name in (("des", "des-cbc"), ("des3", "des-ede3-cbc")):
        rep, _, _, _ = enroll(s, password=otp(t, s), cipher=cipher)
        t.check(rep.status == "0" and
                s.last_log("PKIOperation")["envelope_cipher"] == name,
                "request envelope in %s decrypted" % name)
    for digest in ("sha1", "sha512"):
        rep, _, _, _ = enroll(s, password=otp(t, s), digest=digest)
        t.check(rep.status == "0", "request signed with %s accepted" % digest)
    k = M.key()
    msg, _, _ = M.pkimessage(M.der(M.csr(k, password=otp(t, s))), M.self_signed(k),
                             k, s.ra_enc)
    st, _, body = s.get_pki(msg)
    t.check(st == 200 and M.CertRep(body, s.ra_sign).status == "0",
            "GET PKIOperation with percent-escaped base64: SUCCESS")
    log = s.last_log("PKIOperation")
    t.check(log["method"] == "GET" and log["message_unescaped"] == "",
            "log: GET, nothing left unescaped")


def test_passwords(t):
    s = t.start()
    rep, _, _, _ = enroll(s, password=None)
    failure(t, rep, "1", "TRUST_E_CERT_SIGNATURE", "no password")
    t.eq(s.last_log("PKIOperation")["password"], "missing", "log password missing")
    rep, _, _, _ = enroll(s, password="0123456789ABCDEF")
    failure(t, rep, "1", "ERROR_NOT_FOUND", "unknown password")
    rep, _, _, _ = enroll(s, password=otp(t, s), pw_type="utf8")
    t.eq(rep.status, "0", "UTF8String challengePassword accepted")
    t.eq(s.last_log("PKIOperation")["password_type"], "UTF8String",
         "log notes the UTF8String type")
    # a FAILURE looks like the real NDES capture
    rep, _, _, _ = enroll(s, password="nope")
    t.eq(rep.content, b"\x00", "FAILURE eContent is one 0x00 byte")
    t.eq(rep.certs, [], "FAILURE carries no certificates (as the capture)")
    t.eq(rep.attr_types[M.MS_ERR], "PrintableString", "HRESULT attribute PrintableString")
    t.eq(rep.attr_types[M.SCEP + "4"], "PrintableString", "failInfo PrintableString")
    t.eq(rep.signature_ok, True, "FAILURE signed by the signing RA")
    fx = os.path.join(FIXTURES, "certrep-failure-sha1.der")
    if os.path.exists(fx):
        real = M.CertRep(open(fx, "rb").read())
        t.eq(sorted(rep.attrs), sorted(real.attrs),
             "FAILURE attributes = those of the real NDES capture")
        t.eq(rep.digest, real.digest, "FAILURE digest as in the capture")
    else:
        print("# skip: fixture %s absent" % fx)
    # expiry: a password older than --password-validity is refused
    pw = otp(t, s)
    state = s.state
    t.stop(s)
    s = t.start("--password-validity", "0", state=state)
    rep, _, _, _ = enroll(s, password=pw)
    failure(t, rep, "1", "ERROR_NOT_FOUND", "expired password")
    t.eq(s.last_log("PKIOperation")["password"], "expired", "log password expired")
    t.stop(s)
    # consumed although the CA then refuses
    s = t.start("--ca-unreachable", state=state)
    pw = otp(t, s)
    rep, _, _, _ = enroll(s, password=pw)
    failure(t, rep, "2", "RPC_S_SERVER_UNAVAILABLE", "--ca-unreachable")
    t.stop(s)
    s = t.start(state=state)
    rep, _, _, _ = enroll(s, password=pw)
    failure(t, rep, "1", "ERROR_NOT_FOUND",
            "password spent by a request the CA refused")
    t.eq(s.last_log("PKIOperation")["password"], "reused", "log password reused")
    t.stop(s)
    s = t.start("--reused-password-hresult", "wrong-usage", state=state)
    rep, _, _, _ = enroll(s, password=pw)
    failure(t, rep, "1", "CERT_E_WRONG_USAGE",
            "--reused-password-hresult wrong-usage: reused password")
    # PasswordMax through the otp command
    for _ in range(10):
        rc, _, _ = t.cli("otp", "--state", s.state)
        if rc:
            break
    rc2, out, _ = t.cli("show", "--state", s.state)
    t.check(rc == 1 and out.count("(otp command)") == 5,
            "at most 5 outstanding passwords", out)


def test_password_modes(t):
    s = t.start("--single-password", "STATIC-SECRET")
    for i in (1, 2):
        rep, _, _, _ = enroll(s, password="STATIC-SECRET")
        t.eq(rep.status, "0", "--single-password: use %d succeeds" % i)
    rep, _, _, _ = enroll(s, password="other")
    failure(t, rep, "1", "ERROR_NOT_FOUND", "--single-password: another password")
    t.stop(s)
    s = t.start("--no-enforce-password")
    rep, _, _, _ = enroll(s, password=None)
    t.eq(rep.status, "0", "--no-enforce-password: no password needed")
    t.eq(s.last_log("PKIOperation")["password"], "not-enforced", "log not-enforced")


def test_templates_and_ca(t):
    s = t.start("--signature-template", "SigT", "--encryption-template", "EncT",
                "--general-template", "GenT")
    for usage, role, tname in (("sign", "SignatureTemplate", "SigT"),
                               ("enc", "EncryptionTemplate", "EncT"),
                               ("both", "GeneralPurposeTemplate", "GenT"),
                               (None, "GeneralPurposeTemplate", "GenT")):
        rep, k, _, _ = enroll(s, password=otp(t, s), usage=usage)
        log = s.last_log("PKIOperation")
        c = [c for c in rep.issued_certs(k)[1] if c.public_key().public_numbers()
             == k.public_key().public_numbers()][0]
        ext = c.extensions.get_extension_for_oid(
            x509.ObjectIdentifier("1.3.6.1.4.1.311.20.2")).value.value
        t.check(log["template_role"] == role and
                ext[2:].decode("utf-16-be") == tname,
                "keyUsage %s -> %s (%s)" % (usage, role, tname), str(log))
    rep, _, _, _ = enroll(s, k=M.key(1024), password=otp(t, s))
    failure(t, rep, "2", "CERTSRV_E_KEY_LENGTH", "1024-bit key")
    t.stop(s)
    s = t.start("--min-key-bits", "1024")
    rep, _, _, _ = enroll(s, k=M.key(1024), password=otp(t, s))
    t.eq(rep.status, "0", "--min-key-bits 1024: 1024-bit key issued")


def post_raw(s, password=None, **kw):
    """A PKCSReq answered without a CertRep: (HTTP status, headers, body)."""
    k = M.key()
    msg, _, _ = M.pkimessage(M.der(M.csr(k, password=password)),
                             M.self_signed(k), k, kw.pop("recipient", s.ra_enc),
                             **kw)
    return s.post_pki(msg)


def iis_500(t, st, h, body, what):
    t.check(st == 500 and h.get("Content-Type") == "text/html" and
            b"HTTP Error 500.0 - Internal Server Error" in body,
            "%s: HTTP 500 with IIS's 500.0 page" % what,
            "(got %s %s)" % (st, h.get("Content-Type")))


def test_decryption_rules(t):
    s = t.start()
    for what, rcpt in (("signing RA", s.ra_sign), ("issuing CA", s.issuing)):
        st, h, body = post_raw(s, password=otp(t, s), recipient=rcpt)
        iis_500(t, st, h, body, "envelope to the %s" % what)
        log = s.last_log("PKIOperation")
        t.check(log["hresult"] == "0x80090005" and log["pki_status"] is None
                and "envelope_recipients" in log,
                "log: 0x80090005, no CertRep, the recipients", str(log))
    state = s.state
    t.stop(s)
    s = t.start("--undecryptable", "certrep", state=state)
    for what, rcpt in (("signing RA", s.ra_sign), ("issuing CA", s.issuing)):
        rep, _, _, _ = enroll(s, password=otp(t, s), recipient=rcpt)
        failure(t, rep, "1", "NTE_BAD_DATA",
                "--undecryptable certrep: envelope to the %s" % what)
    rep, _, _, _ = enroll(s, password=otp(t, s), tamper=True)
    failure(t, rep, "1", "NTE_BAD_SIGNATURE", "tampered signature")
    st, _, _ = s.post_pki(b"\x30\x03\x02\x01\x00")
    t.eq(st, 500, "garbage pkiMessage: HTTP 500")
    st, _, _ = s.post_pki(b"")
    t.eq(st, 500, "empty body: HTTP 500")


def _issue_with_ca(s, k, days_from, days_to):
    """A certificate from this server's issuing CA, made by the test."""
    ca_key = serialization.load_pem_private_key(
        open(os.path.join(s.state, "pki", "issuing.key"), "rb").read(), None)
    now = datetime.datetime.utcnow()
    return (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "old")]))
            .issuer_name(s.issuing.subject).public_key(k.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + datetime.timedelta(days=days_from))
            .not_valid_after(now + datetime.timedelta(days=days_to))
            .sign(ca_key, hashes.SHA256()))


def test_renewal(t):
    s = t.start()
    rep, old_k, _, _ = enroll(s, password=otp(t, s))
    old = [c for c in rep.issued_certs(old_k)[1] if c.issuer == s.issuing.subject][0]
    for mt in ("19", "17"):
        new_k = M.key()
        rep, _, _, _ = enroll(s, k=new_k, password=None, signer=old,
                              signer_key=old_k, msg_type=mt)
        t.eq(rep.status, "0", "renewal (messageType %s) signed by our cert, "
             "no password: SUCCESS" % mt)
        log = s.last_log("PKIOperation")
        t.check(log["renewal"] is True and log["signer_kind"] == "issued-valid"
                and log["password"] == "not-needed-renewal",
                "log: renewal, signer issued-valid", str(log))
        got = rep.issued_certs(old_k)[1]   # envelope to the signer: old key
        t.check(any(c.public_key().public_numbers() ==
                    new_k.public_key().public_numbers() for c in got),
                "renewal: envelope to the old cert, new cert for the new key")
    # expired cert of this CA: a password is needed again
    k = M.key()
    expired = _issue_with_ca(s, k, -30, -1)
    rep, _, _, _ = enroll(s, k=M.key(), password=None, signer=expired, signer_key=k)
    failure(t, rep, "1", "TRUST_E_CERT_SIGNATURE", "signed by an expired cert of ours")
    t.eq(s.last_log("PKIOperation")["signer_kind"], "issued-expired",
         "log signer issued-expired")
    # a cert from some other CA
    other_ca_k = M.key()
    other_ca = M.self_signed(other_ca_k, "Other CA")
    fk = M.key()
    now = datetime.datetime.utcnow()
    foreign = (x509.CertificateBuilder().subject_name(x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, "foreign")]))
        .issuer_name(other_ca.subject).public_key(fk.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(other_ca_k, hashes.SHA256()))
    rep, _, _, _ = enroll(s, k=M.key(), password=None, signer=foreign, signer_key=fk)
    failure(t, rep, "1", "TRUST_E_CERT_SIGNATURE", "signed by another CA's cert")
    t.eq(s.last_log("PKIOperation")["signer_kind"], "other", "log signer other")
    rep, _, _, _ = enroll(s, k=M.key(), password=otp(t, s), signer=foreign,
                          signer_key=fk)
    t.eq(rep.status, "0", "another CA's cert with a valid password: SUCCESS")
    state = s.state
    t.stop(s)
    s = t.start("--refuse-renewal", state=state)
    rep, _, _, _ = enroll(s, k=M.key(), password=None, signer=old, signer_key=old_k)
    failure(t, rep, "1", "TRUST_E_CERT_SIGNATURE", "--refuse-renewal without password")
    rep, _, _, _ = enroll(s, k=M.key(), password=otp(t, s), signer=old,
                          signer_key=old_k)
    t.eq(rep.status, "0", "--refuse-renewal with a password: SUCCESS")


def issued_cert(rep, k, ca):
    """The end-entity certificate in a SUCCESS envelope (opened with k)
    issued by the CA certificate ca."""
    return [c for c in rep.issued_certs(k)[1] if c.issuer == ca.subject and
            c.subject != ca.subject][0]


def test_aes(t):
    s = t.start()
    for cipher, name in (("aes128", "aes-128-cbc"), ("aes192", "aes-192-cbc"),
                         ("aes256", "aes-256-cbc")):
        pw = otp(t, s)
        rep, k, _, _ = enroll(s, password=pw, cipher=cipher)
        try:
            rep.issued_certs(k)
            opened = True
        except Exception:
            opened = False
        log = s.last_log("PKIOperation")
        t.check(rep.status == "0" and rep.signature_ok and not opened,
                "%s request: SUCCESS whose envelope cannot be decrypted" % name)
        t.check(log["envelope_cipher"] == name and "cannot decrypt" in log["error"]
                and log.get("issued_serial") is None,
                "log: %s, error, nothing issued" % name, str(log))
        rep, _, _, _ = enroll(s, password=pw)
        t.eq(rep.status, "0", "the %s request did not spend its password" % name)
    state = s.state
    t.stop(s)
    s = t.start("--aes-ok", state=state)
    for cipher, name in (("aes128", "aes-128-cbc"), ("aes192", "aes-192-cbc"),
                         ("aes256", "aes-256-cbc")):
        rep, k, _, _ = enroll(s, password=otp(t, s), cipher=cipher)
        t.check(rep.status == "0" and len(rep.issued_certs(k)[1]) == 3 and
                s.last_log("PKIOperation")["envelope_cipher"] == name,
                "--aes-ok: %s request processed" % name)


def test_expired_ra(t):
    s = t.start("--expired-ra")
    st, h, body = s.request("GET", "/certsrv/mscep/mscep.dll?operation=GetCACert"
                            "&message=0")
    t.check(st == 200 and h.get("Content-Type") == "application/x-x509-ca-ra-cert",
            "--expired-ra: GetCACert still serves the certificates")
    st, h, body = post_raw(s, password=otp(t, s))
    iis_500(t, st, h, body, "--expired-ra: PKIOperation")
    log = s.last_log("PKIOperation")
    t.check(log["http_status"] == 500 and "expired" in log["error"],
            "log: 500, RA certificates expired", str(log))
    state = s.state
    t.stop(s)
    s = t.start("--expired-ra", "--expired-ra-works", state=state)
    t.check(s.ra_sign.not_valid_after < datetime.datetime.utcnow(),
            "--expired-ra-works: the RA certificates are still expired")
    rep, _, _, _ = enroll(s, password=otp(t, s))
    t.eq(rep.status, "0", "--expired-ra-works: PKIOperation SUCCESS")


def test_txid_replay(t):
    s = t.start()
    rep, k1, txid, _ = enroll(s, password=otp(t, s), cn="replay.example.test")
    first = issued_cert(rep, k1, s.issuing)
    # another key, another self-signed signer, no password, same txid
    pw = otp(t, s)
    for mt, what in (("19", "PKCSReq"), ("17", "RenewalReq")):
        k2 = M.key()
        rep, _, _, _ = enroll(s, k=k2, password=None, txid=txid, msg_type=mt,
                              cn="someone-else")
        t.eq(rep.status, "0", "%s with a known transactionID, no password: "
             "SUCCESS" % what)
        again = issued_cert(rep, k2, s.issuing)   # enveloped to the new signer
        t.check(again.serial_number == first.serial_number and
                again.not_valid_before == first.not_valid_before and
                again.not_valid_after == first.not_valid_after and
                M.der(again) == M.der(first),
                "%s: the same certificate again (serial, dates)" % what)
        log = s.last_log("PKIOperation")
        t.check(log["replayed"] is True and log["txid_known"] is True and
                log["issued_serial"] == "%x" % first.serial_number and
                log["password"] == "not-checked-replay",
                "log: replayed, issued_serial = the old serial", str(log))
    # signed by the first certificate, carrying an unused password: the
    # password is neither checked nor consumed
    rep, _, _, _ = enroll(s, k=M.key(), password=pw, txid=txid,
                          signer=first, signer_key=k1)
    t.check(rep.status == "0" and
            issued_cert(rep, k1, s.issuing).serial_number == first.serial_number,
            "signed by the issued cert: the same certificate")
    rep, _, _, _ = enroll(s, password=pw)
    t.eq(rep.status, "0", "a password carried by a replayed request is not spent")
    n = len([x for x in os.listdir(os.path.join(s.state, "issued"))
             if x.endswith(".pem")])
    t.eq(n, 2, "replays issued nothing new")
    state = s.state
    t.stop(s)
    s = t.start("--no-txid-replay", state=state)
    rep, _, _, _ = enroll(s, password=None, txid=txid)
    failure(t, rep, "1", "TRUST_E_CERT_SIGNATURE",
            "--no-txid-replay: known transactionID, no password")
    k3 = M.key()
    rep, _, _, _ = enroll(s, k=k3, password=otp(t, s), txid=txid)
    new = issued_cert(rep, k3, s.issuing)
    log = s.last_log("PKIOperation")
    t.check(rep.status == "0" and new.serial_number != first.serial_number,
            "--no-txid-replay: with a password, a new certificate")
    t.check(log["replayed"] is False and log["txid_known"] is True,
            "log: txid_known, not replayed", str(log))
    t.stop(s)
    s = t.start(state=state)
    k4 = M.key()
    rep, _, _, _ = enroll(s, k=k4, password=None, txid=txid)
    t.eq(issued_cert(rep, k4, s.issuing).serial_number, new.serial_number,
         "replay returns the certificate issued last under the transactionID")


def test_renewal_subject(t):
    s = t.start()
    k = M.key()
    rep, _, _, _ = enroll(s, k, otp(t, s), cn="ren.example.test",
                          dns=["ren.example.test", "alias.example.test"])
    old = issued_cert(rep, k, s.issuing)
    rep, _, _, _ = enroll(s, password=None, signer=old, signer_key=k,
                          cn="ren.example.test",
                          dns=["alias.example.test", "ren.example.test"])
    log = s.last_log("PKIOperation")
    t.check(rep.status == "0" and log["renewal"] is True and
            "renewal_mismatch" not in log,
            "renewal, same subject, same SANs in another order: SUCCESS", str(log))
    for kw, which in (({"cn": "other.example.test",
                        "dns": ["ren.example.test", "alias.example.test"]},
                       ["subject"]),
                      ({"cn": "ren.example.test", "dns": ["ren.example.test"]},
                       ["subjectAltName"]),
                      ({"cn": "other.example.test"}, ["subject", "subjectAltName"])):
        rep, _, _, _ = enroll(s, password=None, signer=old, signer_key=k, **kw)
        failure(t, rep, "2", "CERTSRV_E_BAD_REQUESTSUBJECT",
                "renewal with another %s, no password" % " and ".join(which))
        log = s.last_log("PKIOperation")
        t.check(log["renewal"] is False and log["renewal_mismatch"] == which
                and all(w in log["error"] for w in which),
                "log: renewal false, renewal_mismatch %s, error says why" % which,
                str(log))
    pw = otp(t, s)
    rep, _, _, _ = enroll(s, password=pw, signer=old, signer_key=k,
                          cn="other.example.test")
    log = s.last_log("PKIOperation")
    t.check(rep.status == "0" and log["renewal"] is False and
            log["password"] == "ok",
            "another subject with a valid password: a new enrolment", str(log))
    rep, _, _, _ = enroll(s, password=pw, signer=old, signer_key=k,
                          cn="other.example.test")
    failure(t, rep, "1", "ERROR_NOT_FOUND",
            "another subject: the password was consumed")
    state = s.state
    t.stop(s)
    s = t.start("--lenient-renewal", state=state)
    rep, _, _, _ = enroll(s, password=None, signer=old, signer_key=k,
                          cn="other.example.test")
    t.check(rep.status == "0" and s.last_log("PKIOperation")["renewal"] is True,
            "--lenient-renewal: another subject renews without a password")
    t.stop(s)
    s = t.start("--lenient-renewal", "--refuse-renewal", state=state)
    rep, _, _, _ = enroll(s, password=None, signer=old, signer_key=k,
                          cn="ren.example.test",
                          dns=["ren.example.test", "alias.example.test"])
    failure(t, rep, "1", "TRUST_E_CERT_SIGNATURE",
            "--refuse-renewal: same subject still needs a password")


def test_renewal_password(t):
    s = t.start()
    k = M.key()
    rep, _, _, _ = enroll(s, k, otp(t, s))
    old = issued_cert(rep, k, s.issuing)
    pw = otp(t, s)
    rep, _, _, _ = enroll(s, password=pw, signer=old, signer_key=k)
    log = s.last_log("PKIOperation")
    t.check(rep.status == "0" and log["renewal"] is True and log["password"] == "ok",
            "renewal with a fresh password: checked, SUCCESS", str(log))
    rep, _, _, _ = enroll(s, password=pw, signer=old, signer_key=k)
    failure(t, rep, "1", "ERROR_NOT_FOUND", "renewal with a spent password")
    log = s.last_log("PKIOperation")
    t.check(log["renewal"] is True and log["password"] == "reused",
            "log: renewal, password reused", str(log))
    rep, _, _, _ = enroll(s, password="NOT-A-PASSWORD", signer=old, signer_key=k)
    failure(t, rep, "1", "ERROR_NOT_FOUND", "renewal with an unknown password")
    state = s.state
    t.stop(s)
    s = t.start("--ignore-renewal-password", state=state)
    rep, _, _, _ = enroll(s, password=pw, signer=old, signer_key=k)
    t.check(rep.status == "0" and
            s.last_log("PKIOperation")["password"] == "not-needed-renewal",
            "--ignore-renewal-password: a spent password in a renewal is ignored")


def test_hand_issued(t):
    s = t.start()
    k = M.key()
    csr = M.csr(k, cn="hand.example.test", dns=["hand.example.test"])
    csr_path = os.path.join(s.state, "hand.csr")
    out = os.path.join(s.state, "hand.pem")
    with open(csr_path, "wb") as f:
        f.write(csr.public_bytes(serialization.Encoding.PEM))
    rc, stdout, err = t.cli("issue", "--state", s.state, "--csr", csr_path,
                            "--out", out, "--minutes", "90",
                            "--backdate-minutes", "120")
    t.eq(rc, 0, "issue (server running) exits 0 %s" % err)
    c = M.load_pem(out)
    now = datetime.datetime.utcnow()
    t.check(c.issuer == s.issuing.subject and c.subject == csr.subject and
            c.extensions.get_extension_for_class(
                x509.SubjectAlternativeName).value == csr.extensions
            .get_extension_for_class(x509.SubjectAlternativeName).value,
            "hand-issued: issuing CA, subject and SANs of the CSR")
    t.check(119 <= (now - c.not_valid_before).total_seconds() / 60 <= 121 and
            89 <= (c.not_valid_after - now).total_seconds() / 60 <= 91,
            "--backdate-minutes 120 --minutes 90")
    serial = "%x" % c.serial_number
    t.eq(stdout.strip(), "issued " + serial, "issue prints the serial")
    import json
    meta = json.load(open(os.path.join(s.state, "issued", serial + ".json")))
    t.check(meta.get("hand_issued") is True and "transaction_id" not in meta,
            "issued/SERIAL.json: hand_issued, no transactionID", str(meta))
    t.check(os.path.exists(os.path.join(s.state, "issued", serial + ".pem")),
            "issued/SERIAL.pem stored")
    rep, _, _, _ = enroll(s, password=None, signer=c, signer_key=k,
                          cn="hand.example.test", dns=["hand.example.test"])
    log = s.last_log("PKIOperation")
    t.check(rep.status == "0" and log["signer_kind"] == "issued-valid"
            and log["renewal"] is True,
            "a hand-issued certificate renews without a password", str(log))
    state = s.state
    t.stop(s)
    der_path = os.path.join(state, "hand.der")
    with open(der_path, "wb") as f:
        f.write(M.der(csr))
    rc, _, err = t.cli("issue", "--state", state, "--csr", der_path,
                       "--out", out, "--days", "3")
    days = (M.load_pem(out).not_valid_after - now).days
    t.check(rc == 0 and 2 <= days <= 3,
            "issue with the server stopped, DER CSR, --days 3", err)
    with open(der_path, "wb") as f:
        f.write(b"not a CSR")
    rc, _, err = t.cli("issue", "--state", state, "--csr", der_path, "--out", out)
    t.check(rc == 1 and "CSR" in err, "issue of a broken CSR: exit 1", err)


def test_challenge_style(t):
    import re
    s = t.start()
    rc, out, _ = t.cli("otp", "--state", s.state, "--challenge-style", "arbitrary")
    pw = out.strip()
    t.check(rc == 0 and re.fullmatch(r"[A-Za-z0-9\-.:=()+?/]{24,32}", pw),
            "otp --challenge-style arbitrary: 24-32 printable characters", pw)
    rep, _, _, _ = enroll(s, password=pw)
    t.eq(rep.status, "0", "an arbitrary challenge enrolls (PrintableString)")


def poll(s, k, signer, txid, subject, issuer=None):
    content = M.issuer_and_subject(issuer or s.issuing.subject, subject)
    msg, _, _ = M.pkimessage(content, signer, k, s.ra_enc, msg_type="20", txid=txid)
    st, _, body = s.post_pki(msg)
    assert st == 200
    return M.CertRep(body, s.ra_sign)


def test_pending(t):
    s = t.start("--pending")
    k = M.key()
    signer = M.self_signed(k)
    rep, _, txid, _ = enroll(s, k, otp(t, s), signer=signer, cn="pend1")
    t.eq(rep.status, "3", "--pending: PKCSReq answered PENDING")
    t.eq(rep.content, b"\x00", "PENDING eContent one 0x00 byte (no envelope)")
    t.check(M.SCEP + "4" not in rep.attrs, "PENDING has no failInfo")
    rc, out, _ = t.cli("show", "--state", s.state)
    t.check(txid in out and "pending" in out, "show lists the pending request")
    subj = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pend1")])
    rep = poll(s, k, signer, txid, subj)
    t.eq(rep.status, "3", "CertPoll before approval: PENDING")
    t.eq(s.last_log("PKIOperation")["message_type"], "20", "log messageType 20")
    rep = poll(s, k, signer, txid, subj, issuer=subj)
    t.check(rep.status == "2" and rep.fail_info == "4",
            "CertPoll with a wrong issuer: FAILURE badCertId")
    rep = poll(s, k, signer, "NO-SUCH-TRANSACTION", subj)
    t.check(rep.status == "2" and rep.fail_info == "4",
            "CertPoll of an unknown transaction: FAILURE badCertId")
    rc, out, _ = t.cli("approve", "--state", s.state, txid)
    t.eq(rc, 0, "approve TXID exits 0")
    rep = poll(s, k, signer, txid, subj)
    t.eq(rep.status, "0", "CertPoll after approval: SUCCESS")
    certs = rep.issued_certs(k)[1]
    mine = [c for c in certs if c.public_key().public_numbers()
            == k.public_key().public_numbers()]
    t.eq(len(mine), 1, "approved cert matches the request's key")
    rep2 = poll(s, k, signer, txid, subj)
    t.eq([c for c in rep2.issued_certs(k)[1] if c.serial_number == mine[0].serial_number]
         != [], True, "a later poll returns the same certificate")
    rc, _, err = t.cli("approve", "--state", s.state, txid)
    t.check(rc != 0 and "already" in err, "approving twice is an error")
    rc, _, err = t.cli("deny", "--state", s.state, "NO-SUCH")
    t.check(rc != 0 and "no pending request" in err, "deny of an unknown TXID fails")
    # deny
    k2 = M.key()
    signer2 = M.self_signed(k2)
    rep, _, txid2, _ = enroll(s, k2, otp(t, s), signer=signer2, cn="pend2")
    rc, out, _ = t.cli("deny", "--state", s.state, "--all")
    t.check(rc == 0 and txid2 in out, "deny --all denies the pending request")
    rep = poll(s, k2, signer2, txid2,
               x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pend2")]))
    failure(t, rep, "2", "CERTSRV_E_ADMIN_DENIED_REQUEST", "CertPoll after deny")
    state = s.state
    t.stop(s)
    s = t.start("--pending", "--lenient-certpoll", state=state)
    k3 = M.key()
    signer3 = M.self_signed(k3)
    rep, _, txid3, _ = enroll(s, k3, otp(t, s), signer=signer3, cn="pend3")
    rc, _, _ = t.cli("approve", "--state", s.state, "--all")
    subj3 = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pend3")])
    rep = poll(s, k3, signer3, txid3, subj3, issuer=subj3)
    t.eq(rep.status, "0", "--lenient-certpoll: wrong issuer accepted")


def test_malformed(t):
    """Truncated and bit-flipped messages: an answer every time (a FAILURE
    CertRep or HTTP 500), never a crash."""
    import random
    s = t.start()
    k = M.key()
    msg, _, _ = M.pkimessage(M.der(M.csr(k, password=otp(t, s))), M.self_signed(k),
                             k, s.ra_enc)
    rnd = random.Random(8894)
    variants = [msg[:n] for n in (1, 10, 100, len(msg) // 2, len(msg) - 1)]
    for _ in range(60):
        m = bytearray(msg)
        for _ in range(rnd.randint(1, 3)):
            i = rnd.randrange(len(m))
            m[i] ^= 1 << rnd.randrange(8)
        variants.append(bytes(m))
    variants.append(msg + b"trailing")
    bad = []
    for v in variants:
        st, _, body = s.post_pki(v)
        if st == 200:
            rep = M.CertRep(body, s.ra_sign)
            if rep.status not in ("0", "2") or not rep.signature_ok:
                bad.append((st, rep.status))
        elif st != 500:
            bad.append((st, None))
    t.eq(bad, [], "%d malformed messages: each a CertRep or HTTP 500" % len(variants))
    log = open(os.path.join(s.state, "log.jsonl")).read()
    t.check("traceback" not in log, "no internal error while handling them")
    st, _, _ = s.request("GET", "/certsrv/mscep/mscep.dll?operation=GetCACaps")
    t.eq(st, 200, "server still answers")
    st, _, _ = s.request("GET", "/certsrv/mscep/mscep.dll?operation=PKIOperation"
                         "&message=%%%%not-base64")
    t.eq(st, 500, "GET message= that is not base64: 500")


def main():
    t = harness.Run("scep")
    for fn in (test_enroll, test_shapes, test_ciphers_and_get, test_passwords,
               test_password_modes, test_templates_and_ca,
               test_decryption_rules, test_aes, test_expired_ra,
               test_txid_replay, test_renewal, test_renewal_subject,
               test_renewal_password, test_hand_issued, test_challenge_style,
               test_pending, test_malformed):
        t.case(fn)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
