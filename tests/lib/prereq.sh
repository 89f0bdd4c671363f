# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=sh
# The prerequisite checks of the script tests (source it; POSIX sh and bash).
# Each one that finds something missing prints "SKIP: why" and exits 77,
# automake's "skipped". PY (default /usr/bin/python3, Debian's: the
# python3-* packages) is the Python the tests run.

# prereq_skip WHY...: skip the test, saying why.
prereq_skip() {
	echo "SKIP: $*"
	exit 77
}

# prereq_python [MODULE...]: $PY exists and imports every MODULE.
prereq_python() {
	[ -x "${PY:=/usr/bin/python3}" ] || prereq_skip "$PY missing"
	for _prereq_m in "$@"; do
		"$PY" -c "import $_prereq_m" 2>/dev/null ||
			prereq_skip "python3-$_prereq_m missing (scripts/install-deps.sh installs it)"
	done
}

# prereq_cmd COMMAND...: every COMMAND is on PATH.
prereq_cmd() {
	for _prereq_c in "$@"; do
		command -v "$_prereq_c" >/dev/null 2>&1 || prereq_skip "$_prereq_c not installed"
	done
}
