// Renderers of a remediation plan (plan.h): a POSIX shell script of `aws` commands, a
// CloudFormation template (YAML) and Terraform (HCL for the hashicorp/aws provider 5.x).
//
// Each output starts with a comment header naming the account, the trail, the rules and each
// step's reason. Every value from the account or the user (names, patterns, addresses) is quoted
// for its language, so that no value can end a string or a comment: shell words in single
// quotes ('\'' for a quote), YAML double-quoted scalars, HCL strings with `${` and `%{` escaped,
// and comments with control characters shown as escapes.
//
// Steps that change an existing resource (Step::changes) or have no resource type (UpdateTrail)
// cannot be expressed in a template that does not manage that resource: the template renderers
// list them, in the header, as the `aws` commands to run after deploying.
#ifndef VIGIL_REMEDIATE_RENDER_H_
#define VIGIL_REMEDIATE_RENDER_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "remediate/plan.h"

namespace vigil::remediate {

enum class Format { kCli, kCloudFormation, kTerraform, kJson };
// "cli", "cloudformation" (or "cfn"), "terraform" (or "tf"), "json".
bool ParseFormat(std::string_view name, Format* out);

// The plan in `format`. A plan with no steps renders as a header saying there is nothing to do
// (a CloudFormation template needs a resource, so callers normally write nothing instead).
std::string Render(const Plan& plan, Format format);

std::string RenderCli(const Plan& plan);
std::string RenderCloudFormation(const Plan& plan);
std::string RenderTerraform(const Plan& plan);
// The plan itself as JSON: {"account", "trail", "steps": [{"service", "region", "operation",
// "parameters", "rules", "reason", "key", "changes"}], "rules", "parameters", "notes"}. A Ref is
// {"ref": {"step": N, "field": "TopicArn"}}, a Param {"param": "Name"}.
std::string RenderJson(const Plan& plan);

// ---- Shared pieces (render_common.cc) ----

// A shell word that the POSIX shell reads back as exactly `s`: bare when it only holds
// characters no shell treats specially, else in single quotes with ' written as '\''.
std::string ShellQuote(std::string_view s);
// A YAML double-quoted scalar.
std::string YamlQuote(std::string_view s);
// An HCL quoted template string with `${` and `%{` escaped.
std::string HclQuote(std::string_view s);
// Text safe inside a one-line comment: control characters (newlines included) and invalid
// UTF-8 shown as escapes.
std::string CommentSafe(std::string_view s);

// The header comment lines (without the comment marker): account, trail, rules, steps, notes.
std::vector<std::string> HeaderLines(const Plan& plan);
// Whether an infrastructure-as-code template (CloudFormation, Terraform) declares the step: it
// creates a resource of a kind the templates cover, in the plan's region (IAM is global). Steps
// that change existing resources are listed as commands instead.
bool DeclaredByTemplate(const Plan& plan, const Step& step);

// `aws` CLI pieces: the command group for a signing name ("monitoring" -> "cloudwatch"), the
// command for an operation ("PutMetricFilter" -> "put-metric-filter"), the option for a
// parameter ("logGroupName" -> "--log-group-name", sns Subscribe's Endpoint ->
// "--notification-endpoint").
std::string CliService(std::string_view service);
std::string CliOperation(std::string_view operation);
std::string CliOption(const Step& step, std::string_view param);
// The words of the `aws` command for a step (without line breaks). A Ref is written with
// `ref(step, value)` and a Param with `param(value)`; both return a complete shell word.
struct CliWords {
  // {"aws", "logs", "put-metric-filter"}, then one group per option with its values:
  // {"--region", "us-east-1"}, {"--log-group-name", "'CloudTrail/x y'"}, ...
  std::vector<std::vector<std::string>> groups;
  // One line, or one option per line joined with " \\\n  ".
  std::string Join(bool multiline) const;
};
CliWords CliCommand(const Step& step, const std::function<std::string(const Value&)>& ref,
                    const std::function<std::string(const Value&)>& param);

// Names derived from a step's key: CamelCase for CloudFormation ("Cis49AwsConfigChanges"),
// snake_case for Terraform and shell ("cis_4_9_aws_config_changes").
std::string CamelName(std::string_view key);
std::string SnakeName(std::string_view key);

}  // namespace vigil::remediate

#endif  // VIGIL_REMEDIATE_RENDER_H_
