#!/usr/bin/env bash
# End-to-end tests of `vigil collect` against the loopback AWS server (tests/aws/fake_aws.py),
# through libcurl: the realistic account against its golden inventory and exact call counts,
# injected faults, malformed responses, every credential source, and secrets kept out of output.
#   VIGIL=build/vigil bash tests/aws/collect_test.sh [UPDATE_GOLDEN=1]
set -u
source "$(dirname "$0")/lib.sh"
DATA="$ROOT/testdata/aws"

# A clean environment: no real AWS configuration or credentials leak in, no IMDS probing.
clean_env() {
  env -i PATH="$PATH" HOME="$WORK/home" AWS_EC2_METADATA_DISABLED=true \
    AWS_CONFIG_FILE="$WORK/home/config" AWS_SHARED_CREDENTIALS_FILE="$WORK/home/credentials" \
    VIGIL_AWS_BACKOFF_SCALE=0.01 "$@"
}
mkdir -p "$WORK/home"
: >"$WORK/home/config"
: >"$WORK/home/credentials"

with_keys() {
  clean_env AWS_ACCESS_KEY_ID="$KEY_ID" AWS_SECRET_ACCESS_KEY="$SECRET" AWS_REGION=us-east-1 "$@"
}

# Strips what changes from run to run: times and durations.
normalize() {
  python3 - "$1" <<'EOF'
import json, sys
inv = json.load(open(sys.argv[1]))
c = inv.get("collection", {})
for k in ("time", "durationSeconds"):
    c.pop(k, None)
print(json.dumps(inv, indent=1, sort_keys=False))
EOF
}

golden() {  # name actual-file
  local want="$DATA/$1"
  if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
    cp "$2" "$want"
    ok "$1 (updated)"
    return
  fi
  if diff -u "$want" "$2" >"$WORK/diff" 2>&1; then ok "$1"; else bad "$1" "$(cat "$WORK/diff")"; fi
}

calls_logged() { wc -l <"$WORK/calls.jsonl" | tr -d ' '; }

# --- 1. The realistic account ------------------------------------------------------------
start_server "$DATA/realistic.json"
with_keys "$VIGIL" collect --endpoint-url "$URL" --progress never -o "$WORK/inv.json" \
  --raw-dir "$WORK/raw" 2>"$WORK/err"
rc=$?
[ $rc -eq 0 ] && ok "realistic: exit 0" || bad "realistic: exit $rc" "$(cat "$WORK/err")"
normalize "$WORK/inv.json" >"$WORK/inv.norm.json"
golden realistic.inventory.json "$WORK/inv.norm.json"
# The call count the inventory reports is the number of requests the server saw, and both are
# the exact number the collection plan needs (the golden pins the per-API counts).
reported=$(python3 -c "import json;print(json.load(open('$WORK/inv.json'))['collection']['totalCalls'])")
seen=$(calls_logged)
[ "$reported" = "$seen" ] && ok "realistic: $seen calls, as the server counted" \
  || bad "realistic: the inventory reports $reported calls, the server saw $seen"
grep -q "collected account 111111111111 in 3 regions" "$WORK/err" && ok "realistic: summary line" \
  || bad "realistic: summary line" "$(cat "$WORK/err")"

# Offline rebuild from the raw responses gives the same inventory.
clean_env "$VIGIL" collect --from-raw "$WORK/raw/raw-account.json" -o "$WORK/inv2.json"
normalize "$WORK/inv2.json" >"$WORK/inv2.norm.json"
if diff -q <(grep -v durationSeconds "$WORK/inv.norm.json") "$WORK/inv2.norm.json" >/dev/null; then
  ok "--from-raw rebuilds the same inventory"
else
  bad "--from-raw rebuilds the same inventory" "$(diff "$WORK/inv.norm.json" "$WORK/inv2.norm.json" | head)"
fi
n_raw=$(find "$WORK/raw" -type f ! -name raw-account.json | wc -l)
[ "$n_raw" = "$seen" ] && ok "--raw-dir keeps all $n_raw responses" || bad "--raw-dir kept $n_raw of $seen responses"

