# SPDX-License-Identifier: GPL-3.0-or-later
# Extended Protection facts about this system for the tests (sourced),
# decided from the installed tools, not from what the helper claims.
#
# epa_libcurl: sets EPA_CURL_VER ("8.14.1"), EPA_CURL_TLS ("OpenSSL/3.5.1"),
#   EPA_CURL_FEATURES and EPA_BINDS: "yes" when this libcurl sends the RFC
#   5929 tls-server-end-point binding with Negotiate (8.10 or later, not
#   8.17.0, GSS-API and SPNEGO, the OpenSSL backend), else "no". From
#   "curl --version" (the libcurl the helper loads), else curl-config.
#   Returns 1 when the version cannot be told.
# epa_ntlmssp_module: prints the gss-ntlmssp module MIT's mechglue would
#   load (/etc/gss/mech, /etc/gss/mech.d/*.conf), nothing when none.

epa_libcurl() {
	local line v1 v2 v3 num
	EPA_CURL_VER="" EPA_CURL_TLS="" EPA_CURL_FEATURES="" EPA_BINDS=no
	if command -v curl >/dev/null 2>&1; then
		line=$(curl --version 2>/dev/null | head -n 1)
		EPA_CURL_FEATURES=$(curl --version 2>/dev/null | sed -n 's/^Features: //p')
		EPA_CURL_VER=$(printf '%s\n' "$line" | sed -n 's|.* libcurl/\([0-9][0-9.]*\).*|\1|p')
		EPA_CURL_TLS=$(printf '%s\n' "$line" | sed -n 's|.* libcurl/[^ ]* \([^ ]*\).*|\1|p')
	elif command -v curl-config >/dev/null 2>&1; then
		EPA_CURL_FEATURES=$(curl-config --features | tr '\n' ' ')
		EPA_CURL_VER=$(curl-config --version | sed 's/^libcurl //')
		EPA_CURL_TLS=$(curl-config --ssl-backends 2>/dev/null)
	fi
	[ -n "$EPA_CURL_VER" ] || return 1
	IFS=. read -r v1 v2 v3 <<<"$EPA_CURL_VER"
	num=$(( (v1 << 16) | (v2 << 8) | ${v3:-0} ))
	if [ "$num" -ge $((0x080a00)) ] && [ "$num" -ne $((0x081100)) ] &&
		[[ " $EPA_CURL_FEATURES " == *" GSS-API "* ]] &&
		[[ " $EPA_CURL_FEATURES " == *" SPNEGO "* ]] && [[ "$EPA_CURL_TLS" == OpenSSL* ]]; then
		EPA_BINDS=yes
	fi
	return 0
}

epa_ntlmssp_module() {
	local f so
	for f in /etc/gss/mech /etc/gss/mech.d/*.conf; do
		[ -f "$f" ] || continue
		so=$(awk '$2 == "1.3.6.1.4.1.311.2.2.10" { print $3; exit }' "$f")
		if [ -n "$so" ] && [ -e "$so" ]; then
			echo "$so"
			return 0
		fi
	done
	return 0
}
