#!/usr/bin/env bash
# The test command: installs what the tests need, then runs formatting, lint and every test.
# Used by CI (.ci/run) and by developers on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
# Tests that need services install them here (ipmitool, ipmi_sim, PostgreSQL arrive with
# the issues that bring those tests).
# IPMI: OpenIPMI's ipmi_sim (openipmi), ipmitool and FreeIPMI's ipmipower (freeipmi-tools).
# PostgreSQL: the pg state backend's tests start their own server (initdb, pg_ctl).
for pkg in openipmi ipmitool freeipmi-tools postgresql; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq "${need_apt[@]}"
  fi
fi

if [ ! -f ../shared/conformance/functions.json ]; then
  echo "error: ../shared/conformance/functions.json is missing (CI checks it out beside the repository)" >&2
  exit 1
fi

cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings
cargo test --quiet
# The parser/evaluator fuzz properties again, longer: a bounded number of generated cases.
PROPTEST_CASES=${FUZZ_CASES:-10000} cargo test --quiet --test fuzz
