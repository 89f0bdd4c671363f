# SPDX-License-Identifier: GPL-3.0-or-later
"""PKCS#7 / CMS pieces the NDES stand-in needs: parse and verify a SCEP
pkiMessage, open its pkcsPKIEnvelope, build CertReps and envelopes.

Parsing uses asn1crypto; the CertRep is encoded by hand (a few TLVs) so that
its shape is exactly the one seen in a real NDES capture: SignedData v1,
SHA-1 digest, signerInfo with issuerAndSerialNumber and rsaEncryption,
authenticated attributes in DER (sorted) order, no signingTime.
"""

import hashlib
import os

from asn1crypto import cms, core, x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding as sympad
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.serialization import Encoding

# SCEP attribute OIDs (RFC 8894 section 3.2.1)
OID_MESSAGE_TYPE = "2.16.840.1.113733.1.9.2"
OID_PKI_STATUS = "2.16.840.1.113733.1.9.3"
OID_FAIL_INFO = "2.16.840.1.113733.1.9.4"
OID_SENDER_NONCE = "2.16.840.1.113733.1.9.5"
OID_RECIPIENT_NONCE = "2.16.840.1.113733.1.9.6"
OID_TRANSACTION_ID = "2.16.840.1.113733.1.9.7"
OID_FAIL_INFO_TEXT = "1.3.6.1.5.5.7.24.1"
# Microsoft: the HRESULT of a failed request as signed decimal text
OID_MS_SCEP_ERROR = "1.3.6.1.4.1.311.21.33"

OID_DATA = "1.2.840.113549.1.7.1"
OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_ENVELOPED_DATA = "1.2.840.113549.1.7.3"
OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
OID_SHA1 = "1.3.14.3.2.26"
OID_RSA = "1.2.840.113549.1.1.1"
OID_DES_EDE3_CBC = "1.2.840.113549.3.7"

HASHES = {
    "md5": hashes.MD5, "sha1": hashes.SHA1, "sha224": hashes.SHA224,
    "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512,
}

# content-encryption algorithms we can open: name -> (cipher factory, key len, block)
CIPHERS = {
    "1.3.14.3.2.7": ("des-cbc", 8),
    "1.2.840.113549.3.7": ("des-ede3-cbc", 24),
    "2.16.840.1.101.3.4.1.2": ("aes-128-cbc", 16),
    "2.16.840.1.101.3.4.1.22": ("aes-192-cbc", 24),
    "2.16.840.1.101.3.4.1.42": ("aes-256-cbc", 32),
}


class CmsError(Exception):
    """Malformed or unusable CMS structure."""


class NotForUs(CmsError):
    """The envelope has no recipient we hold a key for."""


# ---------------------------------------------------------------- DER bits
def _len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, content):
    return bytes([tag]) + _len(len(content)) + content


def seq(*parts):
    return tlv(0x30, b"".join(parts))


def set_of(parts, sort=True):
    # DER SET OF: elements sorted by their encodings
    return tlv(0x31, b"".join(sorted(parts) if sort else parts))


def oid(dotted):
    return core.ObjectIdentifier(dotted).dump()


def octets(b):
    return tlv(0x04, b)


def printable(s):
    return tlv(0x13, s.encode("ascii"))


def integer(n):
    return core.Integer(n).dump()


def ctx(n, content, constructed=True):
    return tlv((0xA0 if constructed else 0x80) | n, content)


def attribute(type_oid, value_der):
    return seq(oid(type_oid), set_of([value_der]))


def _alg(dotted, null=True):
    return seq(oid(dotted), b"\x05\x00" if null else b"")


def cert_der(cert):
    return cert.public_bytes(Encoding.DER)


def issuer_and_serial(cert):
    ac = ax509.Certificate.load(cert_der(cert))
    return seq(ac["tbs_certificate"]["issuer"].dump(),
               ac["tbs_certificate"]["serial_number"].dump())


# ------------------------------------------------------------- parsing
def octet_value(value):
    """Bytes inside an OCTET STRING (constructed or not)."""
    if value is None:
        return None
    if isinstance(value, core.Any):
        value = value.parse(spec=core.OctetString)
    return value.native if not isinstance(value, bytes) else value


