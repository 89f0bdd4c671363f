# SPDX-License-Identifier: GPL-3.0-or-later
"""Test-side SCEP client pieces for the stand-in's own tests, the enrollment
cases and the fault matrix: build
pkiMessages (PKCSReq, RenewalReq, CertPoll) with any signer, recipient,
cipher and digest, and read CertReps. Kept apart from the server code (it
builds with asn1crypto's CMS classes, the server encodes by hand) so that a
misreading in one shows up in the other."""

import base64
import datetime
import hashlib
import http.client
import json
import os
import urllib.parse

from asn1crypto import algos, cms, core, x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import padding as sympad
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
try:
    from cryptography.x509.name import _ASN1Type
except ImportError:  # cryptography < 3.1
    _ASN1Type = None
from cryptography.x509.oid import AttributeOID, NameOID

SCEP = "2.16.840.1.113733.1.9."
MS_ERR = "1.3.6.1.4.1.311.21.33"


# ------------------------------------------------------------ keys and certs
def key(bits=2048):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def self_signed(k, cn="scep signer"):
    """The throwaway signer certificate a SCEP client makes."""
    n = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    t = datetime.datetime.utcnow()
    return (x509.CertificateBuilder().subject_name(n).issuer_name(n)
            .public_key(k.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(t - datetime.timedelta(minutes=5))
            .not_valid_after(t + datetime.timedelta(days=1))
            .sign(k, hashes.SHA256()))


def csr(k, cn="client.example.test", password=None, pw_type="printable",
        usage=None, dns=(), ips=()):
    b = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
    if password is not None and _HAS_ATTR_TAG:
        tag = (_ASN1Type.PrintableString if pw_type == "printable"
               else _ASN1Type.UTF8String)
        b = b.add_attribute(AttributeOID.CHALLENGE_PASSWORD,
                            password.encode(), _tag=tag)
    if usage:
        b = b.add_extension(x509.KeyUsage(
            digital_signature=usage in ("sign", "both"), content_commitment=False,
            key_encipherment=usage in ("enc", "both"), data_encipherment=False,
            key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
    if dns or ips:
        import ipaddress
        b = b.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName(d) for d in dns] +
            [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]), critical=False)
    req = b.sign(k, hashes.SHA256())
    if password is not None and not _HAS_ATTR_TAG:
        req = _with_password(req, k, password, pw_type)
    return req


# cryptography < 38 (Debian 11 has 3.3) cannot choose the challengePassword's
# string type: there the attribute is added with asn1crypto and re-signed.
try:
    import inspect
    _HAS_ATTR_TAG = "_tag" in inspect.signature(
        x509.CertificateSigningRequestBuilder.add_attribute).parameters
except (AttributeError, ValueError):
    _HAS_ATTR_TAG = False


def _with_password(req, k, password, pw_type):
    from asn1crypto import core, csr as acsr
    r = acsr.CertificationRequest.load(req.public_bytes(serialization.Encoding.DER))
    info = r["certification_request_info"]
    value = (core.PrintableString(password) if pw_type == "printable"
             else core.UTF8String(password))
    attrs = list(info["attributes"]) if info["attributes"] else []
    attrs.append(acsr.CRIAttribute({"type": "challenge_password",
                                    "values": [acsr.DirectoryString(
                                        name=("printable_string" if pw_type == "printable"
                                              else "utf8_string"), value=value)]}))
    info = acsr.CertificationRequestInfo({
        "version": info["version"], "subject": info["subject"],
        "subject_pk_info": info["subject_pk_info"], "attributes": attrs})
    sig = k.sign(info.dump(), padding.PKCS1v15(), hashes.SHA256())
    out = acsr.CertificationRequest({
        "certification_request_info": info,
        "signature_algorithm": {"algorithm": "sha256_rsa"},
        "signature": sig})
    return x509.load_der_x509_csr(out.dump())


def der(obj):
    return obj.public_bytes(serialization.Encoding.DER)


