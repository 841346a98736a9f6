$VIGIL pattern check '{ $.a IS NOT NULL }'
