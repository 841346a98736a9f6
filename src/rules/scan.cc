#include "rules/scan.h"

#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <simdjson.h>

#include "base/iso_time.h"
#include "gsl/functions.h"

namespace vigil::rules {

size_t ScanResult::Count(gsl::Status s) const {
  size_t n = 0;
  for (const Finding& f : findings) n += f.result.status == s;
  return n;
}

StatusOr<std::vector<Exclusion>> LoadExclusions(const std::string& path) {
  simdjson::padded_string text;
  if (auto err = simdjson::padded_string::load(path).get(text)) {
    return IoError(fmt::format("{}: cannot read: {}", path, simdjson::error_message(err)));
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(text).get(root)) {
    return InvalidArgument(fmt::format("{}: not a valid JSON document: {}", path,
                                       simdjson::error_message(err)));
  }
  simdjson::dom::array list;
  if (root.get_array().get(list) && root["exclusions"].get_array().get(list)) {
    return InvalidArgument(fmt::format("{}: expected a list of exclusions", path));
  }
  std::vector<Exclusion> out;
  size_t i = 0;
  for (simdjson::dom::element e : list) {
    std::string where = fmt::format("{}: [{}]", path, i++);
    simdjson::dom::object o;
    if (e.get_object().get(o)) return InvalidArgument(where + ": expected an object");
    Exclusion x;
    auto add_str = [&](simdjson::dom::element v) {
      std::string_view s;
      if (!v.get_string().get(s) && !s.empty()) x.rule_keys.emplace_back(s);
    };
    for (const char* k : {"ruleId", "ruleLogicHash", "ruleName"}) {
      simdjson::dom::element v;
      if (!o[k].get(v)) add_str(v);
    }
    simdjson::dom::array rules;
    if (!o["rules"].get_array().get(rules)) {
      for (simdjson::dom::element r : rules) {
        for (const char* k : {"id", "logicHash", "name"}) {
          simdjson::dom::element v;
          if (!r[k].get(v)) add_str(v);
        }
      }
    }
    simdjson::dom::array exprs;
    if (!o["logicExpressions"].get_array().get(exprs)) {
      for (simdjson::dom::element v : exprs) {
        std::string_view s;
        if (v.get_string().get(s)) {
          return InvalidArgument(where + ".logicExpressions: expected strings");
        }
        x.logic_expressions.emplace_back(s);
      }
    }
    std::string_view comment;
    if (!o["comment"].get_string().get(comment)) x.comment = std::string(comment);
    simdjson::dom::object range;
    if (!o["dateRange"].get_object().get(range)) {
      for (auto [key, field] : {std::pair{"from", &x.from}, std::pair{"to", &x.to}}) {
        std::string_view v;
        if (!range[key].get_string().get(v)) {
          auto t = gsl::ParseTime(v);
          if (!t) {
            return InvalidArgument(fmt::format("{}.dateRange.{}: expected an ISO-8601 time", where,
                                               key));
          }
          *field = *t;
        }
      }
    }
    out.push_back(std::move(x));
  }
  return out;
}

namespace {

bool FrameworkMatches(const Rule& r, const std::string& fw) {
  if (fw.empty()) return true;
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::string want = lower(fw);
  for (const Framework& f : r.frameworks) {
    if (lower(f.framework).find(want) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

ScanResult Scan(const std::vector<Ruleset>& rulesets, const gsl::Inventory& inv,
                const ScanOptions& options) {
  ScanResult out;
  out.account_id = inv.account_id();
  out.account_name = inv.account_name();
  out.time = options.eval.now != 0 ? options.eval.now : CurrentTime();
  gsl::EvalOptions eo = options.eval;
  eo.now = out.time;
  // The rules to run, in order, planned; broken ones are reported apart.
  struct Work {
    const Ruleset* ruleset;
    const Rule* rule;
    std::shared_ptr<const gsl::Program> program;
    std::vector<const Exclusion*> active;  // exclusions that name the rule and are active now
  };
  std::vector<Work> work;
  for (const Ruleset& rs : rulesets) {
    for (const Rule& rule : rs.rules) {
      if (rule.severity < options.min_severity) continue;
      if (!FrameworkMatches(rule, options.framework)) continue;
      if (!options.rule_ids.empty()) {
        bool wanted = false;
        for (const auto& id : options.rule_ids) {
          wanted |= id == rule.rule_id || id == rule.logic_hash;
        }
        if (!wanted) continue;
      }
      gsl::PlanResult plan = gsl::Plan(rule.logic);
      if (!plan.ok()) {
        out.broken.push_back(BrokenRule{
            &rs, &rule,
            gsl::FormatDiagnostic(fmt::format("{}: {}", rs.name, rule.id()), rule.logic,
                                  plan.error)});
        continue;
      }
      ++out.rules_evaluated;
      Work w{&rs, &rule, plan.program, {}};
      for (const Exclusion& x : options.exclusions) {
        if ((x.from != 0 && out.time < x.from) || (x.to != 0 && out.time > x.to)) continue;
        bool named = x.rule_keys.empty();
        for (const auto& k : x.rule_keys) {
          named |= k == rule.rule_id || k == rule.logic_hash || k == rule.name;
        }
        if (named) w.active.push_back(&x);
      }
      work.push_back(std::move(w));
    }
  }
  // Rules are independent: they are evaluated on all the processors the scan may use.
  std::vector<const gsl::Program*> programs;
  for (const Work& w : work) programs.push_back(w.program.get());
  std::vector<std::vector<gsl::Result>> results =
      gsl::EvaluateMany(programs, inv, eo, options.jobs);
  for (size_t i = 0; i < work.size(); ++i) {
    const Work& w = work[i];
    size_t first = out.findings.size();
    for (gsl::Result& r : results[i]) {
      Finding f;
      f.ruleset = w.ruleset;
      f.rule = w.rule;
      f.underlying = r.status;
      f.result = std::move(r);
      out.findings.push_back(std::move(f));
    }
    const std::string& type = w.program->rule().entity_type;
    for (const Exclusion* x : w.active) {
      // Entities the exclusion's expressions select (all, when it has none).
      std::set<std::string_view> ids;
      bool all = x->logic_expressions.empty();
      for (const std::string& expr : x->logic_expressions) {
        gsl::PlanResult sel = gsl::Plan(type + " should have " + expr);
        if (!sel.ok()) continue;
        gsl::EvalOptions so = eo;
        so.evidence_for_passed = false;
        for (const gsl::Result& r : gsl::Evaluate(*sel.program, inv, so)) {
          if (r.status == gsl::Status::kPassed) ids.insert(r.entity_id);
        }
      }
      for (size_t k = first; k < out.findings.size(); ++k) {
        Finding& f = out.findings[k];
        if (f.result.status == gsl::Status::kExcluded) continue;
        if (all || ids.count(f.result.entity_id)) {
          f.result.status = gsl::Status::kExcluded;
          f.exclusion = x->comment;
        }
      }
    }
  }
  return out;
}

}  // namespace vigil::rules
