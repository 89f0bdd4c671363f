#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The RPM spec builds on this Debian machine: `rpmbuild -bb --nodeps` (the
# Fedora build dependencies are Debian packages of other names) from a
# tarball of the tree, everything under $T. Checks the binary packages
# without installing them: the helper in /usr/libexec/certmonger, the
# configuration as %config(noreplace), tmpfiles.d, the state directories
# 0700, the -selinux subpackage with a compiled module, and the scriptlets:
# %post registers the CA (only where none of that name exists: register-ca
# add), %preun removes it on erase only, not on upgrade.
# Exit 0 pass, 1 fail, 77 skip (rpmbuild or the policy devel files missing).
set -u

srcdir=${abs_top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
SPEC=$srcdir/packaging/rpm/ndes-submit.spec
for p in rpmbuild rpm rpm2cpio cpio; do
	command -v "$p" >/dev/null 2>&1 ||
		{ echo "SKIP: rpm: '$p' not found (Debian packages rpm, cpio; scripts/install-deps.sh)"; exit 77; }
done
[ -f /usr/share/selinux/devel/Makefile ] ||
	{ echo "SKIP: rpm: selinux-policy-dev missing (scripts/install-deps.sh)"; exit 77; }

T=$(mktemp -d /tmp/ns-rpm.XXXXXX)
cleanup() { [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
fails=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

version=$(sed -n 's/^AC_INIT(\[ndes-submit\],\[\([^]]*\)\].*/\1/p' "$srcdir/configure.ac")
[ -n "$version" ] || { echo "FAIL: no version in configure.ac"; exit 1; }
spec_version=$(sed -n 's/^Version: *//p' "$SPEC")
if [ "$spec_version" = "$version" ]; then
	ok "spec Version $spec_version = configure.ac's"
else
	fail "spec Version '$spec_version' differs from configure.ac's '$version'"
fi

# The release tarball's layout: ndes-submit-VERSION/ holding the tree.
mkdir -p "$T/src/ndes-submit-$version" "$T/top" "$T/tmp"
tar -C "$srcdir" --exclude=./.git --exclude='./build*' --exclude=./autom4te.cache \
	-cf - . | tar -C "$T/src/ndes-submit-$version" -xf -
[ -f "$T/src/ndes-submit-$version/Makefile" ] &&
	make -C "$T/src/ndes-submit-$version" distclean >/dev/null 2>&1
tar -C "$T/src" -czf "$T/ndes-submit-$version.tar.gz" "ndes-submit-$version"

if ! HOME=$T rpmbuild -bb --nodeps --define "_topdir $T/top" --define "_tmppath $T/tmp" \
	--define "_sourcedir $T" "$SPEC" >"$T/rpmbuild.log" 2>&1; then
	tail -n 40 "$T/rpmbuild.log"
	echo "FAIL: rpmbuild -bb --nodeps failed"
	exit 1
fi
main=$(ls "$T"/top/RPMS/*/ndes-submit-"$version"-*.rpm 2>/dev/null | grep -v selinux | head -n 1)
sel=$(ls "$T"/top/RPMS/noarch/ndes-submit-selinux-"$version"-*.noarch.rpm 2>/dev/null | head -n 1)
[ -f "$main" ] && ok "built $(basename "$main")" || { echo "FAIL: no main RPM"; exit 1; }
[ -f "$sel" ] && ok "built $(basename "$sel")" || { echo "FAIL: no -selinux RPM"; exit 1; }

# ---- the main package ----------------------------------------------------
rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$main" >"$T/files" 2>/dev/null
for f in /usr/libexec/certmonger/ndes-submit /usr/sbin/ndes-submit /usr/share/ndes-submit/ndes.ca \
	/usr/share/ndes-submit/register-ca /usr/lib/tmpfiles.d/ndes-submit.conf \
	/usr/share/licenses/ndes-submit-"$version"/COPYING; do
	if grep -q " $f\$" "$T/files"; then ok "main package has $f"; else fail "main package lacks $f"; fi
done
for d in /var/lib/ndes-submit /var/lib/ndes-submit/otp; do
	if grep -qx "drwx------ $d" "$T/files"; then ok "$d is 0700"; else fail "$d missing or not 0700: $(grep " $d\$" "$T/files")"; fi
done
grep -q ' /usr/lib/certmonger/' "$T/files" && fail "the helper is in Debian's /usr/lib/certmonger"
if rpm -qp --configfiles "$main" 2>/dev/null | grep -qx /etc/ndes-submit/ndes-submit.conf &&
	rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$main" 2>/dev/null |
	grep -q '^cn /etc/ndes-submit/ndes-submit.conf$'; then
	ok "/etc/ndes-submit/ndes-submit.conf is %config(noreplace)"
else
	fail "/etc/ndes-submit/ndes-submit.conf is not %config(noreplace)"
fi
rpm -qp --requires "$main" 2>/dev/null | grep -qx certmonger && ok "requires certmonger" ||
	fail "does not require certmonger"

# The files themselves: the CA definition and register-ca name the Fedora path.
mkdir -p "$T/x" && (cd "$T/x" && rpm2cpio "$main" | cpio -idm --quiet)
grep -qx 'ca_external_helper=/usr/libexec/certmonger/ndes-submit --config /etc/ndes-submit/ndes-submit.conf' \
	"$T/x/usr/share/ndes-submit/ndes.ca" && ok "ndes.ca runs /usr/libexec/certmonger/ndes-submit" ||
	fail "ndes.ca: $(cat "$T/x/usr/share/ndes-submit/ndes.ca")"
grep -q "^helper='/usr/libexec/certmonger/ndes-submit'" "$T/x/usr/share/ndes-submit/register-ca" &&
	ok "register-ca names /usr/libexec/certmonger/ndes-submit" || fail "register-ca names another helper"
grep -q '^d /var/lib/ndes-submit/otp 0700' "$T/x/usr/lib/tmpfiles.d/ndes-submit.conf" &&
	ok "tmpfiles.d makes /var/lib/ndes-submit/otp" || fail "tmpfiles.d lacks /var/lib/ndes-submit/otp"
file "$T/x/usr/libexec/certmonger/ndes-submit" 2>/dev/null | grep -q ELF ||
	[ "$(head -c 4 "$T/x/usr/libexec/certmonger/ndes-submit" | od -An -c | tr -d ' ')" = '177ELF' ] &&
	ok "the helper is a binary" || fail "the helper is not an ELF binary"

# ---- scriptlets ------------------------------------------------------------
rpm -qp --scripts "$main" >"$T/scripts" 2>/dev/null
awk '/^postinstall scriptlet/{p=1;next} /scriptlet/{p=0} p' "$T/scripts" >"$T/post"
awk '/^preuninstall scriptlet/{p=1;next} /scriptlet/{p=0} p' "$T/scripts" >"$T/preun"
grep -q '^/usr/share/ndes-submit/register-ca add' "$T/post" &&
	ok "%post registers the CA with register-ca add" || fail "%post: $(cat "$T/post")"
grep -q 'systemd-tmpfiles --create ndes-submit.conf' "$T/post" &&
	ok "%post applies tmpfiles.d" || fail "%post does not apply tmpfiles.d"
# %preun: remove on erase ($1 = 0) only. Run its body with a stand-in
# register-ca to see both cases.
mkdir -p "$T/fake"
printf '#!/bin/sh\necho "register-ca $*" >>%s/calls\n' "$T" >"$T/fake/register-ca"
chmod +x "$T/fake/register-ca"
sed "s|/usr/share/ndes-submit/register-ca|$T/fake/register-ca|" "$T/preun" >"$T/preun.sh"
sh "$T/preun.sh" 1 && sh "$T/preun.sh" 0
if [ "$(cat "$T/calls" 2>/dev/null)" = "register-ca remove" ]; then
	ok "%preun removes the CA on erase, not on upgrade"
else
	fail "%preun calls on upgrade+erase: '$(cat "$T/calls" 2>/dev/null)' (expected one 'register-ca remove')"
fi

# ---- the -selinux subpackage -------------------------------------------------
mkdir -p "$T/s" && (cd "$T/s" && rpm2cpio "$sel" | cpio -idm --quiet)
pp=$T/s/usr/share/selinux/packages/targeted/ndes-submit.pp.bz2
if [ -s "$pp" ] && [ "$(bzip2 -dc "$pp" | head -c 4 | od -An -tx1 | tr -d ' ')" = 8fff7cf9 ]; then
	ok "-selinux ships a compiled policy module"
else
	fail "-selinux: no policy module package at $pp"
fi
rpm -qp --scripts "$sel" 2>/dev/null | grep -q 'semodule .*-i /usr/share/selinux/packages/targeted/ndes-submit.pp.bz2' &&
	ok "-selinux %post installs the module" || fail "-selinux %post does not install the module"
rpm -qp --requires "$sel" 2>/dev/null | grep -q "^ndes-submit = $version" &&
	ok "-selinux requires the same ndes-submit" || fail "-selinux does not require ndes-submit = $version"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
