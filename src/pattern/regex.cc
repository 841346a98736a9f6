#include "pattern/regex.h"

#include <cstdio>

#include <fmt/format.h>

namespace vigil::pattern {

namespace {

bool IsOperatorChar(char c) {
  switch (c) {
    case '^': case '$': case '?': case '[': case ']': case '{': case '}':
    case '|': case '\\': case '*': case '+': case '.':
      return true;
    default:
      return false;
  }
}

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsLiteralChar(char c) {
  if (IsAlnum(c)) return true;
  switch (c) {
    case ':': case '_': case '#': case '=': case '@': case '/': case ';': case ',':
    case '-': case ' ':
      return true;
    default:
      return false;
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

CharSet Single(unsigned char c) {
  CharSet s;
  s.ascii.set(c);
  return s;
}

CharSet ClassEscape(char e) {
  CharSet s;
  switch (e) {
    case 'd': case 'D':
      for (char c = '0'; c <= '9'; ++c) s.ascii.set(c);
      break;
    case 'w': case 'W':
      for (int c = 0; c < 128; ++c) {
        if (IsAlnum(static_cast<char>(c)) || c == '_') s.ascii.set(c);
      }
      break;
    case 's': case 'S':
      s.ascii.set('\t');
      s.ascii.set('\n');
      s.ascii.set(' ');
      break;
  }
  if (e == 'D' || e == 'W' || e == 'S') {
    s.ascii.flip();
    s.non_ascii = true;
  }
  return s;
}

std::string DescribeChar(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x80) return fmt::format("non-ASCII byte 0x{:02X}", u);
  if (u < 0x20 || u == 0x7F) return fmt::format("control character 0x{:02X}", u);
  return fmt::format("'{}'", c);
}

class RegexParser {
 public:
  explicit RegexParser(std::string_view src) : s_(src) {}

  RegexParse Run() {
    RegexParse out;
    Regex re;
    re.source = std::string(s_);
    re.branches.emplace_back();
    while (i_ < s_.size() && err_.empty()) {
      char c = s_[i_];
      if (c == '|') {
        ++i_;
        re.branches.emplace_back();
        continue;
      }
      size_t start = i_;
      RegexPiece p;
      if (c == '^') {
        p.type = RegexPiece::Type::kBegin;
        ++i_;
      } else if (c == '$') {
        p.type = RegexPiece::Type::kEnd;
        ++i_;
      } else if (c == '.') {
        p.set.ascii.set();
        p.set.ascii.reset('\n');
        p.set.non_ascii = true;
        ++i_;
      } else if (c == '[') {
        if (!ParseClass(&p.set)) break;
      } else if (c == '\\') {
        if (!ParseEscape(&p.set)) break;
      } else if (c == '*' || c == '+' || c == '?' || c == '{') {
        Fail(i_, fmt::format("'{}' has nothing to repeat; write \\{} for the character itself", c,
                             c));
        break;
      } else if (c == ']' || c == '}') {
        Fail(i_, fmt::format("unmatched '{}'; write \\{} for the character itself", c, c));
        break;
      } else if (c == '(' || c == ')') {
        Fail(i_, fmt::format("'{}' is not allowed in a filter-pattern regex (no groups); write "
                             "\\x{:02x} for the character itself",
                             c, static_cast<int>(c)));
        break;
      } else if (IsLiteralChar(c)) {
        p.set = Single(static_cast<unsigned char>(c));
        ++i_;
      } else {
        Fail(i_, fmt::format("Invalid character(s) in term: {} is not allowed in a regex; write "
                             "it as \\xHH",
                             DescribeChar(c)));
        break;
      }
      if (!ParseQuantifier(&p, start)) break;
      re.branches.back().push_back(std::move(p));
    }
    if (!err_.empty()) {
      out.error = err_;
      out.error_offset = err_at_;
      return out;
    }
    re.re2 = ToRe2(re);
    out.regex = std::move(re);
    return out;
  }

 private:
  void Fail(size_t at, std::string msg) {
    if (err_.empty()) {
      err_ = std::move(msg);
      err_at_ = at;
    }
  }

  bool ParseHex(size_t at, unsigned char* out) {
    // at points after "\x"
    if (at + 2 > s_.size() || HexValue(s_[at]) < 0 || HexValue(s_[at + 1]) < 0) {
      Fail(at - 2, "expected two hex digits after \\x");
      return false;
    }
    int v = HexValue(s_[at]) * 16 + HexValue(s_[at + 1]);
    if (v >= 0x80) {
      Fail(at - 2, fmt::format("\\x{} is not ASCII; a regex matches ASCII characters only",
                               s_.substr(at, 2)));
      return false;
    }
    *out = static_cast<unsigned char>(v);
    return true;
  }

  // At '\'. Parses one escape into *set.
  bool ParseEscape(CharSet* set) {
    size_t at = i_;
    if (i_ + 1 >= s_.size()) {
      Fail(at, "a regex cannot end with '\\'; expected an escape such as \\d or \\.");
      return false;
    }
    char e = s_[i_ + 1];
    last_escape_was_class_ = false;
    if (e == 'd' || e == 'D' || e == 's' || e == 'S' || e == 'w' || e == 'W') {
      *set = ClassEscape(e);
      i_ += 2;
      last_escape_was_class_ = true;
      return true;
    }
    if (e == 'x') {
      unsigned char v;
      if (!ParseHex(i_ + 2, &v)) return false;
      *set = Single(v);
      i_ += 4;
      return true;
    }
    if (IsOperatorChar(e)) {
      *set = Single(static_cast<unsigned char>(e));
      i_ += 2;
      return true;
    }
    Fail(at, fmt::format("unknown escape '\\{}'; expected \\d \\D \\s \\S \\w \\W, \\xHH, or "
                         "'\\' before one of ^$?[]{{}}|\\*+.",
                         e));
    return false;
  }

  bool ParseClassChar(unsigned char* out, bool* is_set, CharSet* set) {
    char c = s_[i_];
    *is_set = false;
    if (c == '\\') {
      if (!ParseEscape(set)) return false;
      if (last_escape_was_class_) {
        *is_set = true;
        return true;
      }
      // A single-character escape (\xHH, \.) can be a range end.
      for (int k = 0; k < 128; ++k) {
        if (set->ascii.test(k)) *out = static_cast<unsigned char>(k);
      }
      return true;
    }
    if (c == '[' || c == ']') {
      Fail(i_, fmt::format("'{}' inside a character class must be written \\{}", c, c));
      return false;
    }
    if (c == '(' || c == ')') {
      Fail(i_, fmt::format("'{}' is not allowed in a filter-pattern regex; write \\x{:02x}", c,
                           static_cast<int>(c)));
      return false;
    }
    if (IsLiteralChar(c) || (IsOperatorChar(c) && c != '\\')) {
      *out = static_cast<unsigned char>(c);
      ++i_;
      return true;
    }
    Fail(i_, fmt::format("Invalid character(s) in term: {} is not allowed in a regex; write it "
                         "as \\xHH",
                         DescribeChar(c)));
    return false;
  }

  bool ParseClass(CharSet* set) {
    size_t open = i_;
    ++i_;
    bool negate = false;
    if (i_ < s_.size() && s_[i_] == '^') {
      negate = true;
      ++i_;
    }
    CharSet acc;
    bool any = false;
    while (true) {
      if (i_ >= s_.size()) {
        Fail(open, "unterminated character class; expected ']'");
        return false;
      }
      if (s_[i_] == ']') {
        if (!any) {
          Fail(i_, "empty character class; expected at least one character before ']'");
          return false;
        }
        ++i_;
        break;
      }
      size_t item = i_;
      unsigned char lo = 0;
      bool is_set;
      CharSet sub;
      if (!ParseClassChar(&lo, &is_set, &sub)) return false;
      any = true;
      if (is_set) {
        acc.ascii |= sub.ascii;
        acc.non_ascii |= sub.non_ascii;
        continue;
      }
      if (i_ + 1 < s_.size() && s_[i_] == '-' && s_[i_ + 1] != ']') {
        ++i_;
        unsigned char hi = 0;
        if (!ParseClassChar(&hi, &is_set, &sub)) return false;
        if (is_set) {
          Fail(item, "a range cannot end in a class escape such as \\d");
          return false;
        }
        if (hi < lo) {
          Fail(item, fmt::format("range out of order: '{}' comes after '{}'", static_cast<char>(lo),
                                 static_cast<char>(hi)));
          return false;
        }
        for (unsigned k = lo; k <= hi; ++k) acc.ascii.set(k);
      } else {
        acc.ascii.set(lo);
      }
    }
    if (negate) {
      acc.ascii.flip();
      acc.non_ascii = !acc.non_ascii;
    }
    *set = acc;
    return true;
  }

  bool ParseCount(uint32_t* v, bool* present) {
    size_t st = i_;
    uint64_t n = 0;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
      n = n * 10 + static_cast<uint64_t>(s_[i_] - '0');
      if (n > kMaxRegexRepeat) {
        Fail(st, fmt::format("repeat count too large; at most {}", kMaxRegexRepeat));
        return false;
      }
      ++i_;
    }
    *present = i_ > st;
    *v = static_cast<uint32_t>(n);
    return true;
  }

  bool ParseQuantifier(RegexPiece* p, size_t atom_start) {
    if (i_ >= s_.size()) return true;
    char c = s_[i_];
    if (c != '*' && c != '+' && c != '?' && c != '{') return true;
    if (p->type != RegexPiece::Type::kSet) {
      Fail(i_, fmt::format("'{}' cannot repeat the anchor '{}'", c, s_[atom_start]));
      return false;
    }
    size_t qstart = i_;
    if (c == '*') {
      p->min = 0;
      p->max = RegexPiece::kUnbounded;
      ++i_;
    } else if (c == '+') {
      p->min = 1;
      p->max = RegexPiece::kUnbounded;
      ++i_;
    } else if (c == '?') {
      p->min = 0;
      p->max = 1;
      ++i_;
    } else {
      ++i_;
      uint32_t m = 0, n = 0;
      bool has_m, has_n = false, comma = false;
      if (!ParseCount(&m, &has_m)) return false;
      if (i_ < s_.size() && s_[i_] == ',') {
        comma = true;
        ++i_;
        if (!ParseCount(&n, &has_n)) return false;
      }
      if (i_ >= s_.size() || s_[i_] != '}') {
        Fail(qstart, "expected '}' to close the repeat count {m,n}");
        return false;
      }
      ++i_;
      if (!has_m && !has_n) {
        Fail(qstart, "expected a repeat count inside '{}', such as {3}, {2,5}, {2,} or {,5}");
        return false;
      }
      if (!comma) {
        p->min = p->max = m;
      } else {
        p->min = has_m ? m : 0;
        p->max = has_n ? n : RegexPiece::kUnbounded;
        if (has_n && p->min > n) {
          Fail(qstart, fmt::format("repeat count {{{},{}}} has its minimum above its maximum", m, n));
          return false;
        }
      }
    }
    if (i_ < s_.size()) {
      char d = s_[i_];
      if (d == '*' || d == '+' || d == '?' || d == '{') {
        Fail(i_, fmt::format("'{}' cannot follow another repeat operator", d));
        return false;
      }
    }
    return true;
  }

  static void AppendClassBody(std::string& out, const std::bitset<128>& bits) {
    for (int c = 0; c < 128; ++c) {
      if (!bits.test(c)) continue;
      int e = c;
      while (e + 1 < 128 && bits.test(e + 1)) ++e;
      auto one = [&](int ch) {
        if (IsAlnum(static_cast<char>(ch))) {
          out += static_cast<char>(ch);
        } else {
          char b[8];
          std::snprintf(b, sizeof b, "\\x%02X", ch);
          out += b;
        }
      };
      one(c);
      if (e > c + 1) out += '-';
      if (e > c) one(e);
      c = e;
    }
  }

  static std::string SetToRe2(const CharSet& s) {
    size_t n = s.ascii.count();
    if (!s.non_ascii && n == 1) {
      std::string out;
      for (int c = 0; c < 128; ++c) {
        if (!s.ascii.test(c)) continue;
        if (IsAlnum(static_cast<char>(c))) {
          out += static_cast<char>(c);
        } else {
          char b[8];
          std::snprintf(b, sizeof b, "\\x%02X", c);
          out += b;
        }
      }
      return out;
    }
    if (!s.non_ascii) {
      if (n == 0) return "[^\\x00-\\x{10FFFF}]";
      std::string out = "[";
      AppendClassBody(out, s.ascii);
      return out + "]";
    }
    std::bitset<128> missing = ~s.ascii;
    if (missing.none()) return "(?s:.)";
    std::string out = "[^";
    AppendClassBody(out, missing);
    return out + "]";
  }

  static std::string ToRe2(const Regex& re) {
    std::string out;
    for (size_t b = 0; b < re.branches.size(); ++b) {
      if (b) out += '|';
      for (const RegexPiece& p : re.branches[b]) {
        if (p.type == RegexPiece::Type::kBegin) {
          out += "^";
          continue;
        }
        if (p.type == RegexPiece::Type::kEnd) {
          out += "$";
          continue;
        }
        std::string atom = SetToRe2(p.set);
        bool needs_group = atom.size() > 1 && atom[0] != '[' && atom[0] != '\\' && atom[0] != '(';
        if (needs_group) atom = "(?:" + atom + ")";
        out += atom;
        if (p.min == 1 && p.max == 1) continue;
        if (p.min == 0 && p.max == RegexPiece::kUnbounded) {
          out += '*';
        } else if (p.min == 1 && p.max == RegexPiece::kUnbounded) {
          out += '+';
        } else if (p.min == 0 && p.max == 1) {
          out += '?';
        } else if (p.max == RegexPiece::kUnbounded) {
          out += fmt::format("{{{},}}", p.min);
        } else if (p.min == p.max) {
          out += fmt::format("{{{}}}", p.min);
        } else {
          out += fmt::format("{{{},{}}}", p.min, p.max);
        }
      }
    }
    return out;
  }

  std::string_view s_;
  size_t i_ = 0;
  std::string err_;
  size_t err_at_ = 0;
  bool last_escape_was_class_ = false;
};

}  // namespace

RegexParse ParseRegex(std::string_view source) { return RegexParser(source).Run(); }

}  // namespace vigil::pattern
