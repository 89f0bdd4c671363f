# SPDX-License-Identifier: GPL-3.0-or-later
"""HTTP side of the stand-in: IIS-like routing and limits, the SCEP
operations of mscep.dll and the Windows-authenticated mscep_admin page.
HTTP/1.1 keep-alive throughout, because NTLM authenticates a connection."""

import base64
import binascii
import http.server
import random
import socket
import ssl
import threading
import time
import traceback
import urllib.parse

import ndes_admin
import ndes_cms as C
import ndes_state

SCEP_PATHS = ("/certsrv/mscep/mscep.dll", "/certsrv/mscep/mscep.dll/pkiclient.exe")
ADMIN_PATH = "/certsrv/mscep_admin/"

# what Windows Server 2012 R2 .. 2022 NDES advertises, CRLF-terminated like IIS
CAPS = ["POSTPKIOperation", "Renewal", "SHA-512", "SHA-256", "SHA-1", "DES3"]

MAX_BODY = 1 << 20

IIS_ERRORS = {
    "404.0": ("Not Found", "The resource you are looking for has been removed, "
              "had its name changed, or is temporarily unavailable."),
    "404.14": ("Not Found", "The request filtering module is configured to deny "
               "a request where the URL is too long. (URL Too Long)"),
    "404.15": ("Not Found", "The request filtering module is configured to deny "
               "a request where the query string is too long. (Query String "
               "Too Long)"),
    "405.0": ("Method Not Allowed", "The page you are looking for cannot be "
              "displayed because an invalid method (HTTP verb) is being used."),
    "403.0": ("Forbidden", "You do not have permission to view this directory "
              "or page."),
    "500.0": ("Internal Server Error", "The page cannot be displayed because an "
              "internal server error has occurred."),
}


def iis_error_page(substatus):
    reason, text = IIS_ERRORS[substatus]
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\r\n'
        '<html xmlns="http://www.w3.org/1999/xhtml">\r\n<head>\r\n'
        '<title>IIS 10.0 Detailed Error - %s - %s</title>\r\n</head>\r\n'
        '<body>\r\n<div id="content">\r\n<div class="content-container">\r\n'
        '<h3>HTTP Error %s - %s</h3>\r\n<h4>%s</h4>\r\n</div>\r\n'
        '</div>\r\n</body>\r\n</html>\r\n' % (
            substatus, reason, substatus, reason, text)).encode()


