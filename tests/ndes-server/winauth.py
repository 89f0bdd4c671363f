# SPDX-License-Identifier: GPL-3.0-or-later
"""IIS-like Windows Authentication (Negotiate, NTLM, optional Basic) for the
NDES stand-in's admin page (/certsrv/mscep_admin/).

    from winauth import WindowsAuth
    auth = WindowsAuth(users={"EXAMPLE\\alice": "Secr3t!"}, keytab=path_or_None)
    res = auth.authenticate(handler)   # http.server.BaseHTTPRequestHandler
    if res is None:
        return                         # a complete 401 was sent
    res.user      # "EXAMPLE\\alice" (the configured spelling)
    res.headers   # [(name, value)] to add to the 200 response
    res.method    # "NTLM" (also NTLMSSP in SPNEGO), "Negotiate" or "Basic"
    auth.channel_binding_of(handler)   # what EPA saw (also after a 401)

Call authenticate() before reading the request body: on a 401 it drains a
Content-Length body (up to 1 MiB) so that the keep-alive connection, which
carries the NTLM handshake, stays usable.

Behaviour follows IIS with the providers "Negotiate, NTLM" and Basic off:
- No credentials: 401 with "WWW-Authenticate: Negotiate" and "... NTLM".
- NTLM (MS-NLMP): Type 1 -> 401 "NTLM <Type 2>" with a random challenge and
  target info (which makes libcurl answer NTLMv2); Type 3 -> NTLMv2 verified
  against the configured password.  NTLMv1, NTLM2-session and LM-only
  answers are refused, as modern Windows does.  The challenge lives on the
  handler, i.e. on the TCP connection (http.server makes one handler per
  connection), and is used once.  A raw NTLMSSP token sent with the
  "Negotiate" scheme is handled the same way (Windows clients do that).
  The MIC is not checked.
- Extended Protection for Authentication (channel binding, IIS'
  "extendedProtection tokenChecking"): with channel_binding=APPDATA (the
  RFC 5929 tls-server-end-point application data of the server's TLS
  certificate, see tls_server_end_point()) and epa "accept" (IIS "Allow",
  Windows Server 2025's default) or "required" (IIS "Require"):
  NTLM: the MsvAvChannelBindings AV pair of the NTLMv2 blob (covered by the
  NTProofStr, so only read once that verified) must be MD5 of the
  gss_channel_bindings_struct holding APPDATA; "accept" lets a missing pair
  pass, refuses an all-zero (gss-ntlmssp's default) or a wrong one;
  "required" refuses all but the right one.
  Kerberos: the bindings go to the acceptor context; MIT refuses a wrong one
  (GSS_S_BAD_BINDINGS) and accepts a missing one, which "required" then
  refuses unless the context reports the channel_bound flag (krb5 >= 1.19,
  python-gssapi >= 1.7).  Without flag support a Kerberos logon cannot be
  proven bound: "unproven", refused under "required".
  channel_binding=None (plain HTTP) or epa "off": nothing is checked.
  A refusal is IIS' plain 401; only the log says why.
- Negotiate (RFC 4559): SPNEGO/Kerberos through python3-gssapi with the
  acceptor keytab given (or KRB5_KTNAME).  The client principal's name part
  (alice of alice@EXAMPLE.TEST) selects the configured user, whatever the
  realm.
- NTLMSSP wrapped in SPNEGO (RFC 4178; what MIT krb5's SPNEGO with the
  gss-ntlmssp mechanism sends, e.g. curl --negotiate without a Kerberos
  ticket) is handled here, not by python-gssapi: a NegTokenInit whose
  mechTypes start with NTLMSSP and carry a Type 1 gets NegTokenResp
  (accept-incomplete, supportedMech NTLMSSP, Type 2); a NegTokenInit with
  Kerberos first that cannot be accepted here (no python3-gssapi or no
  acceptor key) but listing NTLMSSP gets NTLMSSP selected without a token
  (the client then sends the Type 1, and the mechListMIC becomes
  mandatory).  The Type 3 in the next NegTokenResp is checked like plain
  NTLM (EPA included); a mechListMIC from the client is verified
  (MS-NLMP 3.4.4.2 signature with extended session security, client-to-
  server keys, over the DER MechTypeList) and answered with the server's
  own in NegTokenResp(accept-completed) on the 200.  (MIT krb5 <= 1.21
  looks for that MIC under tag [4] instead of [3], krb5 PR #1451, so its
  initiator fails on the final token; libcurl ignores that token.)
- After a success the connection stays authenticated: later requests on it
  without an Authorization header are accepted as the same user (IIS does
  this for NTLM, and for Kerberos by default; libcurl relies on it and sends
  no header after a finished NTLM or Negotiate handshake).
- Basic only with basic=True ("DOMAIN\\user", "user@domain" or "user").

Passwords, hashes and tokens never reach the log; reasons for a 401 do.
"""

import base64
import hmac
import os
import socket
import struct
import sys
import time
import traceback

from md4 import md4

try:  # Negotiate is optional: NTLM works without python3-gssapi.
    import gssapi
    import gssapi.exceptions
    import gssapi.raw
except ImportError:  # pragma: no cover - depends on the machine
    gssapi = None

__all__ = ["WindowsAuth", "AuthResult", "ntowfv2", "ntlmv2_proof",
           "tls_server_end_point", "ntlm_channel_binding_hash", "EPA_MODES"]

EPA_MODES = ("off", "accept", "required")

# MS-NLMP 2.2.2.5 negotiate flags.
NEGOTIATE_UNICODE = 0x00000001
NEGOTIATE_OEM = 0x00000002
REQUEST_TARGET = 0x00000004
NEGOTIATE_SIGN = 0x00000010
NEGOTIATE_SEAL = 0x00000020
NEGOTIATE_LM_KEY = 0x00000080
NEGOTIATE_NTLM = 0x00000200
NEGOTIATE_ALWAYS_SIGN = 0x00008000
TARGET_TYPE_DOMAIN = 0x00010000
NEGOTIATE_EXTENDED_SESSIONSECURITY = 0x00080000
NEGOTIATE_TARGET_INFO = 0x00800000
NEGOTIATE_VERSION = 0x02000000
NEGOTIATE_128 = 0x20000000
NEGOTIATE_KEY_EXCH = 0x40000000
NEGOTIATE_56 = 0x80000000

