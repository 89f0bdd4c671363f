#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Prints the figures issue 18 asked for, for the work tree or a git revision:
#   scripts/layer-figures.sh [REV]
# All are counts of source lines (grep), so they can be compared between
# revisions; what each counts is printed beside it.
set -eu
cd "$(dirname "$0")/.."
rev=${1:-}

# show FILE: the file at REV (or in the work tree); empty when absent.
show() {
	if [ -n "$rev" ]; then
		git show "$rev:$1" 2>/dev/null || true
	else
		cat "$1" 2>/dev/null || true
	fi
}
files() {
	if [ -n "$rev" ]; then
		git ls-tree -r --name-only "$rev" -- src | grep '\.c$'
	else
		find src -name '*.c' | sort
	fi
}
# count PATTERN FILE...: lines matching PATTERN, comments excluded.
count() {
	pat=$1
	shift
	n=0
	for f in "$@"; do
		c=$(show "$f" | grep -v '^[[:space:]]*\(/\*\|\*\)' | grep -cE "$pat" || true)
		n=$((n + c))
	done
	echo "$n"
}
# The files a SUBMIT runs through (wherever they live).
submit_path=$(files | grep -E '/(submit|autopw|answer|cmenv|cmreq|csr|renew|servers|transport|certrep|pkimsg|cookie|outage|usedpw)\.c$')
all=$(files)

climb='err->cause|\be\.cause|ns_err_was\(|outcome\(|ns_cause_transient\(|ns_answer_retries\(|ns_servers_down\(|\*err = e\b'
echo "climbs back for err through SUBMIT (a caller reads a callee's err to decide or reword): $(count "$climb" $submit_path)"
echo "  of which in submit.c: $(count "$climb" $(echo "$submit_path" | grep '/submit\.c$'))"
echo "sites deciding on retry (lines that test a cause for transience or call a retry printer): $(count '^[^s].*(ns_cause_transient\(|retry_later\(|cadata_retry\(|autopw_status\()' $(echo "$all" | grep -v '/outcome\.c$'))"
echo "files printing a retry delay: $(for f in $all; do show "$f" | grep -q 'printf("%ld\\n' && echo "$f"; done | tr '\n' ' ')"
echo "CSR decodes of CERTMONGER_CSR per SUBMIT (call sites of a decoder outside csr.c): $(count 'ns_csr_challenge\(|ns_csr_has_challenge\(|ns_csr_der\(|d2i_X509_REQ\(|ns_csr_parse\(e, e->csr' $(echo "$all" | grep -v '/csr\.c$'))"
echo "  decoders in csr.c (d2i_X509_REQ): $(count 'd2i_X509_REQ\(' $(echo "$all" | grep '/csr\.c$'))"
echo "files with a rename(): $(for f in $all; do show "$f" | grep -q 'rename(' && echo "$f"; done | tr '\n' ' ')"
echo "requests-directory scans per SUBMIT (call sites of ns_cmreq_find*): $(count 'ns_cmreq_find(_csr)?\(' $(echo "$all" | grep -v '/cmreq\.c$'))"
