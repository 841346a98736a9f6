#!/usr/bin/env python3
"""Loopback AWS test server for vigil's collector tests.

One HTTP port answers every service the collector calls (CloudTrail, CloudWatch Logs, CloudWatch,
SNS, AWS Config, STS, Organizations, EC2), plus the IMDSv2 and container credential endpoints.
The client points every service at it with an endpoint override; the service and region come from
the SigV4 credential scope, the operation from X-Amz-Target (JSON 1.1) or Action (query, EC2).

Data flow: scenario JSON -> Account/Region dicts (shapes close to the API responses) -> one
handler per operation -> a protocol renderer (JSON 1.1, query XML, EC2 XML) -> optional fault.
Every signed request is verified with the server's own SigV4 implementation against the secret of
its access key (scenario keys plus keys the server issued). The account is kept in memory; write
calls mutate it and GET /__fake_aws/state dumps it. See tests/aws/README.md for the format.

Usage: fake_aws.py --scenario FILE [--port 0] [--port-file F] [--calls-log F] [--page-size N]
"""

import argparse
import base64
import copy
import datetime
import hashlib
import hmac
import http
import http.server
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
import urllib.parse
import uuid
from xml.sax.saxutils import escape as xml_escape

# --------------------------------------------------------------------------------------------
# Services and their error vocabulary
# --------------------------------------------------------------------------------------------

SERVICES = {
    "cloudtrail": {"protocol": "json", "msg": "Message",
                   "target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"},
    "logs": {"protocol": "json", "msg": "message", "target": "Logs_20140328"},
    "config": {"protocol": "json", "msg": "message", "target": "StarlingDoveService"},
    "organizations": {"protocol": "json", "msg": "Message", "target": "AWSOrganizationsV20161128"},
    "monitoring": {"protocol": "query", "xmlns": "http://monitoring.amazonaws.com/doc/2010-08-01/"},
    "sns": {"protocol": "query", "xmlns": "http://sns.amazonaws.com/doc/2010-03-31/"},
    "sts": {"protocol": "query", "xmlns": "https://sts.amazonaws.com/doc/2011-06-15/"},
    "ec2": {"protocol": "ec2", "xmlns": "http://ec2.amazonaws.com/doc/2016-11-15/"},
}
SERVICE_ALIASES = {"cloudwatch": "monitoring", "cloudwatchlogs": "logs", "cloudwatch-logs": "logs",
                   "configservice": "config"}
TARGET_TO_SERVICE = {v["target"]: k for k, v in SERVICES.items() if "target" in v}

# Error codes per class and protocol family: (code, HTTP status). "json" covers the JSON 1.1
# services unless a service has its own entry.
_ERR = {
    "throttle": {"json": ("ThrottlingException", 400), "organizations": ("TooManyRequestsException", 400),
                 "monitoring": ("Throttling", 400), "sts": ("Throttling", 400),
                 "sns": ("Throttled", 429), "ec2": ("RequestLimitExceeded", 503)},
    "access_denied": {"json": ("AccessDeniedException", 400), "monitoring": ("AccessDenied", 403),
                      "sts": ("AccessDenied", 403), "sns": ("AuthorizationError", 403),
                      "ec2": ("UnauthorizedOperation", 403)},
    "http500": {"json": ("InternalFailure", 500), "monitoring": ("InternalServiceError", 500),
                "sts": ("InternalFailure", 500), "sns": ("InternalError", 500),
                "ec2": ("InternalError", 500)},
    "http503": {"json": ("ServiceUnavailable", 503), "logs": ("ServiceUnavailableException", 503),
                "monitoring": ("ServiceUnavailable", 503), "sts": ("ServiceUnavailable", 503),
                "sns": ("ServiceUnavailable", 503), "ec2": ("Unavailable", 503)},
    "expired_token": {"json": ("ExpiredTokenException", 400), "monitoring": ("ExpiredToken", 403),
                      "sts": ("ExpiredToken", 403), "sns": ("ExpiredToken", 403),
                      "ec2": ("RequestExpired", 400)},
    "bad_key": {"json": ("UnrecognizedClientException", 400), "monitoring": ("InvalidClientTokenId", 403),
                "sts": ("InvalidClientTokenId", 403), "sns": ("InvalidClientTokenId", 403),
                "ec2": ("AuthFailure", 401)},
    "bad_signature": {"json": ("InvalidSignatureException", 400),
                      "monitoring": ("SignatureDoesNotMatch", 403), "sts": ("SignatureDoesNotMatch", 403),
                      "sns": ("SignatureDoesNotMatch", 403), "ec2": ("AuthFailure", 401)},
    "skew": {"json": ("InvalidSignatureException", 400), "monitoring": ("SignatureDoesNotMatch", 403),
             "sts": ("SignatureDoesNotMatch", 403), "sns": ("SignatureDoesNotMatch", 403),
             "ec2": ("RequestExpired", 400)},
    "incomplete": {"json": ("IncompleteSignatureException", 400), "monitoring": ("IncompleteSignature", 400),
                   "sts": ("IncompleteSignature", 400), "sns": ("IncompleteSignature", 400),
                   "ec2": ("AuthFailure", 401)},
    "missing_auth": {"json": ("MissingAuthenticationTokenException", 400),
                     "monitoring": ("MissingAuthenticationToken", 403),
                     "sts": ("MissingAuthenticationToken", 403), "sns": ("MissingAuthenticationToken", 403),
                     "ec2": ("AuthFailure", 401)},
    "unknown_op": {"json": ("UnknownOperationException", 400), "monitoring": ("InvalidAction", 400),
                   "sts": ("InvalidAction", 400), "sns": ("InvalidAction", 400),
                   "ec2": ("InvalidAction", 400)},
    "bad_token": {"cloudtrail": ("InvalidNextTokenException", 400), "logs": ("InvalidParameterException", 400),
                  "organizations": ("InvalidInputException", 400), "monitoring": ("InvalidNextToken", 400),
                  "sns": ("InvalidParameter", 400), "json": ("InvalidParameterException", 400)},
    "validation": {"cloudtrail": ("InvalidParameterException", 400), "logs": ("InvalidParameterException", 400),
                   "config": ("ValidationException", 400), "organizations": ("InvalidInputException", 400),
                   "monitoring": ("ValidationError", 400), "sts": ("ValidationError", 400),
                   "sns": ("InvalidParameter", 400), "ec2": ("InvalidParameterValue", 400)},
}
MESSAGES = {
    "throttle": "Rate exceeded",
    "http500": "We encountered an internal error. Please try again.",
    "http503": "The service is unavailable. Please try again shortly.",
    "expired_token": "The security token included in the request is expired",
    "bad_key": "The security token included in the request is invalid.",
    "bad_signature": ("The request signature we calculated does not match the signature you provided. "
                      "Check your AWS Secret Access Key and signing method. "
                      "Consult the service documentation for details."),
    "missing_auth": "Request is missing Authentication Token",
}
# Coral framework errors carry a namespaced __type on the JSON services, as AWS sends them.
CORAL_NAMESPACED = {"AccessDeniedException", "ExpiredTokenException", "UnrecognizedClientException",
                    "InvalidSignatureException", "IncompleteSignatureException",
                    "MissingAuthenticationTokenException"}