# Flags echoed to the client only when it asked for them.
_ECHO_FLAGS = (NEGOTIATE_SIGN | NEGOTIATE_SEAL | NEGOTIATE_EXTENDED_SESSIONSECURITY
               | NEGOTIATE_128 | NEGOTIATE_KEY_EXCH | NEGOTIATE_56)

# MS-NLMP 2.2.2.1 AV_PAIR ids.
AV_EOL = 0
AV_NB_COMPUTER = 1
AV_NB_DOMAIN = 2
AV_DNS_COMPUTER = 3
AV_DNS_DOMAIN = 4
AV_TIMESTAMP = 7
AV_CHANNEL_BINDINGS = 10

SIGNATURE = b"NTLMSSP\x00"
# Product version sent in the Type 2: Windows Server 2022 (10.0.20348),
# NTLMSSP_REVISION_W2K3 (15).
_VERSION = struct.pack("<BBH3xB", 10, 0, 20348, 15)
# Seconds between 1601-01-01 (FILETIME epoch) and 1970-01-01.
_FILETIME_EPOCH = 11644473600

_MAX_DRAIN = 1 << 20
_MAX_TOKEN = 48 * 1024

_BODY_401 = (b"<!DOCTYPE html>\r\n<html><head><title>401 - Unauthorized</title>"
             b"</head>\r\n<body><h1>401 - Unauthorized: Access is denied due to "
             b"invalid credentials.</h1>\r\n<p>You do not have permission to view "
             b"this directory or page using the credentials that you supplied."
             b"</p></body></html>\r\n")


class AuthResult:
    """A successful authentication."""

    def __init__(self, user, headers=None, method="", channel_binding=None):
        self.user = user
        self.headers = list(headers or [])
        self.method = method
        # none, zero, wrong, match, unproven, not-checked
        self.channel_binding = channel_binding
        # NTLM: (ExportedSessionKey, negotiated flags) for SPNEGO's
        # mechListMIC; never logged
        self._ntlm_session = None

    def __repr__(self):
        return "AuthResult(user=%r, method=%r)" % (self.user, self.method)


class _Deny(Exception):
    """Send a 401: reason goes to the log, challenges to WWW-Authenticate."""

    def __init__(self, reason, challenges=None, channel_binding=None):
        super().__init__(reason)
        self.reason = reason
        self.challenges = challenges
        self.channel_binding = channel_binding


class _ConnState:
    """Per-connection authentication state (kept on the handler)."""

    def __init__(self):
        self.ntlm_challenge = None   # server challenge of the pending Type 2
        self.ntlm_flags = 0          # flags of that Type 2
        self.ntlm_scheme = "NTLM"    # scheme the Type 1 came with
        self.gss_ctx = None          # unfinished SPNEGO exchange
        # NTLMSSP in SPNEGO: None, "type1" (NTLMSSP reselected, Type 1
        # awaited) or "type3" (Type 2 sent); the initiator's MechTypeList
        # DER (what mechListMIC covers); whether a MIC is required
        self.spnego = None
        self.spnego_mech_list = None
        self.spnego_mic_reqd = False
        self.user = None             # authenticated user of this connection
        self.method = ""
        self.logon_cb = None         # channel binding seen at that logon
        self.last_cb = None          # channel binding seen by the last request


# ---------------------------------------------------------------- NTLMv2 core

def ntowfv2(password, user, domain):
    """NTOWFv2 (MS-NLMP 3.3.2): HMAC-MD5 keyed with the NT hash over
    UTF-16LE(UPPER(user) + domain); the domain keeps the client's case."""
    nt_hash = md4(password.encode("utf-16-le")).digest()
    return hmac.new(nt_hash, (user.upper() + domain).encode("utf-16-le"),
                    "md5").digest()


def ntlmv2_proof(key, server_challenge, blob):
    """NTProofStr = HMAC-MD5(NTOWFv2, server challenge + client blob)."""
    return hmac.new(key, server_challenge + blob, "md5").digest()


def tls_server_end_point(cert_der):
    """RFC 5929 tls-server-end-point channel-binding application data for a
    DER certificate: the certificate hashed with its signature's hash
    algorithm, MD5 and SHA-1 replaced by SHA-256 (also used when the
    signature names no hash, e.g. Ed25519)."""
    import hashlib
    from cryptography import x509  # only needed with EPA over TLS
    cert = x509.load_der_x509_certificate(cert_der)
    try:
        algo = cert.signature_hash_algorithm
        name = algo.name if algo is not None else "sha256"
    except Exception:  # pylint: disable=broad-except  # unsupported algorithm
        name = "sha256"
    if name in ("md5", "sha1"):
        name = "sha256"
    return b"tls-server-end-point:" + hashlib.new(name, cert_der).digest()


def ntlm_channel_binding_hash(app_data):
    """MsvAvChannelBindings value: MD5 of a gss_channel_bindings_struct with
    no addresses (types 0, lengths 0) and app_data as application data."""
    import hashlib
    data = app_data or b""
    return hashlib.md5(struct.pack("<IIIII", 0, 0, 0, 0, len(data))
                       + data).digest()


def _av_pairs(data):
    """{AvId: value} of an AV_PAIR list (first occurrence wins); stops at
    MsvAvEOL or at the end; None when a pair runs past the end."""
    out = {}
    pos = 0
    while pos + 4 <= len(data):
        av_id, av_len = struct.unpack_from("<HH", data, pos)
        pos += 4
        if av_id == AV_EOL:
            return out
        if pos + av_len > len(data):
            return None
        out.setdefault(av_id, data[pos:pos + av_len])
        pos += av_len
    return out


def _filetime_now():
    return int((time.time() + _FILETIME_EPOCH) * 10000000)


def _av_pair(av_id, value):
    return struct.pack("<HH", av_id, len(value)) + value


