# Filters and alarms as `aws logs describe-metric-filters` and `aws cloudwatch describe-alarms`
# print them; events as NDJSON on standard input, one line in CloudWatch Logs export form.
# - "errors" counts error events (value 1, defaultValue 0: every minute with events and no
#   error publishes a 0). Alarm errors-2-of-3: Sum >= 1, 2 of 3 periods of 60 s, missing.
#   Minutes 10:00 (error), 10:01 (no error: 0), 10:02 (error), 10:03 (no error: 0), 10:05
#   (no event: missing). At 10:01 only X exists (fewer than 3, too few to decide: stays
#   INSUFFICIENT_DATA); at 10:02 X 0 with a good one: OK; at 10:03 X 0 X: ALARM; at 10:04
#   0 X 0: OK.
# - "latency" publishes $.latencyMs of every event with one; alarm slow: Maximum > 500 over 300 s,
#   1 of 1, breaching: the period 10:00-10:05 has maximum 900: ALARM at 10:05; periods after the
#   last event are not evaluated (the replay ends with the last event's period).
# - an alarm on a metric no filter publishes is listed as not evaluated.
cat > filters.json <<'JSON'
{"metricFilters": [
  {"filterName": "errors", "filterPattern": "{ $.errorCode = * }", "logGroupName": "app",
   "metricTransformations": [{"metricName": "Errors", "metricNamespace": "App", "metricValue": "1", "defaultValue": 0}]},
  {"filterName": "latency", "filterPattern": "{ $.latencyMs = * }", "logGroupName": "app",
   "metricTransformations": [{"metricName": "Latency", "metricNamespace": "App", "metricValue": "$.latencyMs"}]}
]}
JSON
cat > alarms.json <<'JSON'
{"MetricAlarms": [
  {"AlarmName": "errors-2-of-3", "AlarmArn": "arn:aws:cloudwatch:us-east-1:111122223333:alarm:errors-2-of-3", "ActionsEnabled": true,
   "MetricName": "Errors", "Namespace": "App", "Statistic": "Sum", "Dimensions": [], "Period": 60, "EvaluationPeriods": 3,
   "DatapointsToAlarm": 2, "Threshold": 1.0, "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "missing"},
  {"AlarmName": "slow", "ActionsEnabled": false, "MetricName": "Latency", "Namespace": "App", "Statistic": "Maximum",
   "Period": 300, "EvaluationPeriods": 1, "Threshold": 500, "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "breaching"},
  {"AlarmName": "cpu", "MetricName": "CPUUtilization", "Namespace": "AWS/EC2", "Statistic": "Average",
   "Period": 300, "EvaluationPeriods": 1, "Threshold": 90, "ComparisonOperator": "GreaterThanThreshold"}
], "CompositeAlarms": []}
JSON
cat <<'NDJSON' | $VIGIL replay --filters filters.json --alarms alarms.json --progress never
{"eventTime":"2024-05-01T10:00:05Z","eventName":"GetObject","eventID":"e1","errorCode":"AccessDenied","latencyMs":120}
{"eventTime":"2024-05-01T10:01:10Z","eventName":"GetObject","eventID":"e2","latencyMs":900}
2024-05-01T10:02:30.000Z {"eventTime":"2024-05-01T10:02:30Z","eventName":"PutObject","eventID":"e3","errorCode":"NoSuchBucket","latencyMs":"fast"}

not json at all
{"eventTime":"2024-05-01T10:03:59Z","eventName":"ListObjects","eventID":"e4"}
NDJSON
echo "exit $?"
