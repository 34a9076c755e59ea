#!/bin/sh
# Simulated BMCs for this example: OpenIPMI's ipmi_sim (Debian/Ubuntu package "openipmi"),
# one process per BMC on 127.0.0.1, user admin / password "password", chassis power kept in a
# file per BMC.
#
#   ./start-bmcs.sh start [N] [FIRST_PORT]   N BMCs (default 3) on ports 6230.. (default)
#   ./start-bmcs.sh status                   port and chassis power of each
#   ./start-bmcs.sh stop                     stops the BMCs this script started
#
# Files live in ${BMC_SIM_DIR:-/tmp/bcm-ipmi-fallback-bmcs}.
set -eu
dir=${BMC_SIM_DIR:-/tmp/bcm-ipmi-fallback-bmcs}

start() {
  count=${1:-3}
  port=${2:-6230}
  command -v ipmi_sim >/dev/null || { echo "ipmi_sim not found: install the openipmi package" >&2; exit 1; }
  mkdir -p "$dir"
  cat >"$dir/chassis.sh" <<'EOF'
#!/bin/sh
# ipmi_sim chassis_control hook: $1 = power file, $2 = get|set|check, then parameters.
f=$1; op=$2; shift 2
case $op in
get) for p in "$@"; do
       case $p in
       power) echo "power:$(cat "$f" 2>/dev/null || echo 0)" ;;
       boot) echo "boot:default" ;;
       *) echo "Invalid parameter: $p"; exit 1 ;;
       esac
     done ;;
set) while [ $# -gt 1 ]; do
       case $1 in
       power) echo "$2" >"$f" ;;
       reset) echo "reset $(date +%s)" >>"$f.log" ;;
       shutdown) echo 0 >"$f" ;;
       boot|identify) ;;
       *) echo "Invalid parameter: $1"; exit 1 ;;
       esac
       shift 2
     done ;;
*) exit 1 ;;
esac
EOF
  chmod +x "$dir/chassis.sh"
  i=0
  while [ "$i" -lt "$count" ]; do
    bmc="$dir/bmc$port"
    mkdir -p "$bmc/state"
    echo 0 >"$bmc/power"
    cat >"$bmc/lan.conf" <<EOF
name "bmc$port"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 $port
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "$dir/chassis.sh $bmc/power"
  user 2 true "admin" "password" admin 10 none md2 md5 straight
EOF
    printf 'mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02\nmc_enable 0x20\n' >"$bmc/sim.emu"
    (cd "$bmc" && ipmi_sim -c lan.conf -f sim.emu -s state -n >sim.log 2>&1 </dev/null & echo $! >"$bmc/pid")
    echo "BMC 127.0.0.1:$port (pid $(cat "$bmc/pid"))"
    i=$((i + 1))
    port=$((port + 1))
  done
}

status() {
  for bmc in "$dir"/bmc*; do
    [ -f "$bmc/pid" ] || continue
    state=off
    [ "$(cat "$bmc/power")" = 1 ] && state=on
    alive=stopped
    kill -0 "$(cat "$bmc/pid")" 2>/dev/null && alive=running
    echo "127.0.0.1:${bmc##*/bmc} $alive chassis power $state"
  done
}

stop() {
  for bmc in "$dir"/bmc*; do
    [ -f "$bmc/pid" ] || continue
    kill "$(cat "$bmc/pid")" 2>/dev/null || true
    rm -f "$bmc/pid"
  done
}

case ${1:-} in
start) shift; start "$@" ;;
status) status ;;
stop) stop ;;
*) sed -n '2,10p' "$0"; exit 2 ;;
esac
