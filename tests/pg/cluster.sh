#!/usr/bin/env bash
# A private PostgreSQL cluster for the tests of the postgres:// store.
#
#   cluster.sh start DIR [PORT]    start it (creating it on first use), print its URL
#   cluster.sh stop DIR            stop it (nothing to do when it is not running)
#   cluster.sh url DIR             print the URL of the running cluster
#   cluster.sh run DIR -- CMD...   start it, run CMD with DURABOX_TEST_POSTGRES set, stop it
#
# The URL is postgres://postgres@127.0.0.1:PORT/durabox (trust auth, 127.0.0.1 only, no
# Unix socket). Without PORT a free one from 55432 up is taken. Starting a running cluster
# reuses it. When initdb/pg_ctl are missing, the Debian package `postgresql` is installed
# (as root). PostgreSQL refuses to run as root: as root the cluster belongs to the
# `postgres` user; its files live in DIR, or under /tmp when that user cannot reach DIR.
set -euo pipefail

die() {
    echo "cluster.sh: $*" >&2
    exit 1
}

usage() {
    echo "usage: $0 start DIR [PORT] | stop DIR | url DIR | run DIR -- CMD..." >&2
    exit 2
}

# The folder holding initdb, pg_ctl, psql and createdb, if PostgreSQL is installed.
pg_bin() {
    local initdb dir
    if initdb=$(command -v initdb 2>/dev/null); then
        dir=$(dirname "$(readlink -f "$initdb")")
        if [ -x "$dir/pg_ctl" ] && [ -x "$dir/psql" ]; then
            echo "$dir"
            return
        fi
    fi
    # Debian keeps the server programs off PATH, one folder per major version.
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

install_postgres() {
    [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed: install the package postgresql (sudo apt-get install postgresql)"
    echo "cluster.sh: installing PostgreSQL (apt-get install postgresql)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
}

as_pg() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# The cluster's own folder (data, log, port), writable by the user running PostgreSQL.
cluster_home() {
    local dir=$1 home
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    home=$dir
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || die "no user postgres (install the package postgresql)"
        chown postgres: "$home"
        if ! runuser -u postgres -- test -w "$home"; then
            # A folder the postgres user cannot reach (e.g. under /root): one of its own.
            home="${TMPDIR:-/tmp}/durabox-pg-$(printf %s "$dir" | cksum | cut -d ' ' -f 1)"
            mkdir -p "$home"
            chown postgres: "$home"
        fi
    fi
    chmod 700 "$home"
    echo "$home"
}

free_port() {
    local port
    for port in $(seq 55432 55531); do
        # Nothing answers a connection: free.
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    die "no free port in 55432-55531"
}

url() {
    echo "postgres://postgres@127.0.0.1:$1/durabox"
}

running() {
    as_pg "$1/pg_ctl" -D "$2/data" status >/dev/null 2>&1
}

start() {
    local dir=$1 port=${2:-} bin home
    bin=$(pg_bin) || true
    if [ -z "$bin" ]; then
        install_postgres
        bin=$(pg_bin) || die "PostgreSQL was installed but initdb is not found"
    fi
    home=$(cluster_home "$dir")
    if [ ! -s "$home/data/PG_VERSION" ]; then
        rm -rf "$home/data"
        as_pg "$bin/initdb" -D "$home/data" -U postgres --auth=trust -E UTF8 --locale=C \
            --no-sync >"$home/initdb.log" 2>&1 || {
            cat "$home/initdb.log" >&2
            die "initdb failed"
        }
    fi
    if running "$bin" "$home" && [ -s "$home/port" ]; then
        port=$(cat "$home/port")
    else
        [ -n "$port" ] || port=$(free_port)
        # max_connections: each store holds two connections, and tests open many stores.
        as_pg "$bin/pg_ctl" -D "$home/data" -l "$home/log" -w -t 60 \
            -o "-p $port -k '' -c listen_addresses=127.0.0.1 -c max_connections=300" \
            start >/dev/null || {
            tail -n 20 "$home/log" >&2 || true
            die "PostgreSQL did not start on port $port (log: $home/log)"
        }
        echo "$port" >"$home/port"
    fi
    local psql=("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atq)
    if [ "$(as_pg "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'durabox'")" != 1 ]; then
        as_pg "${psql[@]}" -c "CREATE DATABASE durabox" >/dev/null
    fi
    url "$port"
}

stop() {
    local dir=$1 bin home
    bin=$(pg_bin) || return 0
    home=$(cluster_home "$dir")
    [ -d "$home/data" ] || return 0
    if running "$bin" "$home"; then
        as_pg "$bin/pg_ctl" -D "$home/data" -m fast -w stop >/dev/null
    fi
}

[ $# -ge 2 ] || usage
command=$1
dir=$2
shift 2
case $command in
start) start "$dir" "${1:-}" ;;
stop) stop "$dir" ;;
url)
    home=$(cluster_home "$dir")
    bin=$(pg_bin) || die "PostgreSQL is not installed"
    running "$bin" "$home" || die "no cluster running in $dir"
    url "$(cat "$home/port")"
    ;;
run)
    [ "${1:-}" = -- ] && shift
    [ $# -gt 0 ] || usage
    DURABOX_TEST_POSTGRES=$(start "$dir")
    export DURABOX_TEST_POSTGRES
    trap 'stop "$dir"' EXIT
    "$@"
    ;;
*) usage ;;
esac
