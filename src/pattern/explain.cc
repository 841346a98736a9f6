// Explanations in CloudTrail words (filter-patterns.md §10.7). Every sentence is backed by a
// search for an event (relation.h), never by comparing text.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "pattern/printer.h"
#include "pattern/relation.h"

namespace vigil::pattern {

namespace {

bool IsPath(const Selector& s, std::string_view name) {
  return s.steps.size() == 1 && s.steps[0].type == Step::Type::kMember && s.steps[0].key == name;
}

void Collect(const Expr& e, std::vector<const Atom*>& out) {
  if (e.type == Expr::Type::kAtom) {
    out.push_back(&e.atom);
    return;
  }
  for (const Expr& c : e.children) Collect(c, out);
}

std::vector<std::string> Literals(const Pattern& p, std::string_view field) {
  std::vector<const Atom*> atoms;
  Collect(p.json, atoms);
  std::vector<std::string> out;
  for (const Atom* a : atoms) {
    if (IsPath(a->selector, field) && a->op == Op::kEq && a->value.type == Value::Type::kString &&
        std::find(out.begin(), out.end(), a->value.text) == out.end()) {
      out.push_back(a->value.text);
    }
  }
  return out;
}

Pattern JsonOf(Expr e) {
  Pattern p;
  p.kind = Kind::kJson;
  p.json = std::move(e);
  return p;
}

Expr AtomExpr(std::string_view field, Op op, std::string_view value) {
  Expr e;
  e.atom.selector.steps.push_back(Step{Step::Type::kMember, std::string(field), 0});
  e.atom.op = op;
  e.atom.value.type = Value::Type::kString;
  e.atom.value.text = std::string(value);
  return e;
}

Expr And(std::vector<Expr> parts) {
  if (parts.size() == 1) return std::move(parts[0]);
  Expr e;
  e.type = Expr::Type::kAnd;
  e.children = std::move(parts);
  return e;
}

std::string Field(const Selector& s) {
  std::string p = PrintSelector(s);
  return p.rfind("$.", 0) == 0 ? p.substr(2) : p;
}

std::string Describe(const Atom& a) {
  std::string f = Field(a.selector);
  const Value& v = a.value;
  auto shown = [&] {
    switch (v.type) {
      case Value::Type::kString: return v.text;
      case Value::Type::kNumber: return v.number_text;
      case Value::Type::kRegex: return "%" + v.text + "%";
      case Value::Type::kGlob: break;
    }
    if (v.text.empty()) return std::string("any string or number");
    return v.text;
  };
  auto glob_words = [&](bool neg) {
    std::string is = neg ? " does not " : " ";
    if (v.text.empty()) return f + (neg ? " is not a string or number" : " is a string or number");
    if (v.star_start && v.star_end) return f + is + (neg ? "contain " : "contains ") + v.text;
    if (v.star_end) return f + is + (neg ? "start with " : "starts with ") + v.text;
    return f + is + (neg ? "end with " : "ends with ") + v.text;
  };
  switch (a.op) {
    case Op::kEq:
      if (v.type == Value::Type::kGlob) return glob_words(false);
      if (v.type == Value::Type::kRegex) return f + " matches " + shown();
      return f + " is " + shown();
    case Op::kNe:
      if (v.type == Value::Type::kGlob) return glob_words(true);
      if (v.type == Value::Type::kRegex) return f + " does not match " + shown();
      return f + " is present and not " + shown();
    case Op::kLt: return f + " is below " + shown();
    case Op::kLe: return f + " is at most " + shown();
    case Op::kGt: return f + " is above " + shown();
    case Op::kGe: return f + " is at least " + shown();
    case Op::kIsNull: return f + " is null";
    case Op::kIsTrue: return f + " is true";
    case Op::kIsFalse: return f + " is false";
    case Op::kNotExists: return f + " is absent";
  }
  return f;
}

// The negation of Describe(a), in words.
std::string DescribeNot(const Atom& a) {
  std::string f = Field(a.selector);
  const Value& v = a.value;
  std::string shown = v.type == Value::Type::kNumber ? v.number_text
                      : v.type == Value::Type::kRegex ? "%" + v.text + "%"
                                                      : v.text;
  switch (a.op) {
    case Op::kEq:
      if (v.type == Value::Type::kGlob && v.text.empty()) return f + " is not a string or number";
      if (v.type == Value::Type::kGlob) {
        if (v.star_start && v.star_end) return f + " does not contain " + shown;
        if (v.star_end) return f + " does not start with " + shown;
        return f + " does not end with " + shown;
      }
      if (v.type == Value::Type::kRegex) return f + " does not match " + shown;
      return f + " is not " + shown;
    case Op::kNe: return f + " is " + shown + " or is not a string or number";
    case Op::kLt: return f + " is at least " + shown + " or is not a number";
    case Op::kLe: return f + " is above " + shown + " or is not a number";
    case Op::kGt: return f + " is at most " + shown + " or is not a number";
    case Op::kGe: return f + " is below " + shown + " or is not a number";
    case Op::kIsNull: return f + " is not null";
    case Op::kIsTrue: return f + " is not true";
    case Op::kIsFalse: return f + " is not false";
    case Op::kNotExists: return f + " is present";
  }
  return f;
}

// Why a JSON pattern can never match, in words.
std::string UnsatReason(const Expr& e) {
  if (e.type == Expr::Type::kAnd) {
    std::vector<const Atom*> eqs;
    for (const Expr& c : e.children) {
      if (c.type == Expr::Type::kAtom && c.atom.op == Op::kEq &&
          c.atom.value.type == Value::Type::kString) {
        eqs.push_back(&c.atom);
      }
    }
    for (size_t i = 0; i < eqs.size(); ++i) {
      for (size_t j = i + 1; j < eqs.size(); ++j) {
        if (eqs[i]->selector == eqs[j]->selector && eqs[i]->value.text != eqs[j]->value.text) {
          std::string f = Field(eqs[i]->selector);
          std::string what = f == "eventName" ? "names" : f == "eventSource" ? "sources" : "values";
          return f + " cannot equal two " + what + " at once";
        }
      }
    }
    for (const Expr& c : e.children) {
      std::string r = UnsatReason(c);
      if (!r.empty()) return r;
    }
  }
  return "";
}

}  // namespace

std::vector<std::string> Explain(const Pattern& a, const Pattern& b, const DecideOptions& options) {
  std::vector<std::string> out;
  if (a.kind != Kind::kJson) return out;
  if (FindEvent({&a}, {}, options).exists == Truth::kFalse) {
    std::string why = UnsatReason(a.json);
    out.push_back("can never match" + (why.empty() ? std::string(": its conditions contradict "
                                                                 "each other")
                                                   : ": " + why));
    return out;
  }
  if (b.kind != Kind::kJson) return out;
  auto exists = [&](const std::vector<const Pattern*>& m, const std::vector<const Pattern*>& x) {
    return FindEvent(m, x, options).exists == Truth::kTrue;
  };
  std::vector<std::string> src_b = Literals(b, "eventSource"), src_a = Literals(a, "eventSource");
  std::vector<std::string> name_b = Literals(b, "eventName"), name_a = Literals(a, "eventName");
  auto call = [](const std::string& n, const std::string& s) {
    return s.empty() ? n : n + " from " + s;
  };

  // Conditions on other fields that one side has and the other lacks.
  std::vector<const Atom*> atoms_a, atoms_b;
  Collect(a.json, atoms_a);
  Collect(b.json, atoms_b);
  auto key = [](const Atom* x) {
    Expr e;
    e.atom = *x;
    e.atom.offset = 0;
    return Normalize(JsonOf(e));
  };
  auto other_field = [](const Atom* x) {
    return !IsPath(x->selector, "eventSource") && !IsPath(x->selector, "eventName");
  };
  std::set<std::string> keys_a, keys_b;
  for (const Atom* x : atoms_a) keys_a.insert(key(x));
  for (const Atom* x : atoms_b) keys_b.insert(key(x));
  std::vector<const Atom*> extra_a, extra_b;
  for (const Atom* x : atoms_a) {
    if (other_field(x) && !keys_b.count(key(x))) extra_a.push_back(x);
  }
  for (const Atom* x : atoms_b) {
    if (other_field(x) && !keys_a.count(key(x))) extra_b.push_back(x);
  }

  // What the reference matches and `a` misses, call by call.
  std::vector<std::string> sources = src_b.empty() ? std::vector<std::string>{""} : src_b;

  for (const std::string& s : sources) {
    for (const std::string& n : name_b) {
      std::vector<Expr> pin{AtomExpr("eventName", Op::kEq, n)};
      if (!s.empty()) pin.push_back(AtomExpr("eventSource", Op::kEq, s));
      Pattern p = JsonOf(And(std::move(pin)));
      if (!exists({&b, &p}, {})) continue;  // the reference itself does not match this call
      if (!exists({&a, &p}, {})) {
        out.push_back("does not match " + call(n, s));

      } else if (exists({&b, &p}, {&a}) && extra_a.empty()) {
        out.push_back("matches " + call(n, s) + " only in part");

      }
    }
  }

  // What `a` matches beyond the reference.
  std::set<std::string> all_names(name_a.begin(), name_a.end());
  all_names.insert(name_b.begin(), name_b.end());
  for (const std::string& s : src_a.empty() ? src_b : src_a) {
    if (s.empty()) continue;
    std::vector<Expr> pin{AtomExpr("eventSource", Op::kEq, s)};
    for (const std::string& n : all_names) pin.push_back(AtomExpr("eventName", Op::kNe, n));
    Pattern other = JsonOf(And(std::move(pin)));
    Found f = FindEvent({&a, &other}, {&b}, options);
    if (f.exists == Truth::kTrue) {
      if (!exists({&other}, {&a})) {
        out.push_back("also matches every other " + s + " call");
      } else {
        out.push_back("also matches other " + s + " calls, such as " + f.event);
      }
    }
  }
  for (const std::string& n : name_a) {
    if (std::find(name_b.begin(), name_b.end(), n) != name_b.end()) continue;
    std::vector<std::string> srcs = src_a.empty() ? std::vector<std::string>{""} : src_a;
    for (const std::string& s : srcs) {
      std::vector<Expr> pin{AtomExpr("eventName", Op::kEq, n)};
      if (!s.empty()) pin.push_back(AtomExpr("eventSource", Op::kEq, s));
      Pattern p = JsonOf(And(std::move(pin)));
      if (exists({&a, &p}, {&b})) out.push_back("also matches " + call(n, s));
    }
  }
  if (src_a.empty() && !src_b.empty() && !name_a.empty()) {
    Pattern p = JsonOf(AtomExpr("eventSource", Op::kNe, src_b[0]));
    if (exists({&a, &p}, {&b})) {
      out.push_back("also matches these event names from any other event source");
    }
  }

  bool a_misses = exists({&b}, {&a});
  bool a_adds = exists({&a}, {&b});
  if (a_misses) {
    for (const Atom* x : extra_a) out.push_back("only when " + Describe(*x));
  }
  if (a_adds) {
    for (const Atom* x : extra_b) {
      out.push_back("also matches when " + DescribeNot(*x));
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace vigil::pattern
