# SPDX-License-Identifier: GPL-3.0-or-later
"""State directory: one-time passwords, pending requests, issued
certificates and the request log. Shared between the server's threads and
the `approve`/`deny`/`otp`/`show` subcommands (other processes), so every
read-modify-write happens under an flock on DIR/lock."""

import contextlib
import datetime
import fcntl
import hashlib
import json
import os
import secrets
import string
import threading

UTC = datetime.timezone.utc

# characters of an "arbitrary" challenge (an NDES policy module's
# INDESPolicy::GenerateChallenge may return any string): letters, digits and
# PrintableString-safe punctuation, no space, so that a client can still put
# it in a CSR's challengePassword as a PrintableString (NDES 2012 R2 refused
# a UTF8String one, ../shared/reference/ndes.md)
ARBITRARY_CHARS = string.ascii_letters + string.digits + "-.:=()+?/"


def utcnow():
    return datetime.datetime.now(UTC)


def iso(t=None):
    return (t or utcnow()).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def new_password(nbytes, style="hex"):
    """hex: PasswordLength random bytes as uppercase hex (NDES's own);
    arbitrary: 24..32 characters from ARBITRARY_CHARS (a policy module's)."""
    if style == "arbitrary":
        n = 24 + secrets.randbelow(9)
        return "".join(secrets.choice(ARBITRARY_CHARS) for _ in range(n))
    return secrets.token_bytes(nbytes).hex().upper()


def txid_file(txid):
    """File-system-safe name for a transactionID (they may hold / + =)."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in txid)[:64]
    return "%s-%s" % (safe, hashlib.sha256(txid.encode()).hexdigest()[:12])


class State:
    def __init__(self, path):
        self.dir = path
        os.makedirs(path, exist_ok=True)
        for sub in ("pending", "issued"):
            os.makedirs(os.path.join(path, sub), exist_ok=True)
        self._tlock = threading.Lock()

    def p(self, *parts):
        return os.path.join(self.dir, *parts)

    @contextlib.contextmanager
    def locked(self):
        with self._tlock:
            with open(self.p("lock"), "a") as lf:
                fcntl.flock(lf, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(lf, fcntl.LOCK_UN)

    # ---------------------------------------------------------- json files
    def _read(self, name, default):
        try:
            with open(self.p(name)) as f:
                return json.load(f)
        except FileNotFoundError:
            return default

    def _write(self, name, data):
        tmp = self.p(name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)
        os.replace(tmp, self.p(name))

    # ---------------------------------------------------------- passwords
    # DIR/passwords.json: list of {password, created, used (iso|None), user}
    def outstanding(self, validity_min):
        """Unused, unexpired passwords (no lock: read-only snapshot)."""
        limit = utcnow() - datetime.timedelta(minutes=validity_min)
        return [e for e in self._read("passwords.json", [])
                if not e.get("used") and parse_iso(e["created"]) > limit]

    def issue_password(self, nbytes, validity_min, max_outstanding, user,
                       style="hex"):
        """New password, or None when the cache is full (PasswordMax)."""
        with self.locked():
            entries = self._read("passwords.json", [])
            limit = utcnow() - datetime.timedelta(minutes=validity_min)
            live = [e for e in entries
                    if not e.get("used") and parse_iso(e["created"]) > limit]
            if len(live) >= max_outstanding:
                return None
            pw = new_password(nbytes, style)
            entries.append({"password": pw, "created": iso(), "used": None,
                            "user": user})
            self._write("passwords.json", entries)
            return pw

    def check_password(self, pw, validity_min):
        """Consume a password. Returns 'ok', 'reused', 'expired' or 'unknown'.
        The password is spent as soon as it is checked, whatever the CA
        does next (NDES behaviour)."""
        with self.locked():
            entries = self._read("passwords.json", [])
            limit = utcnow() - datetime.timedelta(minutes=validity_min)
            for e in entries:
                if e["password"] != pw:
                    continue
                if e.get("used"):
                    return "reused"
                e["used"] = iso()
                self._write("passwords.json", entries)
                if parse_iso(e["created"]) <= limit:
                    return "expired"
                return "ok"
            return "unknown"

    # ---------------------------------------------------------- pending
    def save_pending(self, txid, record):
        with self.locked():
            record = dict(record, transaction_id=txid, status="pending",
                          created=iso())
            self._write(os.path.join("pending", txid_file(txid) + ".json"), record)

    def load_pending(self, txid):
        return self._read(os.path.join("pending", txid_file(txid) + ".json"), None)

    def update_pending(self, txid, **changes):
        with self.locked():
            name = os.path.join("pending", txid_file(txid) + ".json")
            rec = self._read(name, None)
            if rec is None:
                return None
            rec.update(changes)
            self._write(name, rec)
            return rec

    def all_pending(self):
        out = []
        for n in sorted(os.listdir(self.p("pending"))):
            if n.endswith(".json"):
                rec = self._read(os.path.join("pending", n), None)
                if rec:
                    out.append(rec)
        return out

    # ---------------------------------------------------------- issued / log
    def save_issued(self, serial_hex, pem, meta):
        """DIR/issued/SERIAL.pem + SERIAL.json; meta holds transaction_id
        (absent for hand-issued certificates), which find_issued reads."""
        meta = dict(meta, issued=iso())
        with self.locked():
            with open(self.p("issued", serial_hex + ".pem"), "wb") as f:
                f.write(pem)
            self._write(os.path.join("issued", serial_hex + ".json"), meta)

    def find_issued(self, txid):
        """(serial hex, PEM bytes) of the certificate last issued under
        transactionID txid, or None. The index is the issued/*.json files
        themselves (a test server issues a handful)."""
        best = None
        for n in os.listdir(self.p("issued")):
            if not n.endswith(".json"):
                continue
            meta = self._read(os.path.join("issued", n), None)
            if not meta or meta.get("transaction_id") != txid:
                continue
            if best is None or meta.get("issued", "") > best[1].get("issued", ""):
                best = (n[:-5], meta)
        if best is None:
            return None
        try:
            with open(self.p("issued", best[0] + ".pem"), "rb") as f:
                return best[0], f.read()
        except FileNotFoundError:
            return None

    def log(self, record):
        line = json.dumps(record, sort_keys=True) + "\n"
        with self._tlock:
            with open(self.p("log.jsonl"), "a") as f:
                f.write(line)
