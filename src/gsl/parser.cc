#include "gsl/parser.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "gsl/builtins.h"

namespace vigil::gsl {

namespace {

struct Token {
  enum class Type { kIdent, kString, kNumber, kRegex, kPunct, kEnd };
  Type type = Type::kEnd;
  std::string text;   // ident/punct as written; string unescaped; regex body
  std::string lower;  // ident lowercased
  std::string flags;  // regex flags
  size_t begin = 0, end = 0;
  bool space_before = false;
};

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsIdentChar(char c) {
  return IsIdentStart(c) || (c >= '0' && c <= '9') || c == ':' || c == '-';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

const char* kKeywords[] = {"should", "not",  "have",   "where",   "and",         "or",
                           "with",   "contain", "contain-any", "contain-all", "contain-none",
                           "like",   "regexmatch", "in",  "before",  "after", "groupby",
                           "true",   "false"};

bool IsKeyword(const std::string& lower) {
  for (const char* k : kKeywords) {
    if (lower == k) return true;
  }
  return false;
}

struct LexError {
  size_t offset;
  std::string message;
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  std::optional<LexError> Run(std::vector<Token>& out) {
    while (true) {
      size_t before = i_;
      while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r' || s_[i_] == '\n')) ++i_;
      bool space = i_ > before || i_ == 0;
      Token t;
      t.begin = i_;
      t.space_before = space;
      if (i_ >= s_.size()) {
        t.type = Token::Type::kEnd;
        t.end = i_;
        out.push_back(t);
        return std::nullopt;
      }
      char c = s_[i_];
      if (c == '\'') {
        t.type = Token::Type::kString;
        ++i_;
        bool closed = false;
        while (i_ < s_.size()) {
          char d = s_[i_];
          if (d == '\\' && i_ + 1 < s_.size() && (s_[i_ + 1] == '\'' || s_[i_ + 1] == '\\')) {
            t.text += s_[i_ + 1];
            i_ += 2;
            continue;
          }
          if (d == '\'') {
            closed = true;
            ++i_;
            break;
          }
          t.text += d;
          ++i_;
        }
        if (!closed) return LexError{t.begin, "unterminated string: expected a closing '"};
      } else if (IsDigit(c) || (c == '-' && i_ + 1 < s_.size() && IsDigit(s_[i_ + 1]))) {
        t.type = Token::Type::kNumber;
        size_t j = i_ + 1;
        while (j < s_.size() && IsDigit(s_[j])) ++j;
        if (j + 1 < s_.size() && s_[j] == '.' && IsDigit(s_[j + 1])) {
          ++j;
          while (j < s_.size() && IsDigit(s_[j])) ++j;
        }
        if (j < s_.size() && IsIdentStart(s_[j])) {
          size_t k = j;
          while (k < s_.size() && (IsIdentChar(s_[k]) || s_[k] == '.' || s_[k] == '+')) ++k;
          return LexError{i_, fmt::format("malformed number '{}': no exponent, hex or suffix is "
                                          "allowed",
                                          s_.substr(i_, k - i_))};
        }
        t.text = std::string(s_.substr(i_, j - i_));
        i_ = j;
      } else if (IsIdentStart(c)) {
        t.type = Token::Type::kIdent;
        size_t j = i_;
        while (j < s_.size() && IsIdentChar(s_[j])) ++j;
        t.text = std::string(s_.substr(i_, j - i_));
        t.lower = Lower(t.text);
        i_ = j;
        if (t.lower == "regexmatch") {
          t.end = i_;
          out.push_back(t);
          auto err = LexRegex(out);
          if (err) return err;
          continue;
        }
      } else if (c == '/' ) {
        return LexError{i_, "unexpected '/': a regex literal must follow regexMatch"};
      } else {
        t.type = Token::Type::kPunct;
        std::string_view two = s_.substr(i_, 2);
        if (two == "&&") return LexError{i_, "'&&' is not GSL; use 'and'"};
        if (two == "||") return LexError{i_, "'||' is not GSL; use 'or'"};
        if (two == "==") return LexError{i_, "'==' is not GSL; use '='"};
        if (two == "!=" || two == "<=" || two == ">=") {
          t.text = std::string(two);
          i_ += 2;
        } else if (c == '!') {
          return LexError{i_, "'!' is not GSL; use 'not'"};
        } else if (c == '"') {
          return LexError{i_, "double-quoted strings are not GSL; use single quotes: 'text'"};
        } else if (c == '=' || c == '<' || c == '>' || c == '(' || c == ')' || c == '[' ||
                   c == ']' || c == ',' || c == '.' || c == '$') {
          t.text = std::string(1, c);
          ++i_;
        } else {
          auto u = static_cast<unsigned char>(c);
          return LexError{i_, u >= 0x80 ? std::string("unexpected non-ASCII character")
                                        : fmt::format("unexpected character '{}'", c)};
        }
      }
      t.end = i_;
      out.push_back(std::move(t));
    }
  }

 private:
  std::optional<LexError> LexRegex(std::vector<Token>& out) {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r' || s_[i_] == '\n')) ++i_;
    if (i_ >= s_.size() || s_[i_] != '/') {
      return LexError{i_, "expected a regex literal /.../ after regexMatch"};
    }
    Token t;
    t.type = Token::Type::kRegex;
    t.begin = i_;
    t.space_before = true;
    ++i_;
    bool closed = false;
    while (i_ < s_.size()) {
      if (s_[i_] == '\\' && i_ + 1 < s_.size() && s_[i_ + 1] == '/') {
        t.text += '/';
        i_ += 2;
        continue;
      }
      if (s_[i_] == '/') {
        closed = true;
        ++i_;
        break;
      }
      t.text += s_[i_++];
    }
    if (!closed) return LexError{t.begin, "unterminated regex: expected a closing '/'"};
    while (i_ < s_.size() && IsIdentStart(s_[i_])) t.flags += s_[i_++];
    t.end = i_;
    out.push_back(std::move(t));
    return std::nullopt;
  }

  std::string_view s_;
  size_t i_ = 0;
};

std::string Describe(const Token& t) {
  switch (t.type) {
    case Token::Type::kEnd: return "end of rule";
    case Token::Type::kString: return "string '" + t.text + "'";
    case Token::Type::kNumber: return "number " + t.text;
    case Token::Type::kRegex: return "regex /" + t.text + "/";
    case Token::Type::kIdent:
      return (IsKeyword(t.lower) ? "keyword '" : "identifier '") + t.text + "'";
    case Token::Type::kPunct: return "'" + t.text + "'";
  }
  return "?";
}

class Parser {
 public:
  Parser(std::string_view s, std::vector<Token> toks, const ParseOptions& o)
      : s_(s), t_(std::move(toks)), opt_(o) {}

  ParseResult Run() {
    ParseResult r;
    Rule rule;
    rule.text = std::string(s_);
    if (ParseTop(rule)) {
      r.rule = std::move(rule);
    } else {
      r.error = At(s_, err_offset_, err_);
    }
    return r;
  }

 private:
  const Token& Peek(size_t k = 0) const { return t_[std::min(p_ + k, t_.size() - 1)]; }
  bool IsKw(const Token& t, const char* kw) const {
    return t.type == Token::Type::kIdent && t.lower == kw;
  }
  bool IsPunct(const Token& t, const char* p) const {
    return t.type == Token::Type::kPunct && t.text == p;
  }
  bool Fail(size_t offset, std::string msg) {
    if (!failed_) {
      failed_ = true;
      err_offset_ = offset;
      err_ = std::move(msg);
    }
    return false;
  }
  bool Expect(const char* punct, const std::string& what) {
    if (IsPunct(Peek(), punct)) {
      ++p_;
      return true;
    }
    return Fail(Peek().begin, fmt::format("expected {}, found {}", what, Describe(Peek())));
  }
  std::string Pos(size_t offset) const {
    Diagnostic d = At(s_, offset, "");
    return fmt::format("{}:{}", d.line, d.column);
  }

  bool ParseTop(Rule& rule) {
    const Token& first = Peek();
    if (first.type != Token::Type::kIdent || IsKeyword(first.lower)) {
      return Fail(first.begin, fmt::format("expected an entity type (such as CloudTrail), "
                                           "List<Type> or cloudtrail, found {}",
                                           Describe(first)));
    }
    if (first.lower == "list" && IsPunct(Peek(1), "<")) {
      p_ += 2;
      const Token& ty = Peek();
      if (!ValidType(ty)) return false;
      rule.entity_type = ty.text;
      rule.list_target = true;
      ++p_;
      if (!Expect(">", "'>' to close 'List<'")) return false;
    } else {
      rule.entity_type = first.text;
      ++p_;
    }
    if (IsKw(Peek(), "where")) {
      ++p_;
      Expr w;
      if (!ParseOr(w, 0)) return false;
      rule.where = std::move(w);
    }
    if (!IsKw(Peek(), "should")) {
      if (Peek().type == Token::Type::kEnd && rule.where && !rule.list_target &&
          Lower(rule.entity_type) == "cloudtrail") {
        rule.event_query = true;
        rule.event_source = "cloudtrail";
        rule.body = std::move(*rule.where);
        rule.where.reset();
        rule.entity_type.clear();
        return true;
      }
      if (Peek().type == Token::Type::kEnd && rule.where) {
        return Fail(Peek().begin,
                    fmt::format("expected 'should' after the target of a posture rule (an event "
                                "query must start with 'cloudtrail', not '{}')",
                                rule.entity_type));
      }
      return Fail(Peek().begin, fmt::format("expected 'should' after the target of a posture "
                                            "rule, found {}",
                                            Describe(Peek())));
    }
    if (!rule.list_target && !ValidTypeName(rule.entity_type)) {
      return Fail(first.begin, fmt::format("'{}' is not an entity type: types are PascalCase, "
                                           "such as CloudTrail or S3Bucket",
                                           rule.entity_type));
    }
    ++p_;
    if (IsKw(Peek(), "not")) {
      rule.negated = true;
      ++p_;
    }
    if (IsKw(Peek(), "have")) ++p_;
    if (!ParseOr(rule.body, 0)) return false;
    if (Peek().type != Token::Type::kEnd) {
      return Fail(Peek().begin,
                  fmt::format("unexpected {} after the end of the rule", Describe(Peek())));
    }
    return true;
  }

  static bool ValidTypeName(const std::string& s) {
    if (s.empty() || !(s[0] >= 'A' && s[0] <= 'Z')) return false;
    for (char c : s) {
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c))) return false;
    }
    return true;
  }

