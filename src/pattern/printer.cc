#include "pattern/printer.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "base/text.h"

namespace vigil::pattern {

namespace {
bool IsPlainName(const std::string& k) {
  if (k.empty()) return false;
  for (char c : k) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void AppendQuoted(std::string& out, const std::string& s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}
}  // namespace

std::string PrintSelector(const Selector& sel) {
  std::string out = "$";
  for (const Step& st : sel.steps) {
    switch (st.type) {
      case Step::Type::kMember:
        if (IsPlainName(st.key)) {
          out += '.';
          out += st.key;
        } else {
          out += (&st == &sel.steps.front()) ? ".['" : "['";
          out += st.key;
          out += "']";
        }
        break;
      case Step::Type::kIndex:
        out += '[' + std::to_string(st.index) + ']';
        break;
      case Step::Type::kAnyMember:
        out += ".*";
        break;
      case Step::Type::kAnyIndex:
        out += "[*]";
        break;
    }
  }
  return out;
}

std::string PrintValue(const Value& v) {
  std::string out;
  switch (v.type) {
    case Value::Type::kString:
      AppendQuoted(out, v.text);
      break;
    case Value::Type::kGlob:
      AppendQuoted(out, std::string(v.star_start ? "*" : "") + v.text +
                            (v.star_end && !(v.text.empty() && v.star_start) ? "*" : ""));
      break;
    case Value::Type::kRegex:
      out = "%" + v.text + "%";
      break;
    case Value::Type::kNumber:
      out = FormatNumber(v.number);
      break;
  }
  return out;
}

}  // namespace vigil::pattern

namespace vigil::pattern {

namespace {

bool IsBareTerm(const std::string& t) {
  if (t.empty()) return false;
  for (char c : t) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string PrintTerm(const Term& t) {
  std::string out;
  if (t.mod == Term::Mod::kOptional) out += '?';
  if (t.mod == Term::Mod::kExclude) out += '-';
  if (t.is_regex) return out + "%" + t.text + "%";
  if (IsBareTerm(t.text)) return out + t.text;
  AppendQuoted(out, t.text);
  return out;
}

std::string PrintAtom(const Atom& a) {
  std::string out = PrintSelector(a.selector);
  out += ' ';
  out += OpText(a.op);
  if (HasValue(a.op)) {
    out += ' ';
    out += PrintValue(a.value);
  }
  return out;
}

std::string PrintExpr(const Expr& e, bool nested) {
  if (e.type == Expr::Type::kAtom) return PrintAtom(e.atom);
  std::string out = nested ? "(" : "";
  const char* op = e.type == Expr::Type::kAnd ? " && " : " || ";
  for (size_t i = 0; i < e.children.size(); ++i) {
    if (i) out += op;
    out += PrintExpr(e.children[i], true);
  }
  if (nested) out += ')';
  return out;
}

std::string PrintField(const Field& f) {
  switch (f.type) {
    case Field::Type::kEllipsis: return "...";
    case Field::Type::kUnnamed: return "";
    case Field::Type::kNamed: break;
  }
  if (f.any_of.empty()) return f.name;
  std::string out;
  for (size_t i = 0; i < f.any_of.size(); ++i) {
    if (i) out += " || ";
    for (size_t j = 0; j < f.any_of[i].size(); ++j) {
      if (j) out += " && ";
      const FieldAtom& a = f.any_of[i][j];
      out += f.name + " " + OpText(a.op) + " " + PrintValue(a.value);
    }
  }
  return out;
}

Expr CanonicalExpr(const Expr& e) {
  if (e.type == Expr::Type::kAtom) {
    Expr out = e;
    out.atom.offset = 0;
    return out;
  }
  // Flatten children of the same operator, then sort by printed text and deduplicate.
  std::vector<Expr> flat;
  for (const Expr& c : e.children) {
    Expr cc = CanonicalExpr(c);
    if (cc.type == e.type) {
      for (Expr& g : cc.children) flat.push_back(std::move(g));
    } else {
      flat.push_back(std::move(cc));
    }
  }
  std::vector<std::pair<std::string, Expr>> keyed;
  for (Expr& c : flat) keyed.emplace_back(PrintExpr(c, true), std::move(c));
  std::sort(keyed.begin(), keyed.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  keyed.erase(std::unique(keyed.begin(), keyed.end(),
                          [](const auto& a, const auto& b) { return a.first == b.first; }),
              keyed.end());
  if (keyed.size() == 1) return std::move(keyed[0].second);
  Expr out;
  out.type = e.type;
  for (auto& k : keyed) out.children.push_back(std::move(k.second));
  return out;
}

}  // namespace

std::string Print(const Pattern& p) {
  switch (p.kind) {
    case Kind::kMatchAll:
      return "";
    case Kind::kTerm: {
      std::string out;
      for (size_t i = 0; i < p.terms.size(); ++i) {
        if (i) out += ' ';
        out += PrintTerm(p.terms[i]);
      }
      return out;
    }
    case Kind::kJson:
      return "{ " + PrintExpr(p.json, false) + " }";
    case Kind::kDelimited: {
      std::string out = "[";
      for (size_t i = 0; i < p.fields.size(); ++i) {
        if (i) out += ", ";
        out += PrintField(p.fields[i]);
      }
      // A trailing unnamed field needs its comma to survive: "[a, ]".
      return out + "]";
    }
  }
  return "";
}

Pattern Canonicalize(const Pattern& p) {
  Pattern out;
  out.kind = p.kind;
  switch (p.kind) {
    case Kind::kMatchAll:
      return out;
    case Kind::kTerm: {
      bool has_plain = false;
      for (const Term& t : p.terms) has_plain |= t.mod != Term::Mod::kOptional;
      std::vector<std::pair<std::string, Term>> keyed;
      bool never = false;
      for (const Term& t : p.terms) {
        Term c = t;
        c.quoted = false;
        if (has_plain && c.mod == Term::Mod::kOptional) continue;  // ignored (§3.1)
        if (c.IsBlank()) {
          if (c.mod == Term::Mod::kExclude) never = true;
          if (c.mod == Term::Mod::kInclude) continue;  // occurs everywhere
          if (c.mod == Term::Mod::kOptional) return Pattern{};  // an optional that always occurs
          c.text.clear();
        }
        keyed.emplace_back(PrintTerm(c), std::move(c));
      }
      if (never) {
        // Excluding a blank phrase excludes every event; one such term says it all.
        Term t;
        t.mod = Term::Mod::kExclude;
        out.terms.push_back(t);
        return out;
      }
      std::sort(keyed.begin(), keyed.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      keyed.erase(std::unique(keyed.begin(), keyed.end(),
                              [](const auto& a, const auto& b) { return a.first == b.first; }),
                  keyed.end());
      if (keyed.empty()) return Pattern{};  // only blank phrases: match-all
      for (auto& k : keyed) out.terms.push_back(std::move(k.second));
      return out;
    }
    case Kind::kJson:
      out.json = CanonicalExpr(p.json);
      return out;
    case Kind::kDelimited:
      for (const Field& f : p.fields) {
        Field c = f;
        if (!c.any_of.empty()) {
          std::vector<std::pair<std::string, std::vector<FieldAtom>>> conj;
          for (auto atoms : c.any_of) {
            std::vector<std::pair<std::string, FieldAtom>> keyed;
            for (FieldAtom& a : atoms) {
              keyed.emplace_back(std::string(OpText(a.op)) + " " + PrintValue(a.value), a);
            }
            std::sort(keyed.begin(), keyed.end(),
                      [](const auto& a, const auto& b) { return a.first < b.first; });
            keyed.erase(std::unique(keyed.begin(), keyed.end(),
                                    [](const auto& a, const auto& b) { return a.first == b.first; }),
                        keyed.end());
            std::string key;
            std::vector<FieldAtom> sorted;
            for (auto& k : keyed) {
              key += k.first + "&&";
              sorted.push_back(std::move(k.second));
            }
            conj.emplace_back(key, std::move(sorted));
          }
          std::sort(conj.begin(), conj.end(),
                    [](const auto& a, const auto& b) { return a.first < b.first; });
          conj.erase(std::unique(conj.begin(), conj.end(),
                                 [](const auto& a, const auto& b) { return a.first == b.first; }),
                     conj.end());
          c.any_of.clear();
          for (auto& k : conj) c.any_of.push_back(std::move(k.second));
        }
        out.fields.push_back(std::move(c));
      }
      return out;
  }
  return out;
}

std::string Normalize(const Pattern& p) { return Print(Canonicalize(p)); }

}  // namespace vigil::pattern
