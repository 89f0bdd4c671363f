#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The SELinux module (selinux/ndes-submit.{te,fc,if}) against Debian's
# reference policy: compiles it with the policy devel Makefile
# (selinux-policy-dev), builds a complete policy from the distribution's
# modules (selinux-policy-default) plus ours in a private policy root, and
# checks with the built file contexts (matchpathcon) and sesearch/seinfo
# (setools) that certmonger_t, the domain certmonger's helpers run in, may do
# every operation of the documented setup, and not more than it needs on
# the credentials. Exit 0 pass, 1 fail, 77 skip (packages missing).
set -u

srcdir=${abs_top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
DEVEL_MK=/usr/share/selinux/devel/Makefile
PP_DIR=/usr/share/selinux/default

missing=""
[ -f "$DEVEL_MK" ] || missing="$missing selinux-policy-dev"
[ -f "$PP_DIR/base.pp.bz2" ] || [ -f "$PP_DIR/base.pp" ] || missing="$missing selinux-policy-default"
command -v sesearch >/dev/null && command -v seinfo >/dev/null || missing="$missing setools"
command -v semodule >/dev/null || missing="$missing policycoreutils"
command -v matchpathcon >/dev/null || missing="$missing selinux-utils"
if [ -n "$missing" ]; then
	echo "SKIP: needs$missing (scripts/install-deps.sh installs them)"
	exit 77
fi

T=$(mktemp -d /tmp/ns-selinux.XXXXXX)
cleanup() { [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT

fails=0
checks=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# ---- 1. compile the module as a packager does -----------------------------
mkdir -p "$T/mod"
cp "$srcdir"/selinux/ndes-submit.te "$srcdir"/selinux/ndes-submit.fc \
	"$srcdir"/selinux/ndes-submit.if "$T/mod/"
if ! make -C "$T/mod" -f "$DEVEL_MK" ndes-submit.pp >"$T/build.log" 2>&1; then
	cat "$T/build.log"
	echo "FAIL: the module does not compile with $DEVEL_MK"
	exit 1
fi
echo "ok: selinux/ndes-submit.pp compiled with $DEVEL_MK"

# ---- 2. a complete policy: the distribution's modules + ours --------------
root=$T/root
mkdir -p "$root/var/lib/selinux" "$root/etc/selinux"
args=()
for f in "$PP_DIR"/*.pp.bz2 "$PP_DIR"/*.pp; do
	[ -f "$f" ] && args+=(-i "$f")
done
if ! semodule -p "$root" -s default -n "${args[@]}" -i "$T/mod/ndes-submit.pp" \
	>"$T/semodule.log" 2>&1; then
	cat "$T/semodule.log"
	echo "FAIL: semodule could not build a policy with the module"
	exit 1
fi
POL=$(ls "$root"/etc/selinux/default/policy/policy.* 2>/dev/null | head -n 1)
FC=$root/etc/selinux/default/contexts/files/file_contexts
if [ -z "$POL" ] || [ ! -f "$FC" ]; then
	echo "FAIL: no policy or file_contexts under $root"
	exit 1
fi
echo "ok: built $(basename "$POL") from $((${#args[@]} / 2)) distribution modules + ndes-submit"

# ---- helpers ----------------------------------------------------------------
# type_of PATH [FILETYPE]: the type the built file contexts give PATH.
type_of() {
	local ctx
	if [ -n "${2:-}" ]; then
		ctx=$(matchpathcon -f "$FC" -m "$2" "$1" 2>/dev/null | awk '{print $2}')
	else
		ctx=$(matchpathcon -f "$FC" "$1" 2>/dev/null | awk '{print $2}')
	fi
	echo "$ctx" | cut -d: -f3
}

# Booleans and their defaults, once (each sesearch/seinfo loads the policy).
seinfo -b -x "$POL" 2>/dev/null | sed -n 's/.*bool \([A-Za-z0-9_]*\) \([a-z]*\);.*/\1 \2/p' >"$T/bools"
bool_default() { awk -v b="$1" '$1 == b { print $2 }' "$T/bools"; }

# perms SOURCE TARGET CLASS: the permissions allow rules grant, unconditionally
# or under a boolean in its default state (as installed), one per line.
perms() {
	local line b v want
	while IFS= read -r line; do
		case $line in
		allow*"[ "*" ]:"*)
			b=$(echo "$line" | sed -n 's/.*\[ \(.*\) \]:\(True\|False\).*/\1/p')
			want=$(echo "$line" | sed -n 's/.*\]:\(True\|False\).*/\1/p' | tr A-Z a-z)
			case $b in *" "*) continue ;; esac	# boolean expressions: not counted
			v=$(bool_default "$b")
			[ "$v" = "$want" ] || continue ;;
		allow*) ;;
		*) continue ;;
		esac
		echo "$line" | sed -e "s/^[^:]*:$3 //" -e 's/;.*//' -e 's/[{}]//g' | tr ' ' '\n'
	done < <(sesearch -A -s "$1" -t "$2" -c "$3" "$POL" 2>/dev/null) | sed '/^$/d' | sort -u
}

