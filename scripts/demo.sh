#!/usr/bin/env bash
# demo.sh - install what is missing, build, and start a demo workspace: metrics
# on (1 s interval), the admin UI on, and one demo channel plugin. Prints where
# to look. Stop it with: build/hirocli --workspace .hiro-demo stop
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
ws="$PWD/.hiro-demo"
cli="$PWD/build/hirocli"
if [ -n "$("$cli" --workspace "$ws" status 2>/dev/null | grep -o '^running')" ]; then
  "$cli" --workspace "$ws" stop
fi
"$cli" --workspace "$ws" setup --metrics --metrics-interval 1 --admin-ui \
  --no-channels --channel "demo=$PWD/build/hiro-channel-demo" >/dev/null
"$cli" --workspace "$ws" start
cat <<TXT

Demo workspace: $ws
  dashboard:   http://127.0.0.1:$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1])).get("admin_ui_port",18081))' "$ws/config.json")/metrics
  try:         build/hirocli --workspace .hiro-demo metrics show
               curl -s http://127.0.0.1:18080/metrics | python3 -m json.tool
  stop:        build/hirocli --workspace .hiro-demo stop
TXT
