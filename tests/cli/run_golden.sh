#!/usr/bin/env bash
# Runs the golden CLI cases in DIR (default testdata/cli): each NAME.sh runs with $VIGIL,
# $TESTDATA and $SHARED set, in a fresh temporary directory ($WORK); its combined stdout and
# stderr followed by "[exit N]" must equal NAME.out. UPDATE_GOLDEN=1 rewrites the .out files.
set -uo pipefail
dir="${1:-$(dirname "$0")/../../testdata/cli}"
dir=$(cd "$dir" && pwd)
export TESTDATA=$(cd "$dir/.." && pwd)
export SHARED="${VIGIL_SHARED_DIR:-$TESTDATA/../../shared}"
: "${VIGIL:?set VIGIL to the vigil binary}"
export VIGIL
pass=0
fail=0
for case in "$dir"/*.sh; do
  name=$(basename "$case" .sh)
  work=$(mktemp -d)
  actual=$(cd "$work" && WORK="$work" VIGIL_HISTORY_DB="$work/history.db" timeout 60 bash "$case" 2>&1; echo "[exit $?]")
  rm -rf "$work"
  expected_file="$dir/$name.out"
  if [ "${UPDATE_GOLDEN:-0}" = "1" ]; then
    printf '%s\n' "$actual" >"$expected_file"
  fi
  if [ -f "$expected_file" ] && [ "$actual" = "$(cat "$expected_file")" ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: $name"
    diff <(cat "$expected_file" 2>/dev/null) <(printf '%s\n' "$actual") | head -40
  fi
done
echo "cli golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