class PkiMessage:
    """A parsed (not yet decrypted) SCEP pkiMessage."""

    def __init__(self):
        self.signer_cert = None       # cryptography Certificate
        self.signer_cert_der = None
        self.certs = []               # all certs carried (DER)
        self.digest = None            # e.g. "sha256"
        self.signature_ok = False
        self.signature_error = None
        self.attrs = {}               # oid -> (asn1 type name, python value)
        self.econtent = None          # bytes or None
        self.message_type = None
        self.transaction_id = None
        self.sender_nonce = None


def _attr_value(val):
    """(type name, python value) for an attribute value of unknown spec."""
    parsed = val.parse() if isinstance(val, core.Any) else val
    name = type(parsed).__name__
    try:
        native = parsed.native
    except Exception:  # pragma: no cover - odd encodings
        native = parsed.contents
    return name, native


def parse_pkimessage(der):
    """Parse a pkiMessage; raises CmsError when it is no usable SignedData.
    The signature verdict is recorded, not raised, so the caller can still
    answer with a CertRep carrying the transaction ID and nonce."""
    try:
        return _parse_pkimessage(der)
    except CmsError:
        raise
    except Exception as e:
        # asn1crypto parses lazily: damage may surface on any access
        raise CmsError("not a parsable pkiMessage: %s" % (
            str(e).splitlines()[0] if str(e) else type(e).__name__)) from e


def _parse_pkimessage(der):
    try:
        ci = cms.ContentInfo.load(der, strict=True)
        if ci["content_type"].dotted != OID_SIGNED_DATA:
            raise CmsError("content type %s, not signedData"
                           % ci["content_type"].dotted)
        sd = ci["content"]
        infos = sd["signer_infos"]
        if len(infos) != 1:
            raise CmsError("%d signerInfos, expected 1" % len(infos))
        si = infos[0]
        msg = PkiMessage()
        for c in sd["certificates"] or []:
            if c.name == "certificate":
                msg.certs.append(c.chosen.dump())
        eci = sd["encap_content_info"]
        if eci["content_type"].dotted != OID_DATA:
            raise CmsError("encapsulated content type %s, not data"
                           % eci["content_type"].dotted)
        msg.econtent = octet_value(eci["content"]) if eci["content"] else None
        signed_attrs = si["signed_attrs"]
        if not signed_attrs:
            raise CmsError("signerInfo has no authenticated attributes")
        for a in signed_attrs:
            t = a["type"].dotted
            vals = a["values"]
            if len(vals) != 1:
                raise CmsError("attribute %s has %d values" % (t, len(vals)))
            msg.attrs[t] = _attr_value(vals[0])
        msg.digest = si["digest_algorithm"]["algorithm"].native
        sid = si["sid"]
    except CmsError:
        raise
    except Exception as e:
        raise CmsError("not a parsable pkiMessage: %s" % e) from e

    mt = msg.attrs.get(OID_MESSAGE_TYPE)
    tx = msg.attrs.get(OID_TRANSACTION_ID)
    sn = msg.attrs.get(OID_SENDER_NONCE)
    msg.message_type = str(mt[1]) if mt else None
    msg.transaction_id = str(tx[1]) if tx else None
    msg.sender_nonce = sn[1] if sn and isinstance(sn[1], bytes) else None

    # find the signer's certificate among the ones carried
    for d in msg.certs:
        ac = ax509.Certificate.load(d)
        if sid.name == "issuer_and_serial_number":
            ias = sid.chosen
            if (ac.issuer.dump() == ias["issuer"].dump()
                    and ac.serial_number == ias["serial_number"].native):
                msg.signer_cert_der = d
                break
        else:
            if ac.key_identifier == sid.chosen.native:
                msg.signer_cert_der = d
                break
    if msg.signer_cert_der is None:
        msg.signature_error = "signer certificate not included in the message"
        return msg
    try:
        cert = x509.load_der_x509_certificate(msg.signer_cert_der)
        # the library parses lazily: touch what is used later
        cert.subject, cert.issuer, cert.public_key(), cert.signature_hash_algorithm
        msg.signer_cert = cert
    except Exception as e:
        msg.signature_error = "signer certificate unparsable: %s" % e
        return msg
    _verify_signer(msg, si, signed_attrs)
    return msg


