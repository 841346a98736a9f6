#!/usr/bin/env python3
"""Writes the small inventories of the vigil fix tests, one per failure kind (docs/remediation.md).

Each is one account (111122223333, us-east-1) with one multi-region trail `main` and the part of
the CIS 4.9 chain that the case needs. Run it from anywhere; it writes beside itself.
"""
import copy
import json
import os

ACCOUNT = "111122223333"
REGION = "us-east-1"
CIS_49 = ("{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||"
          "($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||"
          "($.eventName=PutConfigurationRecorder)) }")
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:secops"
PAGER = f"arn:aws:sns:{REGION}:{ACCOUNT}:pager"


def sub(topic, endpoint, confirmed):
    return {"subscriptionArn": topic + ":0b4e7a19-8d2c-4f3e-a6b1-95c3e8d20f77" if confirmed
            else "PendingConfirmation", "topicArn": topic, "owner": ACCOUNT, "protocol": "email",
            "endpoint": endpoint, "confirmed": confirmed}


def topic_entity(arn, subs):
    return {"id": arn, "name": arn.rsplit(":", 1)[1], "region": REGION, "accountNumber": ACCOUNT,
            "subscriptionsConfirmed": sum(s["confirmed"] for s in subs),
            "subscriptionsPending": sum(not s["confirmed"] for s in subs), "subscriptions": subs}


def alarm(name, metric, namespace="CISBenchmark", enabled=True, actions=None):
    return {"id": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}", "name": name,
            "arn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}", "region": REGION,
            "accountNumber": ACCOUNT, "actionsEnabled": enabled, "stateValue": "OK",
            "metricName": metric, "namespace": namespace, "statistic": "Sum", "period": 300,
            "evaluationPeriods": 1, "threshold": 1,
            "comparisonOperator": "GreaterThanOrEqualToThreshold", "okActions": [],
            "insufficientDataActions": [], "actions": actions or [], "dimensions": [],
            "metrics": []}


def action(topic, subs):
    return {"action": topic, "type": "sns", "subscriptionsReadable": True, "subscriptions": subs}


def filt(name, pattern, alarms=()):
    return {"filterName": name, "filterPattern": pattern, "logGroupName": "CloudTrail/main",
            "metricTransformations": [{"metricName": name, "metricNamespace": "CISBenchmark",
                                       "metricValue": "1", "alarms": list(alarms)}]}


def trail(filters, log_group=True, multi_region=True):
    t = {"id": f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/main",
         "trailArn": f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/main", "name": "main",
         "accountNumber": ACCOUNT, "ownerAccountId": ACCOUNT, "region": REGION,
         "homeRegion": REGION, "isShadow": False, "isMultiRegionTrail": multi_region,
         "isOrganizationTrail": False, "logFileValidationEnabled": True,
         "s3BucketName": "example-trail-logs", "status": {"isLogging": True},
         "eventSelectors": [{"readWriteType": "All", "includeManagementEvents": True,
                             "dataResources": [], "excludeManagementEventSources": []}],
         "capturesAllManagementEvents": True, "metricFilters": filters, "chainReadable": True}
    if log_group:
        t["cloudWatchLogsLogGroupArn"] = (f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:"
                                          "CloudTrail/main:*")
        t["cloudWatchLogsRoleArn"] = f"arn:aws:iam::{ACCOUNT}:role/CloudTrailToLogs"
        t["logGroupName"] = "CloudTrail/main"
    reaches = any(a["actionsEnabled"] and any(s["confirmed"] for x in a["actions"]
                                                for s in x["subscriptions"])
                  for f in filters for m in f["metricTransformations"] for a in m["alarms"])
    t["hasSNSSubscriber"] = "true" if reaches else "false"
    return t


def inventory(trails, alarms=(), topics=()):
    chain_alarms = [a for t in trails for f in t["metricFilters"]
                    for m in f["metricTransformations"] for a in m["alarms"]]
    return {"version": 1, "account": {"id": ACCOUNT, "name": "fix-test", "cloudProvider": "aws"},
            "entities": {"CloudTrail": trails, "MetricAlarm": chain_alarms + list(alarms),
                         "SnsTopic": list(topics), "LogGroup": [
                             {"id": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:CloudTrail/main",
                              "name": "CloudTrail/main", "region": REGION}]
                         if trails and "logGroupName" in trails[0] else []},
            "collection": {"time": "2026-11-27T10:00:00Z", "permissionGaps": []}}


confirmed = [sub(TOPIC, "secops@example.com", True)]
good = action(TOPIC, confirmed)
cases = {
    # No metric filter at all, no topic: a filter, a topic, a subscription, an alarm.
    "missing_filter": inventory([trail([])]),
    # No filter, but a topic with a confirmed subscriber: it is reused.
    "reuse_topic": inventory([trail([])], topics=[topic_entity(TOPIC, confirmed)]),
    # The exact filter exists without an alarm.
    "filter_no_alarm": inventory([trail([filt("config_changes", CIS_49)])],
                                 topics=[topic_entity(TOPIC, confirmed)]),
    # An alarm with actions enabled but no action.
    "alarm_no_actions": inventory(
        [trail([filt("config_changes", CIS_49, [alarm("config_changes_alarm", "config_changes")])])],
        topics=[topic_entity(TOPIC, confirmed)]),
    # An alarm whose actions are disabled (its topic has a confirmed subscriber).
    "actions_disabled": inventory(
        [trail([filt("config_changes", CIS_49,
                     [alarm("config_changes_alarm", "config_changes", enabled=False,
                            actions=[good])])])],
        topics=[topic_entity(TOPIC, confirmed)]),
    # The alarm watches the right metric name in another namespace.
    "wrong_namespace": inventory(
        [trail([filt("config_changes", CIS_49)])],
        alarms=[alarm("config_changes_alarm", "config_changes", namespace="LogMetrics",
                      actions=[good])],
        topics=[topic_entity(TOPIC, confirmed)]),
    # The alarm's only topic has a pending subscription and no other topic exists.
    "pending_only": inventory(
        [trail([filt("config_changes", CIS_49,
                     [alarm("config_changes_alarm", "config_changes",
                            actions=[action(PAGER, [sub(PAGER, "oncall@example.com", False)])])])])],
        topics=[topic_entity(PAGER, [sub(PAGER, "oncall@example.com", False)])]),
    # The trail does not deliver to CloudWatch Logs.
    "no_cloudwatch_trail": inventory([trail([], log_group=False)]),
    # A source-only filter (broader than 4.9) without an alarm: the strict rule reuses it.
    "broader_filter": inventory(
        [trail([filt("config_all", "{ $.eventSource = config.amazonaws.com }")])],
        topics=[topic_entity(TOPIC, confirmed)]),
    # Everything in place: nothing to do.
    "passing": inventory([trail([filt("config_changes", CIS_49,
                                      [alarm("config_changes_alarm", "config_changes",
                                             actions=[good])])])],
                         topics=[topic_entity(TOPIC, confirmed)]),
    # Only a single-region trail: vigil says what is needed and plans nothing.
    "no_suitable_trail": inventory([trail([], multi_region=False)]),
}

here = os.path.dirname(os.path.abspath(__file__))
for name, inv in cases.items():
    with open(os.path.join(here, name + ".json"), "w") as f:
        json.dump(inv, f, indent=1)
        f.write("\n")
