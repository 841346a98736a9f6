#!/usr/bin/env python3
"""Writes a large fake_aws.py scenario for the collector benchmark: one account, many regions.

  gen_scenario.py --regions 17 [--filters 50] [--alarms 50] [--page-size 50] [--seed 1] [--out FILE]

The account is 111111111111 with the same test key, roles and credential endpoints as
testdata/aws/realistic.json. The home region (the first) has a multi-region trail delivering to
CloudTrail/bench, whose metric filters carry the 15 CIS 4.x patterns (alternately as printed and
with whitespace removed) and alarms on them; the other filters and alarms are spread over
application log groups in every region. Every region has topics with confirmed and pending
subscribers, and a Config recorder (recording, stopped, or none, in turn). Three opt-in regions
are listed as not-opted-in. The output depends only on the arguments.
"""

import argparse
import json
import random
import sys

ACCOUNT = "111111111111"
REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1",
           "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1", "ap-northeast-1",
           "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "sa-east-1"]
OPT_IN_OFF = ["me-south-1", "af-south-1", "ap-east-1"]

# CIS AWS Foundations v1.5 4.1-4.15 (docs/cis-monitoring.md, section 3): metric name, pattern.
CIS = [
    ("UnauthorizedAPICalls", '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }'),
    ("ConsoleSigninWithoutMFA", '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }'),
    ("RootAccountUsage", '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'),
    ("IAMPolicyChanges", "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||"
     "($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||"
     "($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||"
     "($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||"
     "($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}"),
    ("CloudTrailConfigChanges", "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || "
     "($.eventName = StartLogging) || ($.eventName = StopLogging) }"),
    ("ConsoleSigninFailures", '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }'),
    ("DisableOrDeleteCMK", "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"),
    ("S3BucketPolicyChanges", "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || "
     "($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || "
     "($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || "
     "($.eventName = DeleteBucketReplication)) }"),
    ("AWSConfigChanges", "{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||"
     "($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }"),
    ("SecurityGroupChanges", "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || "
     "($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || "
     "($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }"),
    ("NACLChanges", "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || "
     "($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }"),
    ("NetworkGatewayChanges", "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || "
     "($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || "
     "($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }"),
    ("RouteTableChanges", "{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || "
     "($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || "
     "($.eventName = DisassociateRouteTable) }"),
    ("VPCChanges", "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || "
     "($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || "
     "($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || "
     "($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || "
     "($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }"),
    ("OrganizationsChanges", '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || '
     '($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || '
     '($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || '
     '($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || '
     '($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || '
     '($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || '
     '($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || '
     '($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }'),
]
APP_PATTERNS = ['{ $.status >= 500 }', '{ $.level = "ERROR" }', '"Task timed out"', "ERROR -HealthCheck",
                '{ $.latencyMs > 2000 }', '[ip, user, username, timestamp, request, status_code = 4*, size]',
                '{ $.eventType = "OrderFailed" && $.retryable IS FALSE }', "?Exception ?Traceback"]


def topic(region, name):
    return f"arn:aws:sns:{region}:{ACCOUNT}:{name}"


def alarm(name, metric, namespace, actions, **extra):
    a = {"AlarmName": name, "ActionsEnabled": True, "AlarmActions": actions, "OKActions": [],
         "InsufficientDataActions": [], "StateValue": "OK", "MetricName": metric, "Namespace": namespace,
         "Statistic": "Sum", "Dimensions": [], "Period": 300, "EvaluationPeriods": 1, "DatapointsToAlarm": 1,
         "Threshold": 1.0, "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching"}
    a.update(extra)
    return a


