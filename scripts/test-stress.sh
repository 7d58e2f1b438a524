#!/usr/bin/env bash
# The whole suite, N times in a row (default 3), while two CPU-bound processes
# run beside it: no test may depend on how fast the machine is.
#   npm run test:stress            # 3 runs
#   npm run test:stress -- 5       # 5 runs
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
busy=()
stop_busy() { for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap stop_busy EXIT
for _ in 1 2; do
  node -e 'for (;;) {}' &
  busy+=($!)
done
echo "two CPU-bound processes running (pids ${busy[*]}); load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
npm run build >/dev/null
for run in $(seq 1 "$runs"); do
  started=$(date +%s)
  if npx jest; then
    echo "stress run $run of $runs: passed in $(( $(date +%s) - started )) s (load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'))"
  else
    echo "stress run $run of $runs: FAILED after $(( $(date +%s) - started )) s" >&2
    exit 1
  fi
done
echo "all $runs runs passed beside two CPU-bound processes"
