#!/usr/bin/env bash
# End-to-end benchmark of the CloudWatch Logs filter-pattern engine (`vigil pattern test --count`)
# against peers measured in the same run, on the same NDJSON CloudTrail corpus:
#   - jq 1.6 with the equivalent `select(...)` (the everyday tool),
#   - bench/handwritten_seed.cc, a simdjson On-Demand program specialised to the seed pattern
#     (the practical limit for a general engine).
# It also runs the 15 CIS v1.5 monitoring patterns (bench/cis_patterns.txt) in one pass, and
# variants that explain the figures (simdjson kernel forced, literal prefilter off).
#
# Every measurement is the best of VIGIL_BENCH_RUNS (3) wall-clock runs, pinned to one CPU (0) when
# taskset is available. Every count is checked: the script exits 1 if any two programs disagree
# (see README.md for what is compared).
#
# Usage: bench/pattern_bench.sh
# Environment (defaults in brackets):
#   VIGIL_SHARED_DIR     the shared/ folder with tools/gen_cloudtrail.py [$REPO/../shared]
#   VIGIL_BENCH_DIR      where the corpus and the compiled peer live; reused when present
#                        [/tmp/vigil-bench]
#   VIGIL_BIN            the vigil binary [$REPO/build/vigil]
#   VIGIL_BENCH_RUNS     runs per measurement, the best is kept [3]
#   VIGIL_BENCH_CPU      the CPU every measurement is pinned to with taskset [0]
#   VIGIL_BENCH_CHECK_CIS  1: also count the 15 CIS patterns with jq (bench/cis_patterns.jq,
#                        about a minute) and compare with vigil; 0: skip [1]
#   VIGIL_BENCH_ENFORCE  1: also exit 1 when a ratio misses its target [0]
# Exit codes: 0 all counts agree, 1 a count disagrees (or a target is missed with
# VIGIL_BENCH_ENFORCE=1), 2 setup problem (missing binary, tool or corpus) or the vigil binary
# was replaced during the run.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${VIGIL_SHARED_DIR:-$REPO/../shared}
DIR=${VIGIL_BENCH_DIR:-/tmp/vigil-bench}
VIGIL=${VIGIL_BIN:-$REPO/build/vigil}
RUNS=${VIGIL_BENCH_RUNS:-3}
CHECK_CIS=${VIGIL_BENCH_CHECK_CIS:-1}
ENFORCE=${VIGIL_BENCH_ENFORCE:-0}
EVENTS=300000
CORPUS=$DIR/ct-300k.ndjson
CIS_FILE=$REPO/bench/cis_patterns.txt
# The "default kernel" rows must not inherit a forced kernel from the caller.
unset VIGIL_JSON_KERNEL SIMDJSON_FORCE_IMPLEMENTATION

SEED='{($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder))}'
# The same selection in jq. Members that are missing or not strings compare unequal, as in the
# pattern (filter-patterns.md §3.3); the type test keeps jq from failing on a non-object line.
JQ_SEED='select(type == "object" and .eventSource == "config.amazonaws.com" and (.eventName == "StopConfigurationRecorder" or .eventName == "DeleteDeliveryChannel" or .eventName == "PutDeliveryChannel" or .eventName == "PutConfigurationRecorder"))'

die() {
  echo "pattern_bench: $*" >&2
  exit 2
}

# ---- setup --------------------------------------------------------------------------------------
[[ -x $VIGIL ]] || die "$VIGIL not found (build vigil first, or set VIGIL_BIN)"
[[ -f $SHARED/tools/gen_cloudtrail.py ]] || die "$SHARED/tools/gen_cloudtrail.py not found (set VIGIL_SHARED_DIR)"
[[ -f $CIS_FILE ]] || die "$CIS_FILE not found"
for tool in python3 jq g++ awk; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "VIGIL_BENCH_RUNS must be a positive integer"

CPU=${VIGIL_BENCH_CPU:-0}
PIN=()
if command -v taskset >/dev/null && taskset -c "$CPU" true 2>/dev/null; then
  PIN=(taskset -c "$CPU")
fi

