#!/usr/bin/env python3
"""Generates a synthetic vigil inventory (docs/inventory.md) for the GSL benchmark.

The entities are shaped like CloudGuard's (gsl.md §9) for the types that bench/gsl_rules.txt
uses, with a realistic mix of compliant and non-compliant values. The output depends only on
the arguments.

usage: gen_inventory.py --entities 100000 --seed 1 --out inventory.json
"""
import argparse
import json
import random

CIS_49 = ('{($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||'
          '($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||'
          '($.eventName=PutConfigurationRecorder))}')


def rules(r, n):
    out = []
    for _ in range(n):
        port = r.choice([22, 80, 443, 3389, 5432, 8080, 27017, 10250, 0])
        out.append({
            "protocol": r.choice(["TCP", "TCP", "UDP", "ICMP", "ALL"]),
            "port": port,
            "portTo": port if r.random() < 0.9 else 65535,
            "scope": r.choice(["0.0.0.0/0", "10.0.0.0/8", "192.168.1.0/24", "172.16.0.0/12",
                               "203.0.113.7/32"]),
        })
    return out


def date(r, now, max_days):
    t = now - r.randint(0, max_days * 86400)
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def entity(r, kind, i, now):
    base = {"id": f"{kind.lower()}-{i:07d}", "name": f"{kind.lower()}-{i}", "region": r.choice(
        ["us-east-1", "eu-west-1", "ap-southeast-2"]), "accountNumber": "111122223333"}
    if kind == "Instance":
        env = r.choice(["prod", "dev", "test", "qa", "misc"])
        base["name"] = r.choice([f"web-{i}-{env}-a", f"{env}-app-{i}-x", f"box{i}"])
        base["inboundRules"] = rules(r, r.randint(0, 6))
        base["tags"] = [{"key": k, "value": "x"} for k in r.sample(["owner", "env", "team", "cost"], r.randint(0, 3))]
        if r.random() < 0.7:
            base["roles"] = [{"name": "role"}]
    elif kind == "AMI":
        base["isPublic"] = r.random() < 0.1
    elif kind == "RDS":
        base["backupRetentionPeriod"] = r.choice([0, 1, 7, 14, 35])
        base["isStorageEncrypted"] = r.choice(["true", "false", True])
        if r.random() < 0.6:
            base["kmsKeyId"] = f"arn:aws:kms:us-east-1:111122223333:key/{i}"
        base["inboundRules"] = rules(r, r.randint(0, 3))
    elif kind == "S3Bucket":
        if r.random() < 0.7:
            base["encryption"] = {"serverSideEncryptionRules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]}
        base["logging"] = {"enabled": r.random() < 0.5}
    elif kind == "Subnet":
        base["mapPublicIpOnLaunch"] = r.random() < 0.3
    elif kind == "VPC":
        base["hasFlowLogs"] = r.random() < 0.6
        base["subnets"] = [f"subnet-{k}" for k in range(r.randint(0, 3))]
    elif kind == "IamUser":
        base["name"] = r.choice([f"user{i}", f"root_account_{i}", f"svc-{i}"])
        base["virtualMfaEnabled"] = r.random() < 0.5
        base["passwordEnabled"] = r.choice(["true", "false"])
        base["passwordLastUsed"] = date(r, now, 200)
    elif kind == "SecurityGroup":
        base["inboundRules"] = rules(r, r.randint(0, 8))
    elif kind == "CloudTrail":
        pattern = r.choice([CIS_49, CIS_49, '{ $.eventSource = config.amazonaws.com }', None])
        filters = []
        if pattern:
            filters.append({"filterName": "config", "filterPattern": pattern,
                            "metricTransformations": [{"metricName": "m", "metricNamespace": "CISBenchmark"}]})
        base["metricFilters"] = filters
        base["hasSNSSubscriber"] = r.choice(["true", "false"])
        base["chainReadable"] = True
    return base


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entities", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--now", type=int, default=1795737600, help="epoch seconds (2026-11-27)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    r = random.Random(a.seed)
    mix = [("Instance", 30), ("S3Bucket", 12), ("IamUser", 12), ("RDS", 10), ("SecurityGroup", 12),
           ("VPC", 5), ("Subnet", 8), ("AMI", 6), ("CloudTrail", 5)]
    total = sum(w for _, w in mix)
    ents = {k: [] for k, _ in mix}
    i = 0
    for kind, w in mix:
        for _ in range(a.entities * w // total):
            ents[kind].append(entity(r, kind, i, a.now))
            i += 1
    inv = {"version": 1, "account": {"id": "111122223333", "name": "bench", "cloudProvider": "aws"},
           "entities": ents}
    with open(a.out, "w") as f:
        json.dump(inv, f, separators=(",", ":"))
    print(f"{i} entities -> {a.out}")


if __name__ == "__main__":
    main()
