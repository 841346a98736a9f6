#include "pattern/matcher.h"

#include <string.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>
#include <re2/re2.h>
#include <simdjson.h>

#include "base/text.h"
#include "pattern/printer.h"

namespace vigil::pattern {

// ---------------------------------------------------------------------------------------------
// Programs for each kind of pattern

namespace {

// A string the event's raw bytes must contain. `simple` literals can only be spelled another way
// in JSON with a \u escape; others (with '"', '\\', '/' or control characters) with any escape.
struct Literal {
  std::string text;
  bool simple = true;
};

// One clause: the event must contain one of these literals.
struct Clause {
  std::vector<Literal> any_of;
  std::vector<int> ids;  // any_of's literals in the engine's LiteralScanner
};

// A conjunction of clauses: `{ $.eventSource = s3.amazonaws.com && ($.eventName = A || ...) }`
// needs both "s3.amazonaws.com" and one of the names, which rejects far more events than either
// clause alone.
struct Prefilter {
  bool active = false;
  std::vector<Clause> all_of;
};

bool Contains(std::string_view hay, std::string_view needle);

// Finds which of many literals occur in a text in one pass (memmem per literal would scan the
// text once per literal: the 15 CIS patterns have 96). The text is sampled every `stride_` bytes,
// where stride_ is the shortest keyed literal's length minus 3 (at most 8); each literal of at
// least kMinKeyed bytes keys `stride_` consecutive 4-byte grams by a 16-bit hash in a 64 Kibit
// bitmap, so that each occurrence contains a sampled keyed gram, and the bitmap rejects almost
// every sample at once. Shorter literals use memchr.
class LiteralScanner {
 public:
  static constexpr size_t kMinKeyed = 8;

  int Add(const std::string& lit) {
    for (size_t i = 0; i < lits_.size(); ++i) {
      if (lits_[i] == lit) return static_cast<int>(i);
    }
    lits_.push_back(lit);
    return static_cast<int>(lits_.size() - 1);
  }

  void Build() {
    bits_.assign(1024, 0);
    grams_.clear();
    short_.clear();
    stride_ = 8;
    for (size_t i = 0; i < lits_.size(); ++i) {
      const std::string& l = lits_[i];
      if (l.size() < kMinKeyed) {
        short_.push_back(static_cast<int>(i));
      } else {
        stride_ = std::min(stride_, l.size() - 3);
      }
    }
    // Any `stride_` consecutive gram offsets of a literal hold exactly one sampled position of
    // each of its occurrences, so only those grams need keys. Each literal keys the window with
    // the fewest grams made only of lowercase letters, '.' and '"', which are the common ones in
    // log text ("ersi" of "eventVersion", "amazonaws.com"): fewer common keys, fewer probes.
    auto cost = [](const char* p) {
      for (int k = 0; k < 4; ++k) {
        char c = p[k];
        if (!((c >= 'a' && c <= 'z') || c == '.' || c == '"')) return 0;
      }
      return 1;
    };
    for (size_t i = 0; i < lits_.size(); ++i) {
      const std::string& l = lits_[i];
      if (l.size() < kMinKeyed) continue;
      size_t best = 0;
      int best_cost = INT32_MAX;
      for (size_t from = 0; from + stride_ + 3 <= l.size(); ++from) {
        int c = 0;
        for (size_t off = from; off < from + stride_; ++off) c += cost(l.data() + off);
        if (c < best_cost) {
          best_cost = c;
          best = from;
        }
      }
      for (size_t off = best; off < best + stride_; ++off) {
        uint16_t key = Key(l.data() + off);
        bits_[key >> 6] |= uint64_t{1} << (key & 63);
        Gram g{key, static_cast<uint16_t>(off), static_cast<int>(i), 0, 0, 0, 0};
        size_t take = std::min<size_t>(8, l.size() - off);
        std::memcpy(&g.next8, l.data() + off, take);
        g.mask8 = take == 8 ? ~uint64_t{0} : ((uint64_t{1} << (8 * take)) - 1);
        take = std::min<size_t>(8, l.size());
        std::memcpy(&g.first8, l.data(), take);
        g.mask_first8 = take == 8 ? ~uint64_t{0} : ((uint64_t{1} << (8 * take)) - 1);
        grams_.push_back(g);
      }
    }
    std::sort(grams_.begin(), grams_.end(),
              [](const Gram& a, const Gram& b) { return (a.key >> 4) < (b.key >> 4); });
    // Buckets by the key's top 12 bits: a 16 KiB table, cheap to build for every compiled pattern.
    start_.assign(kBuckets + 1, 0);
    for (const Gram& g : grams_) ++start_[(g.key >> 4) + 1];
    for (size_t k = 1; k < start_.size(); ++k) start_[k] += start_[k - 1];
  }

