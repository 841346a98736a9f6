// The published-rule corpus: shared/data/gsl/rules.tsv (gsl.md §1), one named test per row.
//
// A `valid=yes` row must parse and plan, and its S-expression (ToSExpr) must equal the golden file
// testdata/gsl/corpus/NNN.sexpr, where NNN is the row's 1-based number among the data rows (the
// header is not counted), zero-padded to three digits. A `valid=no` row must be rejected with
// exactly the diagnostic that gsl.md §1 quotes for it (line:column and message).
//
// UPDATE_GOLDEN=1 rewrites the .sexpr files on purpose (the tests still fail on a parse error);
// without it a missing or different golden file is a failure. Review rewritten goldens against
// the grammar and precedence rules of gsl.md §3 before committing them.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gsl/ast.h"
#include "gsl/eval.h"
#include "gsl/inventory.h"
#include "gsl/parser.h"

namespace vigil::gsl {
namespace {

struct Row {
  size_t number = 0;  // 1-based among data rows
  std::string rule_id, entity, name, logic, valid, note, source;
};

std::vector<Row> LoadCorpus() {
  std::vector<Row> out;
  std::ifstream in(std::string(VIGIL_SHARED_DIR) + "/data/gsl/rules.tsv");
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (header) {
      header = false;
      continue;
    }
    if (line.empty()) continue;
    std::vector<std::string> cols;
    size_t start = 0;
    while (true) {
      size_t tab = line.find('\t', start);
      cols.push_back(
          line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    cols.resize(7);
    Row r;
    r.number = out.size() + 1;
    r.rule_id = cols[0];
    r.entity = cols[1];
    r.name = cols[2];
    r.logic = cols[3];
    r.valid = cols[4];
    r.note = cols[5];
    r.source = cols[6];
    out.push_back(std::move(r));
  }
  return out;
}

// The diagnostics gsl.md §1 quotes for the two invalid rows, keyed by the rule text.
const std::map<std::string, std::string>& ExpectedDiagnostics() {
  static const auto* m = new std::map<std::string, std::string>{
      {"SecurityGroup should not have inboundRules contain [ port<=x and portTo>=x and scope!= y ]",
       "1:60: error: expected a literal (string, number, true or false) after '<=', found "
       "identifier 'x'"},
      {"NetworkSecurityGroup should have networkAssetsStatslength()>0",
       "1:58: error: unexpected '(' after path 'networkAssetsStatslength'; a function call needs a "
       "space before its name (did you mean 'networkAssetsStats length()'?)"},
  };
  return *m;
}

std::string GoldenPath(size_t number) {
  char name[32];
  std::snprintf(name, sizeof(name), "%03zu.sexpr", number);
  return std::string(VIGIL_SOURCE_DIR) + "/testdata/gsl/corpus/" + name;
}

bool UpdateGolden() {
  const char* v = std::getenv("UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

class CorpusTest : public ::testing::TestWithParam<Row> {};

TEST_P(CorpusTest, Row) {
  const Row& row = GetParam();
  SCOPED_TRACE("rules.tsv row " + std::to_string(row.number) + " (" + row.name + "): " + row.logic);
  ParseResult parsed = ParseRule(row.logic);

  if (row.valid == "no") {
    ASSERT_FALSE(parsed.ok()) << "an invalid corpus row parsed:\n" << ToSExpr(*parsed.rule);
    auto it = ExpectedDiagnostics().find(row.logic);
    ASSERT_NE(it, ExpectedDiagnostics().end())
        << "gsl.md §1 quotes no diagnostic for this invalid row; got "
        << FormatDiagnostic("rule", row.logic, parsed.error);
    const Diagnostic& d = parsed.error;
    std::string got =
        std::to_string(d.line) + ":" + std::to_string(d.column) + ": error: " + d.message;
    EXPECT_EQ(got, it->second);
    std::string formatted = FormatDiagnostic("rule", row.logic, d);
    EXPECT_EQ(formatted.substr(0, formatted.find('\n')), "rule:" + it->second);
    return;
  }

  ASSERT_EQ(row.valid, "yes") << "the valid column must be yes or no";
  ASSERT_TRUE(parsed.ok()) << FormatDiagnostic("rule", row.logic, parsed.error);
  PlanResult plan = Plan(row.logic);
  EXPECT_TRUE(plan.ok()) << FormatDiagnostic("rule", row.logic, plan.error);

  std::string sexpr = ToSExpr(*parsed.rule);
  std::string path = GoldenPath(row.number);
  if (UpdateGolden()) {
    std::ofstream out(path, std::ios::binary);
    ASSERT_TRUE(out) << "cannot write " << path;
    out << sexpr;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden " << path << " (run with UPDATE_GOLDEN=1 to create it)\n"
                  << sexpr;
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(sexpr, golden.str()) << "golden " << path;
}

std::string RowName(const ::testing::TestParamInfo<Row>& info) {
  char name[32];
  std::snprintf(name, sizeof(name), "row%03zu_%s", info.param.number,
                info.param.valid == "yes" ? "valid" : "invalid");
  return name;
}

INSTANTIATE_TEST_SUITE_P(RulesTsv, CorpusTest, ::testing::ValuesIn(LoadCorpus()), RowName);

// The corpus itself: 172 rules, of which exactly the two of gsl.md §1 are invalid.
TEST(CorpusShape, RowCountsMatchTheSpec) {
  std::vector<Row> rows = LoadCorpus();
  EXPECT_EQ(rows.size(), 172u);
  size_t invalid = 0;
  for (const Row& r : rows) invalid += r.valid == "no";
  EXPECT_EQ(invalid, 2u);
}

// Smoke test: every valid posture rule of the corpus evaluates over every test inventory without
// crashing, and every error or no-data result says why (gsl.md §11).
TEST(CorpusSmoke, EveryValidRuleEvaluatesOverEveryInventory) {
  std::vector<std::unique_ptr<Inventory>> inventories;
  for (const auto& e : std::filesystem::directory_iterator(std::string(VIGIL_SOURCE_DIR) +
                                                           "/testdata/gsl/inventories")) {
    auto inv = Inventory::Load(e.path().string());
    ASSERT_TRUE(inv.ok()) << inv.status().message();
    inventories.push_back(std::move(*inv));
  }
  ASSERT_FALSE(inventories.empty());
  EvalOptions options;
  options.now = 1717200000;  // 2024-06-01T00:00:00Z
  size_t results = 0;
  for (const Row& row : LoadCorpus()) {
    if (row.valid != "yes") continue;
    PlanResult plan = Plan(row.logic);
    ASSERT_TRUE(plan.ok()) << row.number;
    if (plan.program->rule().event_query) continue;
    for (const auto& inv : inventories) {
      for (const Result& r : Evaluate(*plan.program, *inv, options)) {
        ++results;
        EXPECT_FALSE(r.entity_id.empty()) << "row " << row.number;
        if (r.status == Status::kError || r.status == Status::kNoData) {
          EXPECT_FALSE(r.message.empty()) << "row " << row.number << " " << r.entity_id;
        }
      }
    }
  }
  EXPECT_GT(results, 0u);
}

std::string Describe(const Result& r) {
  std::string out = r.entity_type + "|" + std::string(r.entity_id) + "|" +
                    std::string(r.entity_name) + "|" + StatusName(r.status) + "|" + r.message;
  for (const Evidence& e : r.evidence) {
    out += "|" + e.expr + "|" + e.path + "|" + e.value + "|" + e.note;
  }
  return out;
}

// All valid posture rules of the corpus at once, on several threads: the same results, in the
// same order, as one Evaluate() after another.
TEST(CorpusSmoke, EvaluateManyOnThreadsEqualsEvaluateOneByOne) {
  std::vector<std::shared_ptr<const Program>> plans;
  std::vector<const Program*> programs;
  for (const Row& row : LoadCorpus()) {
    if (row.valid != "yes") continue;
    PlanResult plan = Plan(row.logic);
    ASSERT_TRUE(plan.ok()) << row.number;
    if (plan.program->rule().event_query) continue;
    plans.push_back(plan.program);
    programs.push_back(plan.program.get());
  }
  ASSERT_GT(programs.size(), 100u);
  EvalOptions options;
  options.now = 1717200000;
  size_t compared = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::string(VIGIL_SOURCE_DIR) +
                                                           "/testdata/gsl/inventories")) {
    auto inv = Inventory::Load(e.path().string());
    ASSERT_TRUE(inv.ok()) << inv.status().message();
    for (int jobs : {1, 3, 8}) {
      std::vector<std::vector<Result>> many = EvaluateMany(programs, **inv, options, jobs);
      ASSERT_EQ(many.size(), programs.size());
      for (size_t i = 0; i < programs.size(); ++i) {
        std::vector<Result> one = Evaluate(*programs[i], **inv, options);
        ASSERT_EQ(many[i].size(), one.size()) << programs[i]->rule().text;
        for (size_t k = 0; k < one.size(); ++k, ++compared) {
          EXPECT_EQ(Describe(many[i][k]), Describe(one[k]))
              << e.path().filename() << ", jobs " << jobs;
        }
      }
    }
  }
  EXPECT_GT(compared, 1000u);
}

}  // namespace
}  // namespace vigil::gsl
