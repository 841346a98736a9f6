# An active exclusion turns the failure into "excluded" and the scan passes; an expired one does
# nothing.
$VIGIL scan --inventory "$TESTDATA/gsl/inventories/seed-narrower-sns.json" --ruleset "$TESTDATA/rules/broken-and-good.json" --rule X.2 --rule D9.AWS.MON.09 --exclusions "$TESTDATA/rules/exclusions.json" --now 2026-11-27T00:00:00Z --fail-on high
