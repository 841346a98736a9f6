$VIGIL pattern check 'user@example.com'
