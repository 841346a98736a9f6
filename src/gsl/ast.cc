#include "gsl/ast.h"

#include <fmt/format.h>

namespace vigil::gsl {

namespace {

std::string Lit(const Literal& l) {
  switch (l.type) {
    case Literal::Type::kString: {
      std::string out = "'";
      for (char c : l.text) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
      }
      return out + "'";
    }
    case Literal::Type::kNumber: return l.text;
    case Literal::Type::kBool: return l.boolean ? "true" : "false";
  }
  return "";
}

std::string Path(const std::vector<std::string>& p) {
  std::string out;
  for (size_t i = 0; i < p.size(); ++i) out += (i ? "." : "") + p[i];
  return out;
}

void Indent(std::string& out, int depth) { out += std::string(2 * depth, ' '); }

void EmitExpr(std::string& out, const Expr& e, int depth);

void EmitBracket(std::string& out, const Bracket& b, int depth) {
  if (!b.expr) {
    out += "(literals";
    for (const Literal& l : b.literals) out += " " + Lit(l);
    out += ")";
    return;
  }
  out += "\n";
  EmitExpr(out, *b.expr, depth);
}

void EmitPredicate(std::string& out, const Predicate& p, int depth) {
  Indent(out, depth);
  out += "(pred " + (p.is_dollar ? std::string("$") : "(path " + Path(p.path) + ")");
  for (const Step& s : p.steps) {
    out += "\n";
    Indent(out, depth + 1);
    switch (s.type) {
      case Step::Type::kWith:
        out += "(with";
        EmitBracket(out, s.bracket, depth + 2);
        out += ")";
        break;
      case Step::Type::kGroupBy:
        out += "(groupBy (path " + Path(s.path) + "))";
        break;
      case Step::Type::kCall:
        out += "(call " + s.name;
        for (const Literal& a : s.args) out += " " + Lit(a);
        out += ")";
        break;
    }
  }
  if (p.test) {
    const Test& t = *p.test;
    out += "\n";
    Indent(out, depth + 1);
    switch (t.type) {
      case Test::Type::kCompare: out += "(" + t.op + " " + Lit(t.literal) + ")"; break;
      case Test::Type::kLike: out += "(like " + Lit(t.literal) + ")"; break;
      case Test::Type::kRegex: out += "(regexMatch /" + t.regex + "/" + t.flags + ")"; break;
      case Test::Type::kIn: {
        out += "(in";
        for (const Literal& l : t.literals) out += " " + Lit(l);
        out += ")";
        break;
      }
      case Test::Type::kBefore:
      case Test::Type::kAfter:
        out += fmt::format("({} {} {})", t.type == Test::Type::kBefore ? "before" : "after",
                           t.amount, t.unit);
        break;
      case Test::Type::kQuantifier:
        out += "(" + t.op;
        if (t.bracket.expr) {
          EmitBracket(out, t.bracket, depth + 2);
        } else {
          out += " ";
          EmitBracket(out, t.bracket, depth + 2);
        }
        out += ")";
        break;
    }
  }
  out += ")";
}

void EmitExpr(std::string& out, const Expr& e, int depth) {
  switch (e.type) {
    case Expr::Type::kPredicate:
      EmitPredicate(out, e.predicate, depth);
      return;
    case Expr::Type::kNot:
      Indent(out, depth);
      out += "(not\n";
      EmitExpr(out, e.children[0], depth + 1);
      out += ")";
      return;
    case Expr::Type::kAnd:
    case Expr::Type::kOr:
      Indent(out, depth);
      out += e.type == Expr::Type::kAnd ? "(and" : "(or";
      for (const Expr& c : e.children) {
        out += "\n";
        EmitExpr(out, c, depth + 1);
      }
      out += ")";
      return;
  }
}

}  // namespace

std::string ToSExpr(const Rule& r) {
  std::string out;
  if (r.event_query) {
    out = "(query " + r.event_source + "\n";
    EmitExpr(out, r.body, 1);
    return out + ")\n";
  }
  out = "(rule " + (r.list_target ? "(List " + r.entity_type + ")" : r.entity_type);
  if (r.where) {
    out += "\n  (where\n";
    EmitExpr(out, *r.where, 2);
    out += ")";
  }
  out += r.negated ? "\n  (should-not\n" : "\n  (should\n";
  EmitExpr(out, r.body, 2);
  return out + "))\n";
}

}  // namespace vigil::gsl
