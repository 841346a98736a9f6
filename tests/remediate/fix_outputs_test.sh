#!/usr/bin/env bash
# vigil fix outputs under hostile names: a log group name, e-mail address, namespace and filter
# pattern holding ' " $(...) backticks, spaces and a newline. The shell script must pass `sh -n`
# and, run with a fake `aws` that records its argv, hand every value over byte for byte without
# running anything; the CloudFormation template must parse as YAML (with CloudFormation's tags)
# and give back the same values; the Terraform strings must unescape to them. Also: every format
# over the demo account and each failure kind parses.
set -euo pipefail
: "${VIGIL:?}" "${TESTDATA:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }

# A hostile inventory: the trail's log group name, and a custom rule with a hostile pattern.
python3 - "$TESTDATA/remediate/missing_filter.json" "$work" <<'PY'
import json, sys
inv = json.load(open(sys.argv[1]))
name = "CloudTrail/it's \"x\" $(touch PWNED) `touch PWNED2` a  b\nc;d|e&f>g"
t = inv["entities"]["CloudTrail"][0]
t["logGroupName"] = name
t["cloudWatchLogsLogGroupArn"] = "arn:aws:logs:us-east-1:111122223333:log-group:" + name + ":*"
json.dump(inv, open(sys.argv[2] + "/hostile.json", "w"))
pattern = "{ $.eventName = \"it's $(touch PWNED3) `id` ${HOME} %{x}\" }"
rule = {"name": "hostile", "ruleId": "HOSTILE.1", "severity": "Low",
        "logic": "List<CloudTrail> should have items with [metricFilters with [filterPattern "
                 "coversFilterPattern('" + pattern.replace("'", "\\'") + "')] length() > 0]"}
json.dump({"name": "hostile", "rules": [rule]}, open(sys.argv[2] + "/hostile-rules.json", "w"))
json.dump({"logGroup": name, "pattern": pattern}, open(sys.argv[2] + "/expected.json", "w"))
PY
email=$'o\'k "$(touch PWNED4)" `touch PWNED5` @example.com\nx'
namespace=$'N\'s $(touch PWNED6) `x` ${y}'
common=(--inventory hostile.json --ruleset hostile-rules.json --email "$email" --namespace "$namespace")
"$VIGIL" fix "${common[@]}" --format cli --output fix.sh 2>summary.txt || fail "vigil fix cli"
"$VIGIL" fix "${common[@]}" --format cloudformation --output fix.yaml 2>/dev/null || fail "cfn"
"$VIGIL" fix "${common[@]}" --format terraform --output fix.tf 2>/dev/null || fail "terraform"
"$VIGIL" fix "${common[@]}" --format json --output plan.json 2>/dev/null || fail "json"
sh -n fix.sh || fail "sh -n fix.sh"

mkdir bin
cat > bin/aws <<'AWS'
#!/bin/sh
# Records argv, NUL-separated, one file per call; answers --query with a fake value.
n=$(ls "$CALLS" | wc -l)
for a in "$@"; do printf '%s\0' "$a"; done > "$CALLS/$n"
case " $* " in *" --query "*) echo "arn:aws:sns:us-east-1:111122223333:fake-ref" ;; esac
AWS
chmod +x bin/aws
mkdir calls
CALLS="$work/calls" PATH="$work/bin:$PATH" sh fix.sh > run.txt 2>&1 || { cat run.txt; fail "fix.sh"; }
ls PWNED* 2>/dev/null && fail "a hostile value ran a command"

python3 - "$work" "$email" "$namespace" <<'PY'
import json, os, re, sys
work, email, namespace = sys.argv[1], sys.argv[2], sys.argv[3]
exp = json.load(open(work + "/expected.json"))
plan = json.load(open(work + "/plan.json"))
calls = []
for n in sorted(os.listdir(work + "/calls"), key=int):
    raw = open(work + "/calls/" + n, "rb").read()
    calls.append([a.decode() for a in raw.split(b"\0")[:-1]])
assert len(calls) == len(plan["steps"]), (len(calls), len(plan["steps"]))

def opt(argv, name):
    for i, a in enumerate(argv):
        if a == name:
            return argv[i + 1]
        if a.startswith(name + "="):
            return a[len(name) + 1:]
    raise AssertionError(f"{name} missing in {argv}")

