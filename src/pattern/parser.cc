#include "pattern/parser.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "base/text.h"

namespace vigil::pattern {

namespace {

constexpr size_t kMaxNesting = 256;

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsBareTermChar(char c) { return IsAlnum(c) || c == '_'; }
bool IsNameChar(char c) { return IsAlnum(c) || c == '_' || c == '-'; }
bool IsBareValueChar(char c) {
  if (IsSpace(c)) return false;
  switch (c) {
    case '"': case '(': case ')': case '{': case '}': case '&': case '|': case '%': case '=':
    case '!': case '<': case '>': case ',': case '[': case ']': case '\'':
      return false;
    default:
      return true;
  }
}

size_t ColumnOf(std::string_view s, size_t offset) {
  size_t col = 1;
  for (size_t i = 0; i < offset && i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++col;
  }
  return col;
}

// Typographic quotes, which editors put in place of '"' (decision 24).
size_t TypographicQuoteLength(std::string_view s, size_t i) {
  static constexpr std::string_view kQuotes[] = {"\u201C", "\u201D", "\u2018", "\u2019",
                                                 "\u201E", "\u00AB", "\u00BB"};
  for (auto q : kQuotes) {
    if (s.substr(i, q.size()) == q) return q.size();
  }
  return 0;
}

class Parser {
 public:
  Parser(std::string_view s, const ParseOptions& o) : s_(s), opt_(o) {}

  ParseResult Run() {
    ParseResult out;
    Pattern p;
    if (size_t bad = FirstInvalidUtf8(s_); bad != std::string_view::npos) {
      Fail(bad, "the pattern is not valid UTF-8");
    } else if (size_t n = ColumnOf(s_, s_.size()) - 1; n > opt_.max_length) {
      size_t at = 0, col = 0;
      while (at < s_.size() && col < opt_.max_length) {
        ++at;
        while (at < s_.size() && (static_cast<unsigned char>(s_[at]) & 0xC0) == 0x80) ++at;
        ++col;
      }
      Fail(at, fmt::format("the pattern is {} characters long; at most {} are allowed", n,
                           opt_.max_length));
    } else {
      size_t b = 0, e = s_.size();
      while (b < e && IsSpace(s_[b])) ++b;
      while (e > b && IsSpace(s_[e - 1])) --e;
      if (b == e) {
        p.kind = Kind::kMatchAll;
      } else if (s_[b] == '{') {
        p.kind = Kind::kJson;
        if (s_[e - 1] != '}' || e - b < 2) {
          Fail(e, "If a filter pattern starts with '{' it must end with '}'");
        } else {
          ParseJson(b + 1, e - 1, &p.json);
        }
      } else if (s_[b] == '[') {
        p.kind = Kind::kDelimited;
        if (s_[e - 1] != ']' || e - b < 2) {
          Fail(e, "a filter pattern that starts with '[' must end with ']'");
        } else {
          ParseDelimited(b + 1, e - 1, &p.fields);
        }
      } else {
        p.kind = Kind::kTerm;
        ParseTerms(b, e, &p.terms);
      }
    }
    if (failed_) {
      out.error = err_;
      out.error.column = ColumnOf(s_, err_.offset);
      return out;
    }
    for (auto& w : warnings_) w.column = ColumnOf(s_, w.offset);
    out.warnings = std::move(warnings_);
    out.pattern = std::move(p);
    return out;
  }

 private:
  void Fail(size_t at, std::string msg) {
    if (failed_) return;
    failed_ = true;
    err_.offset = std::min(at, s_.size());
    err_.message = std::move(msg);
  }

  void SkipSpace(size_t end) {
    while (i_ < end && IsSpace(s_[i_])) ++i_;
  }

  std::string Fragment(size_t at, size_t end) const {
    size_t j = at;
    while (j < end && !IsSpace(s_[j])) ++j;
    return std::string(s_.substr(at, std::min<size_t>(j - at, 40)));
  }

  // ---- shared pieces ----

  // At '"'. Returns the unescaped text; escapes are \" and \\ only (decision 11).
  bool ParseQuoted(size_t end, std::string* out) {
    size_t open = i_++;
    out->clear();
    while (i_ < end) {
      char c = s_[i_];
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c == '\\' && i_ + 1 < end && (s_[i_ + 1] == '"' || s_[i_ + 1] == '\\')) {
        out->push_back(s_[i_ + 1]);
        i_ += 2;
        continue;
      }
      out->push_back(c);
      ++i_;
    }
    Fail(open, "unterminated quoted string; expected a closing '\"'");
    return false;
  }

