"""The scenario: loading (with "extends"), validation with JSON paths in the messages, and the
in-memory accounts the handlers read and change.

State holds every account (the scenario's and any under "accounts"), the credentials (the
scenario's and those the server issues), the roles and the faults. Handlers and credential
endpoints run under State.lock; nothing else mutates it.
"""

import copy
import hashlib
import json
import os
import re
import secrets
import threading
import time

from .wire import ENABLED, OPT_IN_VALUES, SERVICES, SERVICE_ALIASES, ScenarioError, arn_parts, parse_time

FAULT_KINDS = {"throttle", "http500", "http503", "access_denied", "html", "malformed", "truncated",
               "expired_token", "wrong_content_type", "retry_after", "slow"}

TRAIL_KEYS = ["Name", "S3BucketName", "S3KeyPrefix", "SnsTopicName", "SnsTopicARN",
              "IncludeGlobalServiceEvents", "IsMultiRegionTrail", "HomeRegion", "TrailARN",
              "LogFileValidationEnabled", "CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn",
              "KmsKeyId", "HasCustomEventSelectors", "HasInsightSelectors", "IsOrganizationTrail"]

TRAIL_STATUS_TIMES = {"LatestDeliveryTime", "LatestNotificationTime", "StartLoggingTime",
                      "StopLoggingTime", "LatestCloudWatchLogsDeliveryTime", "LatestDigestDeliveryTime"}

ALARM_KEYS = ["AlarmName", "AlarmArn", "AlarmDescription", "AlarmConfigurationUpdatedTimestamp",
              "ActionsEnabled", "OKActions", "AlarmActions", "InsufficientDataActions", "StateValue",
              "StateReason", "StateReasonData", "StateUpdatedTimestamp", "MetricName", "Namespace",
              "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit", "EvaluationPeriods",
              "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData",
              "EvaluateLowSampleCountPercentile", "Metrics", "ThresholdMetricId",
              "StateTransitionedTimestamp"]

ALARM_TIMES = {"AlarmConfigurationUpdatedTimestamp", "StateUpdatedTimestamp",
               "StateTransitionedTimestamp"}

COMPOSITE_KEYS = ["ActionsEnabled", "AlarmActions", "AlarmArn", "AlarmConfigurationUpdatedTimestamp",
                  "AlarmDescription", "AlarmName", "AlarmRule", "InsufficientDataActions",
                  "OKActions", "StateReason", "StateValue", "StateUpdatedTimestamp",
                  "StateTransitionedTimestamp"]

SNS_PROTOCOLS = {"http", "https", "email", "email-json", "sms", "sqs", "application", "lambda",
                 "firehose"}

PENDING_PROTOCOLS = {"email", "email-json"}

SCENARIO_TIME = 1714557600.0  # 2024-05-01T10:00:00Z: default for times the scenario leaves out


def _need(cond, where, what):
    if not cond:
        raise ScenarioError(f"{where}: {what}")


def _dict(obj, where):
    _need(isinstance(obj, dict), where, f"expected an object, got {type(obj).__name__}")
    return obj


def _list(obj, where):
    _need(isinstance(obj, list), where, f"expected a list, got {type(obj).__name__}")
    return obj


def _str(obj, key, where, required=True):
    val = obj.get(key)
    if val is None and not required:
        return None
    _need(isinstance(val, str) and val != "", f"{where}.{key}", "expected a non-empty string")
    return val


class Region:
    def __init__(self, name, opt_in):
        self.name, self.opt_in = name, opt_in
        self.trails, self.log_groups, self.filters = [], {}, []
        self.alarms, self.composites, self.topics = {}, {}, {}
        self.recorders, self.channels = [], []

    @property
    def enabled(self):
        return self.opt_in in ENABLED


class Account:
    def __init__(self, account_id, partition="aws"):
        self.id, self.partition = account_id, partition
        self.regions = {}
        self.org_trails = []       # trails of other accounts visible here (organization trails)
        self.external_topics = {}  # topic ARN -> topic of another account
        self.organization = None
        self.iam_roles = {}        # role name -> IAM Role (GetRole shape) plus "_policies"


