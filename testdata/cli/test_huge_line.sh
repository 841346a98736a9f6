# A 100 MB line is reported and skipped; the lines around it are still matched.
{ echo 'ERROR first'; head -c 100000000 /dev/zero | tr '\0' E; echo; echo 'ERROR last'; } > huge.txt
$VIGIL pattern test --file huge.txt ERROR | grep eventNumber