  // At '%'. Parses up to the closing '%'.
  bool ParseRegexAt(size_t end, Regex* out) {
    size_t open = i_;
    size_t close = s_.find('%', open + 1);
    if (close == std::string_view::npos || close >= end) {
      Fail(open, "unterminated regex; expected a closing '%' (write \\x25 for a literal '%')");
      return false;
    }
    if (++regex_count_ > opt_.max_regexes) {
      Fail(open, fmt::format("too many regexes: a pattern may contain at most {}",
                             opt_.max_regexes));
      return false;
    }
    RegexParse r = ParseRegex(s_.substr(open + 1, close - open - 1));
    if (!r.regex) {
      Fail(open + 1 + r.error_offset, r.error);
      return false;
    }
    *out = std::move(*r.regex);
    i_ = close + 1;
    return true;
  }

  void ClassifyString(std::string text, Value* v) {
    bool start = !text.empty() && text.front() == '*';
    bool end = text.size() >= 1 && text.back() == '*' && !(text.size() == 1 && start);
    if (text == "*") end = true;
    if (start || end) {
      v->type = Value::Type::kGlob;
      v->star_start = start;
      v->star_end = end;
      size_t b = start ? 1 : 0;
      size_t e = text.size() - ((end && text.size() > b) ? 1 : 0);
      v->text = text.substr(b, e - b);
    } else {
      v->type = Value::Type::kString;
      v->text = std::move(text);
    }
  }

  // Parses a value after a comparison operator. `op_at` is the operator's offset.
  bool ParseValue(size_t end, Op op, size_t op_at, Value* v) {
    SkipSpace(end);
    if (i_ >= end) {
      Fail(i_, fmt::format("expected a value after '{}'", OpText(op)));
      return false;
    }
    char c = s_[i_];
    size_t at = i_;
    if (c == '"') {
      std::string text;
      if (!ParseQuoted(end, &text)) return false;
      ClassifyString(std::move(text), v);
    } else if (c == '%') {
      v->type = Value::Type::kRegex;
      if (!ParseRegexAt(end, &v->regex)) return false;
      v->text = v->regex.source;
    } else if (size_t q = TypographicQuoteLength(s_, i_)) {
      Fail(i_, fmt::format("Invalid character(s) in term: typographic quote {} ; use a straight "
                           "double quote '\"'",
                           s_.substr(i_, q)));
      return false;
    } else if (IsBareValueChar(c)) {
      while (i_ < end && IsBareValueChar(s_[i_])) {
        if (TypographicQuoteLength(s_, i_)) {
          Fail(i_, "Invalid character(s) in term: typographic quote; use a straight double "
                   "quote '\"'");
          return false;
        }
        ++i_;
      }
      std::string_view text = s_.substr(at, i_ - at);
      if (auto num = ParsePatternNumber(text)) {
        v->type = Value::Type::kNumber;
        v->number = *num;
        v->number_text = std::string(text);
      } else {
        ClassifyString(std::string(text), v);
      }
    } else if (c == '=' && op == Op::kEq) {
      Fail(op_at, "'==' is not an operator; use '='");
      return false;
    } else {
      Fail(i_, fmt::format("expected a value after '{}' (a quoted string, a number, a bare word "
                           "or a %regex%), found '{}'",
                           OpText(op), c));
      return false;
    }
    bool ordering = op == Op::kLt || op == Op::kLe || op == Op::kGt || op == Op::kGe;
    if (ordering && v->type != Value::Type::kNumber) {
      Fail(at, fmt::format("'{}' compares numbers only; strings, wildcards and regexes allow only "
                           "'=' and '!='",
                           OpText(op)));
      return false;
    }
    return true;
  }

  // Reads a comparison operator at i_, or returns false without failing.
  bool ReadCompOp(size_t end, Op* op) {
    if (i_ >= end) return false;
    char c = s_[i_];
    char d = i_ + 1 < end ? s_[i_ + 1] : '\0';
    if (c == '!' && d == '=') { *op = Op::kNe; i_ += 2; return true; }
    if (c == '<' && d == '=') { *op = Op::kLe; i_ += 2; return true; }
    if (c == '>' && d == '=') { *op = Op::kGe; i_ += 2; return true; }
    if (c == '=' && d == '=') {
      Fail(i_, "'==' is not an operator; use '='");
      return false;
    }
    if (c == '=') { *op = Op::kEq; i_ += 1; return true; }
    if (c == '<') { *op = Op::kLt; i_ += 1; return true; }
    if (c == '>') { *op = Op::kGt; i_ += 1; return true; }
    return false;
  }

