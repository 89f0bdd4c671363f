#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs one cmocka test program for automake's TAP driver (LOG_COMPILER).
# cmocka 1.1 prints a skipped test as "not ok N # SKIP name", which the TAP
# driver counts as a failure; TAP (and the driver) want "ok N # SKIP". Only
# those lines are rewritten: real failures stay "not ok" and the program's
# exit status is kept (a pipeline alone would report sed's).
# Usage: cmocka-tap.sh PROGRAM [ARGS...]
{ status=$( { { "$@" 3>&- 4>&-; echo "$?" >&3; } |
	sed 's/^not ok \([0-9][0-9]*\)\(.*\)# SKIP/ok \1\2# SKIP/' >&4; } 3>&1 ); } 4>&1
exit "${status:-1}"
