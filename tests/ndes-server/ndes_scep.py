# SPDX-License-Identifier: GPL-3.0-or-later
"""PKIOperation as NDES does it: verify, decrypt with the encryption RA,
check the one-time password (or accept a renewal), pick a template by
keyUsage, ask the "CA" (issue, pend or refuse) and answer with a CertRep
signed by the signing RA using SHA-1.

Outcomes NDES reports through failInfo plus the Microsoft HRESULT attribute
(1.3.6.1.4.1.311.21.33); see README.md for the table this module follows.
"""

import base64
import os
import random
import string
import traceback

from asn1crypto import csr as acsr, core, x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import ndes_cms as C
import ndes_pki

STATUS = {"SUCCESS": "0", "FAILURE": "2", "PENDING": "3"}
FAIL_INFO = {"badAlg": "0", "badMessageCheck": "1", "badRequest": "2",
             "badTime": "3", "badCertId": "4"}

# HRESULTs (see ../shared/reference/ndes.md and README.md)
E_INVALIDARG = 0x80070057
NTE_BAD_DATA = 0x80090005             # cannot decrypt the client's PKCS7
NTE_BAD_SIGNATURE = 0x80090006
CERT_E_WRONG_USAGE = 0x800B0110       # password already used
TRUST_E_CERT_SIGNATURE = 0x80096004   # password required, none supplied
ERROR_NOT_FOUND = 0x80070490          # password unknown or expired
CERTSRV_E_BAD_REQUESTSUBJECT = 0x80094001
CERTSRV_E_PROPERTY_EMPTY = 0x80094004  # no request with that transaction ID
CERTSRV_E_ADMIN_DENIED_REQUEST = 0x80094014
RPC_S_SERVER_UNAVAILABLE = 0x800706BA
CERTSRV_E_KEY_LENGTH = 0x80094811

MESSAGE_TYPES = {"3": "CertRep", "17": "RenewalReq", "19": "PKCSReq",
                 "20": "CertPoll", "21": "GetCert", "22": "GetCRL"}

PRINTABLE = set(string.ascii_letters + string.digits + " '()+,-./:=?")

# stands for "certificates" in a SUCCESS reply whose envelope the client
# cannot open (AES requests, RFC 8894 3.5.2)
GARBLED = object()


def hresult_text(h):
    """Signed decimal, as NDES writes it: 0x80070057 -> "-2147024809"."""
    return str(h - (1 << 32) if h & 0x80000000 else h)


def _csr_info(der):
    """(subject DER, set of SAN GeneralName DERs) of a PKCS#10 request."""
    info = acsr.CertificationRequest.load(der)["certification_request_info"]
    sans = set()
    for attr in info["attributes"]:
        if attr["type"].native != "extension_request":
            continue
        for exts in attr["values"]:
            for e in exts:
                if e["extn_id"].native == "subject_alt_name":
                    sans |= {g.dump() for g in e["extn_value"].parsed}
    return info["subject"].dump(), sans


def renewal_mismatch(csr_der, cert):
    """Which of "subject", "subjectAltName" differ between a CSR and the
    certificate that signed the request (DER names; SANs as a set)."""
    subject, sans = _csr_info(csr_der)
    ac = ax509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    cert_sans = {g.dump() for g in (ac.subject_alt_name_value or [])}
    out = []
    if subject != ac.subject.dump():
        out.append("subject")
    if sans != cert_sans:
        out.append("subjectAltName")
    return out


def name_str(n):
    try:
        return n.rfc4514_string()
    except Exception:
        return repr(n)


class Failure(Exception):
    def __init__(self, fail_info, hresult, text):
        super().__init__(text)
        self.fail_info = fail_info
        self.hresult = hresult
        self.text = text


class NoCertRep(Exception):
    """NDES answers with no CertRep at all (IIS "HTTP Error 500.0"); the
    HRESULT is what NDES logs, for our log only."""

    def __init__(self, hresult, text):
        super().__init__(text)
        self.hresult = hresult
        self.text = text


