// Differential tests: the compiled matcher (matcher.h) against the reference interpreter
// (reference_matcher.h) on generated pattern text and generated events, with fixed seeds.
//
// Patterns are generated as text, so the real parser builds the AST both sides read. Events are
// generated "near" each pattern (its paths, values and terms are planted with high probability,
// so both outcomes are common) and drawn from a shared pool of unrelated, invalid and non-JSON
// lines. Any disagreement is reported with the pattern, the event and the options; the spec
// (shared/docs/filter-patterns.md) decides which side is wrong.
//
// Runtime is about two seconds in a Release build. VIGIL_DIFF_SEED=n explores other cases,
// VIGIL_DIFF_MAX_REPORTS=n lifts the cap on failure reports, VIGIL_JSON_KERNEL picks the simdjson
// kernel the matcher uses (icelake, haswell, westmere, fallback).
//
// Restriction, by construction rather than by filtering: events are valid UTF-8 outside the
// deliberately broken JSON lines, because RE2's UTF-8 mode and the reference's code-point
// regexes only agree on valid UTF-8. JSON events hold no numbers outside simdjson's range
// (integers beyond 64 bits, 1e400), which the spec leaves open and simdjson's DOM rejects.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "pattern/matcher.h"
#include "pattern/parser.h"
#include "reference_matcher.h"

namespace vigil::pattern {
namespace {

// Seeds are fixed; VIGIL_DIFF_SEED=n shifts them all, to explore beyond the default cases.
uint32_t SeedShift() {
  const char* env = std::getenv("VIGIL_DIFF_SEED");
  return env ? static_cast<uint32_t>(std::strtoul(env, nullptr, 10)) : 0;
}

class Rng {
 public:
  explicit Rng(uint32_t seed) : g_(seed + SeedShift() * 7919) {}
  size_t Below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(g_); }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(g_) < p; }
  template <class T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }
  std::string Pick(std::initializer_list<const char*> v) { return *(v.begin() + Below(v.size())); }

 private:
  std::mt19937 g_;
};