  // ---- term patterns ----

  void ParseTerms(size_t b, size_t end, std::vector<Term>* terms) {
    i_ = b;
    while (!failed_) {
      SkipSpace(end);
      if (i_ >= end) break;
      Term t;
      size_t start = i_;
      if (s_[i_] == '?' || s_[i_] == '-') {
        t.mod = s_[i_] == '?' ? Term::Mod::kOptional : Term::Mod::kExclude;
        ++i_;
        if (i_ >= end || IsSpace(s_[i_])) {
          Fail(start, fmt::format("'{}' must touch the term it modifies: write {}TERM with no space",
                                  s_[start], s_[start]));
          return;
        }
      }
      char c = s_[i_];
      if (c == '"') {
        t.quoted = true;
        if (!ParseQuoted(end, &t.text)) return;
      } else if (c == '%') {
        t.is_regex = true;
        if (!ParseRegexAt(end, &t.regex)) return;
        t.text = t.regex.source;
      } else if (size_t q = TypographicQuoteLength(s_, i_)) {
        Fail(i_, fmt::format("Invalid character(s) in term: typographic quote {} ; use a "
                             "straight double quote '\"'",
                             s_.substr(i_, q)));
        return;
      } else {
        size_t w = i_;
        auto lenient_ok = [&](char ch) {
          return opt_.lenient_terms && (ch == '.' || ch == ':' || ch == '-');
        };
        bool used_lenient = false;
        while (i_ < end && !IsSpace(s_[i_])) {
          char ch = s_[i_];
          if (IsBareTermChar(ch)) {
            ++i_;
          } else if (lenient_ok(ch)) {
            used_lenient = true;
            ++i_;
          } else {
            break;
          }
        }
        if (i_ < end && !IsSpace(s_[i_])) {
          char bad = s_[i_];
          std::string word = Fragment(w, end);
          if (bad == '"' || bad == '%') {
            Fail(i_, fmt::format("expected whitespace between terms before '{}'", bad));
          } else if (TypographicQuoteLength(s_, i_)) {
            Fail(i_, "Invalid character(s) in term: typographic quote; use a straight double "
                     "quote '\"'");
          } else {
            std::string shown = (static_cast<unsigned char>(bad) >= 0x80)
                                    ? std::string("a non-ASCII character")
                                    : fmt::format("'{}'", bad);
            Fail(i_, fmt::format("Invalid filter pattern: the unquoted term '{}' contains {}; "
                                 "only letters, digits and '_' may stand unquoted, so quote the "
                                 "whole term (\"{}\"). A shell strips one level of quotes: write "
                                 "'\"{}\"' on a command line",
                                 word, shown, word, word));
          }
          return;
        }
        t.text = std::string(s_.substr(w, i_ - w));
        if (used_lenient) {
          warnings_.push_back(Diagnostic{
              w, 0,
              fmt::format("unquoted term '{}' uses '.', ':' or '-', which AWS rejects; quote it",
                          t.text)});
        }
      }
      if (i_ < end && !IsSpace(s_[i_])) {
        Fail(i_, fmt::format("expected whitespace between terms, found '{}'", s_[i_]));
        return;
      }
      terms->push_back(std::move(t));
    }
  }

  // ---- JSON patterns ----

  void ParseJson(size_t b, size_t end, Expr* out) {
    i_ = b;
    SkipSpace(end);
    if (i_ >= end) {
      Fail(i_, "empty JSON pattern; expected a condition such as $.eventName = \"X\"");
      return;
    }
    if (!ParseOr(end, 0, out)) return;
    SkipSpace(end);
    if (i_ < end) {
      char c = s_[i_];
      if (c == ')') {
        Fail(i_, "unmatched ')'");
      } else if (c == '&' || c == '|') {
        Fail(i_, fmt::format("expected '{}{}'", c, c));
      } else {
        Fail(i_, fmt::format("expected '&&', '||' or the closing '}}', found {}",
                             QuoteForMessage(Fragment(i_, end), 40)));
      }
    }
  }

