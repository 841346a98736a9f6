# Usage and input errors: each names what is wrong and exits 2.
$VIGIL replay /dev/null
echo "exit $?"
$VIGIL replay --demo does-not-exist
echo "exit $?"
$VIGIL replay --demo --from 2024-13-01 "$SHARED/data/cloudtrail/awsdocs-config-guide"
echo "exit $?"
$VIGIL replay --pattern '{ $.eventName = }' "$SHARED/data/cloudtrail/awsdocs-config-guide"
echo "exit $?"
$VIGIL replay --demo --alarms a.json "$SHARED/data/cloudtrail/awsdocs-config-guide"
echo "exit $?"
$VIGIL replay --pattern '{ $.eventName = X }' --period 90 "$SHARED/data/cloudtrail/awsdocs-config-guide"
echo "exit $?"
mkdir empty
$VIGIL replay --demo empty
echo "exit $?"
# A gzip file cut in half, and a document cut inside a record: both reported, nothing replayed.
head -c 200 "$SHARED/data/cloudtrail/awsdocs-config-guide/config_cloudtrail_examples.json" > cut.json
gzip -c "$SHARED/data/cloudtrail/awsdocs-config-guide/config_cloudtrail_examples.json" | head -c 300 > half.json.gz
$VIGIL replay --demo --progress never cut.json half.json.gz
echo "exit $?"
echo '{"metricFilters": [{"filterName": "f", "filterPattern": "{ $.a = ", "metricTransformations": []}]}' > bad-filters.json
$VIGIL replay --filters bad-filters.json cut.json
echo "exit $?"
echo '{"MetricAlarms": [{"AlarmName": "x", "MetricName": "m", "Namespace": "n", "Statistic": "sum", "Period": 60, "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold"}]}' > bad-alarms.json
echo '{"metricFilters": []}' > no-filters.json
$VIGIL replay --filters no-filters.json --alarms bad-alarms.json cut.json
echo "exit $?"
