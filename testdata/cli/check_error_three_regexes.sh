$VIGIL pattern check '{ $.a = %x% && $.b = %y% && $.c = %z% }'
