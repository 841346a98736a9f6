# Each scan is recorded in SQLite ($VIGIL_HISTORY_DB here); vigil diff compares the last two scans
# of the account: a trail added with a failing filter is a new failure and a new resource.
export VIGIL_HISTORY_DB=history.db
R="$TESTDATA/rules/broken-and-good.json"
$VIGIL diff
echo "exit $?"
$VIGIL scan --inventory "$TESTDATA/gsl/inventories/seed-exact-sns.json" --ruleset "$R" --now 2026-11-26T00:00:00Z >/dev/null 2>&1
python3 - "$TESTDATA" <<'PY'
import json, sys
t = sys.argv[1]
d = json.load(open(t + "/gsl/inventories/seed-exact-sns.json"))
n = json.load(open(t + "/gsl/inventories/seed-narrower-sns.json"))
d["entities"]["CloudTrail"] += n["entities"]["CloudTrail"]
json.dump(d, open("changed.json", "w"))
PY
$VIGIL scan --inventory changed.json --ruleset "$R" --now 2026-11-27T00:00:00Z >/dev/null 2>&1
echo "scan exit $?"
$VIGIL diff
echo "exit $?"
$VIGIL scan --inventory changed.json --ruleset "$R" --now 2026-11-28T00:00:00Z --no-history >/dev/null 2>&1
$VIGIL diff --format json
