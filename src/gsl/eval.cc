#include "gsl/eval.h"

#include <atomic>
#include <cmath>
#include <cstring>
#include <system_error>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "base/iso_time.h"
#include "base/json_writer.h"
#include "base/processors.h"
#include "base/text.h"
#include "gsl/builtins.h"
#include "gsl/functions.h"
#include "gsl/value.h"
#include "pattern/parser.h"
#include "pattern/printer.h"

namespace vigil::gsl {

const char* StatusName(Status s) {
  switch (s) {
    case Status::kPassed: return "passed";
    case Status::kFailed: return "failed";
    case Status::kSkipped: return "skipped";
    case Status::kError: return "error";
    case Status::kNoData: return "no-data";
    case Status::kExcluded: return "excluded";
  }
  return "?";
}

void AppendEvidenceJson(std::string& out, const std::vector<Evidence>& evidence) {
  out += "[";
  for (size_t i = 0; i < evidence.size(); ++i) {
    const Evidence& e = evidence[i];
    if (i) out += ", ";
    out += "{\"expression\": ";
    AppendJsonString(out, e.expr);
    out += ", \"path\": ";
    AppendJsonString(out, e.path);
    out += ", \"value\": ";
    AppendJsonString(out, e.value);
    out += ", \"note\": ";
    AppendJsonString(out, e.note);
    out += "}";
  }
  out += "]";
}

std::string Program::TargetName() const {
  if (rule_.event_query) return rule_.event_source;
  return rule_.list_target ? "List<" + rule_.entity_type + ">" : rule_.entity_type;
}

// ---------------------------------------------------------------------------------------------
// Planning

struct PlanAccess {
  static bool PlanExpr(Program& p, Expr& e, const PlanOptions& o, Diagnostic* err);
  static bool PlanBracket(Program& p, Bracket& b, const PlanOptions& o, Diagnostic* err) {
    return !b.expr || PlanExpr(p, *b.expr, o, err);
  }
  static void Alias(Predicate& pr);
};

// Event-query aliases (gsl.md §8).
void PlanAccess::Alias(Predicate& pr) {
  static const std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> kAliases = {
      {{"event", "name"}, {"eventName"}},
      {{"event", "source"}, {"eventSource"}},
      {{"event", "time"}, {"eventTime"}},
      {{"event", "type"}, {"eventType"}},
      {{"event", "region"}, {"awsRegion"}},
      {{"event", "errorCode"}, {"errorCode"}},
      {{"event", "sourceIp"}, {"sourceIPAddress"}},
      {{"identity", "type"}, {"userIdentity", "type"}},
      {{"identity", "arn"}, {"userIdentity", "arn"}},
      {{"identity", "accountId"}, {"userIdentity", "accountId"}},
      {{"identity", "userName"}, {"userIdentity", "userName"}},
      {{"issuer", "type"}, {"userIdentity", "sessionContext", "sessionIssuer", "type"}},
      {{"issuer", "arn"}, {"userIdentity", "sessionContext", "sessionIssuer", "arn"}},
      {{"issuer", "userName"}, {"userIdentity", "sessionContext", "sessionIssuer", "userName"}},
  };
  for (const auto& [from, to] : kAliases) {
    if (pr.path.size() >= from.size() && std::equal(from.begin(), from.end(), pr.path.begin())) {
      std::vector<std::string> p = to;
      p.insert(p.end(), pr.path.begin() + from.size(), pr.path.end());
      pr.path = std::move(p);
      return;
    }
  }
}

bool PlanAccess::PlanExpr(Program& p, Expr& e, const PlanOptions& o, Diagnostic* err) {
  if (e.type != Expr::Type::kPredicate) {
    for (Expr& c : e.children) {
      if (!PlanExpr(p, c, o, err)) return false;
    }
    return true;
  }
  Predicate& pr = e.predicate;
  if (p.rule_.event_query) Alias(pr);
  for (Step& st : pr.steps) {
    if (st.type == Step::Type::kWith && !PlanBracket(p, st.bracket, o, err)) return false;
    if (st.type == Step::Type::kCall) {
      const Builtin* b = FindBuiltin(st.name);
      if (b->id == BuiltinId::kIsFilterPatternEqual || b->id == BuiltinId::kCoversFilterPattern) {
        pattern::ParseResult r = pattern::Parse(st.args[0].text);
        if (!r.ok()) {
          *err = At(p.rule_.text, st.args[0].span.begin + 1,
                    fmt::format("{}: invalid filter pattern: {} (column {})", b->name,
                                r.error.message, r.error.column));
          return false;
        }
        p.patterns_[&st] = std::move(*r.pattern);
      }
    }
  }
  if (pr.test) {
    Test& t = *pr.test;
    if (t.type == Test::Type::kRegex) {
      RE2::Options ro;
      ro.set_log_errors(false);
      ro.set_case_sensitive(t.flags.find('i') == std::string::npos);
      ro.set_max_mem(o.regex_max_mem);
      auto re = std::make_unique<RE2>(t.regex, ro);
      if (!re->ok()) {
        *err = At(p.rule_.text, t.span.begin,
                  fmt::format("invalid regular expression /{}/: {}", t.regex, re->error()));
        return false;
      }
      p.regexes_[&t] = std::move(re);
    }
    if (t.type == Test::Type::kQuantifier && !PlanBracket(p, t.bracket, o, err)) return false;
  }
  return true;
}

PlanResult Plan(std::string_view text, const PlanOptions& options) {
  PlanResult out;
  ParseResult r = ParseRule(text, options.parse);
  if (!r.ok()) {
    out.error = r.error;
    return out;
  }
  auto prog = std::shared_ptr<Program>(new Program());
  prog->rule_ = std::move(*r.rule);
  Diagnostic err;
  if (prog->rule_.where && !PlanAccess::PlanExpr(*prog, *prog->rule_.where, options, &err)) {
    out.error = err;
    return out;
  }
  if (!PlanAccess::PlanExpr(*prog, prog->rule_.body, options, &err)) {
    out.error = err;
    return out;
  }
  out.program = std::move(prog);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

namespace {

// Evidence as the evaluator keeps it: cheap handles, turned into text only for the results
// that are reported (Materialize).
// Notes and error texts are views: of string literals, of the filter-pattern cache, or of strings
// kept in the arena (valid until the arena is cleared, after the result is finished).
struct LazyEvidence {
  Span span;
  Val value;
  bool has_value = false;
  std::string_view note;
};

using Details = std::vector<LazyEvidence>;
inline void Recycle(LazyEvidence&) {}  // always assigned whole
inline void Recycle(Details& d) { d.clear(); }

// What an expression decided: a small value, copied freely. The evidence lives in the
// evaluator's pools (cleared with the arena); the fast pass, which only decides, records none.
struct Outcome {
  enum class V { kFalse, kTrue, kError };
  V v = V::kFalse;
  const LazyEvidence* ev = nullptr;
  const Details* details = nullptr;  // why: the elements a `with` kept or dropped, nested
  std::string_view error;
  static Outcome Of(bool b) {
    Outcome o;
    o.v = b ? V::kTrue : V::kFalse;
    return o;
  }
  bool is_true() const { return v == V::kTrue; }
};

enum class Op { kEq, kNe, kLt, kGt, kLe, kGe };

// The parser gives one of = != < > <= >= (by their characters: this runs per comparison).
Op ToOp(const std::string& op) {
  bool or_equal = op.size() == 2;
  switch (op.empty() ? '=' : op[0]) {
    case '!': return Op::kNe;
    case '<': return or_equal ? Op::kLe : Op::kLt;
    case '>': return or_equal ? Op::kGe : Op::kGt;
    default: return Op::kEq;
  }
}

// §6.3: a comparison between a value and a literal.
bool CompareValues(const Val& left, Op op, const Literal& lit) {
  bool eq_op = op == Op::kEq, ne_op = op == Op::kNe;
  if (left.missing_or_null()) return ne_op;
  if (left.kind == Val::Kind::kList || left.kind == Val::Kind::kObject) return false;
  auto ordered = [&](int c) {
    switch (op) {
      case Op::kEq: return c == 0;
      case Op::kNe: return c != 0;
      case Op::kLt: return c < 0;
      case Op::kGt: return c > 0;
      case Op::kLe: return c <= 0;
      case Op::kGe: return c >= 0;
    }
    return false;
  };
  auto num_cmp = [](double a, double b) { return a < b ? -1 : a > b ? 1 : 0; };
  auto truth = [](std::string_view s) -> std::optional<bool> {
    if (EqualsIgnoreAsciiCase(s, "true")) return true;
    if (EqualsIgnoreAsciiCase(s, "false")) return false;
    return std::nullopt;
  };
  switch (left.kind) {
    case Val::Kind::kString:
      if (lit.type == Literal::Type::kString) {
        int c = left.str.compare(lit.text);
        return ordered(c < 0 ? -1 : c > 0 ? 1 : 0);
      }
      if (lit.type == Literal::Type::kNumber) {
        if (auto n = NumericString(left.str)) return ordered(num_cmp(*n, lit.number));
        return ne_op;
      }
      if (auto b = truth(left.str)) {
        if (eq_op) return *b == lit.boolean;
        if (ne_op) return *b != lit.boolean;
        return false;
      }
      return ne_op;
    case Val::Kind::kNumber: {
      double l = left.is_int ? static_cast<double>(left.integer) : left.number;
      if (lit.type == Literal::Type::kNumber) {
        if (left.is_int && lit.is_int) {
          return ordered(left.integer < lit.integer ? -1 : left.integer > lit.integer ? 1 : 0);
        }
        return ordered(num_cmp(l, lit.number));
      }
      if (lit.type == Literal::Type::kString) {
        if (auto n = NumericString(lit.text)) return ordered(num_cmp(l, *n));
      }
      return ne_op;
    }
    case Val::Kind::kBool:
      if (lit.type == Literal::Type::kBool) {
        if (eq_op) return left.boolean == lit.boolean;
        if (ne_op) return left.boolean != lit.boolean;
        return false;
      }
      if (lit.type == Literal::Type::kString) {
        if (auto b = truth(lit.text)) {
          if (eq_op) return left.boolean == *b;
          if (ne_op) return left.boolean != *b;
          return false;
        }
      }
      return ne_op;
    default:
      return false;
  }
}

// §6.2
bool Exists(const Val& v) {
  switch (v.kind) {
    case Val::Kind::kMissing:
    case Val::Kind::kNull: return false;
    case Val::Kind::kBool: return v.boolean;
    case Val::Kind::kString: return !v.str.empty() && !EqualsIgnoreAsciiCase(v.str, "false");
    case Val::Kind::kNumber: return true;
    case Val::Kind::kList:
      return v.from_dom ? !v.dom.empty() : !v.list->items.empty();
    case Val::Kind::kObject:
      return v.from_dom ? !v.dom.empty() : !v.object->members.empty();
  }
  return false;
}

}  // namespace

class Evaluator {
 public:
  Evaluator(const Program& p, const EvalOptions& o) : p_(p), o_(o) {
    now_ = o.now != 0 ? o.now : CurrentTime();
  }

  Arena arena;
  // Clears the arena and the evidence pools (between entities).
  void Reset() {
    arena.Clear();
    evidence_.Clear();
    details_.Clear();
  }
  bool touched_unreadable = false;
  bool trace = true;  // gather evidence (off for the fast first pass)
  bool evidence_for_passed() const { return o_.evidence_for_passed; }

  Outcome Expr(const gsl::Expr& e, const Val& ctx) {
    switch (e.type) {
      case gsl::Expr::Type::kPredicate:
        return Predicate(e.predicate, ctx);
      case gsl::Expr::Type::kNot: {
        Outcome o = Expr(e.children[0], ctx);
        if (o.v != Outcome::V::kError) o.v = o.is_true() ? Outcome::V::kFalse : Outcome::V::kTrue;
        return o;
      }
      case gsl::Expr::Type::kAnd:
      case gsl::Expr::Type::kOr: {
        bool is_and = e.type == gsl::Expr::Type::kAnd;
        Outcome last;
        for (const gsl::Expr& c : e.children) {
          last = Expr(c, ctx);
          if (last.v == Outcome::V::kError) return last;
          if (last.is_true() != is_and) return last;  // decided by this operand
        }
        return last;
      }
    }
    return Outcome{};
  }

 private:
  Outcome Make(bool b, const gsl::Predicate& pr, const Val& v, std::string_view note = {}) {
    Outcome o = Outcome::Of(b);
    if (v.unreadable) touched_unreadable = true;
    // The fast pass decides; evidence is gathered when it is reported.
    if (trace) [[unlikely]] o.ev = Keep(LazyEvidence{pr.span, v, true, note});
    return o;
  }

  [[gnu::noinline]] const LazyEvidence* Keep(const LazyEvidence& e) {  // keeps Make() inlinable
    LazyEvidence* p = evidence_.New();
    *p = e;
    return p;
  }
  const Details* Keep(Details&& d) {
    if (d.empty()) return nullptr;
    Details* p = details_.New();
    *p = std::move(d);
    return p;
  }
  static const LazyEvidence& Deref(const LazyEvidence* e) {
    static const LazyEvidence kNone{};
    return e ? *e : kNone;
  }

  // A note that is only worth its text when evidence is gathered.
  template <typename F>
  std::string_view Note(F&& make) {
    return trace ? arena.Keep(make()) : std::string_view();
  }

  Outcome Error(const gsl::Predicate& pr, const Val& v, std::string msg) {
    Outcome o;
    o.v = Outcome::V::kError;
    o.error = arena.Keep(std::move(msg));
    o.ev = Keep(LazyEvidence{pr.span, v, true, {}});
    return o;
  }

 public:
  // Appends the texts of `ev` to a result's evidence, written in place (a failure's evidence is the
  // most frequent text an evaluation writes).
  void Materialize(const LazyEvidence* ev, std::vector<Evidence>& into) const {
    Evidence& out = into.emplace_back();
    const LazyEvidence& e = Deref(ev);
    out.expr.assign(p_.rule_.text, e.span.begin, e.span.end - e.span.begin);
    if (e.has_value) {
      AppendPath(out.path, e.value.path);
      AppendToJson(out.value, e.value);
    }
    out.note.assign(e.note);
  }

 private:

  Val Resolve(const gsl::Predicate& pr, const Val& ctx) {
    if (pr.is_dollar) return ctx;
    if (p_.rule_.event_query && pr.path.size() == 2 && pr.path[0] == "event" &&
        pr.path[1] == "status") {
      Val err = Member(ctx, "errorCode", arena);
      Val v;
      v.kind = Val::Kind::kString;
      v.str = err.missing_or_null() ? "Success" : "Failure";
      v.path = arena.Path(nullptr, "event.status");
      return v;
    }
    // Member's result is returned as it is, not copied (most paths have one segment).
    const size_t n = pr.path.size();
    if (n == 0) return ctx;
    if (n == 1) return Member(ctx, pr.path[0], arena);
    Val v = Member(ctx, pr.path[0], arena);
    for (size_t i = 1; i + 1 < n; ++i) v = Member(v, pr.path[i], arena);
    return Member(v, pr.path[n - 1], arena);
  }

  // Evaluates a bracket for one element: an expression, or a literal list (§6.8).
  Outcome Bracket(const gsl::Bracket& b, const Val& elem, const gsl::Predicate& pr) {
    if (b.expr) return Expr(*b.expr, elem);
    for (const Literal& lit : b.literals) {
      bool hit;
      if (lit.type == Literal::Type::kString && lit.text.find('%') != std::string::npos) {
        hit = LikeValue(elem, lit.text);
      } else {
        hit = CompareValues(elem, Op::kEq, lit);
      }
      if (hit) return Make(true, pr, elem);
    }
    return Make(false, pr, elem);
  }

  static bool LikeValue(const Val& v, const std::string& pattern) {
    if (v.kind != Val::Kind::kString && v.kind != Val::Kind::kNumber &&
        v.kind != Val::Kind::kBool) {
      return false;
    }
    if (v.kind == Val::Kind::kString) return LikeMatch(v.str, pattern);
    return LikeMatch(ScalarText(v), pattern);
  }

  Outcome Predicate(const gsl::Predicate& pr, const Val& ctx) {
    if (pr.steps.empty()) {
      // Most predicates are a path and a test: no step state to set up (kept apart so that this
      // path stays a small function).
      Val v = Resolve(pr, ctx);
      std::string_view note = last_note_;
      last_note_ = {};
      return PredicateTest(pr, v, note);
    }
    return PredicateWithSteps(pr, ctx);
  }

  // The evidence of the elements a `with` kept (or dropped): a group per element (its own
  // evidence, then its nested details), for the first kMaxGroups elements, flattened into at most
  // kMaxDetails items with the most telling groups first. A filter pattern about other events
  // altogether ("disjoint") says little about why an element is missing, one that overlaps says
  // more, anything else says most. Groups are sorted stably by that, so a bucket per rank, each
  // holding what can still reach the first kMaxDetails, gives the same items.
  class Groups {
   public:
    void Add(const Outcome& o) {
      if (groups_++ >= kMaxGroups) return;
      const LazyEvidence& own = Deref(o.ev);
      int rank = Rank(own);
      if (o.details) {
        for (const LazyEvidence& d : *o.details) rank = std::max(rank, Rank(d));
      }
      std::vector<LazyEvidence>& bucket = buckets_[rank];
      if (bucket.size() >= kMaxDetails) return;
      bucket.reserve(kMaxDetails);
      bucket.push_back(own);
      if (o.details) {
        for (const LazyEvidence& d : *o.details) {
          if (bucket.size() >= kMaxDetails) break;
          bucket.push_back(d);
        }
      }
    }
    void Flatten(std::vector<LazyEvidence>& sink) {
      for (const auto& bucket : buckets_) {
        for (const LazyEvidence& e : bucket) {
          if (sink.size() >= kMaxDetails) return;
          sink.push_back(e);
        }
      }
    }

   private:
    static int Rank(const LazyEvidence& e) {
      if (e.note.find("(disjoint)") != std::string_view::npos) return 2;
      if (e.note.find("(overlapping)") != std::string_view::npos) return 1;
      return 0;
    }
    size_t groups_ = 0;
    std::vector<LazyEvidence> buckets_[3];
  };

  [[gnu::noinline]] Outcome PredicateWithSteps(const gsl::Predicate& pr, const Val& ctx) {
    Val v = Resolve(pr, ctx);
    // Evidence of the elements a `with` kept or dropped (local: brackets nest).
    std::vector<LazyEvidence> kept, dropped;
    bool with_details = false;
    for (const Step& st : pr.steps) {
      switch (st.type) {
        case Step::Type::kWith: {
          SynthList* out = arena.List();
          kept.clear();
          dropped.clear();
          // What each element's evidence says, as a group (Groups), for the traced pass.
          Groups kept_groups, dropped_groups;
          bool want_details = trace;
          Outcome failure;
          bool failed = false;
          ForEach(v, arena, [&](const Val& e) {
            Outcome o = Bracket(st.bracket, e, pr);
            if (o.v == Outcome::V::kError) {
              failure = std::move(o);
              failed = true;
              return false;
            }
            if (want_details) (o.is_true() ? kept_groups : dropped_groups).Add(o);
            if (o.is_true()) out->items.push_back(e);
            return true;
          });
          if (failed) return failure;
          if (want_details) {
            kept_groups.Flatten(kept);
            dropped_groups.Flatten(dropped);
          }
          with_details = true;
          Val l;
          l.kind = Val::Kind::kList;
          l.list = out;
          l.path = v.path;
          l.unreadable = v.unreadable;
          v = l;
          break;
        }
        case Step::Type::kGroupBy: {
          SynthList* groups = arena.List();
          std::vector<std::string> keys;
          for (const Val& e : AsList(v, arena)) {
            Val k = e;
            for (const std::string& seg : st.path) k = Member(k, seg, arena);
            if (k.kind == Val::Kind::kMissing) continue;
            std::vector<Val> members = k.kind == Val::Kind::kList ? AsList(k, arena)
                                                                  : std::vector<Val>{k};
            std::vector<std::string> seen;
            for (const Val& km : members) {
              std::string key = ToJson(km, 1 << 20);
              if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
              seen.push_back(key);
              size_t gi = std::find(keys.begin(), keys.end(), key) - keys.begin();
              if (gi == keys.size()) {
                keys.push_back(key);
                SynthObject* g = arena.Object();
                Val values;
                values.kind = Val::Kind::kList;
                values.list = arena.List();
                g->members.emplace_back("key", km);
                g->members.emplace_back("values", values);
                Val gv;
                gv.kind = Val::Kind::kObject;
                gv.object = g;
                gv.path = arena.Path(v.path, {}, static_cast<int64_t>(gi));
                groups->items.push_back(gv);
              }
              const Val& values = groups->items[gi].object->members[1].second;
              const_cast<SynthList*>(values.list)->items.push_back(e);
            }
          }
          Val l;
          l.kind = Val::Kind::kList;
          l.list = groups;
          l.path = v.path;
          v = l;
          break;
        }
        case Step::Type::kCall: {
          const Builtin* b = FindBuiltin(st.name);
          if (!b->yields_number) return CallTest(*b, st, pr, v);
          Val n;
          n.path = v.path;
          n.unreadable = v.unreadable;
          std::string note;
          switch (b->id) {
            case BuiltinId::kLength:
              if (v.kind == Val::Kind::kNumber || v.kind == Val::Kind::kBool) {
                return Error(pr, v, fmt::format("length() of a {}: it applies to lists, strings "
                                                "and objects",
                                                v.kind == Val::Kind::kNumber ? "number"
                                                                             : "boolean"));
              }
              n.kind = Val::Kind::kNumber;
              n.is_int = true;
              if (v.kind == Val::Kind::kString) {
                int64_t cps = 0;
                for (char c : v.str) cps += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
                n.integer = cps;
              } else if (v.kind == Val::Kind::kList || v.kind == Val::Kind::kObject) {
                if (v.from_dom) {
                  n.integer = static_cast<int64_t>(v.dom.Count());
                } else {
                  n.integer = static_cast<int64_t>(v.kind == Val::Kind::kList
                                                       ? v.list->items.size()
                                                       : v.object->members.size());
                }
              }
              break;
            case BuiltinId::kNumberOfHosts: {
              std::optional<Cidr> c;
              if (v.kind == Val::Kind::kString) c = ParseCidr(v.str);
              if (c) {
                n.kind = Val::Kind::kNumber;
                n.number = CidrHosts(*c);
              } else {
                note = "numberOfHosts(): not an address or CIDR";
              }
              break;
            }
            case BuiltinId::kAllowedHostsForPort: {
              std::vector<FirewallRule> rules;
              size_t order = 0;
              for (const Val& r : AsList(v, arena)) rules.push_back(ToRule(r, order++));
              std::vector<std::string> notes;
              n.kind = Val::Kind::kNumber;
              n.number = AllowedHostsForPort(std::move(rules),
                                             static_cast<uint64_t>(st.args[0].integer), &notes);
              for (auto& x : notes) note += (note.empty() ? "" : "; ") + x;
              break;
            }
            default:
              break;
          }
          v = n;
          if (!note.empty() && !pr.test) return Make(false, pr, v, arena.Keep(std::move(note)));
          if (!note.empty()) last_note_ = arena.Keep(std::move(note));
          break;
        }
      }
    }
    std::string_view note = last_note_;
    last_note_ = {};
    if (with_details) {
      // The chain went through `with`: explain the verdict by the elements it kept or dropped.
      Outcome o = PredicateTest(pr, v, note);
      if (o.v != Outcome::V::kError) o.details = Keep(o.is_true() ? std::move(kept) : std::move(dropped));
      return o;
    }
    return PredicateTest(pr, v, note);
  }

  Outcome PredicateTest(const gsl::Predicate& pr, const Val& v, std::string_view note) {
    if (!pr.test) {
      // A bare chain is an existence test (§6.2); a `with` result is true when non-empty.
      return Make(Exists(v), pr, v, note);
    }
    const Test& t = *pr.test;
    switch (t.type) {
      case Test::Type::kCompare:
        return Make(CompareValues(v, ToOp(t.op), t.literal), pr, v, note);
      case Test::Type::kLike:
        return Make(LikeValue(v, t.literal.text), pr, v);
      case Test::Type::kRegex: {
        bool hit = false;
        if (v.kind == Val::Kind::kString || v.kind == Val::Kind::kNumber ||
            v.kind == Val::Kind::kBool) {
          const RE2& re = *p_.regexes_.at(&t);
          if (v.kind == Val::Kind::kString) {
            hit = RE2::PartialMatch(re2::StringPiece(v.str.data(), v.str.size()), re);
          } else {
            hit = RE2::PartialMatch(ScalarText(v), re);
          }
        }
        return Make(hit, pr, v);
      }
      case Test::Type::kIn: {
        if (v.kind == Val::Kind::kList || v.kind == Val::Kind::kObject || v.missing_or_null()) {
          return Make(false, pr, v);
        }
        for (const Literal& l : t.literals) {
          if (CompareValues(v, Op::kEq, l)) return Make(true, pr, v);
        }
        return Make(false, pr, v);
      }
      case Test::Type::kBefore:
      case Test::Type::kAfter: {
        std::optional<double> when;
        if (v.kind == Val::Kind::kString) {
          when = ParseTime(v.str);
          if (!when) {
            if (auto n = NumericString(v.str)) when = EpochToSeconds(*n);
          }
        } else if (v.kind == Val::Kind::kNumber) {
          when = EpochToSeconds(v.is_int ? static_cast<double>(v.integer) : v.number);
        }
        double limit = AddUnits(now_, t.amount, t.unit);
        auto compared = [&] { return fmt::format("compared with {}", FormatTime(limit)); };
        if (!when) return Make(false, pr, v, Note([&] { return "not a date; " + compared(); }));
        bool hit = t.type == Test::Type::kBefore ? *when < limit : *when > limit;
        return Make(hit, pr, v, Note(compared));
      }
      case Test::Type::kQuantifier: {
        bool all = t.op == "contain-all", none = t.op == "contain-none";
        size_t count = 0;
        std::optional<Outcome> decided;
        ForEach(v, arena, [&](const Val& e) {
          ++count;
          Outcome o = Bracket(t.bracket, e, pr);
          if (o.v == Outcome::V::kError) {
            decided = std::move(o);
          } else if (all && !o.is_true()) {
            decided = Decided(false, o, pr);
          } else if (!all && o.is_true()) {
            decided = Decided(!none, o, pr);
          }
          return !decided.has_value();
        });
        if (decided) return std::move(*decided);
        return Make(all || none, pr, v, Note([&] {
                      return count == 0 ? std::string("empty list")
                                        : fmt::format("{} of {} elements", all ? "all" : "none",
                                                      count);
                    }));
      }
    }
    return Make(false, pr, v);
  }

  // A quantifier decided by one element: the element's own evidence, under this predicate.
  Outcome Decided(bool value, const Outcome& inner, const gsl::Predicate& pr) {
    Outcome o = Outcome::Of(value);
    o.ev = inner.ev;
    o.details = inner.details;
    if (trace && (!o.ev || o.ev->span.end == 0)) {
      LazyEvidence e = Deref(o.ev);
      e.span = pr.span;
      o.ev = Keep(e);
    }
    return o;
  }

  FirewallRule ToRule(const Val& r, size_t order) {
    FirewallRule fr;
    fr.order = order;
    auto num = [&](const char* k) -> std::optional<double> {
      Val x = Member(r, k, arena);
      if (x.kind == Val::Kind::kNumber) return x.is_int ? static_cast<double>(x.integer) : x.number;
      if (x.kind == Val::Kind::kString) return NumericString(x.str);
      return std::nullopt;
    };
    auto str = [&](const char* k) {
      Val x = Member(r, k, arena);
      return x.kind == Val::Kind::kString ? std::string(x.str) : ScalarText(x);
    };
    std::optional<double> from = num("port"), to = num("portTo");
    if (!from) {
      from = num("destinationPort");
      to = num("destinationPortTo");
    }
    std::string proto = str("protocol");
    for (char& c : proto) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (proto == "ALL" || proto == "*" || proto == "-1" || !from) {
      fr.all_ports = proto == "ALL" || proto == "*" || proto == "-1";
    }
    fr.port_from = from ? static_cast<uint64_t>(std::max(0.0, *from)) : 0;
    fr.port_to = to ? static_cast<uint64_t>(std::max(0.0, *to)) : fr.port_from;
    fr.source = str("scope");
    if (fr.source.empty()) fr.source = str("source");
    std::string action = str("action");
    if (action.empty()) action = str("access");
    for (char& c : action) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    fr.allow = action != "deny";
    if (auto pri = num("priority")) {
      fr.priority = *pri;
    } else if (auto number = num("number")) {
      fr.priority = *number;
    } else {
      fr.priority = static_cast<double>(order);
    }
    return fr;
  }

  Outcome CallTest(const Builtin& b, const Step& st, const gsl::Predicate& pr, const Val& v) {
    switch (b.id) {
      case BuiltinId::kIsEmpty: {
        bool empty = v.missing_or_null() || (v.kind == Val::Kind::kString && v.str.empty()) ||
                     ((v.kind == Val::Kind::kList || v.kind == Val::Kind::kObject) && !Exists(v));
        return Make(empty, pr, v);
      }
      case BuiltinId::kIsPublic: {
        auto one = [&](const Val& x) -> bool {
          if (x.kind == Val::Kind::kString) {
            auto c = ParseSource(x.str);
            return c && CidrIsPublic(*c);
          }
          if (x.kind == Val::Kind::kObject) {
            for (const char* k : {"scope", "source"}) {
              Val s = Member(x, k, arena);
              if (s.kind == Val::Kind::kString) {
                auto c = ParseSource(s.str);
                if (c && CidrIsPublic(*c)) return true;
              }
            }
          }
          return false;
        };
        for (const Val& x : AsList(v, arena)) {
          if (one(x)) return Make(true, pr, x);
        }
        return Make(false, pr, v);
      }
      case BuiltinId::kIsFilterPatternEqual:
      case BuiltinId::kCoversFilterPattern: {
        if (v.kind != Val::Kind::kString) {
          return Make(false, pr, v, v.kind == Val::Kind::kMissing ? "no filter pattern here"
                                                                  : "not a filter pattern string");
        }
        bool equal = b.id == BuiltinId::kIsFilterPatternEqual;
        auto& cache = pattern_cache_[&st];
        auto it = cache.find(v.str);
        if (it == cache.end()) {
          it = cache.emplace(std::string(v.str), DecidePattern(equal, p_.patterns_.at(&st), v.str))
                   .first;
        }
        return Make(it->second.first, pr, v, it->second.second);
      }
      default:
        return Make(false, pr, v);
    }
  }

  std::pair<bool, std::string> DecidePattern(bool equal, const pattern::Pattern& ref,
                                             std::string_view text) {
    pattern::ParseResult r = pattern::Parse(text);
    if (!r.ok()) {
      return {false, fmt::format("the filter pattern is invalid: {} (column {})", r.error.message,
                                 r.error.column)};
    }
    const pattern::Pattern& have = *r.pattern;
    std::string words;
    auto explain = [&] {
      for (const std::string& w : pattern::Explain(have, ref, o_.patterns)) {
        words += (words.empty() ? "" : "; ") + w;
      }
    };
    if (equal) {
      pattern::Comparison c = pattern::Compare(have, ref, o_.patterns);
      if (c.relation == pattern::Relation::kEqual) return {true, "equal to the reference pattern"};
      if (c.relation == pattern::Relation::kUnknown) {
        return {false, "unknown: " + c.reason};
      }
      explain();
      return {false, fmt::format("not equal ({}){}", pattern::RelationName(c.relation),
                                 words.empty() ? "" : ": " + words)};
    }
    pattern::Found f = pattern::Covers(have, ref, o_.patterns);
    if (f.exists == pattern::Truth::kTrue) return {true, "covers the reference pattern"};
    if (f.exists == pattern::Truth::kUnknown) return {false, "unknown: " + f.reason};
    explain();
    return {false, "does not cover the reference pattern" + (words.empty() ? "" : ": " + words)};
  }

  static constexpr size_t kMaxDetails = 6;
  static constexpr size_t kMaxGroups = 64;
  Pool<LazyEvidence> evidence_;
  Pool<Details> details_;
  const Program& p_;
  const EvalOptions& o_;
  double now_;
  std::string_view last_note_;  // kept in the arena

  // Per filter-pattern step: decision and note by pattern text (looked up by view, no copy).
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<const Step*, std::unordered_map<std::string, std::pair<bool, std::string>,
                                                     TextHash, std::equal_to<>>>
      pattern_cache_;
};

namespace {

std::string Str(DomRef e, std::string_view key) {
  DomRef v = e.Member(key);
  return v.valid() && v.type() == '"' ? std::string(v.string()) : std::string();
}

// "expr (path = value)", written in one piece (one per reported result).
std::string Message(const Evidence& ev) {
  if (ev.path.empty()) return ev.expr;
  std::string out(ev.expr.size() + ev.path.size() + ev.value.size() + 6, ' ');
  char* p = out.data();
  auto put = [&p](std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  put(ev.expr);
  put(" (");
  put(ev.path);
  put(" = ");
  put(ev.value);
  put(")");
  return out;
}

// Fills in the status, evidence and message of `r` from the body's outcome.
void Finish(Result& r, Evaluator& ev, const Rule& rule, const Outcome& o, bool gap,
            const std::string& unreadable_reason = {}) {
  if (o.v == Outcome::V::kError) {
    r.status = Status::kError;
    if (ev.trace) ev.Materialize(o.ev, r.evidence);
    r.message = o.error;
    return;
  }
  bool valid = o.is_true() != rule.negated;
  r.status = valid ? Status::kPassed : Status::kFailed;
  bool no_data = ev.touched_unreadable || gap;
  if (no_data && (!valid || rule.negated)) r.status = Status::kNoData;
  if (ev.trace && (r.status != Status::kPassed || ev.evidence_for_passed())) {
    r.evidence.reserve(1 + (o.details ? o.details->size() : 0));
    ev.Materialize(o.ev, r.evidence);
    if (o.details) {
      for (const LazyEvidence& d : *o.details) ev.Materialize(&d, r.evidence);
    }
  }
  if (r.status == Status::kNoData) {
    r.message = "the verdict rests on data that could not be read";
    if (ev.touched_unreadable && !unreadable_reason.empty()) r.message += ": " + unreadable_reason;
    if (gap) r.message += ": the collector recorded a permission gap for " + rule.entity_type;
  } else if (!r.evidence.empty()) {
    r.message = Message(r.evidence.front());
  }
}

}  // namespace

std::vector<Result> Evaluate(const Program& program, const Inventory& inv,
                             const EvalOptions& options) {
  std::vector<Result> out;
  const Rule& rule = program.rule();
  Evaluator ev(program, options);
  if (rule.event_query) return out;
  if (!inv.Has(rule.entity_type)) {
    Result r;
    r.entity_type = program.TargetName();
    r.entity_id = inv.account_id();
    r.entity_name = inv.account_name();
    r.status = Status::kNoData;
    r.message = fmt::format("the inventory has no {} entities: the type was not collected",
                            rule.entity_type);
    out.push_back(std::move(r));
    return out;
  }
  bool gap = inv.HasGap(rule.entity_type);
  // The id, name and readability of each entity were read at load.
  const auto& infos = inv.Infos(rule.entity_type);
  if (rule.list_target) {
    ev.Reset();
    SynthObject* obj = ev.arena.Object();
    SynthList* items = ev.arena.List();
    const PathNode* items_path = ev.arena.Path(nullptr, "items");
    bool any_unreadable = false;
    std::string reasons;
    for (size_t i = 0; i < infos.size(); ++i) {
      bool u = infos[i].unreadable;
      any_unreadable |= u;
      if (u) {
        std::string why = Str(infos[i].value, "chainUnreadableReason");
        reasons += (reasons.empty() ? "" : "; ") + std::string(infos[i].id) +
                   (why.empty() ? "" : ": " + why);
      }
      items->items.push_back(
          FromDom(infos[i].value, ev.arena.Path(items_path, {}, static_cast<int64_t>(i)), u));
    }
    Val id;
    id.kind = Val::Kind::kString;
    id.str = inv.account_id();
    obj->members.emplace_back("id", id);
    Val list;
    list.kind = Val::Kind::kList;
    list.list = items;
    list.path = items_path;
    obj->members.emplace_back("items", list);
    Val entity;
    entity.kind = Val::Kind::kObject;
    entity.object = obj;
    Result r;
    r.entity_type = program.TargetName();
    r.entity_id = inv.account_id();
    r.entity_name = inv.account_name();
    if (rule.where) {
      Outcome w = ev.Expr(*rule.where, entity);
      if (!w.is_true()) {
        r.status = w.v == Outcome::V::kError ? Status::kError : Status::kSkipped;
        if (r.status == Status::kError || options.evidence_for_passed) {
          ev.Materialize(w.ev, r.evidence);
        }
        r.message = w.v == Outcome::V::kError ? std::string(w.error)
                                              : std::string("the where filter is false");
        out.push_back(std::move(r));
        return out;
      }
    }
    ev.touched_unreadable = false;
    Outcome o = ev.Expr(rule.body, entity);
    // For List<T>: no-data only when nothing passed and some item is unreadable.
    ev.touched_unreadable = any_unreadable;
    Finish(r, ev, rule, o, gap, reasons);
    out.push_back(std::move(r));
    return out;
  }
  out.reserve(infos.size());
  size_t evaluated = 0, reported_count = 0;
  for (size_t i = 0; i < infos.size(); ++i) {
    DomRef e = infos[i].value;
    Val entity = FromDom(e, nullptr, infos[i].unreadable);
    // First a fast pass without evidence or paths; then, for a result that is reported with
    // evidence, a second pass that gathers them (the filter-pattern decisions are cached by then).
    auto run = [&](bool trace, Result& x) {
      ev.Reset();
      ev.arena.set_paths(trace);
      ev.trace = trace;
      if (rule.where) {
        ev.touched_unreadable = false;
        Outcome w = ev.Expr(*rule.where, entity);
        if (!w.is_true()) {
          x.status = w.v == Outcome::V::kError ? Status::kError : Status::kSkipped;
          if (trace) ev.Materialize(w.ev, x.evidence);
          x.message = w.v == Outcome::V::kError ? std::string(w.error)
                                                : std::string("the where filter is false");
          return;
        }
      }
      ev.touched_unreadable = false;
      Outcome o = ev.Expr(rule.body, entity);
      Finish(x, ev, rule, o, gap,
             entity.unreadable ? Str(e, "chainUnreadableReason") : std::string());
    };
    Result& r = out.emplace_back();
    auto reported = [](const Result& x) {
      return x.status != Status::kPassed && x.status != Status::kSkipped;
    };
    // The fast pass saves time only where the evidence is not wanted: when every result carries
    // evidence, or when most results of this rule so far did (a failing rule), the traced pass
    // runs alone. It decides as the fast one does; without evidence_for_passed, a passed result
    // has no evidence in either, and a skipped one drops what the traced pass gathered.
    bool traced_first = options.evidence_for_passed ||
                        (evaluated >= 32 && reported_count * 3 > evaluated);
    if (traced_first) {
      run(true, r);
      if (!options.evidence_for_passed && r.status == Status::kSkipped) r.evidence.clear();
    } else {
      run(false, r);
      if (reported(r)) {
        r = Result();
        run(true, r);
      }
    }
    ++evaluated;
    reported_count += reported(r);
    // The entity's names are set once, on the result that is kept.
    r.entity_type = rule.entity_type;
    r.entity_id = infos[i].id;
    r.entity_name = infos[i].name;
  }
  return out;
}

std::vector<std::vector<Result>> EvaluateMany(const std::vector<const Program*>& programs,
                                              const Inventory& inventory,
                                              const EvalOptions& options, int jobs) {
  EvalOptions o = options;
  if (o.now == 0) {
    o.now = CurrentTime();
  }
  std::vector<std::vector<Result>> out(programs.size());
  size_t threads = static_cast<size_t>(jobs > 0 ? jobs : AvailableProcessors());
  threads = std::min(threads, programs.size());
  // Programs are immutable and the inventory is only read: each thread evaluates whole programs,
  // taking the next one when it is done.
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < programs.size();) {
      out[i] = Evaluate(*programs[i], inventory, o);
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: those started, and this one, do the rest
    }
  }
  work();
  for (std::thread& t : pool) t.join();
  return out;
}

Result EvaluateEvent(const Program& program, DomRef event, const EvalOptions& options) {
  Evaluator ev(program, options);
  Result r;
  r.entity_type = "cloudtrail";
  if (event.is_object()) {
    DomRef id = event.Member("eventID"), name = event.Member("eventName");
    if (id.valid() && id.type() == '"') r.entity_id = id.string();
    if (name.valid() && name.type() == '"') r.entity_name = name.string();
  }
  Val v = FromDom(event, nullptr, false);
  Outcome o = ev.Expr(program.rule().body, v);
  ev.Materialize(o.ev, r.evidence);
  if (o.v == Outcome::V::kError) {
    r.status = Status::kError;
    r.message = o.error;
  } else {
    r.status = o.is_true() ? Status::kPassed : Status::kSkipped;
  }
  return r;
}

}  // namespace vigil::gsl