def _security_buffer(msg, offset, what):
    """Read a MS-NLMP 2.2.1 length/maxlen/offset field, bounds-checked."""
    if len(msg) < offset + 8:
        raise _Deny("NTLM message too short for its %s field" % what)
    length, _maxlen, start = struct.unpack_from("<HHI", msg, offset)
    if length and (start > len(msg) or start + length > len(msg)):
        raise _Deny("NTLM %s field points outside the message" % what)
    return msg[start:start + length]


def _decode_str(raw, unicode, what):
    try:
        if unicode:
            if len(raw) % 2:
                raise UnicodeDecodeError("utf-16-le", raw, 0, len(raw),
                                         "odd length")
            return raw.decode("utf-16-le")
        # OEM strings: the code page is unknown; names here are ASCII.
        return raw.decode("latin-1")
    except UnicodeDecodeError:
        raise _Deny("NTLM %s is not valid text" % what) from None


def _show(text):
    """User-supplied text for the log: quoted, control characters escaped."""
    return "'%s'" % "".join(c if c.isprintable() else "\\x%02x" % ord(c)
                            for c in text[:200])


def _split_user(text):
    """("EXAMPLE", "alice") for "EXAMPLE\\alice"; ("EXAMPLE.TEST", "alice")
    for "alice@EXAMPLE.TEST"; ("", "alice") for "alice"."""
    if "\\" in text:
        dom, name = text.split("\\", 1)
        return dom, name
    if "/" in text:
        dom, name = text.split("/", 1)
        return dom, name
    if "@" in text:
        name, dom = text.rsplit("@", 1)
        return dom, name
    return "", text


def gss_channel_bound_flag():
    """gssapi.RequirementFlag.channel_bound, or None when python-gssapi is
    missing or too old (< 1.7) to know it.  (krb5 < 1.19 never sets it:
    then a bound logon shows as "none".)"""
    if gssapi is None:
        return None
    return getattr(gssapi.RequirementFlag, "channel_bound", None)


def _bad_bindings(exc):
    """True for GSS_S_BAD_BINDINGS (routine error 4)."""
    bad = getattr(gssapi.exceptions, "BadChannelBindingsError", None)
    if bad is not None and isinstance(exc, bad):
        return True
    maj = getattr(exc, "maj_code", 0) or 0
    return (maj >> 16) & 0xFF == 4


# ---------------------------------------------------------------- SPNEGO
# RFC 4178 tokens, DER-encoded; only what NTLMSSP-in-SPNEGO needs.

OID_SPNEGO = "1.3.6.1.5.5.2"
OID_NTLMSSP = "1.3.6.1.4.1.311.2.2.10"
OID_KRB5 = "1.2.840.113554.1.2.2"
OID_KRB5_MS = "1.2.840.48018.1.2.2"      # Windows' misspelt Kerberos OID
# NegTokenResp negState (RFC 4178 4.2.2)
NEG_ACCEPT_COMPLETED = 0
NEG_ACCEPT_INCOMPLETE = 1
NEG_REJECT = 2
NEG_REQUEST_MIC = 3


class _DerError(ValueError):
    pass


def _der_read(data, pos, end=None):
    """(tag, content_start, content_end) of the DER element at pos; tags are
    single bytes (all of SPNEGO's are), lengths definite, bounds checked."""
    end = len(data) if end is None else end
    if pos + 2 > end:
        raise _DerError("truncated element")
    tag, first = data[pos], data[pos + 1]
    if tag & 0x1F == 0x1F:
        raise _DerError("multi-byte tag")
    pos += 2
    if first < 0x80:
        length = first
    elif first == 0x80 or first > 0x84:
        raise _DerError("indefinite or oversized length")
    else:
        nbytes = first & 0x7F
        if pos + nbytes > end:
            raise _DerError("truncated length")
        length = int.from_bytes(data[pos:pos + nbytes], "big")
        pos += nbytes
    if pos + length > end:
        raise _DerError("element runs past its container")
    return tag, pos, pos + length


def _der_children(data, start, end):
    """[(tag, content_start, content_end, element_start)] inside start..end."""
    out = []
    pos = start
    while pos < end:
        tag, cstart, cend = _der_read(data, pos, end)
        out.append((tag, cstart, cend, pos))
        pos = cend
    return out


def _der(tag, content):
    n = len(content)
    if n < 0x80:
        head = bytes([tag, n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([tag, 0x80 | len(raw)]) + raw
    return head + content


def _oid_decode(content):
    if not content or content[-1] & 0x80:
        raise _DerError("bad OID")
    arcs, value = [], 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first] + arcs[1:])


def _oid_encode(dotted):
    arcs = [int(a) for a in dotted.split(".")]
    out = b""
    for value in [arcs[0] * 40 + arcs[1]] + arcs[2:]:
        chunk = [value & 0x7F]
        value >>= 7
        while value:
            chunk.append(0x80 | (value & 0x7F))
            value >>= 7
        out += bytes(reversed(chunk))
    return _der(0x06, out)


def _octets(data, start, end):
    tag, cstart, cend = _der_read(data, start, end)
    if tag != 0x04 or cend != end:
        raise _DerError("OCTET STRING expected")
    return data[cstart:cend]


def parse_neg_token_init(token):
    """{"mech_types": [dotted OIDs], "mech_list": DER of the MechTypeList
    (what mechListMIC covers), "mech_token": bytes or None, "mic": bytes or
    None} of a SPNEGO InitialContextToken; _DerError if it is not one."""
    tag, start, end = _der_read(token, 0)
    if tag != 0x60 or end != len(token):
        raise _DerError("not an InitialContextToken")
    tag, ostart, oend = _der_read(token, start, end)
    if tag != 0x06 or _oid_decode(token[ostart:oend]) != OID_SPNEGO:
        raise _DerError("not SPNEGO")
    tag, cstart, cend = _der_read(token, oend, end)
    if tag != 0xA0 or cend != end:
        raise _DerError("not a NegTokenInit")
    tag, sstart, send = _der_read(token, cstart, cend)
    if tag != 0x30 or send != cend:
        raise _DerError("NegTokenInit is not a SEQUENCE")
    out = {"mech_types": None, "mech_list": None, "mech_token": None, "mic": None}
    for ctag, fstart, fend, _ in _der_children(token, sstart, send):
        if ctag == 0xA0:
            ltag, lstart, lend = _der_read(token, fstart, fend)
            if ltag != 0x30 or lend != fend:
                raise _DerError("mechTypes is not a SEQUENCE")
            out["mech_list"] = token[fstart:fend]
            types = []
            for otag, o1, o2, _ in _der_children(token, lstart, lend):
                if otag != 0x06:
                    raise _DerError("mechTypes holds a non-OID")
                types.append(_oid_decode(token[o1:o2]))
            out["mech_types"] = types
        elif ctag == 0xA2:
            out["mech_token"] = _octets(token, fstart, fend)
        elif ctag == 0xA3:
            out["mic"] = _octets(token, fstart, fend)
        elif ctag != 0xA1:  # reqFlags: ignored, as Windows does
            raise _DerError("unknown NegTokenInit field")
    if not out["mech_types"]:
        raise _DerError("NegTokenInit without mechTypes")
    return out


