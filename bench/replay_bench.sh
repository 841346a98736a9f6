#!/usr/bin/env bash
# End-to-end benchmark of `vigil replay` with the 15 CIS v1.5 monitoring filters
# (bench/cis_patterns.txt, each with a Sum >= 1 / 300 s alarm), on the generated CloudTrail corpus
# of 300,000 events as NDJSON and in CloudTrail's S3 layout (gzip files of {"Records": [...]}),
# against peers measured in the same run on the same data:
#   - `vigil pattern test --count` with one pattern (CIS 4.9) over the NDJSON file (target: replay
#     with 15 filters and alarms at >= 0.5x its throughput);
#   - jq making the same 15 selections (bench/cis_patterns.jq; target: replay >= 10x jq); on the
#     S3 layout, jq reads the same gzip files (zcat | jq .Records[] | jq the 15 selections).
# Every measurement is the best wall time of VIGIL_BENCH_RUNS (3) runs; peak memory is the maximum
# resident set size and CPU time the user + system time that /usr/bin/time -v reports for that
# run. The replay and pattern test runs behind the 0.5x ratio alternate, so that both see the same
# load. The 15 match counts of every program must agree, or the script exits 1.
#
# Usage: bench/replay_bench.sh
# Environment (defaults in brackets):
#   VIGIL_SHARED_DIR   the shared/ folder with tools/gen_cloudtrail.py [$REPO/../shared]
#   VIGIL_BENCH_DIR    where the corpora live; reused when present [/tmp/vigil-replay-bench]
#   VIGIL_BIN          the vigil binary [$REPO/build/vigil]
#   VIGIL_BENCH_RUNS   runs per measurement, the best is kept [3]
# Exit codes: 0 counts agree, 1 a count disagrees, 2 setup problem.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${VIGIL_SHARED_DIR:-$REPO/../shared}
DIR=${VIGIL_BENCH_DIR:-/tmp/vigil-replay-bench}
VIGIL=${VIGIL_BIN:-$REPO/build/vigil}
RUNS=${VIGIL_BENCH_RUNS:-3}
EVENTS=300000
NDJSON=$DIR/ct-300k.ndjson
S3=$DIR/ct-300k-s3
CIS=$REPO/bench/cis_patterns.txt
JQ=$REPO/bench/cis_patterns.jq
SEED='{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }'

die() {
  echo "replay_bench: $*" >&2
  exit 2
}
[[ -x $VIGIL ]] || die "$VIGIL not found (build vigil first, or set VIGIL_BIN)"
[[ -f $SHARED/tools/gen_cloudtrail.py ]] || die "$SHARED/tools/gen_cloudtrail.py not found"
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is required for peak memory"
for tool in python3 jq zcat awk; do command -v "$tool" >/dev/null || die "$tool is required"; done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "VIGIL_BENCH_RUNS must be a positive integer"
grep -qxF "$SEED" "$CIS" || die "the CIS 4.9 pattern is not line 9 of $CIS as expected"

mkdir -p "$DIR"
if [[ ! -s $NDJSON ]]; then
  echo "generating $NDJSON ..."
  python3 "$SHARED/tools/gen_cloudtrail.py" --events $EVENTS --seed 1 --format ndjson --out "$NDJSON.tmp.$$"
  mv "$NDJSON.tmp.$$" "$NDJSON"
fi
if [[ ! -d $S3 ]]; then
  echo "generating $S3 ..."
  python3 "$SHARED/tools/gen_cloudtrail.py" --events $EVENTS --seed 1 --format s3 --out "$S3.tmp.$$"
  mv "$S3.tmp.$$" "$S3"
fi
NDJSON_BYTES=$(stat -c %s "$NDJSON")
S3_BYTES=$(find "$S3" -type f -name '*.json.gz' -printf '%s\n' | awk '{s += $1} END {print s}')
S3_FILES=$(find "$S3" -type f -name '*.json.gz' | wc -l)

# The 15 filters and their alarms, as describe-metric-filters / describe-alarms print them.
python3 - "$CIS" "$DIR/filters.json" "$DIR/alarms.json" <<'PY'
import json, sys
pats = [l.rstrip("\n") for l in open(sys.argv[1]) if l.strip() and not l.startswith("#")]
filters, alarms = [], []
for i, p in enumerate(pats, 1):
    name = f"cis-{i:02d}"
    filters.append({"filterName": name, "filterPattern": p, "logGroupName": "CloudTrail/bench",
                    "metricTransformations": [{"metricName": name, "metricNamespace": "CISBenchmark", "metricValue": "1"}]})
    alarms.append({"AlarmName": name + "-alarm", "MetricName": name, "Namespace": "CISBenchmark", "Statistic": "Sum",
                   "Period": 300, "EvaluationPeriods": 1, "DatapointsToAlarm": 1, "Threshold": 1,
                   "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching"})
json.dump({"metricFilters": filters}, open(sys.argv[2], "w"))
json.dump({"MetricAlarms": alarms}, open(sys.argv[3], "w"))
PY

cat "$NDJSON" >/dev/null
find "$S3" -type f -exec cat {} + >/dev/null

