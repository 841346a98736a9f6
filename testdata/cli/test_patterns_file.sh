printf '%s\n' '{($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder))}' '{ $.eventSource = config.amazonaws.com }' 'ConsoleLogin' > p.txt
$VIGIL pattern test --count --patterns-file p.txt --file "$TESTDATA/pattern/sample-cloudtrail.ndjson"
