# vigil fix for the seed rule on the demo account, as cli (plan summary on stderr, after the output).
$VIGIL fix D9.AWS.MON.09 --demo --format cli 2>summary.txt
echo "[vigil exit $?]"
cat summary.txt
