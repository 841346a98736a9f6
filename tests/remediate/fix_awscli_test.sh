#!/usr/bin/env bash
# Every command of `vigil fix --format cli` checked with the real awscli: the script runs with an
# `aws` wrapper that sends each command to a loopback server (--endpoint-url), which records the
# request awscli built and refuses it. The requests must be exactly the plan's API calls
# (`--format json`): same operations, same parameters and values. A misspelled option makes
# awscli stop with a usage error (exit 252), which fails the script: the test checks that too.
# Skipped (77) where awscli is not installed.
set -euo pipefail
: "${VIGIL:?}" "${TESTDATA:?}"
real_aws=""
for c in /usr/bin/aws "$(command -v aws || true)"; do
  if [ -n "$c" ] && [ -x "$c" ]; then real_aws=$c; break; fi
done
[ -n "$real_aws" ] || { echo "awscli not installed: skipped"; exit 77; }
work=$(mktemp -d)
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }

python3 - "$work" <<'PY' &
import http.server, json, os, sys
work = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        rec = {"target": self.headers.get("X-Amz-Target"), "type": self.headers.get("Content-Type"),
               "body": body}
        with open(work + "/requests.ndjson", "a") as f:
            f.write(json.dumps(rec) + "\n")
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.end_headers()
        self.wfile.write(b'{"__type":"VigilTestRecorded","message":"recorded"}')
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(work + "/port.tmp", "w").write(str(s.server_address[1]))
os.rename(work + "/port.tmp", work + "/port")
s.serve_forever()
PY
server_pid=$!
for _ in $(seq 50); do [ -f port ] && break; sleep 0.1; done
[ -f port ] || fail "the loopback server did not start"
port=$(cat port)

mkdir bin
cat > bin/aws <<WRAP
#!/bin/sh
# The real awscli against the loopback server. A usage error (252) fails; the server's refusal
# (254/255) is expected. --query answers get a fixed ARN.
AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=vigil-test AWS_EC2_METADATA_DISABLED=true \\
AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard AWS_CONFIG_FILE=/dev/null \\
AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER= \\
  "$real_aws" "\$@" --endpoint-url "http://127.0.0.1:$port" >/dev/null 2>"$work/err.txt"
rc=\$?
if [ \$rc -ne 254 ] && [ \$rc -ne 255 ]; then cat "$work/err.txt" >&2; exit \$rc; fi
grep -q VigilTestRecorded "$work/err.txt" || { cat "$work/err.txt" >&2; exit 1; }
case " \$* " in *" --query "*) echo "arn:aws:sns:us-east-1:111122223333:vigil-test-ref" ;; esac
exit 0
WRAP
chmod +x bin/aws

check() {  # NAME, then vigil fix arguments
  local name=$1; shift
  rm -f requests.ndjson
  "$VIGIL" fix "$@" --format cli --output "$name.sh" 2>/dev/null || fail "$name: vigil fix"
  "$VIGIL" fix "$@" --format json --output "$name.json" 2>/dev/null || fail "$name: vigil fix json"
  NOTIFICATION_EMAIL=team@example.com PATH="$work/bin:$PATH" sh "$name.sh" >"$name.out" 2>&1 ||
    { cat "$name.out"; fail "$name: awscli rejected a command"; }
  python3 - "$name.json" requests.ndjson <<'PY' || fail "$name: requests differ from the plan"
import json, sys, urllib.parse
plan = json.load(open(sys.argv[1]))
reqs = [json.loads(l) for l in open(sys.argv[2])]
REF = "arn:aws:sns:us-east-1:111122223333:vigil-test-ref"
assert len(reqs) == len(plan["steps"]), (len(reqs), len(plan["steps"]))

def resolve(v):
    if isinstance(v, dict) and "ref" in v:
        return REF
    if isinstance(v, dict) and "param" in v:
        return "team@example.com"
    if isinstance(v, dict):
        return {k: resolve(x) for k, x in v.items()}
    if isinstance(v, list):
        return [resolve(x) for x in v]
    return v

def flatten(prefix, v, out):  # the query protocol's encoding
    if isinstance(v, dict):
        for k, x in v.items():
            flatten(f"{prefix}.{k}" if prefix else k, x, out)
    elif isinstance(v, list):
        for i, x in enumerate(v, 1):
            flatten(f"{prefix}.member.{i}", x, out)
    elif isinstance(v, bool):
        out[prefix] = "true" if v else "false"
    else:
        out[prefix] = str(v)

def same_json(a, b):
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(same_json, a, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) or isinstance(b, (int, float)):
        return float(a) == float(b)
    return a == b

for step, req in zip(plan["steps"], reqs):
    params = resolve(step["parameters"])
    if req["target"]:  # JSON protocols
        op = req["target"].split(".")[-1]
        got = json.loads(req["body"] or "{}")
        assert op == step["operation"], (op, step["operation"])
        assert same_json(params, got), (step["operation"], params, got)
    else:
        got = dict(urllib.parse.parse_qsl(req["body"], keep_blank_values=True))
        assert got.pop("Action") == step["operation"], (got, step["operation"])
        got.pop("Version")
        want = {}
        flatten("", params, want)
        for k in list(got):
            if k in want:
                try:
                    if float(got[k]) == float(want[k]):
                        got[k] = want[k]
                except ValueError:
                    pass
        assert got == want, (step["operation"], want, got)
print(f"{sys.argv[1]}: {len(reqs)} requests as planned")
PY
}

check demo --demo
check no_cloudwatch_trail VIGIL.AWS.CIS.4.9 --inventory "$TESTDATA/remediate/no_cloudwatch_trail.json"
check pending_only VIGIL.AWS.CIS.4.9 --inventory "$TESTDATA/remediate/pending_only.json" --protocol https \
  --endpoint 'https://hooks.example.com/sns?a=1&b=2'
check hostile VIGIL.AWS.CIS.4.9 --inventory "$TESTDATA/remediate/missing_filter.json" \
  --email $'o\'k "$(x)" `y` @example.com' --namespace $'N\'s $(x) ${y}'

# The check is real: a misspelled option is a usage error.
sed 's/--filter-pattern /--filter-patern /' demo.sh > broken.sh
if NOTIFICATION_EMAIL=x PATH="$work/bin:$PATH" sh broken.sh >broken.out 2>&1; then
  fail "a misspelled option was not caught"
fi
grep -q "filter-patern\|required" broken.out || { cat broken.out; fail "unexpected error"; }
echo "awscli ($("$real_aws" --version 2>&1 | cut -d' ' -f1)): every command accepted and sent as planned; a misspelled option is rejected"
