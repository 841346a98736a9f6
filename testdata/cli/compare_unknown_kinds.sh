$VIGIL pattern compare 'ERROR' '{ $.level = "ERROR" }' --format json
