// vigil fix: the least change that makes failed CIS monitoring rules pass, as AWS CLI commands,
// a CloudFormation template or Terraform (docs/remediation.md).
//
// The command is three stages, so that other sources and sinks slot in beside them: load the
// account (an inventory file or the demo), plan (remediate::MakePlan), then hand the plan on —
// today to a renderer; an executor that sends the same calls takes the plan the same way.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/file_util.h"
#include "base/text.h"
#include "cli/commands.h"
#include "cli/live.h"
#include "gsl/inventory.h"
#include "remediate/apply.h"
#include "remediate/plan.h"
#include "rules/scan.h"
#include "remediate/render.h"
#include "rules/embedded.h"
#include "rules/ruleset.h"

namespace vigil::cli {

namespace {

const char* kFixRulesets[] = {"cloudguard-aws-cis-monitoring", "vigil-aws-cis"};

struct FixArgs {
  std::vector<std::string> rule_ids, rulesets;
  std::string inventory, format = "cli", output;
  bool demo = false;
  bool live = false, apply = false, yes = false;
  LiveOptions live_options;
  std::string metric_namespace = "CISBenchmark", topic_arn, email, protocol, endpoint, log_group;
};

bool Fail(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return false;
}

// Checks the options against what AWS accepts, naming the option at fault.
bool CheckOptions(const FixArgs& a) {
  if (a.apply && (a.demo || !a.inventory.empty())) {
    return Fail("--apply changes the live account: it collects it first and again afterwards, "
                "so it takes no --inventory or --demo");
  }
  if (!a.apply && int(a.demo) + int(!a.inventory.empty()) + int(a.live) != 1) {
    return Fail("give one of --inventory FILE, --live (collect the account now) or --demo");
  }
  if (a.yes && !a.apply) return Fail("--yes only makes sense with --apply");
  for (const auto* v : {&a.metric_namespace, &a.topic_arn, &a.email, &a.protocol, &a.endpoint,
                        &a.log_group}) {
    if (!IsValidUtf8(*v)) return Fail("option values must be UTF-8 text");
  }
  const std::string& ns = a.metric_namespace;
  if (ns.empty() || ns.size() > 255) return Fail("--namespace: expected 1 to 255 characters");
  if (ns.rfind("AWS/", 0) == 0) {
    return Fail("--namespace: names starting with 'AWS/' are reserved for AWS services");
  }
  if (!a.log_group.empty()) {
    if (a.log_group.size() > 512) return Fail("--log-group: at most 512 characters");
    for (char c : a.log_group) {
      bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                std::string_view("._-/#").find(c) != std::string_view::npos;
      if (!ok) {
        return Fail(fmt::format("--log-group {}: a log group name holds only letters, digits "
                                "and . _ - / #",
                                QuoteForMessage(a.log_group)));
      }
    }
  }
  if (!a.topic_arn.empty()) {
    // arn:partition:sns:region:account:name
    std::vector<std::string> f;
    size_t start = 0;
    for (size_t i = 0; i <= a.topic_arn.size(); ++i) {
      if (i == a.topic_arn.size() || a.topic_arn[i] == ':') {
        f.push_back(a.topic_arn.substr(start, i - start));
        start = i + 1;
      }
    }
    if (f.size() != 6 || f[0] != "arn" || f[2] != "sns" || f[3].empty() || f[4].empty() ||
        f[5].empty()) {
      return Fail(fmt::format("--topic-arn {}: expected an SNS topic ARN, "
                              "arn:aws:sns:REGION:ACCOUNT:NAME",
                              QuoteForMessage(a.topic_arn)));
    }
  }
  if (!a.email.empty() && a.email.find('@') == std::string::npos) {
    return Fail(fmt::format("--email {}: expected an e-mail address", QuoteForMessage(a.email)));
  }
  if (!a.protocol.empty()) {
    static const char* kProtocols[] = {"http",   "https",       "email",    "email-json", "sms",
                                       "sqs",    "application", "lambda",   "firehose"};
    bool ok = false;
    for (const char* p : kProtocols) ok |= a.protocol == p;
    if (!ok) {
      return Fail(fmt::format("--protocol {}: expected one of http, https, email, email-json, "
                              "sms, sqs, application, lambda, firehose",
                              QuoteForMessage(a.protocol)));
    }
  }
  return true;
}

std::unique_ptr<gsl::Inventory> LoadAccount(const FixArgs& a) {
  StatusOr<std::unique_ptr<gsl::Inventory>> r = Status(StatusCode::kNotFound, "");
  if (a.demo) {
    const embedded::File* f = embedded::Find("account.json");
    if (!f) {
      Fail("this build has no demo account");
      return nullptr;
    }
    r = gsl::Inventory::FromText(std::string(f->text()), "demo account");
  } else {
    r = gsl::Inventory::Load(a.inventory);
  }
  if (!r.ok()) {
    Fail(r.status().message());
    return nullptr;
  }
  return std::move(*r);
}

// Collects the live account into an inventory; null after an error (already reported). An
// incomplete collection is used, with a warning: its gaps make rules no-data, not failed.
std::unique_ptr<gsl::Inventory> CollectInventory(const FixArgs& a, AwsSession& session) {
  Json collected;
  CollectLive(a.live_options, session, &collected);
  if (collected.is_null()) return nullptr;
  auto r = gsl::Inventory::FromText(collected.Dump(), "the collected inventory");
  if (!r.ok()) {
    Fail(r.status().message());
    return nullptr;
  }
  return std::move(*r);
}

// The status of each rule on an inventory: the worst over its findings.
std::map<std::string, gsl::Status> RuleStatuses(const std::vector<rules::Ruleset>& rulesets,
                                                const gsl::Inventory& inventory,
                                                const std::vector<std::string>& rule_ids) {
  rules::ScanOptions so;
  so.rule_ids = rule_ids;
  rules::ScanResult scan = rules::Scan(rulesets, inventory, so);
  auto rank = [](gsl::Status s) {
    switch (s) {
      case gsl::Status::kFailed: return 4;
      case gsl::Status::kError: return 3;
      case gsl::Status::kNoData: return 2;
      default: return 1;
    }
  };
  std::map<std::string, gsl::Status> out;
  for (const auto& f : scan.findings) {
    auto [it, fresh] = out.emplace(f.rule->rule_id, f.result.status);
    if (!fresh && rank(f.result.status) > rank(it->second)) it->second = f.result.status;
  }
  return out;
}

// --apply: confirm, send the plan's calls, collect again and show each rule before and after.
int ApplyAndVerify(const FixArgs& a, const std::vector<rules::Ruleset>& rulesets,
                   const remediate::PlanOptions& po, const remediate::Plan& plan,
                   AwsSession& session) {
  std::map<std::string, std::string> parameters;
  std::vector<std::string> missing = remediate::MissingParameters(plan, parameters);
  if (!missing.empty()) {
    Fail(fmt::format("the plan needs a value for {}: give --email ADDR, --protocol P --endpoint "
                     "E, or --topic-arn ARN",
                     missing.front()));
    return kExitInvalid;
  }
  if (!a.yes) {
    if (!isatty(0)) {
      Fail("--apply asks for confirmation on a terminal; give --yes to apply without asking");
      return kExitInvalid;
    }
    std::fprintf(stderr, "Apply these %zu changes to account %s? [y/N] ", plan.steps.size(),
                 plan.account_id.c_str());
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") {
      std::fputs("vigil fix: nothing was changed\n", stderr);
      return kExitOk;
    }
  }
  size_t n = plan.steps.size();
  remediate::ApplyResult applied = remediate::Apply(
      plan, *session.client, parameters,
      [n](int i, const remediate::Step& step, const remediate::StepOutcome& outcome) {
        std::fprintf(stderr, "  [%d/%zu] %s %s %s: %s\n", i + 1, n, step.service.c_str(),
                     step.operation.c_str(), step.key.c_str(),
                     outcome.done ? "done" : ("FAILED: " + outcome.error).c_str());
      });
  if (!applied.ok()) {
    int f = applied.failed_step;
    std::string done = f == 0   ? "no step was applied"
                       : f == 1 ? "step 1 was applied"
                                : fmt::format("steps 1-{} were applied", f);
    std::fprintf(stderr, "vigil fix: stopped at step %d of %zu; %s, and these were not:\n", f + 1,
                 n, done.c_str());
    for (size_t i = static_cast<size_t>(applied.failed_step); i < n; ++i) {
      std::fprintf(stderr, "    not applied: %s %s %s\n", plan.steps[i].service.c_str(),
                   plan.steps[i].operation.c_str(), plan.steps[i].key.c_str());
    }
    return kExitUnknown;
  }
  std::fprintf(stderr, "vigil fix: applied %zu changes; collecting the account again\n", n);
  std::unique_ptr<gsl::Inventory> after = CollectInventory(a, session);
  if (!after) {
    Fail("the changes were applied, but the account could not be collected again to verify them");
    return kExitUnknown;
  }
  std::vector<std::string> ids;
  for (const auto& r : plan.rules) ids.push_back(r.rule_id);
  std::map<std::string, gsl::Status> now = RuleStatuses(rulesets, *after, ids);
  bool all_pass = true;
  std::printf("%-24s %-8s    %s\n", "rule", "before", "after");
  for (const auto& r : plan.rules) {
    auto it = now.find(r.rule_id);
    gsl::Status s = it == now.end() ? gsl::Status::kPassed : it->second;
    bool waits = s != gsl::Status::kPassed && r.needs_confirmation;
    if (s != gsl::Status::kPassed && !waits) all_pass = false;
    std::printf("%-24s %-8s -> %s%s\n", r.rule_id.c_str(), gsl::StatusName(r.status),
                gsl::StatusName(s),
                waits ? " (passes once the new subscription is confirmed)" : "");
  }
  StatusOr<remediate::Plan> again = remediate::MakePlan(rulesets, *after, po);
  if (again.ok() && !again->empty()) {
    std::fprintf(stderr, "vigil fix: a new plan still has %zu steps (run vigil fix again to "
                         "see them)\n",
                 again->steps.size());
  }
  return all_pass ? kExitOk : kExitFailed;
}

int RunFix(const FixArgs& a) {
  if (!CheckOptions(a)) return kExitInvalid;
  remediate::Format format;
  if (!remediate::ParseFormat(a.format, &format)) {
    Fail(fmt::format("--format {}: expected cli, cloudformation, terraform or json",
                     QuoteForMessage(a.format)));
    return kExitInvalid;
  }
  std::vector<rules::Ruleset> rulesets;
  std::vector<std::string> names = a.rulesets;
  if (names.empty()) names.assign(std::begin(kFixRulesets), std::end(kFixRulesets));
  for (const auto& n : names) {
    auto rs = rules::LoadRuleset(n);
    if (!rs.ok()) {
      Fail(rs.status().message());
      return kExitInvalid;
    }
    rulesets.push_back(std::move(*rs));
  }
  std::unique_ptr<AwsSession> session;
  std::unique_ptr<gsl::Inventory> inventory;
  if (a.live || a.apply) {
    session = OpenSession(a.live_options);
    if (!session) return kExitInvalid;
    inventory = CollectInventory(a, *session);
    if (!inventory) return kExitUnknown;
  } else {
    inventory = LoadAccount(a);
  }
  if (!inventory) return kExitInvalid;

  remediate::PlanOptions po;
  po.rule_ids = a.rule_ids;
  po.metric_namespace = a.metric_namespace;
  po.topic_arn = a.topic_arn;
  po.email = a.email;
  po.protocol = a.protocol;
  po.endpoint = a.endpoint;
  po.log_group = a.log_group;
  StatusOr<remediate::Plan> plan = remediate::MakePlan(rulesets, *inventory, po);
  if (!plan.ok()) {
    Fail(plan.status().message());
    return kExitInvalid;
  }
  std::fputs(remediate::Summary(*plan).c_str(), stderr);
  if (plan->empty()) {
    // Nothing is written: an empty template would not deploy, and an empty script is noise.
    std::fputs(plan->rules.empty() ? "vigil fix: every selected monitoring rule passes; nothing "
                                     "to do\n"
                                   : "vigil fix: nothing that vigil can plan\n",
               stderr);
    return kExitOk;
  }
  if (a.apply) return ApplyAndVerify(a, rulesets, po, *plan, *session);
  std::string text = remediate::Render(*plan, format);
  if (a.output.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    Status st = WriteFileAtomic(a.output, text);
    if (!st.ok()) {
      Fail(st.message());
      return kExitInvalid;
    }
    std::fprintf(stderr, "vigil fix: wrote %s\n", a.output.c_str());
  }
  return kExitOk;
}

}  // namespace

