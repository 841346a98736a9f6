// Property tests of the decision procedures on random patterns and events (fixed seeds), and a
// cross-check of coverage over the whole CloudTrail corpus of ../shared/data/cloudtrail.
//
// For every generated pair: "equal" means identical results on every generated event, "covers"
// means no event matched by B is missed by A, "disjoint" means no event matches both, and every
// witness separates the patterns as claimed. normalize(p) matches what p matches, and normalizing
// twice changes nothing.
#include <dirent.h>

#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "base/line_reader.h"
#include "pattern/matcher.h"
#include "pattern/parser.h"
#include "pattern/printer.h"
#include "pattern/relation.h"

namespace vigil::pattern {
namespace {

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}
  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  template <typename T>
  const T& One(const std::vector<T>& v) {
    return v[Pick(v.size())];
  }

  std::string JsonAtom(bool wildcards) {
    std::vector<std::string> paths = {"$.a", "$.b", "$.a.c", "$.d[0]", "$.d[1]"};
    if (wildcards) {
      paths.push_back("$.d[*]");
      paths.push_back("$.*");
    }
    const std::string& path = One(paths);
    switch (Pick(10)) {
      case 0: return path + " NOT EXISTS";
      case 1: return path + " IS NULL";
      case 2: return path + " IS TRUE";
      case 3: return path + " " + One<std::string>({">", "<", ">=", "<="}) + " " +
                     One<std::string>({"1", "2", "1.5", "-1"});
      default: break;
    }
    std::string op = Pick(3) == 0 ? " != " : " = ";
    return path + op +
           One<std::string>({"x", "\"y\"", "xy", "\"x*\"", "*y", "*", "1", "2", "\"1\"",
                             "%^x%", "%y$%", "\"*x*\""});
  }

  std::string JsonExpr(int depth, bool wildcards, int* regexes, int* wild) {
    if (depth == 0 || Pick(3) == 0) {
      for (;;) {
        std::string a = JsonAtom(wildcards);
        bool re = a.find('%') != std::string::npos;
        bool wc = a.find('*') != std::string::npos && a.find("$.") != std::string::npos &&
                  (a.find("[*]") != std::string::npos || a.find("$.*") != std::string::npos);
        if (re && *regexes >= 2) continue;
        if (wc && *wild >= 3) continue;
        *regexes += re;
        *wild += wc;
        return a;
      }
    }
    int n = 2 + static_cast<int>(Pick(2));
    std::string op = Pick(2) ? " && " : " || ";
    std::string out = "(";
    for (int i = 0; i < n; ++i) {
      if (i) out += op;
      out += JsonExpr(depth - 1, wildcards, regexes, wild);
    }
    return out + ")";
  }

  std::string JsonPattern(bool wildcards) {
    int re = 0, wc = 0;
    return "{ " + JsonExpr(2, wildcards, &re, &wc) + " }";
  }

  std::string JsonValue(int depth) {
    switch (Pick(depth > 0 ? 9 : 7)) {
      case 0: return One<std::string>({"\"x\"", "\"y\"", "\"xy\"", "\"yx\"", "\"\"", "\"1\""});
      case 1: return One<std::string>({"1", "2", "1.5", "-1", "1.0", "10"});
      case 2: return One<std::string>({"null", "true", "false"});
      case 3: return "\"x\"";
      case 4: return "1";
      case 5: return "\"xay\"";
      case 6: return "2";
      case 7: return "{\"c\":" + JsonValue(depth - 1) + "}";
      default: return "[" + JsonValue(depth - 1) + "," + JsonValue(depth - 1) + "]";
    }
  }

  std::string JsonEvent() {
    if (Pick(20) == 0) return One<std::string>({"not json", "{\"a\":", "[1]", "\"x\""});
    std::string out = "{";
    bool first = true;
    for (const char* k : {"a", "b", "d", "e"}) {
      if (Pick(3) == 0) continue;
      if (!first) out += ",";
      first = false;
      out += std::string("\"") + k + "\":" + JsonValue(2);
    }
    return out + "}";
  }

  std::string TermPattern() {
    std::vector<std::string> terms = {"ERROR", "WARN", "ERR", "\"a b\"", "%E.R%", "x1", "\"\""};
    std::string out;
    int n = 1 + static_cast<int>(Pick(3));
    int regexes = 0;
    for (int i = 0; i < n; ++i) {
      std::string t = One(terms);
      if (t[0] == '%' && regexes++ >= 2) t = "x1";
      if (i) out += " ";
      int m = static_cast<int>(Pick(4));
      out += (m == 0 ? "?" : m == 1 ? "-" : "") + t;
    }
    return out;
  }

  std::string TermEvent() {
    std::vector<std::string> words = {"ERROR", "WARN", "ERR", "a b", "EAR", "x1", "ok", "a  b"};
    std::string out;
    int n = 1 + static_cast<int>(Pick(3));
    for (int i = 0; i < n; ++i) {
      if (i) out += " ";
      out += One(words);
    }
    return out;
  }

