"""The HTTP side: routing by credential scope and operation, SigV4 authentication, fault
injection, the calls log, the IMDSv2 and container credential endpoints, and main().

Each request is handled on its own thread (ThreadingHTTPServer); handlers run under State.lock,
a "slow" fault sleeps outside it.
"""

import argparse
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

from .wire import (
    ALT_PROTOCOL_SERVICE, CBOR_PATH, MESSAGES, SERVICE_ALIASES, SERVICES, TARGET_TO_SERVICE, ApiError,
    CborError, Response, ScenarioError, _json_default, api_error, canonical_request, cbor_decode, err_code,
    flat_values, iso_now, parse_authorization, render_error, render_ok, signature, unflatten)
from .scenario import State, load_scenario_file
from .context import Ctx
from .ops_chain import (
    op_create_log_group, op_create_topic, op_describe_alarms, op_describe_alarms_for_metric,
    op_describe_log_groups, op_describe_metric_filters, op_describe_trails, op_disable_alarm_actions,
    op_enable_alarm_actions, op_get_event_selectors, op_get_topic_attributes, op_get_trail_status,
    op_list_subscriptions_by_topic, op_list_topics, op_list_trails, op_put_metric_alarm, op_put_metric_filter,
    op_subscribe, op_update_trail, sub_view)
from .ops_account import (
    op_assume_role, op_assume_role_with_web_identity, op_create_role, op_describe_configuration_recorder_status,
    op_describe_configuration_recorders, op_describe_delivery_channels, op_describe_regions,
    op_get_caller_identity, op_get_role, op_list_accounts, op_put_role_policy)

OPERATIONS = {
    "cloudtrail": {"DescribeTrails": op_describe_trails, "ListTrails": op_list_trails,
                   "GetTrailStatus": op_get_trail_status, "GetEventSelectors": op_get_event_selectors,
                   "UpdateTrail": op_update_trail},
    "logs": {"DescribeLogGroups": op_describe_log_groups, "DescribeMetricFilters": op_describe_metric_filters,
             "PutMetricFilter": op_put_metric_filter, "CreateLogGroup": op_create_log_group},
    "monitoring": {"DescribeAlarms": op_describe_alarms, "DescribeAlarmsForMetric": op_describe_alarms_for_metric,
                   "PutMetricAlarm": op_put_metric_alarm,
                   "EnableAlarmActions": op_enable_alarm_actions, "DisableAlarmActions": op_disable_alarm_actions},
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
    "iam": {"CreateRole": op_create_role, "GetRole": op_get_role, "PutRolePolicy": op_put_role_policy},
}

ACTION_TO_SERVICE = {op: svc for svc, ops in OPERATIONS.items()
                     if SERVICES[svc]["protocol"] != "json" for op in ops}

UNSIGNED_OPS = {("sts", "AssumeRoleWithWebIdentity")}


class Route:
    """Where a request goes: service and region (from the credential scope, else from the
    operation's name), the service's protocol, the protocol on the wire when it is a newer one
    (wire: "cbor" or "json10", else None), the operation, and the parsed form of query requests."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def route(state, method, raw_path, raw_query, header_values, body):
    target = (header_values.get("x-amz-target") or [""])[0].strip()
    cbor_path = CBOR_PATH.match(raw_path)
    form = {}
    if target == "" and not cbor_path and method in ("POST", "GET"):
        text = body.decode("utf-8", "replace") if method == "POST" else raw_query
        form = dict(urllib.parse.parse_qsl(text, keep_blank_values=True))
    auth_value = (header_values.get("authorization") or [None])[0]
    auth = parse_authorization(auth_value) if auth_value else None
    if auth is not None:
        service, region = SERVICE_ALIASES.get(auth["service"], auth["service"]), auth["region"]
    elif cbor_path:
        service, region = TARGET_TO_SERVICE.get(cbor_path.group(1)), state.home_region
    elif target:
        service, region = TARGET_TO_SERVICE.get(target.rsplit(".", 1)[0]), state.home_region
    else:
        service, region = ACTION_TO_SERVICE.get(form.get("Action")), state.home_region
    rt = Route(service=service, region=region, target=target, form=form, auth=auth, auth_value=auth_value,
               proto=None, wire=None, op="", bad_target=False)
    if service not in SERVICES:
        return rt
    rt.proto = SERVICES[service]["protocol"]
    alt = ALT_PROTOCOL_SERVICE.get(service)
    if cbor_path:
        rt.wire, rt.op, rt.bad_target = "cbor", cbor_path.group(2), cbor_path.group(1) != alt
    elif alt and target.startswith(alt + "."):
        rt.wire, rt.op = "json10", target[len(alt) + 1:]
    elif rt.proto == "json":
        prefix, _, rt.op = target.rpartition(".")
        rt.bad_target = prefix != SERVICES[service]["target"]
    else:
        rt.op = form.get("Action", "")
    return rt


def decode_params(rt, body):
    """The request's parameters as nested dicts and lists, whatever the protocol."""
    if rt.wire == "cbor":
        try:
            params = cbor_decode(body) if body else {}
        except CborError as e:
            raise ApiError("SerializationException", f"The request body is not valid CBOR: {e}")
        if not isinstance(params, dict):
            raise ApiError("SerializationException", "The request body is not a CBOR map.")
        return params
    if rt.proto == "json" or rt.wire == "json10":
        try:
            params = json.loads(body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            params = None
        if not isinstance(params, dict):
            raise ApiError("SerializationException", "Start of structure or map found where not expected.")
        return params
    return unflatten(rt.form)


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
                       f"({fmt(now)} - {state.max_skew / 60:g} min.)")
        else:
            message = (f"Signature not yet current: {amz_date} is still later than "
                       f"{fmt(now + state.max_skew)} ({fmt(now)} + {state.max_skew / 60:g} min.)")
        raise api_error("skew", service, message)
    return {"arn": record["arn"], "userId": record["userId"], "account": record["account"],
            "accessKeyId": auth["akid"]}


