#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# A reply with a header line of 2 MB: libcurl refuses it as "out of
# memory"; the helper must say what really happened (a header over
# libcurl's 100 KiB limit), not that memory ran out, and cache nothing.
. "$(dirname "$0")/lib.sh"
cat >"$T/bighdr.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("X-Big", "a" * (2 * 1024 * 1024))
        self.send_header("Content-Length", "4")
        self.end_headers()
        self.wfile.write(b"DES3")
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 18148), H)
open(sys.argv[1], "w").write("up")
s.serve_forever()
PY
"$PYTHON" "$T/bighdr.py" "$T/up" 2>/dev/null &
SERVER_PIDS="$SERVER_PIDS $!"
for _ in $(seq 100); do [ -f "$T/up" ] && break; sleep 0.1; done
run_helper FETCH-SCEP-CA-CAPS --url http://127.0.0.1:18148/certsrv/mscep/mscep.dll
expect_rc 3 "a 2 MB header line"
expect_out 'header line over libcurl'"'"'s limit of 100 KiB'
grep -qi 'out of memory' "$T/err" "$T/out" && fail "a 2 MB header was reported as out of memory"
[ -z "$(ls "$T/state" 2>/dev/null | grep '^caps-[0-9a-f]*$')" ] || fail "a failed GetCACaps was cached"
echo "ok: a 2 MB header line is named as such, not as out of memory"