def info_page(host):
    """GET mscep.dll without an operation."""
    url = "http://%s/CertSrv/mscep_admin" % host
    return (ndes_admin._HEAD +
            '<P> This URL is used by network devices to submit certificate '
            'requests. </P> <P> To obtain an enrollment challenge password, go '
            'to the admin URL. By default, the admin URL is <A Href="%s">%s'
            '</A> </P> <P ID=locPageDesc> For more information see  <A HREF='
            'http://go.microsoft.com/fwlink/?LinkId=67852>Using Network Device '
            'Enrollment Service </A>. </P>' % (url, url) + ndes_admin._TAIL)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""
    timeout = 60  # idle keep-alive connections do not pin threads forever

    # ------------------------------------------------------------ plumbing
    def log_message(self, fmt, *args):  # quiet: the JSON log is the record
        pass

    def version_string(self):
        return self.server_version

    def send(self, code, ctype, body, headers=(), reason=None):
        self.rec["http_status"] = code
        # the log line is written before the answer leaves, so a client that
        # got its answer can read the log line about it right away
        self._write_log()
        self.send_response(code, reason)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Powered-By", "ASP.NET")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def iis_error(self, substatus):
        code = int(substatus.split(".")[0])
        self.rec["iis_substatus"] = substatus
        self.send(code, "text/html", iis_error_page(substatus))

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_HEAD(self):
        self._handle()

    def _handle(self):
        cfg = self.server.cfg
        target = self.path
        path, _, query = target.partition("?")
        self.rec = rec = {
            "time": ndes_state.iso(), "client": self.client_address[0],
            "method": self.command, "path": path,
            "query_length": len(query), "url_length": len(target),
            "content_type": self.headers.get("Content-Type"),
        }
        self._t0 = time.monotonic()
        self._logged = False
        # requests being answered at once, this one included (fleet benchmark)
        with self.server.active_lock:
            self.server.active += 1
            rec["concurrent"] = self.server.active
        try:
            self._route(cfg, path, query)
        except (BrokenPipeError, ConnectionResetError):
            rec["error"] = "client went away"
            self.close_connection = True
        except Exception as e:  # a bug here must not kill the server
            rec["error"] = "internal: %s" % e
            rec["traceback"] = traceback.format_exc()
            try:
                self.iis_error("500.0")
            except Exception:
                pass
            self.close_connection = True
        finally:
            self._write_log()
            with self.server.active_lock:
                self.server.active -= 1

    def _write_log(self):
        if not self._logged:
            self._logged = True
            self.rec["ms"] = int((time.monotonic() - self._t0) * 1000)
            self.server.state.log(self.rec)

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks, total = [], 0
            while True:
                try:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                except ValueError:
                    raise ValueError("bad chunk size")
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    raise ValueError("body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise ValueError("bad Content-Length")
        if n < 0 or n > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(n) if n else b""

    # ------------------------------------------------------------ routing
    def _route(self, cfg, path, query):
        body = b""
        if self.command == "POST":
            try:
                body = self._read_body()
            except ValueError as e:
                self.rec["error"] = "request body: %s" % e
                self.close_connection = True
                if "too large" in str(e):
                    self.send(413, "text/html", b"Request Entity Too Large")
                else:
                    self.send(400, "text/html", b"Bad Request")
                return
        self.rec["body_length"] = len(body)
        # IIS request filtering: maxQueryString / maxUrl (in characters)
        if len(query) > cfg.max_query_string:
            if cfg.http_414:
                self.send(414, "text/html", b"<h1>Request-URI Too Long</h1>")
                return
            self.iis_error("404.15")
            return
        if len(path) > cfg.max_url:
            if cfg.http_414:
                self.send(414, "text/html", b"<h1>Request-URI Too Long</h1>")
                return
            self.iis_error("404.14")
            return
        lpath = urllib.parse.unquote(path).lower()
        if lpath in SCEP_PATHS:
            self._scep(cfg, query, body)
        elif lpath == ADMIN_PATH.rstrip("/"):
            host = self.headers.get("Host") or "%s:%d" % self.server.server_address[:2]
            scheme = "https" if cfg.tls else "http"
            loc = "%s://%s%s" % (scheme, host, path + "/")
            self.send(301, "text/html",
                      b'<head><title>Document Moved</title></head>\n<body><h1>'
                      b'Object Moved</h1>This document may be found <a HREF="'
                      + loc.encode() + b'">here</a></body>', [("Location", loc)])
        elif lpath in (ADMIN_PATH, ADMIN_PATH + "default.aspx"):
            self._admin(cfg)
        else:
            self.iis_error("404.0")

    # ------------------------------------------------------------ SCEP
    def _scep(self, cfg, query, body):
        rec = self.rec
        params = {}
        for part in query.split("&") if query else []:
            k, _, v = part.partition("=")
            params.setdefault(urllib.parse.unquote(k).lower(), v)
        op_raw = urllib.parse.unquote_plus(params.get("operation", ""))
        rec["operation"] = op_raw or None
        rec["message_param"] = "message" in params
        op = op_raw.lower()
        if not op:
            if cfg.intune:
                self.iis_error("403.0")
                return
            host = self.headers.get("Host") or "localhost"
            self.send(200, "text/html; charset=utf-8", ndes_admin.encode(
                info_page(host), cfg.admin_encoding))
            return
        if self.command == "GET" and cfg.require_message and "message" not in params:
            # old NDES: "received an http message without the Message tag"
            rec["error"] = "GET without message="
            self.iis_error("500.0")
            return
        if op == "getcacaps":
            self._getcacaps(cfg)
        elif op == "getcacert":
            self._getcacert(cfg)
        elif op == "pkioperation":
            self._pkioperation(cfg, params, body)
        else:
            rec["error"] = "unsupported operation"
            self.send(400, "text/plain", b"Unsupported operation\r\n")

    def _getcacaps(self, cfg):
        if cfg.no_caps == "close":
            # Windows 2008 RTM: the connection is closed, no answer at all
            self.rec["http_status"] = None
            self.rec["no_caps"] = "closed"
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if cfg.no_caps == "empty":
            self.send(200, "text/plain", b"")
            return
        if cfg.no_caps == "error":
            self.iis_error("500.0")
            return
        caps = [c for c in CAPS if not (cfg.no_post and c == "POSTPKIOperation")]
        self.send(200, "text/plain", "".join(c + "\r\n" for c in caps).encode())

    def _getcacert(self, cfg):
        pki = self.server.pki
        certs = [pki.ra_sign_cert, pki.ra_enc_cert, pki.issuing_cert]
        if not cfg.no_root_in_cacert and not pki.single_ca:
            certs.append(pki.root_cert)
        random.shuffle(certs)  # NDES gives no fixed order: clients must cope
        roles = {id(pki.root_cert): "root", id(pki.issuing_cert): "issuing",
                 id(pki.ra_sign_cert): "ra-sign", id(pki.ra_enc_cert): "ra-enc"}
        self.rec["cacert_order"] = [roles[id(c)] for c in certs]
        self.send(200, "application/x-x509-ca-ra-cert",
                  C.degenerate([C.cert_der(c) for c in certs]))

    def _pkioperation(self, cfg, params, body):
        rec = self.rec
        if self.command == "POST":
            if cfg.no_post:
                self.iis_error("405.0")
                return
            der = body
        else:
            if "message" not in params:
                rec["error"] = "GET PKIOperation without message="
                self.iis_error("500.0")
                return
            raw = params["message"]
            # which of + / = arrived without percent-escaping (client bug
            # detector: they should be %2B %2F %3D)
            rec["message_unescaped"] = "".join(sorted(set(raw) & set("+/=")))
            text = urllib.parse.unquote(raw)
            try:
                der = base64.b64decode(text, validate=True)
                rec["message_alphabet"] = "standard"
            except (binascii.Error, ValueError):
                try:
                    # micromdm scepclient 2.1 sends URL-safe base64 (its bug)
                    der = base64.urlsafe_b64decode(
                        text + "=" * (-len(text) % 4))
                    rec["message_alphabet"] = "urlsafe"
                except (binascii.Error, ValueError):
                    rec["error"] = "message= is not base64"
                    self.iis_error("500.0")
                    return
        rec["pkimessage_length"] = len(der)
        code, ctype, out = self.server.scep.pkioperation(der, rec)
        if code == 500:
            self.iis_error("500.0")
            return
        self.send(code, ctype, out)

    # ------------------------------------------------------------ admin
    def _admin(self, cfg):
        rec = self.rec
        rec["operation"] = "admin"
        if cfg.admin_disabled or cfg.intune:
            self.iis_error("404.0")
            return
        auth = self.server.winauth()
        if auth is None:
            rec["error"] = "winauth module unavailable"
            self.iis_error("500.0")
            return
        res = auth.authenticate(self)
        # Extended Protection: none, zero, wrong, match, unproven or
        # not-checked (epa off or plain HTTP); null when no binding was
        # looked at (handshake step, wrong password)
        rec["channel_binding"] = auth.channel_binding_of(self)
        if res is None:
            rec["http_status"] = 401
            rec["admin_result"] = "challenge"
            return
        rec["auth_method"] = res.method
        rec["admin_user"] = res.user
        extra = list(getattr(res, "headers", []) or [])
        if cfg.admin_error:
            # NDES cannot decrypt its stored password (events 2/49)
            rec["admin_result"] = "error"
            self.send(500, "text/html", iis_error_page("500.0"), extra)
            return
        ca_der = C.cert_der(self.server.pki.issuing_cert)
        denied = {u.lower() for u in cfg.no_permission_user}
        if res.user.lower() in denied:
            rec["admin_result"] = "no-permission"
            page = ndes_admin.no_permission_page()
        elif cfg.single_password is not None:
            rec["admin_result"] = "single-password"
            page = ndes_admin.password_page(ca_der, cfg.single_password,
                                            cfg.password_validity, single=True)
        else:
            pw = self.server.state.issue_password(
                cfg.password_length, cfg.password_validity, cfg.password_max,
                res.user, cfg.challenge_style)
            if pw is None:
                rec["admin_result"] = "cache-full"
                page = ndes_admin.cache_full_page(cfg.password_validity,
                                                  cfg.password_max)
            else:
                rec["admin_result"] = "password"
                page = ndes_admin.password_page(ca_der, pw, cfg.password_validity)
        # the charset lie is NDES's: the body is UTF-16LE by default
        self.send(200, "text/html; charset=utf-8",
                  ndes_admin.encode(page, cfg.admin_encoding), extra)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, cfg, pki, state, scep, ssl_ctx=None):
        self.cfg, self.pki, self.state, self.scep = cfg, pki, state, scep
        self.ssl_ctx = ssl_ctx
        self.active, self.active_lock = 0, threading.Lock()
        self._winauth = None
        self._winauth_error = None
        super().__init__(addr, Handler)

    def winauth(self):
        """The shared WindowsAuth (tests/ndes-server/winauth.py). Made once
        under a lock: two instances made by racing threads would each keep
        their own per-connection NTLM state, and a handshake whose Type 1 met
        one and Type 3 the other failed (seen with 5 hosts at once)."""
        with self.active_lock:
            return self._winauth_once()

    def _winauth_once(self):
        if self._winauth is None:
            try:
                from winauth import WindowsAuth
            except ImportError as e:
                self._winauth_error = str(e)
                return None
            self._winauth = WindowsAuth(
                users=self.cfg.users, keytab=self.cfg.keytab,
                epa=getattr(self.cfg, "epa", "accept"),
                channel_binding=getattr(self.cfg, "channel_binding", None))
        return self._winauth

    def finish_request(self, request, client_address):
        # TLS handshake in the connection's own thread, not in accept()
        if self.ssl_ctx is not None:
            try:
                request.settimeout(30)
                request = self.ssl_ctx.wrap_socket(request, server_side=True)
                request.settimeout(None)
            except (ssl.SSLError, OSError) as e:
                self.state.log({"time": ndes_state.iso(),
                                "client": client_address[0],
                                "error": "TLS handshake: %s" % e})
                return
        super().finish_request(request, client_address)
