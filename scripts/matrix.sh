#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The platform matrix: builds and tests ndes-submit on the oldest and newest
# libraries its users run, each in a chroot of a Debian release:
#   bullseye  Debian 11: OpenSSL 1.1.1w, libcurl 7.74, certmonger 0.79.13, talloc 2.3
#   bookworm  Debian 12: OpenSSL 3.0,    libcurl 7.88, certmonger 0.79.17, talloc 2.4
#   trixie    Debian 13: OpenSSL 3.5,    libcurl 8.14, certmonger 0.79.20, talloc 2.4
#
#   scripts/matrix.sh [bullseye|bookworm|trixie|all]...     (default: all)
#
# For each release: builds the chroot with debootstrap from the mirror this
# machine's apt uses (or reuses it from the cache), installs the build and
# test packages there with scripts/install-deps.sh --matrix, builds this tree
# with -Werror, and runs the unit tests, the stand-in's tests, the CertRep
# and CA-data script tests and the e2e scenarios named below through that
# release's own certmonger. Last line:
#   matrix: bullseye P passed F failed; bookworm P passed F failed; trixie P passed F failed
#
# A chroot that cannot be built is a failure with CI=true and a counted skip
# (with the reason) otherwise. Exit status: 0 when nothing failed.
#
# Environment:
#   NS_MATRIX_CACHE   where the chroots live (default /var/cache/ndes-submit/matrix;
#                     outside the checkout). Delete a release's folder to rebuild it.
#   NS_MATRIX_MIRROR  the Debian mirror (default: the first one in /etc/apt)
#   NS_MATRIX_TESTS   an extended regular expression over the test names
#                     (default below)
#   NS_MATRIX_LOGS    where each release's logs are copied (default: the cache's logs/)
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${NS_MATRIX_CACHE:-/var/cache/ndes-submit/matrix}
ALL="bullseye bookworm trixie"
# The tests each release runs: what depends on OpenSSL, libcurl, Python's
# cryptography and certmonger. e2e: 01 first enrollment, 02 renewal with a new
# key, 13 micromdm, 14 automatic password, 15 Kerberos, 17 certmonger's own
# renewal schedule, 22-24 several NDES servers and a load balancer, 25-26
# Extended Protection Required with Kerberos and with NTLM (the channel
# binding is sent from libcurl 8.10: trixie enrolls with Kerberos and with
# NTLM through gss-ntlmssp, the others are refused and told why).
DEFAULT_TESTS='^tests/(unit/test_|ndes-server/|enroll/|cadata/|otp/|status/|lint/curl-symbols|lint/configure-versions)|^tests/e2e/(01|02|13|14|15|17|22|23|24|25|26)-'
TESTS_RE=${NS_MATRIX_TESTS:-$DEFAULT_TESTS}
logs=${NS_MATRIX_LOGS:-$cache/logs}

say() { echo "matrix: $*"; }

releases=""
for a in "${@:-all}"; do
	case $a in
	all) releases="$releases $ALL" ;;
	bullseye | bookworm | trixie) releases="$releases $a" ;;
	-h | --help) sed -n '2,30s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "matrix: unknown release \"$a\" (bullseye, bookworm, trixie, all)" >&2; exit 2 ;;
	esac
done

