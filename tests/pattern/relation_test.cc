// Equality, coverage and explanations (filter-patterns.md §9-§10): worked examples, traps, and
// the variants of the CIS 4.9 pattern that users write, each with the relation vigil reports and
// its explanation in CloudTrail words.
#include "pattern/relation.h"

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pattern/parser.h"
#include "pattern/printer.h"

namespace vigil::pattern {
namespace {

Pattern P(const std::string& text) {
  ParseResult r = Parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.error.message;
  return r.ok() ? *r.pattern : Pattern{};
}

std::map<std::string, std::string> CisPatterns() {
  std::map<std::string, std::string> out;
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/testdata/pattern/cis-patterns.tsv");
  std::string line;
  while (std::getline(in, line)) {
    auto tab = line.find('\t');
    if (tab != std::string::npos) out[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return out;
}

// Checks a witness claim with the matcher, independently of the decision procedure.
bool Matches(const Pattern& p, const std::string& event, const MatchOptions& o = {}) {
  auto c = CompiledPattern::Compile(p, o);
  EXPECT_TRUE(c.ok());
  MatchContext ctx(o);
  return (*c)->Matches(event, ctx);
}

struct Case {
  std::string name, a, b;
  Relation want;
};

void ExpectRelation(const Case& c, const DecideOptions& o = {}) {
  SCOPED_TRACE(c.name + "\n  A: " + c.a + "\n  B: " + c.b);
  Pattern a = P(c.a), b = P(c.b);
  Comparison r = Compare(a, b, o);
  EXPECT_EQ(RelationName(r.relation), std::string(RelationName(c.want))) << r.reason;
  // Witnesses separate the patterns as claimed.
  if (r.a_not_b.exists == Truth::kTrue) {
    EXPECT_TRUE(Matches(a, r.a_not_b.event, o.match)) << r.a_not_b.event;
    EXPECT_FALSE(Matches(b, r.a_not_b.event, o.match)) << r.a_not_b.event;
  }
  if (r.b_not_a.exists == Truth::kTrue) {
    EXPECT_TRUE(Matches(b, r.b_not_a.event, o.match)) << r.b_not_a.event;
    EXPECT_FALSE(Matches(a, r.b_not_a.event, o.match)) << r.b_not_a.event;
  }
  if (r.both.exists == Truth::kTrue) {
    EXPECT_TRUE(Matches(a, r.both.event, o.match) && Matches(b, r.both.event, o.match));
  }
}

TEST(Relation, WorkedExamples) {
  // filter-patterns.md §10.6, as vigil decides them (two rows differ from the table; see the
  // "SpecCorrections" test below).
  std::vector<Case> cases = {
      {"quoting", "{ $.eventName=X }", "{ $.eventName = \"X\" }", Relation::kEqual},
      {"order", "{ ($.a=1) || ($.b=2) }", "{ $.b = 2 || $.a = 1 }", Relation::kEqual},
      {"distributivity", "{ $.a=1 && ($.b=2 || $.c=3) }",
       "{ ($.a=1 && $.b=2) || ($.a=1 && $.c=3) }", Relation::kEqual},
      {"glob covers literal", "{ $.e = \"AccessDenied*\" }", "{ $.e = \"AccessDeniedException\" }",
       Relation::kCovers},
      {"regex search is a contains-glob", "{ $.e = %Denied% }", "{ $.e = \"*Denied*\" }",
       Relation::kEqual},
      {"intervals", "{ $.x > 5 }", "{ $.x >= 10 }", Relation::kCovers},
      {"!= needs a scalar", "{ $.x = * }", "{ $.x != \"a\" }", Relation::kCovers},
      {"!= needs presence", "{ $.x != \"a\" }", "{ $.x NOT EXISTS }", Relation::kDisjoint},
      {"any-of", "{ $.a[*] = 1 }", "{ $.a[2] = 1 }", Relation::kCovers},
      {"no implicit traversal", "{ $.a = 1 }", "{ $.a[*] = 1 }", Relation::kDisjoint},
      {"? ignored when mixed", "?A ?B C", "C", Relation::kEqual},
      {"extra exclusion", "ERROR", "ERROR -WARN", Relation::kCovers},
      {"substring", "ERROR", "ERRORCODE", Relation::kCovers},
      {"match-all", "\"\"", "{ $.a = 1 }", Relation::kCovers},
      {"delimited renaming", "[a, b, c=4*]", "[x, y, z=\"404\"]", Relation::kCovers},
  };
  for (const Case& c : cases) ExpectRelation(c);
}

TEST(Relation, DifferentKindsAreUnknown) {
  Comparison r = Compare(P("ERROR"), P("{ $.level = \"ERROR\" }"));
  // The JSON pattern misses "ERROR" (not JSON); whether the term pattern misses some JSON event
  // with level ERROR is a question across kinds.
  EXPECT_EQ(r.a_not_b.exists, Truth::kTrue);
  EXPECT_FALSE(Matches(P("{ $.level = \"ERROR\" }"), r.a_not_b.event));
}

TEST(Relation, Traps) {
  std::vector<Case> cases = {
      {"= or != is = *", "{ ($.a = x) || ($.a != x) }", "{ $.a = * }", Relation::kEqual},
      {"= and != never", "{ ($.a = x) && ($.a != x) }", "{ $.a = 1 && $.a = 2 }",
       Relation::kEqual},
      {"IS NULL vs NOT EXISTS", "{ $.a IS NULL }", "{ $.a NOT EXISTS }", Relation::kDisjoint},
      {"wildcards are existential", "{ $.a[*] = 1 && $.a[*] = 2 }", "{ $.a[0] = 1 && $.a[1] = 2 }",
       Relation::kCovers},
      {"typed numbers", "{ $.a = 400 }", "{ $.a = \"400\" }", Relation::kDisjoint},
      {"member wildcard", "{ $.* = \"x\" }", "{ $.k = \"x\" }", Relation::kCovers},
      {"not exists over a wildcard", "{ $.a[*] NOT EXISTS }", "{ $.a[0] NOT EXISTS }",
       Relation::kEqual},
      {"nested structure", "{ $.a.b = 1 }", "{ $.a = 1 }", Relation::kDisjoint},
      {"regex anchors", "{ $.a = %^ab% }", "{ $.a = \"ab*\" }", Relation::kEqual},
      {"regex classes", "{ $.a = %^[0-9]+$% }", "{ $.a = %^\\d\\d?$% }", Relation::kCovers},
      {"ERROR ERRORCODE", "ERROR ERRORCODE", "ERRORCODE", Relation::kEqual},
      {"exclusion only", "-DEBUG", "-DEBUG -TRACE", Relation::kCovers},
      {"optional group", "?ERROR ?WARN", "ERROR", Relation::kCovers},
      {"term regex", "%ERR(OR)?%", "ERROR", Relation::kCovers},
  };
  for (Case& c : cases) {
    if (c.name == "term regex") c.a = "%ERR[O]?%";  // groups are not in the subset
    ExpectRelation(c);
  }
}

TEST(Relation, TextualNumbers) {
  DecideOptions o;
  o.match.numbers = NumberPolicy::kTextual;
  // = 400 matches 400.0 and "400.0"; = "400" matches only the text 400.
  ExpectRelation({"textual", "{ $.a = 400 }", "{ $.a = \"400\" }", Relation::kCovers}, o);
}

// The relation of each kind of variant to the CIS 4.9 pattern, with the explanation.
struct Variant {
  std::string kind;
  std::string pattern;
  Relation want;
  std::vector<std::string> words;
};

TEST(Relation, Cis49Variants) {
  const std::string cis = CisPatterns().at("4.9");
  const std::string names =
      "($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||"
      "($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)";
  std::vector<Variant> variants = {
      {"whitespace and newlines",
       "{($.eventSource=config.amazonaws.com)&&\n  ((\t$.eventName=StopConfigurationRecorder)||"
       "($.eventName=DeleteDeliveryChannel)||\n($.eventName=PutDeliveryChannel)||($.eventName="
       "PutConfigurationRecorder))}",
       Relation::kEqual, {}},
      {"quoted values",
       "{ ($.eventSource = \"config.amazonaws.com\") && (($.eventName=\"StopConfigurationRecorder\")"
       "||($.eventName=\"DeleteDeliveryChannel\")||($.eventName=\"PutDeliveryChannel\")||"
       "($.eventName=\"PutConfigurationRecorder\")) }",
       Relation::kEqual, {}},
      {"operands reordered",
       "{ (($.eventName=PutConfigurationRecorder)||($.eventName=PutDeliveryChannel)||"
       "($.eventName=DeleteDeliveryChannel)||($.eventName=StopConfigurationRecorder)) && "
       "($.eventSource = config.amazonaws.com) }",
       Relation::kEqual, {}},
      {"eventSource clause moved into each branch",
       "{ ($.eventSource = config.amazonaws.com && $.eventName=StopConfigurationRecorder) || "
       "($.eventName=DeleteDeliveryChannel && $.eventSource = config.amazonaws.com) || "
       "($.eventSource = config.amazonaws.com && $.eventName=PutDeliveryChannel) || "
       "($.eventSource = config.amazonaws.com && $.eventName=PutConfigurationRecorder) }",
       Relation::kEqual, {}},
      {"broader source-only filter", "{ $.eventSource = config.amazonaws.com }",
       Relation::kCovers, {"also matches every other config.amazonaws.com call"}},
      {"wildcard event names",
       "{ ($.eventSource = config.amazonaws.com) && (($.eventName = Put*) || "
       "($.eventName=StopConfigurationRecorder) || ($.eventName=DeleteDeliveryChannel)) }",
       Relation::kCovers,
       {"also matches other config.amazonaws.com calls, such as "
        "{\"eventName\":\"Put\",\"eventSource\":\"config.amazonaws.com\"}"}},
      {"superset of the event names",
       "{ ($.eventSource = config.amazonaws.com) && (" + names +
           "||($.eventName=StartConfigurationRecorder)) }",
       Relation::kCovers, {"also matches StartConfigurationRecorder from config.amazonaws.com"}},
      {"OR-combination with CIS 4.7",
       "{ (($.eventSource = config.amazonaws.com) && (" + names +
           ")) || (($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||"
           "($.eventName=ScheduleKeyDeletion))) }",
       Relation::kCovers,
       {"also matches DisableKey from kms.amazonaws.com",
        "also matches ScheduleKeyDeletion from kms.amazonaws.com"}},
      {"narrower: an extra && condition",
       "{ ($.eventSource = config.amazonaws.com) && (" + names +
           ") && ($.userIdentity.type = Root) }",
       Relation::kCoveredBy, {"only when userIdentity.type is Root"}},
      {"can never match: every clause joined with &&",
       "{ ($.eventSource = config.amazonaws.com) && ($.eventName=StopConfigurationRecorder) && "
       "($.eventName=DeleteDeliveryChannel) && ($.eventName=PutDeliveryChannel) && "
       "($.eventName=PutConfigurationRecorder) }",
       Relation::kCoveredBy, {"can never match: eventName cannot equal two names at once"}},
      {"!= where = was meant",
       "{ ($.eventSource = config.amazonaws.com) && (($.eventName!=StopConfigurationRecorder)||"
       "($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||"
       "($.eventName=PutConfigurationRecorder)) }",
       Relation::kOverlapping,
       {"also matches every other config.amazonaws.com call",
        "does not match StopConfigurationRecorder from config.amazonaws.com"}},
      {"a missing event name",
       "{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||"
       "($.eventName=DeleteDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }",
       Relation::kCoveredBy, {"does not match PutDeliveryChannel from config.amazonaws.com"}},
      {"look-alike values",
       "{ ($.eventSource = config.amazonaws.com.evil) && (($.eventName="
       "StopConfigurationRecorderX)||($.eventName=DeleteDeliveryChannel)||($.eventName="
       "PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }",
       Relation::kDisjoint,
       {"also matches StopConfigurationRecorderX from config.amazonaws.com.evil",
        "does not match DeleteDeliveryChannel from config.amazonaws.com",
        "does not match PutConfigurationRecorder from config.amazonaws.com",
        "does not match PutDeliveryChannel from config.amazonaws.com",
        "does not match StopConfigurationRecorder from config.amazonaws.com"}},
      {"no eventSource clause", "{ " + names + " }", Relation::kCovers,
       {"also matches these event names from any other event source"}},
  };
  for (const Variant& v : variants) {
    SCOPED_TRACE(v.kind);
    ExpectRelation({v.kind, v.pattern, cis, v.want});
    EXPECT_EQ(Explain(P(v.pattern), P(cis)), v.words);
  }
}

TEST(Relation, EveryCisPatternEqualsItsNormalForm) {
  for (const auto& [id, text] : CisPatterns()) {
    SCOPED_TRACE(id);
    Pattern p = P(text);
    ExpectRelation({id, text, Normalize(p), Relation::kEqual});
  }
}

TEST(Relation, CisPatternsAmongThemselves) {
  // Different controls select different calls: no CIS pattern covers another. 4.1 (error codes)
  // and 4.3 (root) overlap with every name-based pattern, and the names of 4.4/4.15 share
  // CreatePolicy and DeletePolicy but not the event source.
  auto cis = CisPatterns();
  for (const auto& [ia, ta] : cis) {
    for (const auto& [ib, tb] : cis) {
      if (ia >= ib) continue;
      Comparison r = Compare(P(ta), P(tb));
      SCOPED_TRACE(ia + " vs " + ib);
      EXPECT_TRUE(r.relation == Relation::kOverlapping || r.relation == Relation::kDisjoint)
          << RelationName(r.relation);
    }
  }
  EXPECT_EQ(Compare(P(cis.at("4.9")), P(cis.at("4.7"))).relation, Relation::kDisjoint);
  EXPECT_EQ(Compare(P(cis.at("4.3")), P(cis.at("4.9"))).relation, Relation::kOverlapping);
}

TEST(Relation, SpecCorrections) {
  // Across shapes, coverage is proven by aligning both patterns on every token count (§10.3).
  EXPECT_EQ(Covers(P("[ip=127.*, ...]"), P("[ip=127.0.0.1, u, n, t, r, s=404, b]")).exists,
            Truth::kTrue);
  EXPECT_EQ(Covers(P("[a, b]"), P("[a, b, c]")).exists, Truth::kTrue);
  // P's suffix field falls inside Q's absorbing last field for longer lines: not provable, and
  // no witness either (Q's last field must equal "x", so Q matches no longer line): unknown.
  Found u = Covers(P("[a, ..., b=x]"), P("[q, w=y, e, r=x]"));
  EXPECT_EQ(u.exists, Truth::kUnknown);
  EXPECT_FALSE(u.reason.empty());
  Found n = Covers(P("[a, b=x]"), P("[a, ...]"));
  ASSERT_EQ(n.exists, Truth::kFalse);
  EXPECT_TRUE(Matches(P("[a, ...]"), n.event));
  EXPECT_FALSE(Matches(P("[a, b=x]"), n.event));
  // §10.6 also says [a, b, c=4*] covers [x, y, z=404]. A number value compares the field's
  // *value*, and "+404" and "0404" are 404 too: the glob misses them.
  Found g = Covers(P("[a, b, c=4*]"), P("[x, y, z=404]"));
  ASSERT_EQ(g.exists, Truth::kFalse);
  EXPECT_TRUE(Matches(P("[x, y, z=404]"), g.event));
  EXPECT_FALSE(Matches(P("[a, b, c=4*]"), g.event));
}

TEST(Relation, BoundedWork) {
  // A long pattern with two regexes and three wildcard selectors answers, or says unknown,
  // quickly: never a hang.
  std::string big = "{ $.a[*] = %^[a-z]{1,40}x[0-9]{2,30}$% && $.b.* = %[a-c]{3,}z% && $.c[*] > 5";
  for (int i = 0; i < 60; ++i) big += " && $.k" + std::to_string(i) + " = v" + std::to_string(i);
  big += " }";
  ASSERT_LE(big.size(), 1024u);
  std::string other = "{ $.a[*] = %x[0-9]% && $.c[0] > 4 }";
  auto t0 = std::chrono::steady_clock::now();
  Comparison r = Compare(P(big), P(other));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - t0)
                .count();
  EXPECT_LT(ms, 20000);
  EXPECT_NE(r.relation, Relation::kEqual);
  DecideOptions tiny;
  tiny.max_states = 10;
  Found f = Covers(P("{ $.a = %[a-z]{5}[0-9]{5}% }"), P("{ $.a = %[a-z]{6}% }"), tiny);
  EXPECT_EQ(f.exists, Truth::kUnknown);
  EXPECT_NE(f.reason.find("limit"), std::string::npos) << f.reason;
}

}  // namespace
}  // namespace vigil::pattern
