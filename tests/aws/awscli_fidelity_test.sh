#!/usr/bin/env bash
# Proves that tests/aws/fake_aws.py answers like AWS. The real AWS CLI (an independent SigV4
# signer, request serializer, paginator, and response and error parser) drives every operation
# the collector and the remediation use, reads injected faults, and resolves credentials through
# its own providers (assume role, web identity, container, IMDS). curl checks the credential
# endpoints; tests/aws/aws_call.py checks, in one process, the server's answers that need no
# independent client (filters, error paths, raw bodies of faults, read-backs after writes).
#
# Loopback only, no real credentials; everything lives in one temporary directory that the EXIT
# trap removes with the servers. Exit 0 = all checks passed, 1 = a check failed, 77 = skipped (no
# AWS CLI). TIMING=1 prints the slowest commands; AWS_CLI=path tries another CLI build.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SERVER="$HERE/fake_aws.py"
CALL="$HERE/aws_call.py"
REALISTIC="$ROOT/testdata/aws/realistic.json"
FAULTS="$ROOT/testdata/aws/faults.json"
PY=${PYTHON:-python3}

if [ -n "${AWS_CLI:-}" ]; then AWS=$AWS_CLI   # to try another CLI build
elif [ -x /usr/bin/aws ]; then AWS=/usr/bin/aws
elif command -v aws >/dev/null 2>&1; then AWS=$(command -v aws)
else echo "SKIP: no AWS CLI (/usr/bin/aws or aws on PATH)"; exit 77; fi
AWS_VERSION=$("$AWS" --version 2>&1 | cut -d' ' -f1)
case "$AWS_VERSION" in
  aws-cli/1.*) PAGER_FLAG=() ;;             # v1 has no pager and no --no-cli-pager
  aws-cli/*) PAGER_FLAG=(--no-cli-pager) ;;
  *) echo "SKIP: $AWS does not run: $AWS_VERSION"; exit 77 ;;
esac
command -v curl >/dev/null 2>&1 || { echo "SKIP: curl is missing"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/vigil-awscli.XXXXXX")
SERVER_PIDS=()
cleanup() {
  for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${SERVER_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A clean AWS environment: nothing from the caller, no real credentials, no proxies, no IMDS.
for v in $(compgen -e); do
  case "$v" in AWS_*|HTTP_PROXY|HTTPS_PROXY|http_proxy|https_proxy|ALL_PROXY|all_proxy) unset "$v";; esac
done
export HOME="$T/home" AWS_CONFIG_FILE="$T/config" AWS_SHARED_CREDENTIALS_FILE="$T/credentials"
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER="" NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
mkdir -p "$HOME" "$T/r"
START=$EPOCHREALTIME

AKID=AKIAVIGILTEST0000001
SECRET='vigil/TEST+fixture+secret+NOT+a+real+key1'
ACCT=111111111111
TRAIL=arn:aws:cloudtrail:us-east-1:$ACCT:trail/prod-audit
ORGTRAIL=arn:aws:cloudtrail:us-east-1:999999999999:trail/org-trail
SEC=arn:aws:sns:us-east-1:$ACCT:security-alerts
NEWGROUP=arn:aws:logs:eu-west-1:$ACCT:log-group:CloudTrail/eu-new:*
CWLROLE=arn:aws:iam::$ACCT:role/CloudTrail_CloudWatchLogs_Role
TRUST='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'
CIS49='{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }'

# ---- servers: A realistic, B faults.json, C scratch copy for writes, D one fault per kind, E skew --
start_server() {  # NAME SCENARIO: starts fake_aws.py, sets PORT_<NAME>
  local name=$1 scenario=$2
  "$PY" "$SERVER" --scenario "$scenario" --port 0 --port-file "$T/$name.port" \
    --calls-log "$T/$name.calls" 2>"$T/$name.stderr" &
  SERVER_PIDS+=($!)
  for _ in $(seq 200); do
    [ -s "$T/$name.port" ] && break
    kill -0 "$!" 2>/dev/null || break
    sleep 0.05
  done
  if [ ! -s "$T/$name.port" ]; then
    echo "FAIL  server $name did not start:"; cat "$T/$name.stderr"; exit 1
  fi
  printf -v "PORT_$name" '%s' "$(cat "$T/$name.port")"
}

cp "$REALISTIC" "$T/scratch.json"
cat >"$T/kinds.json" <<EOF
{"extends": "$REALISTIC",
 "faults": [
  {"service": "cloudtrail", "operation": "DescribeTrails", "region": "us-east-1", "kind": "throttle"},
  {"service": "sns", "operation": "ListTopics", "region": "eu-west-1", "kind": "throttle"},
  {"service": "logs", "operation": "DescribeLogGroups", "region": "us-east-1", "kind": "expired_token"},
  {"service": "logs", "operation": "DescribeLogGroups", "region": "ap-southeast-2", "kind": "access_denied"},
  {"service": "ec2", "operation": "DescribeRegions", "kind": "html"},
  {"service": "sts", "operation": "GetCallerIdentity", "kind": "slow", "seconds": 1},
  {"service": "config", "operation": "DescribeConfigurationRecorders", "region": "eu-west-1", "kind": "truncated"},
  {"service": "config", "operation": "DescribeDeliveryChannels", "region": "eu-west-1", "kind": "malformed"},
  {"service": "monitoring", "operation": "DescribeAlarmsForMetric", "kind": "wrong_content_type"},
  {"service": "cloudtrail", "operation": "ListTrails", "kind": "retry_after", "status": 429},
  {"service": "organizations", "operation": "ListAccounts", "kind": "http503"},
  {"service": "sns", "operation": "GetTopicAttributes", "resource": "arn:aws:sns:us-east-1:111111111111:ops-pager", "kind": "access_denied"}
 ]}
EOF
printf '{"extends": "%s", "clockOffsetSeconds": 900}\n' "$REALISTIC" >"$T/skew.json"

start_server A "$REALISTIC"
start_server B "$FAULTS"
start_server C "$T/scratch.json"
start_server D "$T/kinds.json"
start_server E "$T/skew.json"

cat >"$AWS_SHARED_CREDENTIALS_FILE" <<EOF
[default]
aws_access_key_id = $AKID
aws_secret_access_key = $SECRET

[wrongsecret]
aws_access_key_id = $AKID
aws_secret_access_key = vigil/TEST+this+is+the+wrong+secret+000000

[unknownkey]
aws_access_key_id = AKIAVIGILTESTUNKNOWN
aws_secret_access_key = $SECRET

[expired]
aws_access_key_id = ASIAVIGILTESTEXPIRED
aws_secret_access_key = vigil/TEST+fixture+secret+expired+session
aws_session_token = vigil-test-expired-session-token
EOF
printf 'vigil-test-web-identity-token' >"$T/webid.token"
cat >"$AWS_CONFIG_FILE" <<EOF
[default]
region = us-east-1
cli_timestamp_format = iso8601

[profile wrongsecret]
region = us-east-1

[profile unknownkey]
region = us-east-1

[profile expired]
region = us-east-1

[profile audit]
role_arn = arn:aws:iam::$ACCT:role/vigil-audit
source_profile = default
external_id = vigil-test-external-id
role_session_name = vigil-fidelity
region = us-east-1

[profile audit-badext]
role_arn = arn:aws:iam::$ACCT:role/vigil-audit
source_profile = default
external_id = not-the-external-id
region = us-east-1

[profile webid]
role_arn = arn:aws:iam::$ACCT:role/vigil-ci
web_identity_token_file = $T/webid.token
role_session_name = vigil-fidelity-webid
region = us-east-1
EOF

# The CLI's credential providers build their own STS client, which --endpoint-url does not reach.
# Newer CLIs read AWS_ENDPOINT_URL_STS; for awscli 2.9, an endpoint rule set found through
# AWS_DATA_PATH sends STS (and only STS) to the loopback server.
mkdir -p "$T/data/sts/2011-06-15"
cat >"$T/data/sts/2011-06-15/endpoint-rule-set-1.json" <<EOF
{"version": "1.0",
 "parameters": {
  "Region": {"builtIn": "AWS::Region", "required": false, "type": "String"},
  "UseDualStack": {"builtIn": "AWS::UseDualStack", "required": true, "default": false, "type": "Boolean"},
  "UseFIPS": {"builtIn": "AWS::UseFIPS", "required": true, "default": false, "type": "Boolean"},
  "Endpoint": {"builtIn": "SDK::Endpoint", "required": false, "type": "String"},
  "UseGlobalEndpoint": {"builtIn": "AWS::STS::UseGlobalEndpoint", "required": true, "default": false, "type": "Boolean"}},
 "rules": [{"conditions": [], "type": "endpoint",
            "endpoint": {"url": "http://127.0.0.1:$PORT_A", "properties": {}, "headers": {}}}]}
EOF
STS_ENV=(AWS_DATA_PATH="$T/data" AWS_ENDPOINT_URL_STS="http://127.0.0.1:$PORT_A")

# ---- running commands in parallel -------------------------------------------------------------
MAXJOBS=$(( $(nproc 2>/dev/null || echo 2) + 1 ))
RUN_PIDS=()
run() {  # ID CMD...: runs in the background; stdout, stderr and exit code land in $T/r/ID.*
  local id=$1; shift
  while [ "$(jobs -rp | wc -l)" -ge $(( MAXJOBS + ${#SERVER_PIDS[@]} )) ]; do wait -n 2>/dev/null || true; done
  ( t0=$EPOCHREALTIME; "$@" >"$T/r/$id.out" 2>"$T/r/$id.err" </dev/null; echo $? >"$T/r/$id.rc"
    echo "$id $t0 $EPOCHREALTIME" >>"$T/timing" ) &
  RUN_PIDS+=($!)
}
finish_runs() { for pid in "${RUN_PIDS[@]}"; do wait "$pid" 2>/dev/null; done; RUN_PIDS=(); }
step() {  # ID CMD...: runs in the foreground (inside an ordered chain)
  local id=$1; shift
  "$@" >"$T/r/$id.out" 2>"$T/r/$id.err" </dev/null; echo $? >"$T/r/$id.rc"
}
cli() {  # SERVER REGION ARGS...: the AWS CLI against one server
  local port_var="PORT_$1" region=$2; shift 2
  "$AWS" --endpoint-url "http://127.0.0.1:${!port_var}" --region "$region" "${PAGER_FLAG[@]}" --output json "$@"
}
cli1() { AWS_MAX_ATTEMPTS=1 cli "$@"; }  # no retries: the first error is the answer
raw() {  # SERVER BATCH: tests/aws/aws_call.py with the test key
  local port_var="PORT_$1"
  "$PY" "$CALL" --port "${!port_var}" --key "$AKID" --secret "$SECRET" "$2"
}

# ---- batches for aws_call.py --------------------------------------------------------------------
cat >"$T/batch_a.json" <<EOF
[
 {"id": "regions_named", "service": "ec2", "region": "us-east-1", "op": "DescribeRegions",
  "params": {"RegionName.1": "me-south-1", "RegionName.2": "eu-west-1"}},
 {"id": "regions_filter", "service": "ec2", "region": "us-east-1", "op": "DescribeRegions",
  "params": {"AllRegions": "true", "Filter.1.Name": "opt-in-status", "Filter.1.Value.1": "not-opted-in"}},
 {"id": "trails_apse2", "service": "cloudtrail", "region": "ap-southeast-2", "op": "DescribeTrails"},
 {"id": "trails_noshadow", "service": "cloudtrail", "region": "eu-west-1", "op": "DescribeTrails", "params": {"includeShadowTrails": false}},
 {"id": "trails_byname", "service": "cloudtrail", "region": "eu-west-1", "op": "DescribeTrails", "params": {"trailNameList": ["prod-audit", "$TRAIL"]}},
 {"id": "status_org", "service": "cloudtrail", "region": "us-east-1", "op": "GetTrailStatus", "params": {"Name": "$ORGTRAIL"}},
 {"id": "sel_adv", "service": "cloudtrail", "region": "eu-west-1", "op": "GetEventSelectors", "params": {"TrailName": "eu-data-events"}},
 {"id": "sel_org", "service": "cloudtrail", "region": "us-east-1", "op": "GetEventSelectors", "params": {"TrailName": "$ORGTRAIL"}},
 {"id": "subs_pending", "service": "sns", "region": "us-east-1", "op": "ListSubscriptionsByTopic", "params": {"TopicArn": "arn:aws:sns:us-east-1:$ACCT:cloudtrail-alerts"}},
 {"id": "recst_use1", "service": "config", "region": "us-east-1", "op": "DescribeConfigurationRecorderStatus"},
 {"id": "status_name_away", "service": "cloudtrail", "region": "eu-west-1", "op": "GetTrailStatus", "params": {"Name": "prod-audit"}},
 {"id": "status_badarn", "service": "cloudtrail", "region": "us-east-1", "op": "GetTrailStatus", "params": {"Name": "arn:aws:s3:::bucket"}},
 {"id": "update_away", "service": "cloudtrail", "region": "eu-west-1", "op": "UpdateTrail",
  "params": {"Name": "$TRAIL", "CloudWatchLogsLogGroupArn": "$NEWGROUP", "CloudWatchLogsRoleArn": "$CWLROLE"}},
 {"id": "update_norole", "service": "cloudtrail", "region": "eu-west-1", "op": "UpdateTrail",
  "params": {"Name": "eu-data-events", "CloudWatchLogsLogGroupArn": "arn:aws:logs:eu-west-1:$ACCT:log-group:app/eu/worker:*"}},
 {"id": "update_missing_group", "service": "cloudtrail", "region": "eu-west-1", "op": "UpdateTrail",
  "params": {"Name": "eu-data-events", "CloudWatchLogsLogGroupArn": "$NEWGROUP", "CloudWatchLogsRoleArn": "$CWLROLE"}},
 {"id": "groups_prefix", "service": "logs", "region": "us-east-1", "op": "DescribeLogGroups", "params": {"logGroupNamePrefix": "app/"}},
 {"id": "groups_badlimit", "service": "logs", "region": "us-east-1", "op": "DescribeLogGroups", "params": {"limit": 51}},
 {"id": "filters_euw1", "service": "logs", "region": "eu-west-1", "op": "DescribeMetricFilters", "params": {"limit": 50}},
 {"id": "filters_prefix", "service": "logs", "region": "us-east-1", "op": "DescribeMetricFilters", "params": {"logGroupName": "CloudTrail/prod", "filterNamePrefix": "cis-4.1"}},
 {"id": "filters_metric", "service": "logs", "region": "us-east-1", "op": "DescribeMetricFilters", "params": {"metricName": "RootAccountUsage", "metricNamespace": "CISBenchmark"}},
 {"id": "filters_badprefix", "service": "logs", "region": "us-east-1", "op": "DescribeMetricFilters", "params": {"filterNamePrefix": "cis"}},
 {"id": "filters_halfmetric", "service": "logs", "region": "us-east-1", "op": "DescribeMetricFilters", "params": {"metricName": "RootAccountUsage"}},
 {"id": "filters_nogroup", "service": "logs", "region": "us-east-1", "op": "DescribeMetricFilters", "params": {"logGroupName": "no-such-group"}},
 {"id": "filters_badtoken", "service": "logs", "region": "us-east-1", "op": "DescribeMetricFilters", "params": {"nextToken": "not-a-token"}},
 {"id": "filters_page1", "service": "logs", "region": "us-east-1", "op": "DescribeMetricFilters"},
 {"id": "put_filter_nogroup", "service": "logs", "region": "us-east-1", "op": "PutMetricFilter",
  "params": {"logGroupName": "no-such-group", "filterName": "x", "filterPattern": "ERROR",
             "metricTransformations": [{"metricName": "X", "metricNamespace": "Y", "metricValue": "1"}]}},
 {"id": "put_filter_badpattern", "service": "logs", "region": "us-east-1", "op": "PutMetricFilter",
  "params": {"logGroupName": "CloudTrail/prod", "filterName": "x", "filterPattern": "{ (\$.eventName = X ",
             "metricTransformations": [{"metricName": "X", "metricNamespace": "Y", "metricValue": "1"}]}},
 {"id": "create_group_again", "service": "logs", "region": "us-east-1", "op": "CreateLogGroup", "params": {"logGroupName": "CloudTrail/prod"}},
 {"id": "alarms_prefix", "service": "monitoring", "region": "us-east-1", "op": "DescribeAlarms", "params": {"AlarmNamePrefix": "cis-4.1"}},
 {"id": "alarms_state", "service": "monitoring", "region": "us-east-1", "op": "DescribeAlarms", "params": {"StateValue": "ALARM"}},
 {"id": "alarms_comp", "service": "monitoring", "region": "us-east-1", "op": "DescribeAlarms", "params": {"AlarmTypes.member.1": "CompositeAlarm"}},
 {"id": "alarms_both", "service": "monitoring", "region": "us-east-1", "op": "DescribeAlarms", "params": {"AlarmNames.member.1": "a", "AlarmNamePrefix": "a"}},
 {"id": "alarms_badtoken", "service": "monitoring", "region": "us-east-1", "op": "DescribeAlarms", "params": {"NextToken": "not-a-token"}},
 {"id": "alarms_page1", "service": "monitoring", "region": "us-east-1", "op": "DescribeAlarms"},
 {"id": "cbor_alarms", "service": "monitoring", "region": "us-east-1", "op": "DescribeAlarms", "protocol": "cbor",
  "params": {"AlarmNamePrefix": "cis-4.1", "MaxRecords": 1}},
 {"id": "cbor_badtoken", "service": "monitoring", "region": "us-east-1", "op": "DescribeAlarms", "protocol": "cbor",
  "params": {"NextToken": "not-a-token"}},
 {"id": "cbor_garbage", "service": "monitoring", "region": "us-east-1", "op": "DescribeAlarms", "protocol": "cbor",
  "params": "not a map"},
 {"id": "json10_for_metric", "service": "monitoring", "region": "us-east-1", "op": "DescribeAlarmsForMetric", "protocol": "json10",
  "params": {"MetricName": "Api5xx", "Namespace": "App", "Dimensions": [{"Name": "Service", "Value": "api"}]}},
 {"id": "alarm_xregion", "service": "monitoring", "region": "eu-west-1", "op": "PutMetricAlarm",
  "params": {"AlarmName": "bad", "MetricName": "M", "Namespace": "N", "Statistic": "Sum", "Period": "300", "Threshold": "1",
             "ComparisonOperator": "GreaterThanThreshold", "EvaluationPeriods": "1", "AlarmActions.member.1": "$SEC"}},
 {"id": "alarm_noop", "service": "monitoring", "region": "eu-west-1", "op": "PutMetricAlarm",
  "params": {"AlarmName": "bad", "MetricName": "M", "Namespace": "N", "Statistic": "Sum", "Period": "300", "Threshold": "1", "EvaluationPeriods": "1"}},
 {"id": "subs_missing", "service": "sns", "region": "us-east-1", "op": "ListSubscriptionsByTopic", "params": {"TopicArn": "arn:aws:sns:us-east-1:$ACCT:no-such-topic"}},
 {"id": "subs_xregion", "service": "sns", "region": "us-east-1", "op": "ListSubscriptionsByTopic", "params": {"TopicArn": "arn:aws:sns:eu-west-1:$ACCT:eu-ops"}},
 {"id": "attrs_foreign", "service": "sns", "region": "us-east-1", "op": "GetTopicAttributes", "params": {"TopicArn": "arn:aws:sns:us-east-1:222222222222:secops-central"}},
 {"id": "subscribe_foreign", "service": "sns", "region": "us-east-1", "op": "Subscribe",
  "params": {"TopicArn": "arn:aws:sns:us-east-1:222222222222:secops-central", "Protocol": "email", "Endpoint": "a@example.com"}},
 {"id": "subscribe_badproto", "service": "sns", "region": "us-east-1", "op": "Subscribe",
  "params": {"TopicArn": "$SEC", "Protocol": "pigeon", "Endpoint": "a@example.com"}},
 {"id": "topics_page1", "service": "sns", "region": "us-east-1", "op": "ListTopics"},
 {"id": "rec_apse2", "service": "config", "region": "ap-southeast-2", "op": "DescribeConfigurationRecorders"},
 {"id": "recst_euw1", "service": "config", "region": "eu-west-1", "op": "DescribeConfigurationRecorderStatus"},
 {"id": "rec_badname", "service": "config", "region": "us-east-1", "op": "DescribeConfigurationRecorders", "params": {"ConfigurationRecorderNames": ["nope"]}},
 {"id": "channels_apse2", "service": "config", "region": "ap-southeast-2", "op": "DescribeDeliveryChannels"},
 {"id": "accounts_max1", "service": "organizations", "region": "us-east-1", "op": "ListAccounts", "params": {"MaxResults": 1}},
 {"id": "accounts_max21", "service": "organizations", "region": "us-east-1", "op": "ListAccounts", "params": {"MaxResults": 21}},
 {"id": "optout_sts", "service": "sts", "region": "me-south-1", "op": "GetCallerIdentity"},
 {"id": "optout_ec2", "service": "ec2", "region": "me-south-1", "op": "DescribeRegions"},
 {"id": "unlisted_region", "service": "logs", "region": "us-west-2", "op": "DescribeLogGroups"},
 {"id": "expired_ct", "service": "cloudtrail", "region": "us-east-1", "op": "DescribeTrails",
  "key": "ASIAVIGILTESTEXPIRED", "secret": "vigil/TEST+fixture+secret+expired+session", "token": "vigil-test-expired-session-token"},
 {"id": "static_with_token", "service": "logs", "region": "us-east-1", "op": "DescribeLogGroups", "token": "not-my-token"},
 {"id": "unsigned_query", "service": "sts", "region": "us-east-1", "op": "GetCallerIdentity", "unsigned": true},
 {"id": "unsigned_json", "service": "cloudtrail", "region": "us-east-1", "op": "DescribeTrails", "unsigned": true},
 {"id": "unknown_action", "service": "sns", "region": "us-east-1", "op": "DescribeAlarms"},
 {"id": "unknown_target", "service": "cloudtrail", "region": "us-east-1", "op": "LookupEvents"},
 {"id": "ec2_wrong_secret", "service": "ec2", "region": "us-east-1", "op": "DescribeRegions", "secret": "wrong"},
 {"id": "skew_past", "service": "sts", "region": "us-east-1", "op": "GetCallerIdentity", "clockSkew": -600},
 {"id": "skew_future", "service": "logs", "region": "us-east-1", "op": "DescribeLogGroups", "clockSkew": 600},
 {"id": "skew_ec2", "service": "ec2", "region": "us-east-1", "op": "DescribeRegions", "clockSkew": 600},
 {"id": "skew_small", "service": "sts", "region": "us-east-1", "op": "GetCallerIdentity", "clockSkew": -240},
 {"id": "assume_short", "service": "sts", "region": "us-east-1", "op": "AssumeRole",
  "params": {"RoleArn": "arn:aws:iam::$ACCT:role/vigil-audit", "RoleSessionName": "s1", "ExternalId": "vigil-test-external-id", "DurationSeconds": "600"}},
 {"id": "assume_noext", "service": "sts", "region": "us-east-1", "op": "AssumeRole",
  "params": {"RoleArn": "arn:aws:iam::$ACCT:role/vigil-audit", "RoleSessionName": "s1"}},
 {"id": "assume_unknown", "service": "sts", "region": "us-east-1", "op": "AssumeRole",
  "params": {"RoleArn": "arn:aws:iam::$ACCT:role/no-such-role", "RoleSessionName": "s1"}},
 {"id": "assume_ok", "service": "sts", "region": "eu-west-1", "op": "AssumeRole",
  "params": {"RoleArn": "arn:aws:iam::$ACCT:role/vigil-audit", "RoleSessionName": "batch", "ExternalId": "vigil-test-external-id", "DurationSeconds": "43200"}},
 {"id": "assumed_identity", "service": "sts", "region": "eu-west-1", "op": "GetCallerIdentity", "credsFrom": "assume_ok"},
 {"id": "assumed_no_token", "service": "sts", "region": "eu-west-1", "op": "GetCallerIdentity", "credsFrom": "assume_ok", "dropToken": true},
 {"id": "assumed_trails", "service": "cloudtrail", "region": "eu-west-1", "op": "DescribeTrails", "credsFrom": "assume_ok"},
 {"id": "webid_badtoken", "service": "sts", "region": "us-east-1", "op": "AssumeRoleWithWebIdentity", "unsigned": true,
  "params": {"RoleArn": "arn:aws:iam::$ACCT:role/vigil-ci", "RoleSessionName": "s2", "WebIdentityToken": "wrong"}},
 {"id": "webid_norole", "service": "sts", "region": "us-east-1", "op": "AssumeRoleWithWebIdentity", "unsigned": true,
  "params": {"RoleArn": "arn:aws:iam::$ACCT:role/vigil-audit", "RoleSessionName": "s2", "WebIdentityToken": "vigil-test-web-identity-token"}}
]
EOF
cat >"$T/batch_c.json" <<EOF
[
 {"id": "filter_back", "service": "logs", "region": "eu-west-1", "op": "DescribeMetricFilters", "params": {"logGroupName": "CloudTrail/eu-new"}},
 {"id": "subs_back", "service": "sns", "region": "eu-west-1", "op": "ListSubscriptionsByTopic", "params": {"TopicArn": "arn:aws:sns:eu-west-1:$ACCT:cis-alarms"}},
 {"id": "subscribe_again", "service": "sns", "region": "eu-west-1", "op": "Subscribe",
  "params": {"TopicArn": "arn:aws:sns:eu-west-1:$ACCT:cis-alarms", "Protocol": "email", "Endpoint": "security@example.com", "ReturnSubscriptionArn": "true"}},
 {"id": "alarm_back", "service": "monitoring", "region": "eu-west-1", "op": "DescribeAlarms", "params": {"AlarmNames.member.1": "cis-4.9-config-changes"}},
 {"id": "trail_back", "service": "cloudtrail", "region": "eu-west-1", "op": "DescribeTrails", "params": {"trailNameList": ["eu-data-events"]}},
 {"id": "groups_back", "service": "logs", "region": "eu-west-1", "op": "DescribeLogGroups", "params": {"logGroupNamePrefix": "CloudTrail/"}},
 {"id": "actions_back", "service": "monitoring", "region": "us-east-1", "op": "DescribeAlarms", "params": {"AlarmNames.member.1": "cis-4.4-iam-policy-changes"}},
 {"id": "role_again", "service": "iam", "region": "us-east-1", "op": "CreateRole",
  "params": {"RoleName": "vigil-cwl-delivery", "AssumeRolePolicyDocument": "{\"Statement\": []}"}},
 {"id": "policy_norole", "service": "iam", "region": "us-east-1", "op": "PutRolePolicy",
  "params": {"RoleName": "no-such-role", "PolicyName": "p", "PolicyDocument": "{\"Statement\": []}"}},
 {"id": "policy_malformed", "service": "iam", "region": "us-east-1", "op": "PutRolePolicy",
  "params": {"RoleName": "vigil-cwl-delivery", "PolicyName": "p", "PolicyDocument": "not json"}},
 {"id": "scenario_role", "service": "iam", "region": "us-east-1", "op": "GetRole", "params": {"RoleName": "vigil-audit"}},
 {"id": "cbor_put_alarm", "service": "monitoring", "region": "eu-west-1", "op": "PutMetricAlarm", "protocol": "cbor",
  "params": {"AlarmName": "cbor-math", "EvaluationPeriods": 1, "Threshold": 1.0, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
             "ActionsEnabled": false, "AlarmActions": ["arn:aws:sns:eu-west-1:$ACCT:cis-alarms"],
             "Metrics": [{"Id": "m1", "MetricStat": {"Metric": {"Namespace": "CISBenchmark", "MetricName": "AWSConfigChanges"}, "Period": 300, "Stat": "Sum"}, "ReturnData": false},
                         {"Id": "e1", "Expression": "FILL(m1, 0)", "ReturnData": true}]}},
 {"id": "cbor_alarm_back", "service": "monitoring", "region": "eu-west-1", "op": "DescribeAlarms", "protocol": "cbor",
  "params": {"AlarmNames": ["cbor-math"]}}
]
EOF
cat >"$T/batch_d.json" <<EOF
[
 {"id": "truncated", "service": "config", "region": "eu-west-1", "op": "DescribeConfigurationRecorders"},
 {"id": "malformed", "service": "config", "region": "eu-west-1", "op": "DescribeDeliveryChannels"},
 {"id": "wrong_ctype", "service": "monitoring", "region": "us-east-1", "op": "DescribeAlarmsForMetric", "params": {"MetricName": "Api5xx", "Namespace": "App"}},
 {"id": "html", "service": "ec2", "region": "us-east-1", "op": "DescribeRegions"},
 {"id": "retry_after", "service": "cloudtrail", "region": "us-east-1", "op": "ListTrails"},
 {"id": "unavailable", "service": "organizations", "region": "us-east-1", "op": "ListAccounts"},
 {"id": "slow", "service": "sts", "region": "us-east-1", "op": "GetCallerIdentity"},
 {"id": "sns_throttle", "service": "sns", "region": "eu-west-1", "op": "ListTopics"},
 {"id": "authz", "service": "sns", "region": "us-east-1", "op": "GetTopicAttributes", "params": {"TopicArn": "arn:aws:sns:us-east-1:$ACCT:ops-pager"}},
 {"id": "authz_other_topic", "service": "sns", "region": "us-east-1", "op": "GetTopicAttributes", "params": {"TopicArn": "$SEC"}},
 {"id": "ec2_ok_other_op_unaffected", "service": "cloudtrail", "region": "eu-west-1", "op": "DescribeTrails"}
]
EOF

# ---- ordered chains first (they are the longest) -----------------------------------------------
writes_chain() {  # server C, a scratch copy: each write, then the reads that show it
  step w_create_group cli C eu-west-1 logs create-log-group --log-group-name CloudTrail/eu-new
  step w_put_filter   cli C eu-west-1 logs put-metric-filter --log-group-name CloudTrail/eu-new \
    --filter-name cis-4.9-config-changes --filter-pattern "$CIS49" \
    --metric-transformations metricName=AWSConfigChanges,metricNamespace=CISBenchmark,metricValue=1
  step w_create_topic cli C eu-west-1 sns create-topic --name cis-alarms
  step w_sub_email    cli C eu-west-1 sns subscribe --topic-arn "arn:aws:sns:eu-west-1:$ACCT:cis-alarms" \
    --protocol email --notification-endpoint security@example.com
  step w_sub_https    cli C eu-west-1 sns subscribe --topic-arn "arn:aws:sns:eu-west-1:$ACCT:cis-alarms" \
    --protocol https --notification-endpoint https://hooks.example.com/vigil
  step w_put_alarm    cli C eu-west-1 cloudwatch put-metric-alarm --alarm-name cis-4.9-config-changes \
    --metric-name AWSConfigChanges --namespace CISBenchmark --statistic Sum --period 300 --threshold 1 \
    --comparison-operator GreaterThanOrEqualToThreshold --evaluation-periods 1 \
    --alarm-actions "arn:aws:sns:eu-west-1:$ACCT:cis-alarms"
  step w_update_trail cli C eu-west-1 cloudtrail update-trail --name eu-data-events \
    --cloud-watch-logs-log-group-arn "$NEWGROUP" --cloud-watch-logs-role-arn "$CWLROLE"
  step w_enable_actions cli C us-east-1 cloudwatch enable-alarm-actions --alarm-names cis-4.4-iam-policy-changes
  step w_create_role  cli C us-east-1 iam create-role --role-name vigil-cwl-delivery --assume-role-policy-document "$TRUST"
  step w_role_policy  cli C us-east-1 iam put-role-policy --role-name vigil-cwl-delivery --policy-name cwl-delivery \
    --policy-document '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}]}'
  step w_get_role     cli C us-east-1 iam get-role --role-name vigil-cwl-delivery
  step w_back raw C "$T/batch_c.json"
}
faults_chain() {  # server B: the first call uses up one of the two throttles, the second the other
  step f_throttle1 cli1 B eu-west-1 cloudwatch describe-alarms
  step f_throttle_retry cli B eu-west-1 cloudwatch describe-alarms
}
run w_chain writes_chain
run f_chain faults_chain
run f_500_retry   cli B us-east-1 logs describe-metric-filters
run f_retry_after cli B us-east-1 sns list-topics
run f_denied      cli1 B ap-southeast-2 cloudwatch describe-alarms

# ---- reads with the CLI (server A, realistic.json) ---------------------------------------------
run sts_id        cli A us-east-1 sts get-caller-identity
run regions       cli A us-east-1 ec2 describe-regions
run regions_all   cli A us-east-1 ec2 describe-regions --all-regions
run trails_use1   cli A us-east-1 cloudtrail describe-trails
run trails_euw1   cli A eu-west-1 cloudtrail describe-trails
run list_trails   cli A eu-west-1 cloudtrail list-trails
run status_home   cli A us-east-1 cloudtrail get-trail-status --name "$TRAIL"
run status_away   cli A eu-west-1 cloudtrail get-trail-status --name "$TRAIL"
run sel_home      cli A us-east-1 cloudtrail get-event-selectors --trail-name prod-audit
run groups        cli A us-east-1 logs describe-log-groups
run filters       cli A us-east-1 logs describe-metric-filters
run filters_pg1   cli A us-east-1 logs describe-metric-filters --page-size 1
run alarms        cli A us-east-1 cloudwatch describe-alarms
run alarms_names  cli A us-east-1 cloudwatch describe-alarms --alarm-names cis-4.4-iam-policy-changes cis-4.9-config-changes-math
run alarms_metric cli A us-east-1 cloudwatch describe-alarms-for-metric --metric-name Api5xx --namespace App \
  --dimensions Name=Service,Value=api
run topics        cli A us-east-1 sns list-topics
run subs_sec      cli A us-east-1 sns list-subscriptions-by-topic --topic-arn "$SEC"
run subs_ops      cli A us-east-1 sns list-subscriptions-by-topic --topic-arn "arn:aws:sns:us-east-1:$ACCT:ops-pager"
run subs_foreign  cli A us-east-1 sns list-subscriptions-by-topic --topic-arn arn:aws:sns:us-east-1:222222222222:secops-central
run topic_attrs   cli A us-east-1 sns get-topic-attributes --topic-arn "$SEC"
run rec_use1      cli A us-east-1 configservice describe-configuration-recorders
run channels      cli A us-east-1 configservice describe-delivery-channels
run accounts      cli A us-east-1 organizations list-accounts
run optout_ct     cli A me-south-1 cloudtrail describe-trails
run wrong_secret_sts  cli A us-east-1 --profile wrongsecret sts get-caller-identity
run wrong_secret_logs cli A us-east-1 --profile wrongsecret logs describe-log-groups
run unknown_key   cli A us-east-1 --profile unknownkey sts get-caller-identity
run expired_sts   cli A us-east-1 --profile expired sts get-caller-identity
run skew_sts      cli E us-east-1 sts get-caller-identity
run assume_profile env "${STS_ENV[@]}" "$AWS" --profile audit --endpoint-url "http://127.0.0.1:$PORT_A" --output json sts get-caller-identity
run assume_badext env "${STS_ENV[@]}" "$AWS" --profile audit-badext --endpoint-url "http://127.0.0.1:$PORT_A" --output json sts get-caller-identity
run webid_profile env "${STS_ENV[@]}" "$AWS" --profile webid --endpoint-url "http://127.0.0.1:$PORT_A" --output json sts get-caller-identity
run container_cli env AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=/dev/null \
  AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$PORT_A/container-credentials" \
  AWS_CONTAINER_AUTHORIZATION_TOKEN=vigil-test-container-auth-token \
  "$AWS" --endpoint-url "http://127.0.0.1:$PORT_A" --region us-east-1 --output json sts get-caller-identity
run imds_cli env AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=/dev/null AWS_EC2_METADATA_DISABLED=false \
  AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$PORT_A/" \
  "$AWS" --endpoint-url "http://127.0.0.1:$PORT_A" --region us-east-1 --output json sts get-caller-identity

# ---- fault kinds with the CLI (server D) ----------------------------------------------------------
run k_throttle    cli1 D us-east-1 cloudtrail describe-trails
run k_sns_throttle cli1 D eu-west-1 sns list-topics
run k_expired     cli D us-east-1 logs describe-log-groups
run k_denied_logs cli1 D ap-southeast-2 logs describe-log-groups
run k_html        cli1 D us-east-1 ec2 describe-regions

# ---- batches and curl ---------------------------------------------------------------------------
run batch_a raw A "$T/batch_a.json"
run batch_d raw D "$T/batch_d.json"
cat >"$T/batch_e.json" <<'EOF'
[{"id": "skew_future_logs", "service": "logs", "region": "us-east-1", "op": "DescribeLogGroups"},
 {"id": "in_sync", "service": "sts", "region": "us-east-1", "op": "GetCallerIdentity", "clockSkew": 900}]
EOF
run batch_e raw E "$T/batch_e.json"
curl_checks() {
  local base="http://127.0.0.1:$PORT_A" tok
  c() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
  echo "token_no_ttl=$(c -X PUT "$base/latest/api/token")"
  echo "token_get=$(c -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' "$base/latest/api/token")"
  tok=$(curl -s -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 21600' "$base/latest/api/token")
  echo "token_len=${#tok}"
  echo "role_no_token=$(c "$base/latest/meta-data/iam/security-credentials/")"
  echo "role_bad_token=$(c -H 'X-aws-ec2-metadata-token: bogus' "$base/latest/meta-data/iam/security-credentials/")"
  echo "role=$(curl -s -H "X-aws-ec2-metadata-token: $tok" "$base/latest/meta-data/iam/security-credentials/")"
  echo "other_role=$(c -H "X-aws-ec2-metadata-token: $tok" "$base/latest/meta-data/iam/security-credentials/other")"
  echo "imds=$(curl -s -H "X-aws-ec2-metadata-token: $tok" "$base/latest/meta-data/iam/security-credentials/vigil-ec2-collector" | tr -d '\n')"
  echo "container_no_auth=$(c "$base/container-credentials")"
  echo "container_bad_auth=$(c -H 'Authorization: wrong' "$base/container-credentials")"
  echo "container=$(curl -s -H 'Authorization: vigil-test-container-auth-token' "$base/container-credentials")"
}
run curl curl_checks

finish_runs

# ---- verdicts: recorded here, evaluated at the end by one Python process ------------------------
# section TITLE
# ok ID DESC EXPR   exit 0 and the Python expression EXPR holds. In EXPR: j = the command's stdout as
#                   JSON (or a dict of KEY=VALUE lines), S = realistic.json, region(name) = S's region,
#                   names(list, key), r(id) = one result of an aws_call.py batch, res(id) = its <OpResult>
# err ID DESC CODE  non-zero exit and the CLI names the error code CODE on stderr
# rerr BATCH CALL DESC CODE STATUS   an aws_call.py result with that error code and HTTP status
# grep ID DESC TEXT non-zero exit and TEXT on stderr
CHECKS="$T/checks"
: >"$CHECKS"
record() { printf '%s\x1f' "$@" >>"$CHECKS"; printf '\x1e' >>"$CHECKS"; }
section() { record section "" "$1" ""; }
ok() { record ok "$1" "$2" "$3"; }
err() { record err "$1" "$2" "$3"; }
rerr() { record ok "$1" "$3" "r('$2')['error'] == '$4' and r('$2')['status'] == $5"; }
grep_err() { record grep "$1" "$2" "$3"; }

section "identity, regions (CLI)"
ok sts_id "sts get-caller-identity: the auditor user" "j['Arn'] == 'arn:aws:iam::111111111111:user/auditor' and j['Account'] == '111111111111'"
ok regions "ec2 describe-regions: the 3 enabled regions" "sorted(names(j['Regions'],'RegionName')) == ['ap-southeast-2','eu-west-1','us-east-1']"
ok regions_all "ec2 describe-regions --all-regions: 4, me-south-1 not-opted-in" "len(j['Regions']) == 4 and {x['RegionName']: x['OptInStatus'] for x in j['Regions']}['me-south-1'] == 'not-opted-in'"
err optout_ct "disabled region me-south-1: cloudtrail answers UnrecognizedClientException" UnrecognizedClientException

section "CloudTrail (CLI)"
ok trails_use1 "describe-trails us-east-1: prod-audit + org-trail (shadow)" "names(j['trailList'],'Name') == ['prod-audit','org-trail'] and j['trailList'][1]['IsOrganizationTrail']"
ok trails_euw1 "describe-trails eu-west-1: eu-data-events + 2 shadow trails homed in us-east-1" "names(j['trailList'],'Name') == ['eu-data-events','prod-audit','org-trail'] and [t['HomeRegion'] for t in j['trailList']] == ['eu-west-1','us-east-1','us-east-1'] and 'CloudWatchLogsLogGroupArn' not in j['trailList'][0]"
ok list_trails "list-trails eu-west-1: 3 trails over 2 pages" "len(j['Trails']) == 3 and {t['HomeRegion'] for t in j['Trails']} == {'eu-west-1','us-east-1'}"
ok status_home "get-trail-status by ARN in the home region: logging, times parsed" "j['IsLogging'] is True and j['LatestDeliveryTime'].startswith('2024-05-01T09:58:03') and j['LatestCloudWatchLogsDeliveryTime'].startswith('2024-05-01T09:58:30.25')"
err status_away "get-trail-status by ARN outside the home region: TrailNotFoundException" TrailNotFoundException
ok sel_home "get-event-selectors prod-audit: all management events" "j['EventSelectors'][0]['ReadWriteType'] == 'All' and j['EventSelectors'][0]['IncludeManagementEvents'] is True"

section "CloudWatch Logs (CLI)"
ok groups "describe-log-groups us-east-1: 5 groups over 3 pages, filter counts" "names(j['logGroups'],'logGroupName') == sorted(g['logGroupName'] for g in region('us-east-1')['logGroups']) and {g['logGroupName']: g['metricFilterCount'] for g in j['logGroups']}['CloudTrail/prod'] == 10 and j['logGroups'][2]['arn'].endswith(':log-group:CloudTrail/prod:*')"
ok filters "describe-metric-filters us-east-1: all 12 filters over 6 pages, in order" "names(j['metricFilters'],'filterName') == [f['filterName'] for f in sorted(region('us-east-1')['metricFilters'], key=lambda f: (f['logGroupName'], f['filterName']))]"
ok filters "describe-metric-filters: patterns byte for byte, creationTime in ms" "{f['filterName']: f['filterPattern'] for f in j['metricFilters']} == {f['filterName']: f['filterPattern'] for f in region('us-east-1')['metricFilters']} and j['metricFilters'][0]['creationTime'] > 10**12"
ok filters_pg1 "describe-metric-filters --page-size 1 (limit 1): the same 12 filters" "len(j['metricFilters']) == 12 and len(set(names(j['metricFilters'],'filterName'))) == 12"

section "CloudWatch (CLI)"
ok alarms "describe-alarms us-east-1: 10 alarms over 5 pages" "names(j['MetricAlarms'],'AlarmName') == sorted(a['AlarmName'] for a in region('us-east-1')['metricAlarms'])"
ok alarms "describe-alarms: metric-math alarm keeps its metric queries" "[a for a in j['MetricAlarms'] if a['AlarmName'] == 'cis-4.9-config-changes-math'][0]['Metrics'][0]['MetricStat']['Metric']['MetricName'] == 'AWSConfigChanges'"
ok alarms "describe-alarms: wrong namespace, disabled actions, dimensions as in the scenario" "{a['AlarmName']: (a.get('Namespace'), a['ActionsEnabled']) for a in j['MetricAlarms']}['cis-4.3-root-account-usage'] == ('LogMetrics', True) and {a['AlarmName']: a['ActionsEnabled'] for a in j['MetricAlarms']}['cis-4.4-iam-policy-changes'] is False and [a for a in j['MetricAlarms'] if a['AlarmName'] == 'api-5xx-high'][0]['Dimensions'] == [{'Name': 'Service', 'Value': 'api'}]"
ok alarms_names "describe-alarms --alarm-names (a query list): 2 alarms" "names(j['MetricAlarms'],'AlarmName') == ['cis-4.4-iam-policy-changes','cis-4.9-config-changes-math']"
ok alarms_metric "describe-alarms-for-metric App/Api5xx with its dimension: 1 alarm" "names(j['MetricAlarms'],'AlarmName') == ['api-5xx-high']"

section "SNS (CLI)"
ok topics "list-topics us-east-1: 5 topics over 3 pages" "names(j['Topics'],'TopicArn') == [t['TopicArn'] for t in region('us-east-1')['topics']]"
ok subs_sec "list-subscriptions-by-topic security-alerts: 1 confirmed + 1 PendingConfirmation" "sorted(names(j['Subscriptions'],'SubscriptionArn')) == ['PendingConfirmation', '$SEC:1f0e2d3c-4b5a-4978-8695-a4b3c2d1e0f9']"
ok subs_ops "list-subscriptions-by-topic ops-pager: 3 confirmed over 2 pages" "sorted(names(j['Subscriptions'],'Protocol')) == ['https','lambda','sqs'] and all(s['SubscriptionArn'].startswith('arn:aws:sns:') for s in j['Subscriptions'])"
err subs_foreign "list-subscriptions-by-topic on another account's topic: AuthorizationError" AuthorizationError
ok topic_attrs "get-topic-attributes security-alerts (a query map): counts and display name" "j['Attributes']['SubscriptionsConfirmed'] == '1' and j['Attributes']['SubscriptionsPending'] == '1' and j['Attributes']['DisplayName'] == 'Security alerts' and json.loads(j['Attributes']['Policy'])['Version'] == '2008-10-17'"

section "AWS Config, Organizations (CLI)"
ok rec_use1 "describe-configuration-recorders us-east-1: default, all supported + global" "j['ConfigurationRecorders'][0]['name'] == 'default' and j['ConfigurationRecorders'][0]['recordingGroup']['includeGlobalResourceTypes'] is True"
ok channels "describe-delivery-channels us-east-1: bucket and topic" "j['DeliveryChannels'][0]['s3BucketName'] == 'prod-config-111111111111' and j['DeliveryChannels'][0]['snsTopicARN'].endswith(':config-delivery')"
ok accounts "organizations list-accounts: 5 accounts over 3 pages" "names(j['Accounts'],'Id') == [a['Id'] for a in S['organization']['accounts']] and j['Accounts'][4]['Status'] == 'SUSPENDED'"

section "signatures and credentials (CLI)"
err wrong_secret_sts "wrong secret, sts: SignatureDoesNotMatch" SignatureDoesNotMatch
err wrong_secret_logs "wrong secret, logs: InvalidSignatureException" InvalidSignatureException
err unknown_key "unknown access key: InvalidClientTokenId" InvalidClientTokenId
err expired_sts "expired session credentials, sts: ExpiredToken" ExpiredToken
err skew_sts "server clock 15 min ahead, sts: SignatureDoesNotMatch" SignatureDoesNotMatch
grep_err skew_sts "  ... and the message says 'Signature expired'" "Signature expired"
ok assume_profile "profile with role_arn/source_profile/external_id: assumed-role identity" "j['Arn'] == 'arn:aws:sts::111111111111:assumed-role/vigil-audit/vigil-fidelity' and j['UserId'] == 'AROAVIGILTESTAUDIT001:vigil-fidelity'"
err assume_badext "profile with the wrong external id: AccessDenied" AccessDenied
ok webid_profile "profile with web_identity_token_file: AssumeRoleWithWebIdentity (unsigned)" "j['Arn'] == 'arn:aws:sts::111111111111:assumed-role/vigil-ci/vigil-fidelity-webid'"
ok container_cli "container credentials provider (full URI + token): task role identity" "j['Arn'].startswith('arn:aws:sts::111111111111:assumed-role/vigil-task/')"
ok imds_cli "IMDSv2 credentials provider: instance role identity" "j['Arn'] == 'arn:aws:sts::111111111111:assumed-role/vigil-ec2-collector/i-0a1b2c3d4e5f60718'"

section "injected faults (CLI)"
err f_throttle1 "faults.json: DescribeAlarms eu-west-1 throttled, 1 attempt: Throttling" Throttling
ok f_throttle_retry "faults.json: the second throttle absorbed by the CLI's retry" "len(j['MetricAlarms']) == 3"
err f_denied "faults.json: DescribeAlarms ap-southeast-2: AccessDenied" AccessDenied
ok f_500_retry "faults.json: DescribeMetricFilters 500 once, retried" "len(j['metricFilters']) == 12"
ok f_retry_after "faults.json: ListTopics 503 + Retry-After once, retried" "len(j['Topics']) == 5"
err k_throttle "throttle on a JSON service: ThrottlingException" ThrottlingException
err k_sns_throttle "throttle on SNS: Throttled" Throttled
err k_expired "expired_token fault on logs: ExpiredTokenException" ExpiredTokenException
err k_denied_logs "access_denied fault on logs: AccessDeniedException" AccessDeniedException
grep_err k_html "html fault: the CLI sees a 502 page, not data" "(502)"
ok B_calls "calls log of faults.json: 400,400,200 / 500 then 200s / 503 then 200, fault kinds named" "calls_ok(j)"

section "writes on a scratch copy (CLI, read back with aws_call.py)"
ok w_create_group "logs create-log-group CloudTrail/eu-new (empty 200 body)" "j is None"
ok w_put_filter "logs put-metric-filter (CIS 4.9) on the new group" "j is None"
ok w_create_topic "sns create-topic cis-alarms" "j['TopicArn'] == 'arn:aws:sns:eu-west-1:111111111111:cis-alarms'"
ok w_sub_email "sns subscribe email: pending confirmation" "j['SubscriptionArn'] == 'pending confirmation'"
ok w_sub_https "sns subscribe https: a confirmed subscription ARN" "j['SubscriptionArn'].startswith('arn:aws:sns:eu-west-1:111111111111:cis-alarms:')"
ok w_put_alarm "cloudwatch put-metric-alarm with the SNS action" "j is None"
ok w_update_trail "cloudtrail update-trail: CloudWatch Logs group and role set" "j['CloudWatchLogsLogGroupArn'] == '$NEWGROUP' and j['CloudWatchLogsRoleArn'] == '$CWLROLE'"
ok w_back "read back: the new filter" "names(r('filter_back')['data']['metricFilters'],'filterName') == ['cis-4.9-config-changes'] and r('filter_back')['data']['metricFilters'][0]['filterPattern'] == '''$CIS49'''"
ok w_back "read back: 1 PendingConfirmation email + 1 confirmed https subscription" "sorted((s['Protocol'], s['SubscriptionArn'] == 'PendingConfirmation') for s in res('subs_back')['Subscriptions']) == [('email', True), ('https', False)]"
ok w_back "read back: subscribing again with ReturnSubscriptionArn gives the pending subscription's ARN" "res('subscribe_again')['SubscriptionArn'].startswith('arn:aws:sns:eu-west-1:111111111111:cis-alarms:')"
ok w_back "read back: the new alarm (INSUFFICIENT_DATA, its action)" "res('alarm_back')['MetricAlarms'][0]['StateValue'] == 'INSUFFICIENT_DATA' and res('alarm_back')['MetricAlarms'][0]['AlarmActions'] == ['arn:aws:sns:eu-west-1:111111111111:cis-alarms']"
ok w_back "read back: the trail delivers to the new group" "r('trail_back')['data']['trailList'][0]['CloudWatchLogsLogGroupArn'] == '$NEWGROUP'"
ok w_back "CBOR put-metric-alarm (metric math, actions disabled): empty 200, read back over CBOR" "r('cbor_put_alarm')['status'] == 200 and r('cbor_put_alarm')['bytes'] == 0 and r('cbor_alarm_back')['data']['MetricAlarms'][0]['Metrics'][1]['Expression'] == 'FILL(m1, 0)' and r('cbor_alarm_back')['data']['MetricAlarms'][0]['ActionsEnabled'] is False"
ok w_enable_actions "cloudwatch enable-alarm-actions on the 4.4 alarm" "j is None"
ok w_create_role "iam create-role (global, signed for us-east-1): the role ARN" "j['Role']['Arn'] == 'arn:aws:iam::111111111111:role/vigil-cwl-delivery' and j['Role']['RoleId'].startswith('AROA')"
ok w_role_policy "iam put-role-policy" "j is None"
ok w_get_role "iam get-role: the trust policy back (URL-encoded on the wire, decoded by the CLI)" "j['Role']['AssumeRolePolicyDocument']['Statement'][0]['Principal']['Service'] == 'cloudtrail.amazonaws.com'"
ok w_back "read back: the 4.4 alarm's actions are enabled" "res('actions_back')['MetricAlarms'][0]['ActionsEnabled'] == 'true'"
ok w_back "IAM errors: EntityAlreadyExists 409, NoSuchEntity 404, MalformedPolicyDocument 400" "(r('role_again')['error'], r('role_again')['status'], r('policy_norole')['error'], r('policy_norole')['status'], r('policy_malformed')['error']) == ('EntityAlreadyExists', 409, 'NoSuchEntity', 404, 'MalformedPolicyDocument')"
ok w_back "IAM GetRole knows the scenario's roles" "res('scenario_role')['Role']['RoleId'] == 'AROAVIGILTESTAUDIT001'"
ok w_back "read back: the new group counts its filter" "[(g['logGroupName'], g['metricFilterCount']) for g in r('groups_back')['data']['logGroups']] == [('CloudTrail/eu-legacy', 1), ('CloudTrail/eu-new', 1)]"

section "request parameters, error paths and wire shapes (aws_call.py)"
ok batch_a "EC2 RegionName.N: named regions, disabled ones too" "[x['regionName'] for x in r('regions_named')['data']['regionInfo']] == ['eu-west-1','me-south-1']"
ok batch_a "EC2 Filter.N with AllRegions: opt-in-status not-opted-in" "[x['regionName'] for x in r('regions_filter')['data']['regionInfo']] == ['me-south-1']"
ok batch_a "EC2 response shape: xmlns 2016-11-15, requestId, item lists, text/xml" "'requestId' in r('regions_named')['data'] and r('regions_named')['contentType'].startswith('text/xml')"
ok batch_a "describe-trails ap-southeast-2: only the 2 shadow trails" "names(r('trails_apse2')['data']['trailList'],'TrailARN') == ['$TRAIL','$ORGTRAIL']"
ok batch_a "describe-trails includeShadowTrails=false eu-west-1: 1 trail" "names(r('trails_noshadow')['data']['trailList'],'Name') == ['eu-data-events']"
ok batch_a "describe-trails trailNameList in eu-west-1: a name matches home trails only, an ARN any" "names(r('trails_byname')['data']['trailList'],'TrailARN') == ['$TRAIL']"
ok batch_a "JSON response shape: application/x-amz-json-1.1 and x-amzn-RequestId" "r('trails_apse2')['contentType'] == 'application/x-amz-json-1.1' and 'x-amzn-RequestId' in r('trails_apse2')['headers']"
ok batch_a "get-trail-status on the organization trail (home region): allowed (memberAccess)" "r('status_org')['data']['IsLogging'] is True"
rerr batch_a sel_org "get-event-selectors on the organization trail: AccessDeniedException (memberAccess)" AccessDeniedException 400
ok batch_a "get-event-selectors eu-data-events: advanced selectors" "r('sel_adv')['data']['AdvancedEventSelectors'][0]['FieldSelectors'][0] == {'Field': 'eventCategory', 'Equals': ['Data']}"
ok batch_a "list-subscriptions-by-topic cloudtrail-alerts: only PendingConfirmation" "names(res('subs_pending')['Subscriptions'],'SubscriptionArn') == ['PendingConfirmation']"
ok batch_a "describe-configuration-recorder-status us-east-1: recording, Success" "r('recst_use1')['data']['ConfigurationRecordersStatus'][0]['recording'] is True and r('recst_use1')['data']['ConfigurationRecordersStatus'][0]['lastStatus'] == 'Success'"
rerr batch_a status_name_away "get-trail-status by name outside the home region: TrailNotFoundException" TrailNotFoundException 400
rerr batch_a status_badarn "get-trail-status with a non-trail ARN: CloudTrailARNInvalidException" CloudTrailARNInvalidException 400
rerr batch_a update_away "update-trail outside the home region: InvalidHomeRegionException" InvalidHomeRegionException 400
rerr batch_a update_norole "update-trail with a log group and no role: InvalidCloudWatchLogsRoleArnException" InvalidCloudWatchLogsRoleArnException 400
rerr batch_a update_missing_group "update-trail to a missing log group: InvalidCloudWatchLogsLogGroupArnException" InvalidCloudWatchLogsLogGroupArnException 400
ok batch_a "describe-log-groups logGroupNamePrefix app/: 2 groups, newer members present" "names(r('groups_prefix')['data']['logGroups'],'logGroupName') == ['app/prod/api','app/prod/worker'] and 'logGroupArn' in r('groups_prefix')['data']['logGroups'][0]"
rerr batch_a groups_badlimit "describe-log-groups limit 51: InvalidParameterException" InvalidParameterException 400
ok batch_a "describe-metric-filters eu-west-1 limit 50: 3 filters on 2 pages (page size 2 wins)" "len(r('filters_euw1')['data']['metricFilters']) == 2 and r('filters_euw1')['data']['nextToken']"
ok batch_a "describe-metric-filters logGroupName + filterNamePrefix cis-4.1: 2" "names(r('filters_prefix')['data']['metricFilters'],'filterName') == ['cis-4.1-unauthorized-api-calls','cis-4.10-security-group-changes']"
ok batch_a "describe-metric-filters metricName + metricNamespace: the root-usage filter" "names(r('filters_metric')['data']['metricFilters'],'filterName') == ['cis-4.3-root-account-usage']"
rerr batch_a filters_badprefix "describe-metric-filters filterNamePrefix without a group: InvalidParameterException" InvalidParameterException 400
rerr batch_a filters_halfmetric "describe-metric-filters metricName alone: InvalidParameterException" InvalidParameterException 400
rerr batch_a filters_nogroup "describe-metric-filters on a missing group: ResourceNotFoundException" ResourceNotFoundException 400
rerr batch_a filters_badtoken "describe-metric-filters with a forged nextToken: InvalidParameterException" InvalidParameterException 400
ok batch_a "describe-metric-filters first page: 2 items and an opaque nextToken" "len(r('filters_page1')['data']['metricFilters']) == 2 and 'filter' not in r('filters_page1')['data']['nextToken']"
rerr batch_a put_filter_nogroup "put-metric-filter on a missing group: ResourceNotFoundException" ResourceNotFoundException 400
rerr batch_a put_filter_badpattern "put-metric-filter with an unbalanced pattern: InvalidParameterException" InvalidParameterException 400
rerr batch_a create_group_again "create-log-group for an existing group: ResourceAlreadyExistsException" ResourceAlreadyExistsException 400
ok batch_a "describe-alarms AlarmNamePrefix cis-4.1: 2 alarms" "names(res('alarms_prefix')['MetricAlarms'],'AlarmName') == ['cis-4.1-unauthorized-api-calls','cis-4.10-security-group-changes']"
ok batch_a "describe-alarms StateValue ALARM: the 4.7 alarm" "names(res('alarms_state')['MetricAlarms'],'AlarmName') == ['cis-4.7-cmk-disable-or-delete']"
ok batch_a "describe-alarms AlarmTypes.member.1=CompositeAlarm: an empty CompositeAlarms, no MetricAlarms" "res('alarms_comp') == {'CompositeAlarms': ''}"
ok batch_a "query response shape: <DescribeAlarmsResult>, <member> lists, ISO timestamps, RequestId" "res('alarms_page1')['MetricAlarms'][0]['StateUpdatedTimestamp'].endswith('Z') and r('alarms_page1')['data']['ResponseMetadata']['RequestId'] and r('alarms_page1')['contentType'] == 'text/xml'"
ok batch_a "CloudWatch over Smithy RPC v2 CBOR: a page of 1, tag-1 timestamps, smithy-protocol header" "r('cbor_alarms')['contentType'] == 'application/cbor' and r('cbor_alarms')['headers']['smithy-protocol'] == 'rpc-v2-cbor' and names(r('cbor_alarms')['data']['MetricAlarms'],'AlarmName') == ['cis-4.1-unauthorized-api-calls'] and isinstance(r('cbor_alarms')['data']['MetricAlarms'][0]['StateUpdatedTimestamp'], float) and r('cbor_alarms')['data']['NextToken']"
ok batch_a "CloudWatch CBOR error: a CBOR map with __type, x-amzn-query-error InvalidNextToken;Sender" "r('cbor_badtoken')['status'] == 400 and r('cbor_badtoken')['data']['__type'] == 'InvalidNextToken' and r('cbor_badtoken')['headers']['x-amzn-query-error'] == 'InvalidNextToken;Sender'"
rerr batch_a cbor_garbage "CloudWatch CBOR body that is not a map: SerializationException" SerializationException 400
ok batch_a "CloudWatch over JSON 1.0 (GraniteServiceVersion20100801 target): the alarm on App/Api5xx" "r('json10_for_metric')['contentType'] == 'application/x-amz-json-1.0' and names(r('json10_for_metric')['data']['MetricAlarms'],'AlarmName') == ['api-5xx-high']"
rerr batch_a alarms_both "describe-alarms AlarmNames with AlarmNamePrefix: InvalidParameterCombination" InvalidParameterCombination 400
rerr batch_a alarms_badtoken "describe-alarms with a forged NextToken: InvalidNextToken" InvalidNextToken 400
rerr batch_a alarm_xregion "put-metric-alarm with a topic of another region: ValidationError" ValidationError 400
rerr batch_a alarm_noop "put-metric-alarm without ComparisonOperator: ValidationError" ValidationError 400
rerr batch_a subs_missing "list-subscriptions-by-topic on a missing topic: NotFound (404)" NotFound 404
rerr batch_a subs_xregion "list-subscriptions-by-topic for a topic of another region: InvalidParameter" InvalidParameter 400
rerr batch_a attrs_foreign "get-topic-attributes on another account's topic: AuthorizationError (403)" AuthorizationError 403
rerr batch_a subscribe_foreign "subscribe to another account's topic: AuthorizationError" AuthorizationError 403
rerr batch_a subscribe_badproto "subscribe with an unknown protocol: InvalidParameter" InvalidParameter 400
ok batch_a "list-topics first page: 2 topics and a NextToken" "len(res('topics_page1')['Topics']) == 2 and res('topics_page1')['NextToken']"
ok batch_a "describe-configuration-recorders ap-southeast-2: none; delivery channels: none" "r('rec_apse2')['data'] == {'ConfigurationRecorders': []} and r('channels_apse2')['data'] == {'DeliveryChannels': []}"
ok batch_a "describe-configuration-recorder-status eu-west-1: stopped, epoch timestamps" "r('recst_euw1')['data']['ConfigurationRecordersStatus'][0]['recording'] is False and r('recst_euw1')['data']['ConfigurationRecordersStatus'][0]['lastStopTime'] == 1707929100"
rerr batch_a rec_badname "describe-configuration-recorders with an unknown name: NoSuchConfigurationRecorderException" NoSuchConfigurationRecorderException 400
ok batch_a "list-accounts MaxResults 1: 1 account and a NextToken" "len(r('accounts_max1')['data']['Accounts']) == 1 and r('accounts_max1')['data']['NextToken'] and isinstance(r('accounts_max1')['data']['Accounts'][0]['JoinedTimestamp'], int)"
rerr batch_a accounts_max21 "list-accounts MaxResults 21: InvalidInputException" InvalidInputException 400
rerr batch_a optout_sts "disabled region, sts: InvalidClientTokenId (403)" InvalidClientTokenId 403
rerr batch_a optout_ec2 "disabled region, ec2: AuthFailure (401)" AuthFailure 401
rerr batch_a unlisted_region "region the scenario does not list: UnrecognizedClientException" UnrecognizedClientException 400
rerr batch_a expired_ct "expired session credentials, cloudtrail: ExpiredTokenException" ExpiredTokenException 400
ok batch_a "JSON error shape: namespaced __type, message, x-amzn-ErrorType" "r('expired_ct')['data']['__type'] == 'com.amazon.coral.service#ExpiredTokenException' and r('expired_ct')['headers']['x-amzn-ErrorType'].startswith('ExpiredTokenException')"
rerr batch_a static_with_token "long-term key sent with a session token: UnrecognizedClientException" UnrecognizedClientException 400
rerr batch_a unsigned_query "unsigned GetCallerIdentity: MissingAuthenticationToken" MissingAuthenticationToken 403
rerr batch_a unsigned_json "unsigned DescribeTrails: MissingAuthenticationTokenException" MissingAuthenticationTokenException 400
rerr batch_a unknown_action "an Action the service does not have: InvalidAction" InvalidAction 400
rerr batch_a unknown_target "an X-Amz-Target the server does not serve: UnknownOperationException" UnknownOperationException 400
rerr batch_a ec2_wrong_secret "wrong secret, ec2: AuthFailure" AuthFailure 401
ok batch_a "EC2 error shape: <Response><Errors><Error><Code>, <RequestID>" "r('ec2_wrong_secret')['data']['Errors']['Error']['Code'] == 'AuthFailure' and r('ec2_wrong_secret')['data']['RequestID']"
rerr batch_a skew_past "signed 10 min in the past, sts: SignatureDoesNotMatch" SignatureDoesNotMatch 403
ok batch_a "query error shape: <ErrorResponse><Error><Type>Sender, 'Signature expired' message" "r('skew_past')['data']['Error']['Type'] == 'Sender' and r('skew_past')['data']['Error']['Message'].startswith('Signature expired:') and r('skew_past')['data']['RequestId']"
rerr batch_a skew_future "signed 10 min in the future, logs: InvalidSignatureException" InvalidSignatureException 400
ok batch_a "  ... with 'Signature not yet current'" "r('skew_future')['data']['message'].startswith('Signature not yet current:')"
rerr batch_a skew_ec2 "signed 10 min in the future, ec2: RequestExpired" RequestExpired 400
ok batch_a "signed 4 min in the past: accepted" "r('skew_small')['status'] == 200"
rerr batch_a assume_short "assume-role DurationSeconds 600: ValidationError" ValidationError 400
rerr batch_a assume_noext "assume-role without the required ExternalId: AccessDenied" AccessDenied 403
rerr batch_a assume_unknown "assume-role on a role the scenario lacks: AccessDenied" AccessDenied 403
ok batch_a "assume-role: ASIA key, session token, expiration 12 h ahead, assumed-role user" "res('assume_ok')['Credentials']['AccessKeyId'].startswith('ASIA') and res('assume_ok')['AssumedRoleUser']['Arn'] == 'arn:aws:sts::111111111111:assumed-role/vigil-audit/batch'"
ok batch_a "issued credentials sign later calls: GetCallerIdentity names the assumed role" "res('assumed_identity')['Arn'] == 'arn:aws:sts::111111111111:assumed-role/vigil-audit/batch' and r('assumed_trails')['status'] == 200"
rerr batch_a assumed_no_token "issued key without its session token: InvalidClientTokenId" InvalidClientTokenId 403
rerr batch_a webid_badtoken "assume-role-with-web-identity with a wrong token: InvalidIdentityToken" InvalidIdentityToken 400
rerr batch_a webid_norole "assume-role-with-web-identity on a role without web identity: AccessDenied" AccessDenied 403

section "fault kinds, raw (aws_call.py)"
ok batch_d "truncated: 200, JSON content type, half a body that does not parse" "r('truncated')['status'] == 200 and r('truncated')['contentType'] == 'application/x-amz-json-1.1' and not r('truncated')['parses'] and r('truncated')['bytes'] > 10"
ok batch_d "malformed: 200, JSON content type, a body that does not parse" "r('malformed')['status'] == 200 and r('malformed')['contentType'] == 'application/x-amz-json-1.1' and not r('malformed')['parses']"
ok batch_d "wrong_content_type: a good XML body sent as text/plain" "r('wrong_ctype')['status'] == 200 and r('wrong_ctype')['contentType'] == 'text/plain' and 'DescribeAlarmsForMetricResult' in r('wrong_ctype')['data']"
ok batch_d "html: 502 text/html" "r('html')['status'] == 502 and r('html')['contentType'] == 'text/html' and not r('html')['parses']"
ok batch_d "retry_after 429 on cloudtrail: ThrottlingException with Retry-After: 1" "r('retry_after')['status'] == 429 and r('retry_after')['error'] == 'ThrottlingException' and r('retry_after')['headers']['Retry-After'] == '1'"
ok batch_d "http503 on organizations: 503 ServiceUnavailable" "r('unavailable')['status'] == 503 and r('unavailable')['error'] == 'ServiceUnavailable'"
ok batch_d "slow: answered after about 1 s" "r('slow')['status'] == 200 and 0.9 < r('slow')['seconds'] < 5"
ok batch_d "throttle on SNS: HTTP 429 Throttled" "r('sns_throttle')['status'] == 429 and r('sns_throttle')['error'] == 'Throttled'"
ok batch_d "access_denied fault on one SNS topic (resource match): AuthorizationError 403; other topics answer" "(r('authz')['error'], r('authz')['status'], r('authz_other_topic')['status']) == ('AuthorizationError', 403, 200)"
ok batch_d "a fault for one operation and region leaves the others alone" "r('ec2_ok_other_op_unaffected')['status'] == 200"
ok batch_e "clockOffsetSeconds 900: a request signed with the true time is 'Signature expired'" "r('skew_future_logs')['error'] == 'InvalidSignatureException' and 'Signature expired' in r('skew_future_logs')['data']['message']"
ok batch_e "clockOffsetSeconds 900: a request signed with the server's clock is accepted" "r('in_sync')['status'] == 200"

section "credential endpoints (curl)"
ok curl "IMDS token PUT without the TTL header: 400" "j['token_no_ttl'] == '400'"
ok curl "IMDS token with GET: 405" "j['token_get'] == '405'"
ok curl "IMDS token PUT with a TTL: a token" "int(j['token_len']) > 20"
ok curl "IMDS role name without a token: 401" "j['role_no_token'] == '401'"
ok curl "IMDS role name with a bad token: 401" "j['role_bad_token'] == '401'"
ok curl "IMDS role name with the token: vigil-ec2-collector" "j['role'] == 'vigil-ec2-collector'"
ok curl "IMDS credentials of another role: 404" "j['other_role'] == '404'"
ok curl "IMDS credentials: Code Success, Type AWS-HMAC, ASIA key, token, Expiration" "(lambda d: d['Code'] == 'Success' and d['Type'] == 'AWS-HMAC' and d['AccessKeyId'].startswith('ASIA') and d['Token'] and d['Expiration'].endswith('Z') and d['LastUpdated'].endswith('Z'))(json.loads(j['imds']))"
ok curl "container credentials without Authorization: 401" "j['container_no_auth'] == '401'"
ok curl "container credentials with a wrong token: 403" "j['container_bad_auth'] == '403'"
ok curl "container credentials: key, secret, token, expiration, role" "(lambda d: d['RoleArn'] == 'arn:aws:iam::111111111111:role/vigil-task' and d['AccessKeyId'].startswith('ASIA') and d['SecretAccessKey'] and d['Token'] and d['Expiration'].endswith('Z'))(json.loads(j['container']))"

section "calls logs"
ok all_calls "calls logs: one JSON line per request, access keys masked, no secrets or tokens" "calls_clean()"

# Prepare the inputs of the checks that read logs.
cp "$T/B.calls" "$T/r/B_calls.out"; echo 0 >"$T/r/B_calls.rc"; : >"$T/r/B_calls.err"
echo null >"$T/r/all_calls.out"; echo 0 >"$T/r/all_calls.rc"; : >"$T/r/all_calls.err"

"$PY" - "$T" "$REALISTIC" <<'EOF'
import glob, json, sys
tdir, scen = sys.argv[1:]
S = json.load(open(scen))
def names(items, key): return [i[key] for i in items]
def region(name): return S["regions"][name]

def calls_ok(lines):  # the calls log of faults.json (B)
    def statuses(op, reg): return [c["status"] for c in lines if c["operation"] == op and c["region"] == reg]
    denied = [c for c in lines if c["operation"] == "DescribeAlarms" and c["region"] == "ap-southeast-2"]
    return (statuses("DescribeAlarms", "eu-west-1")[:3] == [400, 400, 200]
            and statuses("DescribeMetricFilters", "us-east-1")[0] == 500
            and statuses("ListTopics", "us-east-1")[:2] == [503, 200]
            and denied[0].get("fault") == "access_denied")

def calls_clean():  # every calls log: the keys, masked access key ids, no secret or token
    secret_bits = ["vigil/TEST+fixture+secret", "vigil-test-expired-session-token",
                   "vigil-test-container-auth-token", "vigil-test-web-identity-token", "AKIAVIGILTEST0000001"]
    n = 0
    for path in glob.glob(tdir + "/*.calls"):
        for line in open(path):
            e = json.loads(line)
            key = e["accessKeyId"]
            if not {"service", "region", "operation", "status", "accessKeyId"} <= e.keys():
                return False
            if key and (set(key[:-4]) != {"*"} or len(key) != 20):
                return False
            if any(b in line for b in secret_bits):
                return False
            n += 1
    return n > 150

def load(rid):
    base = f"{tdir}/r/{rid}"
    try:
        rc = int(open(base + ".rc").read().strip() or 1)
    except (OSError, ValueError):
        rc = None
    out = open(base + ".out").read() if glob.glob(base + ".out") else ""
    err = open(base + ".err").read() if glob.glob(base + ".err") else ""
    try:
        j = json.loads(out) if out.strip() else None
    except ValueError:
        lines = out.splitlines()
        if all("=" in l for l in lines):
            j = dict(l.split("=", 1) for l in lines)
        else:
            j = [json.loads(l) for l in lines] if all(l.startswith("{") for l in lines) else None
    return rc, out, err, j

npass, failed = 0, []
for rec in open(tdir + "/checks", encoding="utf-8").read().split("\x1e"):
    if not rec:
        continue
    kind, rid, desc, arg = rec.split("\x1f")[:4]
    if kind == "section":
        print(f"== {desc}")
        continue
    rc, out, err, j = load(rid)
    detail = ""
    if kind == "ok":
        if rc != 0:
            good, detail = False, f"exit {rc}: {err.strip()[:300]}"
        else:
            r = lambda cid: j[cid]
            res = lambda cid: next(iter(j[cid]["data"].values()))
            try:
                good = bool(eval(arg))
            except Exception as e:
                good = False
                detail = f"{type(e).__name__}: {e}; output: {out.strip()[:300]}"
            if not good and not detail:
                detail = f"expected {arg}; output: {out.strip()[:400]}"
    elif kind == "err":
        good = rc not in (0, None) and f"({arg})" in err
        detail = f"exit {rc}, stderr: {err.strip()[:300]}"
    else:  # grep
        good = rc not in (0, None) and arg in err
        detail = f"exit {rc}, stderr: {err.strip()[:300]}"
    if good:
        npass += 1
        print(f"PASS  {desc}")
    else:
        failed.append(desc)
        print(f"FAIL  {desc}\n      {detail}")
with open(tdir + "/verdict", "w") as f:
    f.write(f"{npass} {len(failed)}\n" + "".join(d + "\n" for d in failed))
EOF
read -r NPASS NFAIL <"$T/verdict" || { NPASS=0; NFAIL=1; }
ELAPSED=$(( ${EPOCHREALTIME%.*} - ${START%.*} ))
if [ -n "${TIMING:-}" ]; then
  echo "== slowest commands (start, seconds, id)"
  awk -v s="$START" '{printf "%6.1f %6.2f %s\n", $2 - s, $3 - $2, $1}' "$T/timing" | sort -k2 -n -r | head -15
fi
echo
if [ "$NFAIL" -eq 0 ]; then
  echo "PASS: all $NPASS checks passed in ${ELAPSED}s ($AWS_VERSION)"
  exit 0
fi
echo "FAIL: $NFAIL of $((NPASS + NFAIL)) checks failed in ${ELAPSED}s:"
tail -n +2 "$T/verdict" | sed 's/^/  - /'
exit 1