  bool ValidType(const Token& t) {
    if (t.type != Token::Type::kIdent || !ValidTypeName(t.text)) {
      return Fail(t.begin, fmt::format("expected an entity type after 'List<', found {}",
                                       Describe(t)));
    }
    return true;
  }

  bool ParseOr(Expr& out, size_t depth) {
    size_t start = Peek().begin;
    if (!ParseAnd(out, depth)) return false;
    bool grouped = false;
    while (IsKw(Peek(), "or")) {
      ++p_;
      Expr next;
      if (!ParseAnd(next, depth)) return false;
      if (!grouped) {
        Expr first = std::move(out);
        out = Expr{};
        out.type = Expr::Type::kOr;
        out.children.push_back(std::move(first));
        grouped = true;
      }
      out.children.push_back(std::move(next));
      out.span = Span{static_cast<uint32_t>(start), static_cast<uint32_t>(t_[p_ - 1].end)};
    }
    return true;
  }

  bool ParseAnd(Expr& out, size_t depth) {
    size_t start = Peek().begin;
    if (!ParseUnary(out, depth)) return false;
    bool grouped = false;
    while (IsKw(Peek(), "and")) {
      ++p_;
      Expr next;
      if (!ParseUnary(next, depth)) return false;
      if (!grouped) {
        Expr first = std::move(out);
        out = Expr{};
        out.type = Expr::Type::kAnd;
        out.children.push_back(std::move(first));
        grouped = true;
      }
      out.children.push_back(std::move(next));
      out.span = Span{static_cast<uint32_t>(start), static_cast<uint32_t>(t_[p_ - 1].end)};
    }
    return true;
  }

