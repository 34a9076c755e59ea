#!/usr/bin/env bash
# Benchmark: `bcmhcl validate` on the seed's node-status module (section 8) for N nodes.
# Prints wall time and peak memory (RSS) per N, best of $RUNS runs.
# Usage: bench/run.sh [N ...]   (default: 50 1000 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/bcmhcl
runs=${RUNS:-3}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(50 1000 10000)
printf '%-8s %-12s %-14s\n' N seconds peak_MB
for n in "${sizes[@]}"; do
  dir=bench/out/node-status-$n
  [ -f "$dir/main.tf" ] || python3 bench/gen_node_status.py "$n" "$dir"
  best=""
  peak=0
  for _ in $(seq "$runs"); do
    out=$( { /usr/bin/time -f '%e %M' "$bin" validate -no-color "$dir" >/dev/null; } 2>&1 | tail -1)
    secs=${out% *}
    kb=${out#* }
    if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; fi
    [ "$kb" -gt "$peak" ] && peak=$kb
  done
  printf '%-8s %-12s %-14s\n' "$n" "$best" "$((peak / 1024))"
done
