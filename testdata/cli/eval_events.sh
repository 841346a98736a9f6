# Event queries over CloudTrail events, one per line or a {"Records": [...]} file per line. The
# lines grow, so that each parse reallocates the parser's buffers: every match must still show
# its own event's id and name.
cat > events.ndjson <<'JSON'
{"eventID":"e-1","eventName":"StopLogging","eventSource":"cloudtrail.amazonaws.com"}
{"eventID":"e-2","eventName":"GetObject","eventSource":"s3.amazonaws.com","pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}
{"eventID":"e-3","eventName":"DeleteTrail","eventSource":"cloudtrail.amazonaws.com","pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}
{"Records":[{"eventID":"e-4","eventName":"UpdateTrail","eventSource":"cloudtrail.amazonaws.com","pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},{"eventID":"e-5","eventName":"ListBuckets","eventSource":"s3.amazonaws.com"}]}
JSON
$VIGIL eval --rule "cloudtrail where event.source = 'cloudtrail.amazonaws.com'" --events events.ndjson
echo "exit $?"
$VIGIL eval --rule "cloudtrail where event.source = 'cloudtrail.amazonaws.com' and event.name in ('StopLogging', 'UpdateTrail')" --events events.ndjson --format json
echo "exit $?"
printf '{"eventID":"e-1"}\nnot json\n' > bad.ndjson
$VIGIL eval --rule "cloudtrail where event.name = 'x'" --events bad.ndjson
echo "exit $?"
