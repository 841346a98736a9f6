# The 15 patterns of bench/cis_patterns.txt (CIS v1.5 4.1-4.15), written by hand in jq with the
# semantics of /work/shared/docs/filter-patterns.md §3.3 (TYPED numbers), as an independent check
# of `vigil pattern test --count --patterns-file bench/cis_patterns.txt`.
# Run: jq -n -r -f bench/cis_patterns.jq FILE   -> 15 counts, one per line, in file order.
#
# §3.3 in jq terms:
#   `$.a.b`         the node at that path; a missing member, or a step into a non-object, gives
#                   nothing (null here; an explicit null never satisfies = or != either).
#   `sel = "s"`     the node is a string equal to s (a number never equals a string literal).
#   `sel = "X*"`    the node is a string or number whose text starts with X ("*X": ends with X).
#   `sel != "s"`    the node is a string or number that does not satisfy `sel = "s"`; false when
#                   the node is missing, null, a boolean, an object or an array.
#   `sel NOT EXISTS` the member is absent (an explicit null exists).
def at(p): try getpath(p) catch null;
def scalar: type == "string" or type == "number";
def text: if type == "string" then . else tojson end;
def eq(p; s): at(p) == s;
def ne(p; s): at(p) | scalar and . != s;
def prefix(p; s): at(p) | scalar and (text | startswith(s));
def suffix(p; s): at(p) | scalar and (text | endswith(s));
def absent(p): (try (getpath(p[:-1]) | type == "object" and has(p[-1])) catch false) | not;
def name_in(names): at(["eventName"]) as $n | any(names[]; . == $n);

def cis:
  [
    # 4.1
    ((suffix(["errorCode"]; "UnauthorizedOperation") or prefix(["errorCode"]; "AccessDenied"))
     and (ne(["sourceIPAddress"]; "delivery.logs.amazonaws.com") and ne(["eventName"]; "HeadBucket"))),
    # 4.2
    (eq(["eventName"]; "ConsoleLogin") and ne(["additionalEventData", "MFAUsed"]; "Yes")),
    # 4.3
    (eq(["userIdentity", "type"]; "Root") and absent(["userIdentity", "invokedBy"])
     and ne(["eventType"]; "AwsServiceEvent")),
    # 4.4
    name_in(["DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy",
             "PutRolePolicy", "PutUserPolicy", "CreatePolicy", "DeletePolicy",
             "CreatePolicyVersion", "DeletePolicyVersion", "AttachRolePolicy", "DetachRolePolicy",
             "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy", "DetachGroupPolicy"]),
    # 4.5
    name_in(["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"]),
    # 4.6
    (eq(["eventName"]; "ConsoleLogin") and eq(["errorMessage"]; "Failed authentication")),
    # 4.7
    (eq(["eventSource"]; "kms.amazonaws.com") and name_in(["DisableKey", "ScheduleKeyDeletion"])),
    # 4.8
    (eq(["eventSource"]; "s3.amazonaws.com")
     and name_in(["PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle",
                  "PutBucketReplication", "DeleteBucketPolicy", "DeleteBucketCors",
                  "DeleteBucketLifecycle", "DeleteBucketReplication"])),
    # 4.9 (the seed rule's pattern)
    (eq(["eventSource"]; "config.amazonaws.com")
     and name_in(["StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel",
                  "PutConfigurationRecorder"])),
    # 4.10
    name_in(["AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress",
             "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress", "CreateSecurityGroup",
             "DeleteSecurityGroup"]),
    # 4.11
    name_in(["CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl",
             "DeleteNetworkAclEntry", "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation"]),
    # 4.12
    name_in(["CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway",
             "CreateInternetGateway", "DeleteInternetGateway", "DetachInternetGateway"]),
    # 4.13
    name_in(["CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation",
             "DeleteRouteTable", "DeleteRoute", "DisassociateRouteTable"]),
    # 4.14
    name_in(["CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection",
             "CreateVpcPeeringConnection", "DeleteVpcPeeringConnection",
             "RejectVpcPeeringConnection", "AttachClassicLinkVpc", "DetachClassicLinkVpc",
             "DisableVpcClassicLink", "EnableVpcClassicLink"]),
    # 4.15
    (eq(["eventSource"]; "organizations.amazonaws.com")
     and name_in(["AcceptHandshake", "AttachPolicy", "CreateAccount", "CreateOrganizationalUnit",
                  "CreatePolicy", "DeclineHandshake", "DeleteOrganization",
                  "DeleteOrganizationalUnit", "DeletePolicy", "DetachPolicy", "DisablePolicyType",
                  "EnablePolicyType", "InviteAccountToOrganization", "LeaveOrganization",
                  "MoveAccount", "RemoveAccountFromOrganization", "UpdatePolicy",
                  "UpdateOrganizationalUnit"]))
  ];

reduce (inputs | cis) as $m ([range(15) | 0];
  [range(15) as $i | .[$i] + (if $m[$i] then 1 else 0 end)])
| .[]
