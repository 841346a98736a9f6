// Fuzzes the inventory loader and the evaluator together: any input either loads as an inventory
// (then a fixed set of rules, every operator family, runs over each of its entity types) or is
// rejected with a message. The evaluator reads the document's tape directly (gsl/dom.h), so this
// is where an odd but valid document would show a wrong step. Every result must have one of the
// statuses, one result per entity (one for List<T>), and evidence that prints as valid JSON; the
// input, read as a CloudTrail event, goes through an event query too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "gsl/dom.h"
#include "gsl/eval.h"
#include "gsl/inventory.h"

namespace {

using vigil::gsl::Program;

// Rule templates: "T" is replaced by each entity type of the input.
const char* const kRules[] = {
    "T should have name",
    "T should not have name like '%prod%' and region in ('us-east-1', 'eu-west-1')",
    "T should have tags contain [ key = 'owner' ] or tags isEmpty()",
    "T should not have inboundRules with [ scope = '0.0.0.0/0' and port <= 22 and portTo >= 22 ]",
    "T should have inboundRules contain-none [ scope isPublic() ]",
    ("T where name regexMatch /^a/i should have metricFilters with [ filterPattern "
     "isFilterPatternEqual('{ ($.eventName = StopLogging) || ($.eventName = DeleteTrail) }') ] "
     "length() > 0"),
    ("T should have metricFilters contain-any [ filterPattern coversFilterPattern('{ $.eventName = "
     "\"StopLogging\" }') ]"),
    "T should have tags groupBy [key] length() <= 3",
    "T should have passwordLastUsed after(-90, 'days') and created before(1, 'years')",
    "T should have inboundRules allowedHostsForPort(22) < 256 and cidr numberOfHosts() > 1",
    "T should have a.b.c = 1 or x.y length() = 2 or $ contain-all [ id ]",
    "List<T> should have items with [ id like '%a%' ] length() >= 1",
};

std::shared_ptr<const Program> PlanOrDie(const std::string& text) {
  vigil::gsl::PlanResult p = vigil::gsl::Plan(text);
  if (!p.ok()) std::abort();  // the templates are valid GSL for any type name
  return p.program;
}

void CheckResult(const vigil::gsl::Result& r) {
  switch (r.status) {
    case vigil::gsl::Status::kPassed:
    case vigil::gsl::Status::kFailed:
    case vigil::gsl::Status::kSkipped:
    case vigil::gsl::Status::kError:
    case vigil::gsl::Status::kNoData:
      break;
    default:
      std::abort();
  }
  std::string json;
  vigil::gsl::AppendEvidenceJson(json, r.evidence);
  simdjson::dom::parser parser;
  simdjson::dom::element ignored;
  if (parser.parse(json).get(ignored)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  vigil::gsl::EvalOptions options;
  options.now = 1795737600;  // fixed: dates decide the same way on every run
  options.evidence_for_passed = size % 2 == 1;
  auto inv = vigil::gsl::Inventory::FromText(text, "fuzz");
  if (!inv.ok()) {
    if (inv.status().message().empty()) std::abort();
  } else {
    for (const std::string& type : (*inv)->Types()) {
      // Type names are the input's: only those a rule can name (PascalCase letters) are tried.
      bool name_ok = !type.empty() && type.size() < 64 && type[0] >= 'A' && type[0] <= 'Z';
      for (char c : type) name_ok = name_ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
      if (!name_ok || type == "List") continue;
      for (const char* pattern : kRules) {
        std::string rule(pattern);
        rule.replace(rule.find('T'), 1, type);  // the template's first 'T' is the type
        auto program = PlanOrDie(rule);
        auto results = vigil::gsl::Evaluate(*program, **inv, options);
        size_t expected = program->rule().list_target ? 1 : (*inv)->Infos(type).size();
        if (results.size() != expected) std::abort();
        for (const auto& r : results) CheckResult(r);
      }
    }
  }
  // The same text as one CloudTrail event.
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (!parser.parse(text).get(root)) {
    static const auto event_rule = PlanOrDie(
        "cloudtrail where event.name like 'Delete%' and identity.type != 'Root' and "
        "event.status = 'Failure'");
    CheckResult(vigil::gsl::EvaluateEvent(*event_rule, vigil::gsl::DomRef::Root(parser.doc),
                                          options));
  }
  return 0;
}
