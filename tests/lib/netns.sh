# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# A private loopback for a script test (source it), so that its fixed ports
# clash with nothing else on the machine.
#
# netns_private "$0" "$@": when root and unshare(1) and ip(8) can make a
# network namespace, runs the script again, with its arguments, in a new
# one with lo up (NS_IN_NETNS=1 tells the second run it is there); else
# returns and the script runs on the machine's own loopback.
netns_private() {
	if [ -z "$NS_IN_NETNS" ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null &&
		command -v ip >/dev/null && unshare -n true 2>/dev/null; then
		# shellcheck disable=SC2016  # $0 and $@ belong to the inner bash
		exec unshare -n env NS_IN_NETNS=1 bash -c 'ip link set lo up && exec bash "$0" "$@"' "$@"
	fi
}
