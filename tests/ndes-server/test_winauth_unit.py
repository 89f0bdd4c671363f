# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks of md4.py and winauth.py below the level curl can reach, for
test_winauth.sh: RFC 1320 and MS-NLMP vectors, then a real loopback server
driven by a small NTLM client written here (NTLMv1/LM-only answers, replays,
malformed and truncated tokens, keep-alive after a 401 with a body,
connection persistence, Basic mode), and Extended Protection: Type 3
messages with no, all-zero, wrong and right MsvAvChannelBindings under
each --epa mode.  NTLMSSP in SPNEGO (RFC 4178): MS-NLMP 4.2.4.4 signing
vectors, RC4 vectors, hand-built NegTokenInit/NegTokenResp tokens (a token
libcurl 8.14 + gss-ntlmssp sent), the mechListMIC exchange both ways,
NTLMSSP reselected after a Kerberos-first offer, EPA through SPNEGO.

    /usr/bin/python3 test_winauth_unit.py PORT

Prints one line per failed check and exits 1 if any failed, else 0.
"""

import base64
import http.client
import os
import random
import struct
import sys
import threading
from http.server import ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import md4  # noqa: E402
import winauth  # noqa: E402
from test_winauth_server import Handler  # noqa: E402

FAILED = []
PASSED = [0]


def check(cond, what):
    if cond:
        PASSED[0] += 1
    else:
        FAILED.append(what)
        print("FAIL: " + what, flush=True)


def u16(text):
    return text.encode("utf-16-le")


# ------------------------------------------------------------ vectors

def test_vectors():
    for msg, want in md4.RFC1320_VECTORS:
        check(md4.md4(msg).hexdigest() == want, "md4(%r)" % msg)
    # MS-NLMP 4.2.4.1.1 / 4.2.4.2.2: User, Domain, Password.
    key = winauth.ntowfv2("Password", "User", "Domain")
    check(key.hex() == "0c868a403bfd7a93a3001ef22ef02e3f", "MS-NLMP NTOWFv2")
    av = (struct.pack("<HH", 2, 12) + u16("Domain") + struct.pack("<HH", 1, 12)
          + u16("Server") + b"\0" * 4)
    temp = bytes([1, 1]) + b"\0" * 6 + b"\0" * 8 + b"\xaa" * 8 + b"\0" * 4 + av + b"\0" * 4
    proof = winauth.ntlmv2_proof(key, bytes.fromhex("0123456789abcdef"), temp)
    check(proof.hex() == "68cd0ab851e51c96aabc927bebef6a1c", "MS-NLMP NTProofStr")


# ------------------------------------------------------------ NTLM client

def type1(flags=0xE2088297):
    # The flags libcurl 7.88 sends, roughly; 32 bytes like libcurl's.
    return winauth.SIGNATURE + struct.pack("<II", 1, flags) + b"\0" * 16


def parse_type2(msg):
    assert msg[:8] == winauth.SIGNATURE and struct.unpack_from("<I", msg, 8)[0] == 2
    flags = struct.unpack_from("<I", msg, 20)[0]
    challenge = msg[24:32]
    ti_len, _, ti_off = struct.unpack_from("<HHI", msg, 40)
    return flags, challenge, msg[ti_off:ti_off + ti_len]


def with_av(target_info, av_id, value):
    """target_info (ending in MsvAvEOL) with one more AV pair before EOL."""
    assert target_info.endswith(b"\0\0\0\0")
    return (target_info[:-4] + struct.pack("<HH", av_id, len(value)) + value
            + b"\0\0\0\0")


def type3(challenge, target_info, user, domain, password, nt_resp=None,
          lm_resp=None, flags=winauth.NEGOTIATE_UNICODE, unicode=True,
          blob_version=1, cbt=None, cbt_after_proof=False, session_key=b""):
    """cbt: MsvAvChannelBindings value added to the blob's AV pairs (inside
    the part the NTProofStr covers); cbt_after_proof: added after the proof
    was computed (a forged pair)."""
    if nt_resp is None:
        av = target_info
        if cbt is not None and not cbt_after_proof:
            av = with_av(av, 10, cbt)
        head = (bytes([blob_version, blob_version]) + b"\0" * 6
                + struct.pack("<Q", 0) + os.urandom(8) + b"\0" * 4)
        blob = head + av + b"\0" * 4
        key = winauth.ntowfv2(password, user, domain)
        proof = winauth.ntlmv2_proof(key, challenge, blob)
        if cbt is not None and cbt_after_proof:
            blob = head + with_av(av, 10, cbt) + b"\0" * 4
        nt_resp = proof + blob
    if lm_resp is None:
        lm_resp = b"\0" * 24
    enc = u16 if unicode else (lambda s: s.encode("latin-1"))
    dom, usr, host = enc(domain), enc(user), enc("WS")
    off = 64
    fields, payload = b"", b""
    for item in (lm_resp, nt_resp, dom, usr, host, session_key):
        fields += struct.pack("<HHI", len(item), len(item), off + len(payload))
        payload += item
    return winauth.SIGNATURE + struct.pack("<I", 3) + fields + struct.pack("<I", flags) + payload


def b64(data):
    return base64.b64encode(data).decode("ascii")


def request(conn, auth=None, method="GET", body=None):
    headers = {"Authorization": auth} if auth else {}
    conn.request(method, "/certsrv/mscep_admin/", body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, resp.msg, data


def handshake1(conn, scheme="NTLM"):
    status, msg, _ = request(conn, "%s %s" % (scheme, b64(type1())))
    values = msg.get_all("WWW-Authenticate") or []
    check(status == 401 and len(values) == 1 and values[0].startswith(scheme + " "),
          "Type 1 -> 401 with one '%s <Type 2>' header (got %s %r)" % (scheme, status, values))
    return parse_type2(base64.b64decode(values[0].split(" ", 1)[1]))


def test_ntlm(port):
    mk = lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=10)  # noqa: E731

    # Good NTLMv2, user and domain in other cases, then persistence.
    conn = mk()
    flags, chal, ti = handshake1(conn)
    check(flags & winauth.NEGOTIATE_TARGET_INFO and ti.endswith(b"\0\0\0\0"),
          "Type 2 has target info")
    check(u16("EXAMPLE") in ti and u16("example.test") in ti, "target info names")
    status, _, body = request(conn, "NTLM " + b64(type3(chal, ti, "ALICE", "example",
                                                        "Secr3t!")))
    check(status == 200 and body == b"user=EXAMPLE\\alice method=NTLM\n",
          "NTLMv2 ALICE/example -> 200 as EXAMPLE\\alice (got %s %r)" % (status, body))
    status, _, body = request(conn)
    check(status == 200, "authenticated connection stays authenticated (got %s)" % status)
    conn.close()

    # The same Type 3 on a new connection, and again on the old one.
    conn = mk()
    _, chal, ti = handshake1(conn)
    t3 = "NTLM " + b64(type3(chal, ti, "alice", "EXAMPLE", "Secr3t!"))
    conn2 = mk()
    status, msg, _ = request(conn2, t3)
    check(status == 401, "Type 3 on another connection -> 401 (got %s)" % status)
    check((msg.get_all("WWW-Authenticate") or []) == ["Negotiate", "NTLM"],
          "401 after a failed Type 3 offers Negotiate and NTLM")
    status, _, _ = request(conn, t3)
    check(status == 200, "the same Type 3 on its own connection -> 200 (got %s)" % status)
    conn.close()
    conn2.close()

    # Replay on the same connection after success.
    conn = mk()
    _, chal, ti = handshake1(conn)
    t3 = "NTLM " + b64(type3(chal, ti, "alice", "EXAMPLE", "Secr3t!"))
    check(request(conn, t3)[0] == 200, "Type 3 accepted once")
    check(request(conn, t3)[0] == 401, "same Type 3 again on the same connection -> 401")
    conn.close()

    # Raw NTLMSSP with the Negotiate scheme (Windows clients do this).
    conn = mk()
    _, chal, ti = handshake1(conn, "Negotiate")
    status, _, body = request(conn, "Negotiate " + b64(type3(chal, ti, "alice", "EXAMPLE",
                                                             "Secr3t!")))
    check(status == 200, "raw NTLM in Negotiate -> 200 (got %s)" % status)
    conn.close()

    # UPN form in the user field with an empty domain; DNS domain.
    for user, dom in (("alice@EXAMPLE", ""), ("alice@example.test", ""),
                      ("alice", "EXAMPLE.TEST"), ("bob", "EXAMPLE")):
        conn = mk()
        _, chal, ti = handshake1(conn)
        pw = "Bob-Pw1!" if user == "bob" else "Secr3t!"
        status, _, _ = request(conn, "NTLM " + b64(type3(chal, ti, user, dom, pw)))
        check(status == 200, "NTLMv2 %r/%r -> 200 (got %s)" % (user, dom, status))
        conn.close()

    # Refusals: each on a fresh handshake.
    bad = [
        ("wrong password", dict(user="alice", domain="EXAMPLE", password="wrong")),
        ("bob with alice's password", dict(user="bob", domain="EXAMPLE", password="Secr3t!")),
        ("unknown user", dict(user="carol", domain="EXAMPLE", password="Secr3t!")),
        ("other domain", dict(user="alice", domain="OTHER", password="Secr3t!")),
        ("NTLMv1 24-byte response", dict(user="alice", domain="EXAMPLE", password="Secr3t!",
                                         nt_resp=os.urandom(24))),
        ("LM-only response", dict(user="alice", domain="EXAMPLE", password="Secr3t!",
                                  nt_resp=b"")),
        ("anonymous", dict(user="", domain="", password="", nt_resp=b"", lm_resp=b"")),
        ("short NTLMv2", dict(user="alice", domain="EXAMPLE", password="Secr3t!",
                              nt_resp=os.urandom(40))),
        ("blob version 2", dict(user="alice", domain="EXAMPLE", password="Secr3t!",
                                blob_version=2)),
        ("OEM strings, odd decode", dict(user="alice", domain="EXAMPLE", password="x",
                                         flags=0, unicode=False)),
    ]
    for what, kw in bad:
        conn = mk()
        _, chal, ti = handshake1(conn)
        status, msg, body = request(conn, "NTLM " + b64(type3(chal, ti, **kw)))
        check(status == 401 and b"401" in body, "%s -> 401 (got %s)" % (what, status))
        # Keep-alive survives the refusal: a new handshake works.
        _, chal, ti = handshake1(conn)
        status, _, _ = request(conn, "NTLM " + b64(type3(chal, ti, "alice", "EXAMPLE",
                                                         "Secr3t!")))
        check(status == 200, "new handshake after '%s' on the same connection" % what)
        conn.close()

    # OEM (non-Unicode) strings done right verify too.
    conn = mk()
    _, chal, ti = handshake1(conn)
    status, _, _ = request(conn, "NTLM " + b64(type3(chal, ti, "alice", "EXAMPLE", "Secr3t!",
                                                     flags=0, unicode=False)))
    check(status == 200, "OEM strings -> 200 (got %s)" % status)
    conn.close()

    # Type 1 POST with a body: the body is drained, the handshake goes on.
    conn = mk()
    conn.request("POST", "/x", body=b"A" * 5000,
                 headers={"Authorization": "NTLM " + b64(type1())})
    resp = conn.getresponse()
    values = resp.msg.get_all("WWW-Authenticate")
    resp.read()
    _, chal, ti = parse_type2(base64.b64decode(values[0].split(" ", 1)[1]))
    status, _, _ = request(conn, "NTLM " + b64(type3(chal, ti, "alice", "EXAMPLE",
                                                     "Secr3t!")), method="POST", body=b"B" * 10)
    check(status == 200, "POST Type 1 with body, then Type 3 -> 200 (got %s)" % status)
    conn.close()


def test_malformed(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    good_chal = None
    cases = [
        "NTLM", "NTLM ", "NTLM !!!notbase64", "NTLM " + b64(b"short"),
        "NTLM " + b64(b"NTLMSSP\0"), "NTLM " + b64(winauth.SIGNATURE + struct.pack("<I", 2)),
        "NTLM " + b64(winauth.SIGNATURE + struct.pack("<I", 1)),
        "NTLM " + b64(winauth.SIGNATURE + struct.pack("<I", 3) + b"\0" * 20),
        "Negotiate", "Negotiate " + b64(b"\x60\x03\x06\x01\x00"),
        "Negotiate " + b64(os.urandom(200)), "Basic " + b64(b"alice:Secr3t!"),
        "Digest username=alice", "Bearer abc", "NTLM " + "A" * 70000,
    ]
    for auth in cases:
        try:
            status, msg, body = request(conn, auth)
        except (http.client.HTTPException, OSError) as exc:
            check(False, "%r: connection broke (%s)" % (auth[:40], type(exc).__name__))
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        check(status in (400, 401, 431), "%r -> 401 (got %s)" % (auth[:40], status))
        if status == 401:
            check(int(msg.get("Content-Length", "-1")) == len(body) and body,
                  "%r: 401 has a body and a Content-Length" % auth[:40])
        if msg.get("Connection", "").lower() == "close" or status != 401:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    # Type 3 with fields pointing outside the message / truncated.
    rng = random.Random(1234)
    for i in range(150):
        _, good_chal, ti = handshake1(conn)
        t3 = bytearray(type3(good_chal, ti, "alice", "EXAMPLE", "Secr3t!"))
        kind = i % 3
        if kind == 0:
            t3 = t3[:rng.randrange(12, len(t3))]
        elif kind == 1:
            for _ in range(rng.randrange(1, 6)):
                t3[rng.randrange(12, 64)] = rng.randrange(256)
        else:
            for _ in range(rng.randrange(1, 10)):
                t3[rng.randrange(64, len(t3))] ^= 1 << rng.randrange(8)
        status, _, _ = request(conn, "NTLM " + b64(bytes(t3)))
        # A flip in the workstation name or LM response may still verify.
        if status != 401 and not (kind != 0 and status == 200):
            check(False, "mangled Type 3 #%d -> %s" % (i, status))
    check(True, "150 mangled Type 3 messages answered")
    status, _, _ = request(conn)
    check(status in (200, 401), "server alive after the mangled messages")
    conn.close()


def test_basic(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    status, msg, _ = request(conn)
    values = msg.get_all("WWW-Authenticate") or []
    check(status == 401 and values[:2] == ["Negotiate", "NTLM"]
          and len(values) == 3 and values[2].startswith("Basic "),
          "basic=True: 401 offers Negotiate, NTLM, Basic (got %r)" % values)
    for login, pw, want in (("EXAMPLE\\alice", "Secr3t!", 200), ("alice@example.test", "Secr3t!", 200),
                            ("alice", "Secr3t!", 200), ("EXAMPLE\\alice", "nope", 401),
                            ("EXAMPLE\\carol", "Secr3t!", 401)):
        status, _, body = request(conn, "Basic " + b64(("%s:%s" % (login, pw)).encode()))
        check(status == want, "Basic %s -> %s (got %s)" % (login, want, status))
        if want == 200:
            check(body == b"user=EXAMPLE\\alice method=Basic\n", "Basic user reported")
            # Basic authenticates one request, not the connection.
            check(request(conn)[0] == 401, "Basic does not persist on the connection")
    conn.close()


# ------------------------------------------------------------ EPA

APP_DATA = b"tls-server-end-point:" + bytes(range(32))


def my_cbt_hash(app_data):
    """MsvAvChannelBindings, computed here independently of winauth: MD5 over
    gss_channel_bindings_struct = initiator addrtype, address length,
    acceptor addrtype, address length (all 0, no addresses), application
    data length, application data; integers uint32 little-endian."""
    import hashlib
    raw = b"\0" * 16 + len(app_data).to_bytes(4, "little") + app_data
    return hashlib.md5(raw).digest()


EPA_CASES = [  # name, MsvAvChannelBindings value (None: no pair)
    ("none", None),
    ("zero", b"\0" * 16),
    ("wrong", my_cbt_hash(b"tls-server-end-point:" + b"\xee" * 32)),
    ("match", my_cbt_hash(APP_DATA)),
]
EPA_WANT = {  # mode -> names that get 200
    "off": {"none", "zero", "wrong", "match"},
    "accept": {"none", "match"},
    "required": {"match"},
}


def last_cb_log(logs):
    for line in reversed(logs):
        if "channel_binding=" in line:
            return line.split("channel_binding=", 1)[1].split()[0]
    return None


def test_epa(users, logs):
    check(winauth.ntlm_channel_binding_hash(APP_DATA) == my_cbt_hash(APP_DATA),
          "ntlm_channel_binding_hash matches the struct layout")
    for mode, binding in (("off", APP_DATA), ("accept", APP_DATA),
                          ("required", APP_DATA), ("required", None)):
        srv = serve(winauth.WindowsAuth(users=users, log=logs.append, epa=mode,
                                        channel_binding=binding), 0)
        port = srv.server_address[1]
        label = "epa=%s%s" % (mode, "" if binding else " (plain HTTP)")
        for scheme in ("NTLM", "Negotiate"):
            for name, value in EPA_CASES:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                _, chal, ti = handshake1(conn, scheme)
                del logs[:]
                status, msg, body = request(conn, "%s %s" % (scheme, b64(type3(
                    chal, ti, "alice", "EXAMPLE", "Secr3t!", cbt=value))))
                ok = binding is None or name in EPA_WANT[mode]
                want_status = 200 if ok else 401
                check(status == want_status, "%s %s binding %s -> %s (got %s)" % (
                    label, scheme, name, want_status, status))
                if not ok:
                    check((msg.get_all("WWW-Authenticate") or []) == ["Negotiate", "NTLM"],
                          "%s %s binding %s: plain 401 with the default challenges"
                          % (label, scheme, name))
                    # keep-alive survives; a fresh handshake with the right
                    # binding works
                    _, chal, ti = handshake1(conn, scheme)
                    status, _, _ = request(conn, "%s %s" % (scheme, b64(type3(
                        chal, ti, "alice", "EXAMPLE", "Secr3t!",
                        cbt=my_cbt_hash(APP_DATA)))))
                    check(status == 200, "%s: right binding after a refusal -> 200 (got %s)"
                          % (label, status))
                want_log = "not-checked" if (mode == "off" or binding is None) else name
                got_log = last_cb_log(logs) if ok else None
                if not ok:
                    got_log = next((ln.split("channel_binding=", 1)[1].split()[0]
                                    for ln in logs if "401" in ln and "channel_binding=" in ln),
                                   None)
                check(got_log == want_log, "%s %s binding %s: log says %s (got %s)"
                      % (label, scheme, name, want_log, got_log))
                conn.close()
        if binding is not None and mode != "off":
            # A pair added after the proof was computed: the proof fails, a
            # wrong-password 401 whatever the binding.
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            _, chal, ti = handshake1(conn)
            status, _, _ = request(conn, "NTLM " + b64(type3(
                chal, ti, "alice", "EXAMPLE", "Secr3t!", cbt=my_cbt_hash(APP_DATA),
                cbt_after_proof=True)))
            check(status == 401, "%s: binding outside the NTProofStr -> 401 (got %s)"
                  % (label, status))
            # Wrong password with the right binding: refused, binding unread.
            _, chal, ti = handshake1(conn)
            del logs[:]
            status, _, _ = request(conn, "NTLM " + b64(type3(
                chal, ti, "alice", "EXAMPLE", "wrong", cbt=my_cbt_hash(APP_DATA))))
            check(status == 401 and not any("channel_binding=" in ln for ln in logs),
                  "%s: wrong password with the right binding -> 401, binding not judged"
                  % label)
            # A binding pair of the wrong length counts as wrong.
            _, chal, ti = handshake1(conn)
            status, _, _ = request(conn, "NTLM " + b64(type3(
                chal, ti, "alice", "EXAMPLE", "Secr3t!", cbt=my_cbt_hash(APP_DATA)[:8])))
            check(status == 401, "%s: 8-byte binding -> 401 (got %s)" % (label, status))
            conn.close()
        srv.shutdown()
        srv.server_close()


# ------------------------------------------------------------ SPNEGO/NTLMSSP

# What libcurl 8.14.1 + MIT krb5 1.21 + gss-ntlmssp 1.2.0 sent (Debian 13):
# NegTokenInit, mechTypes [NTLMSSP], mechToken = NTLM Type 1.
CURL_NEG_INIT = base64.b64decode(
    "YEgGBisGAQUFAqA+MDygDjAMBgorBgEEAYI3AgIKoioEKE5UTE1TU1AAAQAAABeCCOIAAAAA"
    "AAAAAAAAAAAAAAAABgIAAAAAAA8=")
# DER of the OID 1.3.6.1.4.1.311.2.2.10 (NTLMSSP), by hand
NTLMSSP_OID_DER = bytes.fromhex("060a2b06010401823702020a")
# KRB5 1.2.840.113554.1.2.2
KRB5_OID_DER = bytes.fromhex("06092a864886f712010202")
SPNEGO_FLAGS = (winauth.NEGOTIATE_UNICODE | winauth.REQUEST_TARGET
                | winauth.NEGOTIATE_SIGN | winauth.NEGOTIATE_NTLM
                | winauth.NEGOTIATE_ALWAYS_SIGN
                | winauth.NEGOTIATE_EXTENDED_SESSIONSECURITY
                | winauth.NEGOTIATE_TARGET_INFO | winauth.NEGOTIATE_VERSION
                | winauth.NEGOTIATE_128 | winauth.NEGOTIATE_KEY_EXCH
                | winauth.NEGOTIATE_56)


def der(tag, content):
    """DER element, built here independently of winauth."""
    n = len(content)
    if n < 128:
        return bytes([tag, n]) + content
    if n < 256:
        return bytes([tag, 0x81, n]) + content
    return bytes([tag, 0x82, n >> 8, n & 0xFF]) + content


def neg_init(mech_oids_der, mech_token=None):
    mech_list = der(0x30, b"".join(mech_oids_der))
    fields = der(0xA0, mech_list)
    if mech_token is not None:
        fields += der(0xA2, der(0x04, mech_token))
    return der(0x60, bytes.fromhex("06062b0601050502") + der(0xA0, der(0x30, fields))), mech_list


def neg_resp(token=None, mic=None, state=None):
    fields = b""
    if state is not None:
        fields += der(0xA0, der(0x0A, bytes([state])))
    if token is not None:
        fields += der(0xA2, der(0x04, token))
    if mic is not None:
        fields += der(0xA3, der(0x04, mic))
    return der(0xA1, der(0x30, fields))


def read_der(data, pos=0):
    """(tag, content) at pos, and the next position."""
    tag, n = data[pos], data[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(data[pos:pos + k], "big")
        pos += k
    return tag, data[pos:pos + n], pos + n


def parse_resp(token):
    """{field number: content} of a NegTokenResp, parsed here."""
    tag, seq, _ = read_der(token)
    assert tag == 0xA1
    tag, body, _ = read_der(seq)
    assert tag == 0x30
    out, pos = {}, 0
    while pos < len(body):
        tag, content, pos = read_der(body, pos)
        _, inner, _ = read_der(content)
        out[tag & 0x1F] = inner
    return out


def test_spnego_vectors():
    # RC4 (the well-known "Key"/"Wiki"/"Secret" vectors)
    for key, pt, ct in ((b"Key", b"Plaintext", "bbf316e8d940af0ad3"),
                        (b"Wiki", b"pedia", "1021bf0420"),
                        (b"Secret", b"Attack at dawn", "45a01f645fc35b383552544b9bf5")):
        check(winauth.RC4(key).crypt(pt).hex() == ct, "RC4 vector %r" % key)
    # MS-NLMP 4.2.4: NTLMv2 with KEY_EXCH; 4.2.4.4 GSS_WrapEx signature
    owf = winauth.ntowfv2("Password", "User", "Domain")
    proof = bytes.fromhex("68cd0ab851e51c96aabc927bebef6a1c")
    flags = 0xE28A8233
    exported = winauth.ntlm_exported_session_key(
        owf, proof, flags, bytes.fromhex("c5dad2544fc9799094ce1ce90bc9d03e"))
    check(exported == b"\x55" * 16, "MS-NLMP 4.2.4 ExportedSessionKey (RandomSessionKey)")
    sign, seal = winauth.ntlm_sign_keys(exported, flags, True)
    check(sign.hex() == "4788dc861b4782f35d43fd98fe1a2d39", "MS-NLMP 4.2.4 SignKey")
    check(seal.hex() == "59f600973cc4960a25480a7c196e4c58", "MS-NLMP 4.2.4 SealKey")
    rc4 = winauth.RC4(seal)
    pt = u16("Plaintext")
    check(rc4.crypt(pt).hex() == "54e50165bf1936dc996020c1811b0f06fb5f",
          "MS-NLMP 4.2.4.4 sealed data")
    import hashlib
    import hmac
    checksum = hmac.new(sign, b"\0\0\0\0" + pt, hashlib.md5).digest()[:8]
    check(rc4.crypt(checksum).hex() == "7fb38ec5c55d4976", "MS-NLMP 4.2.4.4 signature checksum")
    # sign only (fresh RC4 handle): what mechListMIC uses
    mac = winauth.ntlm_mac(exported, flags, True, pt)
    check(mac[:4] == b"\1\0\0\0" and mac[12:] == b"\0\0\0\0"
          and mac[4:12] == winauth.RC4(seal).crypt(checksum), "ntlm_mac layout")
    # curl's NegTokenInit
    init = winauth.parse_neg_token_init(CURL_NEG_INIT)
    check(init["mech_types"] == [winauth.OID_NTLMSSP], "curl NegTokenInit: mechTypes")
    check(init["mech_list"] == der(0x30, NTLMSSP_OID_DER), "curl NegTokenInit: MechTypeList DER")
    check(init["mech_token"][:12] == winauth.SIGNATURE + b"\1\0\0\0", "curl NegTokenInit: Type 1")
    tok, _ = neg_init([KRB5_OID_DER, NTLMSSP_OID_DER], b"x" * 300)
    init = winauth.parse_neg_token_init(tok)
    check(init["mech_types"] == [winauth.OID_KRB5, winauth.OID_NTLMSSP]
          and init["mech_token"] == b"x" * 300, "NegTokenInit with long-form lengths")
    check(winauth.build_neg_token_resp(0, None, None, b"m" * 16)
          == bytes.fromhex("a11b3019a0030a0100a3120410") + b"m" * 16,
          "NegTokenResp(accept-completed, mechListMIC) DER")
    check(winauth.build_neg_token_resp(1, winauth.OID_NTLMSSP) ==
          der(0xA1, der(0x30, bytes.fromhex("a0030a0101") + der(0xA1, NTLMSSP_OID_DER))),
          "NegTokenResp(accept-incomplete, NTLMSSP) DER")
    for bad in (b"", b"\x60", b"\x60\x05\x06\x03\x2b\x06\x01", CURL_NEG_INIT[:-3],
                b"\x60\x80" + CURL_NEG_INIT[2:], b"\xa1\x03\x30\x01\x00"):
        try:
            winauth.parse_neg_token_init(bad)
            check(False, "broken NegTokenInit %r refused" % bad[:8])
        except winauth._DerError:  # pylint: disable=protected-access
            PASSED[0] += 1


def spnego_type3(chal, ti, mech_list, user="alice", domain="EXAMPLE",
                 password="Secr3t!", cbt=None, mic="good", flags=SPNEGO_FLAGS):
    """A NegTokenResp with a keyed Type 3 and (mic: "good", "bad", None) a
    mechListMIC; returns (token, exported session key)."""
    import hashlib
    import hmac
    random_key = os.urandom(16)
    owf = winauth.ntowfv2(password, user, domain)
    msg = type3(chal, ti, user, domain, password, flags=flags, cbt=cbt,
                session_key=b"\0" * 16)
    nt_len, _, nt_off = struct.unpack_from("<HHI", msg, 20)
    proof = msg[nt_off:nt_off + 16]
    base = hmac.new(owf, proof, hashlib.md5).digest()
    enc = winauth.RC4(base).crypt(random_key)
    sk_off = struct.unpack_from("<I", msg, 56)[0]
    msg = msg[:sk_off] + enc + msg[sk_off + 16:]
    mac = None
    if mic is not None:
        mac = winauth.ntlm_mac(random_key, flags, True, mech_list)
        if mic == "bad":
            mac = mac[:5] + bytes([mac[5] ^ 1]) + mac[6:]
    return neg_resp(msg, mac), random_key


def spnego_start(conn, mechs=(NTLMSSP_OID_DER,), flags=SPNEGO_FLAGS, reselect=False):
    """Send a NegTokenInit; (status, parsed NegTokenResp, mech_list, Type 2)."""
    tok, mech_list = neg_init(list(mechs), b"KRB5 AP-REQ?" if reselect else type1(flags))
    status, msg, _ = request(conn, "Negotiate " + b64(tok))
    values = msg.get_all("WWW-Authenticate") or []
    if len(values) != 1 or not values[0].startswith("Negotiate "):
        return status, None, mech_list, None
    resp = parse_resp(base64.b64decode(values[0].split(" ", 1)[1]))
    t2 = parse_type2(resp[2]) if 2 in resp else None
    return status, resp, mech_list, t2


def final_token(msg):
    values = msg.get_all("WWW-Authenticate") or []
    if len(values) != 1 or not values[0].startswith("Negotiate "):
        return None
    return parse_resp(base64.b64decode(values[0].split(" ", 1)[1]))


def test_spnego(users, logs, all_logs):
    def log(line):
        logs.append(line)
        all_logs.append(line)

    for mode, binding in (("off", None), ("required", APP_DATA)):
        srv = serve(winauth.WindowsAuth(users=users, log=log, epa=mode,
                                        channel_binding=binding,
                                        keytab="/nonexistent/winauth.keytab"), 0)
        port = srv.server_address[1]
        mk = lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=10)  # noqa: E731
        cbt = my_cbt_hash(APP_DATA) if binding else None
        label = "SPNEGO epa=%s" % mode

        # happy path with mechListMIC both ways, then persistence
        conn = mk()
        status, resp, mech_list, t2 = spnego_start(conn)
        check(status == 401 and resp is not None and resp.get(0) == b"\1"
              and resp.get(1) == NTLMSSP_OID_DER[2:] and t2 is not None,
              "%s: NegTokenInit -> 401 NegTokenResp(accept-incomplete, NTLMSSP, Type 2)" % label)
        flags2, chal, ti = t2
        check(flags2 & winauth.NEGOTIATE_KEY_EXCH and flags2 & winauth.NEGOTIATE_SIGN,
              "%s: Type 2 echoes KEY_EXCH and SIGN" % label)
        del logs[:]
        tok, key = spnego_type3(chal, ti, mech_list, cbt=cbt)
        status, msg, body = request(conn, "Negotiate " + b64(tok))
        check(status == 200 and body == b"user=EXAMPLE\\alice method=NTLM\n",
              "%s: Type 3 + mechListMIC -> 200 (got %s %r)" % (label, status, body))
        fin = final_token(msg)
        check(fin is not None and fin.get(0) == b"\0" and 2 not in fin
              and fin.get(3) == winauth.ntlm_mac(key, SPNEGO_FLAGS, False, mech_list),
              "%s: 200 carries NegTokenResp(accept-completed, server mechListMIC)" % label)
        want = "match" if binding else "not-checked"
        check(last_cb_log(logs) == want, "%s: log says channel_binding=%s (got %s)"
              % (label, want, last_cb_log(logs)))
        check(any("NTLMSSP in SPNEGO" in ln for ln in logs), "%s: log names SPNEGO" % label)
        check(request(conn)[0] == 200, "%s: connection stays authenticated" % label)
        conn.close()

        # a wrong client mechListMIC
        conn = mk()
        _, _, mech_list, (_, chal, ti) = spnego_start(conn)
        tok, _ = spnego_type3(chal, ti, mech_list, cbt=cbt, mic="bad")
        status, _, _ = request(conn, "Negotiate " + b64(tok))
        check(status == 401, "%s: wrong mechListMIC -> 401 (got %s)" % (label, status))
        # no MIC at all (NTLMSSP was the first choice): accepted, none sent
        _, _, mech_list, (_, chal, ti) = spnego_start(conn)
        tok, _ = spnego_type3(chal, ti, mech_list, cbt=cbt, mic=None)
        status, msg, _ = request(conn, "Negotiate " + b64(tok))
        fin = final_token(msg)
        check(status == 200 and fin is not None and 3 not in fin,
              "%s: no client MIC -> 200 without a server MIC (got %s)" % (label, status))
        conn.close()

        # wrong password; Type 1 where the Type 3 belongs; stray NegTokenResp
        conn = mk()
        _, _, mech_list, (_, chal, ti) = spnego_start(conn)
        tok, _ = spnego_type3(chal, ti, mech_list, password="nope", cbt=cbt)
        check(request(conn, "Negotiate " + b64(tok))[0] == 401,
              "%s: wrong password -> 401" % label)
        _, _, mech_list, _ = spnego_start(conn)
        check(request(conn, "Negotiate " + b64(neg_resp(type1())))[0] == 401,
              "%s: Type 1 instead of Type 3 -> 401" % label)
        check(request(conn, "Negotiate " + b64(neg_resp(b"junk")))[0] == 401,
              "%s: NegTokenResp without a pending exchange -> 401" % label)
        for junk in (CURL_NEG_INIT[:-5], b"\x60\x03\x06\x01\x00",
                     neg_init([NTLMSSP_OID_DER], b"NTLMSSP\0\2\0\0\0")[0]):
            check(request(conn, "Negotiate " + b64(junk))[0] == 401,
                  "%s: malformed SPNEGO %r -> 401" % (label, junk[:6]))
        check(not conn.sock or request(conn)[0] == 401, "%s: connection still usable" % label)
        conn.close()

        if binding:
            # EPA through SPNEGO: no binding / all-zero -> refused
            for name, value in (("none", None), ("zero", b"\0" * 16)):
                conn = mk()
                _, _, mech_list, (_, chal, ti) = spnego_start(conn)
                del logs[:]
                tok, _ = spnego_type3(chal, ti, mech_list, cbt=value)
                status, _, _ = request(conn, "Negotiate " + b64(tok))
                got = next((ln.split("channel_binding=", 1)[1].split()[0]
                            for ln in logs if "channel_binding=" in ln), None)
                check(status == 401 and got == name,
                      "%s: binding %s -> 401, logged %s (got %s, %s)"
                      % (label, name, name, status, got))
                conn.close()

        # Kerberos offered first but not acceptable here: NTLMSSP reselected
        # (RFC 4178 5 c), the client answers with a Type 1, MIC mandatory.
        conn = mk()
        status, resp, mech_list, _ = spnego_start(
            conn, (KRB5_OID_DER, NTLMSSP_OID_DER), reselect=True)
        check(status == 401 and resp is not None and resp.get(0) == b"\1"
              and resp.get(1) == NTLMSSP_OID_DER[2:] and 2 not in resp,
              "%s: Kerberos-first offer -> NTLMSSP selected, no token (got %s %r)"
              % (label, status, resp))
        status, msg, _ = request(conn, "Negotiate " + b64(neg_resp(type1(SPNEGO_FLAGS))))
        fin = final_token(msg)
        check(status == 401 and fin is not None and 2 in fin and 1 not in fin,
              "%s: reselected: Type 1 -> Type 2 (got %s)" % (label, status))
        _, chal, ti = parse_type2(fin[2])
        tok, _ = spnego_type3(chal, ti, mech_list, cbt=cbt, mic=None)
        check(request(conn, "Negotiate " + b64(tok))[0] == 401,
              "%s: reselected without mechListMIC -> 401" % label)
        request(conn, "Negotiate " + b64(neg_init([KRB5_OID_DER, NTLMSSP_OID_DER],
                                                  b"KRB5 AP-REQ?")[0]))
        status, msg, _ = request(conn, "Negotiate " + b64(neg_resp(type1(SPNEGO_FLAGS))))
        _, chal, ti = parse_type2(final_token(msg)[2])
        tok, key = spnego_type3(chal, ti, mech_list, cbt=cbt)
        status, msg, _ = request(conn, "Negotiate " + b64(tok))
        fin = final_token(msg)
        check(status == 200 and fin is not None
              and fin.get(3) == winauth.ntlm_mac(key, SPNEGO_FLAGS, False, mech_list),
              "%s: reselected with mechListMIC -> 200 + server MIC (got %s)" % (label, status))
        conn.close()
        srv.shutdown()
        srv.server_close()


def test_end_point():
    """tls_server_end_point: the certificate's signature hash, MD5/SHA-1
    replaced by SHA-256."""
    import datetime
    import hashlib
    import warnings
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    nm = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    t = datetime.datetime(2026, 1, 1)
    for algo, want in ((hashes.SHA256(), "sha256"), (hashes.SHA384(), "sha384"),
                       (hashes.SHA512(), "sha512"), (hashes.SHA1(), "sha256")):
        try:
            with warnings.catch_warnings():  # SHA-1 signing is deprecated
                warnings.simplefilter("ignore")
                cert = (x509.CertificateBuilder().subject_name(nm).issuer_name(nm)
                        .public_key(key.public_key()).serial_number(1)
                        .not_valid_before(t)
                        .not_valid_after(t + datetime.timedelta(days=1))
                        .sign(key, algo))
        except Exception:  # pylint: disable=broad-except  # SHA-1 refused
            continue
        der = cert.public_bytes(serialization.Encoding.DER)
        check(winauth.tls_server_end_point(der)
              == b"tls-server-end-point:" + hashlib.new(want, der).digest(),
              "tls-server-end-point of a %s-signed certificate uses %s"
              % (algo.name, want))


def serve(auth, port):
    srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    srv.auth = auth
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def main():
    logs = []
    users = {"EXAMPLE\\alice": "Secr3t!", "EXAMPLE\\bob": "Bob-Pw1!"}
    test_vectors()
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    srv = serve(winauth.WindowsAuth(users=users, log=logs.append), port)
    port = srv.server_address[1]
    test_ntlm(port)
    test_malformed(port)
    srv.shutdown()
    srv.server_close()
    srv = serve(winauth.WindowsAuth(users=users, basic=True, log=logs.append),
                port + 1 if port else 0)
    test_basic(srv.server_address[1])
    srv.shutdown()
    srv.server_close()
    epa_logs = []
    test_epa(users, epa_logs)
    logs.extend(epa_logs)
    test_spnego_vectors()
    test_spnego(users, [], logs)
    import importlib.util
    if importlib.util.find_spec("cryptography") is None:
        print("winauth unit: python3-cryptography missing, tls-server-end-point "
              "checks skipped")
    else:
        test_end_point()
    joined = "\n".join(logs)
    for secret in ("Secr3t!", "Bob-Pw1!", winauth.ntowfv2("Secr3t!", "alice", "EXAMPLE").hex(),
                   md4.md4(u16("Secr3t!")).hexdigest()):
        check(secret not in joined, "log is free of a password or hash")
    check("internal error" not in joined, "no internal errors logged:\n" + "\n".join(
        line for line in logs if "internal error" in line))
    print("winauth unit: %d checks passed, %d failed" % (PASSED[0], len(FAILED)))
    return 1 if FAILED else 0


if __name__ == "__main__":
    raise SystemExit(main())
