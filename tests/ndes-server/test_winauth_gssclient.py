# SPDX-License-Identifier: GPL-3.0-or-later
"""A Kerberos (SPNEGO) HTTPS client with chosen channel bindings, for the
Extended Protection checks of test_winauth.sh and test_admin.sh.

    /usr/bin/python3 test_winauth_gssclient.py URL CAFILE none|right|wrong

Uses the ccache of KRB5CCNAME, the service HTTP@<host of URL>.  "right"
binds the RFC 5929 tls-server-end-point of the certificate the server
presented (computed here, independently of winauth.py), "wrong" the same
with one byte changed, "none" sends no bindings.  Prints the final HTTP
status (one request, one Negotiate round: Kerberos needs no more) and exits
0; exits 77 when python3-gssapi is missing, 2 on a client-side error.
"""

import base64
import hashlib
import http.client
import ssl
import sys
import urllib.parse


def end_point(der):
    from cryptography import x509
    cert = x509.load_der_x509_certificate(der)
    try:
        algo = cert.signature_hash_algorithm.name
    except Exception:  # pylint: disable=broad-except
        algo = "sha256"
    if algo in ("md5", "sha1"):
        algo = "sha256"
    return b"tls-server-end-point:" + hashlib.new(algo, der).digest()


def main():
    try:
        import gssapi
        import gssapi.raw
    except ImportError:
        print("python3-gssapi missing", file=sys.stderr)
        return 77
    url, cafile, mode = sys.argv[1:4]
    u = urllib.parse.urlsplit(url)
    ctx = ssl.create_default_context(cafile=cafile)
    conn = http.client.HTTPSConnection(u.hostname, u.port or 443, context=ctx,
                                       timeout=20)
    conn.connect()
    der = conn.sock.getpeercert(binary_form=True)
    cb = None
    if mode != "none":
        app = end_point(der)
        if mode == "wrong":
            app = app[:-1] + bytes([app[-1] ^ 0xFF])
        cb = gssapi.raw.ChannelBindings(application_data=app)
    spnego = gssapi.Mechanism.from_sasl_name("SPNEGO")
    name = gssapi.Name("HTTP@%s" % u.hostname, gssapi.NameType.hostbased_service)
    try:
        sc = gssapi.SecurityContext(name=name, usage="initiate", mech=spnego,
                                    channel_bindings=cb)
        token = sc.step()
    except gssapi.exceptions.GSSError as exc:
        print("gssapi: %s" % exc.gen_message(), file=sys.stderr)
        return 2
    conn.request("GET", u.path or "/", headers={
        "Authorization": "Negotiate " + base64.b64encode(token).decode()})
    resp = conn.getresponse()
    resp.read()
    print(resp.status)
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
