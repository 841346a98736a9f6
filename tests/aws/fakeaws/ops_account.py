"""Handlers for AWS Config, STS, IAM (the few calls remediation makes), Organizations and EC2
(same contract as ops_chain)."""

import hashlib
import hmac
import json
import re
import urllib.parse

from .wire import ApiError, Ts, api_error, as_bool, as_list, parse_time
from .scenario import SCENARIO_TIME
from .context import as_int


# --------------------------------------------------------------------------------------------
# AWS Config
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


# --------------------------------------------------------------------------------------------
# STS
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Organizations
# --------------------------------------------------------------------------------------------


def _iam_role_view(role):
    out = {k: v for k, v in role.items() if not k.startswith("_")}
    out["CreateDate"] = Ts(role["CreateDate"])
    if "AssumeRolePolicyDocument" in out:  # IAM returns policy documents URL-encoded
        out["AssumeRolePolicyDocument"] = urllib.parse.quote(out["AssumeRolePolicyDocument"], safe="")
    return out


def _policy_document(ctx, text):
    try:
        doc = json.loads(text or "")
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or "Statement" not in doc:
        raise ApiError("MalformedPolicyDocument", "The policy document is not valid JSON with a Statement.", 400)
    return text


def _iam_role(ctx, name):
    if not name:
        raise ctx.invalid("1 validation error detected: Value null at 'roleName' failed to satisfy constraint: "
                          "Member must not be null")
    role = ctx.account.iam_roles.get(name)
    if role is None:
        raise ApiError("NoSuchEntity", f"The role with name {name} cannot be found.", 404)
    return role


def op_create_role(ctx):
    name, path = ctx.p("RoleName"), ctx.p("Path", "/")
    if not isinstance(name, str) or not re.fullmatch(r"[\w+=,.@-]{1,64}", name):
        raise ctx.invalid(f"1 validation error detected: Value '{name}' at 'roleName' failed to satisfy constraint")
    if not re.fullmatch(r"/([\x21-\x7e]*/)?", path):
        raise ctx.invalid(f"The specified value for path is invalid: {path}")
    trust = _policy_document(ctx, ctx.p("AssumeRolePolicyDocument"))
    if name in ctx.account.iam_roles:
        raise ApiError("EntityAlreadyExists", f"Role with name {name} already exists.", 409)
    role = {"Path": path, "RoleName": name,
            "RoleId": "AROA" + hashlib.sha1(f"{ctx.account.id}/{name}".encode()).hexdigest()[:17].upper(),
            "Arn": f"arn:{ctx.state.partition}:iam::{ctx.account.id}:role{path}{name}",
            "CreateDate": ctx.state.now(), "AssumeRolePolicyDocument": trust,
            "MaxSessionDuration": as_int(ctx, "maxSessionDuration", ctx.p("MaxSessionDuration"), 3600, 43200) or 3600,
            "_policies": {}}
    if ctx.p("Description") is not None:
        role["Description"] = ctx.p("Description")
    ctx.account.iam_roles[name] = role
    return {"Role": _iam_role_view(role)}


def op_get_role(ctx):
    return {"Role": _iam_role_view(_iam_role(ctx, ctx.p("RoleName")))}


def op_put_role_policy(ctx):
    role = _iam_role(ctx, ctx.p("RoleName"))
    policy_name = ctx.p("PolicyName")
    if not isinstance(policy_name, str) or not re.fullmatch(r"[\w+=,.@-]{1,128}", policy_name):
        raise ctx.invalid(f"1 validation error detected: Value '{policy_name}' at 'policyName' failed to satisfy constraint")
    role["_policies"][policy_name] = _policy_document(ctx, ctx.p("PolicyDocument"))
    return None


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


# --------------------------------------------------------------------------------------------
# EC2
# --------------------------------------------------------------------------------------------


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
