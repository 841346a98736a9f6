$VIGIL scan --inventory "$TESTDATA/gsl/inventories/seed-exact-sns.json" --ruleset "$TESTDATA/rules/broken-and-good.json" --now 2026-11-27T00:00:00Z --format json 2>/dev/null
echo "exit $?"
