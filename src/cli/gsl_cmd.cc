// vigil gsl parse | vigil eval
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "base/json_writer.h"
#include "base/line_reader.h"
#include "cli/commands.h"
#include "gsl/eval.h"
#include "gsl/functions.h"
#include "gsl/inventory.h"
#include "gsl/parser.h"

namespace vigil::cli {

namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

struct RuleSource {
  std::string text;
  std::string where;  // file name, or "" for --rule
};

bool LoadRule(const std::string& rule, const std::string& file, RuleSource* out) {
  if (!rule.empty() && !file.empty()) {
    std::fprintf(stderr, "error: give --rule or --rule-file, not both\n");
    return false;
  }
  if (!file.empty()) {
    if (!ReadFile(file, &out->text)) {
      std::fprintf(stderr, "error: %s: cannot read\n", file.c_str());
      return false;
    }
    while (!out->text.empty() && (out->text.back() == '\n' || out->text.back() == '\r')) {
      out->text.pop_back();
    }
    out->where = file;
    return true;
  }
  if (rule.empty()) {
    std::fprintf(stderr, "error: give the rule with --rule TEXT or --rule-file FILE\n");
    return false;
  }
  out->text = rule;
  out->where = "rule";
  return true;
}

int RunParse(const RuleSource& src) {
  gsl::ParseResult r = gsl::ParseRule(src.text);
  if (!r.ok()) {
    std::fputs(gsl::FormatDiagnostic(src.where, src.text, r.error).c_str(), stderr);
    return kExitInvalid;
  }
  std::fputs(gsl::ToSExpr(*r.rule).c_str(), stdout);
  return kExitOk;
}

struct EvalArgs {
  std::string rule, rule_file, inventory, events, format = "text", now;
  bool explain = false;
};

void AppendResultJson(std::string& out, const gsl::Result& r) {
  out += "{\"entityType\": ";
  AppendJsonString(out, r.entity_type);
  out += ", \"entityId\": ";
  AppendJsonString(out, r.entity_id);
  out += ", \"entityName\": ";
  AppendJsonString(out, r.entity_name);
  out += ", \"status\": \"";
  out += gsl::StatusName(r.status);
  out += "\", \"evidence\": ";
  gsl::AppendEvidenceJson(out, r.evidence);
  out += ", \"message\": ";
  AppendJsonString(out, r.message);
  out += "}";
}

int RunEval(const EvalArgs& a) {
  RuleSource src;
  if (!LoadRule(a.rule, a.rule_file, &src)) return kExitInvalid;
  gsl::PlanResult plan = gsl::Plan(src.text);
  if (!plan.ok()) {
    std::fputs(gsl::FormatDiagnostic(src.where, src.text, plan.error).c_str(), stderr);
    return kExitInvalid;
  }
  gsl::EvalOptions eo;
  if (!a.now.empty()) {
    auto t = gsl::ParseTime(a.now);
    if (!t) {
      std::fprintf(stderr, "error: --now: expected an ISO-8601 time such as 2026-01-31T00:00:00Z\n");
      return kExitInvalid;
    }
    eo.now = *t;
  }
  eo.evidence_for_passed = a.explain;
  const gsl::Rule& rule = plan.program->rule();
  if (rule.event_query) {
    if (a.events.empty()) {
      std::fprintf(stderr, "error: an event query needs --events FILE (CloudTrail events: one per "
                           "line, or a {\"Records\": [...]} file)\n");
      return kExitInvalid;
    }
    auto reader = LineReader::Open(a.events);
    if (!reader.ok()) {
      std::fprintf(stderr, "error: %s\n", reader.status().message().c_str());
      return kExitInvalid;
    }
    simdjson::dom::parser parser;
    size_t total = 0, matched = 0;
    // Each match is written out at once: a result views its event's text, which the next line's
    // parse overwrites.
    std::string out;
    if (a.format == "json") out = "{\"results\": [";
    while (true) {
      auto line = (*reader)->Next();
      if (!line.ok()) {
        std::fprintf(stderr, "error: %s\n", line.status().message().c_str());
        return kExitInvalid;
      }
      if (!line->has_value()) break;
      std::string_view text = (*line)->text;
      if (text.empty()) continue;
      simdjson::dom::element doc;
      if (parser.parse(text.data(), text.size(), true).get(doc)) {
        std::fprintf(stderr, "error: %s:%llu: not a JSON event\n", a.events.c_str(),
                     static_cast<unsigned long long>((*line)->number));
        return kExitInvalid;
      }
      // A line is one event, or a CloudTrail log file's {"Records": [...]}.
      std::vector<gsl::DomRef> events;
      gsl::DomRef root = gsl::DomRef::Root(parser.doc);
      gsl::DomRef recs = root.is_object() ? root.Member("Records") : gsl::DomRef();
      if (recs.valid() && recs.is_array()) {
        for (gsl::DomRef e = recs.First(); !e.is_end(); e = e.Next()) events.push_back(e);
      } else {
        events.push_back(root);
      }
      for (gsl::DomRef e : events) {
        ++total;
        gsl::Result r = gsl::EvaluateEvent(*plan.program, e, eo);
        if (r.status == gsl::Status::kSkipped) continue;
        if (a.format == "json") {
          if (matched) out += ",\n  ";
          AppendResultJson(out, r);
        } else {
          out += fmt::format("MATCH  {}  {}\n", r.entity_id, r.entity_name);
        }
        ++matched;
      }
    }
    if (a.format == "json") {
      out += fmt::format("], \"summary\": {{\"events\": {}, \"matched\": {}}}}}\n", total,
                         matched);
    } else {
      out += fmt::format("{} of {} events match\n", matched, total);
    }
    std::fputs(out.c_str(), stdout);
    return kExitOk;
  }
  if (a.inventory.empty()) {
    std::fprintf(stderr, "error: give the inventory with --inventory FILE\n");
    return kExitInvalid;
  }
  auto inv = gsl::Inventory::Load(a.inventory);
  if (!inv.ok()) {
    std::fprintf(stderr, "error: %s\n", inv.status().message().c_str());
    return kExitInvalid;
  }
  std::vector<gsl::Result> results = gsl::Evaluate(*plan.program, **inv, eo);
  size_t counts[6] = {0, 0, 0, 0, 0, 0};
  for (const auto& r : results) ++counts[static_cast<int>(r.status)];
  std::string out;
  if (a.format == "json") {
    out = "{\"results\": [";
    for (size_t i = 0; i < results.size(); ++i) {
      out += i ? ",\n  " : "\n  ";
      AppendResultJson(out, results[i]);
    }
    out += fmt::format(
        "], \"summary\": {{\"passed\": {}, \"failed\": {}, \"skipped\": {}, \"error\": {}, "
        "\"no-data\": {}}}}}\n",
        counts[0], counts[1], counts[2], counts[3], counts[4]);
  } else {
    bool color = isatty(1);
    auto paint = [&](gsl::Status s) {
      std::string name = gsl::StatusName(s);
      for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      name.resize(8, ' ');
      if (!color) return name;
      const char* code = s == gsl::Status::kPassed   ? "32"
                         : s == gsl::Status::kFailed ? "31"
                         : s == gsl::Status::kError  ? "35"
                         : s == gsl::Status::kNoData ? "33"
                                                     : "90";
      return fmt::format("\x1b[{}m{}\x1b[0m", code, name);
    };
    for (const auto& r : results) {
      out += fmt::format("{}{}  {}{}\n", paint(r.status), r.entity_type, r.entity_id,
                         r.entity_name.empty() || r.entity_name == r.entity_id
                             ? ""
                             : fmt::format("  ({})", r.entity_name));
      if (a.explain || r.status == gsl::Status::kError || r.status == gsl::Status::kNoData) {
        for (const auto& e : r.evidence) {
          out += "    decided by: " + e.expr + "\n";
          if (!e.path.empty()) out += "    at " + e.path + " = " + e.value + "\n";
          if (!e.note.empty()) out += "    " + e.note + "\n";
        }
        if (r.status == gsl::Status::kError || r.status == gsl::Status::kNoData) {
          out += "    " + r.message + "\n";
        }
      }
    }
    out += fmt::format("{} passed, {} failed, {} skipped, {} error, {} no-data\n", counts[0],
                       counts[1], counts[2], counts[3], counts[4]);
  }
  std::fputs(out.c_str(), stdout);
  return counts[static_cast<int>(gsl::Status::kFailed)] > 0 ? kExitFailed : kExitOk;
}

}  // namespace

