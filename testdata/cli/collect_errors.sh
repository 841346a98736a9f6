# vigil collect, scan --live and fix --apply: bad options and files, before any AWS call.
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
$VIGIL collect --regions 'eu-west-1,EU WEST' --region eu-west-1
echo "exit $?"
$VIGIL collect --region eu-west-1 --concurrency 0
echo "exit $?"
$VIGIL collect --from-raw does-not-exist.json
echo "exit $?"
echo '{"not": "a raw collection"}' > raw.json
$VIGIL collect --from-raw raw.json
echo "exit $?"
$VIGIL collect --profile nope
echo "exit $?"
AWS_USE_DUALSTACK_ENDPOINT=true $VIGIL collect --region eu-west-1
echo "exit $?"
printf '[default]\nregion\n' > bad-config
AWS_CONFIG_FILE=bad-config $VIGIL collect
echo "exit $?"
$VIGIL scan --live --demo
echo "exit $?"
$VIGIL fix --apply --demo
echo "exit $?"
$VIGIL fix --demo --yes
echo "exit $?"
