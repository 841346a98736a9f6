# vigil fix for the seed rule on the demo account, as terraform (plan summary on stderr, after the output).
$VIGIL fix D9.AWS.MON.09 --demo --format terraform 2>summary.txt
echo "[vigil exit $?]"
cat summary.txt