  size_t size() const { return lits_.size(); }
  // Whether literal `id` occurs in `s`, alone (memmem).
  bool Has(std::string_view s, int id) const { return Contains(s, lits_[id]); }

  // `s` must be followed by at least 8 readable bytes (MatchesPadded's contract). Returns the
  // number of distinct literals found.
  size_t Scan(std::string_view s, std::vector<uint8_t>& found) const {
    found.assign(lits_.size(), 0);
    size_t count = 0;
    for (int i : short_) count += found[i] = ContainsShort(s, lits_[i]);
    if (grams_.empty()) return count;
    const char* p = s.data();
    const size_t n = s.size();
    const uint64_t* bits = bits_.data();
    const size_t stride = stride_;
    // The hot loop: one multiply and one bit test per sample, two samples per branch; almost
    // every sample misses.
    size_t i = 0;
    for (; i + stride + 4 <= n; i += 2 * stride) {
      uint16_t k1 = Key(p + i), k2 = Key(p + i + stride);
      uint64_t b1 = bits[k1 >> 6] >> (k1 & 63), b2 = bits[k2 >> 6] >> (k2 & 63);
      if (__builtin_expect(((b1 | b2) & 1) == 0, 1)) continue;
      if (b1 & 1) count += Probe(p, n, i, k1, found.data());
      if (b2 & 1) count += Probe(p, n, i + stride, k2, found.data());
    }
    for (; i + 4 <= n; i += stride) {
      uint16_t key = Key(p + i);
      if (((bits[key >> 6] >> (key & 63)) & 1) != 0) count += Probe(p, n, i, key, found.data());
    }
    return count;
  }

 private:
  struct Gram {
    uint16_t key;
    uint16_t off;  // where the gram starts in the literal
    int lit;
    uint64_t next8;  // the literal's bytes from `off` (up to 8), for a cheap first check
    uint64_t mask8;
    uint64_t first8;  // the literal's first bytes (up to 8), for a second one
    uint64_t mask_first8;
  };
  // The literals with a gram keyed `key` that occur with that gram at `i`; returns how many
  // were newly found.
  [[gnu::noinline]] size_t Probe(const char* p, size_t n, size_t i, uint16_t key,
                                 uint8_t* found) const {
    size_t count = 0;
    uint64_t here;
    std::memcpy(&here, p + i, 8);  // the caller's text has padding after it
    for (auto it = grams_.begin() + start_[key >> 4], end = grams_.begin() + start_[(key >> 4) + 1];
         it != end; ++it) {
      if (it->key != key || found[it->lit] || it->off > i || ((here ^ it->next8) & it->mask8) != 0) {
        continue;
      }
      const std::string& l = lits_[it->lit];
      size_t start = i - it->off;
      if (n - start < l.size()) continue;
      // Literals often share a tail ("s3.amazonaws.com", "kms.amazonaws.com"): their heads tell
      // them apart before a call to memcmp.
      uint64_t head;
      std::memcpy(&head, p + start, 8);  // start + 8 <= n + 8: within the padding
      if (((head ^ it->first8) & it->mask_first8) != 0) continue;
      if (l.size() <= 8 || std::memcmp(p + start + 8, l.data() + 8, l.size() - 8) == 0) {
        found[it->lit] = 1;
        ++count;
      }
    }
    return count;
  }

