$VIGIL scan --inventory does-not-exist.json --ruleset "$TESTDATA/rules/broken-and-good.json"
echo "exit $?"
echo '{"account": {"id": "1"}, "entities": {"CloudTrail": [{"name": "x"}]}}' > bad.json
$VIGIL scan --inventory bad.json --ruleset "$TESTDATA/rules/broken-and-good.json"
echo "exit $?"
echo '{"version": 7, "account": {"id": "1"}, "entities": {}}' > newer.json
$VIGIL scan --inventory newer.json --ruleset "$TESTDATA/rules/broken-and-good.json"
echo "exit $?"
$VIGIL scan --inventory newer.json --ruleset no-such-ruleset
echo "exit $?"
echo '{"rules": [{"name": "no logic"}]}' > rs.json
$VIGIL scan --inventory bad.json --ruleset rs.json
echo "exit $?"
head -c 100 "$TESTDATA/gsl/inventories/seed-exact-sns.json" > truncated.json
$VIGIL scan --inventory truncated.json --ruleset "$TESTDATA/rules/broken-and-good.json"
echo "exit $?"
$VIGIL scan --demo --inventory x.json
echo "exit $?"
