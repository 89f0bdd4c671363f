# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# Shared prologue of the ndes-server test scripts: the prerequisite checks
# (tests/lib/prereq.sh: exit 77 = skip when missing); keeps the tree clean.
# Source it; it sets PY and here.

# shellcheck disable=SC2034  # used by the scripts that source this
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
# The source tree may be read-only (make distcheck): no __pycache__ in it.
export PYTHONDONTWRITEBYTECODE=1

# shellcheck source=../../lib/prereq.sh
. "$here/../../lib/prereq.sh"
