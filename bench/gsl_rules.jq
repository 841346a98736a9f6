# The conditions of bench/gsl_rules.txt in jq, one failed-entity count per rule, in the same order.
# ($now: epoch seconds.) The two filter-pattern rules compare pattern text with whitespace removed,
# as text-matching tools do; vigil decides by meaning, so those counts may differ.
def nows: gsub("[ \t\n\r]"; "");
def cis: "{($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder))}" | nows;
def ex: . != null and . != false and . != "" and . != [] and . != {} and ((type == "string" and ascii_downcase == "false") | not);
def truthy($v): if type == "boolean" then . == $v else (type == "string" and ascii_downcase == ($v|tostring)) end;
def trailok: (.hasSNSSubscriber == "true") and ([.metricFilters[]? | select((.filterPattern // "" | nows) == cis)] | length > 0);
def rls: if type == "array" then . elif . == null then [] else [.] end;
.entities as $e |
[
  (if ([$e.CloudTrail[]? | select(trailok)] | length) > 0 then 0 else 1 end),
  ([$e.CloudTrail[]? | select(trailok | not)] | length),
  ([$e.Instance[]? | select([.inboundRules | rls | .[] | select(.scope == "0.0.0.0/0" and .portTo == 65535)] | length > 0)] | length),
  ([$e.Instance[]? | select([.inboundRules | rls | .[] | select((.port|type=="number") and .port > 10000 and .scope == "0.0.0.0/0")] | length > 0)] | length),
  ([$e.Instance[]? | select([.inboundRules | rls | .[] | select(.port == 3389 and .scope == "0.0.0.0/0")] | length > 0)] | length),
  ([$e.Instance[]? | select([.inboundRules | rls | .[] | select(.protocol == "ICMP" and .scope == "0.0.0.0/0")] | length > 0)] | length),
  ([$e.Instance[]? | select(((.name // "") | (test("^\\w*-\\w*-(pro|prod|pre|sec|qa|dev|test)-") or test("^(pro|prod|pre|sec|qa|dev|test)-\\w*-\\w*-"))) | not)] | length),
  ([$e.Instance[]? | select([.tags | rls | .[] | select(.key == "owner")] | length == 0)] | length),
  ([$e.Instance[]? | select(.roles | ex | not)] | length),
  ([$e.AMI[]? | select(.isPublic | truthy(false) | not)] | length),
  ([$e.RDS[]? | select((.backupRetentionPeriod | type == "number" and . > 7) | not)] | length),
  ([$e.RDS[]? | select(((.isStorageEncrypted | truthy(true)) and (.kmsKeyId | ex)) | not)] | length),
  ([$e.RDS[]? | select([.inboundRules | rls | .[] | select(.scope == "0.0.0.0/0")] | length > 0)] | length),
  ([$e.S3Bucket[]? | select(.encryption.serverSideEncryptionRules | ex | not)] | length),
  ([$e.S3Bucket[]? | select(.logging.enabled | truthy(true) | not)] | length),
  ([$e.Subnet[]? | select(.mapPublicIpOnLaunch | truthy(true))] | length),
  ([$e.VPC[]? | select(.hasFlowLogs | truthy(true) | not)] | length),
  ([$e.VPC[]? | select((.subnets | rls | length) >= 1 | not)] | length),
  ([$e.IamUser[]? | select((.name // "" | ascii_downcase | contains("root")) and (.virtualMfaEnabled | ex | not))] | length),
  ([$e.IamUser[]? | select((.passwordEnabled | truthy(true)) and (((.passwordLastUsed // "") | try fromdateiso8601 catch 0) > ($now - 90*86400) | not))] | length),
  ([$e.SecurityGroup[]? | select([.inboundRules | rls | .[] | select(.scope == "0.0.0.0/0" and .port <= 22 and .portTo >= 22)] | length > 0)] | length),
  ([$e.SecurityGroup[]? | select([.inboundRules | rls | .[] | select(.port == 22 and .scope == "0.0.0.0/0")] | length > 0)] | length)
] | .[]
