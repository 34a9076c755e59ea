#!/usr/bin/env bash
# Benchmark: state encryption at rest.
#  1. `bcmhcl apply` of the generated module (bench/gen_plan_module.py, sequential) with N nodes,
#     that is 2N terraform_data instances, without and with BCMHCL_STATE_PASSPHRASE;
#  2. the cost of one full state write and of one journal record for 1,000 and 10,000
#     instances, without and with encryption (examples/state_write_bench.rs).
# Prints wall time, CPU time (user + system) and peak memory (RSS) per apply, best of $RUNS runs
# (apply syncs the journal after every operation, so on a busy disk wall time is mostly fsync).
# Usage: bench/encryption.sh [N ...]   (default: 500 5000, i.e. 1,000 and 10,000 instances)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin bcmhcl --example state_write_bench
bin=$PWD/target/release/bcmhcl
runs=${RUNS:-3}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(500 5000)

apply_once() { # dir, passphrase ('' for none) -> "wall_seconds cpu_seconds peak_kb"
  local dir=$1 passphrase=$2
  rm -f "$dir"/terraform.tfstate*
  if [ -n "$passphrase" ]; then
    ( cd "$dir" && BCMHCL_STATE_PASSPHRASE=$passphrase /usr/bin/time -f '%e %U %S %M' \
        "$bin" apply -auto-approve -no-color >/dev/null ) 2>&1 | tail -1 | awk '{print $1, $2 + $3, $4}'
  else
    ( cd "$dir" && env -u BCMHCL_STATE_PASSPHRASE /usr/bin/time -f '%e %U %S %M' \
        "$bin" apply -auto-approve -no-color >/dev/null ) 2>&1 | tail -1 | awk '{print $1, $2 + $3, $4}'
  fi
}

printf '%-7s %-10s %-8s %-8s %-9s %-8s %-8s %-9s\n' nodes instances plain_s cpu_s peak_MB enc_s cpu_s peak_MB
for n in "${sizes[@]}"; do
  dir=bench/out/plan-sequential-$n
  [ -f "$dir/main.tf" ] || python3 bench/gen_plan_module.py "$n" "$dir" sequential
  row=()
  for passphrase in "" "bench passphrase"; do
    best="" best_cpu="" peak=0
    for _ in $(seq "$runs"); do
      read -r secs cpu kb <<<"$(apply_once "$dir" "$passphrase")"
      if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; fi
      if [ -z "$best_cpu" ] || awk "BEGIN{exit !($cpu < $best_cpu)}"; then best_cpu=$cpu; fi
      [ "$kb" -gt "$peak" ] && peak=$kb
    done
    if [ -n "$passphrase" ]; then
      head -c 28 "$dir/terraform.tfstate" | grep -q '"bcmhcl-encrypted"' \
        || { echo "error: the state of $dir is not encrypted" >&2; exit 1; }
    fi
    row+=("$best" "$best_cpu" "$((peak / 1024))")
  done
  printf '%-7s %-10s %-8s %-8s %-9s %-8s %-8s %-9s\n' "$n" "$((2 * n))" "${row[@]}"
done
echo
target/release/examples/state_write_bench 1000 10000
