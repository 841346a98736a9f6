#!/usr/bin/env bash
# GSL engine benchmark: vigil against jq on the same synthetic inventory, in one run.
#
# Generates a 100,000-entity inventory (bench/gen_inventory.py), then measures (vigil on one core
# and on all it may use, jq on one):
#   - vigil: load the inventory once, evaluate the 22 rules of bench/gsl_rules.txt (the seed rule
#     D9.AWS.MON.09, a per-trail form of it, and 20 rules of shared/data/gsl/rules.tsv);
#   - jq: the same 22 conditions (bench/gsl_rules.jq) in one jq program over the same file;
#   - parse + plan of every rule of shared/data/gsl/rules.tsv.
# Failed counts must agree, except for the two filter-pattern rules, where jq compares text as
# other tools do (the script prints both). Then the same for the 11 simple rules alone (the issue's
# target is >= 20x jq on simple rules). ROUNDS (default 6) rounds of the three runs back to back,
# in turn order; prints the best of each and the per-round ratios.
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

# The simple rules (the issue's target): comparisons, existence, like, length() and dates on an
# entity's own properties; no `with`, `contain`, regex or filter pattern. Lines of gsl_rules.txt,
# and the same entries of gsl_rules.jq's list.
SIMPLE="9 10 11 12 14 15 16 17 18 19 20"
python3 - "$DIR" $SIMPLE <<'PY'
import sys
out, keep = sys.argv[1], [int(x) for x in sys.argv[2:]]
rules = [l for l in open("bench/gsl_rules.txt") if l.strip() and not l.startswith("#")]
open(f"{out}/simple_rules.txt", "w").writelines(rules[k - 1] for k in keep)
jq = open("bench/gsl_rules.jq").read().splitlines()
start = jq.index("[") + 1
end = jq.index("] | .[]")
entries = [l.rstrip().rstrip(",") for l in jq[start:end]]
assert len(entries) == len(rules), "gsl_rules.jq and gsl_rules.txt disagree"
with open(f"{out}/simple_rules.jq", "w") as f:
    f.write("\n".join(jq[:start]) + "\n" + ",\n".join(entries[k - 1] for k in keep) + "\n] | .[]\n")
PY

# Rounds of vigil and jq runs back to back, so that a busy spell of the machine (shared with other
# work) falls on all programs of a round: vigil on one core (--jobs 1, pinned like jq), vigil on
# every core it may use (rules in parallel, as `vigil scan` runs them; jq has no such mode), jq.
# All 22 rules, then the simple ones. The order of the three changes each round (all six in
# turn): on this VM a run right after jq's (which touches some 1 GB) is slower, 0.10 -> 0.13-0.19
# s for vigil's simple rules, even 2 s later (measured 2026-11-27, five triples), so a fixed order
# would always hand that penalty to the same program.
ROUNDS="${ROUNDS:-6}"
: >"$DIR/rounds.txt"
: >"$DIR/rounds-simple.txt"
round=0
for _ in $(seq "$ROUNDS"); do
  for set in all simple; do
    rules=bench/gsl_rules.txt jqprog=bench/gsl_rules.jq suffix="" log="$DIR/rounds.txt"
    if [ "$set" = simple ]; then
      rules="$DIR/simple_rules.txt" jqprog="$DIR/simple_rules.jq" suffix="-simple"
      log="$DIR/rounds-simple.txt"
    fi
    orders=(012 021 102 120 201 210)  # every order in turn: each program follows each other
    order=${orders[$((round % 6))]}
    for k in 0 1 2; do
      case ${order:$k:1} in
        0) v1=$(wall $PIN "$BUILD/bench/gsl_bench" "$INV" "$rules" --now "$NOW" --jobs 1)
           cp "$DIR/out.txt" "$DIR/vigil$suffix.txt" ;;
        1) vn=$(wall "$BUILD/bench/gsl_bench" "$INV" "$rules" --now "$NOW" --jobs 0)
           cp "$DIR/out.txt" "$DIR/vigil-all$suffix.txt" ;;
        2) j=$(wall $PIN jq --argjson now "$NOW" -f "$jqprog" "$INV")
           cp "$DIR/out.txt" "$DIR/jq$suffix.txt" ;;
      esac
    done
    cmp -s <(grep '^failed' "$DIR/vigil-all$suffix.txt") <(grep '^failed' "$DIR/vigil$suffix.txt") \
      || { echo "$set: one core and all cores disagree" >&2; exit 1; }
    echo "$v1 $vn $j" >>"$log"
  done
  round=$((round + 1))
done
diff <(grep '^failed' "$DIR/vigil-simple.txt" | cut -d' ' -f2) "$DIR/jq-simple.txt" >/dev/null \
  || { echo "simple rules: counts disagree" >&2; exit 1; }
"$BUILD/bench/gsl_bench" "$INV" bench/gsl_rules.txt "$SHARED/data/gsl/rules.tsv" --now "$NOW" \
  | grep '^corpus' > "$DIR/corpus.txt"

grep -v '^failed' "$DIR/vigil.txt"
cat "$DIR/corpus.txt"
paste <(grep '^failed' "$DIR/vigil.txt" | cut -d' ' -f2) "$DIR/jq.txt" bench/gsl_rules.txt \
  | awk -F'\t' 'BEGIN{bad=0} {mark=($1==$2)?"":(NR<=2?"  (jq compares text)":"  MISMATCH");
      if (mark=="  MISMATCH") bad=1; printf "%8s %8s%s  %s\n", $1, $2, mark, substr($3,1,70)}
      END{exit bad}' || { echo "counts disagree" >&2; exit 1; }
python3 - "$DIR/rounds.txt" "$DIR/rounds-simple.txt" "$(nproc)" <<'PY'
import statistics, sys
for path, what in ((sys.argv[1], "22 rules"), (sys.argv[2], "11 simple rules")):
    rounds = [tuple(map(float, line.split())) for line in open(path)]
    j = min(r[2] for r in rounds)
    print(f"{what} (best of {len(rounds)} rounds; jq {j:.3f} s):")
    for col, how in ((0, "one core"), (1, f"all {sys.argv[3]} cores")):
        v = min(r[col] for r in rounds)
        ratios = sorted(r[2] / r[col] for r in rounds)
        print(f"  vigil, {how}: {v:.3f} s (process: load + rules); ratio of the bests "
              f"{j / v:.1f}x; per round min {ratios[0]:.1f}x, median "
              f"{statistics.median(ratios):.1f}x, max {ratios[-1]:.1f}x")
print("target: >= 20x on simple rules")
PY
