# `vigil eval` over an inventory: a line per entity and the summary, or JSON; exit 1 when
# something failed, 0 when nothing did; --explain gives the evidence of passed results too.
RULE="CloudTrail should have hasSNSSubscriber='true' and metricFilters with [filterPattern isFilterPatternEqual('{(\$.eventSource = config.amazonaws.com) && ((\$.eventName=StopConfigurationRecorder)||(\$.eventName=DeleteDeliveryChannel)||(\$.eventName=PutDeliveryChannel)||(\$.eventName=PutConfigurationRecorder))}')] length() > 0"
$VIGIL eval --rule "$RULE" --inventory "$TESTDATA/gsl/inventories/seed-exact-sns.json"
echo "exit $?"
$VIGIL eval --rule "$RULE" --inventory "$TESTDATA/gsl/inventories/seed-reordered-nosns.json" --format json
echo "exit $?"
$VIGIL eval --rule "$RULE" --inventory "$TESTDATA/gsl/inventories/seed-narrower-sns.json" --explain
echo "exit $?"
