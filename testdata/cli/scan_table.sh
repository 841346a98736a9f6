# A ruleset with a broken rule: the others still run; the broken one is reported; exit 1 (failures).
$VIGIL scan --inventory "$TESTDATA/gsl/inventories/seed-narrower-sns.json" --ruleset "$TESTDATA/rules/broken-and-good.json" --now 2026-11-27T00:00:00Z