def build(n_regions, n_filters, n_alarms, page_size, seed):
    rng = random.Random(seed)
    regions = REGIONS[:n_regions]
    home = regions[0]
    out = {
        "description": f"Generated by tests/aws/gen_scenario.py --regions {n_regions} --filters {n_filters} "
                       f"--alarms {n_alarms} --seed {seed}",
        "accountId": ACCOUNT, "homeRegion": home, "pageSize": page_size,
        "credentials": [{"accessKeyId": "AKIAVIGILTEST0000001",
                         "secretAccessKey": "vigil/TEST+fixture+secret+NOT+a+real+key1",
                         "arn": f"arn:aws:iam::{ACCOUNT}:user/auditor", "userId": "AIDAVIGILTESTAUDITOR"}],
        "roles": [{"arn": f"arn:aws:iam::{ACCOUNT}:role/vigil-audit", "roleId": "AROAVIGILTESTAUDIT001",
                   "externalId": "vigil-test-external-id", "maxSessionDuration": 43200}],
        "organizationTrails": [{
            "Name": "org-trail", "TrailARN": f"arn:aws:cloudtrail:{home}:999999999999:trail/org-trail",
            "HomeRegion": home, "S3BucketName": "org-trail-logs-999999999999", "IsMultiRegionTrail": True,
            "IsOrganizationTrail": True, "LogFileValidationEnabled": True,
            "CloudWatchLogsLogGroupArn": f"arn:aws:logs:{home}:999999999999:log-group:org/CloudTrail:*",
            "CloudWatchLogsRoleArn": "arn:aws:iam::999999999999:role/org-trail-logs",
            "memberAccess": {"GetTrailStatus": "allow", "GetEventSelectors": "AccessDenied"}}],
        "regions": {},
    }
    # How many app filters and alarms each region gets beyond the CIS ones in the home region.
    cis_count = min(len(CIS), n_filters)
    app_filters = max(0, n_filters - cis_count)
    app_alarms = max(0, n_alarms - cis_count)
    per_region_filters = [app_filters // len(regions) + (1 if i < app_filters % len(regions) else 0)
                          for i in range(len(regions))]
    per_region_alarms = [app_alarms // len(regions) + (1 if i < app_alarms % len(regions) else 0)
                         for i in range(len(regions))]
    for i, region in enumerate(regions):
        reg = {"optInStatus": "opt-in-not-required", "trails": [], "logGroups": [], "metricFilters": [],
               "metricAlarms": [], "topics": []}
        alerts, ops = topic(region, "security-alerts"), topic(region, "ops")
        reg["topics"] = [
            {"TopicArn": alerts, "Subscriptions": [
                {"SubscriptionArn": f"{alerts}:{rng.getrandbits(128):032x}", "Protocol": "email",
                 "Endpoint": f"secops-{region}@example.com"},
                {"SubscriptionArn": "PendingConfirmation", "Protocol": "email", "Endpoint": f"oncall-{region}@example.com"}]},
            {"TopicArn": ops, "Subscriptions": [
                {"SubscriptionArn": f"{ops}:{rng.getrandbits(128):032x}", "Protocol": "https",
                 "Endpoint": f"https://hooks.example.com/{region}"}]},
            {"TopicArn": topic(region, "billing"), "Subscriptions": []}]
        if region == home:
            reg["trails"].append({
                "Name": "bench-audit", "S3BucketName": f"bench-cloudtrail-{ACCOUNT}", "IsMultiRegionTrail": True,
                "IncludeGlobalServiceEvents": True, "LogFileValidationEnabled": True,
                "CloudWatchLogsLogGroupArn": f"arn:aws:logs:{home}:{ACCOUNT}:log-group:CloudTrail/bench:*",
                "CloudWatchLogsRoleArn": f"arn:aws:iam::{ACCOUNT}:role/CloudTrail_CloudWatchLogs_Role",
                "EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [],
                                    "ExcludeManagementEventSources": []}]})
            reg["logGroups"].append({"logGroupName": "CloudTrail/bench", "retentionInDays": 365})
            for k, (metric, pattern) in enumerate(CIS[:cis_count]):
                spelled = pattern if k % 2 == 0 else pattern.replace(" ", "")
                name = f"cis-4.{k + 1}-{metric}"
                reg["metricFilters"].append({
                    "filterName": name, "filterPattern": spelled, "logGroupName": "CloudTrail/bench",
                    "metricTransformations": [{"metricName": metric, "metricNamespace": "CISBenchmark", "metricValue": "1"}]})
                if k < n_alarms:
                    reg["metricAlarms"].append(alarm(name, metric, "CISBenchmark", [alerts],
                                                     ActionsEnabled=(k % 7 != 6)))
        elif i % 4 == 0:
            reg["trails"].append({"Name": f"data-{region}", "S3BucketName": f"data-events-{region}-{ACCOUNT}",
                                  "IncludeGlobalServiceEvents": False,
                                  "AdvancedEventSelectors": [{"Name": "S3 data events", "FieldSelectors": [
                                      {"Field": "eventCategory", "Equals": ["Data"]},
                                      {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}]})
        groups = [f"/aws/lambda/{region}-worker", f"app/{region}/api", f"app/{region}/jobs"]
        for g in groups:
            reg["logGroups"].append({"logGroupName": g, "retentionInDays": rng.choice([7, 14, 30, 90, None]),
                                     "storedBytes": rng.randrange(0, 10 ** 9)})
        for k in range(per_region_filters[i]):
            group = groups[k % len(groups)]
            metric = f"App{k:02d}"
            reg["metricFilters"].append({
                "filterName": f"app-{k:02d}", "filterPattern": APP_PATTERNS[k % len(APP_PATTERNS)],
                "logGroupName": group,
                "metricTransformations": [{"metricName": metric, "metricNamespace": f"App/{region}", "metricValue": "1"}]})
            if k < per_region_alarms[i]:
                reg["metricAlarms"].append(alarm(f"app-{k:02d}-high", metric, f"App/{region}", [ops], Threshold=5.0))
        for k in range(per_region_filters[i], per_region_alarms[i]):
            reg["metricAlarms"].append(alarm(f"ec2-cpu-{k:02d}", "CPUUtilization", "AWS/EC2", [ops],
                                             Statistic="Average", Threshold=80.0,
                                             Dimensions=[{"Name": "AutoScalingGroupName", "Value": f"asg-{k:02d}"}]))
        recorder_state = i % 3  # 0 recording, 1 stopped, 2 none
        if recorder_state < 2:
            reg["configurationRecorders"] = [{
                "name": "default", "roleARN": f"arn:aws:iam::{ACCOUNT}:role/config-recorder",
                "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": region == home,
                                   "resourceTypes": []},
                "status": {"recording": recorder_state == 0, "lastStatus": "Success",
                           "lastStartTime": "2024-01-01T00:00:00Z"}}]
            reg["deliveryChannels"] = [{"name": "default", "s3BucketName": f"config-{ACCOUNT}"}]
        out["regions"][region] = reg
    for region in OPT_IN_OFF:
        out["regions"][region] = {"optInStatus": "not-opted-in"}
    return out


def main():
    ap = argparse.ArgumentParser(description="Writes a large fake_aws.py scenario for the collector benchmark.")
    ap.add_argument("--regions", type=int, default=17, help=f"enabled regions, 1..{len(REGIONS)} (default 17)")
    ap.add_argument("--filters", type=int, default=50, help="metric filters in all (default 50)")
    ap.add_argument("--alarms", type=int, default=50, help="metric alarms in all (default 50)")
    ap.add_argument("--page-size", type=int, default=50, help="the scenario's pageSize (default 50)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-o", "--out", "--output", dest="output", help="output file (default: stdout)")
    args = ap.parse_args()
    if not 1 <= args.regions <= len(REGIONS):
        ap.error(f"--regions must be between 1 and {len(REGIONS)}")
    if args.filters < 0 or args.alarms < 0 or args.page_size < 1:
        ap.error("--filters and --alarms must be >= 0, --page-size >= 1")
    text = json.dumps(build(args.regions, args.filters, args.alarms, args.page_size, args.seed), indent=1) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