ops = [c[1] for c in calls]
assert ops == ["create-topic", "subscribe", "put-metric-filter", "put-metric-alarm"], ops
sub, filt, alarm = calls[1], calls[2], calls[3]
assert opt(sub, "--notification-endpoint") == email
assert opt(sub, "--topic-arn") == "arn:aws:sns:us-east-1:111122223333:fake-ref"
assert opt(filt, "--log-group-name") == exp["logGroup"], opt(filt, "--log-group-name")
assert opt(filt, "--filter-pattern") == exp["pattern"]
mt = json.loads(opt(filt, "--metric-transformations"))
assert mt[0]["metricNamespace"] == namespace, mt
assert opt(alarm, "--namespace") == namespace
assert opt(alarm, "--alarm-actions") == "arn:aws:sns:us-east-1:111122223333:fake-ref"
print("shell: every hostile value passed byte for byte")

import yaml
class Loader(yaml.SafeLoader):
    pass
for tag in ("!Ref", "!GetAtt", "!Sub"):
    Loader.add_constructor(tag, lambda l, n, t=tag: {t: l.construct_scalar(n)})
doc = yaml.load(open(work + "/fix.yaml"), Loader=Loader)
res = doc["Resources"]
f = [r for r in res.values() if r["Type"] == "AWS::Logs::MetricFilter"][0]["Properties"]
assert f["LogGroupName"] == exp["logGroup"] and f["FilterPattern"] == exp["pattern"]
assert f["MetricTransformations"][0]["MetricNamespace"] == namespace
s = [r for r in res.values() if r["Type"] == "AWS::SNS::Subscription"][0]["Properties"]
assert s["Endpoint"] == email and s["TopicArn"] == {"!Ref": "AlertsTopic"}, s
for line in open(work + "/fix.yaml"):
    assert line.lstrip().startswith("#") or "PWNED" not in line or "\"" in line, line
print("cloudformation: parses, values intact")

def hcl_unquote(s):
    assert s[0] == '"' and s[-1] == '"'
    out, i, body = [], 0, s[1:-1]
    while i < len(body):
        c = body[i]
        if c == "\\":
            e = body[i + 1]
            if e == "u":
                out.append(chr(int(body[i + 2:i + 6], 16))); i += 6; continue
            out.append({"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}[e]); i += 2; continue
        if body.startswith("$${", i) or body.startswith("%%{", i):
            out.append(c + "{"); i += 3; continue
        assert not body.startswith("${", i) and not body.startswith("%{", i), body
        assert c != '"', body
        out.append(c); i += 1
    return "".join(out)
tf = open(work + "/fix.tf").read()
def attr(name):
    m = re.search(r'^\s*' + name + r'\s*= ("(?:[^"\\]|\\.)*")$', tf, re.M)
    assert m, name
    return hcl_unquote(m.group(1))
assert attr("log_group_name") == exp["logGroup"]
assert attr("pattern") == exp["pattern"]
assert attr("endpoint") == email
assert attr("namespace") == namespace
for line in tf.splitlines():
    assert not line.strip() or line.lstrip().startswith("#") or "\n" not in line
print("terraform: strings unescape to the values")
PY

# Every format over the demo account and each failure kind: the script passes sh -n, the
# template parses as YAML with CloudFormation's tags (and cfn-lint, where installed).
for inv in demo $(cd "$TESTDATA/remediate" && ls *.json | sed 's/\.json$//'); do
  if [ "$inv" = demo ]; then src=(--demo); else src=(--inventory "$TESTDATA/remediate/$inv.json"); fi
  "$VIGIL" fix "${src[@]}" --email team@example.com --format cli --output "$inv.sh" 2>/dev/null || fail "$inv cli"
  [ -f "$inv.sh" ] || continue  # nothing to do
  sh -n "$inv.sh" || fail "$inv: sh -n"
  "$VIGIL" fix "${src[@]}" --format cloudformation --output "$inv.yaml" 2>/dev/null || fail "$inv cfn"
  "$VIGIL" fix "${src[@]}" --format terraform --output "$inv.tf" 2>/dev/null || fail "$inv tf"
  python3 - "$inv.yaml" <<'PY' || fail "$inv: YAML"
import sys, yaml
class Loader(yaml.SafeLoader):
    pass
for tag in ("!Ref", "!GetAtt", "!Sub"):
    Loader.add_constructor(tag, lambda l, n: l.construct_scalar(n))
d = yaml.load(open(sys.argv[1]), Loader=Loader)
assert d["AWSTemplateFormatVersion"] == "2010-09-09" and d["Resources"], d
PY
  if command -v cfn-lint >/dev/null; then
    cfn-lint --regions us-east-1 -- "$inv.yaml" || fail "$inv: cfn-lint"
  fi
done
# Terraform: the HCL parses and is laid out as terraform fmt lays it out (no provider needed).
if command -v terraform >/dev/null; then
  TF_CLI_CONFIG_FILE=/dev/null terraform fmt -check -diff . >tf.txt 2>&1 || { cat tf.txt; fail "terraform fmt"; }
fi
echo "fix outputs: ok"
