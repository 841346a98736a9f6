$VIGIL pattern check '“ERROR”'
