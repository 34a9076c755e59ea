#!/usr/bin/env bash
# Provisioning schedule against the simulator: N nodes, S slots, T seconds per node.
# Parallel mode should take ceil(N/S) x T (within 5% + 2 s), sequential N x T (within 5%).
#   bench/provisioning.sh [N] [S] [T]          (default 100 10 1)
# BCMHCL=path/to/bcmhcl picks the binary (default target/release/bcmhcl, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100} slots=${2:-10} t=${3:-1}
bin=${BCMHCL:-target/release/bcmhcl}
[ -x "$bin" ] || cargo build --release --quiet
bin=$(realpath "$bin")
work=$(mktemp -d)
trap 'kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

run_mode() {
  local mode=$1
  # A headnode with room for all nodes at once: bcmhcl's own slots are what is measured.
  "$bin" sim --listen 127.0.0.1:0 --provision-seconds "$t" --slots "$n" >"$work/sim.out" 2>&1 &
  sim_pid=$!
  for _ in $(seq 100); do grep -q '^endpoint: ' "$work/sim.out" && break; sleep 0.05; done
  export BCM_ENDPOINT=$(sed -n 's/^endpoint: //p' "$work/sim.out") BCM_USERNAME=root BCM_PASSWORD=bcm-sim-demo
  export BCMHCL_STATUS_POLL_SECONDS=0.05
  rm -rf "$work/m" && cp -r examples/register-and-power "$work/m"
  (cd "$work/m" && "$bin" apply -auto-approve -var node_count="$n" -target=bcm_cmdevice_device.node >/dev/null)
  local start end
  start=$(date +%s.%N)
  (cd "$work/m" && "$bin" apply -auto-approve -var node_count="$n" \
      -provisioning-mode="$mode" -provisioning-slots="$slots" >"$work/apply.out")
  end=$(date +%s.%N)
  local peak
  peak=$(curl -s "$BCM_ENDPOINT/sim/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["peakProvisioning"])')
  kill "$sim_pid"; wait "$sim_pid" 2>/dev/null || true
  python3 - "$mode" "$n" "$slots" "$t" "$start" "$end" "$peak" <<'PY'
import math, sys
mode, n, s, t, start, end, peak = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
took = end - start
ideal = math.ceil(n / s) * t if mode == "parallel" else n * t
bound = ideal * 1.05 + (2 if mode == "parallel" else 0)
print(f"{mode:10} N={n} S={s} T={t}s: {took:7.2f} s  ideal {ideal:7.2f} s  bound {bound:7.2f} s  "
      f"overhead {100*(took-ideal)/ideal:5.1f}%  peak provisioning {peak}  {'OK' if took <= bound else 'OVER'}")
PY
}

run_mode parallel
run_mode sequential