# The scan over the collected inventory runs the seed rule end to end.
"$VIGIL" scan --inventory "$WORK/inv.json" --rule D9.AWS.MON.09 --format json --no-history \
  >"$WORK/scan.json" 2>/dev/null
python3 - "$WORK/scan.json" >"$WORK/scan.txt" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
for f in r["findings"]:
    print(f["ruleId"], f["entityType"], f["entityId"], f["status"])
    for e in f["evidence"]:
        print("   ", e.get("path", ""), "|", e.get("note", ""))
EOF
golden realistic.scan-mon09.txt "$WORK/scan.txt"

# --- 2. Faults: throttling, 500s, Retry-After, AccessDenied --------------------------------
start_server "$DATA/faults.json"
with_keys "$VIGIL" collect --endpoint-url "$URL" --progress never -o "$WORK/faults.json" 2>"$WORK/err"
rc=$?
[ $rc -eq 0 ] && ok "faults: retried to completion, exit 0" || bad "faults: exit $rc" "$(cat "$WORK/err")"
normalize "$WORK/faults.json" >"$WORK/faults.norm.json"
golden faults.inventory.json "$WORK/faults.norm.json"
grep -q "permission gap: monitoring:DescribeAlarms in ap-southeast-2" "$WORK/err" \
  && ok "faults: AccessDenied reported as a permission gap" || bad "faults: gap line" "$(cat "$WORK/err")"

# --- 3. Bad responses: each is an error naming service, region and call; exit 3; the inventory
#        is still written and says it is incomplete --------------------------------------
mkdir -p "$WORK/scenarios"
for kind in html malformed truncated wrong_content_type http500; do
  python3 - "$DATA/realistic.json" "$WORK/scenarios/bad-$kind.json" "$kind" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
s["faults"] = [{"service": "logs", "operation": "DescribeMetricFilters", "region": "eu-west-1",
                "kind": sys.argv[3]}]
json.dump(s, open(sys.argv[2], "w"))
EOF
  start_server "$WORK/scenarios/bad-$kind.json"
  with_keys "$VIGIL" collect --endpoint-url "$URL" --progress never -o "$WORK/bad.json" 2>"$WORK/err"
  rc=$?
  msg=$(grep "^error:" "$WORK/err" | head -1)
  complete=$(python3 -c "import json;print(json.load(open('$WORK/bad.json'))['collection']['complete'])" 2>/dev/null)
  if [ $rc -eq 3 ] && echo "$msg" | grep -q "logs DescribeMetricFilters in eu-west-1" && [ "$complete" = False ]; then
    ok "bad response ($kind): exit 3, '$msg'"
  else
    bad "bad response ($kind): exit $rc complete=$complete" "$(cat "$WORK/err")"
  fi
done

# Clock skew: the server's clock runs 15 minutes ahead; vigil takes the offset from the
# response's Date header, signs again and completes.
python3 -c "import json,sys;s=json.load(open(sys.argv[1]));s['clockOffsetSeconds']=900;json.dump(s,open(sys.argv[2],'w'))" \
  "$DATA/realistic.json" "$WORK/scenarios/skew.json"
start_server "$WORK/scenarios/skew.json"
with_keys "$VIGIL" collect --endpoint-url "$URL" --progress never --regions us-east-1 -o "$WORK/skew.json" 2>"$WORK/err"
rc=$?
skewed=$(python3 -c "import json,sys;print(sum(1 for l in open(sys.argv[1]) if json.loads(l)['operation'] == 'GetCallerIdentity' and json.loads(l)['status'] != 200))" "$WORK/calls.jsonl")
if [ $rc -eq 0 ] && [ "$skewed" -ge 1 ]; then ok "clock skew: corrected from the Date header after $skewed refused call(s)"
else bad "clock skew: exit $rc, $skewed refused calls" "$(cat "$WORK/err")"; fi

