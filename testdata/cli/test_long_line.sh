{ printf 'ERROR short\n'; head -c 5000 /dev/zero | tr '\0' E; printf '\nERROR again\n'; } > big.txt
$VIGIL pattern test --count --max-event-bytes 1000 --file big.txt ERROR
