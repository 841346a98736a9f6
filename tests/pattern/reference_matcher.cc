#include "reference_matcher.h"

#include <simdjson.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <memory>
// GCC 12 reports false "may be used uninitialized" warnings inside <regex>'s std::function
// members when optimising with sanitizers; the region below covers the header's code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop
#include <stdexcept>
#include <string>
#include <vector>

namespace vigil::pattern::testing {

namespace {

// Whitespace as the spec's grammar has it (§2.1): space, tab, CR, LF.
bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsAsciiAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// ---------------------------------------------------------------------------------------------
// Regexes (§2.5, §3.2): the IR becomes an ECMAScript std::wregex over code points, searched.

// Subjects are decoded from UTF-8 so that one non-ASCII character is one regex character, as in
// RE2's UTF-8 mode. The tests only feed valid UTF-8; a stray byte becomes one lone surrogate
// (a non-ASCII "character"), which is as good as any choice.
std::wstring DecodeUtf8(std::string_view s) {
  std::wstring out;
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    if (len == 0 || i + len > s.size()) {
      out.push_back(static_cast<wchar_t>(0xDC00 + c));
      ++i;
      continue;
    }
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < len; ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    out.push_back(static_cast<wchar_t>(cp));
    i += len;
  }
  return out;
}

std::wstring Hex4(int c) {
  static const wchar_t* kDigits = L"0123456789ABCDEF";
  std::wstring out = L"\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kDigits[(c >> shift) & 0xF];
  return out;
}

// The ASCII members of `bits` as bracket-expression items (\uXXXX, ranges where consecutive).
std::wstring ClassItems(const std::bitset<128>& bits) {
  std::wstring out;
  for (int c = 0; c < 128; ++c) {
    if (!bits.test(c)) continue;
    int e = c;
    while (e + 1 < 128 && bits.test(e + 1)) ++e;
    out += Hex4(c);
    if (e > c) out += L"-" + Hex4(e);
    c = e;
  }
  return out;
}

// A CharSet as one bracket expression. With non_ascii the set is written as the complement of
// its missing ASCII characters, which then includes every code point from U+0080 up.
std::wstring SetToClass(const CharSet& set) {
  if (set.non_ascii) {
    std::bitset<128> missing = ~set.ascii;
    if (missing.none()) return L"[\\s\\S]";
    return L"[^" + ClassItems(missing) + L"]";
  }
  if (set.ascii.none()) return L"[^\\s\\S]";
  return L"[" + ClassItems(set.ascii) + L"]";
}

std::wstring ToEcmaScript(const Regex& re) {
  std::wstring out;
  for (size_t b = 0; b < re.branches.size(); ++b) {
    if (b > 0) out += L"|";
    out += L"(?:";
    for (const RegexPiece& p : re.branches[b]) {
      switch (p.type) {
        case RegexPiece::Type::kBegin:
          out += L"^";
          continue;
        case RegexPiece::Type::kEnd:
          out += L"$";
          continue;
        case RegexPiece::Type::kSet:
          break;
      }
      out += SetToClass(p.set);
      if (p.min == 1 && p.max == 1) continue;
      out += L"{" + std::to_wstring(p.min) + L",";
      if (p.max != RegexPiece::kUnbounded) out += std::to_wstring(p.max);
      out += L"}";
    }
    out += L")";
  }
  return out;
}

bool InSet(const CharSet& set, wchar_t c) {
  return c < 128 ? set.ascii.test(static_cast<size_t>(c)) : set.non_ascii;
}

// The same search without std::regex: the set of positions where a match of the branch so far
// can end, advanced one piece at a time (a piece with counts [min,max] moves each position i to
// every j in i+min .. i+min(max, run of set characters from i)). Linear in the subject per piece,
// so it also serves subjects too long for libstdc++'s recursive matcher.
bool PositionSetSearch(const Regex& re, const std::wstring& w) {
  size_t n = w.size();
  for (const auto& branch : re.branches) {
    std::vector<char> cur(n + 1, 1);  // a search may start anywhere
    for (const RegexPiece& p : branch) {
      if (p.type == RegexPiece::Type::kBegin) {
        std::fill(cur.begin() + 1, cur.end(), 0);
        continue;
      }
      if (p.type == RegexPiece::Type::kEnd) {
        std::fill(cur.begin(), cur.end() - 1, 0);
        continue;
      }
      std::vector<size_t> run(n + 1, 0);
      for (size_t i = n; i-- > 0;) run[i] = InSet(p.set, w[i]) ? run[i + 1] + 1 : 0;
      std::vector<long> diff(n + 2, 0);
      for (size_t i = 0; i <= n; ++i) {
        if (!cur[i]) continue;
        size_t reach = std::min<size_t>(p.max, run[i]);
        if (p.min > reach) continue;
        ++diff[i + p.min];
        --diff[i + reach + 1];
      }
      long open = 0;
      for (size_t j = 0; j <= n; ++j) cur[j] = (open += diff[j]) > 0;
    }
    if (std::find(cur.begin(), cur.end(), 1) != cur.end()) return true;
  }
  return false;
}

// Subjects up to this many characters also go through std::regex, as a check on both.
constexpr size_t kEcmaScriptCheckLimit = 2000;

bool RegexSearch(const Regex& re, std::string_view subject) {
  std::wstring w = DecodeUtf8(subject);
  bool found = PositionSetSearch(re, w);
  if (w.size() <= kEcmaScriptCheckLimit) {
    // Keyed by source: the IR is a function of it.
    thread_local std::map<std::string, std::unique_ptr<std::wregex>> cache;
    auto& slot = cache[re.source];
    if (!slot) slot = std::make_unique<std::wregex>(ToEcmaScript(re), std::regex::ECMAScript);
    if (std::regex_search(w, *slot) != found) {
      throw std::logic_error("std::regex and the position-set search disagree on %" + re.source +
                             "% over \"" + std::string(subject) + "\"");
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Values shared by JSON and delimited patterns

// §2.3 Value / §3.3: `X*` prefix, `*X` suffix, `*X*` contains, `*` anything.
bool GlobMatches(const Value& v, std::string_view s) {
  std::string_view t = v.text;
  if (v.star_start && v.star_end) return s.find(t) != std::string_view::npos;
  if (v.star_end) return s.substr(0, t.size()) == t;
  return s.size() >= t.size() && s.substr(s.size() - t.size()) == t;
}

double LiteralNumber(const Value& v) {
  if (auto n = ReferenceNumber(v.number_text)) return *n;
  return v.number;
}

bool Compare(Op op, double x, double y) {
  switch (op) {
    case Op::kEq:
      return x == y;
    case Op::kNe:
      return x != y;
    case Op::kLt:
      return x < y;
    case Op::kLe:
      return x <= y;
    case Op::kGt:
      return x > y;
    case Op::kGe:
      return x >= y;
    default:
      throw std::logic_error("not a comparison");
  }
}

// ---------------------------------------------------------------------------------------------
// Term patterns (§3.1)

bool IsBlankPhrase(const Term& t) {
  if (t.is_regex) return false;
  for (char c : t.text) {
    if (!IsWs(c)) return false;
  }
  return true;
}

bool Occurs(const Term& t, std::string_view msg, const MatchOptions& o) {
  if (IsBlankPhrase(t)) return true;
  if (t.is_regex) return RegexSearch(t.regex, msg);
  if (o.terms == MatchOptions::TermMatch::kSubstring) {
    return msg.find(t.text) != std::string_view::npos;
  }
  // Decision 1's option: at the start of the message or after a non-alphanumeric character.
  for (size_t at = msg.find(t.text); at != std::string_view::npos; at = msg.find(t.text, at + 1)) {
    if (at == 0 || !IsAsciiAlnum(msg[at - 1])) return true;
  }
  return false;
}

bool TermPatternMatches(const Pattern& p, std::string_view msg, const MatchOptions& o) {
  std::vector<const Term*> include, exclude, optional;
  for (const Term& t : p.terms) {
    switch (t.mod) {
      case Term::Mod::kInclude:
        include.push_back(&t);
        break;
      case Term::Mod::kExclude:
        exclude.push_back(&t);
        break;
      case Term::Mod::kOptional:
        optional.push_back(&t);
        break;
    }
  }
  if (include.empty() && exclude.empty()) {
    if (optional.empty()) return true;
    for (const Term* t : optional) {
      if (Occurs(*t, msg, o)) return true;
    }
    return false;
  }
  for (const Term* t : include) {
    if (!Occurs(*t, msg, o)) return false;
  }
  for (const Term* t : exclude) {
    if (Occurs(*t, msg, o)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Space-delimited patterns (§3.4)

struct Token {
  std::string value;  // delimiters removed
  size_t begin = 0;   // offset of the token's first character (its opening delimiter)
};

std::vector<Token> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i == s.size()) return out;
    if (s[i] == '"' || s[i] == '[') {
      size_t close = s.find(s[i] == '"' ? '"' : ']', i + 1);
      if (close != std::string_view::npos) {
        // The token ends at its closing delimiter; whatever follows starts the next token.
        out.push_back(Token{std::string(s.substr(i + 1, close - i - 1)), i});
        i = close + 1;
        continue;
      }
      // No closing partner: an ordinary character.
    }
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    out.push_back(Token{std::string(s.substr(i, j - i)), i});
    i = j;
  }
}

bool FieldAtomHolds(const FieldAtom& a, std::string_view text) {
  if (a.value.type == Value::Type::kNumber) {
    auto n = ReferenceNumber(text);
    return n && Compare(a.op, *n, LiteralNumber(a.value));
  }
  bool eq = false;
  switch (a.value.type) {
    case Value::Type::kString:
      eq = text == a.value.text;
      break;
    case Value::Type::kGlob:
      eq = GlobMatches(a.value, text);
      break;
    case Value::Type::kRegex:
      eq = RegexSearch(a.value.regex, text);
      break;
    case Value::Type::kNumber:
      break;
  }
  if (a.op == Op::kEq) return eq;
  if (a.op == Op::kNe) return !eq;
  throw std::logic_error("ordering on a non-number in a delimited pattern");
}

bool FieldHolds(const Field& f, std::string_view text) {
  if (f.any_of.empty()) return true;
  for (const auto& conjunction : f.any_of) {
    bool all = true;
    for (const FieldAtom& a : conjunction) all = all && FieldAtomHolds(a, text);
    if (all) return true;
  }
  return false;
}

// One field's share of the line after alignment: a field spec and its text, or (field ==
// nullptr) a token taken by `...`. `position` is the 1-based token position.
struct Slot {
  const Field* field = nullptr;
  size_t position = 0;
  std::string text;
};

// §3.4 Alignment, or nullopt when the token count does not fit the fields.
std::optional<std::vector<Slot>> Align(const Pattern& p, std::string_view msg,
                                       const MatchOptions& o) {
  std::vector<Token> toks = Tokenize(msg);
  const std::vector<Field>& f = p.fields;
  size_t m = toks.size(), k = f.size();
  size_t ellipsis = k;
  for (size_t i = 0; i < k; ++i) {
    if (f[i].type == Field::Type::kEllipsis) ellipsis = i;
  }
  std::vector<Slot> out;
  if (ellipsis < k) {
    size_t pre = ellipsis, suf = k - ellipsis - 1;
    if (m < pre + suf) return std::nullopt;
    for (size_t i = 0; i < pre; ++i) out.push_back(Slot{&f[i], i + 1, toks[i].value});
    for (size_t t = pre; t < m - suf; ++t) out.push_back(Slot{nullptr, t + 1, toks[t].value});
    for (size_t j = 0; j < suf; ++j) {
      size_t t = m - suf + j;
      out.push_back(Slot{&f[pre + 1 + j], t + 1, toks[t].value});
    }
    return out;
  }
  if (m < k) return std::nullopt;
  if (m > k && o.arity == MatchOptions::Arity::kExact) return std::nullopt;
  for (size_t i = 0; i < k; ++i) out.push_back(Slot{&f[i], i + 1, toks[i].value});
  if (m > k && o.arity == MatchOptions::Arity::kLastFieldAbsorbs) {
    // The rest of the line: raw text from token k on, trailing whitespace removed.
    std::string_view rest = msg.substr(toks[k - 1].begin);
    while (!rest.empty() && IsWs(rest.back())) rest.remove_suffix(1);
    out.back().text = std::string(rest);
  }
  return out;
}

bool DelimitedPatternMatches(const Pattern& p, std::string_view msg, const MatchOptions& o) {
  auto slots = Align(p, msg, o);
  if (!slots) return false;
  for (const Slot& s : *slots) {
    if (s.field && !FieldHolds(*s.field, s.text)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// JSON patterns (§3.3)

struct JNode {
  enum class Type { kNull, kTrue, kFalse, kNumber, kString, kObject, kArray };
  Type type = Type::kNull;
  std::string text;  // kString: unescaped value; kNumber: the raw token as written
  double number = 0;
  std::vector<std::pair<std::string, JNode>> members;  // first occurrence of each key only
  std::vector<JNode> elements;
  bool IsScalar() const { return type == Type::kString || type == Type::kNumber; }
};

// simdjson's DOM keeps number values but not their spelling, which globs, regexes and TEXTUAL
// comparisons need (decision 18). The spelling is recovered by a scan of the (already
// validated) text: outside strings, a number token is the only thing that starts with '-' or a
// digit, and number tokens appear in the same order as a pre-order walk of the tree meets
// number nodes.
std::vector<std::string_view> NumberTokens(std::string_view s) {
  std::vector<std::string_view> out;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '-' || IsDigit(c)) {
      size_t j = i;
      while (j < s.size() && (IsDigit(s[j]) || s[j] == '-' || s[j] == '+' || s[j] == '.' ||
                              s[j] == 'e' || s[j] == 'E')) {
        ++j;
      }
      out.push_back(s.substr(i, j - i));
      i = j - 1;
    }
  }
  return out;
}

struct Builder {
  std::vector<std::string_view> numbers;
  size_t next_number = 0;
  size_t max_depth = 0;

  // `level` counts the values around `el`. Returns false when nesting exceeds max_depth.
  // Depth counts every value on the way down, the innermost scalar included (simdjson's count,
  // and MatchOptions::max_json_depth's documented meaning): a scalar inside N containers is at
  // depth N + 1, an empty innermost container at depth N.
  bool Build(simdjson::dom::element el, size_t level, JNode* out) {
    using simdjson::dom::element_type;
    if (el.type() != element_type::OBJECT && el.type() != element_type::ARRAY &&
        level + 1 > max_depth) {
      return false;
    }
    switch (el.type()) {
      case element_type::OBJECT: {
        if (level + 1 > max_depth) return false;
        out->type = JNode::Type::kObject;
        for (auto field : simdjson::dom::object(el)) {
          JNode child;
          if (!Build(field.value, level + 1, &child)) return false;
          bool duplicate = false;
          for (const auto& [k, v] : out->members) duplicate = duplicate || k == field.key;
          if (!duplicate) out->members.emplace_back(std::string(field.key), std::move(child));
        }
        return true;
      }
      case element_type::ARRAY: {
        if (level + 1 > max_depth) return false;
        out->type = JNode::Type::kArray;
        for (simdjson::dom::element e : simdjson::dom::array(el)) {
          out->elements.emplace_back();
          if (!Build(e, level + 1, &out->elements.back())) return false;
        }
        return true;
      }
      case element_type::INT64:
      case element_type::UINT64:
      case element_type::DOUBLE: {
        if (next_number >= numbers.size()) throw std::logic_error("number scan out of step");
        out->type = JNode::Type::kNumber;
        out->text = std::string(numbers[next_number++]);
        auto n = ReferenceNumber(out->text);
        double dom = el.type() == element_type::INT64    ? static_cast<double>(int64_t(el))
                     : el.type() == element_type::UINT64 ? static_cast<double>(uint64_t(el))
                                                         : double(el);
        if (!n || *n != dom) throw std::logic_error("number scan disagrees with simdjson");
        out->number = *n;
        return true;
      }
      case element_type::STRING:
        out->type = JNode::Type::kString;
        out->text = std::string(std::string_view(el));
        return true;
      case element_type::BOOL:
        out->type = bool(el) ? JNode::Type::kTrue : JNode::Type::kFalse;
        return true;
      case element_type::NULL_VALUE:
        out->type = JNode::Type::kNull;
        return true;
    }
    return false;
  }
};

// The whole text as one JSON value (whitespace around it aside), or nullopt.
std::optional<JNode> ParseJson(std::string_view text, size_t max_depth) {
  thread_local simdjson::dom::parser parser;
  // simdjson's own depth count differs from "containers nested" by one for scalars, so it gets
  // headroom and the limit is applied while building the tree.
  size_t depth = max_depth + 2;
  if (parser.capacity() < text.size() || parser.max_depth() != depth) {
    if (parser.allocate(std::max<size_t>(text.size(), 4096), depth)) return std::nullopt;
  }
  simdjson::dom::element root;
  if (parser.parse(text.data(), text.size(), true).get(root)) return std::nullopt;
  Builder b;
  b.numbers = NumberTokens(text);
  b.max_depth = max_depth;
  JNode out;
  if (!b.Build(root, 0, &out)) return std::nullopt;
  if (b.next_number != b.numbers.size()) throw std::logic_error("unused number tokens");
  return out;
}

// §3.3 Selectors: the node set, one step at a time; no implicit array traversal.
std::vector<const JNode*> Select(const Selector& sel, const JNode& root) {
  std::vector<const JNode*> cur{&root};
  for (const Step& st : sel.steps) {
    std::vector<const JNode*> next;
    for (const JNode* n : cur) {
      switch (st.type) {
        case Step::Type::kMember:
          for (const auto& [k, v] : n->members) {
            if (k == st.key) next.push_back(&v);
          }
          break;
        case Step::Type::kAnyMember:
          for (const auto& [k, v] : n->members) next.push_back(&v);
          break;
        case Step::Type::kIndex:
          if (st.index < n->elements.size()) next.push_back(&n->elements[st.index]);
          break;
        case Step::Type::kAnyIndex:
          for (const JNode& e : n->elements) next.push_back(&e);
          break;
      }
    }
    cur = std::move(next);
  }
  return cur;
}

// The numeric value a node offers to number atoms: a number node's value, or under TEXTUAL a
// string that parses (whole) as a Number.
std::optional<double> NumericValue(const JNode& n, NumberPolicy pol) {
  if (n.type == JNode::Type::kNumber) return n.number;
  if (n.type == JNode::Type::kString && pol == NumberPolicy::kTextual) {
    return ReferenceNumber(n.text);
  }
  return std::nullopt;
}

// One node against `sel = v` (the table of §3.3).
bool NodeEquals(const JNode& n, const Value& v, NumberPolicy pol) {
  switch (v.type) {
    case Value::Type::kString:
      // "some node is a string equal to s; under TEXTUAL also a number whose text equals s"
      // (decision 18: the text of a number is its raw token).
      if (n.type == JNode::Type::kString) return n.text == v.text;
      return n.type == JNode::Type::kNumber && pol == NumberPolicy::kTextual && n.text == v.text;
    case Value::Type::kGlob:
      return n.IsScalar() && GlobMatches(v, n.text);
    case Value::Type::kRegex:
      return n.IsScalar() && RegexSearch(v.regex, n.text);
    case Value::Type::kNumber: {
      auto x = NumericValue(n, pol);
      return x && *x == LiteralNumber(v);
    }
  }
  return false;
}

bool AtomHolds(const Atom& a, const JNode& root, NumberPolicy pol) {
  std::vector<const JNode*> nodes = Select(a.selector, root);
  auto some = [&](auto pred) {
    for (const JNode* n : nodes) {
      if (pred(*n)) return true;
    }
    return false;
  };
  switch (a.op) {
    case Op::kNotExists:
      return nodes.empty();
    case Op::kIsNull:
      return some([](const JNode& n) { return n.type == JNode::Type::kNull; });
    case Op::kIsTrue:
      return some([](const JNode& n) { return n.type == JNode::Type::kTrue; });
    case Op::kIsFalse:
      return some([](const JNode& n) { return n.type == JNode::Type::kFalse; });
    case Op::kEq:
      return some([&](const JNode& n) { return NodeEquals(n, a.value, pol); });
    case Op::kNe:
      if (a.value.type == Value::Type::kNumber) {
        return some([&](const JNode& n) {
          auto x = NumericValue(n, pol);
          return x && *x != LiteralNumber(a.value);
        });
      }
      // "some scalar does not satisfy sel = v"
      return some([&](const JNode& n) { return n.IsScalar() && !NodeEquals(n, a.value, pol); });
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe:
      if (a.value.type != Value::Type::kNumber) throw std::logic_error("ordering on non-number");
      return some([&](const JNode& n) {
        auto x = NumericValue(n, pol);
        return x && Compare(a.op, *x, LiteralNumber(a.value));
      });
  }
  return false;
}

bool ExprHolds(const Expr& e, const JNode& root, NumberPolicy pol) {
  switch (e.type) {
    case Expr::Type::kAtom:
      return AtomHolds(e.atom, root, pol);
    case Expr::Type::kAnd:
      for (const Expr& c : e.children) {
        if (!ExprHolds(c, root, pol)) return false;
      }
      return true;
    case Expr::Type::kOr:
      for (const Expr& c : e.children) {
        if (ExprHolds(c, root, pol)) return true;
      }
      return false;
  }
  return false;
}

// §3.3 "The event", with decision 20's option.
std::optional<JNode> JsonEvent(std::string_view msg, const MatchOptions& o) {
  std::optional<JNode> doc = ParseJson(msg, o.max_json_depth);
  if (!doc && o.json_from_first_brace) {
    size_t brace = msg.find('{');
    if (brace != std::string_view::npos) doc = ParseJson(msg.substr(brace), o.max_json_depth);
  }
  return doc;
}

bool JsonPatternMatches(const Pattern& p, std::string_view msg, const MatchOptions& o) {
  std::optional<JNode> doc = JsonEvent(msg, o);
  return doc && ExprHolds(p.json, *doc, o.numbers);
}

void CollectSelectors(const Expr& e, std::vector<const Selector*>& out) {
  if (e.type != Expr::Type::kAtom) {
    for (const Expr& c : e.children) CollectSelectors(c, out);
    return;
  }
  for (const Selector* s : out) {
    if (*s == e.atom.selector) return;
  }
  out.push_back(&e.atom.selector);
}

}  // namespace

std::optional<double> ReferenceNumber(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    return i > start;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (!digits()) return std::nullopt;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return std::nullopt;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  std::string copy(s);
  return std::strtod(copy.c_str(), nullptr);
}

std::string ReferenceSelectorText(const Selector& sel) {
  std::string out = "$";
  for (const Step& st : sel.steps) {
    switch (st.type) {
      case Step::Type::kMember: {
        bool name = !st.key.empty();
        for (char c : st.key) name = name && (IsAsciiAlnum(c) || c == '_' || c == '-');
        // (Appended piecewise: GCC 12 warns wrongly about "[" + s under -Wrestrict.)
        out += name ? "." : ".['";
        out += st.key;
        if (!name) out += "']";
        break;
      }
      case Step::Type::kAnyMember:
        out += ".*";
        break;
      case Step::Type::kIndex:
        out += '[';
        out += std::to_string(st.index);
        out += ']';
        break;
      case Step::Type::kAnyIndex:
        out += "[*]";
        break;
    }
  }
  return out;
}

ExtractedValues ReferenceExtract(const Pattern& pattern, std::string_view msg,
                                 const MatchOptions& options) {
  ExtractedValues out;
  if (pattern.kind == Kind::kDelimited) {
    auto slots = Align(pattern, msg, options);
    if (!slots) return out;
    for (const Slot& s : *slots) {
      bool named = s.field && s.field->type == Field::Type::kNamed;
      std::string key = "$";
      key += named ? s.field->name : std::to_string(s.position);
      out.emplace_back(std::move(key), s.text);
    }
  } else if (pattern.kind == Kind::kJson) {
    std::optional<JNode> doc = JsonEvent(msg, options);
    if (!doc) return out;
    std::vector<const Selector*> selectors;
    CollectSelectors(pattern.json, selectors);
    for (const Selector* sel : selectors) {
      for (const JNode* n : Select(*sel, *doc)) {
        if (n->IsScalar()) {
          out.emplace_back(ReferenceSelectorText(*sel), n->text);
          break;
        }
      }
    }
  }
  return out;
}

bool ReferenceMatches(const Pattern& pattern, std::string_view msg, const MatchOptions& options) {
  switch (pattern.kind) {
    case Kind::kMatchAll:
      return true;
    case Kind::kTerm:
      return TermPatternMatches(pattern, msg, options);
    case Kind::kDelimited:
      return DelimitedPatternMatches(pattern, msg, options);
    case Kind::kJson:
      return JsonPatternMatches(pattern, msg, options);
  }
  return false;
}

}  // namespace vigil::pattern::testing
