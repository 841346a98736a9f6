$VIGIL pattern check '{ $.a > "x" }'
