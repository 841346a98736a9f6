# 100,000 nested arrays: beyond the depth limit, so not JSON; no crash, no stack overflow.
python3 -c 'print("["*100000 + "]"*100000)' > deep.json
$VIGIL pattern test --count --file deep.json '{ $.b NOT EXISTS }'
# 200 nested objects: within the default limit (256).
python3 -c 'print("{\"a\":"*200 + "1" + "}"*200)' > ok.json
$VIGIL pattern test --count --file ok.json '{ $.b NOT EXISTS }'
# 300 nested objects: beyond it, unless the limit is raised.
python3 -c 'print("{\"a\":"*300 + "1" + "}"*300)' > deep2.json
$VIGIL pattern test --count --file deep2.json '{ $.b NOT EXISTS }'
$VIGIL pattern test --count --max-json-depth 1000 --file deep2.json '{ $.b NOT EXISTS }'
