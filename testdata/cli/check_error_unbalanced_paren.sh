$VIGIL pattern check '{ ($.a = 1 }'
