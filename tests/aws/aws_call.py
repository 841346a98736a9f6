#!/usr/bin/env python3
"""A tiny signed AWS client for tests against fake_aws.py (loopback only).

It signs with the server's own SigV4 code (fakeaws/wire.py), so it proves nothing about signing (the AWS CLI test
does that); it exists to check many server answers, raw bodies and headers quickly, in one
process.

  aws_call.py --port P --key AKID --secret S [--token T] BATCH.json

BATCH.json is a list of calls {"id", "service", "region", "op", "params"}; params is the JSON
body for JSON 1.1 services, or the flat form fields (e.g. "AlarmNames.member.1") for query and
EC2. Optional per call: "protocol": "cbor" or "json10" (CloudWatch's newer protocols), "unsigned": true (no Authorization), "clockSkew": seconds added to the
signing time, "key"/"secret"/"token", "credsFrom": id of an earlier AssumeRole* call whose
credentials to use ("dropToken": true to leave its session token out). Prints one JSON object: id -> {"status",
"contentType", "headers", "error" (code or null), "data" (parsed body, XML as nested dicts and
lists; CBOR decoded), "parses" (bool), "bytes", "seconds"}.
"""

import argparse
import hashlib
import http.client
import json
import os
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fakeaws import wire  # noqa: E402  (the server's package, next to this file)

QUERY_VERSIONS = {"monitoring": "2010-08-01", "sns": "2010-03-31", "sts": "2011-06-15", "ec2": "2016-11-15",
                  "iam": "2010-05-08"}


def xml_to_data(elem):
    """XML -> dicts; elements whose children are all <member> or <item> become lists."""
    children = list(elem)
    if not children:
        return elem.text or ""
    tags = [c.tag.split("}")[-1] for c in children]
    if all(t in ("member", "item") for t in tags):
        return [xml_to_data(c) for c in children]
    if all(t == "entry" for t in tags):
        out = {}
        for c in children:
            kv = {k.tag.split("}")[-1]: (k.text or "") for k in c}
            out[kv.get("key")] = kv.get("value")
        return out
    return {t: xml_to_data(c) for t, c in zip(tags, children)}


def call(port, key, secret, token, spec):
    """One request; returns the result record described in the module comment."""
    started = time.monotonic()
    service, region, op = spec["service"], spec["region"], spec["op"]
    params = spec.get("params", {})
    proto = spec.get("protocol") or wire.SERVICES[service]["protocol"]
    headers = {"host": [f"127.0.0.1:{port}"]}
    path = "/"
    if proto == "cbor":  # Smithy RPC v2 CBOR, for the services AWS also serves that way
        path = f"/service/{wire.ALT_PROTOCOL_SERVICE[service]}/operation/{op}"
        body = wire.cbor_encode(params)
        headers.update({"content-type": ["application/cbor"], "accept": ["application/cbor"],
                        "smithy-protocol": ["rpc-v2-cbor"]})
    elif proto == "json10":
        body = json.dumps(params).encode()
        headers["content-type"] = ["application/x-amz-json-1.0"]
        headers["x-amz-target"] = [f"{wire.ALT_PROTOCOL_SERVICE[service]}.{op}"]
    elif proto == "json":
        body = json.dumps(params).encode()
        headers["content-type"] = ["application/x-amz-json-1.1"]
        headers["x-amz-target"] = [f"{wire.SERVICES[service]['target']}.{op}"]
    else:
        form = {"Action": op, "Version": QUERY_VERSIONS[service]}
        form.update(params)
        body = urllib.parse.urlencode(form, quote_via=urllib.parse.quote).encode()
        headers["content-type"] = ["application/x-www-form-urlencoded; charset=utf-8"]
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() + spec.get("clockSkew", 0)))
    flat = {k: v[0] for k, v in headers.items()}
    if not spec.get("unsigned"):
        headers["x-amz-date"] = [amz_date]
        if token:
            headers["x-amz-security-token"] = [token]
        signed = sorted(headers)
        scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
        creq = wire.canonical_request("POST", path, "", headers, signed, hashlib.sha256(body).hexdigest())
        sig = wire.signature(secret, amz_date, scope, creq)
        flat = {k: v[0] for k, v in headers.items()}
        flat["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={key}/{scope}, "
                                 f"SignedHeaders={';'.join(signed)}, Signature={sig}")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", path, body, flat)
    resp = conn.getresponse()
    raw = resp.read()
    conn.close()
    ctype = resp.getheader("Content-Type") or ""
    out = {"status": resp.status, "contentType": ctype, "headers": dict(resp.getheaders()),
           "bytes": len(raw), "error": None, "data": None, "parses": True,
           "seconds": round(time.monotonic() - started, 3)}
    try:
        if "cbor" in ctype:
            out["data"] = wire.cbor_decode(raw) if raw else None
        elif "json" in ctype:
            out["data"] = json.loads(raw) if raw else None
        else:
            out["data"] = xml_to_data(ET.fromstring(raw)) if raw else None
    except (ValueError, ET.ParseError):
        out["parses"] = False
        out["data"] = raw.decode("utf-8", "replace")
    if resp.status >= 300 and isinstance(out["data"], dict):
        d = out["data"]
        if resp.getheader("x-amzn-query-error"):
            out["error"] = resp.getheader("x-amzn-query-error").split(";")[0]
        elif "__type" in d:
            out["error"] = d["__type"].rsplit("#", 1)[-1].split(":")[0]
        elif isinstance(d.get("Error"), dict):
            out["error"] = d["Error"].get("Code")
        elif isinstance(d.get("Errors"), dict):
            out["error"] = d["Errors"].get("Error", {}).get("Code")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--token")
    ap.add_argument("batch")
    args = ap.parse_args()
    with open(args.batch, encoding="utf-8") as f:
        batch = json.load(f)
    results = {}
    for spec in batch:
        key, secret, token = spec.get("key", args.key), spec.get("secret", args.secret), spec.get("token", args.token)
        if "credsFrom" in spec:  # the credentials an earlier AssumeRole* call in the batch returned
            result = results[spec["credsFrom"]]["data"]
            creds = next(iter(result.values()))["Credentials"]
            key, secret = creds["AccessKeyId"], creds["SecretAccessKey"]
            token = None if spec.get("dropToken") else creds["SessionToken"]
        try:
            results[spec["id"]] = call(args.port, key, secret, token, spec)
        except (OSError, http.client.HTTPException) as e:
            results[spec["id"]] = {"status": 0, "error": f"transport: {e}", "data": None, "parses": False}
    json.dump(results, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