# Expired credentials: static keys cannot be refreshed, so the error says so and names the call.
start_server "$DATA/realistic.json"
clean_env AWS_ACCESS_KEY_ID=ASIAVIGILTESTEXPIRED AWS_SECRET_ACCESS_KEY='vigil/TEST+fixture+secret+expired+session' \
  AWS_SESSION_TOKEN=vigil-test-expired-session-token AWS_REGION=us-east-1 \
  "$VIGIL" collect --endpoint-url "$URL" --progress never -o "$WORK/expired.json" 2>"$WORK/err"
rc=$?
if [ $rc -eq 3 ] && grep -q "sts GetCallerIdentity in us-east-1: ExpiredToken" "$WORK/err" && [ ! -e "$WORK/expired.json" ]; then
  ok "expired credentials: $(head -1 "$WORK/err")"
else
  bad "expired credentials: exit $rc" "$(cat "$WORK/err")"
fi

# --- 4. Credential sources -----------------------------------------------------------------
start_server "$DATA/realistic.json"
identity() {  # inventory file -> caller ARN and credential source
  python3 -c "import json,sys;c=json.load(open(sys.argv[1]))['collection'];print(c['callerIdentity']['arn'], '|', c['credentialSource'])" "$1"
}
run_collect() {  # env assignments..., then "--", then collect options...
  local envs=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  clean_env "${envs[@]}" "$VIGIL" collect --endpoint-url "$URL" --progress never \
    --regions us-east-1 -o "$WORK/cred.json" "$@" 2>"$WORK/err"
}
expect_identity() {  # name, expected pattern, then as run_collect
  local name="$1" want="$2"
  shift 2
  rm -f "$WORK/cred.json"
  run_collect "$@"
  local rc=$? got
  got=$(identity "$WORK/cred.json" 2>/dev/null)
  if [ $rc -eq 0 ] && echo "$got" | grep -q -- "$want"; then ok "credentials: $name ($got)"
  else bad "credentials: $name: exit $rc, got '$got'" "$(cat "$WORK/err")"; fi
}
expect_error() {  # name, expected exit code, expected message pattern, then as run_collect
  local name="$1" want_rc="$2" want="$3"
  shift 3
  run_collect "$@"
  local rc=$?
  if [ $rc -eq "$want_rc" ] && grep -q -- "$want" "$WORK/err"; then ok "$name: $(grep -m1 error "$WORK/err")"
  else bad "$name: exit $rc (want $want_rc)" "$(cat "$WORK/err")"; fi
}

# Shared credentials file, selected with --profile (environment keys must then be ignored).
cat >"$WORK/home/credentials" <<EOF
[audit]
aws_access_key_id = $KEY_ID
aws_secret_access_key = $SECRET
EOF
cat >"$WORK/home/config" <<EOF
[profile audit]
region = us-east-1

[profile assumer]
role_arn = arn:aws:iam::111111111111:role/vigil-audit
source_profile = audit
external_id = vigil-test-external-id
role_session_name = vigil-e2e
region = us-east-1

[profile wrong-external-id]
role_arn = arn:aws:iam::111111111111:role/vigil-audit
source_profile = audit
external_id = not-the-right-one
region = us-east-1

[profile process]
credential_process = "$WORK/cred process.sh" --account 111111111111
region = us-east-1

[profile failing-process]
credential_process = sh -c "echo 'token service unavailable' >&2; echo '{\"SecretAccessKey\": \"LEAKED-STDOUT\"}'; exit 3"
region = us-east-1

[profile web]
role_arn = arn:aws:iam::111111111111:role/vigil-ci
web_identity_token_file = $WORK/web-token
region = us-east-1

[profile sso]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Auditor
region = us-east-1

[sso-session corp]
sso_region = us-east-1
sso_start_url = https://corp.awsapps.com/start

[profile loop-a]
role_arn = arn:aws:iam::111111111111:role/vigil-audit
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::111111111111:role/vigil-audit
source_profile = loop-a
EOF
cat >"$WORK/cred process.sh" <<EOF
#!/bin/sh
[ "\$1" = --account ] && [ "\$2" = 111111111111 ] || exit 9
echo '{"Version": 1, "AccessKeyId": "$KEY_ID", "SecretAccessKey": "$SECRET"}'
EOF
chmod +x "$WORK/cred process.sh"
printf 'vigil-test-web-identity-token' >"$WORK/web-token"