  static uint16_t Key(const char* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return static_cast<uint16_t>((v * 2654435761u) >> 16);
  }
  // Short needles: memchr (vectorised) for an uppercase letter or digit of the needle, which are
  // rarer than lowercase text in log events, then compare; glibc's memmem is slower here.
  static bool ContainsShort(std::string_view hay, const std::string& needle) {
    size_t k = needle.size();
    for (size_t j = 0; j < needle.size(); ++j) {
      char c = needle[j];
      if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        k = j;
        break;
      }
    }
    if (k == needle.size()) return Contains(hay, needle);
    const char* p = hay.data();
    const char* end = p + hay.size();
    const char* from = p + k;
    while (from < end) {
      const void* hit = std::memchr(from, needle[k], static_cast<size_t>(end - from));
      if (!hit) return false;
      const char* h = static_cast<const char*>(hit);
      if (static_cast<size_t>(h - p) >= k && static_cast<size_t>(end - (h - k)) >= needle.size() &&
          std::memcmp(h - k, needle.data(), needle.size()) == 0) {
        return true;
      }
      from = h + 1;
    }
    return false;
  }
  std::vector<std::string> lits_;
  std::vector<uint64_t> bits_;
  std::vector<Gram> grams_;        // sorted by key
  static constexpr size_t kBuckets = 4096;
  std::vector<uint32_t> start_;    // grams_ of bucket b (key >> 4): [start_[b], start_[b + 1])
  std::vector<int> short_;
  size_t stride_ = 1;
};

struct TermProg {
  std::string text;
  const RE2* re = nullptr;
  bool blank = false;
};

struct FieldAtomProg {
  Op op = Op::kEq;
  Value::Type vtype = Value::Type::kString;
  std::string text;
  bool star_start = false, star_end = false;
  double number = 0;
  const RE2* re = nullptr;
};

struct FieldProg {
  Field::Type type = Field::Type::kUnnamed;
  std::string name;
  std::vector<std::vector<FieldAtomProg>> any_of;
};

struct PatternProg {
  Kind kind = Kind::kMatchAll;
  int json = -1;  // index in the engine's JsonProgram
  Prefilter prefilter;
  // kTerm
  std::vector<TermProg> include, exclude, optional;
  bool term_never = false;  // an excluded blank phrase: nothing matches
  // kDelimited
  std::vector<FieldProg> fields;
  int ellipsis = -1;
  // JSON extraction: distinct selectors in order of first appearance
  std::vector<Selector> selectors;
};

struct Token {
  std::string_view value;
  size_t raw_begin = 0;
};

bool IsAlnumByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Whether `t` could be (part of) the text of a JSON number.
bool CouldBeNumberText(std::string_view t) {
  for (char c : t) {
    if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E')) {
      return false;
    }
  }
  return true;
}

// The most selective of several clauses: the longest shortest literal, then the fewest literals.
std::pair<size_t, long> ClauseScore(const std::vector<Literal>& v) {
  size_t m = SIZE_MAX;
  for (const auto& l : v) m = std::min(m, l.text.size());
  return std::make_pair(m, -static_cast<long>(v.size()));
}

// Strings an event must contain for `e` to hold, as a conjunction of disjunctions of literals
// (empty: no requirement is known).
std::vector<std::vector<Literal>> Requirement(const Expr& e, NumberPolicy numbers) {
  switch (e.type) {
    case Expr::Type::kAtom: {
      const Atom& a = e.atom;
      if (a.op != Op::kEq) return {};
      const Value& v = a.value;
      if (v.type != Value::Type::kString && v.type != Value::Type::kGlob) return {};
      if (v.text.empty()) return {};
      // Under TEXTUAL a string literal also matches a number whose raw text equals it: the
      // literal still stands in the event as written.
      Literal lit{v.text, true};
      for (char c : v.text) {
        auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\' || c == '/' || u < 0x20) lit.simple = false;
      }
      // The quotes around a string value are never escaped, so where the value can only be a
      // JSON string they are required too (`"CreateVpc"` is not in "CreateVpcEndpoint"):
      // `= s` under TYPED, and the closed ends of a glob that no number's text can match.
      // `simple` stays that of the text between them.
      if (lit.simple) {
        bool string_only = v.type == Value::Type::kString ? numbers == NumberPolicy::kTyped
                                                          : !CouldBeNumberText(v.text);
        if (string_only && !(v.type == Value::Type::kGlob && v.star_start)) {
          lit.text.insert(lit.text.begin(), '"');
        }
        if (string_only && !(v.type == Value::Type::kGlob && v.star_end)) lit.text += '"';
      }
      return {{lit}};
    }
    case Expr::Type::kOr: {
      // Each alternative's most selective clause; together they make one clause.
      std::vector<Literal> all;
      for (const Expr& c : e.children) {
        auto r = Requirement(c, numbers);
        if (r.empty()) return {};
        auto best = std::max_element(r.begin(), r.end(), [](const auto& x, const auto& y) {
          return ClauseScore(x) < ClauseScore(y);
        });
        all.insert(all.end(), best->begin(), best->end());
      }
      return {all};
    }
    case Expr::Type::kAnd: {
      std::vector<std::vector<Literal>> all;
      for (const Expr& c : e.children) {
        auto r = Requirement(c, numbers);
        for (auto& clause : r) all.push_back(std::move(clause));
      }
      return all;
    }
  }
  return {};
}

