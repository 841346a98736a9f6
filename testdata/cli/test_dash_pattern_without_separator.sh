$VIGIL pattern test -DEBUG 'INFO started'