FAULT_KINDS = {"throttle", "http500", "http503", "access_denied", "html", "malformed", "truncated",
               "expired_token", "wrong_content_type", "retry_after", "slow"}
ENABLED = ("opt-in-not-required", "opted-in")
OPT_IN_VALUES = ENABLED + ("not-opted-in",)


def err_code(kind, service):
    table = _ERR[kind]
    proto = SERVICES[service]["protocol"]
    return table.get(service) or table.get("json" if proto == "json" else service) or table["json"]


class ApiError(Exception):
    """An AWS error response: rendered in the service's protocol shape."""

    def __init__(self, code, message, status=400, headers=None, extra=None):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status
        self.headers = headers or {}
        self.extra = extra or {}


def api_error(kind, service, message=None, **kw):
    code, status = err_code(kind, service)
    return ApiError(code, message or MESSAGES.get(kind, code), status, **kw)


class ScenarioError(Exception):
    pass


# --------------------------------------------------------------------------------------------
# Values: timestamps and maps that render differently per protocol
# --------------------------------------------------------------------------------------------

class Ts:
    """A timestamp: epoch seconds in JSON 1.1, ISO-8601 in XML."""

    def __init__(self, epoch):
        self.epoch = float(epoch)

    def json(self):
        return int(self.epoch) if self.epoch == int(self.epoch) else round(self.epoch, 3)

    def iso(self):
        dt = datetime.datetime.fromtimestamp(self.epoch, datetime.timezone.utc)
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


class XmlMap(dict):
    """A map: a JSON object, or <entry><key/><value/></entry> in XML."""