void CollectSelectors(const Expr& e, std::vector<Selector>& out) {
  if (e.type == Expr::Type::kAtom) {
    if (std::find(out.begin(), out.end(), e.atom.selector) == out.end()) {
      out.push_back(e.atom.selector);
    }
    return;
  }
  for (const Expr& c : e.children) CollectSelectors(c, out);
}

bool Contains(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return true;
  return ::memmem(hay.data(), hay.size(), needle.data(), needle.size()) != nullptr;
}

bool GlobMatch(std::string_view t, bool star_start, bool star_end, std::string_view s) {
  if (star_start && star_end) return Contains(s, t);
  if (star_end) return s.size() >= t.size() && s.compare(0, t.size(), t) == 0;
  return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}


bool FieldAtomHolds(const FieldAtomProg& a, std::string_view text) {
  if (a.vtype == Value::Type::kNumber) {
    auto n = ParsePatternNumber(text);
    return n && NumbersCompare(a.op, *n, a.number);
  }
  bool eq = false;
  switch (a.vtype) {
    case Value::Type::kString: eq = text == a.text; break;
    case Value::Type::kGlob: eq = GlobMatch(a.text, a.star_start, a.star_end, text); break;
    case Value::Type::kRegex:
      eq = RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *a.re);
      break;
    case Value::Type::kNumber: break;
  }
  return a.op == Op::kNe ? !eq : eq;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Context

struct MatchContext::Impl {
  MatchOptions options;
  std::unique_ptr<JsonKernel> kernel;
  EventState state;
  simdjson::dom::parser dom;
  simdjson::ondemand::parser extract;
  std::string padded;
  std::vector<Token> tokens;
  std::vector<uint8_t> one;
  std::vector<uint8_t> found;  // literals found by the prefilter scan
};

MatchContext::MatchContext(const MatchOptions& options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  impl_->kernel = MakeJsonKernel(options.max_json_depth);
}
MatchContext::~MatchContext() = default;
const char* MatchContext::json_kernel() const { return impl_->kernel->name(); }

// ---------------------------------------------------------------------------------------------
// Engine

class Engine {
 public:
  explicit Engine(const MatchOptions& o) : opt_(o) { json_.numbers = o.numbers; }

  Status Add(const Pattern& p) {
    PatternProg prog;
    prog.kind = p.kind;
    switch (p.kind) {
      case Kind::kMatchAll:
        break;
      case Kind::kTerm:
        for (const Term& t : p.terms) {
          TermProg tp;
          tp.text = t.text;
          tp.blank = t.IsBlank();
          if (t.is_regex) {
            auto re = CompileRegex(t.regex);
            if (!re.ok()) return re.status();
            tp.re = *re;
          }
          switch (t.mod) {
            case Term::Mod::kInclude:
              if (!tp.blank) prog.include.push_back(std::move(tp));
              break;
            case Term::Mod::kExclude:
              if (tp.blank) prog.term_never = true;
              prog.exclude.push_back(std::move(tp));
              break;
            case Term::Mod::kOptional:
              prog.optional.push_back(std::move(tp));
              break;
          }
        }
        // §3.1: '?' terms count only when the pattern has no include or exclude term. A blank
        // include term still counts as an include term (it is what makes the pattern match all).
        {
          bool has_plain = false;
          for (const Term& t : p.terms) has_plain |= t.mod != Term::Mod::kOptional;
          if (has_plain) prog.optional.clear();
        }
        break;
      case Kind::kJson: {
        prog.json = json_.AddPattern(p.json, opt_.regex_max_mem);
        for (const auto& re : json_.regexes) {
          if (!re->ok()) {
            return ResourceExhausted(fmt::format("regex /{}/ cannot be compiled: {}",
                                                 re->pattern(), re->error()));
          }
        }
        if (opt_.prefilter) {
          for (auto& lits : Requirement(p.json, opt_.numbers)) {
            Clause clause;
            clause.any_of = std::move(lits);
            for (const Literal& l : clause.any_of) clause.ids.push_back(scanner_.Add(l.text));
            prog.prefilter.all_of.push_back(std::move(clause));
          }
          // The most selective clause first.
          std::stable_sort(prog.prefilter.all_of.begin(), prog.prefilter.all_of.end(),
                           [](const Clause& a, const Clause& b) {
                             return ClauseScore(a.any_of) > ClauseScore(b.any_of);
                           });
          prog.prefilter.active = !prog.prefilter.all_of.empty();
        }
        CollectSelectors(p.json, prog.selectors);
        break;
      }
      case Kind::kDelimited:
        for (size_t i = 0; i < p.fields.size(); ++i) {
          const Field& f = p.fields[i];
          FieldProg fp;
          fp.type = f.type;
          fp.name = f.name;
          if (f.type == Field::Type::kEllipsis) prog.ellipsis = static_cast<int>(i);
          for (const auto& conj : f.any_of) {
            std::vector<FieldAtomProg> c;
            for (const FieldAtom& a : conj) {
              FieldAtomProg ap;
              ap.op = a.op;
              ap.vtype = a.value.type;
              ap.text = a.value.text;
              ap.star_start = a.value.star_start;
              ap.star_end = a.value.star_end;
              ap.number = a.value.number;
              if (a.value.type == Value::Type::kRegex) {
                auto re = CompileRegex(a.value.regex);
                if (!re.ok()) return re.status();
                ap.re = *re;
              }
              c.push_back(std::move(ap));
            }
            fp.any_of.push_back(std::move(c));
          }
          prog.fields.push_back(std::move(fp));
        }
        break;
    }
    pats_.push_back(std::move(prog));
    return Status::Ok();
  }

