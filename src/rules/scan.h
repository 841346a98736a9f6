// A scan: rulesets evaluated over an inventory, one finding per (rule, entity), with exclusions
// applied (CloudGuard's form, gsl.md §10) and broken rules reported apart, so that one bad rule
// never stops the others.
#ifndef VIGIL_RULES_SCAN_H_
#define VIGIL_RULES_SCAN_H_

#include <string>
#include <vector>

#include "base/status.h"
#include "gsl/eval.h"
#include "gsl/inventory.h"
#include "rules/ruleset.h"

namespace vigil::rules {

struct Exclusion {
  std::vector<std::string> rule_keys;          // ruleId, logicHash or name; empty: every rule
  std::vector<std::string> logic_expressions;  // GSL expressions on the entity; empty: all
  std::string comment;
  double from = 0, to = 0;                     // epoch seconds; 0: open
};

// Reads exclusions (a JSON list, or {"exclusions": [...]}) in either CloudGuard form.
StatusOr<std::vector<Exclusion>> LoadExclusions(const std::string& path);

struct ScanOptions {
  std::vector<std::string> rule_ids;  // only these rules (ruleId or logicHash); empty: all
  std::string framework;              // only rules mapped to a framework containing this text
  Severity min_severity = Severity::kInformational;
  std::vector<Exclusion> exclusions;
  gsl::EvalOptions eval;
  int jobs = 0;  // threads evaluating rules; 0: one per processor the scan may run on
};

struct Finding {
  const Ruleset* ruleset = nullptr;
  const Rule* rule = nullptr;
  gsl::Result result;           // status kExcluded when an exclusion matched
  gsl::Status underlying = gsl::Status::kPassed;  // the verdict before exclusion
  std::string exclusion;        // the exclusion's comment
};

struct BrokenRule {
  const Ruleset* ruleset = nullptr;
  const Rule* rule = nullptr;
  std::string diagnostic;  // "ruleset: RULE-ID: 1:42: error: ..." with the line and caret
};

struct ScanResult {
  std::string account_id, account_name;
  double time = 0;
  std::vector<Finding> findings;
  std::vector<BrokenRule> broken;
  size_t rules_evaluated = 0;
  size_t Count(gsl::Status s) const;
};

ScanResult Scan(const std::vector<Ruleset>& rulesets, const gsl::Inventory& inventory,
                const ScanOptions& options);

}  // namespace vigil::rules

#endif  // VIGIL_RULES_SCAN_H_
