"""Handlers for the monitoring chain: CloudTrail, CloudWatch Logs, CloudWatch and SNS.

Each op_* takes a Ctx and returns the response members as a dict (None for an operation without
output) or raises ApiError with the code and status AWS uses.
"""

import json
import re
import uuid

from .wire import ApiError, Ts, XmlMap, api_error, arn_parts, as_bool, as_list
from .scenario import (
    ALARM_KEYS, ALARM_TIMES, COMPOSITE_KEYS, PENDING_PROTOCOLS, SNS_PROTOCOLS, TRAIL_KEYS,
    TRAIL_STATUS_TIMES)
from .context import as_int


# --------------------------------------------------------------------------------------------
# CloudTrail
# --------------------------------------------------------------------------------------------


def visible_trails(ctx, include_shadow=True):
    """Trails DescribeTrails lists in ctx.region: home trails first, then shadow copies."""
    own = [t for t in ctx.reg.trails]
    if not include_shadow:
        return own
    shadows = [t for r in ctx.account.regions.values() if r.name != ctx.region
               for t in r.trails if t["IsMultiRegionTrail"]]
    org = [t for t in ctx.account.org_trails if t["IsMultiRegionTrail"] or t["HomeRegion"] == ctx.region]
    return own + shadows + org


def trail_view(t):
    return {k: t[k] for k in TRAIL_KEYS if k in t}


def find_trail(ctx, name, param, op):
    """The trail a GetTrailStatus/GetEventSelectors/UpdateTrail names, as CloudTrail resolves it."""
    if not name:
        raise ctx.invalid(f"{param} is required") if op != "UpdateTrail" else \
            ApiError("TrailNotProvidedException", "Trail name not provided.")
    not_found = ApiError("TrailNotFoundException", f"Unknown trail: {name} for the user: {ctx.account.id}")
    if name.startswith("arn:"):
        parts = arn_parts(name)
        if not parts or parts[1] != "cloudtrail" or not parts[4].startswith("trail/"):
            raise ApiError("CloudTrailARNInvalidException", f"{name} is not a valid trail ARN.")
        match = [t for t in visible_trails(ctx) if t["TrailARN"] == name]
        if not match:
            raise not_found
        trail = match[0]
        if trail in ctx.account.org_trails:
            access = trail.get("memberAccess", "TrailNotFound")
            if isinstance(access, dict):
                access = access.get(op, "TrailNotFound")
            if op == "UpdateTrail" or access == "TrailNotFound" or trail["HomeRegion"] != ctx.region:
                raise not_found
            if access == "AccessDenied":
                raise api_error("access_denied", "cloudtrail",
                                f"User: {ctx.identity['arn']} is not authorized to perform: "
                                f"cloudtrail:{op} on resource: {name}")
            return trail
        if trail["HomeRegion"] != ctx.region:
            if op == "UpdateTrail":
                raise ApiError("InvalidHomeRegionException",
                               "This operation must be called from the trail's home region.")
            if ctx.state.shadow_calls == "home-only":
                raise not_found
        return trail
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]", name) or ".." in name:
        raise ApiError("InvalidTrailNameException", f"Trail name {name} is not valid.")
    for t in ctx.reg.trails:
        if t["Name"] == name:
            return t
    raise not_found


def op_describe_trails(ctx):
    include = as_bool(ctx.p("includeShadowTrails"), True)
    trails = visible_trails(ctx, include)
    names = as_list(ctx.p("trailNameList"))
    if names:
        own_names = {t["Name"] for t in ctx.reg.trails}
        trails = [t for t in trails if t["TrailARN"] in names
                  or (t["Name"] in names and t["Name"] in own_names and t in ctx.reg.trails)]
    return {"trailList": [trail_view(t) for t in trails]}


def op_list_trails(ctx):
    trails = [{"TrailARN": t["TrailARN"], "Name": t["Name"], "HomeRegion": t["HomeRegion"]}
              for t in visible_trails(ctx)]
    page, nxt = ctx.page(trails, ctx.p("NextToken"), None)
    out = {"Trails": page}
    if nxt:
        out["NextToken"] = nxt
    return out


def op_get_trail_status(ctx):
    trail = find_trail(ctx, ctx.p("Name"), "Name", "GetTrailStatus")
    return {k: Ts(v) if k in TRAIL_STATUS_TIMES else v for k, v in trail["Status"].items()}


