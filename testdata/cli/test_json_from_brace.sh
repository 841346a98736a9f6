$VIGIL pattern test --count '{ $.level = "ERROR" }' '2024-01-01T00:00:00Z	abc	ERROR	{"level":"ERROR"}'
$VIGIL pattern test --count --json-from-brace '{ $.level = "ERROR" }' '2024-01-01T00:00:00Z	abc	ERROR	{"level":"ERROR"}'
