#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the test suite; source this file.
#   pg_test_start  -> exports QUALCODE_TEST_POSTGRES_URL (or says loudly why it cannot)
#   pg_test_stop   -> stops the server and removes its data folder
# The server runs as an unprivileged user (initdb refuses root), in a temp data folder,
# on a free loopback port, tuned for speed (fsync off: it holds only test data).

_pg_find_bindir() {
    local d
    if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v pg_ctl)")"
        return 0
    fi
    for d in /usr/lib/postgresql/*/bin; do
        if [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
    done
    return 1
}

_pg_as() {  # run a command as the server's user
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$PG_TEST_USER" -- "$@"
    else
        "$@"
    fi
}

pg_test_start() {
    PG_TEST_BINDIR=$(_pg_find_bindir || true)
    if [ -z "$PG_TEST_BINDIR" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "ci: PostgreSQL binaries not found; installing Debian's postgresql package" >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2 || true
        PG_TEST_BINDIR=$(_pg_find_bindir || true)
    fi
    if [ -z "$PG_TEST_BINDIR" ]; then
        echo "ci: ************************************************************" >&2
        echo "ci: PostgreSQL could not be installed: the PostgreSQL tests are SKIPPED" >&2
        echo "ci: ************************************************************" >&2
        return 1
    fi
    if [ "$(id -u)" = 0 ]; then
        PG_TEST_USER=postgres
        id "$PG_TEST_USER" >/dev/null 2>&1 || useradd --system --no-create-home "$PG_TEST_USER"
    else
        PG_TEST_USER=$(id -un)
    fi
    PG_TEST_DIR=$(mktemp -d /tmp/qualcode-pg.XXXXXX)
    chmod 755 "$PG_TEST_DIR"
    if [ "$(id -u)" = 0 ]; then chown "$PG_TEST_USER" "$PG_TEST_DIR"; fi
    PG_TEST_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    _pg_as "$PG_TEST_BINDIR/initdb" -D "$PG_TEST_DIR/data" -U qualcode --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 >"$PG_TEST_DIR/initdb.log" 2>&1 \
        || { cat "$PG_TEST_DIR/initdb.log" >&2; echo "ci: initdb failed; PostgreSQL tests SKIPPED" >&2; return 1; }
    _pg_as "$PG_TEST_BINDIR/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/server.log" -w \
        -o "-h 127.0.0.1 -p $PG_TEST_PORT -k $PG_TEST_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null \
        || { cat "$PG_TEST_DIR/server.log" >&2; echo "ci: PostgreSQL did not start; PostgreSQL tests SKIPPED" >&2; return 1; }
    _pg_as "$PG_TEST_BINDIR/createdb" -h 127.0.0.1 -p "$PG_TEST_PORT" -U qualcode qualcode_test \
        || { echo "ci: createdb failed; PostgreSQL tests SKIPPED" >&2; return 1; }
    export QUALCODE_TEST_POSTGRES_URL="postgresql+psycopg://qualcode@127.0.0.1:$PG_TEST_PORT/qualcode_test"
    echo "ci: PostgreSQL $("$PG_TEST_BINDIR/postgres" --version | awk '{print $3}') on port $PG_TEST_PORT: $QUALCODE_TEST_POSTGRES_URL" >&2
    return 0
}

pg_test_stop() {
    if [ -n "${PG_TEST_DIR:-}" ] && [ -d "$PG_TEST_DIR/data" ]; then
        _pg_as "$PG_TEST_BINDIR/pg_ctl" -D "$PG_TEST_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    if [ -n "${PG_TEST_DIR:-}" ]; then rm -rf "$PG_TEST_DIR"; fi
    PG_TEST_DIR=
    return 0
}
