# Every failed or no-data monitoring rule of the demo account, as a shell script: one filter per
# control shared by both rulesets, the confirmed topic reused, the wrong-namespace alarm corrected,
# the disabled alarm enabled, the pending-only alarm also sent to the confirmed topic.
$VIGIL fix --demo --output fix.sh 2>summary.txt
echo "[vigil exit $?]"
cat summary.txt fix.sh
sh -n fix.sh && echo "sh -n: ok"