  // Builds the lookup structures; call once after the last Add.
  void Finish() {
    // Lazy lookups when the patterns' first (most selective) clauses need at most 3 literals,
    // as for one CIS pattern; one scan for all literals otherwise.
    std::vector<int> first;
    for (const PatternProg& p : pats_) {
      if (p.kind != Kind::kJson) continue;
      if (!p.prefilter.active) {
        unfiltered_json_ = true;
        continue;
      }
      for (int id : p.prefilter.all_of[0].ids) {
        if (std::find(first.begin(), first.end(), id) == first.end()) first.push_back(id);
      }
    }
    lazy_ = first.size() <= 3;
    all_json_ = !pats_.empty();
    for (const PatternProg& p : pats_) all_json_ &= p.kind == Kind::kJson;
    if (!lazy_) scanner_.Build();
    json_.Finish();
  }

  size_t size() const { return pats_.size(); }
  Kind kind(size_t i) const { return pats_[i].kind; }

  void MatchPadded(std::string_view msg, MatchContext::Impl& cx, std::vector<uint8_t>& out) const {
    if (out.size() == pats_.size()) {
      std::memset(out.data(), 0, out.size());
    } else {
      out.assign(pats_.size(), 0);
    }
    if (all_json_) {
      MatchJson(msg, cx, out);
      return;
    }
    bool any_json = false;
    for (size_t i = 0; i < pats_.size(); ++i) {
      const PatternProg& p = pats_[i];
      switch (p.kind) {
        case Kind::kMatchAll: out[i] = 1; break;
        case Kind::kTerm: out[i] = MatchTerms(p, msg); break;
        case Kind::kDelimited: out[i] = MatchDelimited(p, msg, cx.tokens, nullptr); break;
        case Kind::kJson: any_json = true; break;
      }
    }
    if (any_json) MatchJson(msg, cx, out);
  }

  ExtractedValues Extract(size_t i, std::string_view msg, MatchContext::Impl& cx) const {
    ExtractedValues ev;
    const PatternProg& p = pats_[i];
    if (p.kind == Kind::kDelimited) {
      MatchDelimited(p, msg, cx.tokens, &ev);
    } else if (p.kind == Kind::kJson) {
      ExtractJson(p, msg, cx, ev);
    }
    return ev;
  }

 private:
  StatusOr<const RE2*> CompileRegex(const Regex& r) {
    RE2::Options o;
    o.set_log_errors(false);
    o.set_max_mem(opt_.regex_max_mem);
    auto re = std::make_unique<RE2>(r.re2, o);
    if (!re->ok()) {
      return ResourceExhausted(
          fmt::format("regex %{}% cannot be compiled: {}", r.source, re->error()));
    }
    const RE2* ptr = re.get();
    regexes_.push_back(std::move(re));
    return ptr;
  }

  bool Occurs(const TermProg& t, std::string_view msg) const {
    if (t.blank) return true;
    if (t.re) return RE2::PartialMatch(re2::StringPiece(msg.data(), msg.size()), *t.re);
    if (opt_.terms == MatchOptions::TermMatch::kSubstring) return Contains(msg, t.text);
    size_t from = 0;
    while (true) {
      size_t at = msg.find(t.text, from);
      if (at == std::string_view::npos) return false;
      if (at == 0 || !IsAlnumByte(msg[at - 1])) return true;
      from = at + 1;
    }
  }

