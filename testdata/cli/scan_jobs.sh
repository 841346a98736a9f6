# Rules are evaluated in parallel; the report is the same for any number of threads.
$VIGIL scan --demo --now 2026-11-27T00:00:00Z --format json --no-history --jobs 1 > one.json
echo "exit $?"
$VIGIL scan --demo --now 2026-11-27T00:00:00Z --format json --no-history --jobs 3 > three.json
echo "exit $?"
$VIGIL scan --demo --now 2026-11-27T00:00:00Z --format json --no-history > all.json
echo "exit $?"
cmp one.json three.json && cmp one.json all.json && echo "same reports"
grep -c '"ruleId"' one.json
$VIGIL scan --demo --jobs 5000 > bad.txt 2>&1
echo "exit $?"
head -1 bad.txt
