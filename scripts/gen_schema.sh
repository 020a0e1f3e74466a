#!/usr/bin/env bash
# gen_schema.sh - regenerate schema/schema.sql from migrations/ (the unit test
# test_store_migrations checks that a fresh database from the migrations and
# one from schema.sql have the same sqlite_master).
set -euo pipefail
cd "$(dirname "$0")/.."
files=(migrations/[0-9][0-9][0-9][0-9]_*.sql)
last=$(basename "${files[-1]}"); version=$((10#${last%%_*}))
{
  echo "-- schema.sql - the full schema the migrations produce (PRAGMA user_version = $version)."
  echo "-- Kept in step with migrations/ by tests/unit/test_store_migrations.c. Open"
  echo "-- with: sqlite3 metrics.db, then query the v_* views. Regenerate with"
  echo "-- scripts/gen_schema.sh."
  for f in "${files[@]}"; do echo; cat "$f"; done
} > schema/schema.sql
