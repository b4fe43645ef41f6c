#!/usr/bin/env bash
# Dev/test harness for crm_target_groups: finds Odoo, prepares the virtualenv, a private
# PostgreSQL cluster under .cache/ and a throw-away addons path, then runs or tests the module.
# Usage: scripts/harness.sh run|test|bench|loadtest|pot|shell
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODULE=crm_target_groups
CACHE="$ROOT/.cache"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
mkdir -p "$CACHE"

die() { echo "error: $*" >&2; exit 1; }

find_odoo() {
    if [ -n "${ODOO_PATH:-}" ]; then
        [ -f "$ODOO_PATH/odoo-bin" ] || die "ODOO_PATH=$ODOO_PATH holds no odoo-bin"
    elif [ -f /opt/odoo/odoo-bin ]; then
        ODOO_PATH=/opt/odoo
    elif ODOO_PATH=$(python3 -c 'import odoo, os; print(os.path.dirname(list(odoo.__path__)[0]))' 2>/dev/null) \
            && [ -n "$ODOO_PATH" ]; then
        :
    else
        die "no Odoo 19 found: set ODOO_PATH to an Odoo 19.0 tree (with odoo-bin), or put one at /opt/odoo"
    fi
    grep -q "version_info = (19, 0" "$ODOO_PATH/odoo/release.py" || die "$ODOO_PATH is not Odoo 19.0"
    export ODOO_PATH
}

# Known to work with Odoo's editor tours.
CHROMIUM_VERSION=150.0.7871.100-1~deb12u1

