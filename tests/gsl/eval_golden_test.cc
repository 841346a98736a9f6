// The golden evaluation suite: testdata/gsl/eval/*.test, one GoogleTest per file.
//
// The expected statuses in these files were written from shared/docs/gsl.md (the section is cited
// in each file's comments), not by running vigil: a case that fails is either a vigil bug or a
// misreading of the spec, and is settled by the spec.
//
// Case file format (line-oriented, UTF-8):
//
//   # comment                       blank lines and lines starting with '#' are ignored
//   rule: <GSL text>                required, exactly once
//     <more rule text>              a line starting with a space or tab continues the rule; it is
//                                   appended after a newline, without its leading whitespace
//   now: 2024-01-31T12:00:00Z       optional; "now" for before/after (UTC, this exact shape).
//                                   Default 2024-06-01T00:00:00Z, so that no case reads the clock
//   inventory: <file>               posture rules: a JSON inventory in testdata/gsl/inventories/
//   expect: <entityId> <status>     one line per result; status is passed, failed, skipped, error,
//                                   no-data or excluded. The results must be exactly these: every
//                                   listed id once, with that status, and no other result. For a
//                                   List<T> target the id is the inventory's account id
//   expect: none                    the rule yields no result at all
//   expect-text: <entityId> <text>  the result's message or one of its evidence fields (expr,
//                                   path, value, note) contains <text> (the rest of the line)
//
// Event queries (`cloudtrail where ...`, gsl.md §8) take events instead of an inventory:
//
//   event: <one CloudTrail record as JSON on one line; it needs an "eventID">
//   expect: <eventID> match|no-match|error
//
// Each event is evaluated with EvaluateEvent; `passed` means match, `skipped` or `failed` mean
// no-match.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gsl/eval.h"
#include "gsl/inventory.h"
#include "gsl/parser.h"

namespace vigil::gsl {
namespace {

namespace fs = std::filesystem;

const char kDefaultNow[] = "2024-06-01T00:00:00Z";

std::string TestdataDir() { return std::string(VIGIL_SOURCE_DIR) + "/testdata/gsl"; }

struct Case {
  std::string file;  // base name, without .test
  std::string rule;
  std::string now = kDefaultNow;
  std::string inventory;
  std::vector<std::string> events;
  std::vector<std::pair<std::string, std::string>> expect;       // id, status
  std::vector<std::pair<std::string, std::string>> expect_text;  // id, substring
  bool expect_none = false;
  std::string error;  // a problem in the case file itself
};

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

Case ReadCase(const fs::path& path) {
  Case c;
  c.file = path.stem().string();
  std::ifstream in(path);
  std::string line;
  size_t n = 0;
  bool have_rule = false, last_was_rule = false;
  auto fail = [&](const std::string& why) {
    if (c.error.empty()) c.error = path.filename().string() + ":" + std::to_string(n) + ": " + why;
  };
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      if (!last_was_rule) {
        if (!Trim(line).empty()) fail("a continuation line must follow a rule line");
        continue;
      }
      c.rule += "\n" + Trim(line);
      continue;
    }
    last_was_rule = false;
    if (Trim(line).empty() || line[0] == '#') continue;
    size_t colon = line.find(':');
    if (colon == std::string::npos) {
      fail("expected 'key: value'");
      continue;
    }
    std::string key = line.substr(0, colon);
    std::string value = Trim(line.substr(colon + 1));
    if (key == "rule") {
      if (have_rule) fail("more than one rule");
      have_rule = true;
      last_was_rule = true;
      c.rule = value;
    } else if (key == "now") {
      c.now = value;
    } else if (key == "inventory") {
      c.inventory = value;
    } else if (key == "event") {
      c.events.push_back(value);
    } else if (key == "expect") {
      if (value == "none") {
        c.expect_none = true;
        continue;
      }
      size_t sp = value.find_last_of(' ');
      if (sp == std::string::npos) {
        fail("expect needs '<id> <status>'");
        continue;
      }
      c.expect.emplace_back(Trim(value.substr(0, sp)), value.substr(sp + 1));
    } else if (key == "expect-text") {
      size_t sp = value.find(' ');
      if (sp == std::string::npos) {
        fail("expect-text needs '<id> <text>'");
        continue;
      }
      c.expect_text.emplace_back(value.substr(0, sp), value.substr(sp + 1));
    } else {
      fail("unknown key '" + key + "'");
    }
  }
  if (!have_rule) fail("no rule");
  if (c.expect.empty() && !c.expect_none) fail("no expect line");
  if (c.expect_none && !c.expect.empty()) fail("'expect: none' with other expect lines");
  if (c.events.empty() && c.inventory.empty()) fail("neither an inventory nor events");
  return c;
}

std::vector<Case> LoadCases() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(TestdataDir() + "/eval")) {
    if (e.path().extension() == ".test") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Case> out;
  for (const fs::path& p : files) out.push_back(ReadCase(p));
  return out;
}

