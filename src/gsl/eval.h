// Planning and evaluating GSL rules (gsl.md §4-§11).
//
// Plan() parses a rule and compiles it once into an immutable Program: regexes with RE2, filter
// patterns with the pattern engine, event-query aliases resolved. Evaluate() runs a Program over
// an inventory and yields one result per entity (or one for a List<T> target), each with evidence:
// the sub-expression that decided, the JSON path and the value found there. Evaluation never
// throws; data-dependent problems become `error` results with the reason, and evaluation goes on.
// Programs are thread-safe; each Evaluate call keeps its own scratch state.
#ifndef VIGIL_GSL_EVAL_H_
#define VIGIL_GSL_EVAL_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <re2/re2.h>

#include "gsl/ast.h"
#include "gsl/inventory.h"
#include "gsl/parser.h"
#include "pattern/ast.h"
#include "pattern/relation.h"

namespace vigil::gsl {

struct PlanOptions {
  ParseOptions parse;
  // Memory budget of each compiled regex. Default 8 MiB.
  int64_t regex_max_mem = 8 << 20;
};

class Program {
 public:
  const Rule& rule() const { return rule_; }
  // "List<CloudTrail>" or "CloudTrail" or "cloudtrail".
  std::string TargetName() const;

 private:
  friend struct PlanAccess;
  friend class Evaluator;
  friend struct PlanResult Plan(std::string_view text, const struct PlanOptions& options);
  Rule rule_;
  std::map<const Test*, std::unique_ptr<RE2>> regexes_;
  std::map<const Step*, pattern::Pattern> patterns_;
};

struct PlanResult {
  std::shared_ptr<const Program> program;
  Diagnostic error;
  bool ok() const { return program != nullptr; }
};

PlanResult Plan(std::string_view text, const PlanOptions& options = {});

enum class Status { kPassed, kFailed, kSkipped, kError, kNoData, kExcluded };
const char* StatusName(Status s);

struct Evidence {
  std::string expr;   // the sub-expression that decided, as written
  std::string path;   // JSON path of the value, from the entity
  std::string value;  // the value found there (compact JSON, cut to 200 bytes)
  std::string note;   // what a function found (a filter pattern's relation, ...)
};

// Appends `[{"expression", "path", "value", "note"}, ...]` to `out`.
void AppendEvidenceJson(std::string& out, const std::vector<Evidence>& evidence);

// One verdict. The entity's id and name are views of the inventory's text (of the event's, for
// EvaluateEvent), valid while the Inventory (the event's document) lives: a result is made per
// entity and rule, and copies were an allocation each.
struct Result {
  std::string entity_type;
  std::string_view entity_id, entity_name;
  Status status = Status::kPassed;
  std::vector<Evidence> evidence;
  std::string message;
};

struct EvalOptions {
  double now = 0;  // seconds since the epoch; 0 means the current time
  pattern::DecideOptions patterns;
  // Evidence for passed and skipped results too (failed, error and no-data results always
  // carry it). Off by default: a scan of 100,000 entities reports what failed.
  bool evidence_for_passed = false;
};

std::vector<Result> Evaluate(const Program& program, const Inventory& inventory,
                             const EvalOptions& options = {});

// Evaluate() of each program, on up to `jobs` threads (0: one per processor this process may run
// on), a program per thread at a time; results in the programs' order, the same as one Evaluate()
// after another would give (one `now` for all when options.now is 0).
std::vector<std::vector<Result>> EvaluateMany(const std::vector<const Program*>& programs,
                                              const Inventory& inventory,
                                              const EvalOptions& options = {}, int jobs = 0);

// Event queries: does the CloudTrail event (a JSON object of a parsed document: DomRef::Root, or
// an element of its "Records") match? Evidence as for entities.
Result EvaluateEvent(const Program& program, DomRef event, const EvalOptions& options = {});

}  // namespace vigil::gsl

#endif  // VIGIL_GSL_EVAL_H_
