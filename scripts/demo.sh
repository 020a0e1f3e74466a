#!/usr/bin/env bash
# demo.sh - install what is missing, build, and start a demo workspace: metrics
# on (1 s interval), the admin UI on, and one demo channel plugin. Prints the
# real URLs (from the running server). Stop it with the command it prints.
#
# Usage: scripts/demo.sh [--port N] [--admin-ui-port N] [--workspace DIR] [--no-build]
#   --port, --admin-ui-port  ports to use (default: the workspace's config.json,
#                            else 18080 and 18081); written to its config.json
#   --workspace DIR          the demo workspace (default: .hiro-demo in the repository)
#   --no-build               use the binaries already built (in $HIRO_BUILD_DIR or build/)
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '6,10s/^# \{0,1\}//p' "$0"; }
port="" ui_port="" ws=".hiro-demo" build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="${2:?--port needs a value}"; shift 2 ;;
    --admin-ui-port) ui_port="${2:?--admin-ui-port needs a value}"; shift 2 ;;
    --workspace) ws="${2:?--workspace needs a value}"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "demo.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

if [ "$build" = 1 ]; then
  scripts/deps.sh
  scripts/build.sh
fi
bin="${HIRO_BUILD_DIR:-build}"
cli="$bin/hirocli"
[ -x "$cli" ] || { echo "demo.sh: $cli is not built (run without --no-build)" >&2; exit 1; }

if "$cli" --workspace "$ws" status >/dev/null 2>&1; then
  "$cli" --workspace "$ws" stop
fi
ports=()
[ -n "$port" ] && ports+=(--port "$port")
[ -n "$ui_port" ] && ports+=(--admin-ui-port "$ui_port")
"$cli" --workspace "$ws" setup --metrics --metrics-interval 1 --admin-ui \
  "${ports[@]+"${ports[@]}"}" --no-channels --channel "demo=$bin/hiro-channel-demo" >/dev/null
"$cli" --workspace "$ws" start

# The URLs as the running server reports them, whatever the ports are.
read -r url ui_url < <("$cli" --workspace "$ws" status --json |
  python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["url"], s["admin_ui_url"] or "-")')
cat <<TXT

Demo workspace: $(cd "$ws" && pwd)
  dashboard:   $ui_url
  try:         $cli --workspace $ws metrics show
               $cli --workspace $ws metrics top
               curl -s $url/metrics | python3 -m json.tool
  stop:        $cli --workspace $ws stop
TXT
