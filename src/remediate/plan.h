// Remediation plans: the least change to an account that makes its failed CIS monitoring rules
// pass, as a list of AWS API calls (docs/remediation.md).
//
// Data flow: rulesets + inventory -> rules::Scan (which monitoring rules did not pass) -> the
// rule's requirement (the filter pattern it compares with, equal or covers) -> the chain of the
// account's monitoring trail (model.h) -> a Plan. Renderers (render.h) turn a Plan into a shell
// script, a CloudFormation template or Terraform; an executor sends the very same calls.
//
// Invariants of a Plan:
// - every step is one AWS API call: the service's signing name, the region, the operation and
//   its parameters named exactly as in the AWS API model, so that an executor can encode them;
// - a value produced by an earlier step (a topic ARN, a role ARN) appears as a Ref to that step
//   and a response field; a value the user must choose (the subscriber's address) as a Param;
// - steps are ordered so that each Ref points backwards;
// - a plan over an inventory where the selected rules pass is empty.
#ifndef VIGIL_REMEDIATE_PLAN_H_
#define VIGIL_REMEDIATE_PLAN_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "gsl/eval.h"
#include "gsl/inventory.h"
#include "rules/ruleset.h"

namespace vigil::remediate {

// A parameter value: an ordered tree of named values, as an AWS API request takes it.
struct Value {
  enum class Kind { kString, kNumber, kBool, kList, kObject, kRef, kParam };
  Kind kind = Kind::kString;
  // kString: the string; kNumber: the number as written ("300", "1"); kRef: the response field
  // of the referenced step ("TopicArn", "Role.Arn"); kParam: the parameter's name.
  std::string text;
  bool boolean = false;  // kBool
  int step = -1;         // kRef: index of the step whose response provides the value
  std::string known;     // kRef: the value when it is predictable (an ARN), else empty
  std::vector<Value> items;                            // kList
  std::vector<std::pair<std::string, Value>> members;  // kObject, in order

  static Value Str(std::string s);
  static Value Num(std::string text);
  static Value Bool(bool b);
  static Value List(std::vector<Value> items = {});
  static Value Object();
  static Value Ref(int step, std::string field, std::string known = "");
  static Value Param(std::string name);

  // kObject: appends a member and returns *this (for chaining).
  Value& Add(std::string name, Value v);
  // kObject: the member's value, or nullptr.
  const Value* Get(std::string_view name) const;
  // The member's string text (kString), or "".
  std::string GetString(std::string_view name) const;
};

// A value the user chooses when the plan is rendered or applied (e.g. the e-mail address that
// receives the alarms). `name` is CamelCase ("NotificationEndpoint").
struct Parameter {
  std::string name, description;
};

struct Step {
  std::string service;    // signing name: logs, sns, monitoring, cloudtrail, iam
  std::string region;     // where the call is sent (iam: the partition's signing region)
  std::string operation;  // PutMetricFilter, CreateTopic, Subscribe, PutMetricAlarm, ...
  Value params = Value::Object();
  std::vector<std::string> rules;  // the rule ids this step serves
  std::string reason;              // one line: why this step is needed
  // A stable, readable slug naming what the step creates or changes ("cis-4.9-aws-config-
  // changes", "alerts-topic"); renderers derive resource names and variables from it.
  std::string key;
  // The existing resource this step changes (an alarm ARN, a trail ARN), empty when the step
  // creates something new. Infrastructure-as-code renderers cannot change resources they do not
  // manage and list such steps as commands to run.
  std::string changes;
};

// What the plan does for one rule that did not pass.
struct RuleOutcome {
  std::string rule_id, rule_name;
  gsl::Status status = gsl::Status::kFailed;  // its status before the plan
  bool planned = false;       // steps were planned for it (or it needs none beyond others')
  bool needs_confirmation = false;  // passes only once a new subscription is confirmed
  std::string note;           // why nothing could be planned, or what else to know
};

struct Plan {
  std::string account_id, account_name;
  std::string trail_arn, trail_name, trail_region;  // the trail the plan works on; may be empty
  std::string log_group;                            // its (new) CloudWatch Logs group
  std::string trail_choice;                         // why this trail (one sentence)
  std::vector<Step> steps;
  std::vector<RuleOutcome> rules;     // every selected rule that did not pass
  std::vector<Parameter> parameters;  // values the user must supply
  std::vector<std::string> notes;     // warnings and what else to know
  bool empty() const { return steps.empty(); }
};

struct PlanOptions {
  // Only these rules (ruleId or logic hash); empty: every CIS monitoring rule of the rulesets.
  std::vector<std::string> rule_ids;
  // Namespace of new metrics. Default "CISBenchmark" (CIS); Security Hub's text uses LogMetrics.
  std::string metric_namespace = "CISBenchmark";
  // Where alarms notify. At most one of: an existing topic ARN; an e-mail address; a protocol
  // and endpoint. None: reuse an existing topic with a confirmed subscriber, else create a topic
  // and ask for the endpoint as a parameter.
  std::string topic_arn, email, protocol, endpoint;
  // The log group to create when no trail delivers to CloudWatch Logs. Default
  // "CloudTrail/<trail name>".
  std::string log_group;
  // Name of a new SNS topic. Default "cis-security-alarms".
  std::string topic_name = "cis-security-alarms";
  // Alarm settings (CIS): Sum over 300 s, >= 1, one evaluation period.
  std::string statistic = "Sum";
  int period = 300;
  double threshold = 1;
  int evaluation_periods = 1;
  std::string comparison_operator = "GreaterThanOrEqualToThreshold";
  gsl::EvalOptions eval;
};

// Plans the least change for the rules of `rulesets` that did not pass on `inventory`.
// Errors (InvalidArgument): an unknown rule id in options.rule_ids, conflicting options.
// Rules that vigil cannot remediate (not a CloudTrail monitoring rule, no suitable trail) are
// reported in Plan::rules with a note, not as errors. Thread-compatible; does not keep references.
StatusOr<Plan> MakePlan(const std::vector<rules::Ruleset>& rulesets,
                        const gsl::Inventory& inventory, const PlanOptions& options);

// The plan in words for a terminal: the trail, one line per step, what each rule gets.
std::string Summary(const Plan& plan);

}  // namespace vigil::remediate

#endif  // VIGIL_REMEDIATE_PLAN_H_