  bool MatchTerms(const PatternProg& p, std::string_view msg) const {
    if (p.term_never) return false;
    if (!p.optional.empty()) {
      for (const TermProg& t : p.optional) {
        if (Occurs(t, msg)) return true;
      }
      return false;
    }
    for (const TermProg& t : p.include) {
      if (!Occurs(t, msg)) return false;
    }
    for (const TermProg& t : p.exclude) {
      if (Occurs(t, msg)) return false;
    }
    return true;
  }

  static void Tokenize(std::string_view s, std::vector<Token>& out) {
    out.clear();
    size_t i = 0, n = s.size();
    while (i < n) {
      while (i < n && (s[i] == ' ' || s[i] == '\t')) ++i;
      if (i >= n) break;
      char c = s[i];
      if (c == '"' || c == '[') {
        size_t close = s.find(c == '"' ? '"' : ']', i + 1);
        if (close != std::string_view::npos) {
          out.push_back(Token{s.substr(i + 1, close - i - 1), i});
          i = close + 1;
          continue;
        }
      }
      size_t j = i;
      while (j < n && s[j] != ' ' && s[j] != '\t') ++j;
      out.push_back(Token{s.substr(i, j - i), i});
      i = j;
    }
  }

  static bool FieldHolds(const FieldProg& f, std::string_view text) {
    if (f.any_of.empty()) return true;
    for (const auto& conj : f.any_of) {
      bool all = true;
      for (const FieldAtomProg& a : conj) {
        if (!FieldAtomHolds(a, text)) {
          all = false;
          break;
        }
      }
      if (all) return true;
    }
    return false;
  }

  static std::string FieldKey(const FieldProg& f, size_t pos) {
    return f.type == Field::Type::kNamed ? "$" + f.name : "$" + std::to_string(pos);
  }

  bool MatchDelimited(const PatternProg& p, std::string_view msg, std::vector<Token>& toks,
                      ExtractedValues* ev) const {
    Tokenize(msg, toks);
    size_t m = toks.size(), k = p.fields.size();
    if (p.ellipsis < 0) {
      if (m < k) return false;
      if (m > k && opt_.arity == MatchOptions::Arity::kExact) return false;
      bool absorb = m > k && opt_.arity == MatchOptions::Arity::kLastFieldAbsorbs;
      for (size_t i = 0; i < k; ++i) {
        std::string_view text = toks[i].value;
        if (i + 1 == k && absorb) {
          std::string_view rest = msg.substr(toks[i].raw_begin);
          while (!rest.empty() && IsSpace(rest.back())) rest.remove_suffix(1);
          text = rest;
        }
        if (!FieldHolds(p.fields[i], text)) return false;
        if (ev) ev->emplace_back(FieldKey(p.fields[i], i + 1), std::string(text));
      }
      return true;
    }
    size_t pre = static_cast<size_t>(p.ellipsis), suf = k - pre - 1;
    if (m < pre + suf) return false;
    for (size_t i = 0; i < pre; ++i) {
      if (!FieldHolds(p.fields[i], toks[i].value)) return false;
    }
    for (size_t j = 0; j < suf; ++j) {
      if (!FieldHolds(p.fields[pre + 1 + j], toks[m - suf + j].value)) return false;
    }
    if (ev) {
      for (size_t i = 0; i < pre; ++i) {
        ev->emplace_back(FieldKey(p.fields[i], i + 1), std::string(toks[i].value));
      }
      for (size_t t = pre; t < m - suf; ++t) {
        ev->emplace_back("$" + std::to_string(t + 1), std::string(toks[t].value));
      }
      for (size_t j = 0; j < suf; ++j) {
        size_t t = m - suf + j;
        ev->emplace_back(FieldKey(p.fields[pre + 1 + j], t + 1), std::string(toks[t].value));
      }
    }
    return true;
  }

  // Whether an event may match, given which literals it contains (`found`, from the scanner).
  // `has(id)` tells whether literal `id` occurs; clauses are tried most selective first.
  template <typename Has>
  static bool PrefilterPasses(const Prefilter& pf, Has has, bool has_bs, bool has_u) {
    if (!pf.active) return true;
    for (const Clause& c : pf.all_of) {
      bool passes = false;
      for (size_t k = 0; k < c.any_of.size() && !passes; ++k) {
        // A literal that escapes could spell differently in the event cannot rule it out.
        bool usable = !has_bs || (c.any_of[k].simple && !has_u);
        passes = !usable || has(c.ids[k]);
      }
      if (!passes) return false;
    }
    return true;
  }