  bool ReadBoolOp(size_t end, const char* op) {
    SkipSpace(end);
    if (i_ + 1 < end && s_[i_] == op[0] && s_[i_ + 1] == op[1]) {
      i_ += 2;
      return true;
    }
    return false;
  }

  static void Append(Expr::Type type, Expr* acc, Expr next) {
    if (acc->type != type) {
      Expr first = std::move(*acc);
      *acc = Expr{};
      acc->type = type;
      acc->children.push_back(std::move(first));
    }
    acc->children.push_back(std::move(next));
  }

  bool ParseOr(size_t end, size_t depth, Expr* out) {
    if (!ParseAnd(end, depth, out)) return false;
    bool single = true;
    while (true) {
      size_t save = i_;
      if (!ReadBoolOp(end, "||")) {
        i_ = save;
        break;
      }
      Expr next;
      if (!ParseAnd(end, depth, &next)) return false;
      if (single) {
        Expr first = std::move(*out);
        *out = Expr{};
        out->type = Expr::Type::kOr;
        out->children.push_back(std::move(first));
        single = false;
      }
      out->children.push_back(std::move(next));
    }
    return true;
  }

  bool ParseAnd(size_t end, size_t depth, Expr* out) {
    if (!ParsePrimary(end, depth, out)) return false;
    bool single = true;
    while (true) {
      size_t save = i_;
      if (!ReadBoolOp(end, "&&")) {
        i_ = save;
        break;
      }
      Expr next;
      if (!ParsePrimary(end, depth, &next)) return false;
      if (single) {
        Expr first = std::move(*out);
        *out = Expr{};
        out->type = Expr::Type::kAnd;
        out->children.push_back(std::move(first));
        single = false;
      }
      out->children.push_back(std::move(next));
    }
    return true;
  }

  bool ParsePrimary(size_t end, size_t depth, Expr* out) {
    SkipSpace(end);
    if (i_ >= end) {
      Fail(i_, "expected a condition or '(' here");
      return false;
    }
    if (s_[i_] == '(') {
      size_t open = i_++;
      if (depth + 1 > kMaxNesting) {
        Fail(open, fmt::format("parentheses nested deeper than {}", kMaxNesting));
        return false;
      }
      if (!ParseOr(end, depth + 1, out)) return false;
      SkipSpace(end);
      if (i_ >= end || s_[i_] != ')') {
        Fail(i_ >= end ? open : i_,
             i_ >= end ? std::string("unbalanced '(': expected ')' to close it")
                       : fmt::format("expected ')' to close the '(' at column {}, found {}",
                                     ColumnOf(s_, open), QuoteForMessage(Fragment(i_, end), 40)));
        return false;
      }
      ++i_;
      return true;
    }
    out->type = Expr::Type::kAtom;
    return ParseCondition(end, &out->atom);
  }

