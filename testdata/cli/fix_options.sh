# User choices: an e-mail address, a protocol and endpoint, an existing topic, a namespace, the
# log group of a trail that does not deliver to CloudWatch Logs.
inv="$TESTDATA/remediate"
$VIGIL fix VIGIL.AWS.CIS.4.9 --inventory "$inv/missing_filter.json" --email secops@example.com --namespace Security 2>/dev/null | grep -v '^#'
$VIGIL fix VIGIL.AWS.CIS.4.9 --inventory "$inv/pending_only.json" --protocol https --endpoint 'https://hooks.example.com/sns?team=sec&x=1' 2>/dev/null | grep -v '^#'
$VIGIL fix VIGIL.AWS.CIS.4.9 --inventory "$inv/missing_filter.json" --topic-arn arn:aws:sns:us-east-1:111122223333:existing --format terraform 2>/dev/null | grep -v '^#'
$VIGIL fix VIGIL.AWS.CIS.4.9 --inventory "$inv/no_cloudwatch_trail.json" --log-group Audit/main --email secops@example.com --format json 2>/dev/null
