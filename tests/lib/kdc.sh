# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# A throwaway MIT Kerberos KDC on loopback, for tests.  Source this file.
#
#   kdc_available                 0 if the MIT KDC tools are installed
#   kdc_start DIR PORT            realm EXAMPLE.TEST on 127.0.0.1:PORT (UDP+TCP)
#   kdc_kinit DIR PRINC PW CCACHE get a TGT with a password (fed on stdin)
#   kdc_kinit_keytab DIR PRINC KEYTAB CCACHE   the same with a client keytab
#   kdc_stop DIR                  stop the KDC started in DIR
#
# kdc_start creates, all under DIR (nothing else on the machine is touched):
#   krb5.conf, kdc.conf, the database, kdc.log
#   principals alice (Secr3t!), bob (Bob-Pw1!), HTTP/localhost (random key)
#   http.keytab   acceptor keytab of HTTP/localhost (for the web server)
#   alice.keytab  client keytab of alice, with her password key (stands in
#                 for an AD-joined host's keytab; use KRB5_CLIENT_KTNAME)
#   kdc.pid       pid of krb5kdc
# and exports KRB5_CONFIG, KRB5_KDC_PROFILE and KRB5RCACHEDIR (the acceptor's
# replay cache, under DIR too).  Clients must name the server "localhost",
# not 127.0.0.1: the service principal is HTTP/localhost and no DNS
# canonicalisation is done (dns_canonicalize_hostname = false, rdns = false).
# Returns 0 on success; on failure prints why on stderr and returns 1.

KDC_REALM=EXAMPLE.TEST

_kdc_tool() {
    # kadmin.local and friends live in /usr/sbin, which PATH may lack.
    local name=$1 dir
    if command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
        return 0
    fi
    for dir in /usr/sbin /sbin /usr/local/sbin; do
        if [ -x "$dir/$name" ]; then
            echo "$dir/$name"
            return 0
        fi
    done
    return 1
}

kdc_available() {
    local t
    for t in krb5kdc kdb5_util kadmin.local kinit; do
        _kdc_tool "$t" >/dev/null || return 1
    done
    return 0
}

_kdc_alive() {
    # kill -0 also succeeds on a zombie child: look at the process state.
    local pid=$1 state
    [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
    state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1)
    [ -n "$state" ] && [ "$state" != Z ]
}

_kdc_env() {
    # Every Kerberos tool run from here sees only DIR's configuration.
    local dir=$1
    KRB5_CONFIG=$dir/krb5.conf
    KRB5_KDC_PROFILE=$dir/kdc.conf
    KRB5RCACHEDIR=$dir/rcache
    export KRB5_CONFIG KRB5_KDC_PROFILE KRB5RCACHEDIR
}