  bool ParseSelector(size_t end, Selector* sel) {
    size_t at = i_;
    if (s_[i_] != '$') {
      if (IsNameChar(s_[i_])) {
        std::string word(s_.substr(i_, std::min<size_t>(40, end - i_)));
        size_t j = 0;
        while (j < word.size() && IsNameChar(word[j])) ++j;
        word.resize(j);
        Fail(at, fmt::format("selectors start with '$.': write $.{} instead of {}", word, word));
      } else {
        Fail(at, fmt::format("expected a selector such as $.eventName, found {}",
                             QuoteForMessage(Fragment(i_, end), 40)));
      }
      return false;
    }
    ++i_;
    if (i_ >= end || s_[i_] != '.') {
      Fail(at, "selectors start with '$.' (write $.a[0], not $[0])");
      return false;
    }
    bool first = true;
    size_t wildcards = 0;
    while (i_ < end) {
      char c = s_[i_];
      Step st;
      size_t step_at = i_;
      if (c == '.') {
        ++i_;
        if (i_ < end && s_[i_] == '*') {
          st.type = Step::Type::kAnyMember;
          ++i_;
        } else if (i_ < end && s_[i_] == '[') {
          if (i_ + 1 < end && s_[i_ + 1] == '\'') {
            if (!ParseBracketKey(end, &st)) return false;
          } else {
            Fail(step_at, "after '.' expected a member name, '*' or ['key']");
            return false;
          }
        } else if (i_ < end && IsNameChar(s_[i_])) {
          size_t n0 = i_;
          while (i_ < end && IsNameChar(s_[i_])) ++i_;
          st.key = std::string(s_.substr(n0, i_ - n0));
        } else {
          Fail(i_, "after '.' expected a member name (letters, digits, '_', '-'), '*' or "
                   "['key']");
          return false;
        }
      } else if (c == '[' && !first) {
        if (i_ + 1 < end && s_[i_ + 1] == '\'') {
          if (!ParseBracketKey(end, &st)) return false;
        } else if (i_ + 1 < end && s_[i_ + 1] == '*') {
          if (i_ + 2 >= end || s_[i_ + 2] != ']') {
            Fail(i_, "expected ']' after '[*'");
            return false;
          }
          st.type = Step::Type::kAnyIndex;
          i_ += 3;
        } else {
          size_t d0 = ++i_;
          uint64_t v = 0;
          while (i_ < end && s_[i_] >= '0' && s_[i_] <= '9') {
            v = v * 10 + static_cast<uint64_t>(s_[i_] - '0');
            if (v > UINT32_MAX) {
              Fail(d0, "array index too large");
              return false;
            }
            ++i_;
          }
          if (i_ == d0 || i_ >= end || s_[i_] != ']') {
            Fail(step_at, "expected an array index such as [0], [*] or a key such as ['a.b']");
            return false;
          }
          ++i_;
          st.type = Step::Type::kIndex;
          st.index = static_cast<uint32_t>(v);
        }
      } else {
        break;
      }
      if (st.IsWildcard() && ++wildcards > 1) {
        Fail(step_at, "a selector may contain at most one wildcard ([*] or .*)");
        return false;
      }
      first = false;
      sel->steps.push_back(std::move(st));
    }
    if (sel->steps.empty()) {
      Fail(at, "expected a selector such as $.eventName");
      return false;
    }
    return true;
  }

  // At "['". Single quotes only, no escapes (decision 13).
  bool ParseBracketKey(size_t end, Step* st) {
    size_t open = i_;
    i_ += 2;
    size_t close = s_.find('\'', i_);
    if (close == std::string_view::npos || close >= end) {
      Fail(open, "unterminated ['key']; expected a closing quote and ']'");
      return false;
    }
    if (close + 1 >= end || s_[close + 1] != ']') {
      Fail(close + 1, "expected ']' after the quoted key");
      return false;
    }
    st->type = Step::Type::kMember;
    st->key = std::string(s_.substr(i_, close - i_));
    i_ = close + 2;
    return true;
  }

  bool Keyword(size_t end, std::string_view kw) {
    if (s_.substr(i_, kw.size()) != kw) return false;
    size_t after = i_ + kw.size();
    if (after < end && IsNameChar(s_[after])) return false;
    return true;
  }

  bool WordIs(size_t end, std::string_view lower) {
    // Case-insensitive keyword check, for helpful errors on lowercase keywords.
    if (i_ + lower.size() > end) return false;
    for (size_t k = 0; k < lower.size(); ++k) {
      char c = s_[i_ + k];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != lower[k]) return false;
    }
    size_t after = i_ + lower.size();
    return !(after < end && IsNameChar(s_[after]));
  }

