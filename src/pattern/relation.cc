#include "pattern/relation.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "base/json_writer.h"
#include "base/text.h"
#include "pattern/automaton.h"
#include "pattern/printer.h"

namespace vigil::pattern {

namespace {

// ---------------------------------------------------------------------------------------------
// Shared solver state: the alphabet and a cache of compiled languages.

class Ctx {
 public:
  explicit Ctx(const DecideOptions& o) : opt(o) {}

  const DecideOptions& opt;
  fa::Alphabet alphabet;
  bool limit_hit = false;
  std::string limit_reason;

  // The DFA for a language, compiled once; nullptr when over the state limit.
  const fa::Dfa* Dfa(const std::string& key, const std::function<fa::Lang()>& make) {
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second.get();
    auto d = fa::Compile(make(), alphabet, opt.max_states);
    std::unique_ptr<fa::Dfa> p = d ? std::make_unique<fa::Dfa>(std::move(*d)) : nullptr;
    if (!p) {
      Limit("limit reached: an automaton needs more than " + std::to_string(opt.max_states) +
            " states");
    }
    const fa::Dfa* raw = p.get();
    cache_.emplace(key, std::move(p));
    return raw;
  }

  void Limit(std::string why) {
    if (!limit_hit) limit_reason = std::move(why);
    limit_hit = true;
  }

  bool Accepts(const fa::Dfa& d, std::string_view text) const {
    int st = d.start;
    for (int s : alphabet.Symbols(text)) st = d.trans[st * d.nclass + d.cls[s]];
    return d.accept[st] != 0;
  }