def load_scenario_file(path, depth=0):
    _need(depth < 5, path, "too many nested 'extends'")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise ScenarioError(f"cannot read scenario {path}: {e.strerror}")
    except json.JSONDecodeError as e:
        raise ScenarioError(f"{path}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}")
    _dict(data, path)
    base = data.get("extends")
    if base is not None:
        _need(isinstance(base, str), f"{path}: extends", "expected a file name")
        merged = load_scenario_file(os.path.join(os.path.dirname(path), base), depth + 1)
        merged.update({k: v for k, v in data.items() if k != "extends"})
        return merged
    return data


class State:
    """Everything the server knows; handlers run under self.lock."""

    def __init__(self, scenario, page_size_override=None):
        self.lock = threading.RLock()
        s = scenario
        self.account_id = _str(s, "accountId", "scenario")
        _need(re.fullmatch(r"\d{12}", self.account_id), "scenario.accountId", "expected 12 digits")
        self.partition = s.get("partition", "aws")
        self.home_region = s.get("homeRegion", "us-east-1")
        self.page_size = page_size_override or s.get("pageSize", 2)
        _need(isinstance(self.page_size, int) and self.page_size >= 1, "scenario.pageSize",
              "expected a positive integer")
        self.clock_offset = float(s.get("clockOffsetSeconds", 0))
        self.max_skew = float(s.get("maxSkewSeconds", 300))
        self.auto_confirm = bool(s.get("autoConfirmSubscriptions", False))
        self.shadow_calls = s.get("shadowTrailCalls", "home-only")
        _need(self.shadow_calls in ("home-only", "by-arn"), "scenario.shadowTrailCalls",
              "expected 'home-only' or 'by-arn'")
        self.token_key = secrets.token_bytes(16)
        self.creds = {}   # access key id -> credential record
        self.roles = {}   # role ARN -> role
        self.imds_tokens = {}
        self.imds_creds = None
        self.container_creds = None
        self._load_credentials(s)
        self._load_roles(s)
        self.imds = self._opt_dict(s, "instanceMetadata")
        if self.imds:
            _str(self.imds, "roleArn", "scenario.instanceMetadata")
        self.container = self._opt_dict(s, "containerCredentials")
        if self.container:
            _str(self.container, "roleArn", "scenario.containerCredentials")
            _str(self.container, "authorizationToken", "scenario.containerCredentials")
            self.container.setdefault("path", "/container-credentials")
        self.accounts = {}
        primary = self._load_account(self.account_id, s, "scenario", None)
        self.accounts[self.account_id] = primary
        for acct_id, body in _dict(s.get("accounts", {}), "scenario.accounts").items():
            _need(re.fullmatch(r"\d{12}", acct_id), f"scenario.accounts.{acct_id}", "expected 12 digits")
            self.accounts[acct_id] = self._load_account(acct_id, _dict(body, f"scenario.accounts.{acct_id}"),
                                                        f"scenario.accounts.{acct_id}", primary)
        self.faults = self._load_faults(s.get("faults", []))
        for arn, role in self.roles.items():  # the scenario's roles also exist in IAM
            parts = arn_parts(arn)
            path, _, name = parts[4][len("role/"):].rpartition("/")
            self.account(parts[3]).iam_roles[name] = {
                "Path": "/" + path + "/" if path else "/", "RoleName": name, "RoleId": role["roleId"],
                "Arn": arn, "CreateDate": SCENARIO_TIME, "MaxSessionDuration": role["maxSessionDuration"],
                "_policies": {}}

    # -- loading -------------------------------------------------------------------------------
    @staticmethod
    def _opt_dict(s, key):
        val = s.get(key)
        return None if val is None else dict(_dict(val, f"scenario.{key}"))

    def now(self):
        return time.time() + self.clock_offset

    def _load_credentials(self, s):
        for i, c in enumerate(_list(s.get("credentials", []), "scenario.credentials")):
            where = f"scenario.credentials[{i}]"
            _dict(c, where)
            akid = _str(c, "accessKeyId", where)
            arn = _str(c, "arn", where)
            parts = arn_parts(arn)
            _need(parts, f"{where}.arn", f"{arn!r} is not an ARN")
            self.creds[akid] = {
                "secret": _str(c, "secretAccessKey", where), "token": c.get("sessionToken"),
                "arn": arn, "userId": c.get("userId", "AIDA" + akid[-12:]),
                "account": c.get("account", parts[3]),
                "expiration": parse_time(c["expiration"], f"{where}.expiration") if "expiration" in c else None,
                "expired": bool(c.get("expired", False))}

    def _load_roles(self, s):
        for i, r in enumerate(_list(s.get("roles", []), "scenario.roles")):
            where = f"scenario.roles[{i}]"
            _dict(r, where)
            arn = _str(r, "arn", where)
            parts = arn_parts(arn)
            _need(parts and parts[1] == "iam" and parts[4].startswith("role/"), f"{where}.arn",
                  f"{arn!r} is not an IAM role ARN")
            role = dict(r)
            role.setdefault("roleId", "AROA" + hashlib.sha1(arn.encode()).hexdigest()[:16].upper())
            role.setdefault("maxSessionDuration", 3600)
            self.roles[arn] = role

    def _load_account(self, acct_id, s, where, primary):
        acct = Account(acct_id, self.partition)
        regions = _dict(s.get("regions", {}), f"{where}.regions")
        if primary is None:
            _need(regions, f"{where}.regions", "at least one region is needed")
        else:
            for name, reg in primary.regions.items():
                acct.regions[name] = Region(name, reg.opt_in)
        for name, body in regions.items():
            rw = f"{where}.regions.{name}"
            _dict(body, rw)
            default = acct.regions[name].opt_in if name in acct.regions else "opt-in-not-required"
            opt_in = body.get("optInStatus", default)
            _need(opt_in in OPT_IN_VALUES, f"{rw}.optInStatus", f"expected one of {', '.join(OPT_IN_VALUES)}")
            acct.regions[name] = reg = Region(name, opt_in)
            self._load_region(acct, reg, body, rw)
        for i, t in enumerate(_list(s.get("organizationTrails", []), f"{where}.organizationTrails")):
            tw = f"{where}.organizationTrails[{i}]"
            trail = self._load_trail(acct, dict(_dict(t, tw)), _str(t, "HomeRegion", tw), tw)
            owner = arn_parts(trail["TrailARN"])[3]
            _need(owner != acct_id, f"{tw}.TrailARN", "an organization trail here belongs to another account")
            acct.org_trails.append(trail)
        for i, t in enumerate(_list(s.get("externalTopics", []), f"{where}.externalTopics")):
            tw = f"{where}.externalTopics[{i}]"
            topic = self._load_topic(dict(_dict(t, tw)), tw)
            acct.external_topics[topic["TopicArn"]] = topic
        org = s.get("organization")
        if org is not None:
            acct.organization = dict(_dict(org, f"{where}.organization"))
            accts = _list(org.get("accounts", []), f"{where}.organization.accounts")
            for i, a in enumerate(accts):
                _str(_dict(a, f"{where}.organization.accounts[{i}]"), "Id", f"{where}.organization.accounts[{i}]")
        return acct

    def _load_region(self, acct, reg, body, rw):
        for i, t in enumerate(_list(body.get("trails", []), f"{rw}.trails")):
            tw = f"{rw}.trails[{i}]"
            reg.trails.append(self._load_trail(acct, dict(_dict(t, tw)), reg.name, tw))
        for i, g in enumerate(_list(body.get("logGroups", []), f"{rw}.logGroups")):
            gw = f"{rw}.logGroups[{i}]"
            g = dict(_dict(g, gw))
            name = _str(g, "logGroupName", gw)
            g["creationTime"] = self._ms(g.get("creationTime"), f"{gw}.creationTime")
            reg.log_groups[name] = g
        for i, f in enumerate(_list(body.get("metricFilters", []), f"{rw}.metricFilters")):
            fw = f"{rw}.metricFilters[{i}]"
            f = copy.deepcopy(_dict(f, fw))
            _str(f, "filterName", fw)
            _need(isinstance(f.get("filterPattern"), str), f"{fw}.filterPattern", "expected a string")
            group = _str(f, "logGroupName", fw)
            _need(group in reg.log_groups, f"{fw}.logGroupName", f"log group {group!r} is not in {rw}.logGroups")
            mts = _list(f.get("metricTransformations"), f"{fw}.metricTransformations")
            _need(len(mts) == 1, f"{fw}.metricTransformations", "AWS allows exactly one transformation")
            for key in ("metricName", "metricNamespace", "metricValue"):
                _str(mts[0], key, f"{fw}.metricTransformations[0]")
            f["creationTime"] = self._ms(f.get("creationTime"), f"{fw}.creationTime")
            reg.filters.append(f)
        for i, a in enumerate(_list(body.get("metricAlarms", []), f"{rw}.metricAlarms")):
            aw = f"{rw}.metricAlarms[{i}]"
            alarm = self._load_alarm(acct, reg.name, dict(_dict(a, aw)), aw)
            reg.alarms[alarm["AlarmName"]] = alarm
        for i, a in enumerate(_list(body.get("compositeAlarms", []), f"{rw}.compositeAlarms")):
            aw = f"{rw}.compositeAlarms[{i}]"
            alarm = self._load_alarm(acct, reg.name, dict(_dict(a, aw)), aw, composite=True)
            reg.composites[alarm["AlarmName"]] = alarm
        for i, t in enumerate(_list(body.get("topics", []), f"{rw}.topics")):
            tw = f"{rw}.topics[{i}]"
            topic = self._load_topic(dict(_dict(t, tw)), tw)
            p = arn_parts(topic["TopicArn"])
            _need(p[2] == reg.name and p[3] == acct.id, f"{tw}.TopicArn",
                  f"topic must be in region {reg.name} and account {acct.id}")
            reg.topics[topic["TopicArn"]] = topic
        for i, c in enumerate(_list(body.get("configurationRecorders", []), f"{rw}.configurationRecorders")):
            cw = f"{rw}.configurationRecorders[{i}]"
            _str(_dict(c, cw), "name", cw)
            reg.recorders.append(copy.deepcopy(c))
        for i, c in enumerate(_list(body.get("deliveryChannels", []), f"{rw}.deliveryChannels")):
            cw = f"{rw}.deliveryChannels[{i}]"
            _str(_dict(c, cw), "name", cw)
            reg.channels.append(copy.deepcopy(c))

    @staticmethod
    def _ms(value, where):
        if value is None:
            return int(SCENARIO_TIME * 1000)
        if isinstance(value, str):
            return int(parse_time(value, where) * 1000)
        _need(isinstance(value, int), where, "expected epoch milliseconds or an ISO-8601 time")
        return value

    def _load_trail(self, acct, t, home, tw):
        name = _str(t, "Name", tw)
        t.setdefault("HomeRegion", home)
        _need(t["HomeRegion"] == home, f"{tw}.HomeRegion", f"a trail listed under {home} is homed there")
        t.setdefault("TrailARN", f"arn:{self.partition}:cloudtrail:{home}:{acct.id}:trail/{name}")
        p = arn_parts(t["TrailARN"])
        _need(p and p[1] == "cloudtrail" and p[4] == f"trail/{name}" and p[2] == home, f"{tw}.TrailARN",
              f"expected arn:{self.partition}:cloudtrail:{home}:<account>:trail/{name}")
        for key, default in (("IncludeGlobalServiceEvents", True), ("IsMultiRegionTrail", False),
                             ("LogFileValidationEnabled", False), ("HasInsightSelectors", False),
                             ("IsOrganizationTrail", False)):
            t.setdefault(key, default)
        t.setdefault("HasCustomEventSelectors", "AdvancedEventSelectors" in t or "EventSelectors" in t)
        status = dict(_dict(t.get("Status", {"IsLogging": True}), f"{tw}.Status"))
        for key in TRAIL_STATUS_TIMES & status.keys():
            status[key] = parse_time(status[key], f"{tw}.Status.{key}")
        t["Status"] = status
        return t

    def _load_alarm(self, acct, region, a, aw, composite=False):
        name = _str(a, "AlarmName", aw)
        a.setdefault("AlarmArn", f"arn:{self.partition}:cloudwatch:{region}:{acct.id}:alarm:{name}")
        a.setdefault("ActionsEnabled", True)
        for key in ("OKActions", "AlarmActions", "InsufficientDataActions"):
            _list(a.setdefault(key, []), f"{aw}.{key}")
        a.setdefault("StateValue", "OK")
        a.setdefault("StateReason", "Threshold Crossed: no datapoints were received for 1 period.")
        for key in ALARM_TIMES:
            a[key] = parse_time(a.get(key, SCENARIO_TIME), f"{aw}.{key}")
        if composite:
            _str(a, "AlarmRule", aw)
            return a
        a.setdefault("Dimensions", [])
        if "Metrics" not in a:
            _str(a, "MetricName", aw)
            _str(a, "Namespace", aw)
        a.setdefault("EvaluationPeriods", 1)
        a.setdefault("ComparisonOperator", "GreaterThanOrEqualToThreshold")
        if "ThresholdMetricId" not in a:
            a["Threshold"] = float(a.get("Threshold", 1))
        return a

    def _load_topic(self, t, tw):
        arn = _str(t, "TopicArn", tw)
        p = arn_parts(arn)
        _need(p and p[1] == "sns", f"{tw}.TopicArn", f"{arn!r} is not an SNS topic ARN")
        t["Attributes"] = dict(_dict(t.get("Attributes", {}), f"{tw}.Attributes"))
        subs = []
        for i, sub in enumerate(_list(t.get("Subscriptions", []), f"{tw}.Subscriptions")):
            sw = f"{tw}.Subscriptions[{i}]"
            sub = dict(_dict(sub, sw))
            _str(sub, "SubscriptionArn", sw)
            _need(sub.get("Protocol") in SNS_PROTOCOLS, f"{sw}.Protocol",
                  f"expected one of {', '.join(sorted(SNS_PROTOCOLS))}")
            _str(sub, "Endpoint", sw)
            sub.setdefault("Owner", p[3])
            sub["TopicArn"] = arn
            subs.append(sub)
        t["Subscriptions"] = subs
        t.setdefault("access", "AuthorizationError")
        return t

    def _load_faults(self, faults):
        out = []
        for i, f in enumerate(_list(faults, "scenario.faults")):
            fw = f"scenario.faults[{i}]"
            f = dict(_dict(f, fw))
            svc = SERVICE_ALIASES.get(f.get("service"), f.get("service"))
            _need(svc in SERVICES or svc in ("imds", "container"), f"{fw}.service",
                  f"unknown service {f.get('service')!r}")
            f["service"] = svc
            _need(f.get("kind") in FAULT_KINDS, f"{fw}.kind",
                  f"expected one of {', '.join(sorted(FAULT_KINDS))}")
            times = f.get("times")
            _need(times is None or (isinstance(times, int) and times >= 1), f"{fw}.times",
                  "expected a positive integer (omit for always)")
            f["remaining"] = times
            out.append(f)
        return out

    # -- accounts and credentials --------------------------------------------------------------
    def account(self, acct_id):
        acct = self.accounts.get(acct_id)
        if acct is None:
            # A role in an account the scenario does not describe: the same regions, no resources.
            acct = Account(acct_id, self.partition)
            for name, reg in self.accounts[self.account_id].regions.items():
                acct.regions[name] = Region(name, reg.opt_in)
            self.accounts[acct_id] = acct
        return acct

    def issue(self, role, session, lifetime):
        akid = "ASIA" + "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
        acct = arn_parts(role["arn"])[3]
        role_name = role["arn"].rsplit("/", 1)[1]
        record = {"secret": secrets.token_urlsafe(30)[:40],
                  "token": "FwoGZXIvYXdzE" + secrets.token_urlsafe(120),
                  "arn": f"arn:{self.partition}:sts::{acct}:assumed-role/{role_name}/{session}",
                  "userId": f"{role['roleId']}:{session}", "account": acct,
                  "expiration": self.now() + lifetime, "expired": False}
        self.creds[akid] = record
        return akid, record

    def role(self, arn):
        role = self.roles.get(arn)
        if role is None and arn:
            parts = arn_parts(arn)
            if parts and parts[1] == "iam" and parts[4].startswith("role/"):
                # Roles named by IMDS/container settings need not be listed under "roles".
                role = {"arn": arn, "roleId": "AROA" + hashlib.sha1(arn.encode()).hexdigest()[:16].upper(),
                        "maxSessionDuration": 3600, "_implicit": True}
        return role