  bool ParseCondition(size_t end, Atom* atom) {
    atom->offset = static_cast<uint32_t>(i_);
    if (!ParseSelector(end, &atom->selector)) return false;
    if (atom->selector.HasWildcard() && ++wildcard_selectors_ > opt_.max_wildcard_selectors) {
      Fail(atom->offset, fmt::format("too many wildcard selectors: a pattern may use [*] or .* in "
                                     "at most {} conditions",
                                     opt_.max_wildcard_selectors));
      return false;
    }
    size_t before_ws = i_;
    SkipSpace(end);
    bool had_space = i_ > before_ws;
    size_t op_at = i_;
    Op op;
    if (ReadCompOp(end, &op)) {
      atom->op = op;
      return ParseValue(end, op, op_at, &atom->value);
    }
    if (failed_) return false;
    if (had_space && Keyword(end, "IS")) {
      i_ += 2;
      size_t ws = i_;
      SkipSpace(end);
      if (i_ == ws) {
        Fail(i_, "expected NULL, TRUE or FALSE after IS");
        return false;
      }
      if (Keyword(end, "NULL")) {
        atom->op = Op::kIsNull;
        i_ += 4;
      } else if (Keyword(end, "TRUE")) {
        atom->op = Op::kIsTrue;
        i_ += 4;
      } else if (Keyword(end, "FALSE")) {
        atom->op = Op::kIsFalse;
        i_ += 5;
      } else if (Keyword(end, "NOT")) {
        Fail(op_at, "IS NOT is not supported; the only negative test is NOT EXISTS (use "
                    "'= *' to require a string or number)");
        return false;
      } else if (WordIs(end, "null") || WordIs(end, "true") || WordIs(end, "false")) {
        Fail(i_, fmt::format("keywords are uppercase: write IS {}",
                             WordIs(end, "null") ? "NULL" : WordIs(end, "true") ? "TRUE" : "FALSE"));
        return false;
      } else {
        Fail(i_, "expected NULL, TRUE or FALSE after IS");
        return false;
      }
      return true;
    }
    if (had_space && Keyword(end, "NOT")) {
      i_ += 3;
      size_t ws = i_;
      SkipSpace(end);
      if (i_ > ws && Keyword(end, "EXISTS")) {
        atom->op = Op::kNotExists;
        i_ += 6;
        return true;
      }
      Fail(ws, WordIs(end, "exists") ? "keywords are uppercase: write NOT EXISTS"
                                     : "expected EXISTS after NOT");
      return false;
    }
    if (had_space && Keyword(end, "EXISTS")) {
      Fail(op_at, "a bare EXISTS is not supported; use NOT EXISTS, or '= *' to require a string "
                  "or number");
      return false;
    }
    if (had_space && (WordIs(end, "is") || WordIs(end, "not") || WordIs(end, "exists"))) {
      Fail(op_at, "keywords are uppercase: IS NULL, IS TRUE, IS FALSE, NOT EXISTS");
      return false;
    }
    if (i_ < end && s_[i_] == '!') {
      Fail(i_, "expected '!=' (there is no '!' operator)");
      return false;
    }
    Fail(op_at, i_ >= end ? std::string("expected an operator (= != < <= > >=) or IS NULL, "
                                        "IS TRUE, IS FALSE, NOT EXISTS after the selector")
                          : fmt::format("expected an operator (= != < <= > >=) or IS NULL, IS "
                                        "TRUE, IS FALSE, NOT EXISTS after the selector, found {}",
                                        QuoteForMessage(Fragment(i_, end), 40)));
    return false;
  }

  // ---- space-delimited patterns ----

  void ParseDelimited(size_t b, size_t end, std::vector<Field>* fields) {
    i_ = b;
    SkipSpace(end);
    if (i_ >= end) {
      Fail(b - 1, "empty delimited pattern '[]'; expected at least one field");
      return;
    }
    std::set<std::string> names;
    bool ellipsis = false;
    while (!failed_) {
      SkipSpace(end);
      Field f;
      size_t at = i_;
      if (i_ >= end || s_[i_] == ',') {
        f.type = Field::Type::kUnnamed;
      } else if (s_.substr(i_, 3) == "...") {
        if (ellipsis) {
          Fail(i_, "a delimited pattern may contain '...' only once");
          return;
        }
        ellipsis = true;
        f.type = Field::Type::kEllipsis;
        i_ += 3;
      } else if (s_[i_] == '(' || s_[i_] == ')') {
        Fail(i_, "parentheses are not allowed in a delimited pattern's fields");
        return;
      } else if (IsNameChar(s_[i_])) {
        size_t n0 = i_;
        while (i_ < end && IsNameChar(s_[i_])) ++i_;
        f.type = Field::Type::kNamed;
        f.name = std::string(s_.substr(n0, i_ - n0));
        if (!names.insert(f.name).second) {
          Fail(n0, fmt::format("duplicate field name '{}'", f.name));
          return;
        }
        SkipSpace(end);
        if (i_ < end && s_[i_] != ',') {
          if (!ParseFieldExpr(end, f.name, &f)) return;
        }
      } else {
        Fail(i_, fmt::format("expected a field name, '...' or ',', found {}",
                             QuoteForMessage(Fragment(i_, end), 40)));
        return;
      }
      SkipSpace(end);
      fields->push_back(std::move(f));
      if (i_ >= end) break;
      if (s_[i_] != ',') {
        Fail(i_, fmt::format("expected ',' between fields, found {}",
                             QuoteForMessage(Fragment(i_, end), 40)));
        return;
      }
      ++i_;
      (void)at;
    }
  }

