// What a monitoring rule asks of an account, read from its GSL logic: the filter pattern it
// compares metric filters with (the argument of isFilterPatternEqual or coversFilterPattern),
// whether a filter must equal it or cover it, and the CIS control it implements, which names
// what the planner creates ("cis-4.9-aws-config-changes").
//
// A rule is a monitoring rule when it targets CloudTrail and its logic holds exactly one
// filter-pattern function; anything else is not for `vigil fix`, and the reason says so.
#ifndef VIGIL_REMEDIATE_REQUIREMENT_H_
#define VIGIL_REMEDIATE_REQUIREMENT_H_

#include <optional>
#include <string>

#include "pattern/ast.h"
#include "rules/ruleset.h"

namespace vigil::remediate {

struct Requirement {
  enum class Kind { kEqual, kCovers };
  Kind kind = Kind::kCovers;
  std::string pattern_text;  // as written in the rule: the pattern a new filter gets
  pattern::Pattern pattern;
  std::string control;  // CIS v1.3-v5.0 number ("4.9"); empty when the rule maps to none
  std::string slug;     // "cis-4.9-aws-config-changes", or derived from the rule id
  // The rule also asks the trail to be multi-region, logging, capturing management events
  // (vigil's strict rules; CloudGuard's form does not).
  bool strict_trail = false;
};

// The rule's requirement, or nullopt with `*why_not` set ("not a CloudTrail monitoring rule:
// ...", or the rule's diagnostic when its logic does not parse).
std::optional<Requirement> RequirementOf(const rules::Rule& rule, std::string* why_not);

}  // namespace vigil::remediate

#endif  // VIGIL_REMEDIATE_REQUIREMENT_H_
