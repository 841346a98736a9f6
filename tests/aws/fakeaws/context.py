"""One API request as the handlers see it (Ctx), and pagination with opaque, bound tokens."""

import base64
import hashlib
import hmac
import json

from .wire import api_error


def as_int(ctx, name, value, lo=None, hi=None):
    """An integer parameter (None when absent), or the service's validation error."""
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
