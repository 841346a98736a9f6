#!/usr/bin/python3
"""The peer of the collector benchmark: vigil's collection plan (shared/docs/aws-api.md §4) done
with botocore, the SDK under the AWS CLI and boto3-based tools, in a thread pool of the same size.

It uses the botocore that Debian's awscli package ships (awscli.botocore), so it needs no
download. It makes the same calls as `vigil collect` and prints one line:
    calls=<n> trails=<n> filters=<n> alarms=<n> topics=<n>
Usage: collect_peer_botocore.py --endpoint-url URL --region R [--concurrency N]
Credentials come from the environment, as for vigil.
"""
import argparse
import concurrent.futures
import threading

try:
    from awscli.botocore.session import Session  # Debian's awscli 2 vendors botocore
except ImportError:  # pragma: no cover - a pip-installed botocore
    from botocore.session import Session

parser = argparse.ArgumentParser()
parser.add_argument("--endpoint-url", required=True)
parser.add_argument("--region", required=True)
parser.add_argument("--concurrency", type=int, default=8)
args = parser.parse_args()

session = Session()
lock = threading.Lock()
calls = 0
local = threading.local()


def count(**_):
    global calls
    with lock:
        calls += 1


session.register("before-send", count)


def client(service, region):
    # botocore clients are thread-safe, but creating them is not cheap; one per thread/service/region.
    cache = getattr(local, "clients", None)
    if cache is None:
        cache = local.clients = {}
    key = (service, region)
    if key not in cache:
        cache[key] = session.create_client(service, region_name=region, endpoint_url=args.endpoint_url)
    return cache[key]


def paginate(service, region, op, key, **kw):
    out = []
    for page in client(service, region).get_paginator(op).paginate(**kw):
        out.extend(page.get(key, []))
    return out


home = args.region
client("sts", home).get_caller_identity()
regions = [r["RegionName"] for r in client("ec2", home).describe_regions()["Regions"]
           if r.get("OptInStatus") != "not-opted-in"]


def region_tasks(r):
    return [
        lambda: ("trails", r, client("cloudtrail", r).describe_trails(includeShadowTrails=True)["trailList"]),
        lambda: ("groups", r, paginate("logs", r, "describe_log_groups", "logGroups")),
        lambda: ("filters", r, paginate("logs", r, "describe_metric_filters", "metricFilters")),
        lambda: ("alarms", r, paginate("cloudwatch", r, "describe_alarms", "MetricAlarms")),
        lambda: ("topics", r, paginate("sns", r, "list_topics", "Topics")),
        lambda: ("rec", r, client("config", r).describe_configuration_recorders()),
        lambda: ("recst", r, client("config", r).describe_configuration_recorder_status()),
        lambda: ("chan", r, client("config", r).describe_delivery_channels()),
    ]


results = {}
with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
    for kind, r, value in pool.map(lambda f: f(), [t for r in regions for t in region_tasks(r)]):
        results.setdefault(kind, {})[r] = value

trails = {}
for r, lst in results.get("trails", {}).items():
    for t in lst:
        trails[t["TrailARN"]] = t.get("HomeRegion", r)
listed = {t["TopicArn"] for lst in results.get("topics", {}).values() for t in lst}
alarm_topics = {a for lst in results.get("alarms", {}).values() for al in lst
                for a in al.get("AlarmActions", []) if ":sns:" in a}


def safe(f):
    try:
        return f()
    except Exception:  # permission gaps are recorded by vigil; the peer only needs to call
        return None


second = []
for arn, home_region in trails.items():
    second.append(lambda arn=arn, h=home_region: safe(lambda: client("cloudtrail", h).get_trail_status(Name=arn)))
    second.append(lambda arn=arn, h=home_region: safe(lambda: client("cloudtrail", h).get_event_selectors(TrailName=arn)))
for arn in sorted(listed | alarm_topics):
    region = arn.split(":")[3]
    second.append(lambda arn=arn, r=region: safe(lambda: paginate("sns", r, "list_subscriptions_by_topic", "Subscriptions", TopicArn=arn)))
    if arn in listed:
        second.append(lambda arn=arn, r=region: safe(lambda: client("sns", r).get_topic_attributes(TopicArn=arn)))
with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
    list(pool.map(lambda f: f(), second))

n_filters = sum(len(v) for v in results.get("filters", {}).values())
n_alarms = sum(len(v) for v in results.get("alarms", {}).values())
print(f"calls={calls} trails={len(trails)} filters={n_filters} alarms={n_alarms} topics={len(listed)}")
