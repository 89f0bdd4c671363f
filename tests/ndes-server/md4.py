# SPDX-License-Identifier: GPL-3.0-or-later
"""MD4 (RFC 1320), pure Python.

NTLM's NT hash is MD4(UTF-16LE(password)).  OpenSSL 3 moved MD4 to the legacy
provider, so hashlib.new("md4") fails on Debian 12; this small implementation
keeps the NDES stand-in independent of the OpenSSL configuration.  Only for
test servers: it is slow and not constant-time.

Run this file to check it against the RFC 1320 appendix A.5 test suite.
"""

import struct

_MASK = 0xFFFFFFFF


def _rotl(x, n):
    x &= _MASK
    return ((x << n) | (x >> (32 - n))) & _MASK


def _f(x, y, z):
    return (x & y) | (~x & z)


def _g(x, y, z):
    return (x & y) | (x & z) | (y & z)


def _h(x, y, z):
    return x ^ y ^ z


# Round 2 and 3 additive constants (RFC 1320 section 3.4).
_R2 = 0x5A827999
_R3 = 0x6ED9EBA1

# Word orders and shift amounts of the three rounds.
_ORDER1 = list(range(16))
_ORDER2 = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15]
_ORDER3 = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15]
_SHIFT1 = [3, 7, 11, 19]
_SHIFT2 = [3, 5, 9, 13]
_SHIFT3 = [3, 9, 11, 15]


def _compress(state, block):
    x = struct.unpack("<16I", block)
    a, b, c, d = state
    for fn, const, order, shifts in ((_f, 0, _ORDER1, _SHIFT1),
                                     (_g, _R2, _ORDER2, _SHIFT2),
                                     (_h, _R3, _ORDER3, _SHIFT3)):
        for i, k in enumerate(order):
            s = shifts[i % 4]
            # The four registers rotate roles each step: a, d, c, b.
            t = _rotl(a + fn(b, c, d) + x[k] + const, s)
            a, b, c, d = d, t, b, c
    return [(state[0] + a) & _MASK, (state[1] + b) & _MASK,
            (state[2] + c) & _MASK, (state[3] + d) & _MASK]


class MD4:
    """Incremental MD4 with a hashlib-like interface."""

    digest_size = 16
    block_size = 64
    name = "md4"

    def __init__(self, data=b""):
        self._state = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476]
        self._buf = b""
        self._len = 0
        if data:
            self.update(data)

    def update(self, data):
        data = bytes(data)
        self._len += len(data)
        buf = self._buf + data
        full = len(buf) - len(buf) % 64
        for off in range(0, full, 64):
            self._state = _compress(self._state, buf[off:off + 64])
        self._buf = buf[full:]

    def copy(self):
        other = MD4()
        other._state = list(self._state)
        other._buf = self._buf
        other._len = self._len
        return other

    def digest(self):
        # Padding: 0x80, zeros to 56 mod 64, then the bit length (64-bit LE).
        bitlen = (self._len * 8) & 0xFFFFFFFFFFFFFFFF
        pad = b"\x80" + b"\x00" * ((55 - self._len) % 64)
        state = list(self._state)
        tail = self._buf + pad + struct.pack("<Q", bitlen)
        for off in range(0, len(tail), 64):
            state = _compress(state, tail[off:off + 64])
        return struct.pack("<4I", *state)

    def hexdigest(self):
        return self.digest().hex()


def md4(data=b""):
    return MD4(data)


# RFC 1320 appendix A.5.
RFC1320_VECTORS = [
    (b"", "31d6cfe0d16ae931b73c59d7e0c089c0"),
    (b"a", "bde52cb31de33e46245e05fbdbd6fb24"),
    (b"abc", "a448017aaf21d8525fc10ae87aa6729d"),
    (b"message digest", "d9130a8164549fe818874806e1c7014b"),
    (b"abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"),
    (b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
     "043f8582f241db351ce627e153e7f0e4"),
    (b"1234567890" * 8, "e33b4ddc9c38f2199c3e7b164fcc0536"),
]


def _selftest():
    failed = 0
    for msg, want in RFC1320_VECTORS:
        got = md4(msg).hexdigest()
        # Also feed it byte by byte: exercises the buffering.
        inc = MD4()
        for i in range(len(msg)):
            inc.update(msg[i:i + 1])
        for how, val in (("one-shot", got), ("incremental", inc.hexdigest())):
            if val != want:
                print("FAIL md4(%r) %s = %s, want %s" % (msg, how, val, want))
                failed += 1
    # MS-NLMP 4.2.2.1.2 NTOWFv1("Password") = MD4(UTF-16LE("Password")).
    nt = md4("Password".encode("utf-16-le")).hexdigest()
    if nt != "a4f49c406510bdcab6824ee7c30fd852":
        print("FAIL NT hash of 'Password' = %s" % nt)
        failed += 1
    if failed:
        return 1
    print("md4: all %d RFC 1320 vectors and the MS-NLMP NT hash pass"
          % len(RFC1320_VECTORS))
    return 0


if __name__ == "__main__":
    raise SystemExit(_selftest())
