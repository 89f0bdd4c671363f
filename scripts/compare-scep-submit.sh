#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# ndes-submit beside certmonger's own scep-submit, per host: both drive the
# same private certmonger daemon against the NDES stand-in and enroll CERTS
# certificates each, with one-time passwords fetched beforehand (scep-submit
# cannot fetch them). (micromdm's scepserver would do for ndes-submit, but
# its CA-only certificate lacks digitalSignature, so scep-submit refuses its
# replies: "certificate verify error".) Every helper run certmonger makes goes through a
# wrapper that counts the HTTP requests the stand-in logs during the run and
# the helper's instructions (valgrind --tool=callgrind); each SUBMIT is then
# replayed once under /usr/bin/time for its peak RSS (valgrind's own memory
# would hide the helper's). Prints the figures; asserts nothing about them.
#   ./scripts/compare-scep-submit.sh [CERTS]     as root, after a build in ./build
top=$(cd "$(dirname "$0")/.." && pwd)
export NS_HELPER=${NS_HELPER:-$top/build/src/ndes-submit}
CERTS=${1:-${CERTS:-5}}
E2E_TIMEOUT=${E2E_TIMEOUT:-1800}
# shellcheck source=tests/e2e/lib.sh
. "$top/tests/e2e/lib.sh"

e2e_begin "ndes-submit beside scep-submit: $CERTS certificates each"
e2e_require_helper
SCEP_SUBMIT=${SCEP_SUBMIT:-$(ls /usr/lib/certmonger/scep-submit /usr/libexec/certmonger/scep-submit 2>/dev/null | head -n 1)}
[ -x "$SCEP_SUBMIT" ] || e2e_skip "certmonger's scep-submit not found"
command -v valgrind >/dev/null || e2e_skip "valgrind not installed"
[ -x /usr/bin/time ] || e2e_skip "/usr/bin/time not installed (Debian package time)"

# The NDES stand-in, as NDES: one-time passwords (fetched here from the
# admin page, outside the measured runs), a signing and an encryption RA.
# scep-submit sends PKIOperation by GET only: a 2048-bit request's query
# (~3.7 KB) exceeds IIS' default 2048 bytes (404.15), so the limit is raised
# as an admin would for such clients.
ndes_start --password-max 1000 --max-query-string 8192
LOG=$NDES_DIR/log.jsonl
touch "$LOG"

# The wrapper: NAME HELPER ARGS... One line per run in $T/runs-NAME:
# OPERATION REQUESTS INSTRUCTIONS EXIT; a SUBMIT's environment is kept in
# $T/env-NAME-N for the RSS replay.
cat >"$T/measure" <<'WRAP'
#!/bin/bash
name=$1
shift
dir=$(dirname "$0")
op=${CERTMONGER_OPERATION:-SUBMIT}
before=$(wc -l <"$NS_CMP_LOG")
n=$(ls "$dir" | grep -c "^env-$name-")
[ "$op" = SUBMIT ] && env -0 | grep -z '^CERTMONGER_' >"$dir/env-$name-$n"
valgrind --tool=callgrind --callgrind-out-file=/dev/null --log-file="$dir/vg.$$" "$@"
rc=$?
after=$(wc -l <"$NS_CMP_LOG")
ins=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$dir/vg.$$")
rm -f "$dir/vg.$$"
echo "$op $((after - before)) ${ins:-0} $rc" >>"$dir/runs-$name"
exit $rc
WRAP
# certmonger does not hand its helpers our environment: the log's path is
# written into the wrapper.
sed -i "s|\$NS_CMP_LOG|$LOG|g" "$T/measure"
chmod 755 "$T/measure"

helper_conf "url=$NDES_URL" "verbose=0"
getcert add-ca -c ndes -e "$T/measure ndes $E2E_HELPER --config $T/ndes-submit.conf" >/dev/null ||
	e2e_fail "getcert add-ca (ndes-submit) failed"
getcert add-ca -c native -e "$T/measure native $SCEP_SUBMIT -u $NDES_URL" >/dev/null ||
	e2e_fail "getcert add-ca (scep-submit) failed"
cm_wait_ca ndes 60 || e2e_fail "certmonger got no CA certificate through ndes-submit"
cm_wait_ca native 60 || e2e_fail "certmonger got no CA certificate through scep-submit"

# Only enrollments are compared: the CA-data runs (once per CA) are left out.
for ca in ndes native; do
	: >"$T/runs-$ca"
	for ((i = 1; i <= CERTS; i++)); do
		PW=$(otp_fetch) || e2e_fail "no one-time password from the admin page"
		CM_CA=$ca cm_request "$ca$i" -g 2048 -N "CN=$ca$i.example.test" -L "$PW"
		wait_for_state "$ca$i" 'MONITORING|CA_UNREACHABLE|CA_REJECTED|NEED_GUIDANCE|CA_UNCONFIGURED' 300
		assert_eq "$ca$i issued" MONITORING "$(cm_status "$ca$i")"
	done
done

# peak RSS of each recorded SUBMIT, replayed with the same environment (the
# stand-in answers a repeated transaction as NDES does: the same certificate).
rss() {
	local name=$1 f max=0 r
	shift
	for f in "$T"/env-"$name"-*; do
		[ -f "$f" ] || continue
		(
			while IFS= read -r -d '' kv; do export "${kv?}"; done <"$f"
			/usr/bin/time -f '%M' -o "$T/rss" "$@" >/dev/null 2>&1 </dev/null
		)
		r=$(tail -n 1 "$T/rss")
		[ "${r:-0}" -gt "$max" ] 2>/dev/null && max=$r
	done
	echo "$max"
}
rss_ndes=$(rss ndes "$E2E_HELPER" --config "$T/ndes-submit.conf")
rss_native=$(rss native "$SCEP_SUBMIT" -u "$NDES_URL")

# figures NAME: runs, requests and instructions per certificate.
figures() {
	awk -v n="$CERTS" '$1 == "SUBMIT" || $1 == "POLL" { runs++; req += $2; ins += $3 }
		END { printf "%.1f %.1f %.1f\n", runs / n, req / n, ins / n / 1e6 }' "$T/runs-$1"
}
read -r runs_n req_n ins_n <<<"$(figures ndes)"
read -r runs_s req_s ins_s <<<"$(figures native)"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }

echo "==== per certificate (first enrollment, $CERTS each, the NDES stand-in) ===="
printf '%-36s %12s %12s %8s\n' "" ndes-submit scep-submit ratio
printf '%-36s %12s %12s %8s\n' "helper runs (SUBMIT/POLL)" "$runs_n" "$runs_s" "$(ratio "$runs_n" "$runs_s")"
printf '%-36s %12s %12s %8s\n' "HTTP requests" "$req_n" "$req_s" "$(ratio "$req_n" "$req_s")"
printf '%-36s %12s %12s %8s\n' "instructions (millions, callgrind)" "$ins_n" "$ins_s" "$(ratio "$ins_n" "$ins_s")"
printf '%-36s %12s %12s %8s\n' "peak RSS of a SUBMIT (KiB)" "$rss_ndes" "$rss_native" "$(ratio "$rss_ndes" "$rss_native")"
e2e_pass
