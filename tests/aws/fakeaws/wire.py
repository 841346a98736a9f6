"""AWS wire facts: the services, their protocols and error codes, SigV4, and the renderers.

Nothing here knows the scenario. Values that render differently per protocol are Ts (epoch
seconds in JSON 1.1, ISO-8601 in XML) and XmlMap (a JSON object, or <entry> pairs in XML).
Handlers return plain dicts; render_ok/render_error turn them into a Response in the service's
protocol. unflatten turns query/EC2 form fields into the same nested dicts and lists as JSON.
"""

import datetime
import hashlib
import hmac
import json
import re
import struct
import urllib.parse
from xml.sax.saxutils import escape as xml_escape

SERVICES = {
    "cloudtrail": {"protocol": "json", "msg": "Message",
                   "target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"},
    "logs": {"protocol": "json", "msg": "message", "target": "Logs_20140328"},
    "config": {"protocol": "json", "msg": "message", "target": "StarlingDoveService"},
    "organizations": {"protocol": "json", "msg": "Message", "target": "AWSOrganizationsV20161128"},
    "monitoring": {"protocol": "query", "xmlns": "http://monitoring.amazonaws.com/doc/2010-08-01/"},
    "sns": {"protocol": "query", "xmlns": "http://sns.amazonaws.com/doc/2010-03-31/"},
    "sts": {"protocol": "query", "xmlns": "https://sts.amazonaws.com/doc/2011-06-15/"},
    "iam": {"protocol": "query", "xmlns": "https://iam.amazonaws.com/doc/2010-05-08/"},
    "ec2": {"protocol": "ec2", "xmlns": "http://ec2.amazonaws.com/doc/2016-11-15/"},
}

SERVICE_ALIASES = {"cloudwatch": "monitoring", "cloudwatchlogs": "logs", "cloudwatch-logs": "logs",
                   "configservice": "config"}

TARGET_TO_SERVICE = {v["target"]: k for k, v in SERVICES.items() if "target" in v}
# Services that AWS also serves in newer protocols, besides the one vigil uses: the Smithy service
# name that names them in a JSON 1.0 X-Amz-Target or an RPC v2 CBOR path. Answers in these
# protocols are "query compatible": the error code also travels in x-amzn-query-error.
ALT_PROTOCOL_SERVICE = {"monitoring": "GraniteServiceVersion20100801"}
for _svc, _name in ALT_PROTOCOL_SERVICE.items():
    TARGET_TO_SERVICE[_name] = _svc
CBOR_PATH = re.compile(r"^/service/([A-Za-z0-9_]+)/operation/([A-Za-z0-9_]+)$")

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
                "iam": ("ServiceFailure", 500),
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

ENABLED = ("opt-in-not-required", "opted-in")

OPT_IN_VALUES = ENABLED + ("not-opted-in",)


def err_code(kind, service):
    """(code, HTTP status) of an error class for a service; the STS column stands for every
    query service without its own entry (IAM)."""
    table = _ERR[kind]
    proto = SERVICES[service]["protocol"]
    return table.get(service) or table.get("json" if proto == "json" else "sts") or table["json"]


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


def arn_parts(arn):
    """(partition, service, region, account, resource) or None."""
    parts = arn.split(":", 5) if isinstance(arn, str) else []
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return parts[1], parts[2], parts[3], parts[4], parts[5]


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


def render_ok(service, op, result, request_id, proto=None):
    """The 200 answer in the service's protocol, or in proto ("json10", "cbor") when the request
    used one of the newer protocols."""
    proto = proto or SERVICES[service]["protocol"]
    if proto == "cbor":
        body = b"" if result is None else cbor_encode(result)
        return Response(200, body, "application/cbor" if body else None,
                        {"smithy-protocol": "rpc-v2-cbor", "x-amzn-RequestId": request_id})
    if proto == "json10":
        body = b"{}" if result is None else json.dumps(result, default=_json_default,
                                                       separators=(",", ":")).encode()
        return Response(200, body, "application/x-amz-json-1.0", {"x-amzn-RequestId": request_id})
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


