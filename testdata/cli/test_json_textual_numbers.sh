$VIGIL pattern test --count '{ $.code = 403 }' '{"code":"403"}' '{"code":403}'
$VIGIL pattern test --count --numbers textual '{ $.code = 403 }' '{"code":"403"}' '{"code":403}'
