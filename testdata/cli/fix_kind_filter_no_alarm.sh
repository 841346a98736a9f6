# vigil fix over testdata/remediate/filter_no_alarm.json (see make_inventories.py), in every format.
for format in cli cloudformation terraform; do
  echo "== $format"
  $VIGIL fix VIGIL.AWS.CIS.4.9 D9.AWS.MON.09 --inventory "$TESTDATA/remediate/filter_no_alarm.json" --format "$format" 2>summary.txt
  echo "[vigil exit $?]"
done
echo "== summary"
cat summary.txt
