#!/usr/bin/env bash
# Makes sure the services the distributed-mode tests use are up: PostgreSQL on 127.0.0.1:5432
# (user postgres, trust auth, a database named `test`) and RabbitMQ on 127.0.0.1:5672 with its
# management API on :15672 (guest/guest). Starts them with this machine's own commands when they
# are down, and fails with a message saying what is missing when they cannot be reached.
# Idempotent: running it again when all is up changes nothing.
#
# Services elsewhere: set DROVER_TEST_POSTGRES_URL / DROVER_TEST_RABBITMQ_URL (and
# DROVER_TEST_RABBITMQ_MANAGEMENT_URL) for the tests; this script then only checks the local ones
# it is asked to (SKIP_LOCAL_SERVICES=1 skips it entirely).
set -euo pipefail

[ "${SKIP_LOCAL_SERVICES:-}" = 1 ] && { echo "services: SKIP_LOCAL_SERVICES=1, not checking"; exit 0; }

say() { printf 'services: %s\n' "$*"; }
fail() { printf 'services: ERROR: %s\n' "$*" >&2; exit 1; }

# True when something accepts TCP connections on host:port.
listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# Wait up to $1 seconds for the command after it to succeed.
wait_for() {
  local seconds=$1; shift
  for _ in $(seq 1 "$((seconds * 4))"); do
    if "$@"; then return 0; fi
    sleep 0.25
  done
  return 1
}

# ---- PostgreSQL --------------------------------------------------------------------------

postgres_ready() { psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; }

if ! postgres_ready; then
  command -v pg_ctlcluster >/dev/null || fail "PostgreSQL is not reachable on 127.0.0.1:5432 and pg_ctlcluster is not installed (apt-get install postgresql)"
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  [ -n "$version" ] || fail "PostgreSQL is not reachable on 127.0.0.1:5432 and no cluster exists in /etc/postgresql"
  say "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for 30 postgres_ready || fail "PostgreSQL did not come up on 127.0.0.1:5432 (see /var/log/postgresql/postgresql-$version-main.log)"
fi
if [ "$(psql -h 127.0.0.1 -U postgres -d postgres -Atqc "select 1 from pg_database where datname = 'test'")" != 1 ]; then
  say "creating database test"
  psql -h 127.0.0.1 -U postgres -d postgres -qc 'create database test' || fail "could not create the database test"
fi
say "PostgreSQL is up"

# ---- RabbitMQ ----------------------------------------------------------------------------

rabbit_ready() { listening 127.0.0.1 5672 && rabbitmqctl -q status >/dev/null 2>&1; }
management_ready() { curl -fsS -u guest:guest http://127.0.0.1:15672/api/overview >/dev/null 2>&1; }

if ! rabbit_ready; then
  command -v rabbitmq-server >/dev/null || fail "RabbitMQ is not reachable on 127.0.0.1:5672 and rabbitmq-server is not installed (apt-get install rabbitmq-server)"
  say "starting RabbitMQ"
  rabbitmq-server -detached || true
  wait_for 60 rabbit_ready || fail "RabbitMQ did not come up on 127.0.0.1:5672 (see /var/log/rabbitmq/)"
fi
if ! management_ready; then
  say "enabling the RabbitMQ management plugin"
  rabbitmq-plugins enable rabbitmq_management >/dev/null || fail "could not enable rabbitmq_management"
  wait_for 60 management_ready || fail "RabbitMQ's management API did not answer on http://127.0.0.1:15672 with guest/guest"
fi
say "RabbitMQ is up, with its management API"