declare -A SECS MEM CPU
# measure_once KEY LABEL CMD...: one run (stdout to $DIR/out.KEY); keeps the best wall time of the
# runs of KEY so far, with that run's peak resident memory and CPU time (user + system).
measure_once() {
  local key=$1 label=$2
  shift 2
  local t0 t1 dt rc
  t0=$(date +%s.%N)
  # vigil replay exits 1 when an alarm went to ALARM: only 2 and above are failures.
  rc=0
  /usr/bin/time -v -o "$DIR/time.$key" bash -c '"$@"' _ "$@" >"$DIR/out.$key" || rc=$?
  ((rc <= 1)) || die "$label failed (exit $rc)"
  t1=$(date +%s.%N)
  dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  if [[ -z ${SECS[$key]:-} ]] || awk -v x="$dt" -v y="${SECS[$key]}" 'BEGIN { exit !(x < y) }'; then
    SECS[$key]=$dt
    MEM[$key]=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$DIR/time.$key")
    CPU[$key]=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {printf "%.2f", u + s}' "$DIR/time.$key")
  fi
}
report() {  # KEY LABEL
  printf '  %-58s %7.3f s %9s KiB  (cpu %s s)\n' "$2" "${SECS[$1]}" "${MEM[$1]}" "${CPU[$1]}"
}
# measure KEY LABEL CMD...: the best of RUNS runs.
measure() {
  local key=$1 label=$2 i
  for ((i = 0; i < RUNS; i++)); do measure_once "$@"; done
  report "$key" "$label"
}

echo "corpus: $EVENTS events; NDJSON $NDJSON_BYTES bytes; S3 layout $S3_FILES gzip files, $S3_BYTES bytes"
echo "machine: $(nproc) CPUs; best of $RUNS runs"
# The two sides of the 0.5x target run alternately, so that both see the same load on a shared
# machine (run one after the other, a load change between them skewed the ratio either way).
for ((i = 0; i < RUNS; i++)); do
  measure_once replay_nd "vigil replay, NDJSON" \
    "$VIGIL" replay --filters "$DIR/filters.json" --alarms "$DIR/alarms.json" --format json --progress never "$NDJSON"
  measure_once count_nd "vigil pattern test --count, NDJSON" \
    "$VIGIL" pattern test --count "$SEED" --file "$NDJSON"
done
report replay_nd "vigil replay, 15 CIS filters + alarms, NDJSON"
report count_nd "vigil pattern test --count (CIS 4.9 only), NDJSON"
measure jq_nd "jq, the same 15 selections, NDJSON" \
  jq -n -r -f "$JQ" "$NDJSON"
measure replay_s3 "vigil replay, 15 CIS filters + alarms, S3 layout (gzip)" \
  "$VIGIL" replay --filters "$DIR/filters.json" --alarms "$DIR/alarms.json" --format json --progress never "$S3"
measure jq_s3 "zcat | jq .Records[] | jq the 15 selections, S3 layout" \
  bash -c "find '$S3' -type f -name '*.json.gz' -print0 | sort -z | xargs -0 zcat | jq -c '.Records[]' | jq -n -r -f '$JQ'"

# Counts: replay's per-filter matches against jq's, and the seed against pattern test --count.
replay_counts() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("\n".join(str(f["matches"]) for g in d["logGroups"] for f in g["filters"]))' "$1"
}
status=0
for pair in "replay_nd jq_nd" "replay_s3 jq_s3"; do
  set -- $pair
  if ! diff <(replay_counts "$DIR/out.$1") "$DIR/out.$2" >/dev/null; then
    echo "MISMATCH: $1 and $2 disagree on the 15 counts"
    status=1
  fi
done
seed_replay=$(replay_counts "$DIR/out.replay_nd" | sed -n 9p)
if [[ $seed_replay != "$(cat "$DIR/out.count_nd")" ]]; then
  echo "MISMATCH: replay counts $seed_replay for CIS 4.9, pattern test $(cat "$DIR/out.count_nd")"
  status=1
fi
fired=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(a.get("timesInAlarm",0) for a in d["alarms"]))' "$DIR/out.replay_nd")
echo "counts agree: $([[ $status == 0 ]] && echo yes || echo NO); 15 alarms went to ALARM $fired times in all (NDJSON)"

rate() {  # KEY BYTES -> "MB/s events/s"
  awk -v s="${SECS[$1]}" -v b="$2" -v e=$EVENTS 'BEGIN { printf "%.1f MB/s, %.0f events/s", b / s / 1e6, e / s }'
}
echo
echo "replay NDJSON: $(rate replay_nd "$NDJSON_BYTES"), peak ${MEM[replay_nd]} KiB"
echo "replay S3:     $(rate replay_s3 "$S3_BYTES") (compressed bytes), peak ${MEM[replay_s3]} KiB"
echo "pattern test --count, one pattern, NDJSON: $(rate count_nd "$NDJSON_BYTES")"
awk -v r="${SECS[replay_nd]}" -v c="${SECS[count_nd]}" -v j="${SECS[jq_nd]}" -v r3="${SECS[replay_s3]}" -v j3="${SECS[jq_s3]}" \
    -v rc="${CPU[replay_nd]}" -v cc="${CPU[count_nd]}" 'BEGIN {
  printf "replay (15 filters) / pattern test --count (1 pattern) throughput: %.2fx (target >= 0.5x)\n", c / r
  if (rc > 0) printf "  the same in CPU time (user + system; replay uses several threads, pattern test one): %.2fx\n", cc / rc
  printf "replay / jq, NDJSON: %.1fx faster (target >= 10x)\n", j / r
  printf "replay / jq, S3 layout: %.1fx faster (target >= 10x)\n", j3 / r3
}'
exit $status