mkdir -p "$DIR"
if [[ ! -s $CORPUS ]]; then
  echo "generating $CORPUS ($EVENTS events; takes a few seconds to a minute) ..."
  # Written under another name first, so that an interrupted run leaves no corpus to reuse.
  python3 "$SHARED/tools/gen_cloudtrail.py" --events "$EVENTS" --seed 1 --format ndjson \
    --out "$CORPUS.tmp.$$"
  mv "$CORPUS.tmp.$$" "$CORPUS"
else
  echo "reusing $CORPUS"
fi
BYTES=$(stat -c %s "$CORPUS")
LINES=$(wc -l <"$CORPUS")
[[ $LINES -eq $EVENTS ]] || die "$CORPUS has $LINES lines, expected $EVENTS (delete it to regenerate)"

echo "compiling bench/handwritten_seed.cc ..."
(cd "$REPO" && g++ -O3 -march=native -std=c++20 bench/handwritten_seed.cc -lsimdjson \
  -o "$DIR/handwritten_seed")
HW_KERNELS=$("$DIR/handwritten_seed" --kernels)  # "ondemand=X stage1=Y cpu_best=Z"
CPU_BEST=${HW_KERNELS##*cpu_best=}

# The lead's build may replace the binary while we measure: note it, and say so at the end.
vigil_id() {
  local f
  for f in "$VIGIL" "$(dirname "$VIGIL")"/libvigil_json_*.so; do
    [[ -e $f ]] || continue
    stat -c '%n %Y %s' "$f"
  done | md5sum | cut -c1-12
}
VIGIL_ID=$(vigil_id)
LOAD_START=$(cut -d' ' -f1 /proc/loadavg)

# Warm the page cache, so that no measurement pays for the first read from disk.
cat "$CORPUS" >/dev/null

# ---- measurements -------------------------------------------------------------------------------
declare -A SECS OUT LABEL
ORDER=()

# measure KEY LABEL CMD...: runs CMD RUNS times with stdout to $DIR/out.KEY, keeps the best time.
measure() {
  local key=$1 label=$2
  shift 2
  local best="" t0 t1 dt i out=$DIR/out.$key
  echo "  $label ..." >&2
  for ((i = 0; i < RUNS; i++)); do
    t0=$(date +%s.%N)
    if ! "$@" >"$out"; then
      echo "pattern_bench: '$label' failed:" >&2
      printf ' %q' "$@" >&2
      echo >&2
      exit 2
    fi
    t1=$(date +%s.%N)
    dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
    if [[ -z $best ]] || awk -v x="$dt" -v y="$best" 'BEGIN { exit !(x < y) }'; then
      best=$dt
    fi
  done
  SECS[$key]=$best
  OUT[$key]=$out
  LABEL[$key]=$label
  ORDER+=("$key")
}

echo "measuring (best of $RUNS, ${PIN[*]:-unpinned}):"
measure vigil "vigil seed" \
  "${PIN[@]}" "$VIGIL" pattern test "$SEED" --count --file "$CORPUS"
# shellcheck disable=SC2016  # $1 and $2 are for the inner sh
measure jq "jq seed (jq -c 'select(...)' | wc -l)" \
  "${PIN[@]}" sh -c 'jq -c "$1" "$2" | wc -l' sh "$JQ_SEED" "$CORPUS"
measure hw "handwritten simdjson seed" \
  "${PIN[@]}" "$DIR/handwritten_seed" "$CORPUS"
measure cis "vigil 15 CIS patterns, one pass" \
  "${PIN[@]}" "$VIGIL" pattern test --count --patterns-file "$CIS_FILE" --file "$CORPUS"
# Variants that explain the figures. VIGIL_JSON_KERNEL picks the build of vigil's On-Demand walk
# (the inlined header code); stage 1 of every parse (the SIMD structural index) comes from
# libsimdjson's own run-time choice, which only SIMDJSON_FORCE_IMPLEMENTATION changes.
measure vigil_fb "vigil seed, VIGIL_JSON_KERNEL=fallback" \
  env VIGIL_JSON_KERNEL=fallback "${PIN[@]}" "$VIGIL" pattern test "$SEED" --count \
  --file "$CORPUS"
measure vigil_np "vigil seed, --no-prefilter" \
  "${PIN[@]}" "$VIGIL" pattern test "$SEED" --count --no-prefilter --file "$CORPUS"
measure vigil_np_fb "vigil seed, --no-prefilter, VIGIL_JSON_KERNEL=fallback" \
  env VIGIL_JSON_KERNEL=fallback "${PIN[@]}" "$VIGIL" pattern test "$SEED" --count \
  --no-prefilter --file "$CORPUS"
measure vigil_np_scalar "vigil seed, --no-prefilter, all scalar [1]" \
  env VIGIL_JSON_KERNEL=fallback SIMDJSON_FORCE_IMPLEMENTATION=fallback "${PIN[@]}" "$VIGIL" \
  pattern test "$SEED" --count --no-prefilter --file "$CORPUS"
measure hw_scalar "handwritten simdjson seed, scalar stage 1 [2]" \
  env SIMDJSON_FORCE_IMPLEMENTATION=fallback "${PIN[@]}" "$DIR/handwritten_seed" "$CORPUS"
measure cis_np "vigil 15 CIS patterns, one pass, --no-prefilter" \
  "${PIN[@]}" "$VIGIL" pattern test --count --no-prefilter --patterns-file "$CIS_FILE" \
  --file "$CORPUS"

# ---- counts -------------------------------------------------------------------------------------
ERRORS=()
count_of() { tr -d ' \n' <"${OUT[$1]}"; }
SEED_COUNT=$(count_of vigil)
[[ $SEED_COUNT =~ ^[0-9]+$ ]] || die "vigil printed '$SEED_COUNT', not a count"
for key in "${ORDER[@]}"; do
  case $key in
    cis | cis_np) continue ;;
  esac
  c=$(count_of "$key")
  if [[ $c != "$SEED_COUNT" ]]; then
    ERRORS+=("${LABEL[$key]}: count $c, but vigil seed counted $SEED_COUNT")
  fi