class Scep:
    def __init__(self, cfg, pki, state):
        self.cfg = cfg
        self.pki = pki
        self.state = state

    # ------------------------------------------------------------ entry
    def pkioperation(self, der, rec):
        """Returns (http status, content type, body); fills rec (log)."""
        try:
            msg = C.parse_pkimessage(der)
        except C.CmsError as e:
            # nothing to answer a CertRep to (no transactionID / nonce)
            rec.update(error=str(e), pki_status=None)
            return 500, "text/plain", b"pkiMessage could not be parsed\r\n"
        rec.update(message_type=msg.message_type,
                   message_type_name=MESSAGE_TYPES.get(msg.message_type),
                   transaction_id=msg.transaction_id, digest=msg.digest,
                   sender_nonce=msg.sender_nonce.hex() if msg.sender_nonce else None)
        if msg.signer_cert is not None:
            rec.update(signer_subject=name_str(msg.signer_cert.subject),
                       signer_issuer=name_str(msg.signer_cert.issuer))
        if not msg.transaction_id:
            rec.update(error="no transactionID", pki_status=None)
            return 500, "text/plain", b"pkiMessage without transactionID\r\n"
        if self.pki.ra_expired() and not self.cfg.expired_ra_works:
            # the classic NDES outage: PKIOperation answers IIS's "HTTP
            # Error 500.0" while GetCACert still serves the expired certs
            # (../shared/reference/ndes.md, "When NDES sends no CertRep")
            rec.update(error="RA certificates expired: NDES cannot sign or "
                       "decrypt", pki_status=None)
            return 500, "text/plain", b"RA certificates expired\r\n"
        try:
            status, envelope_to, content = self._dispatch(msg, rec)
            return self._reply(msg, rec, status, None, None, envelope_to, content)
        except NoCertRep as e:
            rec.update(error=e.text, pki_status=None,
                       hresult="0x%08X" % e.hresult)
            return 500, "text/plain", b"no CertRep\r\n"
        except Failure as f:
            rec.update(error=f.text)
            return self._reply(msg, rec, "FAILURE", f.fail_info, f.hresult,
                               None, None)
        except Exception as e:
            # damaged input met somewhere unexpected (or a bug: the traceback
            # is logged); the client still gets a well-formed FAILURE
            rec.update(error="unexpected: %s" % e,
                       traceback=traceback.format_exc())
            return self._reply(msg, rec, "FAILURE", "badRequest", E_INVALIDARG,
                               None, None)

    def _dispatch(self, msg, rec):
        if not msg.signature_ok:
            raise Failure("badMessageCheck", NTE_BAD_SIGNATURE,
                          "request signature: %s" % msg.signature_error)
        if msg.sender_nonce is None or len(msg.sender_nonce) != 16:
            raise Failure("badMessageCheck", E_INVALIDARG,
                          "senderNonce missing or not 16 bytes")
        mt = msg.message_type
        if mt not in ("17", "19", "20"):
            raise Failure("badRequest", E_INVALIDARG,
                          "messageType %s not supported" % mt)
        plain = self._open(msg, rec)
        rec["signer_kind"] = kind = self._signer_kind(msg.signer_cert)
        if rec["envelope_cipher"].startswith("aes") and not self.cfg.aes_ok:
            # RFC 8894 3.5.2: this server family answers AES requests with
            # "an invalid response that can't be decrypted". Our rendering
            # (unverified): nothing is checked, consumed or issued; a
            # SUCCESS whose envelope key is garbage
            rec["error"] = ("request envelope in %s: answered with an "
                            "envelope the client cannot decrypt (RFC 8894 "
                            "3.5.2)" % rec["envelope_cipher"])
            return "SUCCESS", msg.signer_cert, GARBLED
        if mt == "20":
            return self._certpoll(msg, plain, rec)
        return self._enroll(msg, plain, kind, rec)

    # ------------------------------------------------------------ pieces
    def _open(self, msg, rec):
        """Decrypt the pkcsPKIEnvelope with the ENCRYPTION RA key only."""
        if not msg.econtent:
            raise Failure("badRequest", E_INVALIDARG, "no pkcsPKIEnvelope")
        try:
            plain, cipher, recips = C.decrypt_envelope(
                msg.econtent, self.pki.ra_enc_cert, self.pki.ra_enc_key)
        except C.NotForUs as e:
            rec["envelope_recipients"] = str(e)
            self._undecryptable(e)
        except C.CmsError as e:
            self._undecryptable(e)
        rec["envelope_cipher"] = cipher
        rec["envelope_recipients"] = len(recips)
        return plain

    def _undecryptable(self, e):
        """NDES logs 0x80090005 "cannot decrypt the client's PKCS7 message";
        the client got no x-pki-message reply in sscep #60, hence HTTP 500
        by default; `--undecryptable certrep` answers FAILURE instead."""
        text = "cannot decrypt the client's PKCS7 message: %s" % e
        if self.cfg.undecryptable == "certrep":
            raise Failure("badMessageCheck", NTE_BAD_DATA, text)
        raise NoCertRep(NTE_BAD_DATA, text)

    def _signer_kind(self, cert):
        if self.pki.issued_by_us(cert):
            t = ndes_pki.now()
            nb = cert.not_valid_before.replace(tzinfo=ndes_pki.UTC)
            na = cert.not_valid_after.replace(tzinfo=ndes_pki.UTC)
            if cert.serial_number in (self.pki.ra_sign_cert.serial_number,
                                      self.pki.ra_enc_cert.serial_number):
                return "ndes-ra"
            return "issued-valid" if nb <= t <= na else "issued-expired"
        if cert.issuer == cert.subject:
            try:
                cert.public_key().verify(
                    cert.signature, cert.tbs_certificate_bytes,
                    padding.PKCS1v15(),
                    cert.signature_hash_algorithm)
                return "self-signed"
            except Exception:
                return "other"
        return "other"

    def _renewal(self, plain, signer, kind, rec):
        """(renewal?, mismatch list). A request signed by a currently valid
        certificate of this CA renews without a password, but only for the
        same subject and subjectAltName set: Windows' own client copies
        them from the old certificate "as otherwise NDES would deny the
        request if there is a mismatch" (../shared/reference/ndes.md,
        Renewal). A mismatch makes it a new enrolment."""
        cfg = self.cfg
        if kind != "issued-valid" or cfg.refuse_renewal:
            return False, []
        if cfg.lenient_renewal:
            return True, []
        mismatch = renewal_mismatch(plain, signer)
        if mismatch:
            rec["renewal_mismatch"] = mismatch
        return not mismatch, mismatch

    def _password(self, cp, renewal, mismatch, rec):
        cfg = self.cfg
        rec["renewal"] = renewal
        if renewal:
            if cp is None or cfg.ignore_renewal_password or not cfg.enforce_password:
                rec["password"] = "not-needed-renewal"
                return
            # what NDES does with a password in a renewal is unknown; our
            # choice (unverified): it is checked and consumed like any other
            self._check_password(cp, rec)
            return
        if not cfg.enforce_password:
            rec["password"] = "not-enforced"
            return
        if cp is None:
            rec["password"] = "missing"
            if mismatch:
                # our choice (unverified): the CA-side subject error
                raise Failure("badRequest", CERTSRV_E_BAD_REQUESTSUBJECT,
                              "not a renewal: the request's %s differs from "
                              "the signing certificate's, and it carries no "
                              "challenge password" % " and ".join(mismatch))
            raise Failure("badMessageCheck", TRUST_E_CERT_SIGNATURE,
                          "challenge password required, none supplied")
        self._check_password(cp, rec)

    def _check_password(self, cp, rec):
        cfg = self.cfg
        if cfg.single_password is not None:
            if cp == cfg.single_password:
                rec["password"] = "ok-single"
                return
            rec["password"] = "unknown"
            raise Failure("badMessageCheck", ERROR_NOT_FOUND,
                          "challenge password does not match")
        outcome = self.state.check_password(cp, cfg.password_validity)
        rec["password"] = outcome
        if outcome == "ok":
            return
        if outcome == "reused":
            # KB 959193: NDES removes a password from its cache once used,
            # so a reused one looks unknown (0x80070490); the
            # CERT_E_WRONG_USAGE reading is kept behind a switch
            h = (CERT_E_WRONG_USAGE if cfg.reused_password_hresult == "wrong-usage"
                 else ERROR_NOT_FOUND)
            raise Failure("badMessageCheck", h, "challenge password already used")
        raise Failure("badMessageCheck", ERROR_NOT_FOUND,
                      "challenge password %s" % outcome)

    def _replay(self, msg, rec):
        """The certificate already issued under this transactionID, or None.
        An sscep user re-sending a request with the same transactionID got
        the existing certificate back from MSCEP, same serial and dates
        (sscep #189); whoever signed it, no password checked."""
        found = self.state.find_issued(msg.transaction_id)
        rec["txid_known"] = found is not None
        rec["replayed"] = False
        if found is None or not self.cfg.txid_replay:
            return None
        # NDES asks the CA for the request's certificate (our reading)
        self._ca_reachable()
        serial, pem = found
        rec.update(replayed=True, issued_serial=serial,
                   password="not-checked-replay")
        return x509.load_pem_x509_certificate(pem)

    def _ca_reachable(self):
        if self.cfg.ca_unreachable:
            raise Failure("badRequest", RPC_S_SERVER_UNAVAILABLE,
                          "the CA cannot be reached (RPC server unavailable)")

    def _parse_csr(self, der, rec):
        try:
            req = x509.load_der_x509_csr(der)
            areq = acsr.CertificationRequest.load(der, strict=True)
        except Exception as e:
            raise Failure("badRequest", E_INVALIDARG,
                          "envelope content is no PKCS#10 request: %s" % e)
        if not req.is_signature_valid:
            raise Failure("badMessageCheck", NTE_BAD_SIGNATURE,
                          "PKCS#10 signature does not verify")
        cp, cp_type = None, None
        try:
            for attr in areq["certification_request_info"]["attributes"]:
                if attr["type"].dotted == "1.2.840.113549.1.9.7":
                    v = attr["values"][0]
                    v = v.chosen if hasattr(v, "chosen") else v
                    cp_type = type(v).__name__
                    cp = v.native
        except Exception as e:
            raise Failure("badRequest", E_INVALIDARG,
                          "PKCS#10 attributes unreadable: %s" % e)
        rec["password_type"] = cp_type
        rec["csr_subject"] = name_str(req.subject)
        return req, cp

    def _template(self, req, rec):
        try:
            ku = req.extensions.get_extension_for_class(x509.KeyUsage).value
            ds, ke = ku.digital_signature, ku.key_encipherment
        except x509.ExtensionNotFound:
            ds = ke = None
        except Exception:
            ds = ke = None
        if ds and not ke:
            role, tname = "SignatureTemplate", self.cfg.signature_template
        elif ke and not ds:
            role, tname = "EncryptionTemplate", self.cfg.encryption_template
        else:
            role, tname = "GeneralPurposeTemplate", self.cfg.general_template
        rec.update(template_role=role, template=tname)
        return tname

    def _ca_checks(self, req, rec):
        """What the CA (not NDES) decides: reachable, key size, subject."""
        self._ca_reachable()
        pub = req.public_key()
        if isinstance(pub, rsa.RSAPublicKey):
            rec["key_bits"] = pub.key_size
            if pub.key_size < self.cfg.min_key_bits:
                raise Failure("badRequest", CERTSRV_E_KEY_LENGTH,
                              "public key of %d bits, template needs %d"
                              % (pub.key_size, self.cfg.min_key_bits))
        else:
            rec["key_type"] = type(pub).__name__
        has_san = True
        try:
            req.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        except Exception:
            has_san = False
        if len(req.subject) == 0 and not has_san:
            raise Failure("badRequest", CERTSRV_E_BAD_REQUESTSUBJECT,
                          "empty subject and no subjectAltName")

    def _enroll(self, msg, plain, kind, rec):
        req, cp = self._parse_csr(plain, rec)
        old = self._replay(msg, rec)
        if old is not None:
            return "SUCCESS", msg.signer_cert, self._envelope_certs(old)
        renewal, mismatch = self._renewal(plain, msg.signer_cert, kind, rec)
        self._password(cp, renewal, mismatch, rec)
        tname = self._template(req, rec)
        self._ca_checks(req, rec)
        if self.cfg.pending:
            self.state.save_pending(msg.transaction_id, {
                "csr": base64.b64encode(plain).decode(),
                "template": tname,
                "subject": name_str(req.subject),
                "signer_subject": name_str(msg.signer_cert.subject),
                "signer_cert": base64.b64encode(msg.signer_cert_der).decode(),
            })
            return "PENDING", None, None
        cert = self.issue(req, tname, msg.transaction_id)
        rec["issued_serial"] = "%x" % cert.serial_number
        return "SUCCESS", msg.signer_cert, self._envelope_certs(cert)

    def _certpoll(self, msg, plain, rec):
        try:
            ias = core.Sequence.load(plain, strict=True)
            issuer_der, subject_der = ias[0].dump(), ias[1].dump()
        except Exception as e:
            raise Failure("badRequest", E_INVALIDARG,
                          "CertPoll content is no IssuerAndSubject: %s" % e)
        ca_subject = self.pki.issuing_cert.subject.public_bytes()
        rec["certpoll_issuer_ok"] = issuer_der == ca_subject
        if issuer_der != ca_subject and not self.cfg.lenient_certpoll:
            raise Failure("badCertId", E_INVALIDARG,
                          "CertPoll issuer is not the issuing CA's subject")
        pend = self.state.load_pending(msg.transaction_id)
        if pend is None:
            raise Failure("badCertId", CERTSRV_E_PROPERTY_EMPTY,
                          "no request with this transactionID")
        try:
            req = x509.load_der_x509_csr(base64.b64decode(pend["csr"]))
            rec["certpoll_subject_ok"] = (
                subject_der == req.subject.public_bytes())
        except Exception:
            req = None
        rec["template"] = pend.get("template")
        if pend["status"] == "pending":
            return "PENDING", None, None
        if pend["status"] == "denied":
            raise Failure("badRequest", CERTSRV_E_ADMIN_DENIED_REQUEST,
                          "request denied by a CA manager")
        # approved: issue once, hand out the same certificate on later polls
        if pend.get("issued"):
            cert = x509.load_pem_x509_certificate(pend["issued"].encode())
        else:
            cert = self.issue(req, pend["template"], msg.transaction_id)
            self.state.update_pending(
                msg.transaction_id, status="issued",
                issued=cert.public_bytes(serialization.Encoding.PEM).decode())
        rec["issued_serial"] = "%x" % cert.serial_number
        return "SUCCESS", msg.signer_cert, self._envelope_certs(cert)

    # ------------------------------------------------------------ CA
    def issue(self, req, tname, txid):
        cfg = self.cfg
        cert = ndes_pki.issue_leaf(
            self.pki, req, tname, ndes_pki.validity(cfg.cert_days, cfg.cert_minutes),
            cfg.backdate_minutes)
        self.state.save_issued("%x" % cert.serial_number,
                               cert.public_bytes(serialization.Encoding.PEM),
                               ndes_pki.issued_meta(cert, tname,
                                                    transaction_id=txid))
        return cert

    def _envelope_certs(self, cert):
        """Certificates for the SUCCESS envelope's degenerate SignedData."""
        mode = self.cfg.envelope_certs
        issued = C.cert_der(cert)
        if mode == "issued-only":
            return [issued]
        chain = [C.cert_der(c) for c in self.pki.ca_chain()]
        if mode == "issued-first":
            return [issued] + chain
        certs = [issued] + chain
        random.shuffle(certs)
        return certs

    # ------------------------------------------------------------ reply
    def _reply(self, msg, rec, status, fail_info, hresult, envelope_to, certs):
        pki = self.pki
        tx = msg.transaction_id
        tx_der = (C.printable(tx) if set(tx) <= PRINTABLE
                  else C.tlv(0x0C, tx.encode()))
        attrs = [(C.OID_MESSAGE_TYPE, C.printable("3")),
                 (C.OID_PKI_STATUS, C.printable(STATUS[status])),
                 (C.OID_TRANSACTION_ID, tx_der),
                 (C.OID_SENDER_NONCE, C.octets(os.urandom(16)))]
        if msg.sender_nonce is not None:
            attrs.append((C.OID_RECIPIENT_NONCE, C.octets(msg.sender_nonce)))
        if status == "FAILURE":
            attrs.append((C.OID_FAIL_INFO, C.printable(FAIL_INFO[fail_info])))
            attrs.append((C.OID_MS_SCEP_ERROR, C.printable(hresult_text(hresult))))
        rec.update(pki_status=status, fail_info=fail_info,
                   hresult=("0x%08X" % hresult) if hresult is not None else None)
        absent = False
        if status == "SUCCESS":
            try:
                if certs is GARBLED:
                    content = C.encrypt_envelope(os.urandom(64), envelope_to,
                                                 garble=True)
                else:
                    content = C.encrypt_envelope(C.degenerate(certs), envelope_to)
            except Exception as e:
                # e.g. a non-RSA request signer: nothing to encrypt to
                rec["error"] = "cannot encrypt the reply: %s" % e
                return self._reply(msg, rec, "FAILURE", "badAlg", E_INVALIDARG,
                                   None, None)
        else:
            # NDES's FAILURE eContent is one 0x00 byte (real capture)
            content = b"\x00"
            absent = self.cfg.empty_content == "absent"
        mode = self.cfg.certrep_certs
        if mode == "always" or (mode == "ndes" and status != "FAILURE"):
            rep_certs = [C.cert_der(pki.ra_sign_cert), C.cert_der(pki.issuing_cert)]
        else:
            rep_certs = []
        body = C.build_signed(None if absent else content, attrs,
                              pki.ra_sign_cert, pki.ra_sign_key, rep_certs,
                              content_absent=absent)
        return 200, "application/x-pki-message", body
