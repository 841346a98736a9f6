$VIGIL pattern check '%(foo|bar)%'
