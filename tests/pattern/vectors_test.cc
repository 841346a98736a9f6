// The golden suite: shared/data/filterpattern/vectors.tsv, one named test per row
// (pattern, event, expected true/false/invalid; filter-patterns.md §11).
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pattern/matcher.h"
#include "pattern/parser.h"

namespace vigil::pattern {
namespace {

struct Vector {
  size_t line = 0;
  std::string pattern, event, expected, source;
};

std::vector<Vector> LoadVectors() {
  std::vector<Vector> out;
  std::ifstream in(std::string(VIGIL_SHARED_DIR) + "/data/filterpattern/vectors.tsv");
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    if (++n == 1) continue;  // header
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, '\t')) cols.push_back(c);
    while (cols.size() < 4) cols.emplace_back();
    out.push_back(Vector{n, cols[0], cols[1], cols[2], cols[3]});
  }
  return out;
}

class VectorTest : public ::testing::TestWithParam<Vector> {};

TEST_P(VectorTest, MatchesAsExpected) {
  const Vector& v = GetParam();
  SCOPED_TRACE("vectors.tsv line " + std::to_string(v.line) + " " + v.source);
  ParseResult r = Parse(v.pattern);
  if (v.expected == "invalid") {
    EXPECT_FALSE(r.ok()) << "pattern should be rejected: " << v.pattern;
    if (!r.ok()) {
      EXPECT_FALSE(r.error.message.empty());
    }
    return;
  }
  ASSERT_TRUE(r.ok()) << FormatDiagnostic(v.pattern, r.error);
  auto cp = CompiledPattern::Compile(*r.pattern);
  ASSERT_TRUE(cp.ok()) << cp.status().message();
  MatchContext ctx;
  bool want = v.expected == "true";
  EXPECT_EQ((*cp)->Matches(v.event, ctx), want) << "pattern: " << v.pattern
                                                << "\nevent: " << v.event;
}

std::string RowName(const ::testing::TestParamInfo<Vector>& info) {
  std::string tag;
  for (char c : info.param.source) {
    if (c == ']') break;
    if (std::isalnum(static_cast<unsigned char>(c))) tag += c;
  }
  return "line" + std::to_string(info.param.line) + "_" + tag + "_" + info.param.expected;
}

INSTANTIATE_TEST_SUITE_P(Vectors, VectorTest, ::testing::ValuesIn(LoadVectors()), RowName);

TEST(VectorFile, IsPresentAndLarge) { EXPECT_GE(LoadVectors().size(), 100u); }

}  // namespace
}  // namespace vigil::pattern