done

# The 15-pattern output is "count<TAB>pattern" per pattern, in file order.
CIS_COUNTS=$(cut -f1 "${OUT[cis]}" | paste -sd' ')
CIS_NP_COUNTS=$(cut -f1 "${OUT[cis_np]}" | paste -sd' ')
N_CIS=$(wc -w <<<"$CIS_COUNTS")
[[ $N_CIS -eq 15 ]] || ERRORS+=("vigil printed $N_CIS counts for the 15 CIS patterns")
[[ $CIS_COUNTS == "$CIS_NP_COUNTS" ]] ||
  ERRORS+=("15 CIS patterns: with prefilter '$CIS_COUNTS', with --no-prefilter '$CIS_NP_COUNTS'")
CIS_49=$(awk '{ print $9 }' <<<"$CIS_COUNTS")  # 4.9 is the seed pattern, spaced differently
[[ $CIS_49 == "$SEED_COUNT" ]] ||
  ERRORS+=("15 CIS patterns: 4.9 counted $CIS_49 in the set, $SEED_COUNT alone")
JQ_CIS_COUNTS="(not checked: VIGIL_BENCH_CHECK_CIS=0)"
JQ_CIS_SECS=""
if [[ $CHECK_CIS == 1 ]]; then
  echo "checking the 15 CIS counts with jq (bench/cis_patterns.jq, one run) ..." >&2
  t0=$(date +%s.%N)
  JQ_CIS_COUNTS=$("${PIN[@]}" jq -n -r -f "$REPO/bench/cis_patterns.jq" "$CORPUS" | paste -sd' ')
  t1=$(date +%s.%N)
  JQ_CIS_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  [[ $JQ_CIS_COUNTS == "$CIS_COUNTS" ]] ||
    ERRORS+=("15 CIS patterns: vigil '$CIS_COUNTS', jq '$JQ_CIS_COUNTS'")
fi

# ---- report -------------------------------------------------------------------------------------
has_flag() { grep -qw "$1" /proc/cpuinfo 2>/dev/null && echo yes || echo no; }
echo
echo "== vigil end-to-end filter-pattern benchmark =="
echo "date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "repo:     $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(
  git -C "$REPO" diff --quiet HEAD -- src 2>/dev/null || echo ' (src/ modified)')"
echo "cpu:      $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cpus," \
  "pinned: ${PIN[*]:-no}"
