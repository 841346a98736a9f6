$VIGIL pattern equal '{ $.a == 1 }' '{ $.a = 1 }'