kdc_start() {
    local dir=${1:-} port=${2:-}
    if [ -z "$dir" ] || [ -z "$port" ]; then
        echo "kdc_start: usage: kdc_start DIR PORT" >&2
        return 1
    fi
    if ! kdc_available; then
        echo "kdc_start: MIT KDC tools missing (krb5-kdc, krb5-admin-server, krb5-user)" >&2
        return 1
    fi
    mkdir -p "$dir" "$dir/rcache" || return 1
    dir=$(cd "$dir" && pwd) || return 1
    local krb5kdc kdb5_util kadmin
    krb5kdc=$(_kdc_tool krb5kdc)
    kdb5_util=$(_kdc_tool kdb5_util)
    kadmin=$(_kdc_tool kadmin.local)

    # The [realms] braces must span lines: the one-line form is not parsed.
    cat >"$dir/krb5.conf" <<EOF
[libdefaults]
    default_realm = $KDC_REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false
    default_ccache_name = FILE:$dir/default.ccache
    default_keytab_name = FILE:$dir/http.keytab

[realms]
    $KDC_REALM = {
        kdc = 127.0.0.1:$port
    }

[domain_realm]
    localhost = $KDC_REALM
    .example.test = $KDC_REALM
    example.test = $KDC_REALM
EOF
    cat >"$dir/kdc.conf" <<EOF
[kdcdefaults]
    kdc_listen = 127.0.0.1:$port
    kdc_tcp_listen = 127.0.0.1:$port

[realms]
    $KDC_REALM = {
        database_name = $dir/principal
        key_stash_file = $dir/stash
        acl_file = $dir/kadm5.acl
        max_life = 10h 0m 0s
        max_renewable_life = 1d 0h 0m 0s
        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
    }

# SPAKE preauth has no groups configured here: disabled, so that the KDC
# log does not open with an error line.
[plugins]
    kdcpreauth = {
        disable = spake
    }

[logging]
    kdc = FILE:$dir/kdc.log
    admin_server = FILE:$dir/kadmin.log
    default = FILE:$dir/krb5.log
EOF
    : >"$dir/kadm5.acl"
    _kdc_env "$dir"

    # A fresh, throwaway database (a stale one from an earlier run in DIR
    # would make kdb5_util fail); its master password only guards this realm.
    rm -f "$dir"/principal "$dir"/principal.* "$dir/stash" "$dir/http.keytab" \
        "$dir/alice.keytab"
    local master
    master=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
    if ! "$kdb5_util" create -s -r "$KDC_REALM" -P "$master" >"$dir/setup.log" 2>&1; then
        echo "kdc_start: kdb5_util create failed:" >&2
        cat "$dir/setup.log" >&2
        return 1
    fi
    # Queries go through stdin so that passwords stay out of argv.
    if ! "$kadmin" -r "$KDC_REALM" >>"$dir/setup.log" 2>&1 <<EOF
addprinc -pw Secr3t! alice
addprinc -pw Bob-Pw1! bob
addprinc -randkey HTTP/localhost
ktadd -k $dir/http.keytab HTTP/localhost
ktadd -k $dir/alice.keytab -norandkey alice
EOF
    then
        echo "kdc_start: kadmin.local failed:" >&2
        cat "$dir/setup.log" >&2
        return 1
    fi
    if [ ! -s "$dir/http.keytab" ] || [ ! -s "$dir/alice.keytab" ]; then
        echo "kdc_start: keytabs were not written:" >&2
        cat "$dir/setup.log" >&2
        return 1
    fi

    "$krb5kdc" -n -r "$KDC_REALM" >"$dir/kdc.out" 2>&1 </dev/null &
    echo $! >"$dir/kdc.pid"

    # Ready when a keytab kinit succeeds (the KDC answers on the port).
    local i=0 kinit
    kinit=$(_kdc_tool kinit)
    while [ $i -lt 100 ]; do
        if ! _kdc_alive "$(cat "$dir/kdc.pid")"; then
            echo "kdc_start: krb5kdc exited:" >&2
            cat "$dir/kdc.out" "$dir/kdc.log" >&2 2>/dev/null
            rm -f "$dir/kdc.pid"
            return 1
        fi
        if "$kinit" -k -t "$dir/alice.keytab" -c "FILE:$dir/probe.ccache" alice \
            >/dev/null 2>&1; then
            rm -f "$dir/probe.ccache"
            return 0
        fi
        sleep 0.1
        i=$((i + 1))
    done
    echo "kdc_start: the KDC did not answer on 127.0.0.1:$port within 10 s" >&2
    cat "$dir/kdc.log" >&2 2>/dev/null
    kdc_stop "$dir"
    return 1
}

kdc_kinit() {
    local dir=${1:-} princ=${2:-} password=${3:-} ccache=${4:-} kinit
    if [ -z "$dir" ] || [ -z "$princ" ] || [ -z "$ccache" ]; then
        echo "kdc_kinit: usage: kdc_kinit DIR PRINCIPAL PASSWORD CCACHE" >&2
        return 1
    fi
    kinit=$(_kdc_tool kinit) || { echo "kdc_kinit: kinit missing" >&2; return 1; }
    # The password goes on stdin, never on a command line.
    if ! printf '%s\n' "$password" |
        KRB5_CONFIG=$dir/krb5.conf "$kinit" -c "$ccache" "$princ" >"$dir/kinit.log" 2>&1; then
        echo "kdc_kinit: kinit $princ failed:" >&2
        grep -v -i 'password for' "$dir/kinit.log" >&2
        return 1
    fi
    return 0
}

kdc_kinit_keytab() {
    local dir=${1:-} princ=${2:-} keytab=${3:-} ccache=${4:-} kinit
    kinit=$(_kdc_tool kinit) || { echo "kdc_kinit_keytab: kinit missing" >&2; return 1; }
    if ! KRB5_CONFIG=$dir/krb5.conf "$kinit" -k -t "$keytab" -c "$ccache" "$princ" \
        >"$dir/kinit.log" 2>&1; then
        echo "kdc_kinit_keytab: kinit -k $princ failed:" >&2
        cat "$dir/kinit.log" >&2
        return 1
    fi
    return 0
}

kdc_stop() {
    local dir=${1:-} pid i=0
    [ -f "$dir/kdc.pid" ] || return 0
    pid=$(cat "$dir/kdc.pid")
    rm -f "$dir/kdc.pid"
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || return 0
    while _kdc_alive "$pid" && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    _kdc_alive "$pid" && kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}
