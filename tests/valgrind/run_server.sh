#!/usr/bin/env bash
# run_server.sh - a long leak check: `hirocli start --foreground` under
# valgrind (memcheck) with metrics on at a 1 s interval, persistence on and a
# demo plugin, for SECONDS (default 240: about 200 ticks under valgrind's
# slowdown). During the run it reads /metrics, history, status and the
# Prometheus text, and walks configure through enable/disable, interval and
# history_size shrink/grow; then stops the server with SIGTERM and prints
# valgrind's leak and error summary.
#
#   tests/valgrind/run_server.sh [SECONDS]
# Environment: HIRO_BUILD_DIR (a normal, non-sanitizer build with hirocli and
# hiro-channel-demo; default build/), HIRO_KEEP=1 keeps the workspace.
# Exit status: 0 clean; 99 valgrind found errors or definite/indirect leaks;
# anything else: the server failed to start, answer or stop.
# A manual check (not in ctest): it takes about SECONDS + 20 s.
#
# Valgrind 3.19 (Debian 12) does not implement pidfd_open; the channel manager
# then checks its plugins for exit by polling (logged once in stderr.log).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
seconds="${1:-240}"
build="${HIRO_BUILD_DIR:-$root/build}"
hirocli="$build/hirocli"
demo="$build/hiro-channel-demo"
for f in "$hirocli" "$demo"; do
  [ -x "$f" ] || { echo "run_server.sh: $f not built (scripts/build.sh)" >&2; exit 2; }
done
command -v valgrind >/dev/null || { echo "run_server.sh: apt-get install valgrind" >&2; exit 2; }
command -v curl >/dev/null || { echo "run_server.sh: apt-get install curl" >&2; exit 2; }
if nm -C "$hirocli" 2>/dev/null | grep -q __asan_init; then
  echo "run_server.sh: $hirocli is an ASan build; valgrind needs a plain one" >&2
  exit 2
fi

ws="$(mktemp -d "${TMPDIR:-/tmp}/hiro-valgrind.XXXXXX")"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$ws/config.json" <<JSON
{
  "http_port": $port,
  "admin_ui_enabled": false,
  "metrics_enabled": true,
  "metrics_interval": 1,
  "metrics_history_size": 300,
  "metrics_persist": true,
  "channels": [ { "name": "demo", "command": ["$demo", "--cpu-ms", "5", "--mem-mib", "8"] } ]
}
JSON
vlog="$ws/valgrind.log"
server=0
cleanup() {
  if [ "$server" != 0 ] && kill -0 "$server" 2>/dev/null; then kill -KILL "$server" 2>/dev/null || true; fi
  if [ "${HIRO_KEEP:-0}" = 1 ]; then echo "workspace kept: $ws"; else rm -rf "$ws"; fi
}
trap cleanup EXIT

# Plugins are spawned by the server and not traced (--trace-children=no):
# the check is about hirocli's own memory.
env -u HIRO_METRICS -u HIRO_ADMIN_UI \
  valgrind --leak-check=full --show-leak-kinds=definite,indirect \
  --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --num-callers=30 \
  --log-file="$vlog" "$hirocli" --workspace "$ws" start --foreground \
  >"$ws/stdout.log" 2>"$ws/stderr.log" &
server=$!
url="http://127.0.0.1:$port"

# GET path; codes lists the acceptable statuses (/metrics and the Prometheus
# text answer 503 until the first snapshot and while the collector is off).
get() {
  local code
  code=$(curl -sS --max-time 20 -o /dev/null -w '%{http_code}' "$url$1" || echo 000)
  case " ${2:-200} " in *" $code "*) ;; *) echo "GET $1: HTTP $code" >&2; failures=$((failures + 1)) ;; esac
}
configure() {
  curl -fsS --max-time 20 -X POST -H 'Content-Type: application/json' -d "$1" \
    "$url/metrics/configure" >/dev/null || { echo "configure $1 failed" >&2; failures=$((failures + 1)); }
}
failures=0
for _ in $(seq 120); do
  curl -fsS --max-time 2 "$url/metrics/status" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.5
done
if ! curl -fsS --max-time 5 "$url/metrics/status" >/dev/null 2>&1; then
  echo "run_server.sh: the server did not answer on $url" >&2
  tail -20 "$ws/stderr.log" "$vlog" >&2
  exit 3
fi

# Configure steps, one every 15 s, cycling: off/on, interval, history shrink/grow.
steps=('{"enabled": false}' '{"enabled": true}' '{"interval": 2}' '{"interval": 1}'
       '{"history_size": 20}' '{"history_size": 500}' '{"enabled": true, "interval": 1.5, "history_size": 50}'
       '{"interval": 1, "history_size": 300}')
queries=('/metrics/history' '/metrics/history?minutes=1&max_points=50&agg=max'
         '/metrics/history?minutes=0.5&agg=min' "/metrics/history?from=0&to=$(date +%s)&max_points=10")
start=$(date +%s)
n=0
while [ $(($(date +%s) - start)) -lt "$seconds" ]; do
  kill -0 "$server" 2>/dev/null || { echo "run_server.sh: the server died" >&2; break; }
  get /metrics "200 503"
  [ $((n % 5)) -eq 0 ] && get "${queries[$((n / 5 % ${#queries[@]}))]}"
  [ $((n % 7)) -eq 0 ] && get /metrics/status
  [ $((n % 10)) -eq 0 ] && get /metrics/prometheus "200 503"
  [ $((n % 15)) -eq 14 ] && configure "${steps[$((n / 15 % ${#steps[@]}))]}"
  # A rejected body on the same path now and then.
  [ $((n % 60)) -eq 30 ] && curl -sS --max-time 20 -X POST -H 'Content-Type: application/json' -d '{"interval": 0}' "$url/metrics/configure" >/dev/null
  n=$((n + 1))
  sleep 1
done
configure '{"enabled": true, "interval": 1}'
status_json=$(curl -fsS --max-time 20 "$url/metrics/status" || echo '{}')
kill -TERM "$server"
rc=0
wait "$server" || rc=$?
server=0

written=$(printf '%s' "$status_json" | python3 -c 'import json,sys
d=json.load(sys.stdin); p=d.get("persistence") or {}
print(p.get("written_snapshots","?"), p.get("dropped_snapshots","?"), d.get("history_count","?"))' 2>/dev/null || echo "? ? ?")
read -r written dropped history_count <<<"$written"
echo "== valgrind run: ${seconds} s, $n request rounds, $((n / 15)) configure changes, HTTP failures: $failures"
echo "== snapshots written to the store: $written (dropped $dropped); in memory at the end: $history_count"
echo "== server exit status under valgrind: $rc (99 = valgrind errors or leaks)"
sed -n '/HEAP SUMMARY/,$p' "$vlog" | sed 's/^==[0-9]*== //'
if [ "$rc" != 0 ]; then
  echo "== full log: $vlog"
  HIRO_KEEP=1
fi
[ "$failures" = 0 ] || [ "$rc" != 0 ] || rc=4
exit "$rc"
