#!/usr/bin/env bash
# Scan benchmark: every bundled rule over a synthetic 100,000-entity inventory
# (bench/gen_inventory.py), against the floor a scan cannot beat: parsing the same file with jq
# (`jq length`). Reports wall time and peak memory of both, best of 3, on one core.
#   BENCH_DIR (default /tmp/vigil-bench), VIGIL_BUILD (default build), ENTITIES (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${BENCH_DIR:-/tmp/vigil-bench}"
BUILD="${VIGIL_BUILD:-build}"
N="${ENTITIES:-100000}"
mkdir -p "$DIR"
INV="$DIR/inventory-$N.json"
[ -f "$INV" ] || python3 bench/gen_inventory.py --entities "$N" --seed 1 --out "$INV"
PIN=""
command -v taskset >/dev/null && PIN="taskset -c 0"
measure() {  # best wall seconds and the peak RSS (KiB) of that run
  local best=999999 rss=0
  for _ in 1 2 3; do
    /usr/bin/time -q -f "%e %M" -o "$DIR/time.txt" $PIN "$@" >/dev/null 2>&1 || true
    read -r t m <"$DIR/time.txt"
    if python3 -c "import sys; sys.exit(0 if $t < $best else 1)"; then best=$t; rss=$m; fi
  done
  echo "$best $rss"
}
read -r vs vm < <(measure "$BUILD/vigil" scan --inventory "$INV" --format json --no-history --output /dev/null)
read -r js jm < <(measure jq length "$INV")
rules=$("$BUILD/vigil" rules list | grep -c '^  ')
echo "inventory: $INV ($(stat -c %s "$INV") bytes, $N entities); bundled rules: $rules"
printf '%-40s %8s s %10s KiB\n' "vigil scan (all bundled rules, json)" "$vs" "$vm" "jq length (parse only: the floor)" "$js" "$jm"
python3 -c "print(f'vigil scan / jq length: {$vs / $js:.2f}x the time (target <= 5x), {$vm / $jm:.2f}x the memory')"