  bool ValidJson(std::string_view msg, MatchContext::Impl& cx) const {
    if (cx.dom.capacity() < msg.size() || cx.dom.max_depth() != opt_.max_json_depth) {
      if (cx.dom.allocate(std::max<size_t>(msg.size(), 4096), opt_.max_json_depth)) return false;
    }
    simdjson::dom::element el;
    return !cx.dom.parse(msg.data(), msg.size(), false).get(el);
  }

  // Returns the part of `msg` that JSON patterns read: the message itself, or with the
  // from-first-brace option, the text from its first '{' when the whole is not JSON.
  std::optional<std::string_view> JsonSubject(std::string_view msg, MatchContext::Impl& cx) const {
    if (!opt_.json_from_first_brace) return msg;
    std::string_view t = TrimSpace(msg);
    if (!t.empty() && t.front() == '{') return msg;
    if (ValidJson(msg, cx)) return msg;
    size_t brace = msg.find('{');
    if (brace == std::string_view::npos) return std::nullopt;
    return msg.substr(brace);
  }

  void MatchJson(std::string_view msg, MatchContext::Impl& cx, std::vector<uint8_t>& out) const {
    auto subject = JsonSubject(msg, cx);
    if (!subject) return;
    msg = *subject;
    bool any = scanner_.size() == 0;
    if (!any) {
      bool has_bs = std::memchr(msg.data(), '\\', msg.size()) != nullptr;
      bool has_u = has_bs && Contains(msg, "\\u");
      if (lazy_) {
        // Few patterns: each literal is looked for (memmem) only when a clause needs it.
        cx.found.assign(scanner_.size(), 0);
        auto has = [&](int id) {
          uint8_t& f = cx.found[id];
          if (f == 0) f = scanner_.Has(msg, id) ? 1 : 2;
          return f == 1;
        };
        for (const PatternProg& p : pats_) {
          if (p.kind == Kind::kJson && PrefilterPasses(p.prefilter, has, has_bs, has_u)) {
            any = true;
            break;
          }
        }
      } else if (scanner_.Scan(msg, cx.found) == 0 && !has_bs) {
        any = unfiltered_json_;  // the usual case: no literal at all
      } else {
        auto has = [&](int id) { return cx.found[id] != 0; };
        for (const PatternProg& p : pats_) {
          if (p.kind == Kind::kJson && PrefilterPasses(p.prefilter, has, has_bs, has_u)) {
            any = true;
            break;
          }
        }
      }
    }
    if (!any) return;
    if (cx.kernel->Walk(json_, msg, cx.state) != WalkResult::kOk) return;
    bool any_true = false;
    for (size_t i = 0; i < pats_.size(); ++i) {
      const PatternProg& p = pats_[i];
      if (p.kind != Kind::kJson) continue;
      if (json_.Eval(p.json, cx.state.atom_true.data())) {
        out[i] = 1;
        any_true = true;
      }
    }
    if (any_true && !ValidJson(msg, cx)) {
      for (size_t i = 0; i < pats_.size(); ++i) {
        if (pats_[i].kind == Kind::kJson) out[i] = 0;
      }
    }
  }

  // Text of the first string or number scalar `steps[i..]` resolves to below `v`.
  static bool Resolve(simdjson::ondemand::value v, const std::vector<Step>& steps, size_t i,
                      std::string* out) {
    using simdjson::ondemand::json_type;
    json_type t;
    if (v.type().get(t)) return false;
    if (i == steps.size()) {
      if (t == json_type::string) {
        std::string_view s;
        if (v.get_string().get(s)) return false;
        *out = std::string(s);
        return true;
      }
      if (t == json_type::number) {
        std::string_view raw = v.raw_json_token();
        while (!raw.empty() && IsSpace(raw.back())) raw.remove_suffix(1);
        *out = std::string(raw);
        return true;
      }
      return false;
    }
    const Step& st = steps[i];
    if (st.type == Step::Type::kMember || st.type == Step::Type::kAnyMember) {
      if (t != json_type::object) return false;
      simdjson::ondemand::object obj;
      if (v.get_object().get(obj)) return false;
      std::vector<std::string> seen;
      for (auto fr : obj) {
        simdjson::ondemand::field f;
        if (std::move(fr).get(f)) return false;
        std::string_view key;
        if (f.unescaped_key().get(key)) return false;
        std::string k(key);
        if (std::find(seen.begin(), seen.end(), k) != seen.end()) continue;
        seen.push_back(k);
        if (st.type == Step::Type::kMember && k != st.key) continue;
        if (Resolve(f.value(), steps, i + 1, out)) return true;
        if (st.type == Step::Type::kMember) return false;
      }
      return false;
    }
    if (t != json_type::array) return false;
    simdjson::ondemand::array arr;
    if (v.get_array().get(arr)) return false;
    uint64_t pos = 0;
    for (auto er : arr) {
      simdjson::ondemand::value child;
      if (std::move(er).get(child)) return false;
      if (st.type == Step::Type::kAnyIndex || pos == st.index) {
        if (Resolve(child, steps, i + 1, out)) return true;
        if (st.type == Step::Type::kIndex) return false;
      }
      ++pos;
    }
    return false;
  }

