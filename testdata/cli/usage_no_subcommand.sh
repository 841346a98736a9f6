$VIGIL
echo "exit $?"
$VIGIL pattern frobnicate