def _verify_signer(msg, si, signed_attrs):
    halg = HASHES.get(msg.digest)
    if halg is None:
        msg.signature_error = "unsupported digest %s" % msg.digest
        return
    md = msg.attrs.get(OID_MESSAGE_DIGEST)
    content = msg.econtent or b""
    h = hashes.Hash(halg())
    h.update(content)
    if not md or md[1] != h.finalize():
        msg.signature_error = "messageDigest does not match the content"
        return
    # the signature covers the attributes re-tagged as a SET (RFC 5652 5.4)
    to_verify = tlv(0x31, signed_attrs.contents)
    sigalg = si["signature_algorithm"]["algorithm"].native
    sig_hash = halg
    for name, cls in HASHES.items():
        if sigalg.startswith(name + "_"):
            sig_hash = cls
    try:
        msg.signer_cert.public_key().verify(
            si["signature"].native, to_verify, padding.PKCS1v15(), sig_hash())
        msg.signature_ok = True
    except Exception as e:
        msg.signature_error = "signature does not verify (%s)" % (
            type(e).__name__)


def _read_tlv(data):
    """(tag byte, content, rest) of the first definite-length TLV."""
    if len(data) < 2:
        raise CmsError("truncated DER")
    tag, n = data[0], data[1]
    off = 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4 or len(data) < 2 + k:
            raise CmsError("unsupported DER length")
        n = int.from_bytes(data[2:2 + k], "big")
        off += k
    if len(data) < off + n:
        raise CmsError("truncated DER")
    return tag, data[off:off + n], data[off + n:]


def _implicit_octets(eci):
    """encryptedContent [0] IMPLICIT OCTET STRING, primitive or (BER, as Go's
    pkcs7 writes it) constructed from OCTET STRING segments."""
    _, body, _ = _read_tlv(eci.dump())
    _, _, rest = _read_tlv(body)          # contentType
    _, _, rest = _read_tlv(rest)          # contentEncryptionAlgorithm
    if not rest:
        return None
    tag, content, _ = _read_tlv(rest)
    if tag == 0x80:
        return content
    if tag != 0xA0:
        raise CmsError("unexpected encryptedContent tag 0x%02x" % tag)
    out = b""
    while content:
        t, seg, content = _read_tlv(content)
        if t != 0x04:
            raise CmsError("encryptedContent segment is not an OCTET STRING")
        out += seg
    return out


def _symmetric(oid_dotted, key, iv):
    name, _ = CIPHERS[oid_dotted]
    if name.startswith("aes"):
        algo = algorithms.AES(key)
    else:
        # single DES is 3DES with K1=K2=K3 (the library expands 8-byte keys)
        algo = algorithms.TripleDES(key)
    return Cipher(algo, modes.CBC(iv))


def decrypt_envelope(der, cert, key):
    """Open an EnvelopedData with (cert, key). Returns (plaintext, cipher
    name, list of recipient descriptions). Raises NotForUs when no
    recipientInfo names cert, CmsError for anything else."""
    try:
        ci = cms.ContentInfo.load(der, strict=True)
        if ci["content_type"].dotted != OID_ENVELOPED_DATA:
            raise CmsError("envelope content type %s, not envelopedData"
                           % ci["content_type"].dotted)
        ed = ci["content"]
        ac = ax509.Certificate.load(cert_der(cert))
        recipients, enc_key = [], None
        for ri in ed["recipient_infos"]:
            if ri.name != "ktri":
                recipients.append(ri.name)
                continue
            rid = ri.chosen["rid"]
            if rid.name == "issuer_and_serial_number":
                ias = rid.chosen
                recipients.append("%s #%x" % (ias["issuer"].human_friendly,
                                              ias["serial_number"].native))
                match = (ias["issuer"].dump() == ac.issuer.dump() and
                         ias["serial_number"].native == ac.serial_number)
            else:
                recipients.append("skid %s" % rid.chosen.native.hex())
                match = rid.chosen.native == ac.key_identifier
            if match and enc_key is None:
                enc_key = ri.chosen["encrypted_key"].native
        eci = ed["encrypted_content_info"]
        alg = eci["content_encryption_algorithm"]
        alg_oid = alg["algorithm"].dotted
        content = _implicit_octets(eci)
    except CmsError:
        raise
    except Exception as e:
        raise CmsError("envelope not parsable: %s" % e) from e
    if enc_key is None:
        raise NotForUs("encrypted to %s" % "; ".join(recipients))
    if alg_oid not in CIPHERS:
        raise CmsError("unsupported content cipher %s" % alg_oid)
    name, klen = CIPHERS[alg_oid]
    try:
        params = alg["parameters"]
        if isinstance(params, core.Any):
            params = params.parse(spec=core.OctetString)
        iv = params.native
        if not isinstance(iv, bytes) or len(iv) not in (8, 16):
            raise ValueError("IV")
    except Exception:
        raise CmsError("%s without a usable IV" % name)
    try:
        cek = key.decrypt(enc_key, padding.PKCS1v15())
    except Exception as e:
        raise CmsError("cannot decrypt the content key (%s)" % type(e).__name__)
    if len(cek) != klen:
        raise CmsError("content key of %d bytes for %s" % (len(cek), name))
    if not content:
        raise CmsError("envelope without encrypted content")
    try:
        d = _symmetric(alg_oid, cek, iv).decryptor()
        padded = d.update(content) + d.finalize()
        u = sympad.PKCS7(len(iv) * 8).unpadder()
        plain = u.update(padded) + u.finalize()
    except Exception as e:
        raise CmsError("content decryption failed (%s)" % type(e).__name__)
    return plain, name, recipients