  bool ParseUnary(Expr& out, size_t depth) {
    if (depth > opt_.max_depth) {
      return Fail(Peek().begin, fmt::format("nesting deeper than {} levels", opt_.max_depth));
    }
    if (IsKw(Peek(), "not")) {
      size_t start = Peek().begin;
      ++p_;
      Expr inner;
      if (!ParseUnary(inner, depth + 1)) return false;
      out.type = Expr::Type::kNot;
      out.children.push_back(std::move(inner));
      out.span = Span{static_cast<uint32_t>(start), static_cast<uint32_t>(t_[p_ - 1].end)};
      return true;
    }
    if (IsPunct(Peek(), "(")) {
      size_t open = Peek().begin;
      ++p_;
      if (!ParseOr(out, depth + 1)) return false;
      if (!IsPunct(Peek(), ")")) {
        return Fail(Peek().begin, fmt::format("expected ')' to close '(' opened at {}, found {}",
                                              Pos(open), Describe(Peek())));
      }
      ++p_;
      return true;
    }
    out.type = Expr::Type::kPredicate;
    if (!ParsePredicate(out.predicate, depth)) return false;
    out.span = out.predicate.span;
    return true;
  }

  bool ParseLiteral(Literal& lit, const std::string& after) {
    const Token& t = Peek();
    lit.span = Span{static_cast<uint32_t>(t.begin), static_cast<uint32_t>(t.end)};
    if (t.type == Token::Type::kString) {
      lit.type = Literal::Type::kString;
      lit.text = t.text;
    } else if (t.type == Token::Type::kNumber) {
      lit.type = Literal::Type::kNumber;
      lit.text = t.text;
      std::from_chars(t.text.data(), t.text.data() + t.text.size(), lit.number);
      if (t.text.find('.') == std::string::npos) {
        auto r = std::from_chars(t.text.data(), t.text.data() + t.text.size(), lit.integer);
        lit.is_int = r.ec == std::errc();
      }
    } else if (IsKw(t, "true") || IsKw(t, "false")) {
      lit.type = Literal::Type::kBool;
      lit.boolean = t.lower == "true";
      lit.text = t.lower;
    } else {
      return Fail(t.begin, fmt::format("expected a literal (string, number, true or false) after "
                                       "{}, found {}",
                                       after, Describe(t)));
    }
    ++p_;
    return true;
  }

