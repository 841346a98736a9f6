#!/usr/bin/env bash
# Opens vigil's HTML report in headless Chromium, checks the DOM it renders and takes a
# screenshot. Skipped (exit 77) where Chromium is not installed.
set -euo pipefail
: "${VIGIL:?}" "${TESTDATA:?}"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  echo "chromium not installed: skipped"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$VIGIL" scan --inventory "$TESTDATA/gsl/inventories/seed-narrower-sns.json" \
  --ruleset "$TESTDATA/rules/broken-and-good.json" --now 2026-11-27T00:00:00Z \
  --format html --no-history --output "$work/report.html" 2>/dev/null || true
grep -q '</html>' "$work/report.html"
# The page must be self-contained: no network assets.
if grep -Eq '(src|href)="(https?:)?//' "$work/report.html"; then
  echo "FAIL: the report loads assets from the network"
  exit 1
fi
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --user-data-dir="$work/profile")
timeout 120 "$CHROMIUM" "${flags[@]}" --dump-dom "file://$work/report.html" >"$work/dom.html" 2>/dev/null
timeout 120 "$CHROMIUM" "${flags[@]}" --window-size=1200,1600 --screenshot="$work/shot.png" \
  "file://$work/report.html" >/dev/null 2>&1
fail=0
check() {  # check DESCRIPTION EXPECTED ACTUAL
  if [ "$2" != "$3" ]; then echo "FAIL: $1: expected $2, got $3"; fail=1; else echo "ok: $1"; fi
}
check "failed findings in the DOM" 2 "$(grep -o 'class="finding" data-status="failed"' "$work/dom.html" | wc -l)"
check "rules shown" 2 "$(grep -o '<details class="rule"' "$work/dom.html" | wc -l)"
check "broken rule listed" 1 "$(grep -o 'class="broken"' "$work/dom.html" | wc -l)"
check "summary table" 1 "$(grep -o 'id="summary"' "$work/dom.html" | wc -l)"
check "missed event explained" 1 "$(grep -c 'does not match PutDeliveryChannel from config.amazonaws.com' "$work/dom.html" | awk '{print ($1>0)}')"
check "screenshot is a PNG" "PNG" "$(head -c 4 "$work/shot.png" | tail -c 3)"
exit $fail
