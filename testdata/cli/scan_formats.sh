# Every format, written atomically with --output; SARIF validated against the official schema.
for f in csv junit sarif; do
  $VIGIL scan --inventory "$TESTDATA/gsl/inventories/seed-narrower-sns.json" --ruleset "$TESTDATA/rules/broken-and-good.json" --now 2026-11-27T00:00:00Z --format $f --output report.$f 2>/dev/null
  echo "$f exit $?"
done
cat report.csv
cat report.junit
python3 - "$SHARED/data/sarif/sarif-schema-2.1.0.json" report.sarif <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
report = json.load(open(sys.argv[2]))
jsonschema.validate(report, schema)
print("sarif: valid against SARIF 2.1.0;", len(report["runs"][0]["results"]), "results")
PY
ls report.* | sort