  bool ParseFieldAtom(size_t end, FieldAtom* a) {
    size_t op_at = i_;
    Op op;
    if (!ReadCompOp(end, &op)) {
      if (failed_) return false;
      if (i_ < end && (s_[i_] == '(' || s_[i_] == ')')) {
        Fail(i_, "parentheses are not allowed in a delimited pattern's fields");
      } else {
        Fail(op_at, fmt::format("expected an operator (= != < <= > >=), ',' or ']' after the "
                                "field name, found {}",
                                QuoteForMessage(Fragment(i_, end), 40)));
      }
      return false;
    }
    a->op = op;
    return ParseValue(end, op, op_at, &a->value);
  }

  bool ParseFieldExpr(size_t end, const std::string& name, Field* f) {
    f->any_of.emplace_back();
    FieldAtom first;
    if (!ParseFieldAtom(end, &first)) return false;
    f->any_of.back().push_back(std::move(first));
    while (true) {
      SkipSpace(end);
      bool is_and = i_ + 1 < end && s_[i_] == '&' && s_[i_ + 1] == '&';
      bool is_or = i_ + 1 < end && s_[i_] == '|' && s_[i_ + 1] == '|';
      if (!is_and && !is_or) {
        if (i_ < end && (s_[i_] == '&' || s_[i_] == '|')) {
          Fail(i_, fmt::format("expected '{}{}'", s_[i_], s_[i_]));
          return false;
        }
        if (i_ < end && (s_[i_] == '(' || s_[i_] == ')')) {
          Fail(i_, "parentheses are not allowed in a delimited pattern's fields");
          return false;
        }
        return true;
      }
      i_ += 2;
      SkipSpace(end);
      size_t n0 = i_;
      while (i_ < end && IsNameChar(s_[i_])) ++i_;
      std::string other(s_.substr(n0, i_ - n0));
      if (other.empty()) {
        Fail(n0, i_ < end && (s_[i_] == '(' || s_[i_] == ')')
                     ? std::string("parentheses are not allowed in a delimited pattern's fields")
                     : fmt::format("expected the field name '{}' after '{}'", name,
                                   is_and ? "&&" : "||"));
        return false;
      }
      if (other != name) {
        Fail(n0, fmt::format("Invalid filter pattern: a condition inside field '{}' refers to "
                             "field '{}'; each field's conditions must name that field",
                             name, other));
        return false;
      }
      SkipSpace(end);
      FieldAtom a;
      if (!ParseFieldAtom(end, &a)) return false;
      if (is_or) f->any_of.emplace_back();
      f->any_of.back().push_back(std::move(a));
    }
  }

  std::string_view s_;
  ParseOptions opt_;
  size_t i_ = 0;
  bool failed_ = false;
  Diagnostic err_;
  std::vector<Diagnostic> warnings_;
  size_t regex_count_ = 0;
  size_t wildcard_selectors_ = 0;
};

}  // namespace

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kMatchAll: return "match-all";
    case Kind::kTerm: return "term";
    case Kind::kJson: return "json";
    case Kind::kDelimited: return "delimited";
  }
  return "?";
}

const char* OpText(Op op) {
  switch (op) {
    case Op::kEq: return "=";
    case Op::kNe: return "!=";
    case Op::kLt: return "<";
    case Op::kLe: return "<=";
    case Op::kGt: return ">";
    case Op::kGe: return ">=";
    case Op::kIsNull: return "IS NULL";
    case Op::kIsTrue: return "IS TRUE";
    case Op::kIsFalse: return "IS FALSE";
    case Op::kNotExists: return "NOT EXISTS";
  }
  return "?";
}

bool Selector::HasWildcard() const {
  for (const Step& s : steps) {
    if (s.IsWildcard()) return true;
  }
  return false;
}

bool Term::IsBlank() const {
  if (is_regex) return false;
  for (char c : text) {
    if (!IsSpace(c)) return false;
  }
  return true;
}

ParseResult Parse(std::string_view text, const ParseOptions& options) {
  return Parser(text, options).Run();
}

std::string FormatDiagnostic(std::string_view text, const Diagnostic& d,
                             std::string_view severity) {
  std::string out = fmt::format("{}: {} (column {})\n", severity, d.message, d.column);
  // Show the pattern on one line: newlines and tabs become spaces so the caret lines up.
  std::string shown;
  shown.reserve(text.size());
  for (char c : text) shown += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  out += "  " + shown + "\n";
  out += "  " + std::string(d.column > 0 ? d.column - 1 : 0, ' ') + "^\n";
  return out;
}

}  // namespace vigil::pattern
