#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Counts how often one run of the helper decodes certmonger's CSR: runs a
SUBMIT (a password in the CSR) and an automatic-password SUBMIT (none in the
CSR, the request record beside it) against the NDES stand-in under gdb, with
a breakpoint on OpenSSL's d2i_X509_REQ, the one decoder of a PKCS#10
request, and prints the hits. Issue 18's goal is 1 per run.

  scripts/csr-decodes.py [HELPER]     (default build/src/ndes-submit)

Needs gdb and Debian's python3-asn1crypto and python3-cryptography."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
os.environ.setdefault("abs_top_srcdir", TOP)
os.environ.setdefault("NS_HELPER", os.path.abspath(
    sys.argv[1] if len(sys.argv) > 1 else os.path.join(TOP, "build", "src", "ndes-submit")))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
import ndes_client as nc  # noqa: E402

LOGIN = "Secr3t-login"


def decodes(url, env, opts=()):
    """The helper under gdb: (exit status, d2i_X509_REQ calls)."""
    e = {"PATH": "/usr/bin:/bin", "HOME": nc.TMP, "CERTMONGER_OPERATION": "SUBMIT",
         "CERTMONGER_CA_NICKNAME": "ndes"}
    e.update(env)
    script = os.path.join(nc.TMP, "count.gdb")
    with open(script, "w") as f:
        f.write("set breakpoint pending on\nbreak d2i_X509_REQ\ncommands\nsilent\n"
                "echo HIT\\n\n" + os.environ.get("CSR_DECODES_GDB", "") + "continue\nend\nrun\n")
    argv = ["gdb", "-q", "-batch", "-x", script, "--args", nc.HELPER, "--url", url,
            "--state-dir", os.path.join(nc.TMP, "cache"), "--certmonger-version", "0.79.17"]
    argv += list(opts)
    p = subprocess.run(argv, env=e, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=300)
    out = p.stdout.decode(errors="replace")
    if os.environ.get("CSR_DECODES_GDB"):
        print(out)
    m = re.search(r"exited (?:normally|with code (\d+))", out)
    rc = int(m.group(1) or "0", 8) if m else None
    return rc, out.count("HIT\n"), out


def main():
    if not shutil.which("gdb"):
        raise SystemExit("gdb is needed (apt-get install gdb)")
    nc.TMP = tempfile.mkdtemp(prefix="ns-csr-decodes.")
    single = nc.Stand("single", nc.free_port())
    try:
        c = nc.Client(single.url, "decodes.example.test")
        rc, n, out = decodes(single.url, c.env())
    finally:
        single.stop()
    # one-time passwords (not NDES' single-password mode) for the automatic case
    stand = nc.Stand("ndes", nc.free_port(), "--user", "EXAMPLE\\alice:" + LOGIN,
                     single_password=False)
    try:
        print("SUBMIT, password in the CSR: exit %s, CSR decodes: %d" % (rc, n))
        if rc != 0:
            print(out[-2000:])
        # automatic passwords: a CSR without one, certmonger's record of the request
        reqs = os.path.join(nc.TMP, "requests")
        os.mkdir(reqs)
        pwfile = os.path.join(nc.TMP, "pw")
        with open(pwfile, "w") as f:
            f.write("\n")
        login = os.path.join(nc.TMP, "login")
        with open(login, "w") as f:
            f.write(LOGIN + "\n")
        os.chmod(login, 0o600)
        os.chmod(pwfile, 0o600)
        a = nc.Client(stand.url, "auto.example.test", password=None)
        env = a.env(with_messages=False)
        csr = "".join(" " + ln if i else ln
                      for i, ln in enumerate(env["CERTMONGER_CSR"].strip().split("\n"))
                      for ln in [ln + "\n"])
        with open(os.path.join(reqs, "20260101000001"), "w") as f:
            f.write("id=auto\nca_name=ndes\nstate=SUBMITTING\ncsr=%s"
                    "template_challenge_password_file=%s\n" % (csr, pwfile))
        rc, n, out = decodes(stand.url, env, (
            "--auto-password", "--certmonger-requests-dir", reqs, "--auth", "ntlm",
            "--user", "EXAMPLE\\alice", "--password-file", login,
            "--admin-url", stand.url.replace("mscep/mscep.dll", "mscep_admin/")))
        print("SUBMIT, automatic password: exit %s, CSR decodes: %d" % (rc, n))
        if rc is None or os.path.getsize(pwfile) < 8:
            print(out[-2000:])
        else:
            print("  (the fetched password is in FILE; certmonger would now make the "
                  "messages and SUBMIT again)")
    finally:
        stand.stop()
        shutil.rmtree(nc.TMP, ignore_errors=True)


if __name__ == "__main__":
    main()