  bool ParseBracket(Bracket& b, const std::string& opener, size_t depth) {
    size_t open = Peek().begin;
    if (!IsPunct(Peek(), "[")) {
      return Fail(Peek().begin, fmt::format("expected '[' after '{}', found {}", opener,
                                            Describe(Peek())));
    }
    ++p_;
    const Token& t = Peek();
    bool literal_list = t.type == Token::Type::kString || t.type == Token::Type::kNumber ||
                        IsKw(t, "true") || IsKw(t, "false");
    if (literal_list) {
      while (true) {
        Literal lit;
        if (!ParseLiteral(lit, "'" + opener + " ['")) return false;
        b.literals.push_back(std::move(lit));
        if (IsPunct(Peek(), ",")) {
          ++p_;
          continue;
        }
        break;
      }
    } else {
      if (IsPunct(Peek(), "]")) {
        return Fail(Peek().begin, fmt::format("empty '{} []': expected a condition or literals",
                                              opener));
      }
      b.expr = std::make_unique<Expr>();
      if (!ParseOr(*b.expr, depth + 1)) return false;
    }
    if (!IsPunct(Peek(), "]")) {
      return Fail(Peek().begin, fmt::format("expected ']' to close '{} [' opened at {}, found {}",
                                            opener, Pos(open), Describe(Peek())));
    }
    b.span = Span{static_cast<uint32_t>(open), static_cast<uint32_t>(Peek().end)};
    ++p_;
    return true;
  }

  bool ParsePath(std::vector<std::string>& path) {
    const Token& t = Peek();
    if (t.type != Token::Type::kIdent || IsKeyword(t.lower)) {
      return Fail(t.begin, fmt::format("expected a property path or '$', found {}", Describe(t)));
    }
    path.push_back(t.text);
    ++p_;
    while (IsPunct(Peek(), ".") && !Peek().space_before) {
      ++p_;
      const Token& seg = Peek();
      if (seg.type != Token::Type::kIdent) {
        return Fail(seg.begin, fmt::format("expected a path segment after '.', found {}",
                                           Describe(seg)));
      }
      path.push_back(seg.text);
      ++p_;
    }
    return true;
  }

