$VIGIL pattern normalize '{($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder))}'
$VIGIL pattern normalize '{ ($.b=2) || (($.a=1)) || $.b = 2 }'
$VIGIL pattern normalize '{ $.x = 1e3 && $.y = +1000 && $.z = 1000.0 && $.w = "1000" }'
$VIGIL pattern normalize '?A ?B C "C"  "x y"'
$VIGIL pattern normalize '  ""  '
$VIGIL pattern normalize "[ip, user=\"bob\" || user = alice , ..., status = 4*]"
$VIGIL pattern normalize "{ \$.['a'].b = \"*\" && \$.['a.b'] NOT EXISTS }"