expect_identity "environment variables" "user/auditor.*environment" \
  AWS_ACCESS_KEY_ID="$KEY_ID" AWS_SECRET_ACCESS_KEY="$SECRET" AWS_REGION=us-east-1 --
expect_identity "shared credentials file (--profile wins over environment keys)" \
  "user/auditor.*profile audit" AWS_ACCESS_KEY_ID=AKIAWRONGWRONGWRONG AWS_SECRET_ACCESS_KEY=wrong -- \
  --profile audit
expect_identity "AWS_PROFILE" "user/auditor.*profile audit" AWS_PROFILE=audit --
expect_identity "assume role (source_profile, external_id, role_session_name)" \
  "assumed-role/vigil-audit/vigil-e2e.*assume role" -- --profile assumer
expect_identity "credential_process (quoted path with a space, arguments)" \
  "user/auditor.*credential_process" -- --profile process
expect_identity "web identity token file (profile)" "assumed-role/vigil-ci/.*web identity" -- \
  --profile web
expect_identity "web identity token file (environment)" "assumed-role/vigil-ci/.*web identity" \
  AWS_WEB_IDENTITY_TOKEN_FILE="$WORK/web-token" AWS_ROLE_ARN=arn:aws:iam::111111111111:role/vigil-ci \
  AWS_REGION=us-east-1 --
expect_identity "container credentials (full URI, authorization token)" "assumed-role/vigil-task/.*container" \
  AWS_CONTAINER_CREDENTIALS_FULL_URI="$URL/container-credentials" \
  AWS_CONTAINER_AUTHORIZATION_TOKEN=vigil-test-container-auth-token AWS_REGION=us-east-1 --
printf 'vigil-test-container-auth-token\n' >"$WORK/container-token"
expect_identity "container credentials (authorization token file)" "assumed-role/vigil-task/.*container" \
  AWS_CONTAINER_CREDENTIALS_FULL_URI="$URL/container-credentials" \
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$WORK/container-token" AWS_REGION=us-east-1 --
expect_identity "EC2 instance metadata (IMDSv2)" "assumed-role/vigil-ec2-collector/.*instance metadata" \
  AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT="$URL" AWS_REGION=us-east-1 --

# SSO: the token cached by `aws sso login` is read; a missing or expired one says what to do.
expect_error "SSO without a cached token" 3 "aws sso login --profile sso" -- --profile sso
mkdir -p "$WORK/home/.aws/sso/cache"
printf '{"accessToken": "x", "expiresAt": "2020-01-01T00:00:00Z"}' \
  >"$WORK/home/.aws/sso/cache/$(printf corp | sha1sum | cut -c1-40).json"
expect_error "SSO with an expired cached token" 3 "has expired; run 'aws sso login" -- --profile sso

# Configured providers that fail are errors, not a fall-through to the next provider.
expect_error "missing profile" 2 "the profile 'nope' is in neither" -- --profile nope
expect_error "assume role with the wrong external id" 3 "assume role arn:aws:iam::111111111111:role/vigil-audit" \
  -- --profile wrong-external-id
expect_error "failing credential_process shows its stderr" 3 "exited with status 3: token service unavailable" \
  -- --profile failing-process
if grep -q LEAKED-STDOUT "$WORK/err"; then bad "credential_process stdout leaked into the error"
else ok "credential_process stdout is never shown"; fi
expect_error "source_profile loop" 2 "loops back" -- --profile loop-a
expect_error "wrong secret" 3 "SignatureDoesNotMatch\|InvalidSignatureException" \
  AWS_ACCESS_KEY_ID="$KEY_ID" AWS_SECRET_ACCESS_KEY=not-the-secret AWS_REGION=us-east-1 --
expect_error "no credentials at all" 2 "no AWS credentials found" AWS_REGION=us-east-1 --
clean_env AWS_ACCESS_KEY_ID="$KEY_ID" AWS_SECRET_ACCESS_KEY="$SECRET" "$VIGIL" collect \
  --endpoint-url "$URL" --progress never -o "$WORK/x.json" 2>"$WORK/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "no AWS region" "$WORK/err"; then ok "no region: $(cat "$WORK/err")"