 private:
  std::mt19937 rng_;
};

struct Checker {
  MatchContext ctx;
  bool M(const Pattern& p, const std::string& e) {
    auto c = CompiledPattern::Compile(p);
    return c.ok() && (*c)->Matches(e, ctx);
  }
};

Pattern Parsed(const std::string& t) {
  ParseResult r = Parse(t);
  EXPECT_TRUE(r.ok()) << t << ": " << r.error.message;
  return r.ok() ? *r.pattern : Pattern{};
}

std::map<std::string, int>& Tally() {
  static std::map<std::string, int> t;
  return t;
}

void PrintTally(const char* name) {
  std::string line = std::string(name) + ":";
  for (auto& [k, v] : Tally()) line += " " + k + "=" + std::to_string(v);
  std::printf("%s\n", line.c_str());
  Tally().clear();
}

void CheckPair(Checker& ck, const Pattern& a, const Pattern& b,
               const std::vector<std::string>& events, const std::string& ta,
               const std::string& tb, int* unknown) {
  Comparison r = Compare(a, b);
  ++Tally()[RelationName(r.relation)];
  SCOPED_TRACE("A: " + ta + "\nB: " + tb + "\nrelation: " + RelationName(r.relation));
  if (r.relation == Relation::kUnknown) {
    ++*unknown;
    return;
  }
  for (const Found* f : {&r.a_not_b, &r.b_not_a}) {
    if (f->exists != Truth::kTrue) continue;
    bool a_side = f == &r.a_not_b;
    EXPECT_EQ(ck.M(a, f->event), a_side) << f->event;
    EXPECT_EQ(ck.M(b, f->event), !a_side) << f->event;
  }
  for (const std::string& e : events) {
    bool ma = ck.M(a, e), mb = ck.M(b, e);
    switch (r.relation) {
      case Relation::kEqual: EXPECT_EQ(ma, mb) << e; break;
      case Relation::kCovers: EXPECT_TRUE(ma || !mb) << e; break;
      case Relation::kCoveredBy: EXPECT_TRUE(mb || !ma) << e; break;
      case Relation::kDisjoint: EXPECT_FALSE(ma && mb) << e; break;
      default: break;
    }
  }
}

TEST(RelationProperty, JsonPatternsWithoutWildcards) {
  Gen g(20261127);
  Checker ck;
  std::vector<std::string> events;
  for (int i = 0; i < 300; ++i) events.push_back(g.JsonEvent());
  int unknown = 0, pairs = 0;
  for (int i = 0; i < 300; ++i) {
    std::string ta = g.JsonPattern(false), tb = g.Pick(4) == 0 ? ta : g.JsonPattern(false);
    if (g.Pick(3) == 0) tb = Normalize(Parsed(ta));  // equal by construction
    CheckPair(ck, Parsed(ta), Parsed(tb), events, ta, tb, &unknown);
    ++pairs;
  }
  PrintTally("json without wildcards");
  // Without wildcards every answer is definite except where a number's value meets its text.
  EXPECT_LE(unknown, pairs / 20) << unknown << " of " << pairs << " unknown";
}

TEST(RelationProperty, JsonPatternsWithWildcards) {
  Gen g(7);
  Checker ck;
  std::vector<std::string> events;
  for (int i = 0; i < 300; ++i) events.push_back(g.JsonEvent());
  int unknown = 0;
  for (int i = 0; i < 200; ++i) {
    std::string ta = g.JsonPattern(true), tb = g.JsonPattern(true);
    CheckPair(ck, Parsed(ta), Parsed(tb), events, ta, tb, &unknown);
  }
  PrintTally("json with wildcards");
  EXPECT_LE(unknown, 40);
}

TEST(RelationProperty, TermPatterns) {
  Gen g(99);
  Checker ck;
  std::vector<std::string> events;
  for (int i = 0; i < 300; ++i) events.push_back(g.TermEvent());
  int unknown = 0;
  for (int i = 0; i < 400; ++i) {
    std::string ta = g.TermPattern(), tb = g.TermPattern();
    CheckPair(ck, Parsed(ta), Parsed(tb), events, ta, tb, &unknown);
  }
  PrintTally("terms");
  EXPECT_EQ(unknown, 0);
}