# allowed SOURCE TARGET CLASS PERM
allowed() { perms "$1" "$2" "$3" | grep -qx "$4"; }

# may WHAT PATH FILETYPE CLASS PERM...: certmonger_t may do PERM... on PATH.
may() {
	local what=$1 path=$2 ftype=$3 class=$4 t p bad=""
	shift 4
	t=$(type_of "$path" "$ftype")
	if [ -z "$t" ]; then
		fail "$what: $path has no file context"
		return
	fi
	perms certmonger_t "$t" "$class" >"$T/perms"
	for p in "$@"; do
		checks=$((checks + 1))
		grep -qx "$p" "$T/perms" || bad="$bad $p"
	done
	if [ -n "$bad" ]; then
		fail "$what: certmonger_t may not$bad on $path ($t:$class)"
	else
		echo "ok: $what: $path ($t) $class {$*}"
	fi
}

# may_not WHAT PATH FILETYPE CLASS PERM...: least privilege.
may_not() {
	local what=$1 path=$2 ftype=$3 class=$4 t p bad=""
	shift 4
	t=$(type_of "$path" "$ftype")
	perms certmonger_t "$t" "$class" >"$T/perms"
	for p in "$@"; do
		checks=$((checks + 1))
		grep -qx "$p" "$T/perms" && bad="$bad $p"
	done
	if [ -n "$bad" ]; then
		fail "$what: certmonger_t may$bad on $path ($t:$class)"
	else
		echo "ok: $what: not {$*} on $path ($t)"
	fi
}

# expect_type PATH FILETYPE TYPE
expect_type() {
	local t
	checks=$((checks + 1))
	t=$(type_of "$1" "$2")
	if [ "$t" = "$3" ]; then
		echo "ok: $1 is $3"
	else
		fail "$1 is labelled '${t:-nothing}', expected $3"
	fi
}

RD="getattr open read"
DIR_RD="getattr open read search"
DIR_RW="getattr open read search write add_name remove_name"
FILE_RW="create getattr open read write setattr rename unlink"

# ---- 3. file contexts --------------------------------------------------------
expect_type /usr/lib/certmonger/ndes-submit file bin_t
expect_type /usr/libexec/certmonger/ndes-submit file bin_t
expect_type /etc/ndes-submit dir ndes_submit_conf_t
expect_type /etc/ndes-submit/svc-ndes-enroll.password file ndes_submit_conf_t
expect_type /var/lib/ndes-submit dir ndes_submit_var_lib_t
expect_type /var/lib/ndes-submit/otp/web.otp file ndes_submit_var_lib_t
expect_type /run/ndes-submit/krb5cc file ndes_submit_runtime_t

# ---- 4. the documented operations -------------------------------------------
# certmonger runs the helper (Debian and Fedora/RHEL locations).
may "run the helper" /usr/lib/certmonger dir dir search getattr
may "run the helper" /usr/lib/certmonger/ndes-submit file file execute execute_no_trans $RD map
may "run the helper" /usr/libexec/certmonger/ndes-submit file file execute execute_no_trans $RD map
# Configuration and credentials.
may "read the configuration" /etc/ndes-submit dir dir $DIR_RD
may "read the configuration" /etc/ndes-submit/ndes-submit.conf file file $RD
may "read the admin password file" /etc/ndes-submit/svc-ndes-enroll.password file file $RD
may "read a service keytab" /etc/ndes-submit/svc-ndes-enroll.keytab file file $RD
may "read the host keytab" /etc/krb5.keytab file file $RD
may "read krb5.conf" /etc/krb5.conf file file $RD
may "read the system trust store (Debian)" /etc/ssl/certs/ca-certificates.crt file file $RD
may "read the system trust store (Fedora/RHEL)" /etc/pki/tls/certs/ca-bundle.crt file file $RD
# The GetCACaps cache (state-dir), also when the helper creates the directory.
may "write the cache" /var/lib/ndes-submit dir dir $DIR_RW create
may "write the cache" /var/lib/ndes-submit/caps-0123456789abcdef file file $FILE_RW
may "create state-dir" /var/lib dir dir search write add_name
checks=$((checks + 1))
if sesearch -T -s certmonger_t -t var_lib_t -c dir "$POL" 2>/dev/null |
	grep -Eq 'ndes_submit_var_lib_t "?ndes-submit"?;'; then
	echo "ok: a /var/lib/ndes-submit made by the helper is ndes_submit_var_lib_t, as restorecon labels it"
