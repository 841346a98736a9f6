$VIGIL pattern check -- '- DEBUG'
