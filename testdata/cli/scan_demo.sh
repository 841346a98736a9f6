# The bundled demo account with the bundled rulesets (the README's first command).
$VIGIL scan --demo --now 2026-11-27T00:00:00Z > report.txt
echo "exit $?"
tail -1 report.txt
grep -c '^FAILED\|^PASSED\|^NO-DATA' report.txt
$VIGIL scan --demo --now 2026-11-27T00:00:00Z --rule D9.AWS.MON.09 --rule VIGIL.AWS.CIS.4.9 --verbose