def encrypt_envelope(plaintext, recipient_cert, garble=False):
    """EnvelopedData in des-ede3-cbc to one certificate (RSA PKCS#1 v1.5),
    as NDES builds the SUCCESS envelope. garble: the encryptedKey is random
    bytes instead, so the recipient cannot open it (a well-formed envelope
    that cannot be decrypted)."""
    cek = os.urandom(24)
    iv = os.urandom(8)
    p = sympad.PKCS7(64).padder()
    padded = p.update(plaintext) + p.finalize()
    e = Cipher(algorithms.TripleDES(cek), modes.CBC(iv)).encryptor()
    encrypted = e.update(padded) + e.finalize()
    ek = recipient_cert.public_key().encrypt(cek, padding.PKCS1v15())
    if garble:
        ek = os.urandom(len(ek))
    ktri = seq(integer(0), issuer_and_serial(recipient_cert),
               _alg(OID_RSA), octets(ek))
    eci = seq(oid(OID_DATA), seq(oid(OID_DES_EDE3_CBC), octets(iv)),
              ctx(0, encrypted, constructed=False))
    ed = seq(integer(0), set_of([ktri]), eci)
    return seq(oid(OID_ENVELOPED_DATA), ctx(0, ed))


def degenerate(certs_der):
    """certs-only SignedData (no signers), certificates in the given order."""
    sd = seq(integer(1), set_of([]), seq(oid(OID_DATA)),
             ctx(0, b"".join(certs_der)), set_of([]))
    return seq(oid(OID_SIGNED_DATA), ctx(0, sd))


def build_signed(content, attrs, signer_cert, signer_key, certs_der,
                 content_absent=False):
    """SignedData signed with SHA-1 / rsaEncryption over attrs (list of
    (oid, value DER)); contentType and messageDigest are added here."""
    digest = hashlib.sha1(content or b"").digest()
    all_attrs = [attribute(OID_CONTENT_TYPE, oid(OID_DATA)),
                 attribute(OID_MESSAGE_DIGEST, octets(digest))]
    all_attrs += [attribute(o, v) for o, v in attrs]
    signed_set = set_of(all_attrs)
    sig = signer_key.sign(signed_set, padding.PKCS1v15(), hashes.SHA1())
    signer_info = seq(integer(1), issuer_and_serial(signer_cert),
                      _alg(OID_SHA1), ctx(0, signed_set[_hdr(signed_set):]),
                      _alg(OID_RSA), octets(sig))
    if content_absent:
        eci = seq(oid(OID_DATA))
    else:
        eci = seq(oid(OID_DATA), ctx(0, octets(content)))
    parts = [integer(1), set_of([_alg(OID_SHA1)]), eci]
    if certs_der:
        parts.append(ctx(0, b"".join(certs_der)))
    parts.append(set_of([signer_info]))
    return seq(oid(OID_SIGNED_DATA), ctx(0, seq(*parts)))


def _hdr(der):
    """Length of the tag+length header of a DER TLV."""
    if der[1] < 0x80:
        return 2
    return 2 + (der[1] & 0x7F)
