printf 'ERROR disk full\nINFO ok\nERROR DEBUG retry\n' | $VIGIL pattern test 'ERROR -DEBUG'
