#!/usr/bin/env bash
# GSL engine benchmark: vigil against jq on the same synthetic inventory, in one run.
#
# Generates a 100,000-entity inventory (bench/gen_inventory.py), then measures on one core:
#   - vigil: load the inventory once, evaluate the 22 rules of bench/gsl_rules.txt (the seed rule
#     D9.AWS.MON.09, a per-trail form of it, and 20 rules of shared/data/gsl/rules.tsv);
#   - jq: the same 22 conditions (bench/gsl_rules.jq) in one jq program over the same file;
#   - parse + plan of every rule of shared/data/gsl/rules.tsv.
# Failed counts must agree, except for the two filter-pattern rules, where jq compares text as
# other tools do (the script prints both). ROUNDS (default 5) rounds of one vigil run and one jq
# run back to back; prints the best of each and the per-round ratios.
#   BENCH_DIR (default /tmp/vigil-bench), VIGIL_BUILD (default build), ENTITIES (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${BENCH_DIR:-/tmp/vigil-bench}"
BUILD="${VIGIL_BUILD:-build}"
N="${ENTITIES:-100000}"
SHARED="${VIGIL_SHARED_DIR:-$PWD/../shared}"
NOW=1795737600
mkdir -p "$DIR"
INV="$DIR/inventory-$N.json"
[ -f "$INV" ] || python3 bench/gen_inventory.py --entities "$N" --seed 1 --now "$NOW" --out "$INV"
ninja -C "$BUILD" gsl_bench >/dev/null  # always: a stale binary would measure old code
PIN=""
command -v taskset >/dev/null && PIN="taskset -c 0"

wall() {  # wall seconds of one run of "$@"; its output in $DIR/out.txt
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >"$DIR/out.txt"
  t1=$(date +%s.%N)
  python3 -c "print($t1 - $t0)"
}

# Rounds of one vigil run and one jq run, back to back, so that a busy spell of the machine
# (shared with other work) falls on both programs of a round.
ROUNDS="${ROUNDS:-5}"
: >"$DIR/rounds.txt"
for _ in $(seq "$ROUNDS"); do
  v=$(wall $PIN "$BUILD/bench/gsl_bench" "$INV" bench/gsl_rules.txt --now "$NOW")
  cp "$DIR/out.txt" "$DIR/vigil.txt"
  j=$(wall $PIN jq --argjson now "$NOW" -f bench/gsl_rules.jq "$INV")
  cp "$DIR/out.txt" "$DIR/jq.txt"
  echo "$v $j" >>"$DIR/rounds.txt"
done
"$BUILD/bench/gsl_bench" "$INV" bench/gsl_rules.txt "$SHARED/data/gsl/rules.tsv" --now "$NOW" \
  | grep '^corpus' > "$DIR/corpus.txt"

grep -v '^failed' "$DIR/vigil.txt"
cat "$DIR/corpus.txt"
paste <(grep '^failed' "$DIR/vigil.txt" | cut -d' ' -f2) "$DIR/jq.txt" bench/gsl_rules.txt \
  | awk -F'\t' 'BEGIN{bad=0} {mark=($1==$2)?"":(NR<=2?"  (jq compares text)":"  MISMATCH");
      if (mark=="  MISMATCH") bad=1; printf "%8s %8s%s  %s\n", $1, $2, mark, substr($3,1,70)}
      END{exit bad}' || { echo "counts disagree" >&2; exit 1; }
python3 - "$DIR/rounds.txt" <<'PY'
import statistics, sys
rounds = [tuple(map(float, line.split())) for line in open(sys.argv[1])]
v = min(r[0] for r in rounds)
j = min(r[1] for r in rounds)
ratios = sorted(jq / vg for vg, jq in rounds)
print(f"wall, best of {len(rounds)}: vigil {v:.3f} s (process: load + 22 rules), jq {j:.3f} s")
print(f"ratio of the bests: vigil is {j / v:.1f}x faster than jq (target >= 20x)")
print(f"ratio per round (vigil and jq back to back): min {ratios[0]:.1f}x, "
      f"median {statistics.median(ratios):.1f}x, max {ratios[-1]:.1f}x")
PY