 private:
  std::map<std::string, std::unique_ptr<fa::Dfa>> cache_;
};

void NoteValue(fa::Alphabet& a, const Value& v) {
  if (v.type == Value::Type::kString || v.type == Value::Type::kGlob) a.NoteText(v.text);
}

void NoteExpr(fa::Alphabet& a, const Expr& e) {
  if (e.type == Expr::Type::kAtom) {
    NoteValue(a, e.atom.value);
    for (const Step& s : e.atom.selector.steps) a.NoteText(s.key);
    return;
  }
  for (const Expr& c : e.children) NoteExpr(a, c);
}

void NotePattern(fa::Alphabet& a, const Pattern& p) {
  for (const Term& t : p.terms) {
    if (!t.is_regex) a.NoteText(t.text);
  }
  NoteExpr(a, p.json);
  for (const Field& f : p.fields) {
    for (const auto& conj : f.any_of) {
      for (const FieldAtom& at : conj) NoteValue(a, at.value);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Text constraints: languages and numeric predicates on one string.

struct TextPred {
  bool numeric = false;      // false: the text is in `value`'s language; true: parses as a
                             // number whose value satisfies `op num`
  const Value* value = nullptr;  // string, glob or regex
  Op op = Op::kEq;
  double num = 0;
  bool want = true;          // the truth the predicate must have
};

Op NegateOp(Op op) {
  switch (op) {
    case Op::kEq: return Op::kNe;
    case Op::kNe: return Op::kEq;
    case Op::kLt: return Op::kGe;
    case Op::kLe: return Op::kGt;
    case Op::kGt: return Op::kLe;
    case Op::kGe: return Op::kLt;
    default: return op;
  }
}


// A finite double satisfying every (op, num, want), if there is one: exact over doubles.
std::optional<double> SolveValues(const std::vector<TextPred>& preds) {
  double lo = -DBL_MAX, hi = DBL_MAX;
  std::vector<double> excluded;
  for (const TextPred& p : preds) {
    Op op = p.want ? p.op : NegateOp(p.op);
    double v = p.num;
    if (std::isnan(v)) return std::nullopt;
    switch (op) {
      case Op::kEq: lo = std::max(lo, v); hi = std::min(hi, v); break;
      case Op::kNe: excluded.push_back(v); break;
      case Op::kLt: hi = std::min(hi, std::nextafter(v, -HUGE_VAL)); break;
      case Op::kLe: hi = std::min(hi, v); break;
      case Op::kGt: lo = std::max(lo, std::nextafter(v, HUGE_VAL)); break;
      case Op::kGe: lo = std::max(lo, v); break;
      default: break;
    }
  }
  if (!(lo <= hi)) return std::nullopt;
  auto ok = [&](double x) {
    if (!(x >= lo && x <= hi) || std::isinf(x)) return false;
    return std::find(excluded.begin(), excluded.end(), x) == excluded.end();
  };
  std::vector<double> nice = {0, 1, -1, 2, 10, 100};
  double c = std::ceil(lo), f = std::floor(hi);
  for (double k = 0; k < 4; ++k) {
    nice.push_back(c + k);
    nice.push_back(f - k);
  }
  nice.push_back(lo);
  nice.push_back(hi);
  if (lo > -DBL_MAX && hi < DBL_MAX) nice.push_back(lo / 2 + hi / 2);
  for (double x : nice) {
    if (ok(x)) return x;
  }
  double x = lo;
  for (size_t i = 0; i <= excluded.size() + 1 && x <= hi; ++i) {
    if (ok(x)) return x;
    x = std::nextafter(x, HUGE_VAL);
  }
  return std::nullopt;  // unreachable when lo <= hi, kept for safety
}

// Spellings of a value, for candidates: every one parses back to v.
std::vector<std::string> Spellings(double v, bool json) {
  std::vector<std::string> out;
  std::string base = FormatNumber(v);
  out.push_back(base);
  bool integral = base.find_first_of(".e") == std::string::npos;
  if (integral) {
    out.push_back(base + ".0");
    out.push_back(base + "e0");
    out.push_back(base + "E+0");
    std::string digits = base[0] == '-' ? base.substr(1) : base;
    std::string sign = base[0] == '-' ? "-" : "";
    if (digits.size() > 1) {
      out.push_back(sign + digits.substr(0, 1) + "." + digits.substr(1) + "e" +
                    std::to_string(digits.size() - 1));
    }
    out.push_back(sign + "0." + digits + "e" + std::to_string(digits.size()));
    out.push_back(sign + digits + "0e-1");
  } else {
    out.push_back(base + "0");
  }
  if (!json) {
    if (base[0] != '-') out.push_back("+" + base);
    out.push_back(base[0] == '-' ? "-0" + base.substr(1) : "0" + base);
  }
  std::vector<std::string> valid;
  for (auto& s : out) {
    auto p = ParsePatternNumber(s);
    if (p && *p == v) valid.push_back(s);
  }
  return valid;
}

struct TextResult {
  Truth exists = Truth::kFalse;
  std::string text;
  std::string reason;
};

// The automaton of a text predicate, compiled on first use (nullptr over the limit).
const fa::Dfa* DfaOf(Ctx& ctx, const Value& v) {
  switch (v.type) {
    case Value::Type::kString:
      return ctx.Dfa("x:" + v.text, [&] { return fa::Exactly(ctx.alphabet, v.text); });
    case Value::Type::kGlob: {
      std::string key = std::string("g:") + (v.star_start ? "*" : "") + (v.star_end ? "*" : "") +
                        ":" + v.text;
      return ctx.Dfa(key,
                     [&] { return fa::Glob(ctx.alphabet, v.text, v.star_start, v.star_end); });
    }
    case Value::Type::kRegex:
      return ctx.Dfa("r:" + v.regex.source,
                     [&] { return fa::RegexSearch(ctx.alphabet, v.regex); });
    case Value::Type::kNumber:
      break;
  }
  return nullptr;
}

bool GlobHolds(const Value& v, std::string_view s) {
  std::string_view t = v.text;
  if (v.star_start && v.star_end) return s.find(t) != std::string_view::npos;
  if (v.star_end) return s.substr(0, t.size()) == t;
  return s.size() >= t.size() && s.substr(s.size() - t.size()) == t;
}

bool PredHolds(Ctx& ctx, const TextPred& p, std::string_view text) {
  bool v;
  if (!p.numeric) {
    switch (p.value->type) {
      case Value::Type::kString: v = text == p.value->text; break;
      case Value::Type::kGlob: v = GlobHolds(*p.value, text); break;
      default: {
        const fa::Dfa* d = DfaOf(ctx, *p.value);
        v = d && ctx.Accepts(*d, text);
      }
    }
  } else {
    auto n = ParsePatternNumber(text);
    v = n && NumbersCompare(p.op, *n, p.num);
  }
  return v == p.want;
}

// A string satisfying every predicate. `syntax`, when set, must also accept it (it is how a
// JSON number is written). Exact unless a numeric predicate meets a text predicate.
// Candidate strings built from the literal parts of string and glob predicates.
std::vector<std::string> LiteralCandidates(const std::vector<TextPred>& preds) {
  std::string prefix, suffix;
  std::vector<std::string> contains;
  std::vector<std::string> out;
  for (const TextPred& p : preds) {
    if (p.numeric || !p.want) continue;
    const Value& v = *p.value;
    if (v.type == Value::Type::kString) return {v.text};  // the only string that can work
    if (v.type != Value::Type::kGlob) continue;
    if (v.star_end && !v.star_start && v.text.size() > prefix.size()) prefix = v.text;
    if (v.star_start && !v.star_end && v.text.size() > suffix.size()) suffix = v.text;
    if (v.star_start && v.star_end && !v.text.empty()) contains.push_back(v.text);
  }
  std::string mid, mid_x;
  for (const std::string& c : contains) {
    mid += c;
    mid_x += c + "x";
  }
  std::string core = prefix + mid + suffix;
  if (core.empty()) out.push_back("x");  // a readable witness rather than ""
  for (const std::string& c :
       {core, prefix + "x" + mid_x + suffix, prefix + mid_x + "x" + suffix}) {
    out.push_back(c);
  }
  for (const char* filler : {"x", "x1", "x2", "y", "z9"}) out.push_back(prefix + filler + suffix);
  return out;
}

TextResult SolveText(Ctx& ctx, const std::vector<TextPred>& preds, const fa::Dfa* syntax,
                     bool json_number) {
  TextResult r;
  // Fast path: strings and globs only. Candidates from the literals settle most questions
  // without automata; a positive exact string settles it either way.
  bool simple = !syntax && !json_number;
  bool exact = false;
  for (const TextPred& p : preds) {
    if (p.numeric || p.value->type == Value::Type::kRegex) simple = false;
    if (!p.numeric && p.want && p.value->type == Value::Type::kString) exact = true;
  }
  if (exact) {
    // One positive exact string: it is the only candidate, whatever else is asked.
    std::string only = LiteralCandidates(preds).front();
    bool all = true;
    for (const TextPred& p : preds) all = all && PredHolds(ctx, p, only);
    if (syntax) all = all && ctx.Accepts(*syntax, only);
    if (json_number) {
      auto n = ParsePatternNumber(only);
      all = all && n && !std::isinf(*n);
    }
    if (all) {
      r.exists = Truth::kTrue;
      r.text = only;
    }
    return r;
  }
  if (simple) {
    for (const std::string& c : LiteralCandidates(preds)) {
      bool all = true;
      for (const TextPred& p : preds) all = all && PredHolds(ctx, p, c);
      if (all) {
        r.exists = Truth::kTrue;
        r.text = c;
        return r;
      }
    }
  }
  std::vector<const fa::Dfa*> dfas;
  std::vector<bool> want;
  std::vector<TextPred> numeric;
  bool numeric_true = false;
  for (const TextPred& p : preds) {
    if (p.numeric) {
      numeric.push_back(p);
      numeric_true |= p.want;
      continue;
    }
    const fa::Dfa* d = DfaOf(ctx, *p.value);
    if (!d) {
      r.exists = Truth::kUnknown;
      r.reason = ctx.limit_reason;
      return r;
    }
    dfas.push_back(d);
    want.push_back(p.want);
  }
  if (syntax) {
    dfas.push_back(syntax);
    want.push_back(true);
  }
  const fa::Dfa* pnum = nullptr;
  if (numeric_true && !syntax) {
    pnum = ctx.Dfa("num:pattern", [&] { return fa::PatternNumberText(ctx.alphabet); });
    if (!pnum) {
      r.exists = Truth::kUnknown;
      r.reason = ctx.limit_reason;
      return r;
    }
    dfas.push_back(pnum);
    want.push_back(true);
  }
  auto want_fn = [&](const std::vector<bool>& m) {
    for (size_t i = 0; i < m.size(); ++i) {
      if (m[i] != want[i]) return false;
    }
    return true;
  };
  auto all_hold = [&](std::string_view s) {
    for (const TextPred& p : preds) {
      if (!PredHolds(ctx, p, s)) return false;
    }
    if (syntax && !ctx.Accepts(*syntax, s)) return false;
    if (json_number) {
      auto n = ParsePatternNumber(s);
      if (!n || std::isinf(*n)) return false;  // simdjson rejects numbers out of range
    }
    return true;
  };
  // Sets r to the first candidate that satisfies everything; false when none does.
  auto first_holding = [&](const std::vector<std::string>& candidates) {
    for (const std::string& t : candidates) {
      if (all_hold(t)) {
        r.exists = Truth::kTrue;
        r.text = t;
        return true;
      }
    }
    return false;
  };
  auto spell = [&](const std::vector<std::vector<int>>& words) {
    std::vector<std::string> out;
    for (const auto& w : words) out.push_back(ctx.alphabet.Spell(w));
    return out;
  };
  if (numeric.empty()) {
    fa::Search s = fa::FindWord(dfas, want_fn, ctx.alphabet, 0, ctx.opt.max_states);
    if (s.outcome == fa::Search::Outcome::kEmpty) return r;
    if (s.outcome == fa::Search::Outcome::kLimit) {
      r.exists = Truth::kUnknown;
      r.reason = "limit reached: a product automaton needs more than " +
                 std::to_string(ctx.opt.max_states) + " states";
      return r;
    }
    if (s.word.empty()) {
      // Prefer a non-empty witness: it reads better ("x" rather than "").
      fa::Search s1 = fa::FindWord(dfas, want_fn, ctx.alphabet, 1, ctx.opt.max_states);
      if (s1.outcome == fa::Search::Outcome::kFound) s = s1;
    }
    std::string text = ctx.alphabet.Spell(s.word);
    if (!json_number || all_hold(text)) {
      r.exists = Truth::kTrue;
      r.text = text;
      return r;
    }
    // The shortest JSON number text overflows; look further.
    if (first_holding(spell(fa::FindWords(dfas, want_fn, ctx.alphabet, 0, 64, ctx.opt.max_states)))) {
      return r;
    }
    r.exists = Truth::kUnknown;
    r.reason = "every number text found is out of range";
    return r;
  }
  // Numeric predicates: first, the text side alone.
  fa::Search s = fa::FindWord(dfas, want_fn, ctx.alphabet, 0, ctx.opt.max_states);
  if (s.outcome == fa::Search::Outcome::kEmpty) return r;
  bool only_true_numeric = true;
  for (const TextPred& p : numeric) only_true_numeric &= p.want;
  std::optional<double> value = SolveValues(numeric);
  // With a number syntax every text parses, so the value side decides alone when it fails.
  if ((only_true_numeric || syntax) && !value) return r;
  // Candidates from the value side, spelled in several ways, then from the text side.
  if (value && first_holding(Spellings(*value, json_number || syntax != nullptr))) return r;
  if (first_holding(spell(fa::FindWords(dfas, want_fn, ctx.alphabet, 0, 256, ctx.opt.max_states)))) {
    return r;
  }
  r.exists = Truth::kUnknown;
  r.reason = "a number's value and its text are both constrained, and no candidate satisfies "
             "both";
  return r;
}

// ---------------------------------------------------------------------------------------------
// Per-kind meaning of a JSON atom (filter-patterns.md §3.3).

enum class JKind { kAbsent, kNull, kTrue, kFalse, kNum, kStr, kObj, kArr };
constexpr JKind kAllKinds[] = {JKind::kStr, JKind::kNum, JKind::kObj,   JKind::kArr,
                               JKind::kNull, JKind::kTrue, JKind::kFalse, JKind::kAbsent};

// What an atom says about a node of one kind: a constant, or a text predicate.
struct KindPred {
  bool constant = true;
  bool value = false;
  TextPred text;  // when !constant (want = true for the atom itself)
};

KindPred ValueLang(const Value& v, bool positive) {
  KindPred k;
  k.constant = false;
  k.text.want = positive;
  k.text.value = &v;
  return k;
}

KindPred Const(bool b) {
  KindPred k;
  k.value = b;
  return k;
}

KindPred Numeric(Op op, double num) {
  KindPred k;
  k.constant = false;
  k.text.numeric = true;
  k.text.op = op;
  k.text.num = num;
  return k;
}

KindPred Classify(Ctx& ctx, const Atom& a, JKind kind) {
  bool textual = ctx.opt.match.numbers == NumberPolicy::kTextual;
  const Value& v = a.value;
  bool scalar = kind == JKind::kStr || kind == JKind::kNum;
  switch (a.op) {
    case Op::kIsNull: return Const(kind == JKind::kNull);
    case Op::kIsTrue: return Const(kind == JKind::kTrue);
    case Op::kIsFalse: return Const(kind == JKind::kFalse);
    case Op::kNotExists: return Const(kind == JKind::kAbsent);
    default: break;
  }
  if (!scalar) return Const(false);
  if (v.type == Value::Type::kNumber) {
    if (kind == JKind::kNum || textual) return Numeric(a.op, v.number);
    return Const(false);
  }
  // String, glob or regex value: only = and !=.
  bool eq = a.op == Op::kEq;
  if (v.type == Value::Type::kString && kind == JKind::kNum && !textual) {
    return Const(!eq);  // `= "s"` never matches a number under TYPED; `!= "s"` always does
  }
  return ValueLang(v, eq);
}

// ---------------------------------------------------------------------------------------------
// JSON patterns: condition trees over atoms, with wildcards expanded.

using Path = std::vector<Step>;  // member and index steps only

std::string PathKey(const Path& p) {
  std::string k;
  for (const Step& s : p) {
    if (s.type == Step::Type::kMember) {
      k += ".";
      for (char c : s.key) {
        if (c == '.' || c == '[' || c == '\\') k += '\\';
        k += c;
      }
    } else {
      k += "[" + std::to_string(s.index) + "]";
    }
  }
  return k;
}

struct Node {
  enum class Type { kLit, kAnd, kOr, kTrue, kFalse };
  Type type = Type::kTrue;
  int atom = -1;  // index into Problem::atoms
  bool positive = true;
  std::vector<Node> children;
};

struct Collection {
  bool array = true;
  std::vector<Step> positions;
  size_t wildcard_atoms = 0;
};

struct Problem {
  std::vector<Atom> atoms;  // wildcard-free
  std::map<std::string, Collection> collections;  // key: prefix path key + "[*]" or ".*"
  bool incomplete = false;  // some collection has more wildcard conditions than the bound
};

void ScanCollections(const Expr& e, Problem& pb, std::map<std::string, std::set<std::string>>& named,
                     std::map<std::string, uint32_t>& max_index) {
  if (e.type != Expr::Type::kAtom) {
    for (const Expr& c : e.children) ScanCollections(c, pb, named, max_index);
    return;
  }
  const auto& steps = e.atom.selector.steps;
  Path prefix;
  for (const Step& s : steps) {
    std::string pk = PathKey(prefix);
    if (s.type == Step::Type::kMember) named[pk].insert(s.key);
    if (s.type == Step::Type::kIndex) max_index[pk] = std::max(max_index[pk], s.index + 1);
    if (s.IsWildcard()) {
      Collection& c = pb.collections[pk + (s.type == Step::Type::kAnyIndex ? "[*]" : ".*")];
      c.array = s.type == Step::Type::kAnyIndex;
      ++c.wildcard_atoms;
      break;  // at most one wildcard per selector
    }
    prefix.push_back(s);
  }
}

void PlanCollections(const std::vector<const Expr*>& exprs, Problem& pb, size_t bound) {
  std::map<std::string, std::set<std::string>> named;
  std::map<std::string, uint32_t> max_index;
  for (const Expr* e : exprs) ScanCollections(*e, pb, named, max_index);
  for (auto& [key, c] : pb.collections) {
    std::string prefix = key.substr(0, key.size() - (c.array ? 3 : 2));
    size_t fresh = std::min(c.wildcard_atoms, bound);
    if (c.wildcard_atoms > bound) pb.incomplete = true;
    if (c.array) {
      size_t n = max_index[prefix] + fresh;
      for (size_t i = 0; i < n; ++i) {
        Step s;
        s.type = Step::Type::kIndex;
        s.index = static_cast<uint32_t>(i);
        c.positions.push_back(s);
      }
    } else {
      for (const std::string& k : named[prefix]) {
        Step s;
        s.key = k;
        c.positions.push_back(s);
      }
      for (size_t i = 0, made = 0; made < fresh; ++i) {
        std::string k = "k" + std::to_string(i + 1);
        if (named[prefix].count(k)) continue;
        Step s;
        s.key = k;
        c.positions.push_back(s);
        ++made;
      }
    }
  }
}

int AddAtom(Problem& pb, const Atom& a) {
  for (size_t i = 0; i < pb.atoms.size(); ++i) {
    if (pb.atoms[i].selector == a.selector && pb.atoms[i].op == a.op &&
        pb.atoms[i].value == a.value) {
      return static_cast<int>(i);
    }
  }
  pb.atoms.push_back(a);
  return static_cast<int>(pb.atoms.size() - 1);
}

Node Lit(int atom, bool positive) {
  Node n;
  n.type = Node::Type::kLit;
  n.atom = atom;
  n.positive = positive;
  return n;
}

// Negation-normal form of `e` (negated when !positive), wildcards expanded over the model.
Node Build(const Expr& e, bool positive, Problem& pb) {
  if (e.type != Expr::Type::kAtom) {
    Node n;
    bool is_and = (e.type == Expr::Type::kAnd) == positive;
    n.type = is_and ? Node::Type::kAnd : Node::Type::kOr;
    for (const Expr& c : e.children) n.children.push_back(Build(c, positive, pb));
    return n;
  }
  const Atom& a = e.atom;
  size_t w = 0;
  while (w < a.selector.steps.size() && !a.selector.steps[w].IsWildcard()) ++w;
  if (w == a.selector.steps.size()) return Lit(AddAtom(pb, a), positive);
  Path prefix(a.selector.steps.begin(), a.selector.steps.begin() + w);
  const Step& ws = a.selector.steps[w];
  const Collection& c =
      pb.collections[PathKey(prefix) + (ws.type == Step::Type::kAnyIndex ? "[*]" : ".*")];
  // `sel NOT EXISTS` with a wildcard says the node set is empty: no position has a node. Any
  // other atom says some position satisfies it.
  bool universal = (a.op == Op::kNotExists) == positive;
  Node n;
  n.type = universal ? Node::Type::kAnd : Node::Type::kOr;
  for (const Step& pos : c.positions) {
    Atom x = a;
    x.selector.steps[w] = pos;
    n.children.push_back(Lit(AddAtom(pb, x), positive));
  }
  if (n.children.empty()) n.type = universal ? Node::Type::kTrue : Node::Type::kFalse;
  return n;
}

// The JSON value tree of one conjunction.
struct PathNode {
  Path path;
  std::vector<std::pair<int, bool>> lits;  // (atom, positive)
  std::map<std::string, int> children;     // by step key
  // Results per kind, filled by Analyse.
  std::map<JKind, TextResult> kinds;
};

struct JsonSolver {
  Ctx& ctx;
  const Problem& pb;
  std::vector<PathNode> nodes;
  std::string unknown_reason;

  int NodeFor(const Path& p) {
    int cur = 0;
    Path prefix;
    for (const Step& s : p) {
      prefix.push_back(s);
      std::string k = PathKey({s});
      auto it = nodes[cur].children.find(k);
      if (it == nodes[cur].children.end()) {
        nodes.push_back(PathNode{prefix, {}, {}, {}});
        int id = static_cast<int>(nodes.size() - 1);
        nodes[cur].children.emplace(k, id);
        cur = id;
      } else {
        cur = it->second;
      }
    }
    return cur;
  }

  void Analyse(PathNode& n, bool is_root) {
    for (JKind k : kAllKinds) {
      if (is_root && k == JKind::kAbsent) continue;
      TextResult res;
      res.exists = Truth::kTrue;
      std::vector<TextPred> preds;
      for (auto [ai, pos] : n.lits) {
        KindPred kp = Classify(ctx, pb.atoms[ai], k);
        if (kp.constant) {
          if (kp.value != pos) res.exists = Truth::kFalse;
        } else {
          TextPred t = kp.text;
          t.want = kp.text.want == pos;
          preds.push_back(t);
        }
      }
      bool value_only = true;
      for (const TextPred& t : preds) value_only &= t.numeric;
      if (res.exists == Truth::kTrue && k == JKind::kNum && value_only) {
        // Only the value is constrained: no automaton needed, any spelling of it will do.
        if (auto v = SolveValues(preds)) {
          res.text = FormatNumber(*v);
        } else {
          res.exists = Truth::kFalse;
        }
      } else if (res.exists == Truth::kTrue && (k == JKind::kStr || k == JKind::kNum)) {
        const fa::Dfa* syntax = nullptr;
        if (k == JKind::kNum) {
          syntax = ctx.Dfa("num:json", [&] { return fa::JsonNumberText(ctx.alphabet); });
          if (!syntax) {
            res.exists = Truth::kUnknown;
            res.reason = ctx.limit_reason;
          }
        }
        if (res.exists == Truth::kTrue) {
          if (preds.empty()) {
            res.text = k == JKind::kNum ? "0" : "x";
          } else {
            res = SolveText(ctx, preds, syntax, k == JKind::kNum);
          }
        }
      }
      n.kinds[k] = res;
    }
  }

  enum class Mode { kFree, kAbsent, kPresent };

  // Returns the JSON text of a value for node `i` ("" when absent), or nullopt (impossible),
  // and marks unknown_reason when a kind could not be decided.
  std::optional<std::string> Solve(int i, Mode mode, bool& unknown) {
    PathNode& n = nodes[i];
    std::vector<JKind> order;
    if (mode == Mode::kAbsent) {
      order = {JKind::kAbsent};
    } else if (i == 0) {
      order = {JKind::kObj, JKind::kArr, JKind::kStr, JKind::kNum,
               JKind::kNull, JKind::kTrue, JKind::kFalse};  // events are mostly objects
    } else {
      for (JKind k : kAllKinds) {
        if (mode == Mode::kPresent && k == JKind::kAbsent) continue;
        order.push_back(k);
      }
    }
    for (JKind k : order) {
      auto it = n.kinds.find(k);
      if (it == n.kinds.end()) continue;
      if (it->second.exists == Truth::kFalse) continue;
      if (it->second.exists == Truth::kUnknown) {
        unknown = true;
        if (unknown_reason.empty()) unknown_reason = it->second.reason;
        continue;
      }
      // Children: members live in objects, indexes in arrays; anything else is absent.
      std::vector<std::pair<const Step*, int>> kids;
      for (auto& [key, c] : n.children) kids.emplace_back(&nodes[c].path.back(), c);
      if (k == JKind::kArr) {
        uint32_t max_index = 0;
        bool any = false;
        for (auto& [st, c] : kids) {
          if (st->type == Step::Type::kIndex) {
            max_index = std::max(max_index, st->index + 1);
            any = true;
          }
        }
        for (uint32_t len = 0; len <= (any ? max_index : 0); ++len) {
          bool ok = true;
          std::map<uint32_t, std::string> elems;
          for (auto& [st, c] : kids) {
            Mode m = st->type != Step::Type::kIndex ? Mode::kAbsent
                     : st->index < len              ? Mode::kPresent
                                                    : Mode::kAbsent;
            auto v = Solve(c, m, unknown);
            if (!v) {
              ok = false;
              break;
            }
            if (m == Mode::kPresent) elems[st->index] = *v;
          }
          if (!ok) continue;
          std::string out = "[";
          for (uint32_t e = 0; e < len; ++e) {
            if (e) out += ",";
            auto f = elems.find(e);
            out += f == elems.end() ? "0" : f->second;
          }
          return out + "]";
        }
        continue;
      }
      bool ok = true;
      std::string members;
      for (auto& [st, c] : kids) {
        Mode m = (k == JKind::kObj && st->type == Step::Type::kMember) ? Mode::kFree
                                                                       : Mode::kAbsent;
        auto v = Solve(c, m, unknown);
        if (!v) {
          ok = false;
          break;
        }
        if (!v->empty()) {
          if (!members.empty()) members += ",";
          members += JsonString(st->key) + ":" + *v;
        }
      }
      if (!ok) continue;
      switch (k) {
        case JKind::kAbsent: return std::string();
        case JKind::kNull: return std::string("null");
        case JKind::kTrue: return std::string("true");
        case JKind::kFalse: return std::string("false");
        case JKind::kNum: return it->second.text;
        case JKind::kStr: return JsonString(it->second.text);
        case JKind::kObj: return "{" + members + "}";
        case JKind::kArr: break;
      }
    }
    return std::nullopt;
  }

  // Decides one conjunction of literals.
  Found Check(const std::vector<std::pair<int, bool>>& lits) {
    nodes.clear();
    nodes.push_back(PathNode{});
    for (auto [ai, pos] : lits) {
      Path p;
      for (const Step& s : pb.atoms[ai].selector.steps) p.push_back(s);
      int id = NodeFor(p);
      nodes[id].lits.emplace_back(ai, pos);
    }
    for (size_t i = 0; i < nodes.size(); ++i) Analyse(nodes[i], i == 0);
    bool unknown = false;
    unknown_reason.clear();
    auto doc = Solve(0, Mode::kPresent, unknown);
    Found f;
    if (doc) {
      f.exists = Truth::kTrue;
      f.event = *doc;
    } else {
      f.exists = unknown ? Truth::kUnknown : Truth::kFalse;
      f.reason = unknown_reason;
    }
    return f;
  }
};

// Walks the condition tree depth first, branching on OR, checking each full conjunction.
struct Dpll {
  Ctx& ctx;
  JsonSolver& solver;
  size_t conjunctions = 0;
  bool unknown = false;
  std::string reason;
  const std::function<bool(const std::string&)>& verify;

  // Cheap pruning: an atom and its negation, or two different string literals required equal on
  // one path.
  bool Conflicts(const std::vector<std::pair<int, bool>>& lits, int ai, bool pos) {
    for (auto [bi, bpos] : lits) {
      if (bi == ai && bpos != pos) return true;
    }
    if (!pos) return false;
    const Atom& a = solver.pb.atoms[ai];
    if (a.op != Op::kEq || a.value.type != Value::Type::kString) return false;
    for (auto [bi, bpos] : lits) {
      if (!bpos) continue;
      const Atom& b = solver.pb.atoms[bi];
      if (b.op == Op::kEq && b.value.type == Value::Type::kString &&
          b.selector == a.selector && b.value.text != a.value.text) {
        return true;
      }
    }
    return false;
  }

  std::optional<std::string> Run(std::vector<const Node*> pending,
                                 std::vector<std::pair<int, bool>> lits) {
    while (!pending.empty()) {
      const Node* n = pending.back();
      pending.pop_back();
      switch (n->type) {
        case Node::Type::kTrue: break;
        case Node::Type::kFalse: return std::nullopt;
        case Node::Type::kLit:
          if (Conflicts(lits, n->atom, n->positive)) return std::nullopt;
          lits.emplace_back(n->atom, n->positive);
          break;
        case Node::Type::kAnd:
          for (const Node& c : n->children) pending.push_back(&c);
          break;
        case Node::Type::kOr:
          for (const Node& c : n->children) {
            if (conjunctions > ctx.opt.max_conjunctions) return std::nullopt;
            auto p2 = pending;
            p2.push_back(&c);
            auto r = Run(std::move(p2), lits);
            if (r) return r;
          }
          return std::nullopt;
      }
    }
    if (++conjunctions > ctx.opt.max_conjunctions) {
      unknown = true;
      reason = "limit reached: more than " + std::to_string(ctx.opt.max_conjunctions) +
               " conjunctions";
      return std::nullopt;
    }
    Found f = solver.Check(lits);
    if (f.exists == Truth::kTrue) {
      if (verify(f.event)) return f.event;
      unknown = true;
      reason = "internal: a witness failed verification";
    } else if (f.exists == Truth::kUnknown) {
      unknown = true;
      if (reason.empty()) reason = f.reason;
    }
    return std::nullopt;
  }
};

// ---------------------------------------------------------------------------------------------
// Verification with the matcher

MatchContext& ContextFor(const MatchOptions& o) {
  // Contexts are costly to make (parsers, buffers); one per thread and depth limit is enough.
  thread_local std::map<size_t, std::unique_ptr<MatchContext>> contexts;
  auto& c = contexts[o.max_json_depth];
  if (!c) c = std::make_unique<MatchContext>(o);
  return *c;
}

// Checks candidate events with the matcher; patterns are compiled on first use, since most
// questions are settled without a witness.
struct Verifier {
  const MatchOptions& options;
  std::vector<const Pattern*> match_src, miss_src;
  std::vector<std::shared_ptr<const CompiledPattern>> match, miss;
  bool compiled = false, failed = false;
  explicit Verifier(const MatchOptions& o) : options(o) {}

  bool Compile() {
    compiled = true;
    for (const Pattern* p : match_src) {
      auto c = CompiledPattern::Compile(*p, options);
      if (!c.ok()) return !(failed = true);
      match.push_back(*c);
    }
    for (const Pattern* p : miss_src) {
      auto c = CompiledPattern::Compile(*p, options);
      if (!c.ok()) return !(failed = true);
      miss.push_back(*c);
    }
    return true;
  }

  bool operator()(const std::string& event) {
    if (event.empty()) return false;  // CloudWatch events have at least one character
    if (!compiled) Compile();
    if (failed) return false;
    MatchContext& ctx = ContextFor(options);
    for (auto& p : match) {
      if (!p->Matches(event, ctx)) return false;
    }
    for (auto& p : miss) {
      if (p->Matches(event, ctx)) return false;
    }
    return true;
  }
};

Found FindJson(Ctx& ctx, const std::vector<const Pattern*>& match,
               const std::vector<const Pattern*>& miss,
               const std::function<bool(const std::string&)>& verify) {
  Problem pb;
  std::vector<const Expr*> exprs;
  for (const Pattern* p : match) exprs.push_back(&p->json);
  for (const Pattern* p : miss) exprs.push_back(&p->json);
  PlanCollections(exprs, pb, ctx.opt.max_collection);
  Node root;
  root.type = Node::Type::kAnd;
  for (const Pattern* p : match) root.children.push_back(Build(p->json, true, pb));
  for (const Pattern* p : miss) root.children.push_back(Build(p->json, false, pb));
  JsonSolver solver{ctx, pb, {}, {}};
  Dpll d{ctx, solver, 0, false, {}, verify};
  auto ev = d.Run({&root}, {});
  Found f;
  if (ev) {
    f.exists = Truth::kTrue;
    f.event = *ev;
    return f;
  }
  if (d.unknown) {
    f.exists = Truth::kUnknown;
    f.reason = d.reason.empty() ? ctx.limit_reason : d.reason;
    if (f.reason.empty()) f.reason = "limit reached";
    return f;
  }
  if (pb.incomplete) {
    f.exists = Truth::kUnknown;
    f.reason = "wildcard selectors beyond the bounded model: a collection has more than " +
               std::to_string(ctx.opt.max_collection) + " wildcard conditions";
    return f;
  }
  f.exists = Truth::kFalse;
  return f;
}

// ---------------------------------------------------------------------------------------------
// Term patterns (and match-all): one product automaton over the message.

Found FindTerms(Ctx& ctx, const std::vector<const Pattern*>& match,
                const std::vector<const Pattern*>& miss,
                const std::function<bool(const std::string&)>& verify) {
  std::vector<const fa::Dfa*> dfas;
  std::map<std::string, int> index;
  bool word_start = ctx.opt.match.terms == MatchOptions::TermMatch::kWordStart;
  auto term_dfa = [&](const Term& t) -> int {
    if (t.IsBlank()) return -1;
    std::string key = t.is_regex ? "r:" + t.text : (word_start ? "w:" : "c:") + t.text;
    auto it = index.find(key);
    if (it != index.end()) return it->second;
    const fa::Dfa* d = ctx.Dfa(key, [&] {
      if (t.is_regex) return fa::RegexSearch(ctx.alphabet, t.regex);
      return word_start ? fa::WordStartContaining(ctx.alphabet, t.text)
                        : fa::Containing(ctx.alphabet, t.text);
    });
    dfas.push_back(d);
    index.emplace(key, static_cast<int>(dfas.size() - 1));
    return static_cast<int>(dfas.size() - 1);
  };
  struct Compiled {
    bool match_all = false, never = false, optional_only = false;
    std::vector<int> include, exclude, optional;
  };
  auto compile = [&](const Pattern& p) {
    Compiled c;
    if (p.kind == Kind::kMatchAll) {
      c.match_all = true;
      return c;
    }
    bool has_plain = false;
    for (const Term& t : p.terms) has_plain |= t.mod != Term::Mod::kOptional;
    c.optional_only = !has_plain;
    for (const Term& t : p.terms) {
      int d = term_dfa(t);
      switch (t.mod) {
        case Term::Mod::kInclude: c.include.push_back(d); break;
        case Term::Mod::kExclude:
          if (d < 0) c.never = true;
          c.exclude.push_back(d);
          break;
        case Term::Mod::kOptional:
          if (!has_plain) c.optional.push_back(d);
          break;
      }
    }
    return c;
  };
  std::vector<Compiled> m, x;
  for (const Pattern* p : match) m.push_back(compile(*p));
  for (const Pattern* p : miss) x.push_back(compile(*p));
  for (const fa::Dfa* d : dfas) {
    if (!d) {
      Found f;
      f.exists = Truth::kUnknown;
      f.reason = ctx.limit_reason;
      return f;
    }
  }
  auto eval = [](const Compiled& c, const std::vector<bool>& mem) {
    if (c.match_all) return true;
    if (c.never) return false;
    auto occurs = [&](int d) { return d < 0 || mem[d]; };
    if (c.optional_only) {
      for (int d : c.optional) {
        if (occurs(d)) return true;
      }
      return false;
    }
    for (int d : c.include) {
      if (!occurs(d)) return false;
    }
    for (int d : c.exclude) {
      if (occurs(d)) return false;
    }
    return true;
  };
  auto want = [&](const std::vector<bool>& mem) {
    for (const Compiled& c : m) {
      if (!eval(c, mem)) return false;
    }
    for (const Compiled& c : x) {
      if (eval(c, mem)) return false;
    }
    return true;
  };
  Found f;
  // Several candidates, in case the shortest word is not a usable event (say, only a newline).
  auto words = fa::FindWords(dfas, want, ctx.alphabet, 1, 16, ctx.opt.max_states);
  for (auto& w : words) {
    std::string s = ctx.alphabet.Spell(w);
    if (verify(s)) {
      f.exists = Truth::kTrue;
      f.event = s;
      return f;
    }
  }
  fa::Search s = fa::FindWord(dfas, want, ctx.alphabet, 1, ctx.opt.max_states);
  if (s.outcome == fa::Search::Outcome::kEmpty) {
    f.exists = Truth::kFalse;
  } else if (s.outcome == fa::Search::Outcome::kLimit) {
    f.exists = Truth::kUnknown;
    f.reason = "limit reached: the product automaton needs more than " +
               std::to_string(ctx.opt.max_states) + " states";
  } else {
    std::string ev = ctx.alphabet.Spell(s.word);
    if (verify(ev)) {
      f.exists = Truth::kTrue;
      f.event = ev;
    } else {
      f.exists = Truth::kUnknown;
      f.reason = "internal: a witness failed verification";
    }
  }
  return f;
}

// ---------------------------------------------------------------------------------------------
// Delimited patterns

struct Shape {
  size_t fields = 0;   // not counting the ellipsis
  int ellipsis = -1;   // position of '...' among the specs
  bool operator==(const Shape&) const = default;
};

Shape ShapeOf(const Pattern& p) {
  Shape s;
  for (size_t i = 0; i < p.fields.size(); ++i) {
    if (p.fields[i].type == Field::Type::kEllipsis) {
      s.ellipsis = static_cast<int>(i);
    } else {
      ++s.fields;
    }
  }
  return s;
}

std::vector<const Field*> FieldsOf(const Pattern& p) {
  std::vector<const Field*> out;
  for (const Field& f : p.fields) {
    if (f.type != Field::Type::kEllipsis) out.push_back(&f);
  }
  return out;
}

// Writes a field value as one token; nullopt when no token spelling yields exactly `v`.
std::optional<std::string> AsToken(const std::string& v) {
  bool plain = !v.empty() && v.find_first_of(" \t\r\n") == std::string::npos && v[0] != '"' &&
               v[0] != '[';
  if (plain) return v;
  if (v.find('"') == std::string::npos && v.find_first_of("\r\n") == std::string::npos) {
    return "\"" + v + "\"";
  }
  if (v.find(']') == std::string::npos && v.find_first_of("\r\n") == std::string::npos) {
    return "[" + v + "]";
  }
  return std::nullopt;
}

TextPred FieldPred(const FieldAtom& a, bool positive) {
  if (a.value.type == Value::Type::kNumber) {
    TextPred t;
    t.numeric = true;
    t.op = a.op;
    t.num = a.value.number;
    t.want = positive;
    return t;
  }
  KindPred kp = ValueLang(a.value, a.op == Op::kEq);
  TextPred t = kp.text;
  t.want = kp.text.want == positive;
  return t;
}

// Appends to `branches` the conjunctions of text predicates that make a field condition
// (any_of) true (positive) or false (!positive).
void FieldBranches(const Field& f, bool positive,
                   std::vector<std::vector<TextPred>>& branches) {
  std::vector<std::vector<TextPred>> out;
  if (positive) {
    if (f.any_of.empty()) {
      out.push_back({});
    }
    for (const auto& conj : f.any_of) {
      std::vector<TextPred> b;
      for (const FieldAtom& a : conj) b.push_back(FieldPred(a, true));
      out.push_back(std::move(b));
    }
  } else {
    // Not (OR of ANDs) = AND over disjuncts of (OR over atoms of NOT atom).
    out.push_back({});
    if (f.any_of.empty()) out.clear();  // an unconstrained field cannot be false
    for (const auto& conj : f.any_of) {
      std::vector<std::vector<TextPred>> next;
      for (const auto& partial : out) {
        for (const FieldAtom& a : conj) {
          auto b = partial;
          b.push_back(FieldPred(a, false));
          next.push_back(std::move(b));
        }
      }
      out = std::move(next);
    }
  }
  std::vector<std::vector<TextPred>> combined;
  for (const auto& have : branches) {
    for (const auto& b : out) {
      auto c = have;
      c.insert(c.end(), b.begin(), b.end());
      combined.push_back(std::move(c));
    }
  }
  branches = std::move(combined);
}

// Where each token of an m-token line goes in a delimited pattern (§3.4).
struct Slot {
  enum class Type { kField, kAbsorbed, kFree };  // one field's whole text, part of the last
                                                 // field's text, or unconstrained
  Type type = Type::kFree;
  const Field* field = nullptr;
};

std::optional<std::vector<Slot>> Align(const Pattern& p, size_t m, MatchOptions::Arity arity) {
  std::vector<const Field*> fields = FieldsOf(p);
  Shape sh = ShapeOf(p);
  std::vector<Slot> out(m);
  if (sh.ellipsis >= 0) {
    size_t pre = static_cast<size_t>(sh.ellipsis), suf = fields.size() - pre;
    if (m < pre + suf) return std::nullopt;
    for (size_t i = 0; i < pre; ++i) out[i] = Slot{Slot::Type::kField, fields[i]};
    for (size_t j = 0; j < suf; ++j) out[m - suf + j] = Slot{Slot::Type::kField, fields[pre + j]};
    return out;
  }
  size_t k = fields.size();
  if (m < k || (m > k && arity == MatchOptions::Arity::kExact)) return std::nullopt;
  for (size_t i = 0; i < k; ++i) out[i] = Slot{Slot::Type::kField, fields[i]};
  if (m > k && arity == MatchOptions::Arity::kLastFieldAbsorbs) {
    for (size_t t = k - 1; t < m; ++t) out[t] = Slot{Slot::Type::kAbsorbed, fields[k - 1]};
  }
  return out;
}

// Does field condition `a` hold for every text for which `b` holds (b == nullptr: any text)?
Truth FieldCovers(Ctx& ctx, const Field& a, const Field* b) {
  if (!a.Constrained()) return Truth::kTrue;
  std::vector<std::vector<TextPred>> branches{{}};
  if (b) FieldBranches(*b, true, branches);
  FieldBranches(a, false, branches);
  bool unknown = false;
  for (const auto& br : branches) {
    TextResult r = SolveText(ctx, br, nullptr, false);
    if (r.exists == Truth::kTrue) return Truth::kFalse;
    if (r.exists == Truth::kUnknown) unknown = true;
  }
  return unknown ? Truth::kUnknown : Truth::kTrue;
}

// A proof that P covers Q across shapes, by aligning both on every token count that matters
// (beyond kP + kQ + 2 tokens the alignments repeat). kTrue only when proven.
Truth ProveDelimitedCovers(Ctx& ctx, const Pattern& p, const Pattern& q) {
  MatchOptions::Arity arity = ctx.opt.match.arity;
  size_t limit = p.fields.size() + q.fields.size() + 2;
  for (size_t m = 1; m <= limit; ++m) {
    auto qa = Align(q, m, arity);
    if (!qa) continue;  // Q matches no line with m tokens
    auto pa = Align(p, m, arity);
    if (!pa) return Truth::kFalse;
    for (size_t t = 0; t < m; ++t) {
      const Slot& ps = (*pa)[t];
      const Slot& qs = (*qa)[t];
      if (ps.type == Slot::Type::kFree || !ps.field->Constrained()) continue;
      if (ps.type == Slot::Type::kAbsorbed) {
        // P's last field spans several tokens: provable only when Q spans the same ones.
        if (qs.type != Slot::Type::kAbsorbed) return Truth::kUnknown;
        bool same_span = true;
        for (size_t u = t; u < m; ++u) same_span &= (*qa)[u].type == Slot::Type::kAbsorbed;
        for (size_t u = 0; u < t; ++u) same_span &= (*qa)[u].type != Slot::Type::kAbsorbed;
        if (!same_span) return Truth::kUnknown;
        Truth c = FieldCovers(ctx, *ps.field, qs.field);
        if (c != Truth::kTrue) return c;
        break;
      }
      if (qs.type == Slot::Type::kAbsorbed) return Truth::kUnknown;
      Truth c = FieldCovers(ctx, *ps.field, qs.type == Slot::Type::kField ? qs.field : nullptr);
      if (c != Truth::kTrue) return c;
    }
  }
  return Truth::kTrue;
}

Found FindDelimited(Ctx& ctx, const std::vector<const Pattern*>& match,
                    const std::vector<const Pattern*>& miss,
                    const std::function<bool(const std::string&)>& verify) {
  Found f;
  std::vector<const Pattern*> all(match);
  all.insert(all.end(), miss.begin(), miss.end());
  Shape shape = ShapeOf(*all[0]);
  bool same = true;
  for (const Pattern* p : all) same &= ShapeOf(*p) == shape;
  if (!same && match.size() == 1 && miss.size() == 1 &&
      ProveDelimitedCovers(ctx, *miss[0], *match[0]) == Truth::kTrue) {
    f.exists = Truth::kFalse;
    return f;
  }
  if (!same) {
    // No exact procedure across shapes: try lines built from each pattern's own witnesses,
    // with tokens added and removed, and report unknown when none separates them.
    std::vector<std::string> lines;
    for (const Pattern* p : all) {
      for (bool negate : {false, true}) {
        std::vector<const Pattern*> m{p}, x;
        if (negate) {
          m.clear();
          for (const Pattern* q : all) {
            if (q != p) m.push_back(q);
          }
          x.push_back(p);
          if (m.empty() || ShapeOf(*m[0]) != ShapeOf(*p)) {
            bool all_same = true;
            for (const Pattern* q : m) all_same &= ShapeOf(*q) == ShapeOf(*m[0]);
            if (!all_same || m.empty()) continue;
            x.clear();
          }
        }
        std::function<bool(const std::string&)> any = [](const std::string&) { return true; };
        Found w = FindDelimited(ctx, m, x, any);
        if (w.exists == Truth::kTrue) lines.push_back(w.event);
      }
    }
    for (size_t i = 0, n = lines.size(); i < n; ++i) {
      std::string l = lines[i];
      lines.push_back(l + " x");
      lines.push_back(l + " x x x");
      auto sp = l.rfind(' ');
      if (sp != std::string::npos) lines.push_back(l.substr(0, sp));
      lines.push_back("x " + l);
    }
    for (const std::string& l : lines) {
      if (verify(l)) {
        f.exists = Truth::kTrue;
        f.event = l;
        return f;
      }
    }
    f.exists = Truth::kUnknown;
    f.reason = "delimited patterns of different shapes (field counts or '...' positions)";
    return f;
  }
  size_t k = shape.fields;
  // Each pattern in `miss` must fail on some field: choose that field, for each of them.
  std::vector<size_t> choice(miss.size(), 0);
  bool unknown = false;
  std::string reason;
  size_t budget = ctx.opt.max_conjunctions;
  while (true) {
    std::vector<std::string> texts(k);
    bool ok = true;
    for (size_t i = 0; i < k && ok; ++i) {
      std::vector<std::vector<TextPred>> branches{{}};
      for (const Pattern* p : match) FieldBranches(*FieldsOf(*p)[i], true, branches);
      for (size_t j = 0; j < miss.size(); ++j) {
        if (choice[j] == i) FieldBranches(*FieldsOf(*miss[j])[i], false, branches);
      }
      bool found = false;
      for (const auto& b : branches) {
        if (budget-- == 0) {
          unknown = true;
          reason = "limit reached";
          break;
        }
        TextResult r = SolveText(ctx, b, nullptr, false);
        if (r.exists == Truth::kTrue) {
          auto tok = AsToken(r.text);
          if (!tok) {
            unknown = true;
            reason = "a field value that no token can spell";
            continue;
          }
          texts[i] = *tok;
          found = true;
          break;
        }
        if (r.exists == Truth::kUnknown) {
          unknown = true;
          reason = r.reason;
        }
      }
      ok = found;
    }
    if (ok) {
      std::string line;
      for (size_t i = 0; i < k; ++i) {
        if (i) line += ' ';
        line += texts[i];
      }
      if (verify(line)) {
        f.exists = Truth::kTrue;
        f.event = line;
        return f;
      }
      unknown = true;
      reason = "internal: a witness failed verification";
    }
    // Next choice of failing fields.
    size_t j = 0;
    while (j < choice.size() && ++choice[j] == k) choice[j++] = 0;
    if (j == choice.size()) break;
  }
  f.exists = unknown ? Truth::kUnknown : Truth::kFalse;
  f.reason = reason;
  return f;
}

// ---------------------------------------------------------------------------------------------

}  // namespace

const char* RelationName(Relation r) {
  switch (r) {
    case Relation::kEqual: return "equal";
    case Relation::kCovers: return "covers";
    case Relation::kCoveredBy: return "covered-by";
    case Relation::kOverlapping: return "overlapping";
    case Relation::kDisjoint: return "disjoint";
    case Relation::kUnknown: return "unknown";
  }
  return "unknown";
}

Found FindEvent(const std::vector<const Pattern*>& match_in,
                const std::vector<const Pattern*>& miss_in, const DecideOptions& options) {
  // The normal form means the same and is simpler: blank phrases become match-all, ignored `?`
  // terms go, duplicates merge.
  std::vector<Pattern> canon;
  canon.reserve(match_in.size() + miss_in.size());
  std::vector<const Pattern*> match, miss;
  for (const Pattern* p : match_in) {
    canon.push_back(Canonicalize(*p));
    match.push_back(&canon.back());
  }
  for (const Pattern* p : miss_in) {
    canon.push_back(Canonicalize(*p));
    miss.push_back(&canon.back());
  }
  Ctx ctx(options);
  Verifier verify(options.match);
  verify.match_src = match;
  verify.miss_src = miss;
  for (const Pattern* p : miss) {
    if (p->kind == Kind::kMatchAll) return Found{Truth::kFalse, "", ""};
  }
  for (const Pattern* p : match) NotePattern(ctx.alphabet, *p);
  for (const Pattern* p : miss) NotePattern(ctx.alphabet, *p);
  if (!ctx.alphabet.Freeze()) {
    return Found{Truth::kUnknown, "", "limit reached: too many distinct non-ASCII characters"};
  }
  std::function<bool(const std::string&)> check = [&](const std::string& e) { return verify(e); };

  // Which kinds are involved (match-all is neutral: it matches everything).
  std::set<Kind> kinds;
  std::vector<const Pattern*> m2;
  for (const Pattern* p : match) {
    if (p->kind != Kind::kMatchAll) {
      kinds.insert(p->kind);
      m2.push_back(p);
    }
  }
  for (const Pattern* p : miss) kinds.insert(p->kind);
  if (kinds.empty() || (kinds.size() == 1 && *kinds.begin() == Kind::kTerm)) {
    std::vector<const Pattern*> all_match(match);
    return FindTerms(ctx, all_match, miss, check);
  }
  if (kinds.size() == 1 && *kinds.begin() == Kind::kJson) {
    if (m2.empty()) {
      // Only patterns to miss: a message that is not JSON misses them all.
      Found f{Truth::kTrue, "x", ""};
      if (check(f.event)) return f;
    }
    return FindJson(ctx, m2, miss, check);
  }
  if (kinds.size() == 1 && *kinds.begin() == Kind::kDelimited && !m2.empty()) {
    return FindDelimited(ctx, m2, miss, check);
  }
  // Different kinds. A pattern that can never match settles it; otherwise try the events that
  // each pattern's own kind produces, and report unknown if none does the job.
  for (const Pattern* p : m2) {
    Found alone = FindEvent({p}, {}, options);
    if (alone.exists == Truth::kFalse) return alone;
  }
  std::vector<std::string> candidates = {"x", "{}", "x x x", "ERROR", "{\"a\":1}"};
  for (const Pattern* p : m2) {
    std::vector<const Pattern*> same_kind_miss;
    for (const Pattern* q : miss) {
      if (q->kind == p->kind) same_kind_miss.push_back(q);
    }
    Found f = FindEvent({p}, same_kind_miss, options);
    if (f.exists == Truth::kTrue) candidates.insert(candidates.begin(), f.event);
    Found g = FindEvent({p}, {}, options);
    if (g.exists == Truth::kTrue) candidates.push_back(g.event);
  }
  for (const std::string& c : candidates) {
    if (check(c)) return Found{Truth::kTrue, c, ""};
  }
  if (kinds.size() == 1 && *kinds.begin() == Kind::kDelimited) {
    return Found{Truth::kUnknown, "", "no event found for delimited patterns alone"};
  }
  return Found{Truth::kUnknown, "", "patterns of different kinds"};
}

Found Covers(const Pattern& a, const Pattern& b, const DecideOptions& options) {
  Found f = FindEvent({&b}, {&a}, options);
  Found out;
  switch (f.exists) {
    case Truth::kTrue:
      out.exists = Truth::kFalse;
      out.event = f.event;
      break;
    case Truth::kFalse:
      out.exists = Truth::kTrue;
      break;
    case Truth::kUnknown:
      out.exists = Truth::kUnknown;
      out.reason = f.reason;
      break;
  }
  return out;
}

Comparison Compare(const Pattern& a, const Pattern& b, const DecideOptions& options) {
  Comparison c;
  c.a_not_b = FindEvent({&a}, {&b}, options);
  c.b_not_a = FindEvent({&b}, {&a}, options);
  bool a_covers = c.b_not_a.exists == Truth::kFalse;
  bool b_covers = c.a_not_b.exists == Truth::kFalse;
  if (a_covers && b_covers) {
    c.relation = Relation::kEqual;
    return c;
  }
  if (a_covers && c.a_not_b.exists == Truth::kTrue) {
    c.relation = Relation::kCovers;
    return c;
  }
  if (b_covers && c.b_not_a.exists == Truth::kTrue) {
    c.relation = Relation::kCoveredBy;
    return c;
  }
  if (c.a_not_b.exists == Truth::kTrue && c.b_not_a.exists == Truth::kTrue) {
    c.both = FindEvent({&a, &b}, {}, options);
    if (c.both.exists == Truth::kTrue) {
      c.relation = Relation::kOverlapping;
      return c;
    }
    if (c.both.exists == Truth::kFalse) {
      c.relation = Relation::kDisjoint;
      return c;
    }
    c.reason = c.both.reason;
    return c;
  }
  c.relation = Relation::kUnknown;
  c.reason = c.a_not_b.exists == Truth::kUnknown ? c.a_not_b.reason : c.b_not_a.reason;
  return c;
}

}  // namespace vigil::pattern
