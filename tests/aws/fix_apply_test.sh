#!/usr/bin/env bash
# `vigil fix --apply` against the loopback AWS server: the plan's calls are made (and only
# those), the rules then pass, a second run plans nothing, a failure half-way says what was and
# was not applied, and --apply refuses to run unconfirmed.
#   VIGIL=build/vigil bash tests/aws/fix_apply_test.sh
set -u
source "$(dirname "$0")/lib.sh"

# The realistic member account without what a member cannot read (the organization trail and
# the other account's topic), so that every rule can be judged and fixed from this account.
# With "fault", the PutMetricAlarm of the NACL control (step 8 of the plan) is refused.
make_scenario() {  # out-file [fault]
  python3 - "$ROOT/testdata/aws/realistic.json" "$1" "${2:-}" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
s["organizationTrails"] = []
external = {t["TopicArn"] for t in s.get("externalTopics", [])}
s["externalTopics"] = []
def walk(o):
    if isinstance(o, dict):
        for k, v in list(o.items()):
            if k in ("AlarmActions", "OKActions", "InsufficientDataActions") and isinstance(v, list):
                o[k] = [a for a in v if a not in external]
            else:
                walk(v)
    elif isinstance(o, list):
        for x in o:
            walk(x)
walk(s)
if sys.argv[3] == "fault":
    s["faults"] = [{"service": "monitoring", "operation": "PutMetricAlarm", "kind": "access_denied",
                    "resource": "cis-4.11-nacl-changes-alarm"}]
json.dump(s, open(sys.argv[2], "w"))
EOF
}

vigil() {
  env -i PATH="$PATH" HOME="$WORK" AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null \
    AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_ACCESS_KEY_ID=AKIAVIGILTEST0000001 \
    AWS_SECRET_ACCESS_KEY='vigil/TEST+fixture+secret+NOT+a+real+key1' AWS_REGION=us-east-1 \
    VIGIL_AWS_BACKOFF_SCALE=0.01 "$VIGIL" "$@" --endpoint-url "$URL" --progress never
}

# Write calls the server saw, "service Operation" per line, in order.
writes() {
  python3 -c '
import json, sys
for line in open(sys.argv[1]):
    c = json.loads(line)
    if not c["operation"].startswith(("Describe", "List", "Get")):
        print(c["service"], c["operation"], c["status"])' "$WORK/calls.jsonl"
}

make_scenario "$WORK/account.json"
start_server "$WORK/account.json"

# 1. The plan, as JSON, is what --apply must send.
vigil fix --live --format json -o "$WORK/plan.json" 2>/dev/null
planned=$(python3 -c 'import json,sys;p=json.load(open(sys.argv[1]));print("\n".join(s["service"]+" "+s["operation"]+" 200" for s in p["steps"]))' "$WORK/plan.json")
n_planned=$(echo "$planned" | grep -c .)
[ "$n_planned" -gt 0 ] && ok "a plan of $n_planned steps" || bad "no plan" "$(cat "$WORK/plan.json")"

# 2. Unconfirmed --apply does nothing.
: >"$WORK/calls.jsonl"
vigil fix --apply </dev/null >"$WORK/out" 2>"$WORK/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "give --yes" "$WORK/err" && [ -z "$(writes)" ]; then
  ok "--apply without a terminal or --yes changes nothing (exit 2)"
else
  bad "--apply unconfirmed: exit $rc, writes: $(writes)" "$(cat "$WORK/err")"
fi

# 3. --apply --yes: exactly the planned calls, then every rule passes.
: >"$WORK/calls.jsonl"
vigil fix --apply --yes >"$WORK/out" 2>"$WORK/err"
rc=$?
if [ "$(writes)" = "$planned" ]; then ok "--apply made exactly the $n_planned planned calls, in order"
else bad "--apply calls differ from the plan" "$(diff <(echo "$planned") <(writes))"; fi
if [ $rc -eq 0 ] && ! grep -q -- "-> failed\|-> no-data\|-> error" "$WORK/out"; then
  ok "--apply: every rule passes afterwards ($(grep -c -- '-> passed' "$WORK/out") rules failed -> passed)"
else
  bad "--apply: exit $rc" "$(cat "$WORK/out" "$WORK/err")"
fi

# 4. Idempotent: a second run plans nothing and calls nothing.
: >"$WORK/calls.jsonl"
vigil fix --apply --yes >"$WORK/out" 2>"$WORK/err"
rc=$?
if [ $rc -eq 0 ] && [ -z "$(writes)" ] && grep -q "nothing to do" "$WORK/err"; then
  ok "a second --apply plans and changes nothing"
else
  bad "second --apply: exit $rc, writes: $(writes)" "$(cat "$WORK/err")"
fi
vigil scan --live --no-history --format json >"$WORK/scan.json" 2>/dev/null
failed=$(python3 -c 'import json,sys;print(sum(1 for f in json.load(open(sys.argv[1]))["findings"] if f["status"]=="failed" and ".MON." in f["ruleId"] or f["status"]=="failed" and "CIS.4." in f["ruleId"]))' "$WORK/scan.json")
[ "$failed" = 0 ] && ok "vigil scan --live: no monitoring rule fails after the fix" \
  || bad "vigil scan --live: $failed monitoring findings still fail"

# 5. A failure half-way: what was applied and what was not.
make_scenario "$WORK/fault.json" fault
start_server "$WORK/fault.json"
vigil fix --apply --yes >"$WORK/out" 2>"$WORK/err"
rc=$?
if [ $rc -eq 3 ] && grep -q "stopped at step" "$WORK/err" && grep -q "not applied: monitoring PutMetricAlarm" "$WORK/err" \
   && grep -q "AccessDenied" "$WORK/err"; then
  ok "a failure half-way: exit 3, $(grep 'stopped at step' "$WORK/err")"
else
  bad "failure half-way: exit $rc" "$(cat "$WORK/err")"
fi

echo "fix --apply tests: $PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
