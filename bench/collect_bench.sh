#!/usr/bin/env bash
# Collector benchmark: a 17-region account on the loopback AWS server (tests/aws/fake_aws.py),
# collected by `vigil collect` and, in the same run, by the same plan written with botocore (the
# SDK under the AWS CLI and boto3-based tools; bench/collect_peer_botocore.py) at the same
# concurrency. Reports wall time, calls, calls per second and the client's own CPU time, best of
# 3. Both clients must make the same number of calls.
#   BENCH_DIR (default /tmp/vigil-bench), VIGIL_BUILD (default build), REGIONS (default 17),
#   CONCURRENCY (default 8)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${BENCH_DIR:-/tmp/vigil-bench}/collect"
BUILD="${VIGIL_BUILD:-build}"
REGIONS="${REGIONS:-17}"
CONC="${CONCURRENCY:-8}"
mkdir -p "$DIR"
SCENARIO="$DIR/account-$REGIONS.json"
python3 tests/aws/gen_scenario.py --regions "$REGIONS" --seed 1 --out "$SCENARIO"
ninja -C "$BUILD" vigil >/dev/null  # always: a stale binary would measure old code

rm -f "$DIR/port"
python3 tests/aws/fake_aws.py --scenario "$SCENARIO" --port 0 --port-file "$DIR/port" \
  --calls-log "$DIR/calls.jsonl" >"$DIR/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null' EXIT
for _ in $(seq 1 200); do [ -s "$DIR/port" ] && break; sleep 0.05; done
URL="http://127.0.0.1:$(cat "$DIR/port")"
KEY_ID=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['credentials'][0]['accessKeyId'])" "$SCENARIO")
SECRET=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['credentials'][0]['secretAccessKey'])" "$SCENARIO")
export AWS_ACCESS_KEY_ID="$KEY_ID" AWS_SECRET_ACCESS_KEY="$SECRET" AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

# run NAME CMD...: best of 3 by wall time; prints "wall user+sys calls"
run() {
  local name="$1" best_wall=999 best_cpu=0 calls=0
  shift
  for _ in 1 2 3; do
    : >"$DIR/calls.jsonl"
    /usr/bin/time -f "%e %U %S" -o "$DIR/time.txt" "$@" >"$DIR/$name.out" 2>"$DIR/$name.err"
    read -r wall user sys <"$DIR/time.txt"
    local n
    n=$(wc -l <"$DIR/calls.jsonl")
    if python3 -c "import sys;sys.exit(0 if $wall < $best_wall else 1)"; then
      best_wall=$wall
      best_cpu=$(python3 -c "print(round($user + $sys, 3))")
      calls=$n
    fi
  done
  echo "$best_wall $best_cpu $calls"
}

read -r v_wall v_cpu v_calls < <(run vigil "$BUILD/vigil" collect --endpoint-url "$URL" \
  --concurrency "$CONC" --progress never -o "$DIR/inventory.json")
read -r p_wall p_cpu p_calls < <(run botocore /usr/bin/python3 bench/collect_peer_botocore.py \
  --endpoint-url "$URL" --region us-east-1 --concurrency "$CONC")
tail -1 "$DIR/vigil.err"
cat "$DIR/botocore.out"
python3 - "$REGIONS" "$CONC" "$v_wall" "$v_cpu" "$v_calls" "$p_wall" "$p_cpu" "$p_calls" <<'PY'
import sys
regions, conc = sys.argv[1], sys.argv[2]
vw, vc, vn, pw, pc, pn = map(float, sys.argv[3:])
print(f"{regions} regions, concurrency {conc}, best of 3 by wall time")
print(f"vigil collect : {vw:.2f} s wall, {vn:.0f} calls, {vn / vw:.0f} calls/s, client CPU {vc:.2f} s")
print(f"botocore peer : {pw:.2f} s wall, {pn:.0f} calls, {pn / pw:.0f} calls/s, client CPU {pc:.2f} s")
print(f"ratio: vigil is {pw / vw:.1f}x faster in wall time and uses {pc / max(vc, 0.001):.1f}x less CPU")
if vn != pn:
    print(f"warning: the call counts differ ({vn:.0f} vs {pn:.0f})")
    sys.exit(1)
PY
