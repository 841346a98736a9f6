$VIGIL pattern check "$(printf 'a%.0s' $(seq 1025))" >/dev/null 2>err.txt
echo "exit $?"
head -1 err.txt