else bad "no region: exit $rc" "$(cat "$WORK/err")"; fi
expect_error "FIPS endpoints are refused, not ignored" 2 "FIPS" AWS_USE_FIPS_ENDPOINT=true \
  AWS_ACCESS_KEY_ID="$KEY_ID" AWS_SECRET_ACCESS_KEY="$SECRET" AWS_REGION=us-east-1 --

# --- 5. Endpoints from AWS_ENDPOINT_URL and from a services section ------------------------
clean_env AWS_ENDPOINT_URL="$URL" AWS_ACCESS_KEY_ID="$KEY_ID" AWS_SECRET_ACCESS_KEY="$SECRET" \
  AWS_REGION=us-east-1 "$VIGIL" collect --progress never --regions us-east-1 -o "$WORK/ep.json" 2>"$WORK/err"
rc=$?
[ $rc -eq 0 ] && ok "endpoint from AWS_ENDPOINT_URL" || bad "endpoint from AWS_ENDPOINT_URL: exit $rc" "$(cat "$WORK/err")"
{
  printf '\n[profile local]\nregion = us-east-1\nservices = loopback\n'
  printf 'aws_access_key_id = %s\naws_secret_access_key = %s\n\n[services loopback]\n' "$KEY_ID" "$SECRET"
  for s in cloudtrail cloudwatch_logs cloudwatch sns config_service sts ec2; do
    printf '%s =\n  endpoint_url = %s\n' "$s" "$URL"
  done
} >>"$WORK/home/config"
clean_env AWS_PROFILE=local "$VIGIL" collect --progress never --regions us-east-1 -o "$WORK/ep.json" 2>"$WORK/err"
rc=$?
[ $rc -eq 0 ] && ok "endpoint from a [services] section" || bad "endpoint from a [services] section: exit $rc" "$(cat "$WORK/err")"

# An unreachable endpoint: retried, then an error naming the call; nothing written.
rm -f "$WORK/none.json"
with_keys "$VIGIL" collect --endpoint-url http://127.0.0.1:9 --progress never --connect-timeout 1 \
  -o "$WORK/none.json" 2>"$WORK/err"
rc=$?
if [ $rc -eq 3 ] && grep -q "sts GetCallerIdentity in us-east-1: .*could not connect" "$WORK/err" && [ ! -e "$WORK/none.json" ]; then
  ok "unreachable endpoint: $(head -1 "$WORK/err")"
else
  bad "unreachable endpoint: exit $rc" "$(cat "$WORK/err")"
fi

# --- 6. scan --live collects and scans in one step, with the same findings ----------------
start_server "$DATA/realistic.json"
with_keys "$VIGIL" scan --live --endpoint-url "$URL" --progress never --no-history --format json \
  --save-inventory "$WORK/live-inv.json" >"$WORK/live.json" 2>"$WORK/err"
rc=$?
"$VIGIL" scan --inventory "$WORK/inv.json" --no-history --format json >"$WORK/file.json" 2>/dev/null
strip_time() { python3 -c "import json,sys;d=json.load(open(sys.argv[1]));d.pop('scanTime',None);print(json.dumps(d['findings']))" "$1"; }
if [ $rc -eq 1 ] && [ "$(strip_time "$WORK/live.json")" = "$(strip_time "$WORK/file.json")" ] && [ -s "$WORK/live-inv.json" ]; then
  ok "scan --live: the same findings as collect + scan (exit 1: rules failed)"
else
  bad "scan --live: exit $rc" "$(cat "$WORK/err")"
fi

# --- 7. Secrets never appear in output, errors or raw responses ----------------------------
if grep -rqF -e "$SECRET" -e "vigil-test-container-auth-token" -e "vigil-test-web-identity-token" \
     "$WORK"/*.json "$WORK/raw" "$WORK/err" 2>/dev/null; then
  bad "a secret appears in an output file"
else
  ok "no secret in inventories, raw responses or messages"
fi

echo "collect tests: $PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