  void ExtractJson(const PatternProg& p, std::string_view msg, MatchContext::Impl& cx,
                   ExtractedValues& ev) const {
    auto subject = JsonSubject(msg, cx);
    if (!subject) return;
    simdjson::padded_string copy(*subject);
    for (const Selector& sel : p.selectors) {
      simdjson::ondemand::document doc;
      if (cx.extract.iterate(copy).get(doc)) return;
      simdjson::ondemand::value root;
      if (doc.get_value().get(root)) return;
      std::string text;
      if (Resolve(root, sel.steps, 0, &text)) ev.emplace_back(PrintSelector(sel), std::move(text));
    }
  }

  MatchOptions opt_;
  LiteralScanner scanner_;
  bool lazy_ = false;            // literals looked up one by one (LiteralScanner::Has)
  bool unfiltered_json_ = false;  // some JSON pattern has no prefilter
  bool all_json_ = false;
  JsonProgram json_;
  std::vector<PatternProg> pats_;
  std::vector<std::unique_ptr<RE2>> regexes_;
};

// ---------------------------------------------------------------------------------------------
// CompiledPattern and PatternSet

CompiledPattern::CompiledPattern() = default;
CompiledPattern::~CompiledPattern() = default;

StatusOr<std::shared_ptr<const CompiledPattern>> CompiledPattern::Compile(
    const Pattern& pattern, const MatchOptions& options) {
  std::shared_ptr<CompiledPattern> cp(new CompiledPattern());
  cp->engine_ = std::make_unique<Engine>(options);
  VIGIL_RETURN_IF_ERROR(cp->engine_->Add(pattern));
  cp->engine_->Finish();
  cp->pattern_ = pattern;
  return std::shared_ptr<const CompiledPattern>(std::move(cp));
}

Kind CompiledPattern::kind() const { return pattern_.kind; }
const Pattern& CompiledPattern::pattern() const { return pattern_; }

bool CompiledPattern::MatchesPadded(std::string_view msg, MatchContext& ctx) const {
  auto& cx = ctx.impl();
  engine_->MatchPadded(msg, cx, cx.one);
  return cx.one[0] != 0;
}

bool CompiledPattern::Matches(std::string_view msg, MatchContext& ctx) const {
  auto& cx = ctx.impl();
  if (pattern_.kind != Kind::kJson) return MatchesPadded(msg, ctx);
  cx.padded.assign(msg);
  cx.padded.append(simdjson::SIMDJSON_PADDING, '\0');
  return MatchesPadded(std::string_view(cx.padded.data(), msg.size()), ctx);
}

ExtractedValues CompiledPattern::Extract(std::string_view msg, MatchContext& ctx) const {
  return engine_->Extract(0, msg, ctx.impl());
}

PatternSet::PatternSet() = default;
PatternSet::~PatternSet() = default;

StatusOr<std::shared_ptr<const PatternSet>> PatternSet::Compile(
    const std::vector<Pattern>& patterns, const MatchOptions& options) {
  std::shared_ptr<PatternSet> ps(new PatternSet());
  ps->engine_ = std::make_unique<Engine>(options);
  for (const Pattern& p : patterns) VIGIL_RETURN_IF_ERROR(ps->engine_->Add(p));
  ps->engine_->Finish();
  return std::shared_ptr<const PatternSet>(std::move(ps));
}

size_t PatternSet::size() const { return engine_->size(); }

void PatternSet::MatchPadded(std::string_view msg, MatchContext& ctx,
                             std::vector<uint8_t>& out) const {
  engine_->MatchPadded(msg, ctx.impl(), out);
}

void PatternSet::Match(std::string_view msg, MatchContext& ctx, std::vector<uint8_t>& out) const {
  auto& cx = ctx.impl();
  cx.padded.assign(msg);
  cx.padded.append(simdjson::SIMDJSON_PADDING, '\0');
  engine_->MatchPadded(std::string_view(cx.padded.data(), msg.size()), cx, out);
}

}  // namespace vigil::pattern