def parse_time(value, where):
    """Epoch seconds from an ISO-8601 string or a number of seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            dt = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ScenarioError(f"{where}: {value!r} is not an ISO-8601 time")
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=datetime.timezone.utc)
        return dt.timestamp()
    raise ScenarioError(f"{where}: expected an ISO-8601 time or epoch seconds, got {value!r}")


def iso_now(epoch):
    return Ts(epoch).iso()


# --------------------------------------------------------------------------------------------
# SigV4 (the server's own implementation, from the algorithm in docs/aws-api.md section 7)
# --------------------------------------------------------------------------------------------

def uri_encode(text, keep_slash=False):
    safe = "-_.~" + ("/" if keep_slash else "")
    return urllib.parse.quote(text, safe=safe)


def normalize_path(path):
    segments = []
    for seg in path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if segments:
                segments.pop()
            continue
        segments.append(seg)
    out = "/" + "/".join(segments)
    if path.endswith("/") and out != "/":
        out += "/"
    return out


def canonical_query(raw_query):
    pairs = []
    for part in raw_query.split("&") if raw_query else []:
        if not part:
            continue
        key, _, value = part.partition("=")
        key, value = urllib.parse.unquote(key), urllib.parse.unquote(value)
        if key == "X-Amz-Signature":
            continue
        pairs.append((uri_encode(key), uri_encode(value)))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def canonical_request(method, raw_path, raw_query, header_values, signed_headers, payload_hash):
    """header_values: lowercase name -> list of raw values in request order."""
    lines = []
    for name in signed_headers:
        values = [re.sub(r"\s+", " ", v.strip()) for v in header_values.get(name, [])]
        lines.append(f"{name}:{','.join(values)}\n")
    uri = uri_encode(normalize_path(raw_path or "/"), keep_slash=True)
    return "\n".join([method, uri, canonical_query(raw_query), "".join(lines),
                      ";".join(signed_headers), payload_hash])


def signing_key(secret, date, region, service):
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def signature(secret, amz_date, scope, creq):
    date, region, service, _ = scope.split("/")
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                     hashlib.sha256(creq.encode()).hexdigest()])
    return hmac.new(signing_key(secret, date, region, service), sts.encode(),
                    hashlib.sha256).hexdigest()


AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256\s+(.*)$", re.S)


def parse_authorization(value):
    """Credential/SignedHeaders/Signature from an Authorization header, or None if malformed."""
    m = AUTH_RE.match(value.strip())
    if not m:
        return None
    fields = {}
    for part in m.group(1).split(","):
        key, _, val = part.strip().partition("=")
        fields[key] = val
    cred = fields.get("Credential", "").split("/")
    if len(cred) != 5 or cred[4] != "aws4_request" or not fields.get("SignedHeaders") \
            or not fields.get("Signature"):
        return None
    return {"akid": cred[0], "date": cred[1], "region": cred[2], "service": cred[3],
            "scope": "/".join(cred[1:]), "signed": fields["SignedHeaders"].split(";"),
            "signature": fields["Signature"]}


# --------------------------------------------------------------------------------------------
# Scenario: loading, validation, in-memory account model
# --------------------------------------------------------------------------------------------

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


def arn_parts(arn):
    """(partition, service, region, account, resource) or None."""
    parts = arn.split(":", 5) if isinstance(arn, str) else []
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return parts[1], parts[2], parts[3], parts[4], parts[5]


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


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------

def _json_default(value):
    if isinstance(value, Ts):
        return value.json()
    raise TypeError(type(value).__name__)


def xml_body(value, item):
    if value is None:
        return ""
    if isinstance(value, XmlMap):
        return "".join(f"<entry><key>{xml_escape(str(k))}</key><value>{xml_body(v, item)}</value></entry>"
                       for k, v in value.items())
    if isinstance(value, dict):
        return "".join(xml_element(k, v, item) for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return "".join(f"<{item}>{xml_body(v, item)}</{item}>" for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Ts):
        return value.iso()
    return xml_escape(str(value))


def xml_element(name, value, item):
    return f"<{name}>{xml_body(value, item)}</{name}>"


class Response:
    def __init__(self, status, body, content_type, headers=None):
        self.status, self.body, self.content_type = status, body, content_type
        self.headers = headers or {}


def render_ok(service, op, result, request_id):
    proto = SERVICES[service]["protocol"]
    if proto == "json":
        if result is None:  # an operation without output: AWS answers 200 with an empty body
            body = b""
        else:
            body = json.dumps(result, default=_json_default, separators=(",", ":")).encode()
        return Response(200, body, "application/x-amz-json-1.1", {"x-amzn-RequestId": request_id})
    ns = SERVICES[service]["xmlns"]
    if proto == "ec2":
        text = (f'<?xml version="1.0" encoding="UTF-8"?>\n<{op}Response xmlns="{ns}">'
                f"<requestId>{request_id}</requestId>{xml_body(result, 'item')}</{op}Response>")
        return Response(200, text.encode(), "text/xml;charset=UTF-8")
    inner = "" if result is None else xml_element(f"{op}Result", result, "member")
    text = (f'<{op}Response xmlns="{ns}">\n  {inner}\n  <ResponseMetadata>\n'
            f"    <RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n</{op}Response>\n")
    return Response(200, text.encode(), "text/xml", {"x-amzn-RequestId": request_id})


def render_error(service, err, request_id):
    proto = SERVICES[service]["protocol"]
    headers = dict(err.headers)
    if proto == "json":
        type_name = ("com.amazon.coral.service#" + err.code) if err.code in CORAL_NAMESPACED else err.code
        payload = {"__type": type_name, SERVICES[service]["msg"]: err.message}
        payload.update(err.extra)
        headers.update({"x-amzn-RequestId": request_id, "x-amzn-ErrorType": f"{err.code}:"})
        return Response(err.status, json.dumps(payload).encode(), "application/x-amz-json-1.1", headers)
    msg = xml_escape(err.message)
    if proto == "ec2":
        text = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{err.code}</Code>'
                f"<Message>{msg}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>")
        return Response(err.status, text.encode(), "text/xml;charset=UTF-8", headers)
    kind = "Sender" if err.status < 500 else "Receiver"
    ns = SERVICES[service]["xmlns"]
    text = (f'<ErrorResponse xmlns="{ns}">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{err.code}</Code>\n'
            f"    <Message>{msg}</Message>\n  </Error>\n  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n")
    headers["x-amzn-RequestId"] = request_id
    return Response(err.status, text.encode(), "text/xml", headers)


# --------------------------------------------------------------------------------------------
# Request parameters
# --------------------------------------------------------------------------------------------

def unflatten(flat):
    """Query/EC2 form keys (A.member.1.B, A.entry.1.key, A.1) -> nested dicts and lists."""
    root = {}
    for key, value in flat.items():
        node, parts = root, key.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if not isinstance(node.get(parts[-1]), dict):
            node[parts[-1]] = value
    return _listify(root)


def _listify(node):
    if not isinstance(node, dict):
        return node
    node = {k: _listify(v) for k, v in node.items()}
    if node and all(k.isdigit() for k in node):
        return [node[k] for k in sorted(node, key=int)]
    if len(node) == 1 and isinstance(node.get("member"), list):
        return node["member"]
    if len(node) == 1 and isinstance(node.get("entry"), list):
        return XmlMap((e.get("key"), e.get("value")) for e in node["entry"] if isinstance(e, dict))
    return node


def as_list(value):
    if value in (None, ""):
        return []
    return value if isinstance(value, list) else [value]


def as_bool(value, default=None):
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() == "true"


def as_int(ctx, name, value, lo=None, hi=None):
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ctx.invalid(f"Value '{value}' at '{name}' is not a valid integer")
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        raise ctx.invalid(f"1 validation error detected: Value '{number}' at '{name}' failed to satisfy "
                          f"constraint: Member must have value between {lo} and {hi}")
    return number


def flat_values(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from flat_values(v)
    elif isinstance(value, list):
        for v in value:
            yield from flat_values(v)
    elif value is not None:
        yield str(value)


class Ctx:
    """One request: who calls, where, with what."""

    def __init__(self, state, service, region, op, params, identity):
        self.state, self.service, self.region, self.op = state, service, region, op
        self.params, self.identity = params, identity
        self.account = state.account(identity["account"]) if identity else state.account(state.account_id)
        self.reg = self.account.regions.get(region)

    def invalid(self, message):
        return api_error("validation", self.service, message)

    def p(self, name, default=None):
        value = self.params.get(name, default)
        return default if value is None else value

    def arn(self, service, resource, region=None):
        return f"arn:{self.state.partition}:{service}:{self.region if region is None else region}:" \
               f"{self.account.id}:{resource}"

    def page(self, items, token, limit):
        """A page of items and the next token (or None); tokens bind op, region and filters."""
        size = min(self.state.page_size, limit) if limit else self.state.page_size
        key = {k: v for k, v in self.params.items()
               if k not in ("NextToken", "nextToken", "MaxRecords", "MaxResults", "limit", "Action", "Version")}
        bind = hashlib.sha256(json.dumps([self.op, self.region, self.account.id, key],
                                         sort_keys=True, default=str).encode()).hexdigest()[:12]
        start = 0
        if token not in (None, ""):
            start = self._read_token(token, bind)
        end = start + size
        nxt = None
        if end < len(items):
            payload = f"{end}.{bind}"
            mac = hmac.new(self.state.token_key, payload.encode(), hashlib.sha256).hexdigest()[:16]
            nxt = base64.urlsafe_b64encode(f"{payload}.{mac}".encode()).decode().rstrip("=")
        return items[start:end], nxt

    def _read_token(self, token, bind):
        bad = api_error("bad_token", self.service, self._bad_token_message(token))
        if self.service == "organizations":
            bad.extra = {"Reason": "INVALID_PAGINATION_TOKEN"}
        try:
            text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            offset, got_bind, mac = text.split(".")
        except (ValueError, UnicodeDecodeError):
            raise bad
        want = hmac.new(self.state.token_key, f"{offset}.{got_bind}".encode(), hashlib.sha256).hexdigest()[:16]
        if not hmac.compare_digest(mac, want) or got_bind != bind or not offset.isdigit():
            raise bad
        return int(offset)

    def _bad_token_message(self, token):
        if self.service == "sns":
            return "Invalid parameter: NextToken"
        if self.service == "logs":
            return f"The specified nextToken is invalid: {token[:40]}"
        return "The specified token is invalid or expired."


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


# --------------------------------------------------------------------------------------------
# AWS Config, STS, Organizations, EC2
# --------------------------------------------------------------------------------------------

def _named(ctx, items, names, error, what):
    if not names:
        return items
    by_name = {i["name"]: i for i in items}
    for n in names:
        if n not in by_name:
            raise ApiError(error, f"Cannot find {what} with specified name '{n}'.")
    return [by_name[n] for n in names]


def op_describe_configuration_recorders(ctx):
    recs = _named(ctx, ctx.reg.recorders, as_list(ctx.p("ConfigurationRecorderNames")),
                  "NoSuchConfigurationRecorderException", "configuration recorder")
    out = []
    for r in recs:
        group = {"allSupported": True, "includeGlobalResourceTypes": False, "resourceTypes": []}
        group.update(r.get("recordingGroup", {}))
        item = {"name": r["name"], "roleARN": r.get("roleARN", ""), "recordingGroup": group}
        item["recordingMode"] = r.get("recordingMode", {"recordingFrequency": "CONTINUOUS"})  # newer member
        out.append(item)
    return {"ConfigurationRecorders": out}


CONFIG_TIMES = {"lastStartTime", "lastStopTime", "lastStatusChangeTime"}


def op_describe_configuration_recorder_status(ctx):
    recs = _named(ctx, ctx.reg.recorders, as_list(ctx.p("ConfigurationRecorderNames")),
                  "NoSuchConfigurationRecorderException", "configuration recorder")
    out = []
    for r in recs:
        status = {"name": r["name"]}
        for k, v in r.get("status", {"recording": False, "lastStatus": "Pending"}).items():
            status[k] = Ts(parse_time(v, k)) if k in CONFIG_TIMES else v
        out.append(status)
    return {"ConfigurationRecordersStatus": out}


def op_describe_delivery_channels(ctx):
    chans = _named(ctx, ctx.reg.channels, as_list(ctx.p("DeliveryChannelNames")),
                   "NoSuchDeliveryChannelException", "delivery channel")
    return {"DeliveryChannels": chans}


def op_get_caller_identity(ctx):
    ident = ctx.identity
    return {"UserId": ident["userId"], "Account": ident["account"], "Arn": ident["arn"]}


def _assume(ctx, role, session, duration):
    akid, rec = ctx.state.issue(role, session, duration)
    return {"Credentials": {"AccessKeyId": akid, "SecretAccessKey": rec["secret"],
                            "SessionToken": rec["token"], "Expiration": Ts(rec["expiration"])},
            "AssumedRoleUser": {"AssumedRoleId": rec["userId"], "Arn": rec["arn"]}}


def _session_args(ctx, role_arn):
    session, duration = ctx.p("RoleSessionName"), ctx.p("DurationSeconds")
    for key, val in (("roleArn", role_arn), ("roleSessionName", session)):
        if not val:
            raise ctx.invalid(f"1 validation error detected: Value null at '{key}' failed to satisfy "
                              "constraint: Member must not be null")
    if not re.fullmatch(r"[\w+=,.@-]{2,64}", session):
        raise ctx.invalid(f"1 validation error detected: Value '{session}' at 'roleSessionName' failed "
                          "to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
    duration = as_int(ctx, "durationSeconds", duration, 900, 43200) or 3600
    return session, duration


def op_assume_role(ctx):
    role_arn = ctx.p("RoleArn")
    session, duration = _session_args(ctx, role_arn)
    role = ctx.state.roles.get(role_arn)
    denied = api_error("access_denied", "sts", f"User: {ctx.identity['arn']} is not authorized to perform: "
                                              f"sts:AssumeRole on resource: {role_arn}")
    if role is None or role.get("webIdentityOnly"):
        raise denied
    trusted = role.get("trustedPrincipals")
    if trusted and ctx.identity["arn"] not in trusted and ctx.identity["account"] not in trusted:
        raise denied
    if role.get("externalId") is not None and ctx.p("ExternalId") != role["externalId"]:
        raise denied
    if role.get("mfaSerial") and (ctx.p("SerialNumber") != role["mfaSerial"]
                                  or ctx.p("TokenCode") != role.get("mfaTokenCode")):
        raise denied
    if duration > role["maxSessionDuration"]:
        raise ctx.invalid("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    out = _assume(ctx, role, session, duration)
    out["PackedPolicySize"] = None
    return out


def op_assume_role_with_web_identity(ctx):
    role_arn = ctx.p("RoleArn")
    session, duration = _session_args(ctx, role_arn)
    token = ctx.p("WebIdentityToken")
    if not token:
        raise ctx.invalid("1 validation error detected: Value null at 'webIdentityToken' failed to satisfy "
                          "constraint: Member must not be null")
    role = ctx.state.roles.get(role_arn)
    if role is None or not role.get("webIdentityToken"):
        raise api_error("access_denied", "sts", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
    if not hmac.compare_digest(token, role["webIdentityToken"]):
        raise ApiError("InvalidIdentityToken", "Couldn't verify the web identity token.", 400)
    if duration > role["maxSessionDuration"]:
        raise ctx.invalid("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    out = _assume(ctx, role, session, duration)
    out["SubjectFromWebIdentityToken"] = role.get("webIdentitySubject", "system:serviceaccount:vigil:collector")
    out["Provider"] = role.get("webIdentityProvider", "oidc.vigil.test")
    out["Audience"] = role.get("webIdentityAudience", "sts.amazonaws.com")
    return out


def op_list_accounts(ctx):
    org = ctx.account.organization
    if org is None:
        raise ApiError("AWSOrganizationsNotInUseException",
                       "Your account is not a member of an organization.")
    if not org.get("listAccountsAllowed", False):
        raise api_error("access_denied", "organizations", "You don't have permissions to access this resource.")
    limit = as_int(ctx, "MaxResults", ctx.p("MaxResults"), 1, 20)
    accounts = []
    for a in org.get("accounts", []):
        item = {"Id": a["Id"], "Arn": a.get("Arn", f"arn:{ctx.state.partition}:organizations::"
                                                f"{org.get('managementAccountId', a['Id'])}:account/"
                                                f"{org.get('id', 'o-exampleorgid')}/{a['Id']}"),
                "Email": a.get("Email", f"aws+{a['Id']}@example.com"), "Name": a.get("Name", a["Id"]),
                "Status": a.get("Status", "ACTIVE"), "JoinedMethod": a.get("JoinedMethod", "CREATED"),
                "JoinedTimestamp": Ts(parse_time(a.get("JoinedTimestamp", SCENARIO_TIME), "JoinedTimestamp"))}
        accounts.append(item)
    page, nxt = ctx.page(accounts, ctx.p("NextToken"), limit)
    out = {"Accounts": page}
    if nxt:
        out["NextToken"] = nxt
    return out


def op_describe_regions(ctx):
    all_regions = as_bool(ctx.p("AllRegions"), False)
    names = as_list(ctx.p("RegionName"))
    regions = list(ctx.account.regions.values())
    for n in names:
        if n not in ctx.account.regions:
            raise ApiError("InvalidParameterValue", f"Invalid region: {n}")
    if names:
        regions = [r for r in regions if r.name in names]
    elif not all_regions:
        regions = [r for r in regions if r.enabled]
    for f in as_list(ctx.p("Filter")):
        if not isinstance(f, dict):
            continue
        values = as_list(f.get("Value"))
        field = {"region-name": lambda r: r.name, "opt-in-status": lambda r: r.opt_in,
                 "endpoint": lambda r: f"ec2.{r.name}.amazonaws.com"}.get(f.get("Name"))
        if field is None:
            raise ApiError("InvalidParameterValue", f"The filter '{f.get('Name')}' is invalid")
        regions = [r for r in regions if field(r) in values]
    items = [{"regionName": r.name, "regionEndpoint": f"ec2.{r.name}.amazonaws.com", "optInStatus": r.opt_in}
             for r in regions]
    return {"regionInfo": items}


OPERATIONS = {
    "cloudtrail": {"DescribeTrails": op_describe_trails, "ListTrails": op_list_trails,
                   "GetTrailStatus": op_get_trail_status, "GetEventSelectors": op_get_event_selectors,
                   "UpdateTrail": op_update_trail},
    "logs": {"DescribeLogGroups": op_describe_log_groups, "DescribeMetricFilters": op_describe_metric_filters,
             "PutMetricFilter": op_put_metric_filter, "CreateLogGroup": op_create_log_group},
    "monitoring": {"DescribeAlarms": op_describe_alarms, "DescribeAlarmsForMetric": op_describe_alarms_for_metric,
                   "PutMetricAlarm": op_put_metric_alarm},
    "sns": {"ListTopics": op_list_topics, "ListSubscriptionsByTopic": op_list_subscriptions_by_topic,
            "GetTopicAttributes": op_get_topic_attributes, "CreateTopic": op_create_topic,
            "Subscribe": op_subscribe},
    "config": {"DescribeConfigurationRecorders": op_describe_configuration_recorders,
               "DescribeConfigurationRecorderStatus": op_describe_configuration_recorder_status,
               "DescribeDeliveryChannels": op_describe_delivery_channels},
    "sts": {"GetCallerIdentity": op_get_caller_identity, "AssumeRole": op_assume_role,
            "AssumeRoleWithWebIdentity": op_assume_role_with_web_identity},
    "organizations": {"ListAccounts": op_list_accounts},
    "ec2": {"DescribeRegions": op_describe_regions},
}
ACTION_TO_SERVICE = {op: svc for svc, ops in OPERATIONS.items()
                     if SERVICES[svc]["protocol"] != "json" for op in ops}
UNSIGNED_OPS = {("sts", "AssumeRoleWithWebIdentity")}


# --------------------------------------------------------------------------------------------
# Authentication
# --------------------------------------------------------------------------------------------

def authenticate(state, service, method, raw_path, raw_query, header_values, body, auth):
    """The identity behind a signed request, or an ApiError as AWS would answer."""
    if "host" not in auth["signed"]:
        raise api_error("incomplete", service, "'Host' or ':authority' must be a 'SignedHeader' in the "
                                               "AWS Authorization.")
    amz_date = (header_values.get("x-amz-date") or [""])[0].strip()
    if not re.fullmatch(r"\d{8}T\d{6}Z", amz_date):
        raise api_error("incomplete", service, "Authorization header requires existence of either a "
                                               "'X-Amz-Date' or a 'Date' header.")
    if auth["date"] != amz_date[:8]:
        raise api_error("bad_signature", service, f"Date in Credential scope does not match YYYYMMDD from "
                                                  f"ISO-8601 version of date from HTTP: '{auth['date']}' != "
                                                  f"'{amz_date[:8]}', from '{amz_date}'.")
    record = state.creds.get(auth["akid"])
    if record is None:
        raise api_error("bad_key", service)
    sent_token = (header_values.get("x-amz-security-token") or [None])[0]
    if (record["token"] or None) != (sent_token.strip() if sent_token else None):
        raise api_error("bad_key", service)
    if record["expired"] or (record["expiration"] is not None and record["expiration"] <= state.now()):
        raise api_error("expired_token", service)
    payload_hash = hashlib.sha256(body).hexdigest()
    declared = (header_values.get("x-amz-content-sha256") or [None])[0]
    if declared is not None and "x-amz-content-sha256" in auth["signed"]:
        declared = declared.strip()
        if declared != "UNSIGNED-PAYLOAD" and declared != payload_hash:
            raise api_error("bad_signature", service)
        payload_hash = declared
    creq = canonical_request(method, raw_path, raw_query, header_values, auth["signed"], payload_hash)
    want = signature(record["secret"], amz_date, auth["scope"], creq)
    if not hmac.compare_digest(want, auth["signature"]):
        raise api_error("bad_signature", service)
    signed_at = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    now = state.now()
    if abs(now - signed_at) > state.max_skew:
        fmt = lambda t: datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        if service == "ec2":
            message = "Request has expired."
        elif signed_at < now:
            message = (f"Signature expired: {amz_date} is now earlier than {fmt(now - state.max_skew)} "
                       f"({fmt(now)} - 5 min.)")
        else:
            message = (f"Signature not yet current: {amz_date} is still later than "
                       f"{fmt(now + state.max_skew)} ({fmt(now)} + 5 min.)")
        raise api_error("skew", service, message)
    return {"arn": record["arn"], "userId": record["userId"], "account": record["account"],
            "accessKeyId": auth["akid"]}


def mask(akid):
    return "*" * max(0, len(akid) - 4) + akid[-4:] if akid else ""


# --------------------------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------------------------

def take_fault(state, service, op, region, params):
    """The first fault that matches this call (its budget decremented), or None."""
    values = None
    with state.lock:
        for f in state.faults:
            if f["service"] != service or f.get("operation", "*") not in ("*", op):
                continue
            if f.get("region") not in (None, region):
                continue
            if f.get("resource") is not None:
                values = values if values is not None else set(flat_values(params))
                if f["resource"] not in values:
                    continue
            if f["remaining"] is not None:
                if f["remaining"] <= 0:
                    continue
                f["remaining"] -= 1
            return f
    return None


def fault_error(fault, service):
    kind = fault["kind"]
    if kind in ("throttle", "http500", "http503", "access_denied", "expired_token"):
        message = fault.get("message")
        if kind == "access_denied" and not message:
            message = "User is not authorized to perform this operation (injected fault)."
        return api_error(kind, service, message)
    if kind == "retry_after":
        status = int(fault.get("status", 503))
        kind = "throttle" if status == 429 else "http503"
        code, _ = err_code(kind, service)
        return ApiError(code, MESSAGES[kind], status, headers={"Retry-After": str(fault.get("seconds", 1))})
    return None


def mangle(fault, resp):
    kind = fault["kind"]
    if kind == "html":
        status = int(fault.get("status", 502))
        reason = http.HTTPStatus(status).phrase if status in http.HTTPStatus._value2member_map_ else "Error"
        text = (f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
                f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
                "</body>\r\n</html>\r\n")
        return Response(status, text.encode(), "text/html")
    if kind == "malformed":
        body = b'{"trailList": [{"Name": tru' if resp.content_type.startswith("application/") \
            else b"<?xml version=\"1.0\"?><Response><Errors><unclosed>"
        return Response(200, body, resp.content_type, resp.headers)
    if kind == "truncated":
        return Response(resp.status, resp.body[:max(1, len(resp.body) // 2)], resp.content_type, resp.headers)
    if kind == "wrong_content_type":
        return Response(resp.status, resp.body, fault.get("contentType", "text/plain"), resp.headers)
    return resp


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def version_string(self):
        return "fake-aws"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("fake_aws: " + (fmt % args) + "\n")

    def date_time_string(self, timestamp=None):
        return super().date_time_string(self.server.state.now() if timestamp is None else timestamp)

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_PUT(self):
        self._serve("PUT")

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, resp):
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)

    def _log(self, service, region, op, status, akid="", fault=None):
        entry = {"service": service, "region": region, "operation": op, "status": status,
                 "accessKeyId": mask(akid)}
        if fault:
            entry["fault"] = fault
        self.server.write_log(entry)

    def _serve(self, method):
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        raw_path, _, raw_query = self.path.partition("?")
        state = self.server.state
        if raw_path.startswith("/latest/"):
            return self._imds(method, raw_path)
        if state.container and raw_path == state.container["path"]:
            return self._container(method)
        if raw_path == "/__fake_aws/state" and method == "GET":
            with state.lock:
                dump = json.dumps(snapshot(state), default=_json_default, indent=1).encode()
            return self._send(Response(200, dump, "application/json"))
        self._aws(method, raw_path, raw_query, body)

    # -- AWS API -------------------------------------------------------------------------------
    def _aws(self, method, raw_path, raw_query, body):
        state = self.server.state
        request_id = str(uuid.uuid4())
        header_values = {}
        for name, value in self.headers.items():
            header_values.setdefault(name.lower(), []).append(value)
        target = (header_values.get("x-amz-target") or [""])[0].strip()
        form = {}
        if target == "" and method in ("POST", "GET"):
            text = body.decode("utf-8", "replace") if method == "POST" else raw_query
            form = dict(urllib.parse.parse_qsl(text, keep_blank_values=True))
        auth_value = (header_values.get("authorization") or [None])[0]
        auth = parse_authorization(auth_value) if auth_value else None
        # Which service: the credential scope when signed, else the operation's name.
        if auth is not None:
            service = SERVICE_ALIASES.get(auth["service"], auth["service"])
            region = auth["region"]
        elif target:
            service, region = TARGET_TO_SERVICE.get(target.rsplit(".", 1)[0]), state.home_region
        else:
            service, region = ACTION_TO_SERVICE.get(form.get("Action")), state.home_region
        if service not in SERVICES:
            self._log(service or "unknown", region if auth else "", "", 400)
            return self._send(Response(400, b'{"__type":"UnknownServiceException","message":"Unknown service"}',
                                       "application/x-amz-json-1.1"))
        proto = SERVICES[service]["protocol"]
        if proto == "json":
            prefix, _, op = target.rpartition(".")
            bad_target = prefix != SERVICES[service]["target"]
        else:
            op, bad_target = form.get("Action", ""), False
        akid = auth["akid"] if auth else ""
        try:
            if auth_value is not None and auth is None:
                raise api_error("incomplete", service, "Authorization header is malformed.")
            if method != "POST" and proto == "json":
                raise api_error("unknown_op", service, f"Method {method} is not supported.")
            handler = None if bad_target else OPERATIONS[service].get(op)
            if handler is None:
                if proto == "json":
                    raise api_error("unknown_op", service, f"Unknown operation {target!r}.")
                raise api_error("unknown_op", service, f"The action {op} is not valid for this web service.")
            if auth is None:
                if (service, op) not in UNSIGNED_OPS:
                    raise api_error("missing_auth", service)
                identity = None
            else:
                reg = state.accounts[state.account_id].regions.get(region)
                if reg is None or not reg.enabled:
                    # A region that is off for the account does not know the caller's keys.
                    raise api_error("bad_key", service)
                with state.lock:
                    identity = authenticate(state, service, method, raw_path, raw_query, header_values, body, auth)
            if proto == "json":
                try:
                    params = json.loads(body.decode("utf-8") or "{}")
                except (UnicodeDecodeError, json.JSONDecodeError):
                    raise ApiError("SerializationException", "Start of structure or map found where not expected.")
                if not isinstance(params, dict):
                    raise ApiError("SerializationException", "Start of structure or map found where not expected.")
            else:
                params = unflatten(form)
        except ApiError as e:
            self._log(service, region, op, e.status, akid)
            return self._send(render_error(service, e, request_id))
        fault = take_fault(state, service, op, region, params)
        if fault and fault["kind"] == "slow":
            time.sleep(float(fault.get("seconds", 2)))
        try:
            err = fault_error(fault, service) if fault else None
            if err:
                raise err
            with state.lock:
                ctx = Ctx(state, service, region, op, params, identity)
                if ctx.reg is None or not ctx.reg.enabled:
                    raise api_error("bad_key", service)
                result = handler(ctx)
            resp = render_ok(service, op, result, request_id)
        except ApiError as e:
            resp = render_error(service, e, request_id)
        if fault:
            resp = mangle(fault, resp)
        self._log(service, region, op, resp.status, akid, fault["kind"] if fault else None)
        self._send(resp)

    # -- credential endpoints ------------------------------------------------------------------
    def _plain(self, status, text, content_type="text/plain", headers=None):
        self._send(Response(status, text.encode(), content_type, headers))

    def _endpoint_fault(self, service, op):
        fault = take_fault(self.server.state, service, op, "", {})
        if fault is None:
            return False
        if fault["kind"] == "slow":
            time.sleep(float(fault.get("seconds", 2)))
            return False
        status = {"http500": 500, "http503": 503, "throttle": 429, "access_denied": 403,
                  "html": 502, "retry_after": 503}.get(fault["kind"])
        if status is None:  # malformed, truncated, wrong_content_type: a body that is not JSON
            self._log(service, "", op, 200, fault=fault["kind"])
            self._plain(200, '{"Code": "Success", "AccessKeyId": ', "text/plain")
            return True
        self._log(service, "", op, status, fault=fault["kind"])
        self._plain(status, f"<html><body><h1>{status}</h1></body></html>", "text/html")
        return True

    def _imds(self, method, path):
        state = self.server.state
        if state.imds is None:
            self._log("imds", "", path, 404)
            return self._plain(404, "Not Found")
        if path == "/latest/api/token":
            if self._endpoint_fault("imds", "GetToken"):
                return
            if method != "PUT":
                self._log("imds", "", "GetToken", 405)
                return self._plain(405, "Method Not Allowed")
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", "")
            if self.headers.get("X-Forwarded-For") is not None:
                self._log("imds", "", "GetToken", 403)
                return self._plain(403, "Forbidden")
            if not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
                self._log("imds", "", "GetToken", 400)
                return self._plain(400, "Bad Request")
            token = secrets.token_urlsafe(40)
            with state.lock:
                state.imds_tokens[token] = state.now() + int(ttl)
            self._log("imds", "", "GetToken", 200)
            return self._plain(200, token, headers={"X-aws-ec2-metadata-token-ttl-seconds": ttl})
        base = "/latest/meta-data/iam/security-credentials"
        op = "GetRoleName" if path in (base, base + "/") else "GetCredentials"
        if method != "GET" or not path.startswith(base):
            self._log("imds", "", path, 404)
            return self._plain(404, "Not Found")
        if self._endpoint_fault("imds", op):
            return
        token = self.headers.get("X-aws-ec2-metadata-token")
        with state.lock:
            valid = token is not None and state.imds_tokens.get(token, 0) > state.now()
        if not valid and not state.imds.get("allowImdsV1", False):
            self._log("imds", "", op, 401)
            return self._plain(401, "Unauthorized")
        role_name = state.imds["roleArn"].rsplit("/", 1)[1]
        if op == "GetRoleName":
            self._log("imds", "", op, 200)
            return self._plain(200, role_name)
        if path[len(base) + 1:] != role_name:
            self._log("imds", "", op, 404)
            return self._plain(404, "Not Found")
        with state.lock:
            cur = state.imds_creds
            if cur is None or state.creds[cur[0]]["expiration"] - state.now() < 300:
                lifetime = int(state.imds.get("credentialLifetimeSeconds", 21600))
                role = state.role(state.imds["roleArn"])
                cur = state.imds_creds = state.issue(role, state.imds.get("instanceId", "i-0f1e2d3c4b5a69788"),
                                                     lifetime) + (state.now(),)
            akid, rec, issued = cur
        doc = {"Code": "Success", "LastUpdated": iso_now(issued)[:19] + "Z", "Type": "AWS-HMAC",
               "AccessKeyId": akid, "SecretAccessKey": rec["secret"], "Token": rec["token"],
               "Expiration": iso_now(rec["expiration"])[:19] + "Z"}
        self._log("imds", "", op, 200, akid)
        return self._plain(200, json.dumps(doc, indent=2), "text/plain")

    def _container(self, method):
        state = self.server.state
        if self._endpoint_fault("container", "GetCredentials"):
            return
        if method != "GET":
            self._log("container", "", "GetCredentials", 405)
            return self._plain(405, "Method Not Allowed")
        given = self.headers.get("Authorization")
        if given is None:
            self._log("container", "", "GetCredentials", 401)
            return self._plain(401, '{"code":"Unauthorized","message":"Authorization header is missing"}',
                               "application/json")
        if not hmac.compare_digest(given.encode(), state.container["authorizationToken"].encode()):
            self._log("container", "", "GetCredentials", 403)
            return self._plain(403, '{"code":"AccessDenied","message":"Authorization token is not valid"}',
                               "application/json")
        with state.lock:
            cur = state.container_creds
            if cur is None or state.creds[cur[0]]["expiration"] - state.now() < 300:
                lifetime = int(state.container.get("credentialLifetimeSeconds", 21600))
                cur = state.container_creds = state.issue(state.role(state.container["roleArn"]),
                                                          state.container.get("sessionName", "vigil-task"),
                                                          lifetime)
            akid, rec = cur
        doc = {"AccessKeyId": akid, "SecretAccessKey": rec["secret"], "Token": rec["token"],
               "Expiration": iso_now(rec["expiration"])[:19] + "Z", "RoleArn": state.container["roleArn"]}
        self._log("container", "", "GetCredentials", 200, akid)
        return self._plain(200, json.dumps(doc), "application/json")


def snapshot(state):
    """The in-memory accounts as JSON (for tests of write calls)."""
    out = {}
    for acct_id, acct in state.accounts.items():
        regions = {}
        for name, r in acct.regions.items():
            regions[name] = {
                "optInStatus": r.opt_in, "trails": r.trails, "logGroups": list(r.log_groups.values()),
                "metricFilters": r.filters, "metricAlarms": list(r.alarms.values()),
                "compositeAlarms": list(r.composites.values()),
                "topics": [{"TopicArn": t["TopicArn"], "Attributes": t["Attributes"],
                            "Subscriptions": [sub_view(s) for s in t["Subscriptions"]]}
                           for t in r.topics.values()],
                "configurationRecorders": r.recorders, "deliveryChannels": r.channels}
        out[acct_id] = {"regions": regions}
    return {"accounts": out}


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, state, calls_log, verbose):
        super().__init__(addr, Handler)
        self.state, self.verbose = state, verbose
        self._log_lock = threading.Lock()
        self._log_file = open(calls_log, "a", encoding="utf-8") if calls_log else None

    def write_log(self, entry):
        if self._log_file is None:
            return
        line = json.dumps(entry, separators=(",", ":")) + "\n"
        with self._log_lock:
            self._log_file.write(line)
            self._log_file.flush()


def write_atomically(path, text):
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Loopback AWS test server for vigil's collector tests.")
    ap.add_argument("--scenario", required=True, help="scenario JSON file (see tests/aws/README.md)")
    ap.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: any free port)")
    ap.add_argument("--port-file", help="write the port here once listening")
    ap.add_argument("--calls-log", help="append one JSON line per request here")
    ap.add_argument("--page-size", type=int, help="items per page (overrides the scenario's pageSize)")
    ap.add_argument("--verbose", action="store_true", help="log every HTTP request to stderr")
    args = ap.parse_args(argv)
    if args.page_size is not None and args.page_size < 1:
        ap.error("--page-size must be at least 1")
    try:
        state = State(load_scenario_file(args.scenario), args.page_size)
    except ScenarioError as e:
        sys.stderr.write(f"fake_aws: bad scenario: {e}\n")
        return 2
    try:
        server = Server(("127.0.0.1", args.port), state, args.calls_log, args.verbose)
    except OSError as e:
        sys.stderr.write(f"fake_aws: cannot listen on 127.0.0.1:{args.port}: {e.strerror}\n")
        return 1
    port = server.server_address[1]

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.port_file:
        write_atomically(args.port_file, f"{port}\n")
    sys.stderr.write(f"fake_aws: listening on 127.0.0.1:{port}\n")
    sys.stderr.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