// A message as C-escaped text, for failure reports.
std::string Show(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (u < 0x20 || u == 0x7F) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02X", u);
      out += b;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Optional and required whitespace of pattern text (§2.1: space, tab, CR, LF).
std::string OptWs(Rng& r) {
  if (r.Chance(0.55)) return "";
  return r.Pick({" ", " ", "  ", "\t", "\n", " \r\n "});
}
std::string ReqWs(Rng& r) { return r.Pick({" ", " ", " ", "  ", "\t", "\n", "\r\n"}); }

// A JSON number as written: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?
bool IsJsonNumber(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t st = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - st;
  };
  if (i < s.size() && s[i] == '-') ++i;
  size_t at = i, n = digits();
  if (n == 0 || (n > 1 && s[at] == '0')) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

// ---------------------------------------------------------------------------------------------
// Vocabulary shared by patterns and events

// clang-format off
const std::vector<std::string> kStrings = {
    "x", "y", "AB", "ab c", "a\"b", "a\\b", "400", "400.0", "4e2", "-1", "1.5", "true", "null",
    "", "x*y", "\xC3\xA9", "\xE6\x97\xA5\xE6\x9C\xAC", "A", "Ax", " x", "x ", "k.d",
    "AccessDenied", "AccessDeniedException", "kms.amazonaws.com", "\\u0041", "a/b", "0", "-0",
    "+1", "a\tb", "007", "xyz", "\xF0\x9F\x98\x80", "Root", "a\nb", "x\r\n", "400 ", " 400",
    "0x10", "NaN", "inf", std::string("a\0b", 3), "\x01", "]", "\\", "\"", "%", "a|b", "@x",
    "AB\xC3\xA9", "Infinity"};
const std::vector<std::string> kGlobCores = {"x",  "A", "AccessDenied", "4",  "00", ".", "\xC3\xA9",
                                             "",   " ", "b c",          "1",  "y",  "Denied"};
const std::vector<std::string> kAffixes = {"", "x", "Exception", "0", "Access", " ", "\xC3\xA9"};
// Number spellings in patterns (the Number grammar, so '+', leading zeros and overflow).
const std::vector<std::string> kPatternNumbers = {
    "400", "4e2",  "400.0", "+400", "4E+2", "-1",    "-1.0",  "1.5",  "0",   "-0",    "0.0",
    "1e999", "-1e999", "1e-320", "1e-400", "0.1", "007", "15", "12", "100", "1e2",
    "9007199254740992", "2.5e-1", "100.5", "7", "3e-324", "18446744073709551615", "1.8e308"};
// Number spellings in JSON events.
const std::vector<std::string> kEventNumbers = {
    "400", "400.0", "4e2", "4E+2", "4.00e2", "40e1", "-1",  "-1.0", "-1e0", "1.5", "15e-1",
    "0",   "-0",    "0.0", "0e5",  "0.1",    "1e-1", "7",   "15",   "12",   "100", "1e2",
    "100.5", "9007199254740993", "0.25", "2.5e-1", "1e-320", "123456789012", "-0.0",
    "18446744073709551615", "-9223372036854775808", "9223372036854775808", "3e-324", "1E-400",
    "1.7976931348623157e308", "4000e-1", "0.4e3"};
const std::vector<std::string> kNames = {"a", "b", "c", "eventName", "n-1", "0", "_x"};
const std::vector<std::string> kBracketKeys = {"k.d", "x y", "", "a\"b", "\xC3\xA9", "a"};
// clang-format on

std::string HexEscape(int c) {
  char b[8];
  std::snprintf(b, sizeof b, "\\x%02X", c);
  return b;
}

// One character inside a class; its code in *code.
std::string ClassChar(Rng& r, bool first, int* code) {
  static const std::string kLiterals = "aAz09:_#=@/;, ";
  static const std::string kOperators = "^$?{}|*+.";    // literal inside a class
  static const std::string kEscaped = "^$?[]{}|\\*+.";  // written with a backslash
  size_t k = r.Below(10);
  char c;
  if (k < 4) {
    c = kLiterals[r.Below(kLiterals.size())];
  } else if (k < 6 && !first) {
    c = kOperators[r.Below(kOperators.size())];
  } else if (k < 8) {
    c = kEscaped[r.Below(kEscaped.size())];
    *code = c;
    return std::string("\\") + c;
  } else {
    *code = static_cast<int>(r.Below(128));
    return HexEscape(*code);
  }
  *code = c;
  return std::string(1, c);
}

std::string GenClass(Rng& r) {
  std::string out = r.Chance(0.3) ? "[^" : "[";
  size_t items = 1 + r.Below(3);
  for (size_t i = 0; i < items; ++i) {
    size_t k = r.Below(10);
    if (k < 2) {
      out += r.Pick({"\\d", "\\w", "\\s", "\\D", "\\S", "\\W"});
      continue;
    }
    int lo = 0, hi = 0;
    std::string a = ClassChar(r, i == 0 && out.size() == 1, &lo);
    if (k < 6) {
      out += a;
      continue;
    }
    std::string b = ClassChar(r, false, &hi);
    if (hi < lo) std::swap(a, b);
    out += a + "-" + b;
  }
  return out + "]";
}

// A regex source in the subset of §2.5, built from valid pieces.
std::string GenRegex(Rng& r) {
  // clang-format off
  static const std::vector<std::string> kAtoms = {
      "a", "b", "x", "A", "4", "0", " ", ":", "-", "_", ".", ".", "\\d", "\\w", "\\s",
      "\\D", "\\S", "\\W", "\\x41", "\\x2E", "\\.", "\\*", "\\$", "[a-c]", "[^a]",
      "[0-9.]", "[a-]", "[A-Z]", "[\\x41-\\x43]", "[x\\]]", "[\\d\\s]", "[^\\w]", "@", "/",
      "\\x0A", "\\x0D", "\\x00", "\\x22", "\\x5C", "\\x25", "\\x7F", "\\x09", "\\x01",
      "[^\\s\\S]", "[\\s\\S]", "\\^", "\\|", "\\{", "\\}", "\\?", "\\+", "\\[", "\\\\"};
  static const std::vector<std::string> kQuant = {"", "", "", "", "", "*", "+", "?", "{2}",
                                                  "{1,2}", "{,2}", "{2,}", "{0}", "{0,0}", "{3}"};
  // clang-format on
  std::string out;
  size_t branches = r.Chance(0.75) ? 1 : r.Chance(0.8) ? 2 : 3;
  for (size_t b = 0; b < branches; ++b) {
    if (b > 0) out += "|";
    if (r.Chance(0.2)) out += "^";
    size_t pieces = r.Chance(0.03) ? 0 : 1 + r.Below(3);
    for (size_t i = 0; i < pieces; ++i) {
      if (r.Chance(0.03)) out += r.Pick({"^", "$"});  // an anchor inside a branch
      out += (r.Chance(0.25) ? GenClass(r) : r.Pick(kAtoms)) + r.Pick(kQuant);
    }
    if (r.Chance(0.2)) out += "$";
  }
  return out;
}

// Random text for subjects of regexes and terms.
std::string RandomString(Rng& r) {
  if (r.Chance(0.6)) return r.Pick(kStrings);
  return r.Pick(kAffixes) + r.Pick(kGlobCores) + r.Pick(kAffixes);
}

// ---------------------------------------------------------------------------------------------
// JSON patterns and events

struct HintStep {
  Step::Type type = Step::Type::kMember;
  std::string key;
  uint32_t index = 0;
};
// A place a pattern looks at, and JSON scalars worth planting there.
struct Hint {
  std::vector<HintStep> path;
  std::vector<std::string> raws;
};

std::string QuoteForPattern(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

bool IsBareValueText(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (std::string_view(" \t\r\n\"(){}&|%=!<>,[]'").find(c) != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// JSON string literal for UTF-8 text `s`, with escapes chosen at random.
std::string JsonString(Rng& r, std::string_view s, double escape_ascii = 0.06) {
  std::string out = "\"";
  auto hex = [&](unsigned v) {
    char b[8];
    std::snprintf(b, sizeof b, r.Chance(0.5) ? "\\u%04x" : "\\u%04X", v);
    out += b;
  };
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '"') {
        out += "\\\"";
      } else if (c == '\\') {
        out += "\\\\";
      } else if (c == '\n' && r.Chance(0.5)) {
        out += "\\n";
      } else if (c == '\t' && r.Chance(0.5)) {
        out += "\\t";
      } else if (c < 0x20 || r.Chance(escape_ascii)) {
        hex(c);
      } else if (c == '/' && r.Chance(0.3)) {
        out += "\\/";
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    size_t len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
    if (r.Chance(0.7)) {
      out += s.substr(i, len);
    } else {
      unsigned cp = len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
      for (size_t k = 1; k < len; ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      if (cp < 0x10000) {
        hex(cp);
      } else {
        cp -= 0x10000;
        hex(0xD800 + (cp >> 10));
        hex(0xDC00 + (cp & 0x3FF));
      }
    }
    i += len;
  }
  return out + "\"";
}

// A string long enough to cross simdjson's 64-byte blocks, escapes included.
std::string LongString(Rng& r) {
  std::string s;
  while (s.size() < 60 + r.Below(150)) s += RandomString(r);
  return s;
}

std::string RandomScalar(Rng& r) {
  if (r.Chance(0.03)) return JsonString(r, LongString(r));
  size_t k = r.Below(10);
  if (k < 4) return JsonString(r, RandomString(r));
  if (k < 7) return r.Pick(kEventNumbers);
  return r.Pick({"true", "false", "null"});
}

struct JsonPatternGen {
  Rng& r;
  std::vector<Hint> hints;
  int regexes = 0;
  int wild_selectors = 0;

  std::string Selector(Hint& h) {
    size_t steps = r.Chance(0.5) ? 1 : r.Chance(0.7) ? 2 : 3;
    bool wild = false;
    bool extra_wild = r.Chance(0.01);  // deliberately invalid: two wildcard steps
    // Deliberately invalid now and then: a fourth wildcard selector.
    bool allow_wild = wild_selectors < 3 || r.Chance(0.02);
    std::string out = "$";
    for (size_t i = 0; i < steps; ++i) {
      HintStep hs;
      size_t k = r.Below(100);
      if (i == 0 && k >= 60 && k < 75) k = 0;  // the first step starts with '.'
      if (k < 50) {
        hs.key = r.Pick(kNames);
        out += "." + hs.key;
      } else if (k < 60) {
        hs.key = r.Pick(kBracketKeys);
        out += std::string(i == 0 || r.Chance(0.5) ? ".[" : "[") + "'" + hs.key + "']";
      } else if (k < 75) {
        hs.type = Step::Type::kIndex;
        hs.index = static_cast<uint32_t>(r.Chance(0.97) ? r.Below(3) : 3 + r.Below(10));
        out += "[" + std::to_string(hs.index) + "]";
      } else if (allow_wild && (!wild || extra_wild) && (k < 85 || i == 0)) {
        hs.type = Step::Type::kAnyMember;
        out += ".*";
        wild = true;
      } else if (allow_wild && (!wild || extra_wild)) {
        hs.type = Step::Type::kAnyIndex;
        out += "[*]";
        wild = true;
      } else {
        hs.key = r.Pick(kNames);
        out += "." + hs.key;
      }
      h.path.push_back(hs);
    }
    if (wild) ++wild_selectors;
    return out;
  }

  // A value for `=`/`!=` and the scalars that would satisfy it.
  std::string EqValue(Hint& h) {
    size_t k = r.Below(100);
    bool regex_ok = regexes < 2 || r.Chance(0.02);
    if (k < 33) {
      std::string s = r.Pick(kStrings);
      h.raws.push_back(JsonString(r, s));
      h.raws.push_back(JsonString(r, s + r.Pick(kAffixes)));
      if (IsJsonNumber(s)) h.raws.push_back(s);
      bool bare = IsBareValueText(s) && !testing::ReferenceNumber(s) && s.front() != '*' &&
                  s.back() != '*' && r.Chance(0.5);
      return bare ? s : QuoteForPattern(s);
    }
    if (k < 50) {
      std::string core = r.Pick(kGlobCores);
      std::string g, sample;
      switch (r.Below(4)) {
        case 0:
          g = core + "*";
          sample = core + r.Pick(kAffixes);
          break;
        case 1:
          g = "*" + core;
          sample = r.Pick(kAffixes) + core;
          break;
        case 2:
          g = "*" + core + "*";
          sample = r.Pick(kAffixes) + core + r.Pick(kAffixes);
          break;
        default:
          g = "*";
          sample = RandomString(r);
          break;
      }
      h.raws.push_back(JsonString(r, sample));
      if (IsJsonNumber(sample)) h.raws.push_back(sample);
      h.raws.push_back(r.Pick(kEventNumbers));
      return IsBareValueText(g) && r.Chance(0.5) ? g : QuoteForPattern(g);
    }
    if (k < 78 || !regex_ok) return NumberValue(h);
    ++regexes;
    h.raws.push_back(JsonString(r, RandomString(r)));
    h.raws.push_back(r.Pick(kEventNumbers));
    return "%" + GenRegex(r) + "%";
  }

  std::string NumberValue(Hint& h) {
    std::string n = r.Pick(kPatternNumbers);
    double v = *testing::ReferenceNumber(n);
    for (const std::string& e : kEventNumbers) {
      if (*testing::ReferenceNumber(e) == v) h.raws.push_back(e);
    }
    h.raws.push_back(r.Pick(kEventNumbers));
    h.raws.push_back(JsonString(r, n));
    h.raws.push_back(JsonString(r, r.Pick(kEventNumbers)));
    return n;
  }

  std::string Atom() {
    Hint h;
    std::string sel = Selector(h);
    std::string out;
    size_t k = r.Below(100);
    if (k < 35) {
      out = sel + OptWs(r) + "=" + OptWs(r) + EqValue(h);
    } else if (k < 55) {
      out = sel + OptWs(r) + "!=" + OptWs(r) + EqValue(h);
    } else if (k < 75) {
      std::string op = r.Pick({"<", "<=", ">", ">="});
      out = sel + OptWs(r) + op + OptWs(r) + NumberValue(h);
    } else if (k < 90) {
      std::string kw = r.Pick({"NULL", "TRUE", "FALSE"});
      out = sel + ReqWs(r) + "IS" + ReqWs(r) + kw;
      h.raws = {"null", "true", "false", "\"true\"", "0"};
      for (int i = 0; i < 3; ++i) {
        h.raws.push_back(kw == "NULL" ? "null" : kw == "TRUE" ? "true" : "false");
      }
    } else {
      out = sel + ReqWs(r) + "NOT" + ReqWs(r) + "EXISTS";
      h.raws = {RandomScalar(r), "null", "{}", "[]"};
    }
    hints.push_back(std::move(h));
    return out;
  }

  std::string Expr(int depth) {
    if (depth == 0 || r.Chance(0.4)) return Atom();
    size_t n = 2 + r.Below(2);
    std::string op = r.Chance(0.5) ? "&&" : "||";
    std::string out;
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) out += OptWs(r) + op + OptWs(r);
      std::string child = Expr(depth - 1);
      bool paren = r.Chance(0.6);
      out += paren ? "(" + OptWs(r) + child + OptWs(r) + ")" : child;
    }
    return out;
  }

  std::string Pattern() {
    std::string body = "{" + OptWs(r) + Expr(3) + OptWs(r) + "}";
    if (r.Chance(0.1)) body = ReqWs(r) + body + ReqWs(r);
    return body;
  }
};

// An event under construction: scalars are kept as JSON text.
struct GNode {
  enum class Type { kScalar, kObject, kArray };
  Type type = Type::kScalar;
  std::string raw = "null";
  std::vector<std::pair<std::string, GNode>> members;
  std::vector<GNode> elements;
};

struct JsonEventGen {
  Rng& r;

  std::string RandomKey() {
    if (r.Chance(0.02)) return LongString(r);
    size_t k = r.Below(10);
    if (k < 6) return r.Pick(kNames);
    if (k < 8) return r.Pick(kBracketKeys);
    return r.Pick({"zz", "eventSource", "A", "a.b"});
  }

  GNode RandomValue(int depth) {
    GNode n;
    size_t k = r.Below(10);
    if (depth <= 0 || k < 6) {
      n.raw = RandomScalar(r);
    } else if (k < 8) {
      n.type = GNode::Type::kObject;
      for (size_t i = r.Below(4); i > 0; --i)
        n.members.emplace_back(RandomKey(), RandomValue(depth - 1));
    } else {
      n.type = GNode::Type::kArray;
      for (size_t i = r.Below(4); i > 0; --i) n.elements.push_back(RandomValue(depth - 1));
    }
    return n;
  }

  void Plant(GNode& n, const std::vector<HintStep>& path, size_t i, const std::string& raw) {
    if (i == path.size()) {
      n = GNode();
      if (raw == "{}") {
        n.type = GNode::Type::kObject;
      } else if (raw == "[]") {
        n.type = GNode::Type::kArray;
      } else {
        n.raw = raw;
      }
      return;
    }
    const HintStep& st = path[i];
    bool object_step = st.type == Step::Type::kMember || st.type == Step::Type::kAnyMember;
    GNode::Type want = object_step ? GNode::Type::kObject : GNode::Type::kArray;
    if (n.type != want) {
      if (r.Chance(0.1)) return;  // leave the wrong type in place: the path breaks here
      n = GNode();
      n.type = want;
    }
    switch (st.type) {
      case Step::Type::kMember: {
        for (auto& [k, v] : n.members) {
          if (k == st.key) return Plant(v, path, i + 1, raw);
        }
        n.members.emplace_back(st.key, GNode());
        return Plant(n.members.back().second, path, i + 1, raw);
      }
      case Step::Type::kAnyMember:
        if (n.members.empty() || r.Chance(0.4)) n.members.emplace_back(RandomKey(), RandomValue(1));
        return Plant(n.members[r.Below(n.members.size())].second, path, i + 1, raw);
      case Step::Type::kIndex:
        while (n.elements.size() <= st.index) n.elements.push_back(RandomValue(1));
        return Plant(n.elements[st.index], path, i + 1, raw);
      case Step::Type::kAnyIndex:
        if (n.elements.empty() || r.Chance(0.4)) n.elements.push_back(RandomValue(1));
        return Plant(n.elements[r.Below(n.elements.size())], path, i + 1, raw);
    }
  }

  std::string Ws() { return r.Chance(0.8) ? "" : r.Pick({" ", "\n", "\t", "\r\n", "  "}); }

  void Write(const GNode& n, std::string& out) {
    switch (n.type) {
      case GNode::Type::kScalar:
        out += n.raw;
        return;
      case GNode::Type::kObject: {
        std::vector<std::pair<std::string, const GNode*>> items;
        for (const auto& [k, v] : n.members) items.emplace_back(k, &v);
        GNode dup;
        if (!items.empty() && r.Chance(0.12)) {  // a duplicate key, before or after the first
          dup = RandomValue(1);
          size_t at = r.Below(items.size() + 1);
          items.insert(items.begin() + static_cast<long>(at),
                       {items[r.Below(items.size())].first, &dup});
        }
        out += "{" + Ws();
        for (size_t i = 0; i < items.size(); ++i) {
          if (i > 0) out += "," + Ws();
          out += JsonString(r, items[i].first, 0.15) + Ws() + ":" + Ws();
          Write(*items[i].second, out);
          out += Ws();
        }
        out += "}";
        return;
      }
      case GNode::Type::kArray:
        out += "[" + Ws();
        for (size_t i = 0; i < n.elements.size(); ++i) {
          if (i > 0) out += "," + Ws();
          Write(n.elements[i], out);
          out += Ws();
        }
        out += "]";
        return;
    }
  }

  std::string Break(std::string s) {
    switch (r.Below(7)) {
      case 0:
        return s.substr(0, r.Below(s.size() + 1));
      case 1:
        return s + r.Pick({"}", "]", ",", " x", "{}", "\"", "\n{}", "\v", "\f"}) +
               (r.Chance(0.2) ? std::string(1, '\0') : "");
      case 2:
        return r.Pick({"x", "INFO ", "2024-01-01\tid\tINFO\t", "'"}) + s;
      case 3:
        if (!s.empty()) s[r.Below(s.size())] = r.Pick({"'", ":", "x", "\x01", ",", "\xFF"})[0];
        return s;
      case 4:
        return r.Pick({"", "   ", "ERROR disk full", "{", "[1,2", "{\"a\":1,}", "nul"});
      case 5:
        return r.Pick({"{\"a\":\"\\ud800\"}", "{\"a\":\"\xFF\"}", "{\"a\":\"\\x41\"}", "{\"a\":01}",
                       "{\"a\":1.}", "{\"a\":+1}", "{\"a\":\"a\nb\"}",
                       "{\"a\":18446744073709551616}", "{\"a\":1e400}", "{'a':1}"});
      default: {
        size_t at = r.Below(s.size() + 1);
        return s.substr(0, at) + r.Pick({"\"", "{", "[", "\\"}) + s.substr(at);
      }
    }
  }

  // Containers nested around 256 deep (MatchOptions::max_json_depth's default).
  std::string Deep() {
    size_t d = 252 + r.Below(7);
    std::string inner = r.Chance(0.5) ? "1" : "[]";
    std::string s;
    for (size_t i = 1; i < d; ++i) s += "[";
    s += inner;
    for (size_t i = 1; i < d; ++i) s += "]";
    return "{\"a\":1,\"b\":" + s + "}";
  }

  std::string Event(const std::vector<Hint>& hints) {
    if (r.Chance(0.02)) return Deep();
    GNode root;
    size_t k = r.Below(100);
    if (k < 90) {
      root.type = GNode::Type::kObject;
      for (size_t i = r.Below(3); i > 0; --i)
        root.members.emplace_back(RandomKey(), RandomValue(2));
    } else if (k < 95) {
      root = RandomValue(2);
      root.type = GNode::Type::kArray;
    } else {
      root.raw = RandomScalar(r);
    }
    if (r.Chance(0.01) && root.type == GNode::Type::kObject) {
      // Past the parsers' first allocation (4096 bytes), before or after the planted values.
      GNode big;
      big.type = GNode::Type::kArray;
      for (size_t i = 500 + r.Below(3000); i > 0; --i) big.elements.push_back(RandomValue(0));
      root.members.insert(r.Chance(0.5) ? root.members.begin() : root.members.end(),
                          {r.Pick({"zz", "a", "b"}), std::move(big)});
    }
    for (const Hint& h : hints) {
      if (r.Chance(0.75)) Plant(root, h.path, 0, r.Pick(h.raws));
    }
    std::string s;
    Write(root, s);
    if (r.Chance(0.1)) s = r.Pick({" ", "\n", "\t", "\r\n"}) + s + r.Pick({" ", "\n", ""});
    if (r.Chance(0.08)) s = Break(s);
    return s;
  }
};

// ---------------------------------------------------------------------------------------------
// Term patterns and text events

struct TermGen {
  Rng& r;
  std::vector<std::string> texts;  // literal texts of the pattern's terms, to plant in events
  int regexes = 0;

  std::string Term() {
    // clang-format off
    static const std::vector<std::string> kWords = {"ERROR", "WARN", "FAILED", "DEBUG",
                                                    "ERRORCODE", "disk", "full", "a_b", "404",
                                                    "x", "Err", "error", "0", "_"};
    // Phrases as written (escapes \" and \\; any other backslash is literal), with their text.
    static const std::vector<std::pair<std::string, std::string>> kPhrases = {
        {"\"disk full\"", "disk full"}, {"\"[ERROR]\"", "[ERROR]"}, {"\"{\"", "{"},
        {"\"a\\\"b\"", "a\"b"},         {"\"a\\\\b\"", "a\\b"},     {"\"a\\b\"", "a\\b"},
        {"\"\"", ""},                   {"\" \"", " "},             {"\"\t\"", "\t"},
        {"\"x y\"", "x y"},             {"\"\xC3\xA9\"", "\xC3\xA9"}, {"\"ERROR:\"", "ERROR:"},
        {"\"full \"", "full "},         {"\"user@example.com\"", "user@example.com"},
        {"\"a/b\"", "a/b"},             {"\"=5\"", "=5"},           {"\"disk  full\"", "disk  full"},
        {"\"ERROR\"", "ERROR"},         {"\"-x\"", "-x"},           {"\"?\"", "?"}};
    // clang-format on
    std::string mod = r.Chance(0.6) ? "" : r.Chance(0.5) ? "?" : "-";
    size_t k = r.Below(100);
    if (k < 15 && (regexes < 2 || r.Chance(0.02))) {
      ++regexes;
      texts.push_back(RandomString(r));
      return mod + "%" + GenRegex(r) + "%";
    }
    if (k < 55) {
      const auto& p = r.Pick(kPhrases);
      texts.push_back(p.second);
      return mod + p.first;
    }
    std::string w = r.Pick(kWords);
    texts.push_back(w);
    return mod + w;
  }

  std::string Pattern() {
    if (r.Chance(0.01)) return r.Pick({"", "  ", "\t\n"});  // match-all
    std::string out;
    for (size_t i = 1 + r.Below(4); i > 0; --i) out += (out.empty() ? "" : ReqWs(r)) + Term();
    if (r.Chance(0.1)) out = ReqWs(r) + out + ReqWs(r);
    return out;
  }

  std::string Event() {
    // clang-format off
    static const std::vector<std::string> kPieces = {
        "ERROR", "WARN", "FAILED", "DEBUG", "ERRORCODE=5", "disk", "full", "disk  full",
        "\xC3\xA9", "[ERROR]", "{\"a\":1}", "user@example.com", "404", "a_b", "error", "x",
        "a\"b", "a\\b", "\xF0\x9F\x98\x80", "0", "=5", "-x", "?", "\r", "%", "\\", "\x01",
        "a|b", "\t", "\n", "_", "ab c", std::string(1, '\0')};
    // clang-format on
    std::string out;
    for (size_t i = r.Below(7); i > 0; --i) {
      if (!out.empty()) out += r.Pick({" ", " ", "", "  ", "\t", ":", "\n", "-", "\r\n"});
      out += !texts.empty() && r.Chance(0.5) ? r.Pick(texts) : r.Pick(kPieces);
    }
    return out;
  }
};

// ---------------------------------------------------------------------------------------------
// Space-delimited patterns and lines

struct DelimGen {
  Rng& r;
  std::vector<std::vector<std::string>> hints;  // per field spec: token texts to plant
  int regexes = 0;
  size_t ellipsis = SIZE_MAX;

  std::string Value(std::vector<std::string>& h, bool number_only) {
    // clang-format off
    static const std::vector<std::string> kTexts = {
        "ERROR", "404", "GET /a.html HTTP/1.0", "a b", "", "-", "127.0.0.1", "x*y",
        "\xC3\xA9", "10/Oct/2000:13:55:36 -0700", "a\"b", "4e2", "abc"};
    static const std::vector<std::pair<std::string, std::string>> kGlobs = {
        {"4*", "404"}, {"*.html*", "GET /a.html HTTP/1.0"}, {"*Z", "12Z"}, {"*", "x"},
        {"127.*", "127.0.0.1"}, {"*0700", "10/Oct/2000:13:55:36 -0700"}, {"*b*", "abc"},
        {"E*", "ERROR"}};
    // clang-format on
    size_t k = r.Below(100);
    if (number_only || k < 35) {
      std::string n = r.Pick(kPatternNumbers);
      h.push_back(n);
      h.push_back(r.Pick({"404", "4e2", "400.0", "-1", "1.5", "+5", "007", "0", "abc", "400"}));
      return n;
    }
    if (k < 65) {
      std::string s = r.Pick(kTexts);
      h.push_back(s);
      bool bare = IsBareValueText(s) && !testing::ReferenceNumber(s) && s.front() != '*' &&
                  s.back() != '*' && r.Chance(0.5);
      return bare ? s : QuoteForPattern(s);
    }
    if (k < 85 || (regexes >= 2 && !r.Chance(0.02))) {
      const auto& g = r.Pick(kGlobs);
      h.push_back(g.second);
      return r.Chance(0.5) ? g.first : QuoteForPattern(g.first);
    }
    ++regexes;
    h.push_back(RandomString(r));
    return "%" + GenRegex(r) + "%";
  }

  std::string Field(size_t i) {
    std::vector<std::string> h;
    std::string name = "f" + std::to_string(i);
    std::string out;
    size_t k = r.Below(100);
    if (k < 8) {
      out = "";
    } else if (k < 35) {
      out = name;
    } else {
      size_t alternatives = r.Chance(0.7) ? 1 : 2;
      for (size_t a = 0; a < alternatives; ++a) {
        if (a > 0) out += OptWs(r) + "||" + OptWs(r);
        size_t atoms = r.Chance(0.7) ? 1 : 2;
        for (size_t b = 0; b < atoms; ++b) {
          if (b > 0) out += OptWs(r) + "&&" + OptWs(r);
          size_t o = r.Below(10);
          std::string op = o < 5 ? "=" : o < 7 ? "!=" : r.Pick({"<", "<=", ">", ">="});
          out += name + OptWs(r) + op + OptWs(r) + Value(h, o >= 7);
        }
      }
    }
    hints.push_back(std::move(h));
    return out;
  }

  std::string Pattern() {
    size_t k = 1 + r.Below(5);
    if (r.Chance(0.25)) ellipsis = r.Below(k + 1);
    std::string out = "[" + OptWs(r);
    for (size_t i = 0; i <= k; ++i) {
      if (i == k && ellipsis != k) break;
      if (i > 0) out += OptWs(r) + "," + OptWs(r);
      if (i == ellipsis) {
        out += "...";
        hints.emplace_back();
      } else {
        out += Field(i);
      }
    }
    return out + OptWs(r) + "]";
  }

  std::string Token(const std::string& text) {
    if (text.find(' ') != std::string::npos || text.empty() || r.Chance(0.15)) {
      if (text.find('"') == std::string::npos && r.Chance(0.7)) return "\"" + text + "\"";
      if (text.find(']') == std::string::npos) return "[" + text + "]";
    }
    return text;
  }

  std::string Event() {
    // clang-format off
    static const std::vector<std::string> kTokens = {
        "ERROR", "WARN", "404", "200", "4e2", "400.0", "-1", "1.5", "+5", "007", "abc", "x*y",
        "-", "127.0.0.1", "\xC3\xA9", "\"GET /a.html HTTP/1.0\"", "\"a b\"", "\"\"",
        "[10/Oct/2000:13:55:36 -0700]", "[]", "[x y]", "a\"b", "\"open", "[open", "x]", "12Z",
        "\"a\"b", "[a]b", "1e999", "\"x [y\"", "[a \"b]", "\"\"x", "\"a\"\"b\"", "GET", "\"\t\"",
        "/a.html", "HTTP/1.0\"", "-0700]", "1e-400", "0x10", ".5", "5."};
    // clang-format on
    size_t fields = hints.size();
    size_t m = fields == 0 ? 0 : fields - 1 + r.Below(5);
    if (r.Chance(0.05)) m = r.Below(3);
    std::string out = r.Chance(0.1) ? r.Pick({" ", "\t", "  "}) : "";
    for (size_t i = 0; i < m; ++i) {
      if (i > 0) out += r.Pick({" ", " ", " ", "  ", "\t", " \t "});
      // Plant hints from the front for leading fields and from the back for the rest.
      size_t f = ellipsis != SIZE_MAX && i >= ellipsis ? fields - (m - i) : i;
      if (f < fields && !hints[f].empty() && r.Chance(0.7)) {
        out += Token(r.Pick(hints[f]));
      } else {
        out += r.Pick(kTokens);
      }
    }
    if (r.Chance(0.15)) out += r.Pick({" ", "\t", "  ", " \t"});
    return out;
  }
};

// ---------------------------------------------------------------------------------------------
// The comparison loop

struct Stats {
  size_t patterns = 0, rejected = 0, compared = 0, matched = 0, mismatches = 0;
  size_t extractions = 0;  // matching events whose extracted values were compared too
  std::vector<std::string> reject_examples;
};

std::string OptionsText(const MatchOptions& o) {
  std::string s = o.numbers == NumberPolicy::kTyped ? "TYPED" : "TEXTUAL";
  if (o.terms == MatchOptions::TermMatch::kWordStart) s += ", word-start terms";
  if (o.arity == MatchOptions::Arity::kExact) s += ", exact arity";
  if (o.arity == MatchOptions::Arity::kIgnoreExtra) s += ", ignore extra tokens";
  if (o.json_from_first_brace) s += ", JSON from first '{'";
  return s;
}

// Extracted values in a comparable form: sorted, with JSON selectors reprinted by the reference
// (the canonical spelling of a selector is the printer's business, not the matcher's).
ExtractedValues Comparable(ExtractedValues v) {
  for (auto& [key, value] : v) {
    if (key.rfind("$.", 0) != 0) continue;
    ParseResult r = Parse("{ " + key + " NOT EXISTS }");
    if (r.ok() && r.pattern->json.type == Expr::Type::kAtom) {
      key = testing::ReferenceSelectorText(r.pattern->json.atom.selector);
    }
  }
  std::sort(v.begin(), v.end());
  return v;
}

std::string ShowValues(const ExtractedValues& v) {
  std::string out = "{";
  for (const auto& [key, value] : v) out += (out.size() > 1 ? ", " : "") + key + ": " + Show(value);
  return out + "}";
}

// Failure reports per test; VIGIL_DIFF_MAX_REPORTS raises the cap when hunting.
size_t MaxReports() {
  const char* env = std::getenv("VIGIL_DIFF_MAX_REPORTS");
  return env ? std::strtoul(env, nullptr, 10) : 15;
}

// Parses `text`, counting rejects.
std::optional<Pattern> ParseCounted(const std::string& text, Stats& st) {
  ++st.patterns;
  ParseResult parsed = Parse(text);
  if (parsed.ok()) return std::move(parsed.pattern);
  ++st.rejected;
  if (st.reject_examples.size() < 8) {
    st.reject_examples.push_back(FormatDiagnostic(text, parsed.error));
  }
  return std::nullopt;
}

// Compares the matcher's verdict on one event, computed by `matches`, with the reference's.
// Returns true when both say the event matches.
template <class MatchFn>
bool CheckVerdict(const Pattern& pattern, const std::string& text, const std::string& ev,
                  const MatchOptions& options, MatchFn matches, Stats& st) {
  bool want = false;
  try {
    want = testing::ReferenceMatches(pattern, ev, options);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "reference failed: " << e.what() << "\npattern: " << Show(text)
                  << "\nevent:   " << Show(ev);
    return false;
  }
  ++st.compared;
  st.matched += want;
  bool got = false;
  try {
    got = matches();
  } catch (const std::exception& e) {
    // STYLE.md: no exception crosses a module boundary. Counted as a mismatch.
    if (++st.mismatches <= MaxReports()) {
      ADD_FAILURE() << "matcher threw: " << e.what() << " (" << OptionsText(options)
                    << ")\npattern: " << Show(text) << "\nevent:   " << Show(ev);
    }
    return false;
  }
  if (want != got && ++st.mismatches <= MaxReports()) {
    ADD_FAILURE() << "matcher says " << got << ", reference says " << want << " ("
                  << OptionsText(options) << ")\npattern: " << Show(text)
                  << "\nevent:   " << Show(ev);
  }
  return want && got;
}

void CompareOne(const std::string& text, const std::vector<std::string>& events,
                const MatchOptions& options, MatchContext& ctx, Stats& st) {
  std::optional<Pattern> pattern = ParseCounted(text, st);
  if (!pattern) return;
  auto compiled = CompiledPattern::Compile(*pattern, options);
  ASSERT_TRUE(compiled.ok()) << "pattern: " << Show(text) << "\n" << compiled.status().message();
  for (const std::string& ev : events) {
    auto matches = [&] { return (*compiled)->Matches(ev, ctx); };
    if (!CheckVerdict(*pattern, text, ev, options, matches, st)) continue;
    if (pattern->kind == Kind::kTerm) continue;
    ++st.extractions;
    ExtractedValues want = Comparable(testing::ReferenceExtract(*pattern, ev, options));
    ExtractedValues got = Comparable((*compiled)->Extract(ev, ctx));
    if (want != got && ++st.mismatches <= MaxReports()) {
      ADD_FAILURE() << "extracted values differ (" << OptionsText(options)
                    << ")\npattern:   " << Show(text) << "\nevent:     " << Show(ev)
                    << "\nmatcher:   " << ShowValues(got) << "\nreference: " << ShowValues(want);
    }
  }
}

void Summarize(const char* name, const Stats& st, size_t min_cases) {
  std::cout << "[ " << name << " ] " << st.compared << " cases (" << st.matched << " matches, "
            << st.extractions << " extractions compared), " << st.patterns << " patterns, "
            << st.rejected << " rejected, " << st.mismatches << " mismatches\n";
  EXPECT_GE(st.compared, min_cases);
  std::string examples;
  for (const std::string& e : st.reject_examples) examples += e;
  // The generator writes valid text apart from a few deliberate limit violations.
  EXPECT_LE(st.rejected * 20, st.patterns) << "the parser rejects too many generated patterns:\n"
                                           << examples;
  // Both outcomes must be common, or the comparison says little.
  EXPECT_GE(st.matched * 10, st.compared);
  EXPECT_LE(st.matched * 10, st.compared * 9);
  EXPECT_EQ(st.mismatches, 0u);
  if (std::getenv("VIGIL_DIFF_SHOW_REJECTS")) std::cout << examples;
}

constexpr size_t kMinCases = 5000;

Stats RunJson(uint32_t seed, const MatchOptions& options, size_t patterns) {
  Rng r(seed);
  MatchContext ctx(options);
  JsonEventGen eg{r};
  std::vector<std::string> pool;
  for (int i = 0; i < 300; ++i) pool.push_back(eg.Event({}));
  Stats st;
  for (size_t p = 0; p < patterns; ++p) {
    JsonPatternGen pg{r, {}};
    std::string text = pg.Pattern();
    std::vector<std::string> events;
    for (int i = 0; i < 12; ++i) {
      std::string ev = eg.Event(pg.hints);
      if (options.json_from_first_brace && r.Chance(0.4)) {
        ev = r.Pick({"2024-01-01T00:00:00Z\tid-1\tINFO\t", "x ", "a{b ", "} "}) + ev;
      }
      events.push_back(std::move(ev));
    }
    for (int i = 0; i < 4; ++i) events.push_back(r.Pick(pool));
    CompareOne(text, events, options, ctx, st);
  }
  return st;
}

TEST(Differential, JsonPatterns) {
  Stats st = RunJson(20240611, MatchOptions{}, 1500);
  Summarize("Differential.JsonPatterns", st, kMinCases);
}

TEST(Differential, TextualNumbers) {
  MatchOptions o;
  o.numbers = NumberPolicy::kTextual;
  Stats st = RunJson(777001, o, 1500);
  Summarize("Differential.TextualNumbers", st, kMinCases);
}

Stats RunTerms(uint32_t seed, const MatchOptions& options, size_t patterns) {
  Rng r(seed);
  MatchContext ctx(options);
  Stats st;
  for (size_t p = 0; p < patterns; ++p) {
    TermGen g{r, {}};
    std::string text = g.Pattern();
    std::vector<std::string> events;
    for (int i = 0; i < 12; ++i) events.push_back(g.Event());
    CompareOne(text, events, options, ctx, st);
  }
  return st;
}

TEST(Differential, TermPatterns) {
  Stats st = RunTerms(5150, MatchOptions{}, 2000);
  Summarize("Differential.TermPatterns", st, kMinCases);
}

Stats RunDelimited(uint32_t seed, const MatchOptions& options, size_t patterns) {
  Rng r(seed);
  MatchContext ctx(options);
  Stats st;
  for (size_t p = 0; p < patterns; ++p) {
    DelimGen g{r, {}};
    std::string text = g.Pattern();
    std::vector<std::string> events;
    for (int i = 0; i < 12; ++i) events.push_back(g.Event());
    CompareOne(text, events, options, ctx, st);
  }
  return st;
}

TEST(Differential, DelimitedPatterns) {
  Stats st = RunDelimited(31337, MatchOptions{}, 2000);
  Summarize("Differential.DelimitedPatterns", st, kMinCases);
}

// The oracle itself against the golden suite (filter-patterns.md §11): a reference that got a
// documented case wrong would make every comparison above suspect.
TEST(Differential, ReferenceAgreesWithVectors) {
  std::ifstream in(std::string(VIGIL_SHARED_DIR) + "/data/filterpattern/vectors.tsv");
  ASSERT_TRUE(in) << "vectors.tsv not found under " << VIGIL_SHARED_DIR;
  std::string line;
  size_t n = 0, checked = 0;
  while (std::getline(in, line)) {
    if (++n == 1) continue;  // header
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, '\t')) cols.push_back(c);
    cols.resize(4);
    if (cols[2] != "true" && cols[2] != "false") continue;
    ParseResult r = Parse(cols[0]);
    if (!r.ok()) continue;  // vectors_test.cc reports this
    ++checked;
    EXPECT_EQ(testing::ReferenceMatches(*r.pattern, cols[1], MatchOptions{}), cols[2] == "true")
        << "vectors.tsv line " << n << " " << cols[3] << "\npattern: " << Show(cols[0])
        << "\nevent:   " << Show(cols[1]);
  }
  EXPECT_GE(checked, 100u);
}

