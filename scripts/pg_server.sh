#!/usr/bin/env bash
# A throwaway PostgreSQL server for the `postgres` dbt target and its tests.
#
#   scripts/pg_server.sh install         install Debian's postgresql if initdb/pg_ctl are missing
#   scripts/pg_server.sh start  [DIR]    start (or reuse) a server in DIR; print `export RADAR_PG_*=...`
#   scripts/pg_server.sh env    [DIR]    print the variables of the running server in DIR
#   scripts/pg_server.sh status [DIR]    exit 0 when the server in DIR runs
#   scripts/pg_server.sh stop   [DIR]    stop the server and delete DIR
#
# DIR defaults to $RADAR_PG_DIR or /tmp/radar_pg. The server listens on
# 127.0.0.1 only, on a free port picked at start, with password authentication
# (a random password) and fsync off: it is for tests and demos, never for data
# you want to keep. PostgreSQL refuses to run as root, so as root the server
# runs as the OS user `radar_pg` (created when missing); as any other user it
# runs as that user. Usage in a shell:  eval "$(scripts/pg_server.sh start)"
set -euo pipefail

PG_OS_USER=${RADAR_PG_OS_USER:-radar_pg}
DB_USER=radar
DB_NAME=radar

die() { echo "pg_server: $*" >&2; exit 1; }
note() { echo "pg_server: $*" >&2; }

pg_bindir() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x $dir/initdb && -x $dir/pg_ctl && -x $dir/postgres ]]; then
            echo "$dir"; return 0
        fi
    done
    if command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then
        dirname "$(readlink -f "$(command -v pg_ctl)")"; return 0
    fi
    return 1
}

install_pg() {
    if pg_bindir >/dev/null; then return 0; fi
    [[ $(id -u) -eq 0 ]] || die "PostgreSQL server binaries not found; install Debian's 'postgresql' package (sudo apt-get install postgresql)"
    note "installing Debian's postgresql package (first run only)..."
    local started=$SECONDS
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # the package's post-install creates and starts a cluster of its own: keep it from starting
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created_policy=1
    fi
    apt-get install -y -qq --no-install-recommends postgresql >&2 || { [[ $created_policy -eq 1 ]] && rm -f "$policy"; die "apt-get install postgresql failed"; }
    [[ $created_policy -eq 1 ]] && rm -f "$policy"
    pg_bindir >/dev/null || die "postgresql installed but initdb/pg_ctl not found under /usr/lib/postgresql/*/bin"
    note "postgresql installed in $((SECONDS - started)) s"
}

# run a command as the server's OS user
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u "$PG_OS_USER" -- "$@"
    else
        "$@"
    fi
}

ensure_os_user() {
    [[ $(id -u) -eq 0 ]] || return 0
    id "$PG_OS_USER" >/dev/null 2>&1 && return 0
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_OS_USER" 2>/dev/null \
        || id "$PG_OS_USER" >/dev/null 2>&1 || die "cannot create OS user $PG_OS_USER"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

running() {
    local dir=$1 bin
    [[ -f $dir/env.sh && -d $dir/data ]] || return 1
    bin=$(pg_bindir) || return 1
    as_pg "$bin/pg_ctl" status -D "$dir/data" >/dev/null 2>&1
}

start() {
    local dir=$1 bin port password attempt
    if running "$dir"; then
        cat "$dir/env.sh"; return 0
    fi
    install_pg
    bin=$(pg_bindir)
    ensure_os_user
    if [[ -e $dir ]]; then  # a stale or half-made server: start over
        as_pg "$bin/pg_ctl" stop -D "$dir/data" -m immediate >/dev/null 2>&1 || true
        rm -rf "$dir"
    fi
    mkdir -p "$dir"
    chmod 700 "$dir"
    [[ $(id -u) -eq 0 ]] && chown "$PG_OS_USER" "$dir"
    password=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
    as_pg bash -c "umask 077 && printf '%s\n' '$password' > '$dir/pwfile'"
    as_pg "$bin/initdb" -D "$dir/data" -U "$DB_USER" --pwfile="$dir/pwfile" --auth-local=scram-sha-256 \
        --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    rm -f "$dir/pwfile"
    for attempt in 1 2 3; do
        port=$(free_port)
        if as_pg "$bin/pg_ctl" start -D "$dir/data" -l "$dir/server.log" -w -t 30 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=40 -c timezone=UTC" >/dev/null; then
            break
        fi
        [[ $attempt -eq 3 ]] && { tail -20 "$dir/server.log" >&2; die "pg_ctl start failed"; }
        note "port $port taken, retrying"
    done
    PGPASSWORD=$password "$bin/psql" -h 127.0.0.1 -p "$port" -U "$DB_USER" -d postgres -qtA \
        -c "create database $DB_NAME" >/dev/null || die "create database failed"
    cat >"$dir/env.sh" <<EOF
export RADAR_PG_HOST=127.0.0.1
export RADAR_PG_PORT=$port
export RADAR_PG_USER=$DB_USER
export RADAR_PG_PASSWORD=$password
export RADAR_PG_DATABASE=$DB_NAME
export RADAR_PG_DIR=$dir
EOF
    chmod 644 "$dir/env.sh"
    cat "$dir/env.sh"
}

stop() {
    local dir=$1 bin
    if [[ -d $dir/data ]] && bin=$(pg_bindir); then
        as_pg "$bin/pg_ctl" stop -D "$dir/data" -m fast -w >/dev/null 2>&1 || true
    fi
    # refuse to delete anything that is not a server directory of this script
    if [[ -e $dir ]]; then
        [[ -d $dir/data || -f $dir/env.sh || -f $dir/initdb.log || -z $(ls -A "$dir") ]] \
            || die "$dir does not look like a pg_server.sh directory; not deleting it"
        rm -rf "$dir"
    fi
}

command=${1:-}
dir=${2:-${RADAR_PG_DIR:-/tmp/radar_pg}}
case $command in
    install) install_pg ;;
    start) start "$dir" ;;
    env) running "$dir" || die "no server running in $dir"; cat "$dir/env.sh" ;;
    status) running "$dir" ;;
    stop) stop "$dir" ;;
    -h|--help|help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' ;;
    *) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
