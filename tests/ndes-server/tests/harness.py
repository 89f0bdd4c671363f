# SPDX-License-Identifier: GPL-3.0-or-later
"""Start/stop ndes-server instances for the tests and count checks.

Every server listens on 127.0.0.1 port 0 (the kernel picks a free port, the
server writes it to DIR/port), so parallel test runs never clash. One PKI
is created once per test run and copied into each server's state directory
(key generation is the slow part)."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.realpath(__file__))
SERVER = os.path.join(os.path.dirname(HERE), "ndes-server")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "lib"))
sys.dont_write_bytecode = True

import scepmsg  # noqa: E402


class Run:
    def __init__(self, name):
        self.name = name
        self.tmp = tempfile.mkdtemp(prefix="ndes-server-test-")
        self.failures = 0
        self.checks = 0
        self.servers = []
        self._pki_cache = {}

    # ------------------------------------------------------------ checks
    def check(self, cond, what, detail=""):
        self.checks += 1
        if cond:
            print("ok %d - %s" % (self.checks, what), flush=True)
        else:
            self.failures += 1
            print("not ok %d - %s %s" % (self.checks, what, detail), flush=True)
        return cond

    def eq(self, got, want, what):
        return self.check(got == want, what, "(got %r, want %r)" % (got, want))

    def case(self, fn):
        """Run one test function; an exception counts as a failure."""
        print("# %s" % fn.__name__, flush=True)
        try:
            fn(self)
        except Exception:
            self.failures += 1
            self.checks += 1
            print("not ok %d - %s raised:" % (self.checks, fn.__name__))
            print("# " + traceback.format_exc().replace("\n", "\n# "), flush=True)
        finally:
            self.stop_all()

    # ------------------------------------------------------------ servers
    def _pki_dir(self, single_ca):
        if single_ca not in self._pki_cache:
            d = os.path.join(self.tmp, "pki-template-%s" % single_ca)
            args = [SERVER, "--listen", "127.0.0.1:0", "--state", d]
            if single_ca:
                args.append("--single-ca")
            s = self._spawn(d, args)
            self._stop(s)
            self._pki_cache[single_ca] = d
        return self._pki_cache[single_ca]

    def start(self, *switches, state=None, fresh_pki=False, users=True):
        """Start a server; returns scepmsg.Server with .proc and .state."""
        if state is None:
            state = tempfile.mkdtemp(prefix="state-", dir=self.tmp)
            if not fresh_pki:
                tpl = self._pki_dir("--single-ca" in switches)
                for n in os.listdir(tpl):
                    src = os.path.join(tpl, n)
                    if os.path.isdir(src):
                        if n == "pki":
                            shutil.copytree(src, os.path.join(state, n))
                    elif n.endswith(".pem"):
                        shutil.copy(src, state)
        args = [SERVER, "--listen", "127.0.0.1:0", "--state", state]
        if users:
            args += ["--user", "EXAMPLE\\alice:Secr3t!"]
        args += list(switches)
        return self._spawn(state, args)

    def _spawn(self, state, args):
        os.makedirs(state, exist_ok=True)
        port_file = os.path.join(state, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        out = open(os.path.join(state, "stdout.txt"), "w")
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        for _ in range(300):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            if proc.poll() is not None:
                raise RuntimeError("ndes-server exited: %s" %
                                   open(os.path.join(state, "stdout.txt")).read())
            time.sleep(0.05)
        else:
            proc.kill()
            raise RuntimeError("ndes-server did not start")
        s = scepmsg.Server(state)
        s.proc = proc
        self.servers.append(s)
        return s

    def _stop(self, s):
        if s.proc.poll() is None:
            s.proc.send_signal(signal.SIGTERM)
            try:
                s.proc.wait(10)
            except subprocess.TimeoutExpired:
                s.proc.kill()
                s.proc.wait()
        if s in self.servers:
            self.servers.remove(s)

    def stop(self, s):
        self._stop(s)

    def stop_all(self):
        for s in list(self.servers):
            self._stop(s)

    def cli(self, *args):
        p = subprocess.run([SERVER] + list(args), capture_output=True, text=True)
        return p.returncode, p.stdout, p.stderr

    def finish(self):
        self.stop_all()
        print("1..%d" % self.checks)
        if self.failures:
            print("# %d of %d checks failed; state kept in %s"
                  % (self.failures, self.checks, self.tmp))
            return 1
        shutil.rmtree(self.tmp, ignore_errors=True)
        print("# all %d checks passed" % self.checks)
        return 0