def mask(akid):
    return "*" * max(0, len(akid) - 4) + akid[-4:] if akid else ""


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
        ctype = resp.content_type or "application/cbor"  # only CBOR answers go without one
        body = b'{"trailList": [{"Name": tru' if ctype.startswith("application/") \
            else b"<?xml version=\"1.0\"?><Response><Errors><unclosed>"
        return Response(200, body, ctype, resp.headers)
    if kind == "truncated":
        return Response(resp.status, resp.body[:max(1, len(resp.body) // 2)], resp.content_type, resp.headers)
    if kind == "wrong_content_type":
        return Response(resp.status, resp.body, fault.get("contentType", "text/plain"), resp.headers)
    return resp


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Keep-alive with small writes would otherwise wait for delayed ACKs (~40 ms a request).
    disable_nagle_algorithm = True

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
        if resp.content_type:
            self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self._headers_buffer.append(b"\r\n")  # end_headers, sent with the body in one write
        self.wfile.write(b"".join(self._headers_buffer) + (resp.body if self.command != "HEAD" else b""))
        self._headers_buffer = []

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
        rt = route(state, method, raw_path, raw_query, header_values, body)
        if rt.service not in SERVICES:
            self._log(rt.service or "unknown", rt.region if rt.auth else "", "", 400)
            return self._send(Response(400, b'{"__type":"UnknownServiceException","message":"Unknown service"}',
                                       "application/x-amz-json-1.1"))
        service, region, op, wire = rt.service, rt.region, rt.op, rt.wire
        akid = rt.auth["akid"] if rt.auth else ""
        try:
            if rt.auth_value is not None and rt.auth is None:
                raise api_error("incomplete", service, "Authorization header is malformed.")
            if method != "POST" and (rt.proto == "json" or wire):
                raise api_error("unknown_op", service, f"Method {method} is not supported.")
            handler = None if rt.bad_target else OPERATIONS[service].get(op)
            if handler is None:
                if rt.proto == "json" or wire:
                    raise api_error("unknown_op", service, f"Unknown operation {rt.target or raw_path!r}.")
                raise api_error("unknown_op", service, f"The action {op} is not valid for this web service.")
            if rt.auth is None:
                if (service, op) not in UNSIGNED_OPS:
                    raise api_error("missing_auth", service)
                identity = None
            else:
                reg = state.accounts[state.account_id].regions.get(region)
                if reg is None or not reg.enabled:
                    # A region that is off for the account does not know the caller's keys.
                    raise api_error("bad_key", service)
                with state.lock:
                    identity = authenticate(state, service, method, raw_path, raw_query, header_values, body,
                                            rt.auth)
            params = decode_params(rt, body)
        except ApiError as e:
            self._log(service, region, op, e.status, akid)
            return self._send(render_error(service, e, request_id, wire))
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
            resp = render_ok(service, op, result, request_id, wire)
        except ApiError as e:
            resp = render_error(service, e, request_id, wire)
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
        out[acct_id] = {"regions": regions, "iamRoles": [
            dict({k: v for k, v in r.items() if k != "_policies"}, RolePolicies=r["_policies"])
            for r in acct.iam_roles.values()]}
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
