// Rules and rulesets in CloudGuard's export format (shared/docs/gsl.md §10), plus the bundled
// rulesets of rules/.
//
// A ruleset is JSON: {"name", "description", "cloudVendor", "rules": [{"name", "ruleId",
// "severity", "logic", "description", "remediation", "complianceTag", "category", ...,
// "frameworks": [{"framework", "control"}]}]}. Unknown fields are kept (raw JSON) so that an
// exported ruleset can be written back unchanged. Loading validates the shape and names the
// place of every problem; the GSL logic itself is planned later, rule by rule, so that one broken
// rule does not stop the others.
#ifndef VIGIL_RULES_RULESET_H_
#define VIGIL_RULES_RULESET_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace vigil::rules {

enum class Severity { kInformational = 0, kLow, kMedium, kHigh, kCritical };
const char* SeverityName(Severity s);  // "Informational", "Low", ...
// Any case; nullopt-like: returns false when unknown.
bool ParseSeverity(std::string_view text, Severity* out);

struct Framework {
  std::string framework;  // "AWS CIS Foundations v. 1.5.0"
  std::string control;    // "4.9"; may be empty
};

struct Rule {
  std::string name, rule_id, logic, description, remediation, compliance_tag, category;
  Severity severity = Severity::kLow;
  std::string logic_hash;  // as given, or computed (Decision 19)
  std::vector<Framework> frameworks;
  std::string raw;         // the rule's JSON as read
  // The id reports use: ruleId when present, else the logic hash.
  const std::string& id() const { return rule_id.empty() ? logic_hash : rule_id; }
};

struct Ruleset {
  std::string name, description, cloud_vendor;
  std::string source;  // the file, or "bundled:<name>"
  std::vector<Rule> rules;
};

// Parses a ruleset; `source` names it in messages ("rules.json: rules[3]: ...").
StatusOr<Ruleset> ParseRuleset(std::string_view json, const std::string& source);
// A bundled ruleset by name ("vigil-aws-cis"), or a file path.
StatusOr<Ruleset> LoadRuleset(const std::string& name_or_path);
std::vector<std::string> BundledRulesetNames();

// Unpadded base64url of the first 16 bytes of SHA-256 of the logic text (gsl.md Decision 19).
std::string LogicHash(std::string_view logic);

}  // namespace vigil::rules

#endif  // VIGIL_RULES_RULESET_H_