def op_get_event_selectors(ctx):
    trail = find_trail(ctx, ctx.p("TrailName"), "TrailName", "GetEventSelectors")
    out = {"TrailARN": trail["TrailARN"]}
    if "AdvancedEventSelectors" in trail:
        out["AdvancedEventSelectors"] = trail["AdvancedEventSelectors"]
    else:
        out["EventSelectors"] = trail.get("EventSelectors", [
            {"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [],
             "ExcludeManagementEventSources": []}])
    return out


def op_update_trail(ctx):
    trail = find_trail(ctx, ctx.p("Name"), "Name", "UpdateTrail")
    group_arn, role_arn = ctx.p("CloudWatchLogsLogGroupArn"), ctx.p("CloudWatchLogsRoleArn")
    if group_arn is not None or role_arn is not None:
        if group_arn and not role_arn:
            raise ApiError("InvalidCloudWatchLogsRoleArnException",
                           "You must specify a role ARN along with the log group ARN.")
        if role_arn and not group_arn:
            raise ApiError("InvalidCloudWatchLogsLogGroupArnException",
                           "You must specify a log group ARN along with the role ARN.")
        if group_arn:
            gp = arn_parts(group_arn)
            name = gp[4][len("log-group:"):] if gp and gp[4].startswith("log-group:") else None
            if name and name.endswith(":*"):
                name = name[:-2]
            if not gp or gp[1] != "logs" or not name or ":" in name:
                raise ApiError("InvalidCloudWatchLogsLogGroupArnException",
                               f"CloudWatch Logs log group ARN {group_arn} is not valid.")
            if gp[2] != trail["HomeRegion"] or gp[3] != ctx.account.id \
                    or name not in ctx.account.regions[gp[2]].log_groups:
                raise ApiError("InvalidCloudWatchLogsLogGroupArnException",
                               f"Access denied. Verify that log group {group_arn} exists in "
                               f"{trail['HomeRegion']} of account {ctx.account.id}.")
            rp = arn_parts(role_arn)
            if not rp or rp[1] != "iam" or not rp[4].startswith("role/"):
                raise ApiError("InvalidCloudWatchLogsRoleArnException",
                               f"CloudWatch Logs role ARN {role_arn} is not valid.")
            trail["CloudWatchLogsLogGroupArn"], trail["CloudWatchLogsRoleArn"] = group_arn, role_arn
        else:
            trail.pop("CloudWatchLogsLogGroupArn", None)
            trail.pop("CloudWatchLogsRoleArn", None)
    for param, key in (("S3BucketName", "S3BucketName"), ("S3KeyPrefix", "S3KeyPrefix"),
                       ("SnsTopicName", "SnsTopicName"), ("KmsKeyId", "KmsKeyId")):
        if ctx.p(param) is not None:
            trail[key] = ctx.p(param)
    for param, key in (("IncludeGlobalServiceEvents", "IncludeGlobalServiceEvents"),
                       ("IsMultiRegionTrail", "IsMultiRegionTrail"),
                       ("EnableLogFileValidation", "LogFileValidationEnabled")):
        if ctx.p(param) is not None:
            trail[key] = as_bool(ctx.p(param))
    out = trail_view(trail)
    for key in ("HomeRegion", "HasCustomEventSelectors", "HasInsightSelectors"):
        out.pop(key, None)
    return out


# --------------------------------------------------------------------------------------------
# CloudWatch Logs
# --------------------------------------------------------------------------------------------


def log_group_view(ctx, g):
    name = g["logGroupName"]
    out = {"logGroupName": name, "creationTime": g["creationTime"]}
    if g.get("retentionInDays") is not None:
        out["retentionInDays"] = g["retentionInDays"]
    out["metricFilterCount"] = sum(1 for f in ctx.reg.filters if f["logGroupName"] == name)
    out["arn"] = ctx.arn("logs", f"log-group:{name}:*")
    out["storedBytes"] = g.get("storedBytes", 0)
    if g.get("kmsKeyId"):
        out["kmsKeyId"] = g["kmsKeyId"]
    # Members newer than the models vigil reads; a decoder must skip them.
    out["logGroupClass"] = g.get("logGroupClass", "STANDARD")
    out["logGroupArn"] = ctx.arn("logs", f"log-group:{name}")
    return out