void RegisterFix(CLI::App& app, int* exit_code) {
  CLI::App* fix = app.add_subcommand(
      "fix", "plan the least change that makes failed CIS monitoring rules pass, as AWS CLI "
             "commands, CloudFormation or Terraform");
  auto a = std::make_shared<FixArgs>();
  fix->add_option("RULE_ID", a->rule_ids, "only these rules (default: every monitoring rule)");
  fix->add_option("--inventory,-i", a->inventory, "an inventory file (docs/inventory.md)");
  fix->add_flag("--demo", a->demo, "plan for the bundled demo account");
  fix->add_option("--format", a->format, "cli, cloudformation, terraform or json")
      ->capture_default_str();
  fix->add_option("--namespace", a->metric_namespace, "namespace of new metrics")
      ->capture_default_str();
  fix->add_option("--topic-arn", a->topic_arn, "notify this existing SNS topic");
  fix->add_option("--email", a->email, "subscribe this e-mail address to the alarms' topic");
  fix->add_option("--protocol", a->protocol, "subscribe an endpoint with this SNS protocol");
  fix->add_option("--endpoint", a->endpoint, "the endpoint for --protocol");
  fix->add_option("--log-group", a->log_group,
                  "the log group to create when no trail delivers to CloudWatch Logs "
                  "(default CloudTrail/<trail name>)");
  fix->add_option("--output,-o", a->output, "write to FILE (atomically)");
  fix->add_option("--ruleset", a->rulesets,
                  "a bundled ruleset name or a CloudGuard ruleset file (repeatable; default: "
                  "cloudguard-aws-cis-monitoring and vigil-aws-cis)");
  fix->add_flag("--live", a->live, "collect the AWS account now and plan for it");
  fix->add_flag("--apply", a->apply,
                "apply the plan to the live account through the AWS API, then collect again and "
                "show each rule before and after");
  fix->add_flag("--yes,-y", a->yes, "with --apply: do not ask for confirmation");
  AddLiveOptions(fix, &a->live_options);
  fix->footer("The plan's summary goes to stderr. Exit codes: 0 a plan was written, there is "
              "nothing to do, or --apply made every rule pass; 1 --apply left a rule failing; "
              "2 usage or input error; 3 the collection or a call failed (--apply reports what "
              "was and was not applied).");
  fix->callback([=] { *exit_code = RunFix(*a); });
}

}  // namespace vigil::cli
