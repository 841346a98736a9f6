#include "remediate/requirement.h"

#include <map>
#include <vector>

#include <fmt/format.h>

#include "gsl/eval.h"
#include "pattern/parser.h"

namespace vigil::remediate {

namespace {

struct Found {
  std::vector<const gsl::Step*> calls;
  bool multi_region = false, logging = false, management = false;
};

void Walk(const gsl::Expr& e, Found& f);

std::string Lower(std::string s) {
  for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return s;
}

void WalkBracket(const gsl::Bracket& b, Found& f) {
  if (b.expr) Walk(*b.expr, f);
}

void Walk(const gsl::Expr& e, Found& f) {
  for (const auto& c : e.children) Walk(c, f);
  if (e.type != gsl::Expr::Type::kPredicate) return;
  const gsl::Predicate& p = e.predicate;
  std::string path;
  for (const auto& s : p.path) path += (path.empty() ? "" : ".") + s;
  if (p.test && p.test->type == gsl::Test::Type::kCompare && p.test->op == "=" &&
      p.test->literal.type == gsl::Literal::Type::kBool && p.test->literal.boolean) {
    if (path == "isMultiRegionTrail") f.multi_region = true;
    if (path == "status.isLogging") f.logging = true;
    if (path == "capturesAllManagementEvents") f.management = true;
  }
  for (const auto& s : p.steps) {
    if (s.type == gsl::Step::Type::kWith) WalkBracket(s.bracket, f);
    if (s.type == gsl::Step::Type::kCall &&
        (Lower(s.name) == "isfilterpatternequal" || Lower(s.name) == "coversfilterpattern")) {
      f.calls.push_back(&s);
    }
  }
  if (p.test && p.test->type == gsl::Test::Type::kQuantifier) WalkBracket(p.test->bracket, f);
}

// CIS v1.3-v5.0 numbers and the words that name what vigil creates for them.
const std::map<std::string, std::string>& Slugs() {
  static const auto* m = new std::map<std::string, std::string>{
      {"4.1", "unauthorized-api-calls"},     {"4.2", "console-signin-without-mfa"},
      {"4.3", "root-account-usage"},         {"4.4", "iam-policy-changes"},
      {"4.5", "cloudtrail-config-changes"},  {"4.6", "console-auth-failures"},
      {"4.7", "cmk-disable-or-deletion"},    {"4.8", "s3-bucket-policy-changes"},
      {"4.9", "aws-config-changes"},         {"4.10", "security-group-changes"},
      {"4.11", "nacl-changes"},              {"4.12", "network-gateway-changes"},
      {"4.13", "route-table-changes"},       {"4.14", "vpc-changes"},
      {"4.15", "organizations-changes"}};
  return *m;
}

std::string ControlOf(const rules::Rule& rule) {
  // The v1.3-v5.0 number is the one CIS users know best; v1.2's 3.x and v6's 5.x map onto it.
  for (const char* v : {"1.5.0", "2.0.0", "3.0.0", "4.0.0", "5.0.0", "1.4.0", "1.3.0"}) {
    for (const auto& f : rule.frameworks) {
      if (f.framework.find("CIS Foundations v. " + std::string(v)) != std::string::npos &&
          !f.control.empty()) {
        return f.control;
      }
    }
  }
  const std::string& tag = rule.compliance_tag;
  if (tag.size() > 2 && (tag[0] == '3' || tag[0] == '5') && tag[1] == '.') {
    std::string c = "4" + tag.substr(1);
    if (Slugs().count(c)) return c;
  }
  if (Slugs().count(tag)) return tag;
  return "";
}

std::string SlugFromId(const std::string& id) {
  std::string out;
  for (char c : id) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a'), alnum = true;
    if (alnum) {
      out += c;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > 60) out.resize(60);
  return out.empty() ? "monitoring" : out;
}

}  // namespace

std::optional<Requirement> RequirementOf(const rules::Rule& rule, std::string* why_not) {
  gsl::PlanResult planned = gsl::Plan(rule.logic);
  if (!planned.ok()) {
    *why_not = "its logic does not parse: " + planned.error.message;
    return std::nullopt;
  }
  const gsl::Rule& ast = planned.program->rule();
  if (ast.event_query || ast.entity_type != "CloudTrail" || ast.negated) {
    *why_not = "not a CloudTrail monitoring rule (vigil fix remediates the CIS monitoring "
               "family: a metric filter, alarm and subscriber on the trail's log group)";
    return std::nullopt;
  }
  Found f;
  Walk(ast.body, f);
  if (f.calls.size() != 1 || f.calls[0]->args.size() != 1 ||
      f.calls[0]->args[0].type != gsl::Literal::Type::kString) {
    *why_not = f.calls.empty()
                   ? "not a monitoring rule: its logic compares no metric filter pattern"
                   : "its logic compares several filter patterns; vigil fix handles one per rule";
    return std::nullopt;
  }
  Requirement r;
  r.kind = Lower(f.calls[0]->name) == "isfilterpatternequal" ? Requirement::Kind::kEqual
                                                       : Requirement::Kind::kCovers;
  r.pattern_text = f.calls[0]->args[0].text;
  pattern::ParseResult p = pattern::Parse(r.pattern_text);
  if (!p.ok()) {
    *why_not = "its filter pattern does not parse: " + p.error.message;
    return std::nullopt;
  }
  r.pattern = std::move(*p.pattern);
  r.control = ControlOf(rule);
  auto it = Slugs().find(r.control);
  r.slug = it != Slugs().end() ? "cis-" + r.control + "-" + it->second : SlugFromId(rule.id());
  r.strict_trail = f.multi_region || f.logging || f.management;
  return r;
}

}  // namespace vigil::remediate
