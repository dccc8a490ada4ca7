#!/usr/bin/env bash
# Runs one wrk scenario RUNS times (default 3) and prints one line per run:
#   LABEL run N: req/s p50 p99
# usage: bench/gate_wrk.sh LABEL URLFILE [ACCEPT]
# env: RUNS (3), DURATION (15s), CONNS (64), THREADS (2), OUT (dir for raw output)
set -euo pipefail
label=$1 urls=$2 accept=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
first=$(head -n 1 "$urls")
base=$(echo "$first" | sed -E 's#^(https?://[^/]+).*#\1#')
out=${OUT:-/tmp}
for n in $(seq 1 "${RUNS:-3}"); do
  raw="$out/wrk-$label-$n.txt"
  URLS="$urls" ACCEPT="$accept" wrk -t "${THREADS:-2}" -c "${CONNS:-64}" -d "${DURATION:-15s}" \
    --latency -s "$here/rotate.lua" "$base" > "$raw"
  rps=$(awk '/^Requests\/sec/ {print $2}' "$raw")
  p50=$(awk '$1=="50%" {print $2}' "$raw")
  p99=$(awk '$1=="99%" {print $2}' "$raw")
  errs=$(grep -E 'Non-2xx|Socket errors' "$raw" | tr '\n' ' ' || true)
  echo "$label run $n: ${rps} req/s p50 ${p50} p99 ${p99} ${errs}"
done
