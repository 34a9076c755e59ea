#!/usr/bin/env bash
# The quickstart, end to end on a fresh machine: builds bcmhcl, starts the built-in headnode
# simulator on loopback, registers nodes, powers them on, waits until every one is UP,
# prints the outputs, shows that a second apply changes nothing, and stops the simulator.
#
#   scripts/quickstart.sh [EXAMPLE_DIR]     (default: examples/quickstart, the module's quickstart;
#                                            examples/register-and-power registers 20 nodes)
#   BCMHCL_BIN=target/debug/bcmhcl scripts/quickstart.sh examples/quickstart   (no release build)
set -euo pipefail
cd "$(dirname "$0")/.."
example=${1:-examples/quickstart}
example=${example%/}

bin=${BCMHCL_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release --quiet
  bin=target/release/bcmhcl
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

work=$(mktemp -d)
trap 'kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

# A provisioning run takes about 6 minutes per node on real hardware; the simulator's
# --time-scale 100 makes it about 4 seconds.
"$bin" sim --listen 127.0.0.1:0 --time-scale 100 --call-log "$work/calls.jsonl" >"$work/sim.out" &
sim_pid=$!
for _ in $(seq 100); do
  grep -q '^endpoint: ' "$work/sim.out" 2>/dev/null && break
  sleep 0.1
done
endpoint=$(sed -n 's/^endpoint: //p' "$work/sim.out")
[ -n "$endpoint" ] || { echo "the simulator did not start" >&2; cat "$work/sim.out" >&2; exit 1; }
echo "simulated headnode: $endpoint"

export BCM_ENDPOINT=$endpoint BCM_USERNAME=root BCM_PASSWORD=bcm-sim-demo
# A real headnode is asked every 10 s whether the nodes are UP; the simulator is 100x faster.
export BCMHCL_STATUS_POLL_SECONDS=0.5
# The example keeps its place beside modules/, which examples call as ../../modules/...
mkdir -p "$work/examples"
cp -r "$example" "$work/examples/"
cp -r modules "$work/"
module="$work/examples/$(basename "$example")"
"$bin" apply -auto-approve "$module"
echo
echo "--- a second apply: nothing to do, no power operation sent"
"$bin" apply -auto-approve -no-color "$module" | grep -E '^(No changes|Apply complete)'
echo
echo "power operations the headnode received: $(grep -c '"powerOperation"' "$work/calls.jsonl")"
