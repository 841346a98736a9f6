gzip -c "$TESTDATA/pattern/sample-cloudtrail.ndjson" | head -c 2000 > cut.gz
$VIGIL pattern test --count --file cut.gz '{($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder))}'