def parse_neg_token_resp(token):
    """{"state": int or None, "mech": dotted OID or None, "token": bytes or
    None, "mic": bytes or None} of a NegTokenResp; _DerError otherwise."""
    tag, start, end = _der_read(token, 0)
    if tag != 0xA1 or end != len(token):
        raise _DerError("not a NegTokenResp")
    tag, sstart, send = _der_read(token, start, end)
    if tag != 0x30 or send != end:
        raise _DerError("NegTokenResp is not a SEQUENCE")
    out = {"state": None, "mech": None, "token": None, "mic": None}
    for ctag, fstart, fend, _ in _der_children(token, sstart, send):
        if ctag == 0xA0:
            etag, e1, e2 = _der_read(token, fstart, fend)
            if etag != 0x0A or e2 != fend or e2 - e1 != 1:
                raise _DerError("bad negState")
            out["state"] = token[e1]
        elif ctag == 0xA1:
            otag, o1, o2 = _der_read(token, fstart, fend)
            if otag != 0x06 or o2 != fend:
                raise _DerError("bad supportedMech")
            out["mech"] = _oid_decode(token[o1:o2])
        elif ctag == 0xA2:
            out["token"] = _octets(token, fstart, fend)
        elif ctag == 0xA3:
            out["mic"] = _octets(token, fstart, fend)
        else:
            raise _DerError("unknown NegTokenResp field")
    return out


def build_neg_token_resp(state=None, mech=None, token=None, mic=None):
    fields = b""
    if state is not None:
        fields += _der(0xA0, _der(0x0A, bytes([state])))
    if mech is not None:
        fields += _der(0xA1, _oid_encode(mech))
    if token is not None:
        fields += _der(0xA2, _der(0x04, token))
    if mic is not None:
        fields += _der(0xA3, _der(0x04, mic))
    return _der(0xA1, _der(0x30, fields))


def build_neg_token_init(mech_types, mech_token=None, mic=None):
    """The initiator's first token (for tests)."""
    mech_list = _der(0x30, b"".join(_oid_encode(m) for m in mech_types))
    fields = _der(0xA0, mech_list)
    if mech_token is not None:
        fields += _der(0xA2, _der(0x04, mech_token))
    if mic is not None:
        fields += _der(0xA3, _der(0x04, mic))
    return _der(0x60, _oid_encode(OID_SPNEGO) + _der(0xA0, _der(0x30, fields)))


# ---------------------------------------------------------------- NTLM signing

class RC4:
    """ARC4 keystream; one object per direction, state carried on."""

    def __init__(self, key):
        box = list(range(256))
        j = 0
        for i in range(256):
            j = (j + box[i] + key[i % len(key)]) & 0xFF
            box[i], box[j] = box[j], box[i]
        self._box, self._i, self._j = box, 0, 0

    def crypt(self, data):
        box, i, j = self._box, self._i, self._j
        out = bytearray()
        for byte in data:
            i = (i + 1) & 0xFF
            j = (j + box[i]) & 0xFF
            box[i], box[j] = box[j], box[i]
            out.append(byte ^ box[(box[i] + box[j]) & 0xFF])
        self._i, self._j = i, j
        return bytes(out)


def ntlm_exported_session_key(ntowf, proof, flags, encrypted_key):
    """MS-NLMP 3.3.2/3.4.5.1 for NTLMv2: KeyExchangeKey = SessionBaseKey =
    HMAC-MD5(NTOWFv2, NTProofStr); with KEY_EXCH the client's random
    session key, RC4-encrypted with it, else that key itself."""
    base = hmac.new(ntowf, proof, "md5").digest()
    if flags & NEGOTIATE_KEY_EXCH:
        if len(encrypted_key) != 16:
            return None
        return RC4(base).crypt(encrypted_key)
    return base


def ntlm_sign_keys(exported, flags, client_to_server):
    """(SignKey, SealKey) of one direction (MS-NLMP 3.4.5.2, 3.4.5.3;
    extended session security)."""
    import hashlib
    way = b"client-to-server" if client_to_server else b"server-to-client"
    sign = hashlib.md5(exported + b"session key to " + way
                       + b" signing key magic constant\0").digest()
    if flags & NEGOTIATE_128:
        base = exported
    elif flags & NEGOTIATE_56:
        base = exported[:7]
    else:
        base = exported[:5]
    seal = hashlib.md5(base + b"session key to " + way
                       + b" sealing key magic constant\0").digest()
    return sign, seal


def ntlm_mac(exported, flags, client_to_server, message, seqnum=0):
    """NTLMSSP_MESSAGE_SIGNATURE with extended session security (MS-NLMP
    3.4.4.2) of the first message of a direction (fresh RC4 handle)."""
    sign, seal = ntlm_sign_keys(exported, flags, client_to_server)
    seq = struct.pack("<I", seqnum)
    checksum = hmac.new(sign, seq + message, "md5").digest()[:8]
    if flags & NEGOTIATE_KEY_EXCH:
        checksum = RC4(seal).crypt(checksum)
    return struct.pack("<I", 1) + checksum + seq