def load_pem(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


# ------------------------------------------------------------ envelopes
CIPHERS = {"des3": ("tripledes_3key", 24, 8), "des": ("des", 8, 8),
           "aes128": ("aes128_cbc", 16, 16), "aes192": ("aes192_cbc", 24, 16),
           "aes256": ("aes256_cbc", 32, 16)}


def envelope(content, recipient, cipher="des3"):
    alg, klen, blk = CIPHERS[cipher]
    cek, iv = os.urandom(klen), os.urandom(blk)
    p = sympad.PKCS7(blk * 8).padder()
    data = p.update(content) + p.finalize()
    a = algorithms.AES(cek) if cipher.startswith("aes") else algorithms.TripleDES(cek)
    enc = Cipher(a, modes.CBC(iv)).encryptor()
    ct = enc.update(data) + enc.finalize()
    rc = ax509.Certificate.load(der(recipient))
    ri = cms.RecipientInfo(name="ktri", value=cms.KeyTransRecipientInfo({
        "version": "v0",
        "rid": cms.RecipientIdentifier(name="issuer_and_serial_number",
                                       value=cms.IssuerAndSerialNumber({
                                           "issuer": rc.issuer,
                                           "serial_number": rc.serial_number})),
        "key_encryption_algorithm": {"algorithm": "rsaes_pkcs1v15"},
        "encrypted_key": recipient.public_key().encrypt(cek, padding.PKCS1v15()),
    }))
    ed = cms.EnvelopedData({
        "version": "v0", "recipient_infos": [ri],
        "encrypted_content_info": {
            "content_type": "data",
            "content_encryption_algorithm": algos.EncryptionAlgorithm(
                {"algorithm": alg, "parameters": core.OctetString(iv)}),
            "encrypted_content": ct}})
    return cms.ContentInfo({"content_type": "enveloped_data", "content": ed}).dump()


def open_envelope(data, k):
    ci = cms.ContentInfo.load(data)
    ed = ci["content"]
    ek = ed["recipient_infos"][0].chosen["encrypted_key"].native
    cek = k.decrypt(ek, padding.PKCS1v15())
    eci = ed["encrypted_content_info"]
    algname = eci["content_encryption_algorithm"]["algorithm"].native
    iv = eci["content_encryption_algorithm"]["parameters"].native
    a = algorithms.AES(cek) if algname.startswith("aes") else algorithms.TripleDES(cek)
    d = Cipher(a, modes.CBC(iv)).decryptor()
    padded = d.update(eci["encrypted_content"].native) + d.finalize()
    u = sympad.PKCS7(len(iv) * 8).unpadder()
    return algname, u.update(padded) + u.finalize()


# ------------------------------------------------------------ pkiMessage
def _attr(oid, value):
    return cms.CMSAttribute({"type": cms.CMSAttributeType(oid), "values": [value]})


def pkimessage(content, signer_cert, signer_key, recipient, msg_type="19",
               txid=None, nonce=None, cipher="des3", digest="sha256",
               tamper=False):
    """A signed SCEP message whose pkcsPKIEnvelope holds content."""
    env = envelope(content, recipient, cipher)
    txid = txid or hashlib.sha1(os.urandom(8)).hexdigest().upper()
    nonce = nonce or os.urandom(16)
    h = getattr(hashes, digest.upper())()
    md = hashes.Hash(h)
    md.update(env)
    attrs = cms.CMSAttributes([
        _attr("content_type", cms.ContentType("data")),
        _attr("message_digest", core.OctetString(md.finalize())),
        cms.CMSAttribute({"type": SCEP + "2", "values": [core.PrintableString(msg_type)]}),
        cms.CMSAttribute({"type": SCEP + "7", "values": [core.PrintableString(txid)]}),
        cms.CMSAttribute({"type": SCEP + "5", "values": [core.OctetString(nonce)]}),
    ])
    to_sign = attrs.dump(force=True)
    to_sign = b"\x31" + to_sign[1:]
    sig = signer_key.sign(to_sign, padding.PKCS1v15(), h)
    if tamper:
        sig = bytes([sig[0] ^ 1]) + sig[1:]
    sc = ax509.Certificate.load(der(signer_cert))
    si = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier(name="issuer_and_serial_number",
                                    value=cms.IssuerAndSerialNumber({
                                        "issuer": sc.issuer,
                                        "serial_number": sc.serial_number})),
        "digest_algorithm": {"algorithm": digest},
        "signed_attrs": attrs,
        "signature_algorithm": {"algorithm": "rsassa_pkcs1v15"},
        "signature": sig,
    })
    sd = cms.SignedData({
        "version": "v1",
        "digest_algorithms": [{"algorithm": digest}],
        "encap_content_info": {"content_type": "data",
                               "content": core.OctetString(env)},
        "certificates": [sc],
        "signer_infos": [si],
    })
    return cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump(), txid, nonce