def op_describe_log_groups(ctx):
    prefix, pattern = ctx.p("logGroupNamePrefix"), ctx.p("logGroupNamePattern")
    if prefix is not None and pattern is not None:
        raise ctx.invalid("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
    limit = as_int(ctx, "limit", ctx.p("limit"), 1, 50)
    groups = sorted(ctx.reg.log_groups.values(), key=lambda g: g["logGroupName"])
    if prefix:
        groups = [g for g in groups if g["logGroupName"].startswith(prefix)]
    if pattern:
        groups = [g for g in groups if pattern in g["logGroupName"]]
    page, nxt = ctx.page(groups, ctx.p("nextToken"), limit)
    out = {"logGroups": [log_group_view(ctx, g) for g in page]}
    if nxt:
        out["nextToken"] = nxt
    return out


def filter_view(f):
    out = {"filterName": f["filterName"], "filterPattern": f["filterPattern"],
           "metricTransformations": f["metricTransformations"], "creationTime": f["creationTime"],
           "logGroupName": f["logGroupName"]}
    out["applyOnTransformedLogs"] = f.get("applyOnTransformedLogs", False)  # newer member
    return out


def op_describe_metric_filters(ctx):
    group, prefix = ctx.p("logGroupName"), ctx.p("filterNamePrefix")
    metric, namespace = ctx.p("metricName"), ctx.p("metricNamespace")
    if prefix is not None and group is None:
        raise ctx.invalid("logGroupName is required when filterNamePrefix is specified.")
    if (metric is None) != (namespace is None):
        raise ctx.invalid("metricName and metricNamespace must be specified together.")
    limit = as_int(ctx, "limit", ctx.p("limit"), 1, 50)
    if group is not None and group not in ctx.reg.log_groups:
        raise ApiError("ResourceNotFoundException", "The specified log group does not exist.")
    filters = sorted(ctx.reg.filters, key=lambda f: (f["logGroupName"], f["filterName"]))
    if group is not None:
        filters = [f for f in filters if f["logGroupName"] == group]
    if prefix:
        filters = [f for f in filters if f["filterName"].startswith(prefix)]
    if metric is not None:
        filters = [f for f in filters if any(m["metricName"] == metric and m["metricNamespace"] == namespace
                                             for m in f["metricTransformations"])]
    page, nxt = ctx.page(filters, ctx.p("nextToken"), limit)
    out = {"metricFilters": [filter_view(f) for f in page]}
    if nxt:
        out["nextToken"] = nxt
    return out


def _pattern_problem(pattern):
    """A coarse syntax check, enough to reject what the service obviously rejects."""
    if len(pattern) > 1024:
        return "filter pattern is longer than 1024 characters"
    depth, quote = 0, False
    for ch in pattern:
        if ch == '"':
            quote = not quote
        elif not quote and ch in "({[":
            depth += 1
        elif not quote and ch in ")}]":
            depth -= 1
            if depth < 0:
                return "unbalanced brackets"
    if quote:
        return "unterminated quoted string"
    if depth:
        return "unbalanced brackets"
    stripped = pattern.strip()
    if stripped.startswith("{") and not stripped.endswith("}"):
        return "a JSON pattern must end with '}'"
    return None


def op_put_metric_filter(ctx):
    group, name = ctx.p("logGroupName"), ctx.p("filterName")
    pattern, mts = ctx.p("filterPattern"), ctx.p("metricTransformations")
    for key, val in (("logGroupName", group), ("filterName", name), ("filterPattern", pattern),
                     ("metricTransformations", mts)):
        if val is None:
            raise ctx.invalid(f"1 validation error detected: Value null at '{key}' failed to satisfy "
                              "constraint: Member must not be null")
    if not re.fullmatch(r"[^:*]{1,512}", name):
        raise ctx.invalid(f"Invalid filter name: {name}")
    problem = _pattern_problem(pattern)
    if problem:
        raise ctx.invalid(f"Invalid metric filter pattern: {problem}")
    if not isinstance(mts, list) or len(mts) != 1:
        raise ctx.invalid("metricTransformations must hold exactly one transformation")
    mt = mts[0]
    for key in ("metricName", "metricNamespace", "metricValue"):
        if not isinstance(mt.get(key), str) or not mt[key]:
            raise ctx.invalid(f"metricTransformations.{key} is required")
    if group not in ctx.reg.log_groups:
        raise ApiError("ResourceNotFoundException", "The specified log group does not exist.")
    mt = {k: mt[k] for k in ("metricName", "metricNamespace", "metricValue", "defaultValue",
                             "dimensions", "unit") if k in mt}
    existing = [f for f in ctx.reg.filters if f["logGroupName"] == group and f["filterName"] == name]
    if not existing and sum(1 for f in ctx.reg.filters if f["logGroupName"] == group) >= 100:
        raise ApiError("LimitExceededException", "Resource limit exceeded.")
    record = {"filterName": name, "filterPattern": pattern, "metricTransformations": [mt],
              "creationTime": int(ctx.state.now() * 1000), "logGroupName": group}
    if existing:
        ctx.reg.filters[ctx.reg.filters.index(existing[0])] = record
    else:
        ctx.reg.filters.append(record)
    return None


def op_create_log_group(ctx):
    name = ctx.p("logGroupName")
    if not isinstance(name, str) or not re.fullmatch(r"[.\-_/#A-Za-z0-9]{1,512}", name):
        raise ctx.invalid(f"Invalid log group name: {name}")
    if name in ctx.reg.log_groups:
        raise ApiError("ResourceAlreadyExistsException", "The specified log group already exists")
    group = {"logGroupName": name, "creationTime": int(ctx.state.now() * 1000)}
    if ctx.p("kmsKeyId"):
        group["kmsKeyId"] = ctx.p("kmsKeyId")
    ctx.reg.log_groups[name] = group
    return None


# --------------------------------------------------------------------------------------------
# CloudWatch
# --------------------------------------------------------------------------------------------


def alarm_view(a, keys):
    return {k: (Ts(a[k]) if k in ALARM_TIMES else a[k]) for k in keys if k in a}


def op_describe_alarms(ctx):
    names, prefix = as_list(ctx.p("AlarmNames")), ctx.p("AlarmNamePrefix")
    if names and prefix:
        raise ApiError("InvalidParameterCombination",
                       "AlarmNamePrefix and AlarmNames cannot be used together.")
    limit = as_int(ctx, "maxRecords", ctx.p("MaxRecords"), 1, 100)
    types = as_list(ctx.p("AlarmTypes")) or ["MetricAlarm"]
    for t in types:
        if t not in ("MetricAlarm", "CompositeAlarm"):
            raise ctx.invalid(f"Value '{t}' at 'alarmTypes' failed to satisfy constraint")
    state, action = ctx.p("StateValue"), ctx.p("ActionPrefix")
    if state is not None and state not in ("OK", "ALARM", "INSUFFICIENT_DATA"):
        raise ctx.invalid(f"Value '{state}' at 'stateValue' failed to satisfy constraint")
    picked = []
    for kind, table in (("MetricAlarm", ctx.reg.alarms), ("CompositeAlarm", ctx.reg.composites)):
        if kind not in types:
            continue
        for name in sorted(table):
            a = table[name]
            if names and name not in names:
                continue
            if prefix and not name.startswith(prefix):
                continue
            if state and a["StateValue"] != state:
                continue
            if action and not any(x.startswith(action) for x in
                                  a["AlarmActions"] + a["OKActions"] + a["InsufficientDataActions"]):
                continue
            picked.append((kind, a))
    page, nxt = ctx.page(picked, ctx.p("NextToken"), limit)
    out = {}
    if "MetricAlarm" in types:
        out["MetricAlarms"] = [alarm_view(a, ALARM_KEYS) for k, a in page if k == "MetricAlarm"]
    if "CompositeAlarm" in types:
        out["CompositeAlarms"] = [alarm_view(a, COMPOSITE_KEYS) for k, a in page if k == "CompositeAlarm"]
    if nxt:
        out["NextToken"] = nxt
    return out


def op_describe_alarms_for_metric(ctx):
    metric, namespace = ctx.p("MetricName"), ctx.p("Namespace")
    for key, val in (("MetricName", metric), ("Namespace", namespace)):
        if not val:
            raise ApiError("MissingParameter", f"The request must contain the parameter {key}.")
    dims = as_list(ctx.p("Dimensions"))
    want_dims = sorted((d.get("Name"), d.get("Value")) for d in dims if isinstance(d, dict))
    out = []
    for name in sorted(ctx.reg.alarms):
        a = ctx.reg.alarms[name]
        if a.get("MetricName") != metric or a.get("Namespace") != namespace:
            continue
        if dims and sorted((d["Name"], d["Value"]) for d in a["Dimensions"]) != want_dims:
            continue
        if ctx.p("Statistic") and a.get("Statistic") != ctx.p("Statistic"):
            continue
        if ctx.p("ExtendedStatistic") and a.get("ExtendedStatistic") != ctx.p("ExtendedStatistic"):
            continue
        if ctx.p("Period") and str(a.get("Period")) != str(ctx.p("Period")):
            continue
        if ctx.p("Unit") and a.get("Unit") != ctx.p("Unit"):
            continue
        out.append(alarm_view(a, ALARM_KEYS))
    return {"MetricAlarms": out}

COMPARISONS = {"GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
               "LessThanOrEqualToThreshold", "LessThanLowerOrGreaterThanUpperThreshold",
               "LessThanLowerThreshold", "GreaterThanUpperThreshold"}

STATISTICS = {"SampleCount", "Average", "Sum", "Minimum", "Maximum"}


def op_put_metric_alarm(ctx):
    name = ctx.p("AlarmName")
    if not name:
        raise ApiError("MissingParameter", "The request must contain the parameter AlarmName.")
    comparison = ctx.p("ComparisonOperator")
    if comparison not in COMPARISONS:
        raise ctx.invalid(f"Value '{comparison}' at 'comparisonOperator' failed to satisfy constraint")
    periods = as_int(ctx, "evaluationPeriods", ctx.p("EvaluationPeriods"), 1, 10000000)
    if periods is None:
        raise ApiError("MissingParameter", "The request must contain the parameter EvaluationPeriods.")
    metrics = as_list(ctx.p("Metrics"))
    alarm = {"AlarmName": name, "AlarmArn": ctx.arn("cloudwatch", f"alarm:{name}"),
             "ActionsEnabled": as_bool(ctx.p("ActionsEnabled"), True),
             "OKActions": as_list(ctx.p("OKActions")), "AlarmActions": as_list(ctx.p("AlarmActions")),
             "InsufficientDataActions": as_list(ctx.p("InsufficientDataActions")),
             "EvaluationPeriods": periods, "ComparisonOperator": comparison, "Dimensions": []}
    if ctx.p("AlarmDescription") is not None:
        alarm["AlarmDescription"] = ctx.p("AlarmDescription")
    if metrics:
        if ctx.p("MetricName") or ctx.p("Namespace"):
            raise ctx.invalid("Metrics cannot be combined with MetricName or Namespace.")
        out_metrics = []
        for m in metrics:
            q = {"Id": m.get("Id")}
            stat = m.get("MetricStat")
            if isinstance(stat, dict):
                metric = stat.get("Metric", {})
                q["MetricStat"] = {"Metric": {"Namespace": metric.get("Namespace"),
                                              "MetricName": metric.get("MetricName"),
                                              "Dimensions": as_list(metric.get("Dimensions"))},
                                   "Period": int(stat.get("Period", 300)), "Stat": stat.get("Stat")}
                if stat.get("Unit"):
                    q["MetricStat"]["Unit"] = stat["Unit"]
            if m.get("Expression"):
                q["Expression"] = m["Expression"]
            if m.get("Label"):
                q["Label"] = m["Label"]
            q["ReturnData"] = as_bool(m.get("ReturnData"), True)
            if not q["Id"] or ("MetricStat" in q) == ("Expression" in q):
                raise ctx.invalid("Each metric query needs an Id and exactly one of MetricStat and Expression.")
            out_metrics.append(q)
        alarm["Metrics"] = out_metrics
    else:
        for key in ("MetricName", "Namespace"):
            if not ctx.p(key):
                raise ApiError("MissingParameter", f"The request must contain the parameter {key}.")
        alarm["MetricName"], alarm["Namespace"] = ctx.p("MetricName"), ctx.p("Namespace")
        stat, ext = ctx.p("Statistic"), ctx.p("ExtendedStatistic")
        if (stat is None) == (ext is None):
            raise ctx.invalid("Exactly one of Statistic and ExtendedStatistic must be specified.")
        if stat is not None and stat not in STATISTICS:
            raise ctx.invalid(f"Value '{stat}' at 'statistic' failed to satisfy constraint")
        alarm["Statistic" if stat else "ExtendedStatistic"] = stat or ext
        period = as_int(ctx, "period", ctx.p("Period"), 1, 86400 * 7)
        if period is None or not (period in (10, 20, 30) or period % 60 == 0):
            raise ctx.invalid("Period must be 10, 20, 30 or a multiple of 60.")
        alarm["Period"] = period
        alarm["Dimensions"] = [{"Name": d.get("Name"), "Value": d.get("Value")}
                               for d in as_list(ctx.p("Dimensions"))]
        if ctx.p("Unit"):
            alarm["Unit"] = ctx.p("Unit")
    if ctx.p("ThresholdMetricId"):
        alarm["ThresholdMetricId"] = ctx.p("ThresholdMetricId")
    else:
        try:
            alarm["Threshold"] = float(ctx.p("Threshold"))
        except (TypeError, ValueError):
            raise ApiError("MissingParameter", "The request must contain the parameter Threshold.")
    for key in ("DatapointsToAlarm",):
        if ctx.p(key) is not None:
            alarm[key] = as_int(ctx, "datapointsToAlarm", ctx.p(key), 1, 10000000)
    if ctx.p("TreatMissingData"):
        alarm["TreatMissingData"] = ctx.p("TreatMissingData")
    for action in alarm["AlarmActions"] + alarm["OKActions"] + alarm["InsufficientDataActions"]:
        ap = arn_parts(action)
        if not ap:
            raise ctx.invalid(f"Invalid arn syntax: {action}")
        if ap[1] == "sns" and ap[2] != ctx.region:
            raise ctx.invalid(f"Invalid region {ap[2]} specified. Only {ctx.region} is supported.")
    now = ctx.state.now()
    old = ctx.reg.alarms.get(name)
    alarm["StateValue"] = old["StateValue"] if old else "INSUFFICIENT_DATA"
    alarm["StateReason"] = old["StateReason"] if old else "Unchecked: Initial alarm creation"
    alarm["StateUpdatedTimestamp"] = old["StateUpdatedTimestamp"] if old else now
    alarm["StateTransitionedTimestamp"] = old["StateTransitionedTimestamp"] if old else now
    alarm["AlarmConfigurationUpdatedTimestamp"] = now
    ctx.reg.alarms[name] = alarm
    return None


def _set_alarm_actions(ctx, enabled):
    names = as_list(ctx.p("AlarmNames"))
    if not names:
        raise ApiError("MissingParameter", "The request must contain the parameter AlarmNames.")
    if len(names) > 100:
        raise ctx.invalid("1 validation error detected: Value at 'alarmNames' failed to satisfy constraint: "
                          "Member must have length less than or equal to 100")
    for name in names:  # names without an alarm are ignored, as CloudWatch does
        for table in (ctx.reg.alarms, ctx.reg.composites):
            if name in table:
                table[name]["ActionsEnabled"] = enabled
                table[name]["AlarmConfigurationUpdatedTimestamp"] = ctx.state.now()
    return None


def op_enable_alarm_actions(ctx):
    return _set_alarm_actions(ctx, True)


def op_disable_alarm_actions(ctx):
    return _set_alarm_actions(ctx, False)


# --------------------------------------------------------------------------------------------
# SNS
# --------------------------------------------------------------------------------------------


def resolve_topic(ctx, arn, op, write=False):
    """The topic behind an ARN, with SNS's answers for foreign, missing or other-region topics."""
    if not arn:
        raise ctx.invalid("Invalid parameter: TopicArn")
    parts = arn_parts(arn)
    if not parts or parts[1] != "sns" or not re.fullmatch(r"[A-Za-z0-9_.-]{1,256}", parts[4]):
        raise ctx.invalid("Invalid parameter: TopicArn")
    if parts[2] != ctx.region:
        raise ctx.invalid("Invalid parameter: TopicArn")
    if parts[3] != ctx.account.id:
        topic = ctx.account.external_topics.get(arn)
        if topic is None or topic["access"] != "allow" or write:
            if topic is not None and topic["access"] == "NotFound":
                raise ApiError("NotFound", "Topic does not exist", 404)
            raise api_error("access_denied", "sns", f"User: {ctx.identity['arn']} is not authorized to "
                                                    f"perform: SNS:{op} on resource: {arn}")
        return topic
    topic = ctx.reg.topics.get(arn)
    if topic is None:
        raise ApiError("NotFound", "Topic does not exist", 404)
    return topic


def op_list_topics(ctx):
    topics = [{"TopicArn": arn} for arn in ctx.reg.topics]
    page, nxt = ctx.page(topics, ctx.p("NextToken"), None)
    return {"Topics": page, "NextToken": nxt}


def sub_view(s):
    return {"SubscriptionArn": s["SubscriptionArn"], "Owner": s["Owner"], "Protocol": s["Protocol"],
            "Endpoint": s["Endpoint"], "TopicArn": s["TopicArn"]}


def op_list_subscriptions_by_topic(ctx):
    topic = resolve_topic(ctx, ctx.p("TopicArn"), "ListSubscriptionsByTopic")
    page, nxt = ctx.page(topic["Subscriptions"], ctx.p("NextToken"), None)
    return {"Subscriptions": [sub_view(s) for s in page], "NextToken": nxt}


def op_get_topic_attributes(ctx):
    topic = resolve_topic(ctx, ctx.p("TopicArn"), "GetTopicAttributes")
    arn, owner = topic["TopicArn"], arn_parts(topic["TopicArn"])[3]
    subs = topic["Subscriptions"]
    pending = sum(1 for s in subs if s["SubscriptionArn"] == "PendingConfirmation")
    deleted = sum(1 for s in subs if s["SubscriptionArn"] == "Deleted")
    policy = {"Version": "2008-10-17", "Id": "__default_policy_ID", "Statement": [{
        "Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                   "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                   "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
        "Resource": arn, "Condition": {"StringEquals": {"AWS:SourceOwner": owner}}}]}
    attrs = XmlMap()
    attrs["Policy"] = json.dumps(policy, separators=(",", ":"))
    attrs["Owner"] = owner
    attrs["SubscriptionsPending"] = str(pending)
    attrs["TopicArn"] = arn
    attrs["EffectiveDeliveryPolicy"] = json.dumps({"http": {"defaultHealthyRetryPolicy": {
        "minDelayTarget": 20, "maxDelayTarget": 20, "numRetries": 3}}}, separators=(",", ":"))
    attrs["SubscriptionsConfirmed"] = str(len(subs) - pending - deleted)
    attrs["DisplayName"] = ""
    attrs["SubscriptionsDeleted"] = str(deleted)
    for k, v in topic["Attributes"].items():
        attrs[k] = v if isinstance(v, str) else json.dumps(v)
    return {"Attributes": attrs}


def op_create_topic(ctx):
    name = ctx.p("Name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,256}(\.fifo)?", name):
        raise ctx.invalid("Invalid parameter: Topic Name")
    arn = ctx.arn("sns", name)
    if arn not in ctx.reg.topics:
        attrs = ctx.p("Attributes") or {}
        ctx.reg.topics[arn] = {"TopicArn": arn, "Attributes": dict(attrs), "Subscriptions": [],
                               "access": "allow"}
    return {"TopicArn": arn}


def op_subscribe(ctx):
    topic = resolve_topic(ctx, ctx.p("TopicArn"), "Subscribe", write=True)
    protocol, endpoint = ctx.p("Protocol"), ctx.p("Endpoint")
    if protocol not in SNS_PROTOCOLS:
        raise ctx.invalid("Invalid parameter: Protocol")
    if not endpoint or (protocol.startswith("email") and "@" not in endpoint) \
            or (protocol in ("http", "https") and not endpoint.startswith(protocol + "://")):
        raise ctx.invalid(f"Invalid parameter: {protocol.capitalize()} Endpoint")
    for s in topic["Subscriptions"]:
        if s["Protocol"] == protocol and s["Endpoint"] == endpoint:
            existing = s
            break
    else:
        pending = protocol in PENDING_PROTOCOLS and not ctx.state.auto_confirm
        real_arn = f"{topic['TopicArn']}:{uuid.uuid4()}"
        existing = {"SubscriptionArn": "PendingConfirmation" if pending else real_arn,
                    "_arn": real_arn, "Owner": ctx.account.id, "Protocol": protocol,
                    "Endpoint": endpoint, "TopicArn": topic["TopicArn"]}
        topic["Subscriptions"].append(existing)
    if existing["SubscriptionArn"] == "PendingConfirmation" and not as_bool(ctx.p("ReturnSubscriptionArn"), False):
        return {"SubscriptionArn": "pending confirmation"}
    return {"SubscriptionArn": existing.get("_arn", existing["SubscriptionArn"])}