void RegisterGsl(CLI::App& app, int* exit_code) {
  CLI::App* gsl_app = app.add_subcommand("gsl", "CloudGuard GSL rules");
  gsl_app->require_subcommand(1);
  CLI::App* parse = gsl_app->add_subcommand("parse", "print a rule's syntax tree (S-expression)");
  auto rule = std::make_shared<std::string>();
  auto file = std::make_shared<std::string>();
  parse->add_option("RULE", *rule, "the rule text");
  parse->add_option("--file,-f", *file, "read the rule from FILE");
  parse->callback([=] {
    RuleSource src;
    if (!LoadRule(*rule, *file, &src)) {
      *exit_code = kExitInvalid;
      return;
    }
    *exit_code = RunParse(src);
  });

  CLI::App* eval = app.add_subcommand(
      "eval", "evaluate a GSL rule over an inventory (or an event query over CloudTrail events)");
  auto ea = std::make_shared<EvalArgs>();
  eval->add_option("--rule", ea->rule, "the rule text");
  eval->add_option("--rule-file", ea->rule_file, "read the rule from FILE");
  eval->add_option("--inventory,-i", ea->inventory, "the inventory (docs/inventory.md)");
  eval->add_option("--events", ea->events, "CloudTrail events, for event queries");
  eval->add_option("--format", ea->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  eval->add_flag("--explain", ea->explain, "show what decided each result");
  eval->add_option("--now", ea->now, "evaluate dates as of this ISO-8601 time");
  eval->callback([=] { *exit_code = RunEval(*ea); });
}

}  // namespace vigil::cli
