$VIGIL pattern check '   '