echo "flags:    avx2=$(has_flag avx2) avx512bw=$(has_flag avx512bw) avx512_vbmi2=$(has_flag avx512_vbmi2)"
echo "simdjson: handwritten: $HW_KERNELS"
echo "          vigil (VIGIL_JSON_KERNEL unset): walk kernel $CPU_BEST (vigil asks simdjson's CPU" \
  "detection in the order icelake, haswell, westmere), stage 1 libsimdjson's $CPU_BEST"
echo "tools:    $(g++ --version | head -1); $(jq --version)"
echo "corpus:   $CORPUS: $LINES events, $BYTES bytes ($(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }') MB)"
echo "vigil:    $VIGIL, built $(date -u -r "$VIGIL" +%Y-%m-%dT%H:%M:%SZ)"
echo "load:     1-minute load average $LOAD_START at the start, $(cut -d' ' -f1 /proc/loadavg) at the end"
echo "runs:     best of $RUNS wall-clock runs each (process start and file read included); MB = 1e6 bytes"
echo
printf '%-52s %9s %9s %12s %8s\n' "measurement" "seconds" "MB/s" "events/s" "count"
for key in "${ORDER[@]}"; do
  s=${SECS[$key]}
  case $key in
    cis | cis_np) c="(15)" ;;
    *) c=$(count_of "$key") ;;
  esac
  awk -v l="${LABEL[$key]}" -v s="$s" -v b="$BYTES" -v n="$LINES" -v c="$c" \
    'BEGIN { printf "%-52s %9.3f %9.0f %12.0f %8s\n", l, s, b / 1e6 / s, n / s, c }'
done
echo
echo "[1] VIGIL_JSON_KERNEL=fallback SIMDJSON_FORCE_IMPLEMENTATION=fallback: no SIMD in the walk" \
  "nor in stage 1"
echo "[2] SIMDJSON_FORCE_IMPLEMENTATION=fallback: stage 1 scalar, inlined On-Demand code still" \
  "built with -march=native"
echo
echo "15 CIS counts (4.1 .. 4.15), vigil: $CIS_COUNTS"
echo "15 CIS counts (4.1 .. 4.15), jq:    $JQ_CIS_COUNTS${JQ_CIS_SECS:+ (jq took ${JQ_CIS_SECS} s, one run)}"
echo

# ratio LABEL NUM_KEY DEN_KEY TARGET: speed of DEN relative to NUM = time(NUM) / time(DEN).
MISSED=()
ratio() {
  local label=$1 peer=$2 ours=$3 target=$4 r verdict
  r=$(awk -v a="${SECS[$peer]}" -v b="${SECS[$ours]}" 'BEGIN { printf "%.2f", a / b }')
  if awk -v r="$r" -v t="$target" 'BEGIN { exit !(r >= t) }'; then
    verdict="meets target >= ${target}x"
  else
    verdict="MISSES target >= ${target}x"
    MISSED+=("$label = ${r}x < ${target}x")
  fi
  printf '%-28s %7sx   %s\n' "$label" "$r" "$verdict"
}
echo "ratios (speed, = peer seconds / vigil seconds):"
ratio "vigil / jq" jq vigil 10
ratio "vigil / handwritten" hw vigil 0.5
ratio "15-together / handwritten" hw cis 0.3
info() {
  awk -v l="$1" -v a="${SECS[$2]}" -v b="${SECS[$3]}" 'BEGIN { printf "%-28s %7.2fx   %s\n", l, a / b, "(explains)" }'
}
info "seed no-prefilter / hw" hw vigil_np
info "15 no-prefilter / hw" hw cis_np
info "15 prefilter / no-prefilter" cis_np cis
info "SIMD / all-scalar, vigil" vigil_np_scalar vigil_np

status=0
if [[ $(vigil_id) != "$VIGIL_ID" ]]; then
  echo
  echo "WARNING: $VIGIL (or its kernel libraries) changed during the run; the figures mix builds."
  echo "Run again when no build is running."
  status=2
fi
if ((${#ERRORS[@]})); then
  echo
  echo "COUNT MISMATCH:"
  printf '  %s\n' "${ERRORS[@]}"
  status=1
else
  echo
  echo "all counts agree (seed: $SEED_COUNT matching events)"
fi
if ((${#MISSED[@]})) && [[ $ENFORCE == 1 ]]; then
  echo "targets missed (VIGIL_BENCH_ENFORCE=1):"
  printf '  %s\n' "${MISSED[@]}"
  status=1
fi
exit $status
