printf 'ERROR \xff\xfe bad bytes\n' | $VIGIL pattern test ERROR
