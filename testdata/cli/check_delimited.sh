$VIGIL pattern check '[ip, user, ..., status_code = 4* || status_code = 5*, bytes > 1000]'