check_system() {
    # The Debian packages the harness needs; as root (or with passwordless sudo) it installs them.
    local missing=() packages=()
    command -v wkhtmltopdf >/dev/null || { missing+=(wkhtmltopdf); packages+=(wkhtmltopdf); }
    if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
        missing+=(chromium)
        packages+=("chromium=$CHROMIUM_VERSION" "chromium-common=$CHROMIUM_VERSION")
    fi
    if [ -z "$(pg_bin initdb)" ] && [ -z "${PGHOST:-}" ]; then missing+=(postgresql); packages+=(postgresql); fi
    if command -v dpkg >/dev/null; then
        # psycopg2 builds against libpq; python-magic loads libmagic; the PDFs' font
        local package
        for package in libpq-dev libmagic1 fonts-dejavu-core; do
            dpkg -s "$package" >/dev/null 2>&1 || { missing+=("$package"); packages+=("$package"); }
        done
    fi
    [ ${#missing[@]} -eq 0 ] && return
    local sudo=()
    if [ "$(id -u)" != 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            sudo=(sudo -n)
        else
            die "missing system packages: ${missing[*]} (as root or with passwordless sudo this command" \
                "installs them itself; or install them: sudo apt-get install ${packages[*]})"
        fi
    fi
    command -v apt-get >/dev/null || die "missing system packages: ${missing[*]}, and no apt-get to install them (Debian: ${packages[*]})"
    local log="$CACHE/apt.log"
    echo "Missing system packages: ${missing[*]}; installing them (apt-get output: $log)"
    echo "${sudo[*]:+${sudo[*]} }apt-get update"
    "${sudo[@]}" apt-get update -q >"$log" 2>&1 || { tail -n 20 "$log"; die "apt-get update failed"; }
    echo "${sudo[*]:+${sudo[*]} }apt-get install -y ${packages[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}" >>"$log" 2>&1 \
        || { tail -n 20 "$log"; die "apt-get install failed"; }
}

setup_venv() {
    local stamp="$VENV/.requirements.sha"
    local want
    want=$(sha1sum "$ROOT/requirements.txt" | cut -d' ' -f1)
    if [ ! -x "$PY" ]; then
        python3 -m venv "$VENV"
    fi
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        "$PY" -m pip install -q --upgrade pip setuptools wheel
        "$PY" -m pip install -q -r "$ROOT/requirements.txt"
        echo "$want" > "$stamp"
    fi
}

pg_bin() {
    # Debian keeps the server binaries out of PATH.
    command -v "$1" 2>/dev/null || ls /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1
}

as_pg_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

setup_postgres() {
    if [ -n "${PGHOST:-}" ]; then
        DB_HOST=$PGHOST DB_PORT=${PGPORT:-5432} DB_USER=${PGUSER:-$(id -un)} DB_PASSWORD=${PGPASSWORD:-}
        return
    fi
    # One cluster per clone, on a port of its own, so that clones never meet.
    local sum port
    sum=$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)
    port=${CRM_TG_PGPORT:-$((54000 + sum % 900))}
    if [ ! -e "$CACHE/pg" ]; then
        # The server user must reach the folder, and a socket path must stay short: else elsewhere.
        if [ ${#CACHE} -gt 70 ] || { [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$CACHE"; }; then
            mkdir -p "/tmp/crm_target_groups-pg-$sum"
            ln -s "/tmp/crm_target_groups-pg-$sum" "$CACHE/pg"
        fi
    fi
    local data="$CACHE/pg/data"
    DB_HOST=$(cd "$CACHE/pg" 2>/dev/null && pwd -P || echo "$CACHE/pg")/run DB_PORT=$port DB_USER=odoo DB_PASSWORD=
    mkdir -p "$CACHE/pg/run"
    [ "$(id -u)" = 0 ] && chown -R postgres: "$CACHE/pg/"
    if [ ! -f "$data/PG_VERSION" ]; then
        as_pg_owner "$(pg_bin initdb)" -D "$data" -U odoo --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_pg_owner "$(pg_bin pg_ctl)" -D "$data" status >/dev/null 2>&1; then
        # the server outlives this script: it must not keep the caller's open files (e.g. a lock)
        (for fd in /proc/$BASHPID/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done
         as_pg_owner "$(pg_bin pg_ctl)" -D "$data" -l "$CACHE/pg/server.log" -w \
            -o "-k $DB_HOST -p $DB_PORT -c listen_addresses='' -c fsync=off" start >/dev/null)
    fi
}

setup_addons() {
    # The module folder links each of the repository's entries but the dev tooling: Odoo walks
    # a module's folder (i18n export, following links), and must not find .venv/ or .cache/ there.
    local link="$CACHE/addons/$MODULE" entry
    rm -rf "$link"
    mkdir -p "$link"
    for entry in "$ROOT"/*; do
        case "$(basename "$entry")" in scripts|Makefile|README.md|requirements.txt) continue ;; esac
        ln -s "$entry" "$link/"
    done
    cat > "$CACHE/odoo.conf" <<CONF
[options]
addons_path = $ODOO_PATH/addons,$CACHE/addons
data_dir = $CACHE/data
db_host = $DB_HOST
db_port = $DB_PORT
db_user = $DB_USER
db_password = $DB_PASSWORD
admin_passwd = admin
http_interface = 127.0.0.1
CONF
}

odoo_bin() {
    PYTHONPATH="$ODOO_PATH" "$PY" "$ODOO_PATH/odoo-bin" -c "$CACHE/odoo.conf" "$@"
}

dropdb_if_exists() {
    PYTHONPATH="$ODOO_PATH" "$PY" - "$1" <<PYEOF
import sys, psycopg2
conn = psycopg2.connect(host="$DB_HOST", port=$DB_PORT, user="$DB_USER", password="$DB_PASSWORD" or None, dbname="postgres")
conn.autocommit = True
conn.cursor().execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % sys.argv[1])
PYEOF
}

odoo_test_count() {
    # How many tests Odoo's own runner (odoo-bin --test-enable) finds in the module, by its own
    # loader: only the test modules that tests/__init__.py imports. Importing needs no database.
    (cd "$ODOO_PATH" && PYTHONPATH="$ODOO_PATH" "$PY" - "$CACHE/odoo.conf" "$MODULE" <<'PYEOF'
import sys
from odoo.tools import config
config.parse_config(['-c', sys.argv[1]], setup_logging=False)
from odoo.modules.module import initialize_sys_path
initialize_sys_path()
from odoo.tests.loader import get_module_test_cases, get_test_modules
print(sum(1 for module in get_test_modules(sys.argv[2]) for _test in get_module_test_cases(module)))
PYEOF
    )
}

log_problems() {
    # Any WARNING/ERROR/CRITICAL line Odoo logged is a failure.
    grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$@" || return 1
}

prepare() {
    find_odoo
    check_system
    setup_venv
    setup_postgres
    setup_addons
}

cmd_run() {
    local db=${DB:-crm_target_groups}
    echo "Odoo with $MODULE and demo data: http://localhost:${PORT:-8069} (login admin / admin)"
    exec env PYTHONPATH="$ODOO_PATH" "$PY" "$ODOO_PATH/odoo-bin" -c "$CACHE/odoo.conf" -d "$db" \
        --db-filter="^$db\$" -i "$MODULE" --with-demo --load-language=de_DE --http-port="${PORT:-8069}" "$@"
}

cmd_test() {
    local db=${DB:-crm_target_groups_test}
    local install_log="$CACHE/install.log" test_log="$CACHE/test.log" out="$CACHE/pytest.out"
    rm -f "$install_log" "$test_log"
    dropdb_if_exists "$db"
    echo "Installing $MODULE into a fresh database $db ..."
    odoo_bin -d "$db" -i "$MODULE" --with-demo --stop-after-init --log-level=info \
        --logfile="$install_log" || { tail -n 50 "$install_log"; die "install failed"; }
    if log_problems "$install_log"; then die "the install logged warnings or errors (above)"; fi
    cd "$CACHE/addons/$MODULE"
    set +e
    CRM_TG_REAL_DIR="$ROOT" PYTHONPATH="$ODOO_PATH:$ROOT/scripts" "$VENV/bin/pytest" \
        -p no:cacheprovider -p pytest_addon_name -p pytest_browser_wait -rs \
        --odoo-config="$CACHE/odoo.conf" --odoo-database="$db" --odoo-http \
        --odoo-log-level=info --odoo-extra="logfile=$test_log" "${@:-tests}" 2>&1 | tee "$out"
    local rc=${PIPESTATUS[0]}
    set -e
    if log_problems "$test_log"; then
        echo "FAILED: Odoo logged warnings or errors during the tests (above; full log: $test_log)"
        rc=1
    fi
    if tail -n 1 "$out" | grep -q ' skipped'; then
        echo "FAILED: skipped tests count as failures (see the skip reasons above)"
        rc=1
    fi
    if [ $# -eq 0 ]; then  # the whole suite: Odoo's own runner must find the same tests
        local collected found
        collected=$(sed -nE 's/^collected ([0-9]+) items?.*/\1/p' "$out" | head -n 1)
        found=$(odoo_test_count | tail -n 1) || found="?"
        if [ "$collected" != "$found" ]; then
            echo "FAILED: pytest collected ${collected:-?} tests, Odoo's own runner finds $found" \
                 "(every tests/test_*.py must be imported in tests/__init__.py)"
            rc=1
        fi
    fi
    exit "$rc"
}

cmd_bench() {
    local db=${DB:-crm_target_groups_bench}
    dropdb_if_exists "$db"
    echo "Installing $MODULE into a fresh database $db (no demo data) ..."
    odoo_bin -d "$db" -i "$MODULE" --stop-after-init --log-level=warn
    PYTHONPATH="$ODOO_PATH" "$PY" "$ROOT/scripts/bench.py" "$CACHE/odoo.conf" "$db"
}

cmd_loadtest() {
    local db=${DB:-crm_target_groups_load}
    dropdb_if_exists "$db"
    echo "Installing $MODULE into a fresh database $db (no demo data) ..."
    odoo_bin -d "$db" -i "$MODULE" --stop-after-init --log-level=warn
    PYTHONPATH="$ODOO_PATH" "$PY" "$ROOT/scripts/loadtest.py" "$CACHE/odoo.conf" "$db" "$@"
}

cmd_pot() {
    local db=${DB:-crm_target_groups_i18n}
    dropdb_if_exists "$db"
    odoo_bin -d "$db" -i "$MODULE" --stop-after-init --log-level=warn
    PYTHONPATH="$ODOO_PATH" "$PY" "$ODOO_PATH/odoo-bin" i18n export -c "$CACHE/odoo.conf" -d "$db" "$MODULE"
    "$PY" "$ROOT/scripts/i18n_merge.py" "$ROOT/i18n/$MODULE.pot" "$ROOT/i18n/de.po"
}

prepare
case "${1:-}" in
    run) shift; cmd_run "$@" ;;
    test) shift; cmd_test "$@" ;;
    pot) cmd_pot ;;
    bench) cmd_bench ;;
    loadtest) shift; cmd_loadtest "$@" ;;
    shell) shift; PYTHONPATH="$ODOO_PATH" "$PY" "$ODOO_PATH/odoo-bin" shell -c "$CACHE/odoo.conf" \
        -d "${DB:-crm_target_groups}" --no-http "$@" ;;
    *) die "usage: $0 run|test|bench|loadtest|pot|shell" ;;
esac