else
	fail "no type transition: a /var/lib/ndes-submit made by the helper is not ndes_submit_var_lib_t"
	sesearch -T -s certmonger_t -t var_lib_t -c dir "$POL"
fi
# Automatic passwords: FILE, its temporary twin renamed over it, FILE.ndes-submit-state.
may "automatic passwords" /var/lib/ndes-submit/otp dir dir $DIR_RW
may "automatic passwords" /var/lib/ndes-submit/otp/web.otp file file $FILE_RW
may "automatic passwords" /var/lib/ndes-submit/otp/web.otp.ndes-submit-state file file $FILE_RW
may "automatic passwords" /var/lib/ndes-submit/otp/web.otp.tmpXXXXXX file file $FILE_RW
may "find the request (auto-password)" /var/lib/certmonger/requests dir dir $DIR_RD
may "find the request (auto-password)" /var/lib/certmonger/requests/20260101000000 file file $RD
# A Kerberos credential cache another service keeps (and the helper refreshes).
may "use a ccache" /run/ndes-submit dir dir $DIR_RW
may "use a ccache" /run/ndes-submit/krb5cc file file $FILE_RW
# The network: NDES over http and https, a proxy, the KDC.
for port in 80 443; do
	checks=$((checks + 1))
	if seinfo --portcon="$port" "$POL" 2>/dev/null | grep -q "tcp $port system_u:object_r:http_port_t"; then
		echo "ok: tcp port $port is http_port_t"
	else
		fail "tcp port $port is not http_port_t"
	fi
done
for t in http_port_t http_cache_port_t kerberos_port_t; do
	checks=$((checks + 1))
	if allowed certmonger_t "$t" tcp_socket name_connect; then
		echo "ok: certmonger_t may connect to $t"
	else
		fail "certmonger_t may not connect to $t"
	fi
done
perms certmonger_t certmonger_t tcp_socket >"$T/perms"
for p in create connect read write getattr setopt; do
	checks=$((checks + 1))
	grep -qx "$p" "$T/perms" || fail "certmonger_t may not $p its tcp_socket"
done
checks=$((checks + 1))
allowed certmonger_t dns_port_t tcp_socket name_connect || allowed certmonger_t certmonger_t udp_socket connect ||
	fail "certmonger_t may not resolve names"

# Messages to syslog (log = syslog, or auto under certmonger 0.79.13).
may "send to syslog" /dev/log sock_file sock_file write
perms certmonger_t certmonger_t unix_dgram_socket >"$T/perms"
for p in create connect write; do
	checks=$((checks + 1))
	grep -qx "$p" "$T/perms" || fail "certmonger_t may not $p its unix_dgram_socket (syslog)"
done
checks=$((checks + 1))
if allowed certmonger_t syslogd_t unix_dgram_socket sendto; then
	echo "ok: certmonger_t may send to syslogd_t (journald, rsyslog)"
else
	fail "certmonger_t may not send datagrams to syslogd_t"
fi

# auth = ntlm-gssapi: the credentials memfd (tmpfs) gets our type, and
# certmonger_t may write it and gss-ntlmssp read it back.
checks=$((checks + 1))
if sesearch -T -s certmonger_t -t tmpfs_t -c file "$POL" 2>/dev/null | grep -q ndes_submit_tmpfs_t; then
	echo "ok: a memfd made by the helper is ndes_submit_tmpfs_t"
else
	fail "no type transition: a memfd made by the helper would be tmpfs_t"
fi
perms certmonger_t ndes_submit_tmpfs_t file >"$T/perms"
for p in create open read write getattr map; do
	checks=$((checks + 1))
	grep -qx "$p" "$T/perms" || fail "certmonger_t may not $p ndes_submit_tmpfs_t files (ntlm-gssapi memfd)"
done

# ---- 5. not more than needed, and why the layout moved out of /etc ----------
may_not "credentials stay read-only" /etc/ndes-submit/svc-ndes-enroll.password file file write append create unlink
may_not "configuration stays read-only" /etc/ndes-submit dir dir write add_name
# The issue's premise: certmonger_t cannot create files in /etc, so automatic
# mode's files cannot live under /etc/ndes-submit (README.md, "SELinux").
may_not "/etc is not writable (why otp/ moved)" /etc/ndes-submit-otp-example file file create

echo "$checks checks, $fails failure(s)"
[ "$fails" -eq 0 ]