// "2024-01-31T12:00:00Z" -> seconds since the epoch. Deliberately independent of vigil's own
// time parsing, which is under test.
bool ParseNow(const std::string& s, double* out) {
  int y, mo, d, h, mi, se;
  char z = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &z) != 7 ||
      z != 'Z') {
    return false;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  *out = static_cast<double>(timegm(&tm));
  return true;
}

std::string Describe(const Result& r) {
  std::string out = "  " + std::string(r.entity_id) + " -> " + StatusName(r.status);
  if (!r.message.empty()) out += "  [" + r.message + "]";
  out += "\n";
  for (const Evidence& e : r.evidence) {
    out += "      evidence: expr=" + e.expr + " path=" + e.path + " value=" + e.value;
    if (!e.note.empty()) out += " note=" + e.note;
    out += "\n";
  }
  return out;
}

bool Contains(const Result& r, const std::string& text) {
  if (r.message.find(text) != std::string::npos) return true;
  for (const Evidence& e : r.evidence) {
    for (const std::string* f : {&e.expr, &e.path, &e.value, &e.note}) {
      if (f->find(text) != std::string::npos) return true;
    }
  }
  return false;
}

std::string EventVerdict(Status s) {
  switch (s) {
    case Status::kPassed:
      return "match";
    case Status::kSkipped:
    case Status::kFailed:
      return "no-match";
    default:
      return StatusName(s);
  }
}

class EvalGoldenTest : public ::testing::TestWithParam<Case> {};

TEST_P(EvalGoldenTest, Case) {
  const Case& c = GetParam();
  ASSERT_TRUE(c.error.empty()) << c.error;
  SCOPED_TRACE("testdata/gsl/eval/" + c.file + ".test\nrule: " + c.rule);

  PlanResult plan = Plan(c.rule);
  ASSERT_TRUE(plan.ok()) << FormatDiagnostic("rule", c.rule, plan.error);
  EvalOptions options;
  ASSERT_TRUE(ParseNow(c.now, &options.now)) << "bad now: " << c.now;

  std::vector<Result> results;
  std::vector<std::string> verdicts;  // events: match/no-match/error per result
  // Results view their entity's text: the documents live as long as the results.
  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers;
  std::unique_ptr<Inventory> inventory;
  if (!c.events.empty()) {
    ASSERT_TRUE(plan.program->rule().event_query) << "events given for a posture rule";
    for (const std::string& text : c.events) {
      simdjson::dom::parser& parser = *parsers.emplace_back(std::make_unique<simdjson::dom::parser>());
      simdjson::dom::element event;
      auto err = parser.parse(simdjson::padded_string(text)).get(event);
      ASSERT_FALSE(err) << "bad event JSON: " << text;
      results.push_back(EvaluateEvent(*plan.program, DomRef::Root(parser.doc), options));
      verdicts.push_back(EventVerdict(results.back().status));
    }
  } else {
    auto inv = Inventory::Load(TestdataDir() + "/inventories/" + c.inventory);
    ASSERT_TRUE(inv.ok()) << inv.status().message();
    inventory = std::move(*inv);
    results = Evaluate(*plan.program, *inventory, options);
    for (const Result& r : results) verdicts.push_back(StatusName(r.status));
  }

  std::string all;
  for (const Result& r : results) all += Describe(r);

  std::map<std::string, std::string> got;
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_TRUE(got.emplace(results[i].entity_id, verdicts[i]).second)
        << "two results for " << results[i].entity_id << "\n"
        << all;
  }
  if (c.expect_none) {
    EXPECT_TRUE(results.empty()) << "expected no result, got:\n" << all;
    return;
  }
  std::map<std::string, std::string> want;
  for (const auto& [id, status] : c.expect) {
    EXPECT_TRUE(want.emplace(id, status).second) << "case lists " << id << " twice";
  }
  for (const auto& [id, status] : want) {
    auto it = got.find(id);
    if (it == got.end()) {
      ADD_FAILURE() << "no result for " << id << " (expected " << status << ")\n" << all;
      continue;
    }
    EXPECT_EQ(it->second, status) << "entity " << id << "\n" << all;
  }
  for (const auto& [id, status] : got) {
    EXPECT_TRUE(want.count(id)) << "unexpected result " << id << " " << status << "\n" << all;
  }
  for (const auto& [id, text] : c.expect_text) {
    auto it = std::find_if(results.begin(), results.end(),
                           [&](const Result& r) { return r.entity_id == id; });
    if (it == results.end()) {
      ADD_FAILURE() << "no result for " << id << " (expect-text)";
      continue;
    }
    EXPECT_TRUE(Contains(*it, text)) << "result of " << id << " lacks '" << text << "'\n"
                                     << Describe(*it);
  }
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.file; }

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.file;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Golden, EvalGoldenTest, ::testing::ValuesIn(LoadCases()), CaseName);

}  // namespace
}  // namespace vigil::gsl