def render_error(service, err, request_id, proto=None):
    """The error answer in the service's protocol (or proto), with the status AWS uses."""
    proto = proto or SERVICES[service]["protocol"]
    headers = dict(err.headers)
    kind = "Sender" if err.status < 500 else "Receiver"
    if proto in ("cbor", "json10"):
        payload = {"__type": err.code, "message": err.message}
        payload.update(err.extra)
        headers.update({"x-amzn-RequestId": request_id, "x-amzn-query-error": f"{err.code};{kind}"})
        if proto == "cbor":
            headers["smithy-protocol"] = "rpc-v2-cbor"
            return Response(err.status, cbor_encode(payload), "application/cbor", headers)
        return Response(err.status, json.dumps(payload).encode(), "application/x-amz-json-1.0", headers)
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
    ns = SERVICES[service]["xmlns"]
    text = (f'<ErrorResponse xmlns="{ns}">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{err.code}</Code>\n'
            f"    <Message>{msg}</Message>\n  </Error>\n  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n")
    headers["x-amzn-RequestId"] = request_id
    return Response(err.status, text.encode(), "text/xml", headers)


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


def flat_values(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from flat_values(v)
    elif isinstance(value, list):
        for v in value:
            yield from flat_values(v)
    elif value is not None:
        yield str(value)


# --------------------------------------------------------------------------------------------
# CBOR (RFC 8949), the subset Smithy RPC v2 uses: definite lengths out, both lengths in; tag 1
# (epoch time) for timestamps; floats out as 64-bit.
# --------------------------------------------------------------------------------------------

class CborError(ValueError):
    pass


def _cbor_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")
    raise CborError("integer too large")


def cbor_encode(value):
    out = bytearray()

    def put(v):
        if v is None:
            out.append(0xF6)
        elif v is True or v is False:
            out.append(0xF5 if v else 0xF4)
        elif isinstance(v, int):
            out.extend(_cbor_head(0, v) if v >= 0 else _cbor_head(1, -1 - v))
        elif isinstance(v, float):
            out.append(0xFB)
            out.extend(struct.pack(">d", v))
        elif isinstance(v, Ts):
            out.append(0xC1)  # tag 1
            put(v.json())
        elif isinstance(v, str):
            data = v.encode()
            out.extend(_cbor_head(3, len(data)))
            out.extend(data)
        elif isinstance(v, (bytes, bytearray)):
            out.extend(_cbor_head(2, len(v)))
            out.extend(v)
        elif isinstance(v, dict):
            items = [(k, x) for k, x in v.items() if x is not None]
            out.extend(_cbor_head(5, len(items)))
            for k, x in items:
                put(str(k))
                put(x)
        elif isinstance(v, (list, tuple)):
            out.extend(_cbor_head(4, len(v)))
            for x in v:
                put(x)
        else:
            raise CborError(f"cannot encode {type(v).__name__}")

    put(value)
    return bytes(out)


_BREAK = object()


def cbor_decode(data):
    """One CBOR data item; tag 1 becomes epoch seconds. Raises CborError on bad input."""
    pos = 0

    def take(n):
        nonlocal pos
        if pos + n > len(data):
            raise CborError("truncated CBOR")
        chunk = data[pos:pos + n]
        pos += n
        return chunk

    def item():
        first = take(1)[0]
        major, info = first >> 5, first & 31
        if first == 0xFF:
            return _BREAK
        if major == 7:
            if info == 20:
                return False
            if info == 21:
                return True
            if info in (22, 23):
                return None
            if info == 25:
                return struct.unpack(">e", take(2))[0]
            if info == 26:
                return struct.unpack(">f", take(4))[0]
            if info == 27:
                return struct.unpack(">d", take(8))[0]
            raise CborError(f"unsupported simple value {info}")
        if info < 24:
            n = info
        elif info in (24, 25, 26, 27):
            n = int.from_bytes(take(1 << (info - 24)), "big")
        elif info == 31 and major in (2, 3, 4, 5):
            n = None  # indefinite length
        else:
            raise CborError(f"bad additional information {info}")
        if major == 0:
            return n
        if major == 1:
            return -1 - n
        if major in (2, 3):
            if n is None:
                parts = []
                while (part := item()) is not _BREAK:
                    parts.append(part)
                raw = b"".join(p if isinstance(p, bytes) else p.encode() for p in parts)
            else:
                raw = take(n)
            if major == 2:
                return bytes(raw)
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                raise CborError("text string is not UTF-8")
        if major == 4:
            out = []
            while n is None or len(out) < n:
                x = item()
                if x is _BREAK:
                    if n is None:
                        break
                    raise CborError("unexpected break")
                out.append(x)
            return out
        if major == 5:
            out = {}
            while n is None or len(out) < n:
                k = item()
                if k is _BREAK:
                    if n is None:
                        break
                    raise CborError("unexpected break")
                out[k] = item()
            return out
        value = item()  # major 6, a tag: only 1 (epoch time) means something here
        return float(value) if n == 1 else value

    result = item()
    if result is _BREAK or pos != len(data):
        raise CborError("trailing or misplaced data in CBOR")
    return result
