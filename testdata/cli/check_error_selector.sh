$VIGIL pattern check '{ eventName = ConsoleLogin }'
