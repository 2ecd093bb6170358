#!/usr/bin/env bash
# GraphQL-over-HTTP conformance audit: builds the service, serves it on a
# fresh SQLite file and a free local port, and runs graphql-http's server
# audits against /graphql (scripts/graphql-http-audit.mjs). Fails when any
# audit is an error (a MUST of the specification); warnings are printed.
#
#   bash scripts/audit.sh
#
# Needs cargo, node (>= 18) and npm; the npm packages are pinned in
# scripts/package-lock.json and installed with `npm ci`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

for tool in cargo node npm curl; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: $tool not found; the audit needs cargo, node (>= 18), npm and curl" >&2
        exit 1
    fi
done

# The debug binary: CI has built it already for the tests, so this is quick.
cargo build --quiet --bin interview-planner
bin="$PWD/target/debug/interview-planner"

work="$(mktemp -d "${TMPDIR:-/tmp}/ip-audit.XXXXXX")"
server_pid=""
stop_server() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Port 0 lets the kernel pick a free port, with no window for another
# process to take it; the start-up log line says which one.
log="$work/server.log"
: >"$log"
APP_ENV=development \
    JWT_SECRET="audit-only secret, not used anywhere else: $(date +%s%N)" \
    DATABASE_URL="sqlite://$work/audit.db?mode=rwc" \
    BIND=127.0.0.1:0 \
    LOG_FORMAT=json \
    RUST_LOG=info \
    "$bin" serve >"$log" 2>&1 &
server_pid=$!

address=""
for _ in $(seq 1 300); do
    address="$(grep -o '"address":"127\.0\.0\.1:[0-9]*"' "$log" | head -n 1 | cut -d'"' -f4 || true)"
    if [ -n "$address" ] || ! kill -0 "$server_pid" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
if [ -z "$address" ]; then
    echo "error: the server did not start; its log:" >&2
    cat "$log" >&2
    exit 1
fi

ready=""
for _ in $(seq 1 100); do
    if curl -fsS "http://$address/readyz" >/dev/null 2>&1; then
        ready=yes
        break
    fi
    sleep 0.1
done
if [ -z "$ready" ]; then
    echo "error: http://$address/readyz did not answer 200 within 10 s; the server's log:" >&2
    cat "$log" >&2
    exit 1
fi

(cd scripts && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

status=0
node scripts/graphql-http-audit.mjs "http://$address/graphql" || status=$?
if [ "$status" -ne 0 ]; then
    echo "the server's log (last 40 lines):" >&2
    tail -n 40 "$log" >&2
fi
exit "$status"
