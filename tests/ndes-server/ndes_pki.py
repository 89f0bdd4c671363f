# SPDX-License-Identifier: GPL-3.0-or-later
"""The stand-in's PKI, shaped like a small AD CS: root CA, subordinate issuing
CA (or one self-signed issuing CA with --single-ca), the two NDES RA
certificates (signing: EnrollmentAgentOffline, encryption: CEPEncryption)
and, with --tls, a web server certificate from the root.

Everything lives in the state directory (or a --pki directory that several
stand-ins share, like NDES servers behind a load balancer sharing their RA
certificates) and is reused on the next start.  Creating, loading and
re-issuing happen under an flock on PKIDIR/pki/lock, so instances started
at the same moment create one PKI and the others wait for it.
"""

import contextlib
import datetime
import fcntl
import ipaddress
import json
import os
import secrets

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID

# Microsoft: "Certificate Template Name" extension (v1 templates), BMPString
OID_MS_TEMPLATE_NAME = x509.ObjectIdentifier("1.3.6.1.4.1.311.20.2")
# Microsoft: Certificate Request Agent EKU carried by both NDES RA certs
OID_MS_ENROLLMENT_AGENT = x509.ObjectIdentifier("1.3.6.1.4.1.311.20.2.1")
# IP security IKE intermediate: the EKU of NDES's default IPSECIntermediateOffline
OID_IPSEC_IKE_INTERMEDIATE = x509.ObjectIdentifier("1.3.6.1.5.5.8.2.2")

UTC = datetime.timezone.utc


def now():
    return datetime.datetime.now(UTC)


def bmp_ext(text):
    """DER BMPString, the value of the template-name extension."""
    raw = text.encode("utf-16-be")
    return bytes([0x1E, len(raw)]) + raw


def name(*rdns):
    return x509.Name([x509.NameAttribute(o, v) for o, v in rdns])


def serial():
    # AD CS serials are long and random-looking; keep the top bit clear
    return int.from_bytes(secrets.token_bytes(16), "big") >> 1


def new_key(bits=2048):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _ski(builder, pub):
    return builder.add_extension(
        x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)


def _aki(builder, issuer_cert):
    return builder.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer_cert.public_key()), critical=False)


def _ca_cert(subject, key, issuer_name, issuer_key, issuer_cert, days, path_len):
    t = now()
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
         .public_key(key.public_key()).serial_number(serial())
         .not_valid_before(t - datetime.timedelta(minutes=10))
         .not_valid_after(t + datetime.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=True, path_length=path_len),
                        critical=True)
         .add_extension(x509.KeyUsage(
             digital_signature=True, content_commitment=False,
             key_encipherment=False, data_encipherment=False,
             key_agreement=False, key_cert_sign=True, crl_sign=True,
             encipher_only=False, decipher_only=False), critical=False))
    b = _ski(b, key.public_key())
    if issuer_cert is not None:
        b = _aki(b, issuer_cert)
    return b.sign(issuer_key, hashes.SHA256())


def _ra_cert(role, subject, key, ca_cert, ca_key, expired):
    """role 'sign' -> digitalSignature only, template EnrollmentAgentOffline;
    role 'enc' -> keyEncipherment only, template CEPEncryption."""
    t = now()
    if expired:
        nb, na = t - datetime.timedelta(days=730), t - datetime.timedelta(days=1)
    else:
        nb, na = t - datetime.timedelta(minutes=10), t + datetime.timedelta(days=730)
    ku = x509.KeyUsage(
        digital_signature=(role == "sign"), content_commitment=False,
        key_encipherment=(role == "enc"), data_encipherment=False,
        key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False)
    template = "EnrollmentAgentOffline" if role == "sign" else "CEPEncryption"
    b = (x509.CertificateBuilder().subject_name(subject)
         .issuer_name(ca_cert.subject).public_key(key.public_key())
         .serial_number(serial()).not_valid_before(nb).not_valid_after(na)
         .add_extension(x509.UnrecognizedExtension(
             OID_MS_TEMPLATE_NAME, bmp_ext(template)), critical=False)
         .add_extension(x509.ExtendedKeyUsage([OID_MS_ENROLLMENT_AGENT]),
                        critical=False)
         .add_extension(ku, critical=True))
    b = _ski(b, key.public_key())
    b = _aki(b, ca_cert)
    return b.sign(ca_key, hashes.SHA256())