// Patterns of every kind compiled into one PatternSet, where JSON patterns share one walk over
// each event (one trie of selectors), checked pattern by pattern.
TEST(Differential, PatternSets) {
  Rng r(8080);
  MatchOptions options;
  MatchContext ctx(options);
  JsonEventGen eg{r};
  Stats st;
  std::vector<uint8_t> out;
  for (int batch = 0; batch < 400; ++batch) {
    std::vector<std::string> texts;
    std::vector<Hint> hints;
    for (int i = 0; i < 4; ++i) {
      JsonPatternGen pg{r, {}};
      texts.push_back(pg.Pattern());
      hints.insert(hints.end(), pg.hints.begin(), pg.hints.end());
    }
    TermGen tg{r, {}};
    texts.push_back(tg.Pattern());
    DelimGen dg{r, {}};
    texts.push_back(dg.Pattern());
    std::vector<std::string> kept;
    std::vector<Pattern> patterns;
    for (const std::string& t : texts) {
      if (auto p = ParseCounted(t, st)) {
        kept.push_back(t);
        patterns.push_back(std::move(*p));
      }
    }
    std::vector<std::string> events;
    for (int i = 0; i < 10; ++i) events.push_back(eg.Event(hints));
    for (int i = 0; i < 3; ++i) events.push_back(tg.Event());
    for (int i = 0; i < 3; ++i) events.push_back(dg.Event());
    auto set = PatternSet::Compile(patterns, options);
    ASSERT_TRUE(set.ok()) << set.status().message();
    for (const std::string& ev : events) {
      std::string error;
      try {
        (*set)->Match(ev, ctx, out);
      } catch (const std::exception& e) {
        error = e.what();
      }
      for (size_t i = 0; i < patterns.size(); ++i) {
        auto matches = [&] {
          if (!error.empty()) throw std::runtime_error(error);
          return out[i] != 0;
        };
        CheckVerdict(patterns[i], kept[i], ev, options, matches, st);
      }
    }
  }
  Summarize("Differential.PatternSets", st, kMinCases);
}

// The documented options (§12 decisions 1, 3 and 20), fewer cases each.
TEST(Differential, Options) {
  MatchOptions words;
  words.terms = MatchOptions::TermMatch::kWordStart;
  Summarize("Differential.Options/word-start", RunTerms(99, words, 500), 5000);
  MatchOptions exact;
  exact.arity = MatchOptions::Arity::kExact;
  Summarize("Differential.Options/exact", RunDelimited(98, exact, 500), 5000);
  MatchOptions ignore;
  ignore.arity = MatchOptions::Arity::kIgnoreExtra;
  Summarize("Differential.Options/ignore-extra", RunDelimited(97, ignore, 500), 5000);
  MatchOptions brace;
  brace.json_from_first_brace = true;
  Summarize("Differential.Options/first-brace", RunJson(96, brace, 400), 5000);
}

}  // namespace
}  // namespace vigil::pattern