  bool ParsePredicate(Predicate& pr, size_t depth) {
    size_t start = Peek().begin;
    if (IsPunct(Peek(), "$")) {
      pr.is_dollar = true;
      ++p_;
      if (IsPunct(Peek(), ".")) {
        return Fail(Peek().begin, "'$' cannot be followed by '.': inside a bracket, name the "
                                  "element's property directly");
      }
    } else if (!ParsePath(pr.path)) {
      return false;
    }
    // A '(' glued to the path: a function call missing its space.
    if (IsPunct(Peek(), "(") && !Peek().space_before && !pr.path.empty()) {
      std::string last = pr.path.back();
      std::string lower = Lower(last);
      std::string hint;
      for (const char* f : {"isfilterpatternequal", "coversfilterpattern", "allowedhostsforport",
                            "numberofhosts", "ispublic", "isempty", "length"}) {
        std::string fs(f);
        if (lower.size() > fs.size() && lower.compare(lower.size() - fs.size(), fs.size(), fs) == 0) {
          std::string head = last.substr(0, last.size() - fs.size());
          std::string func = last.substr(last.size() - fs.size());
          std::string full;
          for (size_t k = 0; k + 1 < pr.path.size(); ++k) full += pr.path[k] + ".";
          hint = fmt::format(" (did you mean '{}{} {}()'?)", full, head, func);
          break;
        }
      }
      if (pr.path.size() == 1 && hint.empty()) {
        const Builtin* b = FindBuiltin(last);
        return Fail(t_[p_ - 1].begin,
                    b ? fmt::format("'{}()' needs a value before it, as in 'tags {}()'", b->name,
                                    b->name)
                      : fmt::format("unknown function '{}'; known: {}", last, BuiltinNames()));
      }
      std::string joined;
      for (size_t k = 0; k < pr.path.size(); ++k) joined += (k ? "." : "") + pr.path[k];
      return Fail(Peek().begin, fmt::format("unexpected '(' after path '{}'; a function call "
                                            "needs a space before its name{}",
                                            joined, hint));
    }
    // Steps.
    const Builtin* last_call = nullptr;
    while (true) {
      const Token& t = Peek();
      if (IsKw(t, "with")) {
        if (last_call && !last_call->yields_number) return NothingMayFollow(last_call, t);
        Step st;
        st.type = Step::Type::kWith;
        size_t b = t.begin;
        ++p_;
        if (!ParseBracket(st.bracket, "with", depth)) return false;
        st.span = Span{static_cast<uint32_t>(b), static_cast<uint32_t>(t_[p_ - 1].end)};
        pr.steps.push_back(std::move(st));
        last_call = nullptr;
        continue;
      }
      if (IsKw(t, "groupby")) {
        Step st;
        st.type = Step::Type::kGroupBy;
        size_t b = t.begin;
        ++p_;
        if (!Expect("[", "'[' after 'groupBy'")) return false;
        if (!ParsePath(st.path)) return false;
        if (!Expect("]", "']' to close 'groupBy ['")) return false;
        st.span = Span{static_cast<uint32_t>(b), static_cast<uint32_t>(t_[p_ - 1].end)};
        pr.steps.push_back(std::move(st));
        last_call = nullptr;
        continue;
      }
      if (t.type == Token::Type::kIdent && !IsKeyword(t.lower) && IsPunct(Peek(1), "(")) {
        const Builtin* b = FindBuiltin(t.text);
        if (!b) {
          return Fail(t.begin, fmt::format("unknown function '{}'; known: {}", t.text,
                                           BuiltinNames()));
        }
        if (last_call && !last_call->yields_number) return NothingMayFollow(last_call, t);
        if (last_call && last_call->yields_number) {
          return Fail(t.begin, fmt::format("'{}()' yields a number and must be followed by a "
                                           "comparison, found {}",
                                           last_call->name, Describe(t)));
        }
        Step st;
        st.type = Step::Type::kCall;
        st.name = b->name;
        size_t bpos = t.begin;
        p_ += 2;
        while (!IsPunct(Peek(), ")")) {
          Literal lit;
          if (!ParseLiteral(lit, fmt::format("'{}('", b->name))) return false;
          st.args.push_back(std::move(lit));
          if (IsPunct(Peek(), ",")) {
            ++p_;
            continue;
          }
          if (!IsPunct(Peek(), ")")) {
            return Fail(Peek().begin, fmt::format("expected ',' or ')' in the arguments of "
                                                  "{}(), found {}",
                                                  b->name, Describe(Peek())));
          }
        }
        ++p_;
        if (!CheckArgs(*b, st, bpos)) return false;
        st.span = Span{static_cast<uint32_t>(bpos), static_cast<uint32_t>(t_[p_ - 1].end)};
        pr.steps.push_back(std::move(st));
        last_call = b;
        continue;
      }
      break;
    }
    // The test.
    const Token& t = Peek();
    bool has_test = false;
    Test test;
    size_t tb = t.begin;
    if (t.type == Token::Type::kPunct &&
        (t.text == "=" || t.text == "!=" || t.text == "<" || t.text == ">" || t.text == "<=" ||
         t.text == ">=")) {
      test.type = Test::Type::kCompare;
      test.op = t.text;
      ++p_;
      if (!ParseLiteral(test.literal, "'" + test.op + "'")) return false;
      has_test = true;
    } else if (IsKw(t, "like")) {
      test.type = Test::Type::kLike;
      ++p_;
      if (Peek().type != Token::Type::kString) {
        return Fail(Peek().begin, fmt::format("expected a string after 'like', found {}",
                                              Describe(Peek())));
      }
      ParseLiteral(test.literal, "'like'");
      has_test = true;
    } else if (IsKw(t, "regexmatch")) {
      test.type = Test::Type::kRegex;
      ++p_;
      test.regex = Peek().text;
      test.flags = Peek().flags;
      for (char f : test.flags) {
        if (f != 'i') {
          return Fail(Peek().end - test.flags.size(),
                      fmt::format("unknown regex flag '{}'; the only flag is 'i'", f));
        }
      }
      ++p_;
      has_test = true;
    } else if (IsKw(t, "in")) {
      test.type = Test::Type::kIn;
      ++p_;
      if (!Expect("(", "'(' after 'in'")) return false;
      while (true) {
        Literal lit;
        if (!ParseLiteral(lit, "'in ('")) return false;
        test.literals.push_back(std::move(lit));
        if (IsPunct(Peek(), ",")) {
          ++p_;
          continue;
        }
        break;
      }
      if (!Expect(")", "')' to close 'in ('")) return false;
      has_test = true;
    } else if (IsKw(t, "before") || IsKw(t, "after")) {
      test.type = t.lower == "before" ? Test::Type::kBefore : Test::Type::kAfter;
      std::string kw = t.lower;
      ++p_;
      if (!Expect("(", "'(' after '" + kw + "'")) return false;
      if (Peek().type != Token::Type::kNumber || Peek().text.find('.') != std::string::npos) {
        return Fail(Peek().begin, fmt::format("{} expects a whole number of units, found {}", kw,
                                              Describe(Peek())));
      }
      std::from_chars(Peek().text.data(), Peek().text.data() + Peek().text.size(), test.amount);
      ++p_;
      if (!Expect(",", "',' after the amount")) return false;
      if (Peek().type != Token::Type::kString) {
        return Fail(Peek().begin, fmt::format("{} expects a unit string such as 'days', found {}",
                                              kw, Describe(Peek())));
      }
      std::string unit = Lower(Peek().text);
      if (!unit.empty() && unit.back() == 's') unit.pop_back();
      if (unit != "minute" && unit != "hour" && unit != "day" && unit != "week" &&
          unit != "month" && unit != "year") {
        return Fail(Peek().begin, fmt::format("unknown time unit '{}'; expected minutes, hours, "
                                              "days, weeks, months or years",
                                              Peek().text));
      }
      test.unit = unit;
      ++p_;
      if (!Expect(")", "')' to close '" + kw + "('")) return false;
      has_test = true;
    } else if (IsKw(t, "contain") || IsKw(t, "contain-any") || IsKw(t, "contain-all") ||
               IsKw(t, "contain-none")) {
      test.type = Test::Type::kQuantifier;
      test.op = t.lower;
      ++p_;
      if (!ParseBracket(test.bracket, test.op, depth)) return false;
      has_test = true;
    }
    if (has_test) {
      if (last_call && !last_call->yields_number) return NothingMayFollow(last_call, t);
      if (last_call && last_call->yields_number && test.type != Test::Type::kCompare &&
          test.type != Test::Type::kIn) {
        return Fail(tb, fmt::format("'{}()' yields a number: compare it with = != < > <= >=",
                                    last_call->name));
      }
      test.span = Span{static_cast<uint32_t>(tb), static_cast<uint32_t>(t_[p_ - 1].end)};
      pr.test = std::move(test);
    } else if (last_call && last_call->yields_number) {
      return Fail(Peek().begin, fmt::format("'{}()' yields a number and must be followed by a "
                                            "comparison, found {}",
                                            last_call->name, Describe(Peek())));
    }
    pr.span = Span{static_cast<uint32_t>(start), static_cast<uint32_t>(t_[p_ - 1].end)};
    // What may follow a predicate.
    const Token& n = Peek();
    if (!(n.type == Token::Type::kEnd || IsKw(n, "and") || IsKw(n, "or") || IsKw(n, "should") ||
          IsPunct(n, ")") || IsPunct(n, "]"))) {
      if (IsPunct(n, "(")) {
        return Fail(n.begin, "unexpected '(' after a predicate");
      }
      return Fail(n.begin, fmt::format("unexpected {} after a predicate; expected 'and', 'or', "
                                       "')', ']' or the end of the rule",
                                       Describe(n)));
    }
    return true;
  }

