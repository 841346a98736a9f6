gzip -c "$TESTDATA/pattern/sample-cloudtrail.ndjson" > events.gz
$VIGIL pattern test --count --file events.gz '{($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder))}'
