$VIGIL pattern check 'ERROR -DEBUG ?"disk full" %time.?out%'
