$VIGIL pattern test '{($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder))}' \
  '{"eventSource":"config.amazonaws.com","eventName":"PutDeliveryChannel"}' \
  '{"eventSource":"config.amazonaws.com","eventName":"DescribeDeliveryChannels"}' \
  'not json at all' \
  '{"eventSource":"config.amazonaws.com","eventName":"StopConfigurationRecorder"'
