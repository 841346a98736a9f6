$VIGIL pattern test --file does-not-exist.log ERROR
