$VIGIL pattern test -- -DEBUG 'INFO started' 'DEBUG noise'