def issuer_and_subject(issuer_name, subject_name):
    """CertPoll content: IssuerAndSubject ::= SEQUENCE { issuer, subject }."""
    i, s = issuer_name.public_bytes(), subject_name.public_bytes()
    body = i + s
    return b"\x30" + _len(len(body)) + body


def _len(n):
    if n < 128:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


# ------------------------------------------------------------ CertRep
class CertRep:
    def __init__(self, data, ra_sign_cert=None):
        ci = cms.ContentInfo.load(data)
        assert ci["content_type"].native == "signed_data", ci["content_type"].native
        sd = ci["content"]
        self.sd = sd
        self.digest = sd["digest_algorithms"][0]["algorithm"].native
        si = sd["signer_infos"][0]
        self.attrs = {}
        self.attr_types = {}
        for a in si["signed_attrs"]:
            v = a["values"][0]
            p = v.parse() if isinstance(v, core.Any) else v
            self.attrs[a["type"].dotted] = p.native
            self.attr_types[a["type"].dotted] = type(p).__name__
        eci = sd["encap_content_info"]
        self.content = eci["content"].native if eci["content"].native is not None else None
        self.certs = [c.chosen.dump() for c in (sd["certificates"] or [])]
        self.status = self.attrs.get(SCEP + "3")
        self.fail_info = self.attrs.get(SCEP + "4")
        self.hresult = self.attrs.get(MS_ERR)
        self.txid = self.attrs.get(SCEP + "7")
        self.recipient_nonce = self.attrs.get(SCEP + "6")
        self.sender_nonce = self.attrs.get(SCEP + "5")
        self.message_type = self.attrs.get(SCEP + "2")
        self.signature_ok = None
        if ra_sign_cert is not None:
            sa = si["signed_attrs"].dump()
            sa = b"\x31" + sa[1:]
            h = getattr(hashes, self.digest.upper())()
            try:
                ra_sign_cert.public_key().verify(si["signature"].native, sa,
                                                 padding.PKCS1v15(), h)
                md = hashes.Hash(getattr(hashes, self.digest.upper())())
                md.update(self.content or b"")
                self.signature_ok = md.finalize() == self.attrs.get("1.2.840.113549.1.9.4")
            except Exception:
                self.signature_ok = False

    def issued_certs(self, k):
        """Decrypt the SUCCESS envelope; returns (cipher, [certificates])."""
        alg, inner = open_envelope(self.content, k)
        d = cms.ContentInfo.load(inner)["content"]
        return alg, [x509.load_der_x509_certificate(c.chosen.dump())
                     for c in d["certificates"]]


# ------------------------------------------------------------ HTTP
class Server:
    """A running ndes-server (started by the test)."""

    def __init__(self, state):
        self.state = state
        with open(os.path.join(state, "port")) as f:
            self.port = int(f.read())
        self.base = "http://127.0.0.1:%d" % self.port
        self.ra_sign = load_pem(os.path.join(state, "ra-sign.pem"))
        self.ra_enc = load_pem(os.path.join(state, "ra-enc.pem"))
        self.issuing = load_pem(os.path.join(state, "issuing-ca.pem"))

    def request(self, method, target, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            c.request(method, target, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            c.close()

    def post_pki(self, msg):
        return self.request("POST", "/certsrv/mscep/mscep.dll?operation=PKIOperation",
                            msg, {"Content-Type": "application/x-pki-message"})

    def get_pki(self, msg):
        q = urllib.parse.quote(base64.b64encode(msg).decode(), safe="")
        return self.request("GET", "/certsrv/mscep/mscep.dll?operation=PKIOperation&message=" + q)

    def log(self):
        with open(os.path.join(self.state, "log.jsonl")) as f:
            return [json.loads(line) for line in f]

    def last_log(self, operation=None):
        for r in reversed(self.log()):
            if operation is None or r.get("operation") == operation:
                return r
        return None