# The mirror apt already uses here; never a name written into the repository.
mirror() {
	if [ -n "${NS_MATRIX_MIRROR:-}" ]; then
		echo "$NS_MATRIX_MIRROR"
		return
	fi
	{
		sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null
		sed -n 's/^deb  *\(\[[^]]*\] *\)\{0,1\}\([^ ]*\) .*/\2/p' /etc/apt/sources.list \
			/etc/apt/sources.list.d/*.list 2>/dev/null
	} | grep -v -e security -e '^$' | head -n 1
}

# Automake's summary line "# WHAT: N" of a test-suite.log.
count() { sed -n "s/^# $1: *\([0-9][0-9]*\)$/\1/p" "$2" | head -n 1; }

# Results, one line per release: "NAME PASSED FAILED SKIPPED".
results=""
record() { results="$results$1 $2 $3 ${4:-0}
"; }

# A chroot that cannot be had: a failure in CI, a counted skip elsewhere.
unavailable() {
	local rel=$1 why=$2
	if [ "${CI:-}" = true ]; then
		say "$rel: FAILED: $why"
		record "$rel" 0 1 0
	else
		say "$rel: SKIP: $why"
		record "$rel" 0 0 1
	fi
}

# Builds $cache/$rel once (debootstrap into a temporary folder, then rename,
# so a killed run leaves no half chroot that looks ready).
make_chroot() {
	local rel=$1 root=$cache/$1 m tmp
	[ -f "$root/.ndes-matrix-ready" ] && return 0
	command -v debootstrap >/dev/null 2>&1 || {
		echo "debootstrap is not installed (apt-get install debootstrap)"; return 1; }
	m=$(mirror)
	[ -n "$m" ] || { echo "no Debian mirror found in /etc/apt (set NS_MATRIX_MIRROR)"; return 1; }
	[ -d /usr/share/debootstrap/scripts ] && [ ! -e "/usr/share/debootstrap/scripts/$rel" ] && {
		echo "this debootstrap does not know $rel (a newer debootstrap package is needed)"; return 1; }
	mkdir -p "$cache"
	tmp=$cache/.$rel.tmp
	rm -rf "$tmp" "$root"
	say "$rel: debootstrap from the local apt mirror (about a minute)"
	if ! debootstrap --variant=minbase "$rel" "$tmp" "$m" >"$cache/$rel.debootstrap.log" 2>&1; then
		tail -n 5 "$cache/$rel.debootstrap.log"
		echo "debootstrap $rel from $m failed: $(grep -E '^(E|W):' "$cache/$rel.debootstrap.log" |
			tail -n 1) (log: $cache/$rel.debootstrap.log)"
		rm -rf "$tmp"
		return 1
	fi
	# Package scripts must not start services inside the chroot.
	printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
	chmod 755 "$tmp/usr/sbin/policy-rc.d"
	touch "$tmp/.ndes-matrix-ready"
	mv "$tmp" "$root"
}

# Runs one release: copies this tree in, then install, build and test inside.
# Everything mounted is in a private mount namespace, gone when it ends.
run_release() {
	local rel=$1 root=$cache/$1 out rc
	# One run per release at a time: a second one waits for the first.
	mkdir -p "$cache"
	exec 9>"$cache/.$rel.lock"
	flock 9
	out=$(make_chroot "$rel" 2>&1) || { unavailable "$rel" "chroot not built: $(echo "$out" | tail -n 1)"; exec 9>&-; return; }
	[ -n "$out" ] && echo "$out"
	rm -rf "$root/ndes"
	mkdir -p "$root/ndes/main" "$root/ndes/shared" "$logs"
	# The working tree as it is (uncommitted changes included), without builds.
	tar -C "$top" --exclude=./.git --exclude='./build' --exclude='./build-*' \
		--exclude=autom4te.cache -cf - . | tar -C "$root/ndes/main" -xf -
	# Debian 11 has no micromdm scep package: lend it the host's (a static Go
	# program: the SCEP peer, not the platform under test).
	rm -f "$root/usr/local/bin/scepserver" "$root/usr/local/bin/scepclient"
	if [ "$rel" = bullseye ]; then
		for b in scepserver scepclient; do
			p=$(command -v "$b" 2>/dev/null) && cp "$p" "$root/usr/local/bin/$b"
		done
	fi
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
	# debootstrap writes no /etc/hosts: the tests need localhost.
	grep -qs '^127\.0\.0\.1[[:space:]].*localhost' "$root/etc/hosts" ||
		printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >>"$root/etc/hosts"
	say "$rel: install, build (-Werror) and test inside the chroot"
	unshare -m --propagation private /bin/sh -s "$root" "$top" "$TESTS_RE" \
		>"$logs/$rel.log" 2>&1 <<'EOF'
root=$1 top=$2 re=$3
set -e
# The root must be a mount point, or unshare -m inside (the e2e scenarios)
# cannot make its mounts private.
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs tmp "$root/tmp"
if [ -d "$top/../shared" ]; then
	mount --bind "$top/../shared" "$root/ndes/shared"
	mount -o remount,bind,ro "$root/ndes/shared"
fi
# run [--no-net] SCRIPT: SCRIPT in the chroot with a clean environment;
# --no-net: on a private loopback of its own.
run() {
	local pre=""
	[ "$1" = --no-net ] && { pre="unshare -n"; shift; }
	$pre chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 TERM=dumb CI="${CI:-}" RE="$re" /bin/sh -c "$1"
}
# With the network: the release's packages.
run 'cd /ndes/main && ./scripts/install-deps.sh --matrix &&
	echo "--- versions ---" &&
	dpkg-query -W -f "\${Package} \${Version}\n" libssl-dev libcurl4-openssl-dev libtalloc-dev \
		certmonger python3-cryptography gcc 2>/dev/null'
# Without it: build and test on a private loopback, so nothing else on this
# machine (another release's run, a service) shares a port with the tests.
run --no-net '
set -e
ip link set lo up
cd /ndes/main
autoreconf -fi >/dev/null 2>&1
mkdir -p build && cd build
../configure --enable-werror >configure.out 2>&1 || { cat configure.out; exit 1; }
make -j"$(nproc)" >make.out 2>&1 || { cat make.out; exit 1; }
tests=$(make -s print-tests | tr " " "\n" | grep -E "$RE" | tr "\n" " ")
echo "--- tests: $tests"
rc=0
make -j2 check TESTS="$tests" >check.out 2>&1 || rc=$?
cat check.out
exit $rc'
EOF
	rc=$?
	local log=$root/ndes/main/build/test-suite.log
	if [ ! -f "$log" ]; then
		tail -n 30 "$logs/$rel.log"
		say "$rel: the suite did not run (exit $rc; log: $logs/$rel.log)"
		record "$rel" 0 1 0
		exec 9>&-
		return
	fi
	cp "$log" "$logs/$rel.test-suite.log"
	local p f e s x
	p=$(count PASS "$log"); f=$(count FAIL "$log"); e=$(count ERROR "$log")
	s=$(count SKIP "$log"); x=$(count XPASS "$log")
	f=$(( ${f:-0} + ${e:-0} + ${x:-0} ))
	grep -E '^(FAIL|ERROR|XPASS):' "$log" | sed "s/^/matrix: $rel: /"
	grep -E '^SKIP:' "$log" | sed "s/^/matrix: $rel: /"
	if [ "$f" -gt 0 ] || [ "$rc" -ne 0 ]; then
		# The failing tests' own logs, for CI's output.
		sed -n '/^FAIL: \|^ERROR: /,/^[A-Z]*: /p' "$log" | tail -n 200
		[ "$f" -gt 0 ] || f=1
	fi
	grep -E '^(libssl-dev|libcurl4-openssl-dev|certmonger|python3-cryptography) ' "$logs/$rel.log" |
		sed "s/^/matrix: $rel: /"
	say "$rel: ${p:-0} passed, $f failed, ${s:-0} skipped (log: $logs/$rel.log)"
	record "$rel" "${p:-0}" "$f" "${s:-0}"
	exec 9>&-
}

[ "$(id -u)" = 0 ] || { echo "matrix: needs root (debootstrap, chroot, mounts)" >&2; exit 2; }
start=$(date +%s)
for rel in $releases; do
	t0=$(date +%s)
	run_release "$rel"
	say "$rel: $(( $(date +%s) - t0 )) s"
done

line="" failed=0 passed=0 skipped=0
while read -r rel p f s; do
	[ -n "$rel" ] || continue
	line="$line${line:+; }$rel $p passed $f failed"
	[ "$s" -gt 0 ] && line="$line ($s skipped)"
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done <<EOF
$results
EOF
say "total $(( $(date +%s) - start )) s: $passed passed, $failed failed, $skipped skipped"
echo "matrix: $line"
[ "$failed" -eq 0 ]