TEST(RelationProperty, NormalizePreservesMatchesAndIsIdempotent) {
  Gen g(5);
  Checker ck;
  std::vector<std::string> json_events, term_events;
  for (int i = 0; i < 200; ++i) {
    json_events.push_back(g.JsonEvent());
    term_events.push_back(g.TermEvent());
  }
  for (int i = 0; i < 300; ++i) {
    bool json = i % 2 == 0;
    std::string t = json ? g.JsonPattern(true) : g.TermPattern();
    Pattern p = Parsed(t);
    std::string n = Normalize(p);
    SCOPED_TRACE(t + "\n -> " + n);
    Pattern q = Parsed(n);
    EXPECT_EQ(Normalize(q), n);
    for (const std::string& e : json ? json_events : term_events) {
      EXPECT_EQ(ck.M(p, e), ck.M(q, e)) << e;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The CloudTrail corpus

std::vector<std::string> LoadCorpus() {
  std::vector<std::string> out;
  std::string dir = std::string(VIGIL_SHARED_DIR) + "/data/cloudtrail/";
  simdjson::dom::parser parser;
  auto add_element = [&](simdjson::dom::element e) { out.push_back(simdjson::minify(e)); };
  auto add_file = [&](const std::string& path) {
    simdjson::dom::element doc;
    if (parser.load(path).get(doc)) return;
    simdjson::dom::array arr;
    simdjson::dom::object obj;
    if (!doc.get_array().get(arr)) {
      for (auto e : arr) {
        simdjson::dom::element inner;
        if (!e["event"].get(inner)) {
          add_element(inner);  // panther tests: {rule, file, test, expected, event}
        } else {
          add_element(e);
        }
      }
    } else if (!doc.get_object().get(obj)) {
      simdjson::dom::array recs;
      if (!obj["Records"].get_array().get(recs)) {
        for (auto e : recs) add_element(e);
      } else {
        add_element(doc);
      }
    }
  };
  for (const char* sub : {"stratus-red-team", "panther-analysis", "awsdocs-config-guide"}) {
    std::string d = dir + sub;
    if (DIR* h = opendir(d.c_str())) {
      while (dirent* de = readdir(h)) {
        std::string name = de->d_name;
        if (name.size() > 5 && name.substr(name.size() - 5) == ".json") add_file(d + "/" + name);
      }
      closedir(h);
    }
  }
  for (const char* ndjson : {"grycap-cloudtrail-tracker/records_dedup.jsonl.gz",
                             "otrf-security-datasets/ec2_proxy_s3_exfiltration_2020-09-14011940.json"}) {
    auto r = LineReader::Open(dir + ndjson);
    if (!r.ok()) continue;
    while (true) {
      auto line = (*r)->Next();
      if (!line.ok() || !line->has_value()) break;
      if (!(*line)->text.empty()) out.emplace_back((*line)->text);
    }
  }
  return out;
}

TEST(RelationProperty, CoverageHoldsOverTheCloudTrailCorpus) {
  std::vector<std::string> corpus = LoadCorpus();
  ASSERT_GT(corpus.size(), 17000u);
  std::vector<std::string> patterns;
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/testdata/pattern/cis-patterns.tsv");
  std::string line;
  while (std::getline(in, line)) patterns.push_back(line.substr(line.find('\t') + 1));
  // Variants users write: broader, narrower and equivalent forms of several controls.
  for (const char* extra : {
           "{ $.eventSource = config.amazonaws.com }",
           "{ $.eventSource = \"*.amazonaws.com\" }",
           "{ $.eventName = \"Put*\" }",
           "{ $.eventName = %^(Delete|Put)% }",
           "{ ($.errorCode = \"*UnauthorizedOperation\") || ($.errorCode = \"AccessDenied*\") }",
           "{ $.userIdentity.type = Root }",
           "{ ($.eventName = ConsoleLogin) }",
           "{ $.eventSource = iam.amazonaws.com && $.eventName = \"*Policy*\" }",
           "{ $.eventName = \"*\" }",
           "{ $.errorCode = * }",
       }) {
    ParseResult r = Parse(extra);
    if (r.ok()) patterns.push_back(extra);  // %...(...)% is rejected by design; skip such rows
  }
  std::vector<Pattern> parsed;
  for (const auto& t : patterns) parsed.push_back(Parsed(t));
  MatchContext ctx;
  std::vector<std::vector<uint8_t>> hits(parsed.size());
  for (size_t i = 0; i < parsed.size(); ++i) {
    auto c = CompiledPattern::Compile(parsed[i]);
    ASSERT_TRUE(c.ok());
    for (const std::string& e : corpus) hits[i].push_back((*c)->Matches(e, ctx));
  }
  int covering_pairs = 0;
  for (size_t a = 0; a < parsed.size(); ++a) {
    for (size_t b = 0; b < parsed.size(); ++b) {
      if (a == b) continue;
      Found f = Covers(parsed[a], parsed[b]);
      if (f.exists != Truth::kTrue) continue;
      ++covering_pairs;
      for (size_t e = 0; e < corpus.size(); ++e) {
        if (hits[b][e] && !hits[a][e]) {
          ADD_FAILURE() << patterns[a] << "\n covers\n" << patterns[b]
                        << "\n but misses: " << corpus[e];
          break;
        }
      }
    }
  }
  std::printf("corpus: %zu events, %zu patterns, %d covering pairs checked\n", corpus.size(),
              parsed.size(), covering_pairs);
  EXPECT_GT(covering_pairs, 10);
}

}  // namespace
}  // namespace vigil::pattern