class WindowsAuth:
    """IIS Windows Authentication stand-in (see the module docstring).

    users: {"DOMAIN\\name": password}; keytab: acceptor keytab path for
    Negotiate (None: KRB5_KTNAME or the system default); basic: offer and
    accept Basic too; netbios_domain/dns_domain/computer: what the Type 2
    target info announces (defaults from the first user's domain);
    persist: keep a connection authenticated after a success (IIS default);
    log: callable taking one string (default: stderr).
    """

    def __init__(self, users, keytab=None, basic=False, netbios_domain=None,
                 dns_domain=None, computer="NDES", persist=True, log=None,
                 epa="accept", channel_binding=None):
        if epa not in EPA_MODES:
            raise ValueError("epa must be one of %s" % ", ".join(EPA_MODES))
        self.epa = epa
        # RFC 5929 application data (bytes) when serving TLS, else None
        self.channel_binding = channel_binding if epa != "off" else None
        self._cbt_ntlm = (ntlm_channel_binding_hash(self.channel_binding)
                          if self.channel_binding is not None else None)
        self._users = []
        for key, password in dict(users).items():
            dom, name = _split_user(key)
            if not name:
                raise ValueError("user %r has no name part" % key)
            self._users.append((key, dom, name, password))
        first_dom = self._users[0][1] if self._users else ""
        if not netbios_domain:
            netbios_domain = (first_dom.split(".")[0] if first_dom else "EXAMPLE")
        self.netbios_domain = netbios_domain.upper()
        self.dns_domain = (dns_domain or self.netbios_domain.lower() + ".test").lower()
        self.computer = computer.upper()
        self.keytab = keytab
        self.basic = bool(basic)
        self.persist = bool(persist)
        self._log = log or (lambda msg: print("winauth: " + msg, file=sys.stderr,
                                              flush=True))
        self._attr = "_winauth_state_%x" % id(self)

    # ------------------------------------------------------------ public

    def authenticate(self, handler):
        """AuthResult on success; None after sending a complete 401."""
        state = getattr(handler, self._attr, None)
        if state is None:
            state = _ConnState()
            setattr(handler, self._attr, state)
        state.last_cb = None
        try:
            res = self._authenticate(handler, state)
            state.last_cb = res.channel_binding
            # NTLM and Negotiate authenticate the connection; Basic is per
            # request.
            if self.persist and res.method != "Basic":
                state.user, state.method = res.user, res.method
                state.logon_cb = res.channel_binding
            return res
        except _Deny as deny:
            state.last_cb = deny.channel_binding
            self._log("401 for %s %s from %s: %s%s" % (
                getattr(handler, "command", "?"), getattr(handler, "path", "?"),
                self._peer(handler), deny.reason,
                " [channel_binding=%s epa=%s]" % (deny.channel_binding, self.epa)
                if deny.channel_binding else ""))
            challenges = deny.challenges
        except Exception as exc:  # never let a bad token kill the server
            # Type and place only: the message might quote a token.
            frames = [f for f in traceback.extract_tb(exc.__traceback__)
                      if f.filename == __file__] or [None]
            where = ("%s:%s" % (os.path.basename(frames[-1].filename), frames[-1].lineno)
                     if frames[-1] else "?")
            self._log("401 for %s: internal error %s at %s" % (
                self._peer(handler), type(exc).__name__, where))
            state.ntlm_challenge = None
            state.gss_ctx = None
            challenges = None
        try:
            self._send_401(handler, challenges)
        except OSError as exc:  # the client went away
            self._log("401 for %s not sent: %s" % (self._peer(handler),
                                                   type(exc).__name__))
            handler.close_connection = True
        return None

    def channel_binding_of(self, handler):
        """What the last authenticate() on this handler's connection saw of
        the channel binding: "none", "zero", "wrong", "match", "unproven",
        "not-checked", or None (no binding looked at, e.g. wrong password or
        a handshake step)."""
        state = getattr(handler, self._attr, None)
        return state.last_cb if state is not None else None

    def _cb_unchecked(self):
        return "not-checked" if self.channel_binding is None else None

    def default_challenges(self):
        """The WWW-Authenticate values of a plain 401, in IIS order."""
        out = ["Negotiate", "NTLM"]
        if self.basic:
            out.append('Basic realm="%s"' % self.dns_domain)
        return out

    # ------------------------------------------------------------ dispatch

    def _authenticate(self, handler, state):
        values = handler.headers.get_all("Authorization") or []
        if not values:
            if state.user is not None:
                return AuthResult(state.user, [], state.method, state.logon_cb)
            raise _Deny("no Authorization header")
        if len(values) > 1:
            raise _Deny("more than one Authorization header")
        # A new Authorization header restarts authentication on this
        # connection, as with IIS.
        state.user = None
        value = values[0].strip()
        scheme, _, param = value.partition(" ")
        scheme = scheme.lower()
        param = param.strip()
        if scheme == "ntlm":
            return self._ntlm(state, self._b64(param, "NTLM"), "NTLM")
        if scheme == "negotiate":
            token = self._b64(param, "Negotiate")
            if token.startswith(SIGNATURE):
                state.spnego = None
                return self._ntlm(state, token, "Negotiate")
            if token[:1] == b"\xa1" and state.spnego is not None:
                return self._spnego_resp(state, token)
            state.spnego = None
            if token[:1] == b"\x60":
                try:
                    init = parse_neg_token_init(token)
                except _DerError:
                    init = None  # python-gssapi will say what is wrong
                if init is not None and OID_NTLMSSP in init["mech_types"]:
                    if self._spnego_wants_ntlm(init):
                        return self._spnego_init(state, init)
            return self._negotiate(state, token)
        if scheme == "basic" and self.basic:
            return self._basic(param)
        raise _Deny("unsupported authorization scheme %r" % scheme[:20])

    @staticmethod
    def _b64(param, scheme):
        if not param:
            raise _Deny("%s without a token" % scheme)
        if len(param) > _MAX_TOKEN:
            raise _Deny("%s token too long" % scheme)
        try:
            return base64.b64decode(param, validate=True)
        except (ValueError, TypeError):
            raise _Deny("%s token is not base64" % scheme) from None

    # ------------------------------------------------------------ NTLM

    def _ntlm(self, state, msg, scheme):
        if len(msg) < 12 or msg[:8] != SIGNATURE:
            state.ntlm_challenge = None
            raise _Deny("not an NTLMSSP message")
        (msg_type,) = struct.unpack_from("<I", msg, 8)
        if msg_type == 1:
            return self._ntlm_type1(state, msg, scheme)
        if msg_type == 3:
            return self._ntlm_type3(state, msg, scheme)
        state.ntlm_challenge = None
        raise _Deny("unexpected NTLM message type %d" % msg_type)

    def _ntlm_type1(self, state, msg, scheme):
        if len(msg) < 16:
            raise _Deny("NTLM Type 1 too short")
        (client_flags,) = struct.unpack_from("<I", msg, 12)
        challenge = os.urandom(8)
        type2, flags = self._build_type2(client_flags, challenge)
        state.ntlm_challenge = challenge
        state.ntlm_flags = flags
        state.ntlm_scheme = scheme
        state.gss_ctx = None
        raise _Deny("NTLM Type 1: sent the challenge",
                    ["%s %s" % (scheme, base64.b64encode(type2).decode("ascii"))])

    def _build_type2(self, client_flags, challenge):
        unicode = bool(client_flags & NEGOTIATE_UNICODE) or not (
            client_flags & NEGOTIATE_OEM)
        flags = (REQUEST_TARGET | NEGOTIATE_NTLM | NEGOTIATE_ALWAYS_SIGN
                 | TARGET_TYPE_DOMAIN | NEGOTIATE_TARGET_INFO | NEGOTIATE_VERSION
                 | (client_flags & _ECHO_FLAGS)
                 | (NEGOTIATE_UNICODE if unicode else NEGOTIATE_OEM))

        def u16(text):
            return text.encode("utf-16-le")

        target_name = (u16(self.netbios_domain) if unicode
                       else self.netbios_domain.encode("ascii", "replace"))
        # Target info makes libcurl (and Windows) answer with NTLMv2.
        target_info = b"".join([
            _av_pair(AV_NB_DOMAIN, u16(self.netbios_domain)),
            _av_pair(AV_NB_COMPUTER, u16(self.computer)),
            _av_pair(AV_DNS_DOMAIN, u16(self.dns_domain)),
            _av_pair(AV_DNS_COMPUTER,
                     u16(self.computer.lower() + "." + self.dns_domain)),
            _av_pair(AV_TIMESTAMP, struct.pack("<Q", _filetime_now())),
            _av_pair(AV_EOL, b""),
        ])
        header_len = 56  # fixed part with the Version field
        name_off = header_len
        info_off = name_off + len(target_name)
        msg = (SIGNATURE + struct.pack("<I", 2)
               + struct.pack("<HHI", len(target_name), len(target_name), name_off)
               + struct.pack("<I", flags) + challenge + b"\x00" * 8
               + struct.pack("<HHI", len(target_info), len(target_info), info_off)
               + _VERSION + target_name + target_info)
        return msg, flags

    def _ntlm_type3(self, state, msg, scheme):
        challenge, flags = state.ntlm_challenge, state.ntlm_flags
        # One Type 3 per challenge, on the connection that got the Type 2;
        # any failure answers a plain 401 so that the client starts over.
        state.ntlm_challenge = None
        if challenge is None:
            raise _Deny("NTLM Type 3 without a challenge on this connection "
                        "(handshakes are bound to one connection)")
        return self._check_type3(msg, challenge, flags, scheme)

    def _check_type3(self, msg, challenge, flags, scheme):
        if len(msg) < 52:
            raise _Deny("NTLM Type 3 too short")
        lm_resp = _security_buffer(msg, 12, "LM response")
        nt_resp = _security_buffer(msg, 20, "NT response")
        raw_domain = _security_buffer(msg, 28, "domain")
        raw_user = _security_buffer(msg, 36, "user")
        _security_buffer(msg, 44, "workstation")  # unused, but must be sane
        enc_key = b""
        if len(msg) >= 60:
            enc_key = _security_buffer(msg, 52, "session key")
        flags3 = flags
        if len(msg) >= 64:
            (flags3,) = struct.unpack_from("<I", msg, 60)
        unicode = bool(flags3 & NEGOTIATE_UNICODE)
        domain = _decode_str(raw_domain, unicode, "domain")
        user = _decode_str(raw_user, unicode, "user name")
        who = "%s\\%s" % (domain, user) if domain else user
        if not user:
            raise _Deny("anonymous NTLM logon refused")
        if not nt_resp:
            raise _Deny("LM-only NTLM response from %s refused" % _show(who))
        if len(nt_resp) == 24:
            raise _Deny("NTLMv1 response from %s refused (NTLMv2 required)" % _show(who))
        # NTProofStr (16) + blob header: types, reserved, time, client
        # challenge, reserved (28 bytes) before the AV pairs.
        if len(nt_resp) < 16 + 28:
            raise _Deny("NTLMv2 response from %s too short" % _show(who))
        proof, blob = nt_resp[:16], nt_resp[16:]
        if blob[0] != 1 or blob[1] != 1:
            raise _Deny("NTLMv2 blob from %s has an unknown version" % _show(who))
        del lm_resp  # LMv2 is redundant once NTLMv2 verifies

        if domain:
            want_dom, want_name = domain, user
        else:
            want_dom, want_name = _split_user(user)
        for key, _cfg_dom, _cfg_name, password in self._candidates(want_dom,
                                                                   want_name):
            # The client keyed the HMAC with the strings it sent.
            owf = ntowfv2(password, user, domain)
            expect = ntlmv2_proof(owf, challenge, blob)
            if hmac.compare_digest(expect, proof):
                # The AV pairs are covered by the proof: only now trusted.
                cb = self._ntlm_binding(blob[28:], who)
                self._log("NTLM logon of %s%s [channel_binding=%s epa=%s]" % (
                    key, {"NTLM": "", "SPNEGO": " (NTLMSSP in SPNEGO)"}.get(
                        scheme, " (NTLMSSP in Negotiate)"), cb, self.epa))
                res = AuthResult(key, [], "NTLM", cb)
                res._ntlm_session = (ntlm_exported_session_key(
                    owf, proof, flags3, enc_key), flags3)
                return res
        raise _Deny("NTLMv2 logon of %s failed (unknown user or wrong password)"
                    % _show(who))

    def _ntlm_binding(self, av_data, who):
        """Check MsvAvChannelBindings; the verdict word, or _Deny."""
        if self._cbt_ntlm is None:
            return "not-checked"
        pairs = _av_pairs(av_data)
        if pairs is None:
            raise _Deny("NTLMv2 blob from %s has a broken AV pair list"
                        % _show(who), channel_binding="wrong")
        value = pairs.get(AV_CHANNEL_BINDINGS)
        if value is None:
            seen = "none"
        elif value == b"\0" * 16:
            seen = "zero"
        elif hmac.compare_digest(value, self._cbt_ntlm):
            seen = "match"
        else:
            seen = "wrong"
        if seen == "match" or (seen == "none" and self.epa == "accept"):
            return seen
        raise _Deny("NTLM logon of %s refused by Extended Protection: channel "
                    "binding %s" % (_show(who), seen), channel_binding=seen)

    # ------------------------------------------------------------ SPNEGO/NTLM

    def _spnego_wants_ntlm(self, init):
        """Take NTLMSSP out of a NegTokenInit ourselves?  Yes when it is the
        initiator's first choice; also when Kerberos comes first but cannot
        be accepted here (no python3-gssapi or no acceptor key), as the MIT
        and Windows acceptors then pick the next mechanism they support."""
        first = init["mech_types"][0]
        if first == OID_NTLMSSP:
            return True
        if gssapi is None:
            return True
        if first not in (OID_KRB5, OID_KRB5_MS):
            return False  # NegoEx, IAKERB...: python-gssapi's business
        try:
            krb5 = gssapi.OID.from_int_seq(OID_KRB5)
            if self.keytab:
                gssapi.Credentials(usage="accept", mechs=[krb5],
                                   store={"keytab": str(self.keytab)})
            else:
                gssapi.Credentials(usage="accept", mechs=[krb5])
        except gssapi.exceptions.GSSError:
            return True
        return False

    def _spnego_challenge(self, resp):
        return ["Negotiate " + base64.b64encode(resp).decode("ascii")]

    def _spnego_init(self, state, init):
        state.gss_ctx = None
        state.spnego_mech_list = init["mech_list"]
        token = init["mech_token"]
        if init["mech_types"][0] == OID_NTLMSSP and token is not None:
            state.spnego_mic_reqd = False
            return self._spnego_type1(state, token, first=True)
        # Not the initiator's first choice, or no optimistic token: select
        # NTLMSSP and ask for its Type 1 (RFC 4178 5 c); the MIC exchange
        # is then mandatory.
        state.spnego_mic_reqd = True
        state.spnego = "type1"
        raise _Deny("SPNEGO: NTLMSSP selected, awaiting its Type 1",
                    self._spnego_challenge(build_neg_token_resp(
                        NEG_ACCEPT_INCOMPLETE, OID_NTLMSSP)))

    def _spnego_type1(self, state, token, first):
        state.spnego = None
        if not token.startswith(SIGNATURE) or len(token) < 16 or \
                struct.unpack_from("<I", token, 8)[0] != 1:
            raise _Deny("SPNEGO: NTLMSSP token is not a Type 1")
        (client_flags,) = struct.unpack_from("<I", token, 12)
        challenge = os.urandom(8)
        type2, flags = self._build_type2(client_flags, challenge)
        state.ntlm_challenge = challenge
        state.ntlm_flags = flags
        state.ntlm_scheme = "SPNEGO"
        state.spnego = "type3"
        raise _Deny("SPNEGO/NTLMSSP Type 1: sent the challenge",
                    self._spnego_challenge(build_neg_token_resp(
                        NEG_ACCEPT_INCOMPLETE, OID_NTLMSSP if first else None,
                        type2)))

    def _spnego_resp(self, state, token):
        stage = state.spnego
        state.spnego = None
        try:
            resp = parse_neg_token_resp(token)
        except _DerError as exc:
            state.ntlm_challenge = None
            raise _Deny("SPNEGO: bad NegTokenResp (%s)" % exc) from None
        if resp["state"] == NEG_REJECT:
            state.ntlm_challenge = None
            raise _Deny("SPNEGO: the client rejected the negotiation")
        if resp["token"] is None:
            state.ntlm_challenge = None
            raise _Deny("SPNEGO: NegTokenResp without a responseToken")
        if stage == "type1":
            return self._spnego_type1(state, resp["token"], first=False)
        msg = resp["token"]
        if not msg.startswith(SIGNATURE) or len(msg) < 12 or \
                struct.unpack_from("<I", msg, 8)[0] != 3:
            state.ntlm_challenge = None
            raise _Deny("SPNEGO: NTLMSSP token is not a Type 3")
        res = self._ntlm_type3(state, msg, "SPNEGO")
        exported, flags = res._ntlm_session  # pylint: disable=protected-access
        res._ntlm_session = None  # pylint: disable=protected-access
        mech_list = state.spnego_mech_list
        mic_out = None
        if resp["mic"] is not None or state.spnego_mic_reqd:
            if resp["mic"] is None:
                raise _Deny("SPNEGO: mechListMIC missing (NTLMSSP was not the "
                            "client's first choice)")
            if exported is None or not flags & NEGOTIATE_EXTENDED_SESSIONSECURITY:
                raise _Deny("SPNEGO: cannot check the mechListMIC (no session "
                            "key or no extended session security)")
            want = ntlm_mac(exported, flags, True, mech_list)
            if not hmac.compare_digest(want, resp["mic"]):
                raise _Deny("SPNEGO: the client's mechListMIC does not verify")
            mic_out = ntlm_mac(exported, flags, False, mech_list)
        res.headers.append(("WWW-Authenticate", self._spnego_challenge(
            build_neg_token_resp(NEG_ACCEPT_COMPLETED, None, None, mic_out))[0]))
        return res

    # ------------------------------------------------------------ users

    def _domain_matches(self, given, configured):
        given, configured = given.lower(), configured.lower()
        if not given:
            # No domain: the server's own domain, as for a member server.
            return configured in ("", self.netbios_domain.lower(),
                                  self.dns_domain)
        if given == configured:
            return True
        ours = (self.netbios_domain.lower(), self.dns_domain)
        return given in ours and (configured in ours or not configured)

    def _candidates(self, domain, name):
        return [u for u in self._users
                if u[2].lower() == name.lower() and self._domain_matches(domain, u[1])]

    # ------------------------------------------------------------ Negotiate

    def _acceptor_creds(self):
        if self.keytab:
            return gssapi.Credentials(usage="accept",
                                      store={"keytab": str(self.keytab)})
        return None  # KRB5_KTNAME or the default keytab

    def _negotiate(self, state, token):
        if gssapi is None:
            raise _Deny("Negotiate needs python3-gssapi, which is missing")
        ctx = state.gss_ctx
        state.gss_ctx = None
        try:
            if ctx is None:
                creds = self._acceptor_creds()
                kw = {}
                if self.channel_binding is not None:
                    kw["channel_bindings"] = gssapi.raw.ChannelBindings(
                        application_data=self.channel_binding)
                ctx = gssapi.SecurityContext(creds=creds, usage="accept", **kw)
            out = ctx.step(token)
            # python-gssapi defers an error that came with an output token
            # (a SPNEGO reject) until the context is next touched.
            complete = ctx.complete
        except gssapi.exceptions.GSSError as exc:
            if self.channel_binding is not None and _bad_bindings(exc):
                raise _Deny("Negotiate refused by Extended Protection: channel "
                            "binding wrong (%s)" % self._gss_text(exc),
                            channel_binding="wrong") from None
            raise _Deny("Negotiate token refused: %s" % self._gss_text(exc)) from None
        header = ("Negotiate " + base64.b64encode(out).decode("ascii")) if out else None
        if not complete:
            if not out:
                raise _Deny("Negotiate exchange stalled")
            state.gss_ctx = ctx
            raise _Deny("Negotiate continues", [header])
        principal = str(ctx.initiator_name)
        name = principal.split("@", 1)[0]
        matches = [u for u in self._users if u[2].lower() == name.lower()]
        if not matches:
            raise _Deny("Kerberos principal %s is not a configured user"
                        % _show(principal))
        key = matches[0][0]
        cb = self._gss_binding(ctx)
        # accept: a missing binding passes ("unproven" is missing or
        # right: a wrong one failed above); required: only a proven one
        if cb not in ("match", "not-checked") and not (
                cb in ("none", "unproven") and self.epa == "accept"):
            raise _Deny("Negotiate logon of %s refused by Extended Protection: "
                        "channel binding %s%s" % (
                            _show(principal), cb,
                            " (this python-gssapi/krb5 cannot report "
                            "channel_bound)" if cb == "unproven" else ""),
                        channel_binding=cb)
        self._log("Negotiate logon of %s as %s [channel_binding=%s epa=%s]"
                  % (principal, key, cb, self.epa))
        return AuthResult(key, [("WWW-Authenticate", header)] if header else [],
                          "Negotiate", cb)

    def _gss_binding(self, ctx):
        """none / match / unproven / not-checked for a complete context (a
        wrong binding never gets here: the acceptor fails)."""
        if self.channel_binding is None:
            return "not-checked"
        flag = gss_channel_bound_flag()
        if flag is None:
            return "unproven"
        try:
            return "match" if flag in ctx.actual_flags else "none"
        except gssapi.exceptions.GSSError:
            return "unproven"

    @staticmethod
    def _gss_text(exc):
        try:
            return exc.gen_message().replace("\n", "; ")[:300]
        except Exception:  # pylint: disable=broad-except
            return type(exc).__name__

    # ------------------------------------------------------------ Basic

    def _basic(self, param):
        try:
            raw = base64.b64decode(param, validate=True).decode("utf-8")
        except (ValueError, TypeError, UnicodeDecodeError):
            raise _Deny("Basic credentials are not base64 text") from None
        login, sep, password = raw.partition(":")
        if not sep or not login:
            raise _Deny("Basic credentials without user:password")
        dom, name = _split_user(login)
        for key, _d, _n, cfg_password in self._candidates(dom, name):
            if hmac.compare_digest(cfg_password.encode("utf-8"),
                                   password.encode("utf-8")):
                self._log("Basic logon of %s" % key)
                return AuthResult(key, [], "Basic")
        raise _Deny("Basic logon of %s failed (unknown user or wrong password)"
                    % _show(login))

    # ------------------------------------------------------------ 401

    @staticmethod
    def _peer(handler):
        addr = getattr(handler, "client_address", None)
        return "%s:%s" % addr[:2] if addr else "?"

    def _drain_body(self, handler):
        """Read a request body we will not use, so keep-alive (and the NTLM
        handshake on it) survives; give up the connection when we cannot."""
        if handler.headers.get("Transfer-Encoding"):
            handler.close_connection = True
            return
        try:
            length = int(handler.headers.get("Content-Length", "0") or "0")
        except ValueError:
            handler.close_connection = True
            return
        if length <= 0:
            return
        if length > _MAX_DRAIN:
            handler.close_connection = True
            return
        sock = getattr(handler, "connection", None)
        old = sock.gettimeout() if isinstance(sock, socket.socket) else None
        try:
            if isinstance(sock, socket.socket):
                sock.settimeout(5)
            left = length
            while left > 0:
                chunk = handler.rfile.read(min(left, 65536))
                if not chunk:
                    handler.close_connection = True
                    break
                left -= len(chunk)
        except OSError:
            handler.close_connection = True
        finally:
            if isinstance(sock, socket.socket):
                try:
                    sock.settimeout(old)
                except OSError:
                    pass

    def _send_401(self, handler, challenges):
        self._drain_body(handler)
        handler.send_response(401, "Unauthorized")
        for value in challenges or self.default_challenges():
            handler.send_header("WWW-Authenticate", value)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(len(_BODY_401)))
        if handler.close_connection:
            handler.send_header("Connection", "close")
        handler.end_headers()
        if getattr(handler, "command", "") != "HEAD":
            handler.wfile.write(_BODY_401)
        try:
            handler.wfile.flush()
        except (OSError, AttributeError):
            handler.close_connection = True