def _write_key(path, key):
    data = key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def _write_cert(path, cert):
    with open(path + ".tmp", "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    os.replace(path + ".tmp", path)


def _read_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def _read_cert(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


class Pki:
    """Loads or creates the PKI in DIR/pki (keys) and DIR/*.pem (certs)."""

    def __init__(self, state_dir, single_ca=False, expired_ra=False,
                 ca_name="NDES Test Issuing CA", ra_name="NDES-TEST-MSCEP-RA",
                 key_bits=2048, fix_ra=True, pki_dir=None):
        """fix_ra=False (the `issue` subcommand, perhaps beside a running
        server): an existing PKI is loaded as it is, RA certs untouched.
        pki_dir: where the PKI lives (default state_dir); the certificate
        copies (root-ca.pem ...) go to both directories."""
        self.dir = pki_dir or state_dir
        self.copy_dirs = [self.dir]
        if state_dir and os.path.realpath(state_dir) != os.path.realpath(self.dir):
            self.copy_dirs.append(state_dir)
        self.kdir = os.path.join(self.dir, "pki")
        os.makedirs(self.kdir, mode=0o700, exist_ok=True)
        for d in self.copy_dirs:
            os.makedirs(d, exist_ok=True)
        with self.locked():
            self._init(state_dir, single_ca, expired_ra, ca_name, ra_name,
                       key_bits, fix_ra)

    @contextlib.contextmanager
    def locked(self):
        """flock on PKIDIR/pki/lock: one process creates or changes the PKI
        files at a time (other stand-ins sharing the directory wait)."""
        with open(os.path.join(self.kdir, "lock"), "a") as lf:
            fcntl.flock(lf, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lf, fcntl.LOCK_UN)

    def _init(self, state_dir, single_ca, expired_ra, ca_name, ra_name,
              key_bits, fix_ra):
        meta_path = os.path.join(self.kdir, "pki.json")
        if os.path.exists(meta_path):
            with open(meta_path) as f:
                meta = json.load(f)
            if not fix_ra:
                single_ca = meta.get("single_ca", False)
            if meta.get("single_ca") != single_ca:
                raise SystemExit(
                    "ndes-server: PKI %s was created %s --single-ca; use a "
                    "new --state (or --pki) directory" % (
                        self.dir, "with" if meta.get("single_ca") else "without"))
            self._load()
        else:
            self._create(single_ca, ca_name, ra_name, key_bits)
            # written last: its presence means the PKI is complete
            with open(meta_path + ".tmp", "w") as f:
                json.dump({"single_ca": single_ca, "created": now().isoformat()}, f)
            os.replace(meta_path + ".tmp", meta_path)
        self.single_ca = single_ca
        if fix_ra:
            self._fix_ra_validity(expired_ra)
        else:
            self._write_copies()

    def _p(self, n):
        return os.path.join(self.kdir, n)

    def _create(self, single_ca, ca_name, ra_name, bits):
        if single_ca:
            self.issuing_key = new_key(bits)
            sub = name((NameOID.DOMAIN_COMPONENT, "test"),
                       (NameOID.DOMAIN_COMPONENT, "example"),
                       (NameOID.COMMON_NAME, ca_name))
            self.issuing_cert = _ca_cert(sub, self.issuing_key, sub,
                                         self.issuing_key, None, 3650, None)
            self.root_key, self.root_cert = self.issuing_key, self.issuing_cert
        else:
            self.root_key = new_key(bits)
            rsub = name((NameOID.DOMAIN_COMPONENT, "test"),
                        (NameOID.DOMAIN_COMPONENT, "example"),
                        (NameOID.COMMON_NAME, "NDES Test Root CA"))
            self.root_cert = _ca_cert(rsub, self.root_key, rsub, self.root_key,
                                      None, 7300, None)
            self.issuing_key = new_key(bits)
            isub = name((NameOID.DOMAIN_COMPONENT, "test"),
                        (NameOID.DOMAIN_COMPONENT, "example"),
                        (NameOID.COMMON_NAME, ca_name))
            self.issuing_cert = _ca_cert(isub, self.issuing_key, rsub,
                                         self.root_key, self.root_cert, 3650, 0)
        ra_sub = name((NameOID.COUNTRY_NAME, "US"), (NameOID.COMMON_NAME, ra_name))
        self.ra_sign_key = new_key(bits)
        self.ra_enc_key = new_key(bits)
        self.ra_sign_cert = _ra_cert("sign", ra_sub, self.ra_sign_key,
                                     self.issuing_cert, self.issuing_key, False)
        self.ra_enc_cert = _ra_cert("enc", ra_sub, self.ra_enc_key,
                                    self.issuing_cert, self.issuing_key, False)
        for n in ("root", "issuing", "ra-sign", "ra-enc"):
            _write_key(self._p(n + ".key"), getattr(self, n.replace("-", "_") + "_key"))
        self._write_certs()

    def _write_certs(self):
        _write_cert(self._p("root.pem"), self.root_cert)
        _write_cert(self._p("issuing.pem"), self.issuing_cert)
        _write_cert(self._p("ra-sign.pem"), self.ra_sign_cert)
        _write_cert(self._p("ra-enc.pem"), self.ra_enc_cert)
        self._write_copies()

    def _write_copies(self):
        # copies at the top of the PKI and state dirs, for tests and humans
        for d in self.copy_dirs:
            _write_cert(os.path.join(d, "root-ca.pem"), self.root_cert)
            _write_cert(os.path.join(d, "issuing-ca.pem"), self.issuing_cert)
            _write_cert(os.path.join(d, "ra-sign.pem"), self.ra_sign_cert)
            _write_cert(os.path.join(d, "ra-enc.pem"), self.ra_enc_cert)

    def _load(self):
        self.root_key = _read_key(self._p("root.key"))
        self.issuing_key = _read_key(self._p("issuing.key"))
        self.ra_sign_key = _read_key(self._p("ra-sign.key"))
        self.ra_enc_key = _read_key(self._p("ra-enc.key"))
        self.root_cert = _read_cert(self._p("root.pem"))
        self.issuing_cert = _read_cert(self._p("issuing.pem"))
        self.ra_sign_cert = _read_cert(self._p("ra-sign.pem"))
        self.ra_enc_cert = _read_cert(self._p("ra-enc.pem"))

    def _fix_ra_validity(self, expired):
        """--expired-ra re-issues the RA certs (same keys) already expired;
        without it, expired RA certs are re-issued valid."""
        is_expired = self.ra_sign_cert.not_valid_after.replace(tzinfo=UTC) < now()
        if is_expired == expired:
            self._write_certs()
            return
        sub = self.ra_sign_cert.subject
        self.ra_sign_cert = _ra_cert("sign", sub, self.ra_sign_key,
                                     self.issuing_cert, self.issuing_key, expired)
        self.ra_enc_cert = _ra_cert("enc", sub, self.ra_enc_key,
                                    self.issuing_cert, self.issuing_key, expired)
        self._write_certs()

    def ra_expired(self):
        """True when either RA certificate is outside its validity."""
        t = now()
        for c in (self.ra_sign_cert, self.ra_enc_cert):
            if not (c.not_valid_before.replace(tzinfo=UTC) <= t
                    <= c.not_valid_after.replace(tzinfo=UTC)):
                return True
        return False

    def ca_chain(self):
        """Issuing CA first, then its parents."""
        if self.single_ca:
            return [self.issuing_cert]
        return [self.issuing_cert, self.root_cert]

    def tls_files(self):
        """(cert chain path, key path) of the web server certificate for
        localhost and 127.0.0.1, issued by the root; created once."""
        with self.locked():
            return self._tls_files()

    def _tls_files(self):
        cp, kp = self._p("tls.pem"), self._p("tls.key")
        if not (os.path.exists(cp) and os.path.exists(kp)):
            key = new_key(2048)
            t = now()
            b = (x509.CertificateBuilder()
                 .subject_name(name((NameOID.COMMON_NAME, "localhost")))
                 .issuer_name(self.root_cert.subject).public_key(key.public_key())
                 .serial_number(serial())
                 .not_valid_before(t - datetime.timedelta(minutes=10))
                 .not_valid_after(t + datetime.timedelta(days=825))
                 .add_extension(x509.SubjectAlternativeName([
                     x509.DNSName("localhost"),
                     x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                     critical=False)
                 .add_extension(x509.ExtendedKeyUsage(
                     [ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                 .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                                critical=True))
            b = _aki(_ski(b, key.public_key()), self.root_cert)
            cert = b.sign(self.root_key, hashes.SHA256())
            # key first: a reader that sees tls.pem finds its key too
            _write_key(kp, key)
            _write_cert(cp, cert)
        return cp, kp

    def issued_by_us(self, cert):
        """True when cert's signature verifies with the issuing CA's key."""
        if cert.issuer != self.issuing_cert.subject:
            return False
        try:
            # (cryptography 38 has no verify_directly_issued_by)
            self.issuing_cert.public_key().verify(
                cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                cert.signature_hash_algorithm)
            return True
        except Exception:
            return False


def validity(days, minutes):
    """Lifetime of an issued certificate: minutes when set, else days."""
    if minutes:
        return datetime.timedelta(minutes=minutes)
    return datetime.timedelta(days=days)


def issue_leaf(pki, req, tname, lifetime, backdate_minutes):
    """An end-entity certificate from the issuing CA for CSR req (a
    cryptography CertificateSigningRequest): subject and subjectAltName (all
    name types) from the CSR, keyUsage and EKU from the CSR (defaults:
    digitalSignature+keyEncipherment and IPsec IKE intermediate, as NDES's
    default IPSECIntermediateOffline), the template-name extension, random
    serial. notBefore lies backdate_minutes in the past (AD CS backdates by
    10 minutes for clock skew; certmonger renews only certificates whose
    notBefore is over an hour old, so a test can backdate more)."""
    t = now()
    b = (x509.CertificateBuilder().subject_name(req.subject)
         .issuer_name(pki.issuing_cert.subject).public_key(req.public_key())
         .serial_number(serial())
         .not_valid_before(t - datetime.timedelta(minutes=backdate_minutes))
         .not_valid_after(t + lifetime)
         .add_extension(x509.UnrecognizedExtension(
             OID_MS_TEMPLATE_NAME, bmp_ext(tname)), critical=False))
    exts = {}
    try:
        for e in req.extensions:
            exts[e.oid] = e
    except Exception:
        pass
    san = exts.get(x509.oid.ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    if san is not None:
        b = b.add_extension(san.value, critical=san.critical)
    ku = exts.get(x509.oid.ExtensionOID.KEY_USAGE)
    if ku is not None:
        b = b.add_extension(ku.value, critical=True)
    else:
        b = b.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False,
            key_encipherment=True, data_encipherment=False,
            key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
    eku = exts.get(x509.oid.ExtensionOID.EXTENDED_KEY_USAGE)
    if eku is not None:
        b = b.add_extension(eku.value, critical=False)
    else:
        b = b.add_extension(x509.ExtendedKeyUsage(
            [OID_IPSEC_IKE_INTERMEDIATE]), critical=False)
    b = _ski(b, req.public_key())
    b = _aki(b, pki.issuing_cert)
    return b.sign(pki.issuing_key, hashes.SHA256())


def issued_meta(cert, tname, **extra):
    """What DIR/issued/SERIAL.json records about an issued certificate."""
    meta = {"template": tname, "subject": cert.subject.rfc4514_string(),
            "not_before": cert.not_valid_before.isoformat() + "Z",
            "not_after": cert.not_valid_after.isoformat() + "Z"}
    meta.update(extra)
    return meta