  bool NothingMayFollow(const Builtin* b, const Token& t) {
    return Fail(t.begin, fmt::format("'{}()' is a test and ends the predicate; nothing may "
                                     "follow it, found {}",
                                     b->name, Describe(t)));
  }

  bool CheckArgs(const Builtin& b, const Step& st, size_t at) {
    auto kind = [](Builtin::Arg a) {
      return a == Builtin::Arg::kNumber ? "number" : a == Builtin::Arg::kString ? "string" : "";
    };
    bool ok = static_cast<int>(st.args.size()) == b.args;
    for (const Literal& l : st.args) {
      if (b.arg == Builtin::Arg::kNumber && l.type != Literal::Type::kNumber) ok = false;
      if (b.arg == Builtin::Arg::kString && l.type != Literal::Type::kString) ok = false;
    }
    if (ok) return true;
    std::string got;
    for (size_t i = 0; i < st.args.size(); ++i) {
      got += (i ? ", " : "") +
             (st.args[i].type == Literal::Type::kString ? "'" + st.args[i].text + "'"
                                                        : st.args[i].text);
    }
    if (b.args == 0) {
      return Fail(at, fmt::format("{} takes no arguments, got {}", b.name, got));
    }
    return Fail(at, fmt::format("{} expects {} {}, got {}", b.name, b.args, kind(b.arg),
                                got.empty() ? std::string("none") : got));
  }

