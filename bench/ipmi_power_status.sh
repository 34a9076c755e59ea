#!/usr/bin/env bash
# Benchmark: `bcmhcl power status` against FreeIPMI's `ipmipower --stat` over N ipmi_sim BMCs
# on loopback (127.0.0.10.. , one process per BMC, all on one port), several runs each,
# side by side. Wall time per run, in seconds.
#
# Usage: bench/ipmi_power_status.sh [N] [RUNS]      (default: 50 BMCs, 5 runs)
#   PORT=6230        the BMCs' UDP port
#   ACTIONS="status" the bcmhcl actions to time (ipmipower gets --stat/--on/--off/...)
# Needs ipmi_sim, ipmipower (scripts/test.sh installs them) and a release build.
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-50}
runs=${2:-5}
port=${PORT:-6230}
actions=${ACTIONS:-status}
if ! [[ $n =~ ^[0-9]+$ ]] || ((n < 1 || n > 200)); then
  echo "N must be 1..200" >&2
  exit 2
fi
for tool in ipmi_sim ipmipower; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/test.sh" >&2; exit 1; }
done
cargo build --release --quiet
bin=$PWD/target/release/bcmhcl

work=$(mktemp -d /tmp/bcmhcl-ipmi-bench.XXXXXX)
pids=()
cleanup() {
  # Our own ipmi_sim processes, by recorded PID.
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# The chassis hook keeps each BMC's power state in a file (see tests/support/ipmi_sim.rs).
cat >"$work/chassis.sh" <<'HOOK'
#!/bin/sh
f=$1; op=$2; shift 2
case $op in
get) echo "power:$(cat "$f" 2>/dev/null || echo 0)" ;;
set) while [ $# -gt 1 ]; do
       case $1 in
       power) echo "$2" >"$f" ;;
       shutdown) echo 0 >"$f" ;;
       esac
       shift 2
     done ;;
*) exit 1 ;;
esac
HOOK
chmod +x "$work/chassis.sh"

hosts=()
for ((i = 0; i < n; i++)); do
  host=127.0.0.$((10 + i))
  d=$work/bmc$i
  mkdir -p "$d/state"
  echo 0 >"$d/power"
  cat >"$d/lan.conf" <<CONF
name "bmc$i"
set_working_mc 0x20
  startlan 1
    addr $host $port
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "$work/chassis.sh $d/power"
  user 2 true "admin" "password" admin 10 none md2 md5 straight
CONF
  printf 'mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02\nmc_enable 0x20\n' >"$d/sim.emu"
  (cd "$d" && exec ipmi_sim -c lan.conf -f sim.emu -s state -n) >"$d/sim.log" 2>&1 </dev/null &
  pids+=($!)
  hosts+=("$host:$port")
done

# Wait (at most 10 s) until every BMC's UDP socket is bound.
deadline=$((SECONDS + 10))
while (($(ss -Huln | awk -v p=":$port" '$4 ~ p"$"' | grep -c '127\.0\.0\.') < n)); do
  ((SECONDS < deadline)) || { echo "BMCs did not start; see $work/bmc*/sim.log" >&2; exit 1; }
  sleep 0.1
done

# ipmipower reads the password from a config file (mode 0600), not from argv.
umask 077
cat >"$work/freeipmi.conf" <<CONF
username admin
password password
driver-type LAN_2_0
workaround-flags opensesspriv
CONF
export IPMI_PASSWORD=password
last=$((10 + n - 1))

# Runs a command, checks it printed one line per BMC, prints its wall time.
timed() {
  local start end out lines
  start=$EPOCHREALTIME
  out=$("$@" 2>&1) || { echo "failed: $* -> $out" >&2; exit 1; }
  end=$EPOCHREALTIME
  lines=$(grep -c -E ': (on|off|ok)$' <<<"$out" || true)
  ((lines == n)) || { echo "expected $n result lines from $1, got $lines: $out" >&2; exit 1; }
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }'
}

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "N=$n BMCs (ipmi_sim on 127.0.0.10-$last:$port), $runs runs, wall seconds per run"
for action in $actions; do
  case $action in
  status) flag=--stat ;;
  *) flag=--$action ;;
  esac
  ours_cmd=("$bin" power "$action" "${hosts[@]}" -U admin)
  theirs_cmd=(ipmipower --config-file "$work/freeipmi.conf" -h "127.0.0.[10-$last]:$port" "$flag")
  # One untimed run each warms the simulators (first sessions, first hook runs); then the
  # two alternate which goes first.
  timed "${ours_cmd[@]}" >/dev/null
  timed "${theirs_cmd[@]}" >/dev/null
  ours=() theirs=()
  for ((r = 0; r < runs; r++)); do
    if ((r % 2 == 0)); then
      ours+=("$(timed "${ours_cmd[@]}")")
      theirs+=("$(timed "${theirs_cmd[@]}")")
    else
      theirs+=("$(timed "${theirs_cmd[@]}")")
      ours+=("$(timed "${ours_cmd[@]}")")
    fi
  done
  printf '%-44s median %s  runs: %s\n' "bcmhcl power $action" "$(median "${ours[@]}")" "${ours[*]}"
  printf '%-44s median %s  runs: %s\n' "ipmipower -D LAN_2_0 -W opensesspriv $flag" "$(median "${theirs[@]}")" "${theirs[*]}"
done
