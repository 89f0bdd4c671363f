#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Every source file of the project says its licence in an SPDX line
# (GPL-3.0-or-later, certmonger's). Data files, the licence text, Debian's
# changelog/format/copyright files, Markdown, the fuzz corpus and curl's
# version tables (curl's licence, tests/lint/curl/COPYING) are exempt.
# Exit 0 pass, 77 skip (not a git checkout), 1 fail.
top=${abs_top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
# shellcheck source=../lib/prereq.sh
. "$top/tests/lib/prereq.sh"
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || prereq_skip "not a git checkout"
missing=$(git ls-files | grep -Ev '(^COPYING$|\.md$|^debian/(changelog|copyright|source/format|.*\.docs)$|^m4/\.keep$|^tests/otp/data/|^tests/fuzz/corpus/|^tests/lint/curl/(symbols-in-versions|functions-in-versions|COPYING)$)' |
	while read -r f; do
		[ -f "$f" ] || continue
		head -n 5 "$f" | grep -q 'SPDX-License-Identifier: GPL-3.0-or-later' || echo "$f"
	done)
if [ -n "$missing" ]; then
	echo "FAIL: files without 'SPDX-License-Identifier: GPL-3.0-or-later' in their first 5 lines:"
	echo "$missing"
	exit 1
fi
echo "ok: every source file has an SPDX line ($(git ls-files | wc -l) files checked)"