  std::string_view s_;
  std::vector<Token> t_;
  ParseOptions opt_;
  size_t p_ = 0;
  bool failed_ = false;
  size_t err_offset_ = 0;
  std::string err_;
};

}  // namespace

Diagnostic At(std::string_view text, size_t offset, std::string message) {
  Diagnostic d;
  d.offset = std::min(offset, text.size());
  d.message = std::move(message);
  for (size_t i = 0; i < d.offset; ++i) {
    if (text[i] == '\n') {
      ++d.line;
      d.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++d.column;
    }
  }
  return d;
}

ParseResult ParseRule(std::string_view text, const ParseOptions& options) {
  std::vector<Token> toks;
  Lexer lx(text);
  if (auto err = lx.Run(toks)) {
    ParseResult r;
    r.error = At(text, err->offset, err->message);
    return r;
  }
  return Parser(text, std::move(toks), options).Run();
}

std::string FormatDiagnostic(std::string_view where, std::string_view text, const Diagnostic& d) {
  std::string out = fmt::format("{}{}{}:{}: error: {}\n", where, where.empty() ? "" : ":", d.line,
                                d.column, d.message);
  // The source line, and a caret under the column.
  size_t start = d.offset;
  while (start > 0 && text[start - 1] != '\n') --start;
  size_t end = text.find('\n', d.offset);
  if (end == std::string_view::npos) end = text.size();
  std::string line(text.substr(start, end - start));
  for (char& c : line) {
    if (c == '\t' || c == '\r') c = ' ';
  }
  if (line.size() > 400) {
    // Keep long lines readable: show the part around the column.
    size_t from = d.offset - start > 200 ? d.offset - start - 200 : 0;
    std::string cut = line.substr(from, 400);
    out += "  " + cut + "\n  " + std::string(d.offset - start - from, ' ') + "^\n";
    return out;
  }
  out += "  " + line + "\n  " + std::string(d.column - 1, ' ') + "^\n";
  return out;
}

}  // namespace vigil::gsl
