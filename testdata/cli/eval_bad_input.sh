# Bad inventories and rules: exit 2 with the place and what was expected.
printf '{"version":1,"account":{"id":"1"},"entities":{"S3Bucket":[{"id":"a"},{"name":"b"}]}}' > noid.json
$VIGIL eval --rule "S3Bucket should have name" --inventory noid.json
echo "exit $?"
printf '{"version":1,"account":{"id":"1"},"entities":{"S3Bucket":[' > truncated.json
$VIGIL eval --rule "S3Bucket should have name" --inventory truncated.json
echo "exit $?"
$VIGIL eval --rule "S3Bucket should have name" --inventory missing.json
echo "exit $?"
printf '{"version":1,"account":{"id":"1"},"entities":{"S3Bucket":[{"id":"a"}]}}' > ok.json
$VIGIL eval --rule "S3Bucket should have name regexMatch /(unclosed/" --inventory ok.json
echo "exit $?"
$VIGIL eval --rule "S3Bucket should have name" --inventory ok.json
echo "exit $?"
